/* sha256.h — SHA-256 of streamed bytes (OpenSSL's libcrypto), for manifests and checksums. */
#ifndef DARTMK_SHA256_H
#define DARTMK_SHA256_H

#include <stddef.h>

enum { DM_SHA256_HEX = 65 }; /* 64 hex digits and the NUL */

struct dm_sha256;

/* NULL when out of memory. */
struct dm_sha256 *dm_sha256_new(void);
void dm_sha256_update(struct dm_sha256 *h, const void *p, size_t n);
/* Reads fd to its end into h. 0, or -1 with errno set (a read failed). */
int dm_sha256_update_fd(struct dm_sha256 *h, int fd);
/* Finishes into hex (lower case) and frees h. */
void dm_sha256_final(struct dm_sha256 *h, char hex[DM_SHA256_HEX]);
/* Frees h without a result (on failure paths); NULL is fine. */
void dm_sha256_free(struct dm_sha256 *h);

/* The same in a second thread, so that hashing overlaps reading and writing: feed() waits for
 * the previous block to be hashed, then hashes this one in the background — the caller must
 * leave those bytes alone until its next feed() or finish(). NULL when out of memory. */
struct dm_sha256_bg;
struct dm_sha256_bg *dm_sha256_bg_new(void);
void dm_sha256_bg_feed(struct dm_sha256_bg *b, const void *p, size_t n);
/* Waits for the last block, writes the digest (hex may be NULL to drop it) and starts a new one
 * in the same thread. Returns 0, or -1 when out of memory (then only finish may follow). */
int dm_sha256_bg_digest(struct dm_sha256_bg *b, char hex[DM_SHA256_HEX]);
/* Waits for the last block and writes the digest (hex may be NULL on failure paths); frees b. */
void dm_sha256_bg_finish(struct dm_sha256_bg *b, char hex[DM_SHA256_HEX]);

#endif
