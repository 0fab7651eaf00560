/* wim_export.c — the WIMs a recovery tree writes with wimlib: the one image that boots,
 * exported alone from the media's boot.wim (its compressed resources copied as they are: the
 * new WIM takes the source's compression type and chunk size, so wimlib copies them raw), and
 * a large WIM split into .swm parts for FAT32. */
#include "image/image.h"
#include "util/progress.h"
#include "util/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wimlib.h>

struct progress {
    struct dm_progress p;
    int begun;
    const char *label;
    char **parts; /* split: the parts written, in order */
    size_t nparts;
    int oom;
};

static enum wimlib_progress_status on_progress(enum wimlib_progress_msg msg,
                                               union wimlib_progress_info *info, void *ctx)
{
    struct progress *c = ctx;
    if (msg == WIMLIB_PROGRESS_MSG_WRITE_STREAMS && !c->begun) {
        dm_progress_begin(&c->p, c->label, info->write_streams.total_bytes);
        c->begun = 1;
    }
    if (msg == WIMLIB_PROGRESS_MSG_WRITE_STREAMS)
        dm_progress_update(&c->p, info->write_streams.completed_bytes);
    if (msg == WIMLIB_PROGRESS_MSG_SPLIT_BEGIN_PART && !c->begun) {
        dm_progress_begin(&c->p, c->label, info->split.total_bytes);
        c->begun = 1;
    }
    if (msg == WIMLIB_PROGRESS_MSG_SPLIT_END_PART) {
        char **v = realloc(c->parts, (c->nparts + 1) * sizeof *v);
        char *name = v ? strdup(info->split.part_name) : NULL;
        if (v)
            c->parts = v;
        if (name)
            c->parts[c->nparts++] = name;
        c->oom |= !name;
        dm_progress_update(&c->p, info->split.completed_bytes);
    }
    return WIMLIB_PROGRESS_STATUS_CONTINUE;
}

static void progress_end(struct progress *c)
{
    if (c->begun)
        dm_progress_end(&c->p);
}

/* One line for wimlib's error err while doing `what` to `display`. */
static int wim_error(const char *display, const char *what, int err, int sys_err)
{
    if (sys_err)
        return dm_error_errno(DM_FAIL, sys_err, "%s: %s", display, what);
    return dm_error(DM_FAIL, "%s: %s (%s)", display, what, wimlib_get_error_string(err));
}

int dm_image_export(struct dm_wim *w, int index, const char *path)
{
    WIMStruct *src = dm_wim_wimlib(w), *dst = NULL;
    struct wimlib_wim_info info;
    struct progress c = {.label = "exporting boot.wim's image"};
    const char *what = "cannot read the WIM header";
    int err = wimlib_get_wim_info(src, &info), sys_err = 0;
    if (!err) {
        what = "cannot make the new WIM";
        err = wimlib_create_new_wim((enum wimlib_compression_type)info.compression_type, &dst);
    }
    /* The same compression and chunk size as the source: wimlib then copies the compressed
     * resources raw instead of compressing them again. */
    if (!err && info.compression_type != WIMLIB_COMPRESSION_TYPE_NONE)
        err = wimlib_set_output_chunk_size(dst, info.chunk_size);
    if (!err) {
        what = "cannot export the image";
        err = wimlib_export_image(src, index, dst, NULL, NULL, WIMLIB_EXPORT_FLAG_BOOT);
    }
    /* A GUID of its own, derived from the source's and the image's index rather than random:
     * the same source gives the same bytes (SOURCE_DATE_EPOCH builds are reproducible). */
    if (!err) {
        info.guid[15] ^= (uint8_t)(0x80 | index);
        err = wimlib_set_wim_info(dst, &info, WIMLIB_CHANGE_GUID);
    }
    if (!err) {
        what = "cannot write the exported image";
        wimlib_register_progress_function(dst, on_progress, &c);
        errno = 0;
        err = wimlib_write(dst, path, WIMLIB_ALL_IMAGES, WIMLIB_WRITE_FLAG_RETAIN_GUID, 0);
        sys_err = err == WIMLIB_ERR_WRITE ? errno : 0; /* say "No space left on device" */
    }
    progress_end(&c);
    if (dst)
        wimlib_free(dst);
    return err ? wim_error(dm_wim_display(w), what, err, sys_err) : 0;
}

int dm_image_export_checked(struct dm_wim *w, int index, const char *path)
{
    struct dm_wim *out = NULL;
    int rc = dm_image_export(w, index, path);
    if (rc == 0)
        rc = dm_wim_open(path, dm_wim_display(w), &out);
    if (rc == 0)
        rc = dm_wim_verify(out);
    dm_wim_close(out);
    return rc;
}

/* ---- sizes ---- */

/* The distinct blobs an image refers to, by SHA-1 (an open-addressing set). */
struct blobs {
    uint8_t (*keys)[20];
    size_t cap, n;
    uint64_t bytes;
    int oom;
};

static int blob_add(struct blobs *b, const uint8_t sha[20], uint64_t bytes)
{
    static const uint8_t zero[20];
    if (!memcmp(sha, zero, 20))
        return 0; /* no data */
    if (2 * (b->n + 1) > b->cap) {
        struct blobs g = {.cap = b->cap ? 2 * b->cap : 1024, .bytes = b->bytes};
        if (!(g.keys = calloc(g.cap, 20)))
            return b->oom = 1, -1;
        for (size_t i = 0; i < b->cap; i++)
            if (memcmp(b->keys[i], zero, 20))
                blob_add(&g, b->keys[i], 0);
        free(b->keys);
        *b = g;
    }
    size_t i;
    memcpy(&i, sha, sizeof i);
    for (i %= b->cap; memcmp(b->keys[i], zero, 20); i = (i + 1) % b->cap)
        if (!memcmp(b->keys[i], sha, 20))
            return 0;
    memcpy(b->keys[i], sha, 20);
    b->n++;
    b->bytes += bytes;
    return 0;
}

/* What a resource takes in the WIM; a solid resource's share of its compressed whole. */
static uint64_t stored(const struct wimlib_resource_entry *r)
{
    if (!r->packed || !r->raw_resource_uncompressed_size)
        return r->compressed_size;
    return (uint64_t)((double)r->raw_resource_compressed_size * (double)r->uncompressed_size /
                      (double)r->raw_resource_uncompressed_size);
}

static int on_dentry(const struct wimlib_dir_entry *d, void *ctx)
{
    for (uint32_t i = 0; i <= d->num_named_streams; i++)
        if (blob_add(ctx, d->streams[i].resource.sha1_hash, stored(&d->streams[i].resource)))
            return -1;
    return 0;
}

struct metadata {
    int want, seen;
    uint64_t bytes;
};

/* wimlib lists the images' metadata resources first, in image order. */
static int on_blob(const struct wimlib_resource_entry *r, void *ctx)
{
    struct metadata *m = ctx;
    if (r->is_metadata && ++m->seen == m->want)
        m->bytes = r->compressed_size;
    return 0;
}

int dm_image_export_size(struct dm_wim *w, int index, uint64_t *bytes)
{
    WIMStruct *wim = dm_wim_wimlib(w);
    struct blobs b = {0};
    struct metadata md = {.want = index};
    int err = wimlib_iterate_dir_tree(wim, index, "", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
                                      on_dentry, &b);
    if (!err)
        err = wimlib_iterate_lookup_table(wim, 0, on_blob, &md);
    free(b.keys);
    if (b.oom)
        return dm_error(DM_FAIL, "out of memory");
    if (err)
        return wim_error(dm_wim_display(w), "cannot read the image", err, 0);
    /* The header, the lookup table (50 bytes a blob) and the XML (a few KiB). */
    *bytes = b.bytes + md.bytes + 208 + 50 * (b.n + 1) + 4096;
    return 0;
}

static int on_any_blob(const struct wimlib_resource_entry *r, void *ctx)
{
    *(uint64_t *)ctx += stored(r);
    return 0;
}

uint64_t dm_image_wim_data(struct dm_wim *w)
{
    uint64_t bytes = 0;
    if (wimlib_iterate_lookup_table(dm_wim_wimlib(w), 0, on_any_blob, &bytes) != 0)
        return UINT64_MAX;
    return bytes;
}

/* ---- split ---- */

int dm_image_split(struct dm_wim *w, const char *swm, uint64_t part_size, char ***parts,
                   size_t *nparts)
{
    WIMStruct *wim = dm_wim_wimlib(w);
    char label[256];
    snprintf(label, sizeof label, "splitting %s", dm_wim_display(w));
    struct progress c = {.label = label};
    wimlib_register_progress_function(wim, on_progress, &c);
    errno = 0;
    int err = wimlib_split(wim, swm, part_size, 0);
    int sys_err = err == WIMLIB_ERR_WRITE ? errno : 0;
    wimlib_register_progress_function(wim, NULL, NULL);
    progress_end(&c);
    if (!err && c.oom)
        err = WIMLIB_ERR_NOMEM;
    if (err) {
        for (size_t i = 0; i < c.nparts; i++)
            free(c.parts[i]);
        free(c.parts);
        return wim_error(dm_wim_display(w),
                         err == WIMLIB_ERR_UNSUPPORTED
                             ? "cannot split it into .swm parts: it is solid-compressed (ESD)"
                             : "cannot split it into .swm parts",
                         err, sys_err);
    }
    *parts = c.parts, *nparts = c.nparts;
    return 0;
}
