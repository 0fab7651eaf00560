/* tree.c — entries, tree order, case-insensitive lookup, stream helpers. */
#include "util/tree.h"

#include "util/report.h"
#include "util/tee.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct dm_tree *dm_tree_new(const struct dm_tree_ops *ops, void *priv, const char *origin)
{
    struct dm_tree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ops = ops;
    t->priv = priv;
    t->origin = strdup(origin);
    if (!t->origin) {
        free(t);
        return NULL;
    }
    return t;
}

struct dm_entry *dm_tree_add(struct dm_tree *t, const char *path, enum dm_entry_kind kind,
                             uint64_t size, int64_t mtime, void *priv)
{
    while (*path == '/')
        path++;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct dm_entry *e = realloc(t->entries, cap * sizeof *e);
        if (!e)
            return NULL;
        t->entries = e;
        t->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    struct dm_entry *e = &t->entries[t->count++];
    *e = (struct dm_entry){.path = copy, .size = size, .kind = kind, .mtime = mtime, .priv = priv};
    return e;
}

/* Byte order with '/' lowest, so a directory sorts right before its contents. */
static int path_cmp(const char *a, const char *b, int fold)
{
    for (;; a++, b++) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (fold) {
            ca = (ca >= 'A' && ca <= 'Z') ? ca + 32 : ca;
            cb = (cb >= 'A' && cb <= 'Z') ? cb + 32 : cb;
        }
        ca = ca == '/' ? 1 : ca;
        cb = cb == '/' ? 1 : cb;
        if (ca != cb || ca == 0)
            return (int)ca - (int)cb;
    }
}

int dm_path_casecmp(const char *a, const char *b) { return path_cmp(a, b, 1); }

int dm_name_ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

int dm_tree_name_ok(const char *name)
{
    return *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/');
}

static int entry_cmp(const void *x, const void *y)
{
    const struct dm_entry *a = x, *b = y;
    return path_cmp(a->path, b->path, 0);
}

static int entry_ptr_casecmp(const void *x, const void *y)
{
    const struct dm_entry *const *a = x, *const *b = y;
    return path_cmp((*a)->path, (*b)->path, 1);
}

void dm_tree_seal(struct dm_tree *t)
{
    if (t->count)
        qsort(t->entries, t->count, sizeof *t->entries, entry_cmp);
    free(t->by_name);
    t->by_name = calloc(t->count ? t->count : 1, sizeof *t->by_name);
    if (!t->by_name)
        return;
    for (size_t i = 0; i < t->count; i++)
        t->by_name[i] = &t->entries[i];
    if (t->count)
        qsort(t->by_name, t->count, sizeof *t->by_name, entry_ptr_casecmp);
}

int dm_tree_finish(struct dm_tree *t, int rc, struct dm_tree **out)
{
    if (rc) {
        dm_tree_free(t);
        return rc;
    }
    dm_tree_seal(t);
    *out = t;
    return 0;
}

const struct dm_entry *dm_tree_find(const struct dm_tree *t, const char *path)
{
    while (*path == '/')
        path++;
    size_t lo = 0, hi = t->by_name ? t->count : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = path_cmp(path, t->by_name[mid]->path, 1);
        if (c == 0)
            return t->by_name[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void dm_tree_free(struct dm_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        if (t->ops->free_priv && t->entries[i].priv)
            t->ops->free_priv(t, t->entries[i].priv);
        free(t->entries[i].path);
    }
    if (t->ops->destroy)
        t->ops->destroy(t);
    free(t->entries);
    free(t->by_name);
    free(t->origin);
    free(t);
}

int dm_tree_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    if (e->kind != DM_ENTRY_FILE)
        return dm_error(DM_FAIL, "%s: is a directory, not a file", e->path);
    int rc = 0;
    return dm_tee_open(t, e, out, &rc) ? rc : t->ops->open(t, e, out);
}

const char *dm_tree_host_path(struct dm_tree *t, const struct dm_entry *e)
{
    return t->ops->host_path ? t->ops->host_path(t, e) : NULL;
}

void *dm_stream_alloc(size_t size, const struct dm_stream_ops *ops, const char *name)
{
    struct dm_stream *s = calloc(1, size);
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return NULL;
    }
    s->ops = ops;
    return s;
}

void dm_stream_free(struct dm_stream *s)
{
    free(s->name);
    free(s);
}

ssize_t dm_stream_read(struct dm_stream *s, void *buf, size_t n) { return s->ops->read(s, buf, n); }

ssize_t dm_stream_read_full(struct dm_stream *s, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = s->ops->read(s, (char *)buf + got, n - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int dm_stream_close(struct dm_stream *s) { return s ? s->ops->close(s) : 0; }

ssize_t dm_tree_read_head(struct dm_tree *t, const struct dm_entry *e, void *buf, size_t n)
{
    struct dm_stream *s;
    if (dm_tree_open(t, e, &s) != 0)
        return -1;
    ssize_t r = dm_stream_read_full(s, buf, n);
    int rc = dm_stream_close(s);
    return rc ? -1 : r;
}

uint64_t dm_tree_bytes(const struct dm_tree *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        n += t->entries[i].size;
    return n;
}
