/* source.c — deciding what SOURCE is, from its type and its first bytes, and opening it. */
#include "source/source.h"

#include "fat/fat_read.h"
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR    2048
#define VRS_START (16 * SECTOR) /* ISO 9660 / UDF volume recognition sequence */

static const char *const kind_names[] = {"directory", "iso", "wim", "device", "disk"};

const char *dm_source_kind_name(enum dm_source_kind k) { return kind_names[k]; }

/* What the probe found out about SOURCE before any driver looks at it. */
struct probe {
    const char *path;
    struct stat st;
    unsigned char head[8];
    size_t nhead; /* bytes of head read */
    int has_iso, has_udf;
    uint32_t iso_blocks; /* ISO 9660 volume size in blocks, from the primary descriptor */
    uint64_t iso_bytes;  /* the same in bytes, 0 if none */
    uint64_t size;       /* of the file or device */
};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the descriptors of the volume recognition sequence (sectors 16..). */
static void probe_vrs(int fd, struct probe *pr)
{
    unsigned char d[SECTOR];
    for (int i = 0; i < 16; i++) {
        if (pread(fd, d, SECTOR, VRS_START + (off_t)i * SECTOR) != SECTOR)
            return;
        if (memcmp(d + 1, "CD001", 5) == 0) {
            if (d[0] == 1 && !pr->has_iso) {
                pr->has_iso = 1;
                pr->iso_blocks = le32(d + 80);
                pr->iso_bytes = (uint64_t)pr->iso_blocks * (uint64_t)(d[128] | d[129] << 8);
            }
        } else if (memcmp(d + 1, "NSR02", 5) == 0 || memcmp(d + 1, "NSR03", 5) == 0) {
            pr->has_udf = 1;
        } else if (memcmp(d + 1, "BEA01", 5) && memcmp(d + 1, "TEA01", 5)) {
            return;
        }
    }
}

/* Reads what the drivers decide on: the first bytes and the volume recognition sequence.
 * Returns 0 or an exit code after one line. */
static int probe(struct probe *pr)
{
    int fd = open(pr->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOMEDIUM)
            return dm_error(DM_FAIL, "%s: no disc in the drive", pr->path);
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", pr->path);
    }
    ssize_t n = pread(fd, pr->head, sizeof pr->head, 0);
    if (n < 0) {
        int err = errno;
        close(fd);
        return dm_error_errno(DM_FAIL, err, "%s: cannot read", pr->path);
    }
    pr->nhead = (size_t)n;
    off_t end = lseek(fd, 0, SEEK_END); /* works for block devices too, unlike st_size */
    pr->size = end > 0 ? (uint64_t)end : 0;
    probe_vrs(fd, pr);
    close(fd);
    return 0;
}

/* ---- the drivers, tried in order: the first whose test takes SOURCE opens it ---- */

struct driver {
    const char *what; /* for "... has no partitions"; NULL: it may have partitions */
    int (*takes)(const struct probe *pr);
    int (*open)(const struct probe *pr, int partno, struct dm_tree **out,
                enum dm_source_kind *kind);
};

static int is_wim(const struct probe *pr)
{
    return pr->nhead == 8 && memcmp(pr->head, "MSWIM\0\0\0", 8) == 0;
}

static int open_wim(const struct probe *pr, int partno, struct dm_tree **out,
                    enum dm_source_kind *kind)
{
    (void)partno;
    *kind = DM_SOURCE_WIM;
    return dm_source_wim_open(pr->path, out);
}

static int is_optical(const struct probe *pr) { return pr->has_iso || pr->has_udf; }

/* ISO media: ISO 9660 (Joliet/Rock Ridge) unless that tree is a stub beside a UDF volume that
 * holds the media, as on Windows 10/11 discs. */
static int open_optical(const struct probe *pr, int partno, struct dm_tree **out,
                        enum dm_source_kind *kind)
{
    (void)partno;
    const char *path = pr->path;
    if (pr->has_iso && pr->iso_blocks < VRS_START / SECTOR + 2)
        return dm_error(DM_FAIL,
                        "%s: damaged ISO image (its volume descriptor says the volume holds %u "
                        "blocks, fewer than its own descriptors take)",
                        path, (unsigned)pr->iso_blocks);
    if (pr->iso_bytes > pr->size)
        return dm_error(DM_FAIL, "%s: truncated ISO image (%llu bytes, the volume needs %llu)",
                        path, (unsigned long long)pr->size, (unsigned long long)pr->iso_bytes);
    *kind = S_ISBLK(pr->st.st_mode) ? DM_SOURCE_DEVICE : DM_SOURCE_ISO;
    struct dm_tree *iso = NULL;
    if (pr->has_iso) {
        int rc = dm_source_iso_open(path, &iso);
        if (rc)
            return rc;
        if (!pr->has_udf || dm_tree_find(iso, "sources/boot.wim")) {
            *out = iso;
            return 0;
        }
        dm_debug("%s: the ISO 9660 tree holds no sources/boot.wim; reading the UDF volume", path);
        dm_tree_free(iso);
    }
    return dm_source_udf_open(path, out);
}

static int is_anything(const struct probe *pr) { return (void)pr, 1; }

/* A file or block device that is neither a WIM nor an ISO: a disk (image) holding FAT. */
static int open_disk(const struct probe *pr, int partno, struct dm_tree **out,
                     enum dm_source_kind *kind)
{
    const char *path = pr->path;
    if (partno == 0 && pr->nhead == 8 && memcmp(pr->head, "WLPWM\0\0\0", 8) == 0)
        return dm_error(DM_FAIL,
                        "%s: a pipable WIM (wimlib's own format, which Windows cannot boot from; "
                        "wimexport without --pipable makes a WIM)",
                        path);
    if (partno == 0 && !dm_fatread_recognise(path)) {
        if (S_ISBLK(pr->st.st_mode))
            return dm_error(DM_FAIL, "%s: the device holds no ISO 9660, UDF or FAT volume", path);
        return dm_error(DM_FAIL, "%s: not an ISO image, WIM file, disk image or directory", path);
    }
    *kind = S_ISBLK(pr->st.st_mode) ? DM_SOURCE_DEVICE : DM_SOURCE_DISK;
    return dm_fatread_disk_open(path, partno, out);
}

static const struct driver drivers[] = {
    {"a WIM file", is_wim, open_wim},
    {"an ISO 9660 or UDF volume", is_optical, open_optical},
    {NULL, is_anything, open_disk},
};

/* A directory is taken before anything is read. */
static int open_directory(const char *path, int partno, struct dm_tree **out,
                          enum dm_source_kind *kind)
{
    if (partno > 0)
        return dm_error(DM_FAIL, "%s: a directory has no partitions", path);
    *kind = DM_SOURCE_DIRECTORY;
    return dm_source_dir_open(path, out);
}

int dm_source_open_partition(const char *path, int partno, struct dm_tree **out,
                             enum dm_source_kind *kind)
{
    struct probe pr = {.path = path};
    if (stat(path, &pr.st) != 0) {
        if (errno == ENOENT)
            return dm_error(DM_FAIL, "%s: no such file or directory", path);
        return dm_error_errno(DM_FAIL, errno, "%s", path);
    }
    if (S_ISDIR(pr.st.st_mode))
        return open_directory(path, partno, out, kind);
    if (!S_ISREG(pr.st.st_mode) && !S_ISBLK(pr.st.st_mode))
        return dm_error(DM_FAIL, "%s: not a file, directory or block device", path);
    int rc = probe(&pr);
    const struct driver *d = drivers;
    while (rc == 0 && !d->takes(&pr))
        d++;
    if (rc == 0 && partno > 0 && d->what)
        return dm_error(DM_FAIL, "%s: %s has no partitions", path, d->what);
    return rc ? rc : d->open(&pr, partno, out, kind);
}

int dm_source_open(const char *path, struct dm_tree **out, enum dm_source_kind *kind)
{
    return dm_source_open_partition(path, 0, out, kind);
}
