/* usb.c — a recovery stick written into an open disk or image (see usb.h). */
#include "target/usb.h"

#include "boot/syslinux.h"
#include "util/copy.h"
#include "util/progress.h"
#include "fat/fat_read.h"
#include "util/report.h"
#include "source/source.h"
#include "recovery/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum { SECTOR = 512, IMAGE_BUF = 1 << 20 };

int dm_stick_plan(struct dm_recovery *rt, enum dm_scheme scheme, uint64_t size, const char *label,
                  const char *target, struct dm_stick_plan *out)
{
    *out = (struct dm_stick_plan){.rt = rt};
    uint64_t need = dm_fat_min_size(rt->tree, DM_FAT32, 0);
    if (!need)
        return DM_FAIL; /* the FAT writer said why (a name, a 4 GiB file) */
    uint64_t disk = dm_layout_disk_for(scheme, need);
    if (dm_layout_stick(scheme, size, &out->layout) != 0 || out->layout.size < need)
        return dm_error(DM_FAIL,
                        "%s: too small (%.1f MiB): the recovery tree needs a disk of "
                        "at least %.1f MiB",
                        target, dm_mib(size), dm_mib_up(disk));
    struct dm_fat_opts o = {.type = DM_FAT32,
                            .label = label,
                            .hidden_sectors = (uint32_t)(out->layout.start / SECTOR),
                            .name = target};
    return dm_fat_plan_new(rt->tree, out->layout.size, &o, &out->fat);
}

void dm_stick_plan_free(struct dm_stick_plan *p)
{
    dm_fat_plan_free(p->fat);
    p->fat = NULL;
}

/* ---- flushing and reading back ---- */

/* Everything written is on the medium, and the next reads come from it, not from the cache. */
static int flush(const struct dm_stick *s)
{
    if (fsync(s->fd) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot flush to the disk", s->path);
    if (s->is_device && ioctl(s->fd, BLKFLSBUF, 0) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot flush the device's buffers", s->path);
    if (!s->is_device)
        posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
    return 0;
}

void dm_stick_reread(const struct dm_stick *s)
{
    if (!s->is_device)
        return;
    /* udev may still be looking at the device after our writes: retry for a few seconds. */
    for (int i = 0; i < 20; i++) {
        if (ioctl(s->fd, BLKRRPART, 0) == 0)
            return;
        if (errno != EBUSY)
            break;
        nanosleep(&(struct timespec){0, 250000000}, NULL);
    }
    dm_debug("%s: the kernel did not re-read the partition table (%s); unplug and plug the "
             "stick to see it",
             s->path, strerror(errno));
}

/* ---- FAT mode ---- */

/* The first sector as planned: syslinux's MBR code over the label libfdisk wrote. */
static int write_mbr_code(const struct dm_stick *s, enum dm_scheme scheme,
                          uint8_t code[DM_MBR_CODE])
{
    int rc = dm_syslinux_mbr(scheme == DM_SCHEME_GPT, code);
    return rc ? rc : dm_pwrite_all(s->fd, code, DM_MBR_CODE, 0, s->path);
}

int dm_stick_mbr_code(const struct dm_stick *s, enum dm_scheme scheme)
{
    uint8_t code[DM_MBR_CODE];
    return write_mbr_code(s, scheme, code);
}

static int check_mbr_code(const struct dm_stick *s, const uint8_t code[DM_MBR_CODE])
{
    uint8_t back[SECTOR];
    if (pread(s->fd, back, SECTOR, 0) != SECTOR)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read back the first sector", s->path);
    if (memcmp(back, code, DM_MBR_CODE) != 0 || back[510] != 0x55 || back[511] != 0xAA)
        return dm_error(DM_FAIL,
                        "%s: the first sector read back is not what was written: the "
                        "stick is faulty",
                        s->path);
    return 0;
}

/* The syslinux installer writes its code into the boot sector only; FAT32's backup of it (sector
 * 6) is made the same again, as fsck.fat and Windows expect. */
static int copy_boot_sector(const struct dm_stick *s, uint64_t start)
{
    uint8_t b[SECTOR];
    if (pread(s->fd, b, SECTOR, (off_t)start) != SECTOR)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot read the boot sector back", s->path);
    return dm_pwrite_all(s->fd, b, SECTOR, start + 6 * SECTOR, s->path);
}

/* Files the manifest lists (every file but itself). */
static int listed_files(const struct dm_tree *t)
{
    int n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += t->entries[i].kind == DM_ENTRY_FILE && !(t->entries[i].flags & DM_ENTRY_LATE);
    return n;
}

/* Every file read back through the FAT reader, against the manifest just written. */
static int read_back(const struct dm_stick *s, uint64_t start, uint64_t size,
                     struct dm_stick_result *r)
{
    struct dm_tree *t = NULL;
    struct dm_verify v = {0};
    int rc = dm_fatread_open(s->path, start, size, &t);
    if (rc == 0)
        rc = dm_verify_tree(t, &v);
    if (rc == 0 && !dm_verify_ok(&v)) {
        json_object *first = json_object_array_length(v.different) ? v.different
                             : json_object_array_length(v.missing) ? v.missing
                                                                   : v.extra;
        rc = dm_error(DM_FAIL,
                      "%s: read back, %s is %s: the stick is faulty (or smaller than "
                      "it claims)",
                      s->path, json_object_get_string(json_object_array_get_idx(first, 0)),
                      first == v.different ? "different"
                      : first == v.missing ? "missing"
                                           : "unexpected");
    }
    r->verified = v.verified;
    dm_verify_free(&v);
    dm_tree_free(t);
    return rc;
}

int dm_stick_finish(const struct dm_stick *s, const struct dm_fat_plan *fat, uint64_t start,
                    uint64_t size, const struct dm_stick_finish_opts *o, struct dm_stick_result *r)
{
    struct dm_fat_info info;
    /* The installer reads and writes the same file or device through the same page cache: one
     * flush at the end covers both. */
    int rc = dm_syslinux_install(s->path, start);
    if (rc == 0 && o->boot_once)
        rc = dm_syslinux_boot_once(s->fd, s->path, start, size, "dart");
    if (rc == 0)
        rc = copy_boot_sector(s, start);
    if (rc == 0)
        rc = flush(s);
    dm_fat_plan_info(fat, &info);
    r->bytes = (uint64_t)info.used_clusters * info.cluster_size;
    snprintf(r->sha, sizeof r->sha, "%s", dm_recovery_manifest_sha(o->rt));
    r->files = listed_files(o->rt->tree);
    if (rc == 0 && o->verify)
        rc = read_back(s, start, size, r);
    return rc;
}

int dm_stick_write_fat(const struct dm_stick *s, const struct dm_stick_plan *p, int verify,
                       struct dm_stick_result *r)
{
    uint8_t code[DM_MBR_CODE];
    struct dm_stick_finish_opts o = {.rt = p->rt, .verify = verify};
    *r = (struct dm_stick_result){0};
    int rc = dm_layout_write(s->fd, s->path, &p->layout);
    if (rc == 0)
        rc = write_mbr_code(s, p->layout.scheme, code);
    if (rc == 0)
        rc = dm_fat_plan_write(p->fat, s->fd, p->layout.start);
    if (rc == 0)
        rc = dm_stick_finish(s, p->fat, p->layout.start, p->layout.size, &o, r);
    if (rc == 0 && verify)
        rc = check_mbr_code(s, code);
    return rc;
}

/* ---- image mode ---- */

/* Reads [0, size) of `in`, hashing it and, when out >= 0, writing it at the same offsets of
 * `out`, with progress; the buffer (IMAGE_BUF bytes) is the caller's. */
static int pass(int in, const char *in_name, int out, const char *out_name, uint64_t size,
                uint8_t *buf, const char *label, char sha[DM_SHA256_HEX])
{
    struct dm_sha256 *h = dm_sha256_new();
    struct dm_progress progress;
    uint64_t done = 0;
    int rc = h ? 0 : dm_error(DM_FAIL, "out of memory");
    dm_progress_begin(&progress, label, size);
    while (rc == 0 && done < size) {
        size_t n = size - done < IMAGE_BUF ? (size_t)(size - done) : IMAGE_BUF;
        ssize_t got = pread(in, buf, n, (off_t)done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            rc = dm_error_errno(DM_FAIL, got < 0 ? errno : EIO, "%s: cannot read at byte %llu",
                                in_name, (unsigned long long)done);
        else if (out < 0 || (rc = dm_pwrite_all(out, buf, (size_t)got, done, out_name)) == 0)
            dm_sha256_update(h, buf, (size_t)got), done += (uint64_t)got;
        dm_progress_update(&progress, done);
    }
    dm_progress_end(&progress);
    if (rc == 0)
        dm_sha256_final(h, sha), h = NULL;
    dm_sha256_free(h);
    return rc;
}

int dm_stick_write_image(const struct dm_stick *s, const char *image, int verify,
                         struct dm_stick_result *r)
{
    *r = (struct dm_stick_result){0};
    int in = open(image, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", image);
    off_t end = lseek(in, 0, SEEK_END);
    uint64_t size = end > 0 ? (uint64_t)end : 0;
    uint8_t *buf = NULL;
    char back[DM_SHA256_HEX];
    int rc = end < 0 ? dm_error_errno(DM_FAIL, errno, "%s: cannot read", image) : 0;
    if (rc == 0 && size > s->size)
        rc = dm_error(DM_FAIL, "%s: too small (%.1f MiB) for %s (%.1f MiB)", s->path,
                      dm_mib(s->size), image, dm_mib(size));
    if (rc == 0 && posix_memalign((void **)&buf, 4096, IMAGE_BUF) != 0)
        rc = dm_error(DM_FAIL, "out of memory");
    posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (rc == 0) {
        rc = pass(in, image, s->fd, s->path, size, buf, "writing", r->sha);
        rc = rc ? rc : flush(s);
        r->bytes = rc ? 0 : size;
    }
    if (rc == 0 && verify &&
        (rc = pass(s->fd, s->path, -1, NULL, size, buf, "verifying", back)) == 0 &&
        strcmp(back, r->sha) != 0)
        rc = dm_error(DM_FAIL,
                      "%s: read back, the image differs from %s: the stick is faulty "
                      "(or smaller than it claims)",
                      s->path, image);
    free(buf);
    close(in);
    return rc;
}
