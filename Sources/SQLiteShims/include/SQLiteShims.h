#ifndef SQLITE_SHIMS_H
#define SQLITE_SHIMS_H

/// Turns on SQLite's query planner stability guarantee for the connection `db` (a `sqlite3 *`).
/// `sqlite3_db_config` is variadic, which Swift cannot call; this is its one use here.
/// Returns SQLite's result code.
int sqlite_shims_enable_qpsg(void *db);

/// Registers a VFS over SQLite's default one that writes a WAL file's frames down once per commit,
/// 64 KiB at a time, instead of two `pwrite`s per frame (`WALWriteBuffer.c`); returns its name for
/// `sqlite3_open_v2`, or NULL when it cannot be registered. Not thread-safe: call it once.
const char *sqlite_shims_wal_buffer_vfs(void);

/// How many WAL writes SQLite asked that VFS for, and how many it made, since the process began.
void sqlite_shims_wal_writes(long *asked, long *made);

#endif
