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

enum format { FMT_UNKNOWN, FMT_WIM, FMT_OPTICAL };

struct probe {
    enum format format;
    int has_iso, has_udf;
    uint64_t iso_bytes; /* ISO 9660 volume size from the primary descriptor, 0 if none */
    uint64_t size;      /* of the file or device */
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
                pr->iso_bytes = (uint64_t)le32(d + 80) * (uint64_t)(d[128] | d[129] << 8);
            }
        } else if (memcmp(d + 1, "NSR02", 5) == 0 || memcmp(d + 1, "NSR03", 5) == 0) {
            pr->has_udf = 1;
        } else if (memcmp(d + 1, "BEA01", 5) && memcmp(d + 1, "TEA01", 5)) {
            return;
        }
    }
}

/* Identifies a file or device by content; returns 0 or an exit code after printing. */
static int probe(const char *path, struct probe *pr)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOMEDIUM)
            return dm_error(DM_FAIL, "%s: no disc in the drive", path);
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", path);
    }
    unsigned char head[8];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0) {
        int err = errno;
        close(fd);
        return dm_error_errno(DM_FAIL, err, "%s: cannot read", path);
    }
    off_t end = lseek(fd, 0, SEEK_END); /* works for block devices too, unlike st_size */
    *pr = (struct probe){.format = FMT_UNKNOWN, .size = end > 0 ? (uint64_t)end : 0};
    if (n == 8 && memcmp(head, "MSWIM\0\0\0", 8) == 0) {
        pr->format = FMT_WIM;
    } else {
        probe_vrs(fd, pr);
        if (pr->has_iso || pr->has_udf)
            pr->format = FMT_OPTICAL;
    }
    close(fd);
    return 0;
}

/* ISO media: ISO 9660 (Joliet/Rock Ridge) unless that tree is a stub beside a UDF volume that
 * holds the media, as on Windows 10/11 discs. */
static int open_optical(const char *path, const struct probe *pr, struct dm_tree **out)
{
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

/* A file or block device that is neither a WIM nor an ISO: a disk (image) holding FAT. */
static int open_disk(const char *path, const struct stat *st, int partno, struct dm_tree **out,
                     enum dm_source_kind *kind)
{
    if (partno == 0 && !dm_fatread_recognise(path)) {
        if (S_ISBLK(st->st_mode))
            return dm_error(DM_FAIL, "%s: the device holds no ISO 9660, UDF or FAT volume", path);
        return dm_error(DM_FAIL, "%s: not an ISO image, WIM file, disk image or directory", path);
    }
    *kind = S_ISBLK(st->st_mode) ? DM_SOURCE_DEVICE : DM_SOURCE_DISK;
    return dm_fatread_disk_open(path, partno, out);
}

int dm_source_open_partition(const char *path, int partno, struct dm_tree **out,
                             enum dm_source_kind *kind)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return dm_error(DM_FAIL, "%s: no such file or directory", path);
        return dm_error_errno(DM_FAIL, errno, "%s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        if (partno > 0)
            return dm_error(DM_FAIL, "%s: a directory has no partitions", path);
        *kind = DM_SOURCE_DIRECTORY;
        return dm_source_dir_open(path, out);
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return dm_error(DM_FAIL, "%s: not a file, directory or block device", path);
    struct probe pr = {0};
    int rc = probe(path, &pr);
    if (rc)
        return rc;
    if (partno > 0 && pr.format != FMT_UNKNOWN)
        return dm_error(DM_FAIL, "%s: %s has no partitions", path,
                        pr.format == FMT_WIM ? "a WIM file" : "an ISO 9660 or UDF volume");
    switch (pr.format) {
    case FMT_WIM:
        *kind = DM_SOURCE_WIM;
        return dm_source_wim_open(path, out);
    case FMT_OPTICAL:
        if (pr.iso_bytes > pr.size)
            return dm_error(DM_FAIL, "%s: truncated ISO image (%llu bytes, the volume needs %llu)",
                            path, (unsigned long long)pr.size, (unsigned long long)pr.iso_bytes);
        *kind = S_ISBLK(st.st_mode) ? DM_SOURCE_DEVICE : DM_SOURCE_ISO;
        return open_optical(path, &pr, out);
    default:
        return open_disk(path, &st, partno, out, kind);
    }
}

int dm_source_open(const char *path, struct dm_tree **out, enum dm_source_kind *kind)
{
    return dm_source_open_partition(path, 0, out, kind);
}
