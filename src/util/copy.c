/* copy.c — stream to file, hashed on the way: the copy every target makes of media files. */
#include "util/copy.h"
#include "util/report.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int dm_write_all(int fd, const void *p, size_t n, const char *what)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return dm_error_errno(DM_FAIL, w < 0 ? errno : ENOSPC, "%s: cannot write", what);
        b += w, n -= (size_t)w;
    }
    return 0;
}

int dm_pwrite_all(int fd, const void *p, size_t n, uint64_t off, const char *what)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = pwrite(fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return dm_error_errno(DM_FAIL, w < 0 ? errno : ENOSPC, "%s: cannot write at byte %llu",
                                  what, (unsigned long long)off);
        b += w, n -= (size_t)w, off += (uint64_t)w;
    }
    return 0;
}

int dm_copy_stream(struct dm_stream *s, int fd, const char *what, struct dm_sha256 *h,
                   struct dm_progress *progress, uint64_t base, uint64_t *got)
{
    uint8_t *buf = malloc(DM_COPY_BUF);
    int rc = buf ? 0 : dm_error(DM_FAIL, "out of memory");
    *got = 0;
    while (rc == 0) {
        ssize_t r = dm_stream_read(s, buf, DM_COPY_BUF);
        if (r <= 0) {
            rc = r < 0 ? DM_FAIL : 0;
            break;
        }
        rc = fd >= 0 ? dm_write_all(fd, buf, (size_t)r, what) : 0;
        if (h)
            dm_sha256_update(h, buf, (size_t)r);
        *got += (uint64_t)r;
        if (progress)
            dm_progress_update(progress, base + *got);
    }
    free(buf);
    return rc;
}

int dm_hash_stream(struct dm_stream *s, uint64_t *size, char hex[DM_SHA256_HEX])
{
    uint8_t *buf = malloc(DM_COPY_BUF);
    struct dm_sha256 *h = dm_sha256_new();
    ssize_t r = -1;
    *size = 0;
    while (buf && h && (r = dm_stream_read(s, buf, DM_COPY_BUF)) > 0) {
        dm_sha256_update(h, buf, (size_t)r);
        *size += (uint64_t)r;
    }
    free(buf);
    if (r == 0) {
        dm_sha256_final(h, hex);
        return 0;
    }
    dm_sha256_free(h);
    return r < 0 && buf && h ? DM_FAIL : dm_error(DM_FAIL, "out of memory");
}
