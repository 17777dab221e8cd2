// A VFS over SQLite's default one that gathers the writes of a WAL file and passes them down
// once per commit, 64 KiB at a time. SQLite writes every WAL frame as two `pwrite`s (its 24-byte
// header, then the page), so a group commit of 50 pages made 100 system calls, which cost more in
// the kernel's per-write work than in copying the bytes (`perf`: 5-6% of Bazaar's CPU under the
// order load, all of it inside the one writer).
//
// What keeps it safe: other connections see a commit only once SQLite updates the WAL index,
// which it does after writing the commit frame (the one whose header carries the database size
// after the commit, non-zero). The buffer is written down as soon as that frame is complete, in
// the same `xWrite` call, so its error is the commit's error, and the commit is in the file
// before anyone can be told of it. Every other call on the file (read, sync, truncate, size,
// close, file controls, locks) writes the buffer down first, so SQLite itself never sees the
// file differ from what it wrote. A WAL on a device without powersafe overwrite is not buffered:
// there SQLite pads a synced commit to a sector and may split the commit frame's page around a
// sync, so the write after a commit header would not complete the frame. (SQLite's Unix VFS
// reports powersafe overwrite unless built otherwise, and Bazaar does not sync at commit.)

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "SQLiteShims.h"
#include "sqlite_nio_sqlite3.h"

enum {
    frameHeaderSize = 24,
    bufferCapacity = 512 * 1024,
    /// The most the Unix VFS writes in one call: it masks a write's length to 17 bits, since
    /// SQLite itself never writes more than a page at once.
    largestWrite = 64 * 1024,
};

typedef struct BufferedFile {
    sqlite3_file base;
    /// The default VFS's file, allocated right after this struct.
    sqlite3_file *real;
    /// A WAL file's writes not passed down yet (NULL for other files, or before the first write).
    unsigned char *buffer;
    int isWAL;
    int length;
    /// Where `buffer[0]` goes in the file.
    sqlite3_int64 offset;
    /// The last write was the header of a commit frame: its page completes the commit.
    int commitPageNext;
} BufferedFile;

static sqlite3_vfs *rootVFS;
/// WAL writes SQLite asked for, and writes passed down to the default VFS for them.
static _Atomic long walWritesAsked, walWritesMade;

void sqlite_shims_wal_writes(long *asked, long *made) {
    *asked = atomic_load_explicit(&walWritesAsked, memory_order_relaxed);
    *made = atomic_load_explicit(&walWritesMade, memory_order_relaxed);
}

/// The default VFS's file under ours.
static sqlite3_file *realFile(sqlite3_file *handle) { return ((BufferedFile *)handle)->real; }

static int writeDown(BufferedFile *file) {
    int length = file->length;
    file->length = 0;
    for (int done = 0; done < length; done += largestWrite) {
        int amount = length - done < largestWrite ? length - done : largestWrite;
        atomic_fetch_add_explicit(&walWritesMade, 1, memory_order_relaxed);
        int rc = file->real->pMethods->xWrite(file->real, file->buffer + done, amount, file->offset + done);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

static int bufferedWrite(sqlite3_file *handle, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)handle;
    if (!file->isWAL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    atomic_fetch_add_explicit(&walWritesAsked, 1, memory_order_relaxed);
    int rc;
    // Only a run of consecutive writes is gathered; anything else is passed down in order.
    if (file->length > 0 && (offset != file->offset + file->length || file->length + amount > bufferCapacity)) {
        if ((rc = writeDown(file)) != SQLITE_OK) return rc;
    }
    if (file->buffer == NULL && amount <= largestWrite) file->buffer = malloc(bufferCapacity);
    if (file->buffer == NULL || amount > largestWrite) {
        // Passed down as it is, after what is gathered, which must not follow it.
        if ((rc = writeDown(file)) != SQLITE_OK) return rc;
        file->commitPageNext = 0;
        atomic_fetch_add_explicit(&walWritesMade, 1, memory_order_relaxed);
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->length == 0) file->offset = offset;
    memcpy(file->buffer + file->length, data, amount);
    file->length += amount;
    if (file->commitPageNext) {
        file->commitPageNext = 0;
        return writeDown(file);
    }
    // A frame header: bytes 4-7 hold the database size after the commit, zero if not a commit.
    if (amount == frameHeaderSize) {
        const unsigned char *header = data;
        file->commitPageNext = (header[4] | header[5] | header[6] | header[7]) != 0;
    }
    return SQLITE_OK;
}

static int bufferedClose(sqlite3_file *handle) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = writeDown(file);
    int closed = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

// Every other method passes the buffer down before doing what the default VFS does.
#define WRITE_DOWN_FIRST(handle)                                   \
    do {                                                           \
        int written = writeDown((BufferedFile *)(handle));         \
        if (written != SQLITE_OK) return written;                  \
    } while (0)

static int bufferedRead(sqlite3_file *handle, void *data, int amount, sqlite3_int64 offset) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xRead(realFile(handle), data, amount, offset);
}

static int bufferedTruncate(sqlite3_file *handle, sqlite3_int64 size) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xTruncate(realFile(handle), size);
}

static int bufferedSync(sqlite3_file *handle, int flags) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xSync(realFile(handle), flags);
}

static int bufferedFileSize(sqlite3_file *handle, sqlite3_int64 *size) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xFileSize(realFile(handle), size);
}

static int bufferedLock(sqlite3_file *handle, int level) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xLock(realFile(handle), level);
}

static int bufferedUnlock(sqlite3_file *handle, int level) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xUnlock(realFile(handle), level);
}

static int bufferedCheckReservedLock(sqlite3_file *handle, int *reserved) {
    return realFile(handle)->pMethods->xCheckReservedLock(realFile(handle), reserved);
}

static int bufferedFileControl(sqlite3_file *handle, int op, void *argument) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xFileControl(realFile(handle), op, argument);
}

static int bufferedSectorSize(sqlite3_file *handle) {
    return realFile(handle)->pMethods->xSectorSize(realFile(handle));
}

static int bufferedDeviceCharacteristics(sqlite3_file *handle) {
    return realFile(handle)->pMethods->xDeviceCharacteristics(realFile(handle));
}

static int bufferedShmMap(sqlite3_file *handle, int page, int pageSize, int extend, void volatile **mapped) {
    return realFile(handle)->pMethods->xShmMap(realFile(handle), page, pageSize, extend, mapped);
}

static int bufferedShmLock(sqlite3_file *handle, int offset, int count, int flags) {
    return realFile(handle)->pMethods->xShmLock(realFile(handle), offset, count, flags);
}

static void bufferedShmBarrier(sqlite3_file *handle) {
    realFile(handle)->pMethods->xShmBarrier(realFile(handle));
}

static int bufferedShmUnmap(sqlite3_file *handle, int deleteFlag) {
    return realFile(handle)->pMethods->xShmUnmap(realFile(handle), deleteFlag);
}

static int bufferedFetch(sqlite3_file *handle, sqlite3_int64 offset, int amount, void **pointer) {
    WRITE_DOWN_FIRST(handle);
    return realFile(handle)->pMethods->xFetch(realFile(handle), offset, amount, pointer);
}

static int bufferedUnfetch(sqlite3_file *handle, sqlite3_int64 offset, void *pointer) {
    return realFile(handle)->pMethods->xUnfetch(realFile(handle), offset, pointer);
}

// Version 3, as the default VFS's files (`bufferedOpen` refuses a file with fewer methods).
// A file without shared memory (the Unix VFS opens journals and WALs without locking) gets the
// same methods without the xShm ones, as SQLite decides from them whether a file supports WAL.
static const sqlite3_io_methods bufferedMethods = {
    3,
    bufferedClose,
    bufferedRead,
    bufferedWrite,
    bufferedTruncate,
    bufferedSync,
    bufferedFileSize,
    bufferedLock,
    bufferedUnlock,
    bufferedCheckReservedLock,
    bufferedFileControl,
    bufferedSectorSize,
    bufferedDeviceCharacteristics,
    bufferedShmMap,
    bufferedShmLock,
    bufferedShmBarrier,
    bufferedShmUnmap,
    bufferedFetch,
    bufferedUnfetch,
};

/// `bufferedMethods` without the xShm ones; filled in when the VFS is registered.
static sqlite3_io_methods bufferedMethodsWithoutShm;

static int bufferedOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *handle, int flags, int *outFlags) {
    BufferedFile *file = (BufferedFile *)handle;
    memset(file, 0, sizeof(BufferedFile));
    file->real = (sqlite3_file *)&file[1];
    int rc = rootVFS->xOpen(rootVFS, name, file->real, flags, outFlags);
    // SQLite calls xClose on a file whose pMethods is set, even after a failed open.
    const sqlite3_io_methods *real = file->real->pMethods;
    if (real == NULL) return rc;
    // Every method of ours calls the real file's: it must have them all.
    int shm = real->xShmMap != NULL && real->xShmLock != NULL && real->xShmBarrier != NULL && real->xShmUnmap != NULL;
    if (real->iVersion < 3 || real->xFetch == NULL || real->xUnfetch == NULL || (real->xShmMap != NULL && !shm)) {
        real->xClose(file->real);
        return SQLITE_CANTOPEN;
    }
    file->base.pMethods = shm ? &bufferedMethods : &bufferedMethodsWithoutShm;
    file->isWAL = (flags & SQLITE_OPEN_WAL) != 0 && (real->xDeviceCharacteristics(file->real) & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
    return rc;
}

static sqlite3_vfs bufferedVFS;

const char *sqlite_shims_wal_buffer_vfs(void) {
    static const char *name = "bazaar-wal-buffer";
    rootVFS = sqlite_nio_sqlite3_vfs_find(NULL);
    if (rootVFS == NULL || rootVFS->iVersion < 1) return NULL;
    bufferedMethodsWithoutShm = bufferedMethods;
    bufferedMethodsWithoutShm.xShmMap = NULL;
    bufferedMethodsWithoutShm.xShmLock = NULL;
    bufferedMethodsWithoutShm.xShmBarrier = NULL;
    bufferedMethodsWithoutShm.xShmUnmap = NULL;
    bufferedVFS = *rootVFS;
    bufferedVFS.szOsFile = (int)sizeof(BufferedFile) + rootVFS->szOsFile;
    bufferedVFS.zName = name;
    bufferedVFS.pNext = NULL;
    bufferedVFS.xOpen = bufferedOpen;
    if (sqlite_nio_sqlite3_vfs_register(&bufferedVFS, 0) != SQLITE_OK) return NULL;
    return name;
}
