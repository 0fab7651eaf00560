/* usb.c — a recovery stick written into an open disk or image (see usb.h). */
#include "target/usb.h"

#include "boot/syslinux.h"
#include "util/copy.h"
#include "util/progress.h"
#include "fat/fat_read.h"
#include "util/report.h"
#include "source/source.h"
#include "recovery/job.h"
#include "recovery/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { SECTOR = 512, IMAGE_BUF = 1 << 20 };

static int stick_layout_plan(struct dm_recovery *rt, enum dm_scheme scheme, uint64_t size,
                             const char *label, const char *target, struct dm_usb_plan *out)
{
    *out = (struct dm_usb_plan){.rt = rt};
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

static void usb_plan_free(struct dm_usb_plan *p)
{
    dm_fat_plan_free(p->fat);
    p->fat = NULL;
}

/* ---- flushing and reading back ---- */

/* Everything written is on the medium, and the next reads come from it, not from the cache. */
static int flush(const struct dm_usb *s)
{
    if (fsync(s->fd) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot flush to the disk", s->path);
    if (s->is_device && ioctl(s->fd, BLKFLSBUF, 0) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot flush the device's buffers", s->path);
    if (!s->is_device)
        posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
    return 0;
}

void dm_usb_reread(const struct dm_usb *s)
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

/* The syslinux installer writes its code into the boot sector only; FAT32's backup of it (sector
 * 6) is made the same again, as fsck.fat and Windows expect. */
static int copy_boot_sector(const struct dm_usb *s, uint64_t start)
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
static int read_back(const struct dm_usb *s, uint64_t start, uint64_t size, struct dm_usb_result *r)
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

int dm_usb_finish(const struct dm_usb *s, const struct dm_fat_plan *fat, uint64_t start,
                  uint64_t size, const struct dm_usb_finish_opts *o, struct dm_usb_result *r)
{
    struct dm_fat_info info;
    dm_recovery_release_staged(o->rt); /* before the installer's sync */
    /* The installer reads and writes the same file or device through the same page cache: one
     * flush at the end covers both. */
    int rc = dm_syslinux_install_at(s->path, start, size);
    if (rc == 0 && o->boot_once)
        rc = dm_syslinux_boot_once(s->fd, s->path, start, size, "dart");
    if (rc == 0)
        rc = copy_boot_sector(s, start);
    if (rc == 0)
        rc = flush(s);
    dm_fat_plan_info(fat, &info);
    r->bytes = info.file_bytes; /* the total the writing and the read-back show */
    snprintf(r->sha, sizeof r->sha, "%s", dm_recovery_manifest_sha(o->rt));
    r->files = listed_files(o->rt->tree);
    if (rc == 0 && o->verify)
        rc = read_back(s, start, size, r);
    return rc;
}

static int usb_write_fat(const struct dm_usb *s, const struct dm_usb_plan *p,
                         struct dm_usb_result *r)
{
    uint8_t code[DM_MBR_CODE];
    struct dm_usb_finish_opts o = {.rt = p->rt};
    *r = (struct dm_usb_result){0};
    int rc = dm_layout_write(s->fd, s->path, &p->layout);
    if (rc == 0)
        rc = dm_syslinux_write_mbr(s->fd, s->path, p->layout.scheme == DM_SCHEME_GPT, code);
    if (rc == 0)
        rc = dm_fat_plan_write(p->fat, s->fd, p->layout.start);
    return rc ? rc : dm_usb_finish(s, p->fat, p->layout.start, p->layout.size, &o, r);
}

static int usb_verify_fat(const struct dm_usb *s, const struct dm_usb_plan *p,
                          struct dm_usb_result *r)
{
    uint8_t code[DM_MBR_CODE];
    int rc = read_back(s, p->layout.start, p->layout.size, r);
    if (rc == 0)
        rc = dm_syslinux_mbr(p->layout.scheme == DM_SCHEME_GPT, code);
    return rc ? rc : dm_syslinux_check_mbr(s->fd, s->path, code);
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

/* An image of `bytes` fits a target of `size` bytes; else DM_FAIL after one line. */
static int usb_image_fits(const char *target, uint64_t size, const char *image, uint64_t bytes)
{
    if (bytes <= size)
        return 0;
    return dm_error(DM_FAIL, "%s: too small (%.1f MiB) for %s (%.1f MiB)", target, dm_mib(size),
                    image, dm_mib(bytes));
}

static int usb_write_image(const struct dm_usb *s, const char *image, struct dm_usb_result *r)
{
    *r = (struct dm_usb_result){0};
    int in = open(image, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", image);
    off_t end = lseek(in, 0, SEEK_END);
    uint64_t size = end > 0 ? (uint64_t)end : 0;
    uint8_t *buf = NULL;
    int rc = end < 0 ? dm_error_errno(DM_FAIL, errno, "%s: cannot read", image) : 0;
    if (rc == 0)
        rc = usb_image_fits(s->path, s->size, image, size);
    if (rc == 0 && posix_memalign((void **)&buf, 4096, IMAGE_BUF) != 0)
        rc = dm_error(DM_FAIL, "out of memory");
    posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (rc == 0) {
        rc = pass(in, image, s->fd, s->path, size, buf, "writing", r->sha);
        rc = rc ? rc : flush(s);
        r->bytes = rc ? 0 : size;
    }
    free(buf);
    close(in);
    return rc;
}

static int usb_verify_image(const struct dm_usb *s, const char *image,
                            const struct dm_usb_result *r)
{
    uint8_t *buf = NULL;
    char back[DM_SHA256_HEX];
    if (posix_memalign((void **)&buf, 4096, IMAGE_BUF) != 0)
        return dm_error(DM_FAIL, "out of memory");
    int rc = pass(s->fd, s->path, -1, NULL, r->bytes, buf, "verifying", back);
    if (rc == 0 && strcmp(back, r->sha) != 0)
        rc = dm_error(DM_FAIL,
                      "%s: read back, the image differs from %s: the stick is faulty "
                      "(or smaller than it claims)",
                      s->path, image);
    free(buf);
    return rc;
}

int dm_usb_tree_opts(struct dm_job *j, const struct dm_syslinux_boot *boot,
                     struct dm_syslinux_file sf[DM_SYSLINUX_FILES])
{
    j->ropts = (struct dm_recovery_opts){.flags = DM_RECOVERY_MANIFEST | DM_RECOVERY_FAT32,
                                         .extra = j->extra,
                                         .installed_after = dm_syslinux_installed,
                                         .ninstalled = 2};
    int rc = dm_syslinux_files(boot, sf, &j->ropts.nextra);
    for (size_t i = 0; rc == 0 && i < j->ropts.nextra; i++)
        j->extra[i] = (struct dm_recovery_file){sf[i].path, sf[i].host, sf[i].text};
    return rc;
}

/* ---- the `usb` target ---- */

/* The safety order (DESIGN.md): judged before anything is read, asked, opened O_EXCL, the old
 * table saved, and only then written. */
static struct dm_claim_rules rules(const struct dm_job *j, const struct dm_target_usb *u,
                                   const char *source)
{
    return (struct dm_claim_rules){
        .source = source, .size = u->size, .force = j->force, .what = "erased"};
}

static struct dm_usb stick(const struct dm_target_usb *u)
{
    const struct dm_claim *c = &u->claim;
    return (struct dm_usb){
        .fd = c->fd, .path = c->path, .is_device = c->is_device, .size = c->size};
}

static int usb_check(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_claim_rules r = rules(j, u, j->source);
    return dm_claim_probe(u->claim.path, &r, &u->claim);
}

static int usb_tree(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_syslinux_boot boot = {0};
    int rc = dm_target_boot_ways(j->media, 0, "the stick", &u->bios, &u->uefi);
    return rc ? rc : dm_usb_tree_opts(j, &boot, u->sf);
}

/* Confirmed, opened, the old table saved, an image file sized. */
static int claim(struct dm_job *j, struct dm_target_usb *u, const char *source)
{
    struct dm_claim_rules r = rules(j, u, source);
    /* A disk or file that was there is overwritten from the first byte: boot.wim's integrity
     * check passes first. A file this run makes goes if it fails: it runs beside the writing. */
    int rc = u->claim.exists ? dm_job_checked(j) : 0;
    if (rc == 0)
        rc = dm_claim_confirm(&u->claim, &r, j->yes);
    if (rc == 0)
        rc = dm_claim_open(&u->claim);
    if (rc == 0 && u->claim.exists)
        rc = dm_claim_save_table(&u->claim, u->backup, &u->saved_table);
    return rc ? rc : dm_claim_resize(&u->claim);
}

static int usb_fit(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    return stick_layout_plan(j->rt, u->scheme, u->claim.size, u->label, u->claim.path, &u->plan);
}

static int usb_plan(struct dm_job *j, void *t) { return claim(j, t, NULL); }

static const struct dm_claim *usb_claim_of(const void *t)
{
    return &((const struct dm_target_usb *)t)->claim;
}

static int usb_write(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_usb s = stick(u);
    (void)j;
    u->writing = 1;
    return usb_write_fat(&s, &u->plan, &u->r);
}

static int usb_verify(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_usb s = stick(u);
    (void)j;
    return usb_verify_fat(&s, &u->plan, &u->r);
}

static int usb_finish(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_usb s = stick(u);
    (void)j;
    dm_usb_reread(&s);
    return dm_claim_close(&u->claim, 0);
}

/* A file this run made is removed (dm_claim_close); a disk or file that was there is not. */
static int usb_abort(struct dm_job *j, void *t, int rc)
{
    struct dm_target_usb *u = t;
    (void)j;
    if (u->writing && !u->claim.created)
        dm_warn("%s: writing did not complete: it is unusable until it is written again",
                u->claim.path);
    return dm_claim_close(&u->claim, rc);
}

static json_object *usb_result(struct dm_job *j, void *t)
{
    const struct dm_target_usb *u = t;
    int dd = !j->rt;
    json_object *o = json_object_new_object(), *part = NULL;
    json_object_object_add(o, "target", json_object_new_string(u->claim.path));
    json_object_object_add(o, "mode", json_object_new_string(dd ? "dd" : "fat"));
    json_object_object_add(
        o, "scheme", dd ? NULL : json_object_new_string(dm_scheme_name(u->plan.layout.scheme)));
    json_object_object_add(o, "label", dd ? NULL : json_object_new_string(u->label));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)u->r.bytes));
    json_object_object_add(o, "sha256", json_object_new_string(u->r.sha));
    json_object_object_add(o, "verified", json_object_new_boolean(j->verify));
    json_object_object_add(o, "files", dd ? NULL : json_object_new_int(u->r.files));
    json_object_object_add(o, "files_verified", dd ? NULL : json_object_new_int(u->r.verified));
    if (!dd) {
        part = json_object_new_object();
        json_object_object_add(part, "start", json_object_new_int64((int64_t)u->plan.layout.start));
        json_object_object_add(part, "size", json_object_new_int64((int64_t)u->plan.layout.size));
    }
    json_object_object_add(o, "partition", part);
    json_object_object_add(o, "backup_table",
                           u->saved_table ? json_object_new_string(u->saved_table) : NULL);
    json_object_object_add(o, "bios", dd ? NULL : json_object_new_boolean(u->bios));
    json_object_object_add(o, "uefi", dd ? NULL : json_object_new_boolean(u->uefi));
    return o;
}

const struct dm_target_ops dm_target_usb_ops = {
    .name = "usb",
    .check = usb_check,
    .tree = usb_tree,
    .fit = usb_fit,
    .plan = usb_plan,
    .write = usb_write,
    .verify = usb_verify,
    .finish = usb_finish,
    .abort = usb_abort,
    .result = usb_result,
    .claim_of = usb_claim_of,
};

/* dd: SOURCE is an image file, copied as it is; judged with the disk before anything. */
static int dd_check(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct stat st;
    if (stat(j->source, &st) != 0 || !S_ISREG(st.st_mode))
        return dm_error(DM_FAIL, "%s: --mode dd needs an image file (an ISO)", j->source);
    int rc = usb_check(j, t);
    return rc ? rc : usb_image_fits(u->claim.path, u->claim.size, j->source, st.st_size);
}

static int dd_plan(struct dm_job *j, void *t) { return claim(j, t, j->source); }

static int dd_write(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_usb s = stick(u);
    u->writing = 1;
    return usb_write_image(&s, j->source, &u->r);
}

static int dd_verify(struct dm_job *j, void *t)
{
    struct dm_target_usb *u = t;
    struct dm_usb s = stick(u);
    return usb_verify_image(&s, j->source, &u->r);
}

const struct dm_target_ops dm_target_usb_dd_ops = {
    .name = "usb --mode dd",
    .as_is = 1,
    .check = dd_check,
    .plan = dd_plan,
    .write = dd_write,
    .verify = dd_verify,
    .finish = usb_finish,
    .abort = usb_abort,
    .result = usb_result,
    .claim_of = usb_claim_of,
};

void dm_target_usb_free(struct dm_target_usb *u)
{
    usb_plan_free(&u->plan);
    dm_syslinux_files_free(u->sf);
    dm_claim_free(&u->claim);
    free(u->saved_table);
    u->saved_table = NULL;
}
