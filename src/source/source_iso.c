/* source_iso.c — an ISO 9660 image (Rock Ridge, Joliet or plain names) read with libisofs. */
#include "source/source.h"

#include "util/report.h"

#include <libisofs/libisofs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iso_source {
    IsoImage *image;
};

struct isofile_stream {
    struct dm_stream base;
    IsoStream *stream;
};

int dm_libisofs_ready(void)
{
    static int ready;
    if (!ready) {
        if (iso_init() < 0)
            return -1;
        /* Keep libisofs quiet: dartmk reports failures itself, as one line. */
        iso_set_msgs_severities("NEVER", "NEVER", "dartmk");
        iso_set_local_charset("UTF-8", 0);
        ready = 1;
    }
    return 0;
}

static ssize_t isos_read(struct dm_stream *s, void *buf, size_t n)
{
    struct isofile_stream *is = (struct isofile_stream *)s;
    int r = iso_stream_read(is->stream, buf, n);
    if (r < 0) {
        dm_error(DM_FAIL, "%s: read error in the ISO image (%s)", s->name, iso_error_to_msg(r));
        return -1;
    }
    return r;
}

static int isos_close(struct dm_stream *s)
{
    struct isofile_stream *is = (struct isofile_stream *)s;
    iso_stream_close(is->stream);
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops iso_stream_ops = {.read = isos_read, .close = isos_close};

static int iso_open_entry(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    (void)t;
    IsoStream *st = iso_file_get_stream((IsoFile *)e->priv);
    int r = st ? iso_stream_open(st) : -1;
    if (r < 0)
        return dm_error(DM_FAIL, "%s: cannot open in the ISO image (%s)", e->path,
                        iso_error_to_msg(r));
    struct isofile_stream *is = dm_stream_alloc(sizeof *is, &iso_stream_ops, e->path);
    if (!is) {
        iso_stream_close(st);
        return dm_error(DM_FAIL, "%s: out of memory", e->path);
    }
    is->stream = st;
    *out = &is->base;
    return 0;
}

static void iso_free_priv(struct dm_tree *t, void *priv)
{
    (void)t;
    iso_node_unref(priv);
}

static void iso_destroy(struct dm_tree *t)
{
    struct iso_source *s = t->priv;
    if (s->image)
        iso_image_unref(s->image);
    free(s);
}

static const struct dm_tree_ops iso_ops = {
    .name = "ISO 9660", .open = iso_open_entry, .free_priv = iso_free_priv, .destroy = iso_destroy};

static int add_node(struct dm_tree *t, IsoNode *node, const char *path);

static int walk(struct dm_tree *t, IsoDir *dir, const char *prefix)
{
    IsoDirIter *it;
    if (iso_dir_get_children(dir, &it) < 0)
        return dm_error(DM_FAIL, "%s: cannot list %s/ in the ISO image", t->origin, prefix);
    int rc = 0;
    IsoNode *node;
    while (rc == 0 && iso_dir_iter_next(it, &node) == 1) {
        char *path;
        if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", iso_node_get_name(node)) < 0)
            rc = dm_error(DM_FAIL, "%s: out of memory", t->origin);
        else
            rc = add_node(t, node, path), free(path);
    }
    iso_dir_iter_free(it);
    return rc;
}

static int add_node(struct dm_tree *t, IsoNode *node, const char *path)
{
    enum IsoNodeType type = iso_node_get_type(node);
    int64_t mtime = (int64_t)iso_node_get_mtime(node);
    if (type == LIBISO_DIR) {
        if (!dm_tree_add(t, path, DM_ENTRY_DIR, 0, mtime, NULL))
            return dm_error(DM_FAIL, "%s: out of memory", t->origin);
        return walk(t, (IsoDir *)node, path);
    }
    if (type != LIBISO_FILE) {
        dm_debug("%s: skipping %s (not a file or directory)", t->origin, path);
        return 0;
    }
    uint64_t size = (uint64_t)iso_file_get_size((IsoFile *)node);
    if (!dm_tree_add(t, path, DM_ENTRY_FILE, size, mtime, node))
        return dm_error(DM_FAIL, "%s: out of memory", t->origin);
    iso_node_ref(node);
    return 0;
}

static int import(const char *path, IsoImage **image)
{
    IsoDataSource *src = NULL;
    IsoReadOpts *opts = NULL;
    IsoReadImageFeatures *features = NULL;
    int r = iso_data_source_new_from_file(path, &src);
    if (r >= 0)
        r = iso_read_opts_new(&opts, 0);
    if (r >= 0)
        r = iso_image_new("dartmk", image);
    if (r >= 0)
        r = iso_image_import(*image, src, opts, &features);
    if (features)
        iso_read_image_features_destroy(features);
    if (opts)
        iso_read_opts_free(opts);
    if (src)
        iso_data_source_unref(src);
    if (r < 0)
        return dm_error(DM_FAIL, "%s: cannot read the ISO image (%s)", path, iso_error_to_msg(r));
    return 0;
}

int dm_source_iso_open(const char *path, struct dm_tree **out)
{
    if (dm_libisofs_ready() < 0)
        return dm_error(DM_FAIL, "libisofs: cannot initialise");
    struct iso_source *s = calloc(1, sizeof *s);
    struct dm_tree *t = s ? dm_tree_new(&iso_ops, s, path) : NULL;
    if (!t) {
        free(s);
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    int rc = import(path, &s->image);
    if (rc == 0)
        rc = walk(t, iso_image_get_root(s->image), "");
    return dm_tree_finish(t, rc, out);
}
