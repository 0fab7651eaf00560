/* synthtree.h — a synthetic media tree described by a manifest, for test tools (mkfat's
 * `synth:FILE` sources) and the fuzz target: names and sizes no host directory can hold (a name
 * of 256 characters, a path of any length, files of any size with no disk behind them).
 *
 * Manifest: one entry per line, "PATH<TAB>SIZE" (a file of SIZE bytes, decimal), "PATH" (an empty
 * file) or "PATH/" (a directory). Parent directories are added as needed. Lines with a NUL byte
 * or an empty path component, and lines that repeat or contradict an earlier path exactly, are
 * skipped: real sources never present those. A file's bytes are a pattern seeded by its path.
 *
 * Header-only (static functions) so that each test program includes it without a library. */
#ifndef DARTMK_TESTS_SYNTHTREE_H
#define DARTMK_TESTS_SYNTHTREE_H

#include "util/report.h"
#include "util/tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct synth_stream {
    struct dm_stream base;
    uint64_t pos, size;
    uint32_t seed;
};

static inline uint32_t synth_seed(const char *path)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *path; path++)
        h = (h ^ (uint8_t)*path) * 16777619u;
    return h;
}

/* Byte `i` of a file seeded `seed`: cheap, and not periodic at cluster sizes. */
static inline uint8_t synth_byte(uint32_t seed, uint64_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u + seed + (uint32_t)(i >> 32);
    return (uint8_t)((x ^ (x >> 15)) >> 7);
}

static inline ssize_t synth_read(struct dm_stream *s, void *buf, size_t n)
{
    struct synth_stream *ss = (struct synth_stream *)s;
    uint64_t left = ss->size - ss->pos;
    if (n > left)
        n = (size_t)left;
    uint8_t *b = buf;
    for (size_t i = 0; i < n; i++)
        b[i] = synth_byte(ss->seed, ss->pos + i);
    ss->pos += n;
    return (ssize_t)n;
}

static inline int synth_close(struct dm_stream *s)
{
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops synth_stream_ops = {.read = synth_read, .close = synth_close};

static inline int synth_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    (void)t;
    struct synth_stream *s = dm_stream_alloc(sizeof *s, &synth_stream_ops, e->path);
    if (!s)
        return dm_error(DM_FAIL, "%s: out of memory", e->path);
    s->size = e->size;
    s->seed = synth_seed(e->path);
    *out = &s->base;
    return 0;
}

static const struct dm_tree_ops synth_tree_ops = {.name = "synthetic", .open = synth_open};

/* Exact paths already in the tree: an open-addressing set of entry indexes (entries move when
 * the tree grows, indexes do not). */
struct synth_set {
    size_t *slot; /* index + 1; 0 = empty */
    size_t cap, used;
};

static inline uint32_t synth_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

/* The entry with exactly this path (len bytes), or NULL. */
static inline struct dm_entry *synth_find(struct dm_tree *t, struct synth_set *set,
                                          const char *path, size_t len)
{
    if (!set->cap)
        return NULL;
    for (size_t i = synth_hash(path, len) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (!set->slot[i])
            return NULL;
        struct dm_entry *e = &t->entries[set->slot[i] - 1];
        if (strncmp(e->path, path, len) == 0 && e->path[len] == '\0')
            return e;
    }
}

/* Adds an entry to the tree and the set; NULL when out of memory. */
static inline struct dm_entry *synth_put(struct dm_tree *t, struct synth_set *set, const char *path,
                                         enum dm_entry_kind kind, uint64_t size)
{
    if (2 * (set->used + 1) > set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 1024;
        size_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return NULL;
        for (size_t j = 0; j < set->cap; j++) {
            if (!set->slot[j])
                continue;
            const char *q = t->entries[set->slot[j] - 1].path;
            size_t i = synth_hash(q, strlen(q)) & (cap - 1);
            while (slot[i])
                i = (i + 1) & (cap - 1);
            slot[i] = set->slot[j];
        }
        free(set->slot);
        set->slot = slot, set->cap = cap;
    }
    struct dm_entry *e = dm_tree_add(t, path, kind, size, 0, NULL);
    if (!e)
        return NULL;
    size_t i = synth_hash(e->path, strlen(e->path)) & (set->cap - 1);
    while (set->slot[i])
        i = (i + 1) & (set->cap - 1);
    set->slot[i] = t->count;
    set->used++;
    return e;
}

/* Adds `path` (len bytes) and its missing parents; returns 0, or -1 when it contradicts the tree
 * or memory runs out. */
static inline int synth_add(struct dm_tree *t, struct synth_set *set, const char *path, size_t len,
                            enum dm_entry_kind kind, uint64_t size)
{
    char *p = strndup(path, len);
    if (!p)
        return -1;
    for (char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        struct dm_entry *e = synth_find(t, set, p, strlen(p));
        int fits = e ? e->kind == DM_ENTRY_DIR : synth_put(t, set, p, DM_ENTRY_DIR, 0) != NULL;
        *slash = '/';
        if (!fits)
            goto bad;
    }
    if (synth_find(t, set, p, len) || !synth_put(t, set, p, kind, size))
        goto bad;
    free(p);
    return 0;
bad:
    free(p);
    return -1;
}

/* Parses one manifest line; skips what real sources never present. */
static inline void synth_line(struct dm_tree *t, struct synth_set *set, const char *line,
                              size_t len, uint64_t max_size)
{
    if (len == 0 || memchr(line, '\0', len))
        return;
    const char *tab = memchr(line, '\t', len);
    size_t plen = tab ? (size_t)(tab - line) : len;
    uint64_t size = 0;
    enum dm_entry_kind kind = DM_ENTRY_FILE;
    if (tab) {
        for (const char *c = tab + 1; c < line + len && *c >= '0' && *c <= '9'; c++)
            size = size > UINT64_MAX / 16 ? UINT64_MAX / 16 : size * 10 + (uint64_t)(*c - '0');
    }
    if (size > max_size)
        size = max_size;
    while (plen && line[0] == '/')
        line++, plen--;
    if (plen && line[plen - 1] == '/') {
        kind = DM_ENTRY_DIR;
        size = 0;
        plen--;
    }
    if (plen == 0)
        return;
    for (size_t i = 0; i + 1 < plen; i++)
        if (line[i] == '/' && line[i + 1] == '/')
            return;
    synth_add(t, set, line, plen, kind, size);
}

/* Builds a sealed tree from a manifest of `n` bytes, at most `max_entries` lines and files of at
 * most `max_size` bytes (larger sizes are clamped). NULL when out of memory. */
static inline struct dm_tree *synth_tree(const char *text, size_t n, size_t max_entries,
                                         uint64_t max_size)
{
    struct dm_tree *t = dm_tree_new(&synth_tree_ops, NULL, "synthetic");
    if (!t)
        return NULL;
    struct synth_set set = {0};
    size_t lines = 0;
    for (size_t i = 0; i < n && lines < max_entries; lines++) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
        synth_line(t, &set, text + i, len, max_size);
        i += len + 1;
    }
    free(set.slot);
    dm_tree_seal(t);
    return t;
}

#endif
