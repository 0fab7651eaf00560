/* copy.h — moving bytes from a stream to a file descriptor, hashed on the way. */
#ifndef DARTMK_COPY_H
#define DARTMK_COPY_H

#include "util/progress.h"
#include "util/sha256.h"
#include "util/tree.h"

#include <stddef.h>
#include <stdint.h>

enum { DM_COPY_BUF = 128 << 10 }; /* like cat: stays in the CPU cache, large enough for disks */

/* Writes all n bytes (retrying short writes); `what` names the file in the one-line error.
 * Returns 0 or DM_FAIL. */
int dm_write_all(int fd, const void *p, size_t n, const char *what);
/* The same at byte offset `off` of fd (pwrite); the error says where it failed. */
int dm_pwrite_all(int fd, const void *p, size_t n, uint64_t off, const char *what);

/* Copies s to fd (-1: reads only) until its end, feeding h (may be NULL) and reporting base + bytes
 * so far to progress (may be NULL). *got receives the bytes copied. Returns 0 or an exit code after
 * one line. */
int dm_copy_stream(struct dm_stream *s, int fd, const char *what, struct dm_sha256 *h,
                   struct dm_progress *progress, uint64_t base, uint64_t *got);

/* Reads s to its end, hashing it: *size bytes, the SHA-256 in hex. Returns 0 or an exit code
 * (a read error was printed by the stream). */
int dm_hash_stream(struct dm_stream *s, uint64_t *size, char hex[DM_SHA256_HEX]);

#endif
