/* source_udf.c — a UDF volume (Windows media whose ISO 9660 tree is only a stub), read with
 * libudfread. Files are read by path through udfread_file_open. */
#include "source/source.h"

#include "util/quiet.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <udfread/udfread.h>

/* libudfread gives no folder's identity, so folders that loop (a record pointing back to a
 * folder above it) are caught by bounds: no Windows medium nests folders deeper than DEPTH,
 * and no image holds more than one entry per MIN_ENTRY bytes (a file identifier takes 40). */
enum { DEPTH = 128, MIN_ENTRY = 40, UDF_BLOCK = 2048 };

struct udf_walk {
    uint64_t size;    /* of the image */
    uint64_t entries; /* seen so far */
};

struct udf_stream {
    struct dm_stream base;
    UDFFILE *file;
};

static ssize_t udfs_read(struct dm_stream *s, void *buf, size_t n)
{
    struct udf_stream *us = (struct udf_stream *)s;
    dm_quiet_begin();
    ssize_t r = udfread_file_read(us->file, buf, n);
    dm_quiet_end();
    if (r < 0) {
        dm_error(DM_FAIL, "%s: read error in the UDF volume", s->name);
        return -1;
    }
    return r;
}

static int udfs_close(struct dm_stream *s)
{
    struct udf_stream *us = (struct udf_stream *)s;
    udfread_file_close(us->file);
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops udf_stream_ops = {.read = udfs_read, .close = udfs_close};

static int udf_open_entry(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    dm_quiet_begin();
    UDFFILE *f = udfread_file_open(t->priv, e->path);
    dm_quiet_end();
    if (!f)
        return dm_error(DM_FAIL, "%s: cannot open in the UDF volume of %s", e->path, t->origin);
    struct udf_stream *us = dm_stream_alloc(sizeof *us, &udf_stream_ops, e->path);
    if (!us) {
        udfread_file_close(f);
        return dm_error(DM_FAIL, "%s: out of memory", e->path);
    }
    us->file = f;
    *out = &us->base;
    return 0;
}

static void udf_destroy(struct dm_tree *t) { udfread_close(t->priv); }

static const struct dm_tree_ops udf_ops = {
    .name = "UDF", .open = udf_open_entry, .destroy = udf_destroy};

static int udf_walk(struct dm_tree *t, struct udf_walk *w, const char *dir, int depth);

static int udf_add(struct dm_tree *t, struct udf_walk *w, const char *path, unsigned type,
                   int depth)
{
    if (++w->entries > w->size / MIN_ENTRY)
        return dm_error(DM_FAIL, "%s: more entries than the image can hold (a damaged UDF volume)",
                        t->origin);
    if (type == UDF_DT_DIR) {
        if (depth >= DEPTH)
            return dm_error(DM_FAIL,
                            "%s: folders nested more than %d deep: they form a loop (/%.60s...)",
                            t->origin, DEPTH, path);
        if (!dm_tree_add(t, path, DM_ENTRY_DIR, 0, 0, NULL))
            return dm_error(DM_FAIL, "%s: out of memory", t->origin);
        return udf_walk(t, w, path, depth + 1);
    }
    if (type != UDF_DT_REG)
        return 0;
    UDFFILE *f = udfread_file_open(t->priv, path);
    if (!f)
        return dm_error(DM_FAIL, "%s: %s: cannot open in the UDF volume", t->origin, path);
    int64_t size = udfread_file_size(f);
    uint32_t blocks = (uint32_t)(w->size / UDF_BLOCK);
    /* Its first and last blocks (0: unknown, or inside its file entry). */
    uint32_t first = size > 0 ? udfread_file_lba(f, 0) : 0;
    uint32_t last = size > 0 ? udfread_file_lba(f, (uint32_t)((size - 1) / UDF_BLOCK)) : 0;
    udfread_file_close(f);
    if (size < 0)
        return dm_error(DM_FAIL, "%s: %s: unreadable size in the UDF volume", t->origin, path);
    if ((uint64_t)size > w->size || first >= blocks || last >= blocks)
        return dm_error(DM_FAIL, "%s: %s lies past the image's end", t->origin, path);
    if (!dm_tree_add(t, path, DM_ENTRY_FILE, (uint64_t)size, 0, NULL))
        return dm_error(DM_FAIL, "%s: out of memory", t->origin);
    return 0;
}

static int udf_walk(struct dm_tree *t, struct udf_walk *w, const char *dir, int depth)
{
    UDFDIR *d = udfread_opendir(t->priv, *dir ? dir : "/");
    if (!d)
        return dm_error(DM_FAIL, "%s: cannot list /%s in the UDF volume", t->origin, dir);
    struct udfread_dirent de;
    int rc = 0;
    while (rc == 0 && udfread_readdir(d, &de)) {
        if (strcmp(de.d_name, ".") == 0 || strcmp(de.d_name, "..") == 0)
            continue;
        char *path;
        if (!dm_tree_name_ok(de.d_name))
            rc = dm_error(DM_FAIL, "%s: /%s holds an entry named \"%s\" (a damaged UDF volume)",
                          t->origin, dir, de.d_name);
        else if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", de.d_name) < 0)
            rc = dm_error(DM_FAIL, "%s: out of memory", t->origin);
        else
            rc = udf_add(t, w, path, de.d_type, depth), free(path);
    }
    udfread_closedir(d);
    return rc;
}

static int open_udf(const char *path, struct dm_tree **out)
{
    udfread *u = udfread_init();
    if (!u)
        return dm_error(DM_FAIL, "%s: out of memory", path);
    if (udfread_open(u, path) < 0) {
        udfread_close(u);
        return dm_error(DM_FAIL, "%s: no readable UDF volume", path);
    }
    struct dm_tree *t = dm_tree_new(&udf_ops, u, path);
    if (!t) {
        udfread_close(u);
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    struct stat st;
    struct udf_walk w = {.size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0};
    if (w.size == 0) { /* a block device */
        FILE *f = fopen(path, "rb");
        if (f && fseeko(f, 0, SEEK_END) == 0)
            w.size = (uint64_t)ftello(f);
        if (f)
            fclose(f);
    }
    return dm_tree_finish(t, udf_walk(t, &w, "", 0), out);
}

/* libudfread says what it finds wrong on stderr itself; dartmk's one line says it for the user
 * (libudfread's lines are shown with -v). */
int dm_source_udf_open(const char *path, struct dm_tree **out)
{
    dm_quiet_begin();
    int rc = open_udf(path, out);
    dm_quiet_end();
    return rc;
}
