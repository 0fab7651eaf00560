/* iso.c — libisofs mastering of a recovery tree: one IsoStream per file that reads the
 * tree's stream, the El Torito catalog, and the image pulled from libisofs' burn source into
 * the output, hashed on the way. */
#include "device/disk.h"
#include "util/copy.h"
#include "target/iso.h"
#include "util/progress.h"
#include "util/report.h"
#include "source/source.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <libisofs/libisofs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libburn's burn_source, as libisofs hands it out (libisofs.h declares it incompletely). */
#include <libburn/libburn.h>

enum { READ_CHUNK = 64 * 2048 };

/* ---- labels ---- */

int dm_iso_label_check(const char *label, char out[DM_ISO_LABEL_MAX + 1], const char **why)
{
    size_t n = strlen(label);
    if (n == 0)
        return *why = "it is empty", -1;
    if (n > DM_ISO_LABEL_MAX)
        return *why = "longer than 32 characters (the ISO 9660 limit)", -1;
    for (size_t i = 0; i < n; i++) {
        char c = label[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return *why = "only letters, digits, '_' and '-' are allowed in an ISO 9660 label", -1;
        out[i] = c;
    }
    out[n] = '\0';
    return 0;
}

/* ---- a tree entry as an IsoStream ---- */

/* libisofs calls the streams from its writer thread. What they report is held in `said` (a
 * capture, bound around each call) and passed on by iso_write once the thread has ended: the
 * first failure's line, unless the run had already failed in the main thread (a write error,
 * after which libisofs is cancelled and what its thread then reports is only a consequence).
 * libisofs writes zeros for a file it cannot read and goes on; `failed` tells us instead, and
 * no stream is opened after a failure (the manifest, last, could only say that a file before
 * it was not read). */
struct writer_state {
    int failed;
    struct dm_capture said;
};

struct entry_stream {
    struct dm_tree *t;
    const struct dm_entry *e;
    struct dm_stream *s;
    ino_t ino;
    struct writer_state *ws;
    uint8_t *buf; /* read ahead: libisofs asks for 2 KiB at a time */
    size_t len, pos;
};

enum { READ_AHEAD = 256 << 10 };

static int es_open(IsoStream *st)
{
    struct entry_stream *d = st->data;
    if (d->ws->failed)
        return (int)ISO_FILE_READ_ERROR;
    struct dm_events *before = dm_events_bind(&d->ws->said.events);
    int rc = dm_tree_open(d->t, d->e, &d->s);
    dm_events_bind(before);
    return rc == 0 ? 1 : (d->ws->failed = 1, (int)ISO_FILE_READ_ERROR);
}

static int es_close(IsoStream *st)
{
    struct entry_stream *d = st->data;
    struct dm_events *before = dm_events_bind(&d->ws->said.events);
    int rc = d->s ? dm_stream_close(d->s) : 0;
    dm_events_bind(before);
    d->s = NULL;
    free(d->buf);
    d->buf = NULL, d->len = d->pos = 0;
    return rc == 0 ? 1 : (d->ws->failed = 1, (int)ISO_FILE_READ_ERROR);
}

static off_t es_size(IsoStream *st) { return (off_t)((struct entry_stream *)st->data)->e->size; }

/* libisofs wants the whole count unless the stream ends. */
static int es_read(IsoStream *st, void *buf, size_t count)
{
    struct entry_stream *d = st->data;
    size_t done = 0;
    if (!d->buf && !(d->buf = malloc(READ_AHEAD)))
        return d->ws->failed = 1, (int)ISO_OUT_OF_MEM;
    while (done < count) {
        if (d->pos == d->len) {
            struct dm_events *before = dm_events_bind(&d->ws->said.events);
            ssize_t r = d->s && !d->ws->failed ? dm_stream_read_full(d->s, d->buf, READ_AHEAD) : -1;
            dm_events_bind(before);
            if (r < 0)
                return d->ws->failed = 1, (int)ISO_FILE_READ_ERROR;
            if (r == 0)
                break;
            d->len = (size_t)r, d->pos = 0;
        }
        size_t k = d->len - d->pos < count - done ? d->len - d->pos : count - done;
        memcpy((uint8_t *)buf + done, d->buf + d->pos, k);
        d->pos += k, done += k;
    }
    return (int)done;
}

static int es_repeatable(IsoStream *st)
{
    (void)st;
    return 1;
}

static void es_id(IsoStream *st, unsigned int *fs_id, dev_t *dev_id, ino_t *ino_id)
{
    *fs_id = 0x646d; /* "dm": ours; every entry is its own file (no hard links) */
    *dev_id = 0;
    *ino_id = ((struct entry_stream *)st->data)->ino;
}

static void es_free(IsoStream *st)
{
    struct entry_stream *d = st->data;
    free(d->buf);
    free(d);
}

static IsoStreamIface entry_iface = {.version = 0,
                                     .type = "user",
                                     .open = es_open,
                                     .close = es_close,
                                     .get_size = es_size,
                                     .read = es_read,
                                     .is_repeatable = es_repeatable,
                                     .get_id = es_id,
                                     .free = es_free};

static IsoStream *entry_stream_new(struct dm_tree *t, const struct dm_entry *e, ino_t ino,
                                   struct writer_state *ws)
{
    IsoStream *st = calloc(1, sizeof *st);
    struct entry_stream *d = calloc(1, sizeof *d);
    if (!st || !d) {
        free(st), free(d);
        return NULL;
    }
    *d = (struct entry_stream){.t = t, .e = e, .ino = ino, .ws = ws};
    *st = (IsoStream){.class = &entry_iface, .refcount = 1, .data = d};
    return st;
}

/* ---- the image tree ---- */

static int iso_fail(const char *what, int err)
{
    return dm_error(DM_FAIL, "%s (%s)", what, iso_error_to_msg(err));
}

static IsoDir *parent_of(IsoImage *image, const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    IsoNode *node = NULL;
    *name = slash ? slash + 1 : path;
    if (!slash)
        return iso_image_get_root(image);
    char *dir;
    if (asprintf(&dir, "/%.*s", (int)(slash - path), path) < 0)
        return NULL;
    int ok = iso_tree_path_to_node(image, dir, &node) == 1 && iso_node_get_type(node) == LIBISO_DIR;
    free(dir);
    return ok ? (IsoDir *)node : NULL;
}

static void set_times(IsoNode *node, int64_t t)
{
    iso_node_set_mtime(node, (time_t)t);
    iso_node_set_atime(node, (time_t)t);
    iso_node_set_ctime(node, (time_t)t);
}

static int add_entry(IsoImage *image, struct dm_tree *t, const struct dm_entry *e, ino_t ino,
                     int64_t when, struct writer_state *ws)
{
    const char *name;
    IsoDir *parent = parent_of(image, e->path, &name);
    IsoNode *node = NULL;
    int err;
    if (!parent)
        return dm_error(DM_FAIL, "%s: its folder is not in the image", e->path);
    if (e->kind == DM_ENTRY_DIR) {
        err = iso_tree_add_new_dir(parent, name, (IsoDir **)&node);
    } else {
        IsoStream *st = entry_stream_new(t, e, ino, ws);
        if (!st)
            return dm_error(DM_FAIL, "out of memory");
        err = iso_tree_add_new_file(parent, name, st, (IsoFile **)&node);
        if (err < 0)
            iso_stream_unref(st);
        else if (e->flags & DM_ENTRY_LATE) /* libisofs writes higher weights first */
            iso_node_set_sort_weight(node, -1);
    }
    if (err < 0)
        return iso_fail(e->path, err);
    set_times(node, when >= 0 ? when : e->mtime);
    return 0;
}

static int set_boot(IsoImage *image, const struct dm_iso_opts *o, const struct dm_tree *t)
{
    ElToritoBootImage *bios = NULL, *uefi = NULL;
    char path[4096];
    int err = 0;
    if (o->etfsboot) {
        snprintf(path, sizeof path, "/%s", o->etfsboot);
        err = iso_image_set_boot_image(image, path, ELTORITO_NO_EMUL, "/boot.catalog", &bios);
        if (err >= 0) {
            el_torito_set_load_seg(bios, 0x07C0);
            el_torito_set_load_size(bios, 8);
        }
    }
    if (err >= 0 && o->efisys) {
        const struct dm_entry *e = dm_tree_find(t, o->efisys);
        uint64_t sectors = e ? (e->size + 511) / 512 : 0;
        snprintf(path, sizeof path, "/%s", o->efisys);
        err = bios
                  ? iso_image_add_boot_image(image, path, ELTORITO_NO_EMUL, 0, &uefi)
                  : iso_image_set_boot_image(image, path, ELTORITO_NO_EMUL, "/boot.catalog", &uefi);
        if (err >= 0) {
            el_torito_set_boot_platform_id(uefi, 0xEF);
            /* The whole FAT image, so that firmware sees the whole file system. */
            el_torito_set_load_size(uefi, (short)(uint16_t)(sectors > 0xFFFF ? 0xFFFF : sectors));
        }
    }
    if (err >= 0 && (bios || uefi))
        err = iso_image_set_boot_catalog_hidden(image, LIBISO_HIDE_ON_RR | LIBISO_HIDE_ON_JOLIET |
                                                           LIBISO_HIDE_ON_1999);
    return err < 0 ? iso_fail("cannot set up the El Torito boot entries", err) : 0;
}

static int make_image(struct dm_tree *t, const struct dm_iso_opts *o, struct writer_state *ws,
                      IsoImage **out)
{
    IsoImage *image = NULL;
    int err = iso_image_new(o->label, &image);
    if (err < 0)
        return iso_fail("cannot start the ISO image", err);
    iso_image_set_volume_id(image, o->label);
    iso_image_set_application_id(image, "DARTMK");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < t->count; i++)
        rc = add_entry(image, t, &t->entries[i], (ino_t)(i + 1), o->time, ws);
    if (rc == 0)
        rc = set_boot(image, o, t);
    if (rc) {
        iso_image_unref(image);
        return rc;
    }
    *out = image;
    return 0;
}

/* ---- writing ---- */

/* "YYYYMMDDhhmmsscc" for the volume descriptors' times and UUID. */
static void pvd_time(int64_t t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%d%H%M%S00", &tm);
}

static int make_opts(const struct dm_iso_opts *o, IsoWriteOpts **out)
{
    IsoWriteOpts *w = NULL;
    int err = iso_write_opts_new(&w, 0);
    if (err < 0)
        return iso_fail("cannot set up the ISO writer", err);
    iso_write_opts_set_iso_level(w, 3);
    iso_write_opts_set_joliet(w, 1);
    iso_write_opts_set_joliet_longer_paths(w, 1);
    iso_write_opts_set_joliet_long_names(w, 1);
    /* Joliet names as Windows writes them: "bootmgr", not "bootmgr.;1". */
    iso_write_opts_set_omit_version_numbers(w, 2);
    iso_write_opts_set_no_force_dots(w, 2);
    iso_write_opts_set_rockridge(w, 1);
    /* RRIP 1.10: PX entries without file serial numbers. libisofs numbers folders in the order
     * of their addresses in memory, which would make the image differ from run to run. */
    iso_write_opts_set_rrip_version_1_10(w, 1);
    iso_write_opts_set_allow_deep_paths(w, 1);
    iso_write_opts_set_always_gmt(w, 1);
    iso_write_opts_set_dir_rec_mtime(w, 3); /* each file's own time, in ISO 9660 and Joliet */
    /* World-readable, owned by root: the same on every machine that masters it. */
    iso_write_opts_set_replace_mode(w, 2, 2, 2, 2);
    iso_write_opts_set_default_dir_mode(w, 0555);
    iso_write_opts_set_default_file_mode(w, 0444);
    iso_write_opts_set_default_uid(w, 0);
    iso_write_opts_set_default_gid(w, 0);
    if (o->time >= 0) {
        char stamp[17];
        pvd_time(o->time, stamp);
        iso_write_opts_set_replace_timestamps(w, 2);
        iso_write_opts_set_default_timestamp(w, (time_t)o->time);
        iso_write_opts_set_pvd_times(w, (time_t)o->time, (time_t)o->time, 0, (time_t)o->time,
                                     stamp);
    }
    *out = w;
    return 0;
}

/* Pulls the image from libisofs into fd; the hash of each chunk is made in a second thread
 * while the next is read and written (two buffers take turns). *unsaid is set when the image
 * ended early: the stream that failed said why, in libisofs' thread. */
static int pump(struct burn_source *bs, int fd, const char *name, uint64_t total,
                char sha[DM_SHA256_HEX], int *unsaid)
{
    unsigned char *buf[2] = {malloc(READ_CHUNK), malloc(READ_CHUNK)};
    struct dm_sha256_bg *h = dm_sha256_bg_new();
    struct dm_progress progress;
    uint64_t done = 0;
    int rc = buf[0] && buf[1] && h ? 0 : dm_error(DM_FAIL, "out of memory");
    dm_progress_begin(&progress, "writing the ISO", total);
    for (int i = 0; rc == 0 && done < total; i ^= 1) {
        int want = total - done < READ_CHUNK ? (int)(total - done) : READ_CHUNK;
        int got = bs->read_xt ? bs->read_xt(bs, buf[i], want) : bs->read(bs, buf[i], want);
        if (got <= 0) {
            rc = DM_FAIL, *unsaid = 1;
            break;
        }
        rc = dm_write_all(fd, buf[i], (size_t)got, name);
        dm_sha256_bg_feed(h, buf[i], (size_t)got);
        done += (uint64_t)got;
        dm_progress_update(&progress, done);
    }
    dm_progress_end(&progress);
    dm_sha256_bg_finish(h, rc == 0 ? sha : NULL);
    free(buf[0]), free(buf[1]);
    return rc;
}

static int iso_write(struct dm_tree *t, const struct dm_iso_opts *o, int fd, uint64_t *bytes,
                     char sha[DM_SHA256_HEX])
{
    IsoImage *image = NULL;
    IsoWriteOpts *w = NULL;
    struct burn_source *bs = NULL;
    struct writer_state ws = {0};
    int unsaid = 0; /* the run failed in libisofs' thread: what it said is the line */
    if (dm_libisofs_ready() < 0)
        return dm_error(DM_FAIL, "cannot start libisofs");
    dm_capture_begin(&ws.said); /* its events, ready for the writer thread */
    dm_capture_end(&ws.said);
    int rc = make_image(t, o, &ws, &image);
    if (rc == 0)
        rc = make_opts(o, &w);
    if (rc == 0) {
        int err = iso_image_create_burn_source(image, w, &bs);
        rc = err < 0 ? iso_fail("cannot lay out the ISO image", err) : 0;
    }
    if (rc == 0) {
        *bytes = (uint64_t)bs->get_size(bs);
        rc = pump(bs, fd, o->name, *bytes, sha, &unsaid);
        if (rc == 0 && ws.failed)
            rc = DM_FAIL, unsaid = 1;
    }
    if (bs) {
        if (rc && bs->version >= 1 && bs->cancel)
            bs->cancel(bs); /* stops libisofs' writer thread */
        bs->free_data(bs);  /* joins it */
        free(bs);
    }
    if (unsaid && ws.said.nlines)
        dm_capture_replay(&ws.said);
    else if (unsaid)
        dm_error(DM_FAIL, "%s: the ISO image ended early", o->name);
    dm_capture_free(&ws.said);
    if (w)
        iso_write_opts_free(w);
    if (image)
        iso_image_unref(image);
    return rc;
}

/* ---- the `iso` target ---- */

/* FILE and FILE.sha256 can be written: regular files (or none), FILE only with --force. */
static int target_check(struct dm_job *j, void *t)
{
    const char *path = ((struct dm_target_iso *)t)->output;
    struct stat st;
    char *sha_path = NULL;
    int rc = dm_target_not_source(path, j->source, "the ISO");
    if (rc)
        return rc;
    int exists = lstat(path, &st) == 0;
    if (!exists && dm_disk_new_in_dev(path))
        return dm_error(DM_REFUSED, "%s: no such device (no file is made in /dev)", path);
    if (exists && !S_ISREG(st.st_mode))
        return dm_error(DM_REFUSED,
                        "%s: exists and is not a regular file; an ISO is written "
                        "only as a file (use dartmk burn for drives)",
                        path);
    if (asprintf(&sha_path, "%s.sha256", path) < 0)
        return dm_error(DM_FAIL, "out of memory");
    int bad_sha = lstat(sha_path, &st) == 0 && !S_ISREG(st.st_mode);
    if (bad_sha)
        dm_error(DM_REFUSED,
                 "%s: exists and is not a regular file (the ISO's checksum goes "
                 "there)",
                 sha_path);
    free(sha_path);
    if (bad_sha)
        return DM_REFUSED;
    if (exists && !j->force)
        return dm_error(DM_REFUSED, "%s: exists (--force replaces it)", path);
    return 0;
}

static int target_tree(struct dm_job *j, void *t)
{
    struct dm_target_iso *x = t;
    j->ropts.flags = DM_RECOVERY_MANIFEST | (x->no_boot ? 0 : DM_RECOVERY_EL_TORITO);
    return x->no_boot ? 0 : dm_target_boot_ways(j->media, 1, "the ISO", &x->bios, &x->uefi);
}

static int target_write(struct dm_job *j, void *t)
{
    struct dm_target_iso *x = t;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    struct dm_iso_opts o = {.name = x->output,
                            .label = x->label,
                            .etfsboot = x->bios ? j->rt->etfsboot : NULL,
                            .efisys = x->uefi ? j->rt->efisys : NULL,
                            .time = sde && *sde ? j->plan.built : -1};
    int rc = dm_replace_begin(&x->iso, x->output, 0);
    return rc ? rc : iso_write(j->rt->tree, &o, x->iso.fd, &x->bytes, x->sha);
}

/* The .sha256 beside the ISO, written to its temporary and flushed. */
static int write_sum(struct dm_target_iso *x)
{
    char *path, line[DM_SHA256_HEX + 4096];
    const char *base = strrchr(x->output, '/') ? strrchr(x->output, '/') + 1 : x->output;
    if (asprintf(&path, "%s.sha256", x->output) < 0)
        return dm_error(DM_FAIL, "out of memory");
    int n = snprintf(line, sizeof line, "%s  %s\n", x->sha, base);
    int rc = dm_replace_begin(&x->sum, path, 0);
    if (rc == 0)
        rc = dm_write_all(x->sum.fd, line, (size_t)n, path);
    free(path);
    return rc ? rc : dm_replace_close(&x->sum);
}

/* Both flushed before either is renamed: the checksum never names an ISO not on the disk. */
static int target_finish(struct dm_job *j, void *t)
{
    struct dm_target_iso *x = t;
    (void)j;
    int rc = dm_replace_close(&x->iso);
    if (rc == 0)
        rc = write_sum(x);
    if (rc == 0)
        rc = dm_replace_rename(&x->iso);
    if (rc == 0)
        rc = dm_replace_rename(&x->sum);
    if (rc == 0)
        dm_replace_sync_folder(x->output);
    return rc;
}

static int target_abort(struct dm_job *j, void *t, int rc)
{
    struct dm_target_iso *x = t;
    (void)j;
    dm_replace_abort(&x->iso);
    dm_replace_abort(&x->sum);
    return rc;
}

static json_object *target_result(struct dm_job *j, void *t)
{
    const struct dm_target_iso *x = t;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "iso", json_object_new_string(x->output));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)x->bytes));
    json_object_object_add(o, "sha256", json_object_new_string(x->sha));
    json_object_object_add(o, "label", json_object_new_string(x->label));
    json_object_object_add(o, "bios", json_object_new_boolean(x->bios));
    json_object_object_add(o, "uefi", json_object_new_boolean(x->uefi));
    json_object_object_add(o, "efisys_generated", json_object_new_boolean(j->rt->efisys_made));
    return o;
}

const struct dm_target_ops dm_target_iso_ops = {
    .name = "iso",
    .check = target_check,
    .tree = target_tree,
    .write = target_write,
    .finish = target_finish,
    .abort = target_abort,
    .result = target_result,
};
