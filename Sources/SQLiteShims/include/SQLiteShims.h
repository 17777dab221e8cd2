#ifndef SQLITE_SHIMS_H
#define SQLITE_SHIMS_H

/// Turns on SQLite's query planner stability guarantee for the connection `db` (a `sqlite3 *`).
/// `sqlite3_db_config` is variadic, which Swift cannot call; this is its one use here.
/// Returns SQLite's result code.
int sqlite_shims_enable_qpsg(void *db);

#endif
