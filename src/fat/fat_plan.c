/* fat_plan.c — checking a tree against FAT's rules and laying it out, before any write. */
#include "fat/fat_internal.h"

#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1024.0 * 1024.0)

static int64_t default_now(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v > 0)
            return v;
    }
    return (int64_t)time(NULL);
}

void dm_fat_plan_free(struct dm_fat_plan *p)
{
    if (!p)
        return;
    free(p->nodes);
    free(p->order);
    free(p);
}

/* Finds the parent directory node of `path` (entries arrive parents first, in tree order). */
static int find_parent(struct dm_fat_plan *p, uint32_t *stack, const char *path, int depth,
                       uint32_t *parent)
{
    if (depth == 0) {
        *parent = 0;
        return 0;
    }
    const struct fat_node *d = &p->nodes[stack[depth - 1]];
    size_t plen = (size_t)(strrchr(path, '/') - path);
    if (!d->entry || strlen(d->entry->path) != plen || strncmp(d->entry->path, path, plen) != 0)
        return dm_error(DM_FAIL, "%s: its directory is not in the tree", path);
    *parent = stack[depth - 1];
    return 0;
}

static int add_node(struct dm_fat_plan *p, const struct dm_entry *e, uint32_t parent,
                    uint32_t *last_child)
{
    struct fat_node *n = &p->nodes[p->count];
    const char *slash = strrchr(e->path, '/'), *why;
    int len = dm_fat_utf16(slash ? slash + 1 : e->path, n->name, &why);
    if (len < 0)
        return dm_error(DM_FAIL, "%s: %s", e->path, why);
    const struct fat_node *up = &p->nodes[parent];
    n->entry = e;
    n->parent = parent;
    n->name_len = (uint16_t)len;
    n->is_dir = e->kind == DM_ENTRY_DIR;
    unsigned path_len = (parent ? up->path_len + 1u : 0u) + (unsigned)len;
    if (path_len > MAX_PATH_UNITS)
        return dm_error(DM_FAIL,
                        "%s: the path is %u characters long; on FAT, Windows reaches "
                        "paths of at most %d",
                        e->path, path_len, MAX_PATH_UNITS);
    n->path_len = (uint16_t)path_len;
    if (!n->is_dir && e->size > MAX_FILE)
        return dm_error(DM_FAIL, "%s: %.1f GiB: FAT32 cannot hold a file of 4 GiB or more", e->path,
                        (double)e->size / (1024.0 * MIB));
    if (last_child[parent])
        p->nodes[last_child[parent]].next_sibling = p->count;
    else
        p->nodes[parent].first_child = p->count;
    last_child[parent] = p->count;
    p->data_bytes += n->is_dir ? 0 : e->size;
    p->count++;
    return 0;
}

static int build_nodes(struct dm_fat_plan *p)
{
    uint32_t *stack = calloc(1024, sizeof *stack);
    uint32_t *last_child = calloc(p->tree->count + 1, sizeof *last_child);
    int rc = stack && last_child ? 0 : dm_error(DM_FAIL, "out of memory");
    p->nodes[0].is_dir = 1;
    p->count = 1;
    for (size_t i = 0; rc == 0 && i < p->tree->count; i++) {
        const struct dm_entry *e = &p->tree->entries[i];
        int depth = 0;
        for (const char *c = e->path; *c; c++)
            depth += *c == '/';
        uint32_t parent = 0;
        if (depth >= 1024)
            rc = dm_error(DM_FAIL, "%s: the path is too deep for FAT", e->path);
        else
            rc = find_parent(p, stack, e->path, depth, &parent);
        if (rc == 0)
            rc = add_node(p, e, parent, last_child);
        if (rc == 0 && e->kind == DM_ENTRY_DIR)
            stack[depth] = p->count - 1;
    }
    free(stack);
    free(last_child);
    return rc;
}

/* ---- short names, one directory at a time ---- */

/* An open-addressing set of 11-byte short names, each with a number (used for the next "~n"
 * tail to try after a basis, so that many names sharing one basis stay linear). */
struct name_set {
    uint8_t (*keys)[11];
    uint8_t *used;
    uint32_t *vals;
    size_t cap;
};

static size_t hash11(const uint8_t k[11])
{
    size_t h = 2166136261u;
    for (int i = 0; i < 11; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

/* The slot holding k, inserted (value 0) when absent; *fresh tells which. */
static size_t set_slot(struct name_set *s, const uint8_t k[11], int *fresh)
{
    size_t i = hash11(k) & (s->cap - 1);
    while (s->used[i]) {
        if (memcmp(s->keys[i], k, 11) == 0) {
            *fresh = 0;
            return i;
        }
        i = (i + 1) & (s->cap - 1);
    }
    s->used[i] = 1;
    s->vals[i] = 0;
    memcpy(s->keys[i], k, 11);
    *fresh = 1;
    return i;
}

/* Inserts a name; returns 0 when it was already there. */
static int set_insert(struct name_set *s, const uint8_t k[11])
{
    int fresh;
    set_slot(s, k, &fresh);
    return fresh;
}

static void set_free(struct name_set *s)
{
    free(s->keys);
    free(s->used);
    free(s->vals);
    *s = (struct name_set){0};
}

static int set_reset(struct name_set *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    if (cap > s->cap) {
        set_free(s);
        s->keys = malloc(cap * 11);
        s->used = malloc(cap);
        s->vals = malloc(cap * sizeof *s->vals);
        s->cap = cap;
        if (!s->keys || !s->used || !s->vals) {
            set_free(s);
            return -1;
        }
    }
    memset(s->used, 0, s->cap);
    return 0;
}

static int by_folded_name(const void *x, const void *y, void *plan)
{
    const struct dm_fat_plan *p = plan;
    const struct fat_node *a = &p->nodes[*(const uint32_t *)x];
    const struct fat_node *b = &p->nodes[*(const uint32_t *)y];
    return dm_fat_namecmp(a->name, a->name_len, b->name, b->name_len);
}

static int check_collisions(const struct dm_fat_plan *p, uint32_t *kids, size_t n)
{
    qsort_r(kids, n, sizeof *kids, by_folded_name, (void *)p);
    for (size_t i = 1; i < n; i++) {
        const struct fat_node *a = &p->nodes[kids[i - 1]], *b = &p->nodes[kids[i]];
        if (dm_fat_namecmp(a->name, a->name_len, b->name, b->name_len) == 0)
            return dm_error(DM_FAIL,
                            "%s and %s collide on FAT (names that differ only in case "
                            "are the same name there)",
                            a->entry->path, b->entry->path);
    }
    return 0;
}

/* Names that fit 8.3 keep their name; the others get the first free "~n" tail. `s` holds the
 * short names taken, `tails` the next tail to try for each basis. */
static int short_names(struct dm_fat_plan *p, const uint32_t *kids, size_t n, struct name_set *s,
                       struct name_set *tails)
{
    if (set_reset(s, n) < 0 || set_reset(tails, n) < 0)
        return dm_error(DM_FAIL, "out of memory");
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            struct fat_node *k = &p->nodes[kids[i]];
            int f = dm_fat_short_basis(k->name, k->name_len, k->short_name);
            if ((pass == 0) != ((f & DM_FAT_FITS) != 0))
                continue;
            int mixed = (f & DM_FAT_MIXED) != 0 || !(f & DM_FAT_FITS);
            k->nt_case = mixed ? 0 : (uint8_t)(f & (DM_FAT_LOWER_BASE | DM_FAT_LOWER_EXT));
            k->lfn_entries = mixed ? (uint8_t)((k->name_len + 12) / 13) : 0;
            if (pass == 0 && set_insert(s, k->short_name))
                continue;
            uint8_t basis[11];
            memcpy(basis, k->short_name, 11);
            int fresh;
            uint32_t *next = &tails->vals[set_slot(tails, basis, &fresh)];
            unsigned tail = fresh ? 1 : *next;
            do {
                memcpy(k->short_name, basis, 11);
                dm_fat_short_tail(k->short_name, tail++);
            } while (!set_insert(s, k->short_name));
            *next = tail;
            if (!k->lfn_entries) /* the name changed: the long name must be kept */
                k->lfn_entries = (uint8_t)((k->name_len + 12) / 13), k->nt_case = 0;
        }
    }
    return 0;
}

static int name_dir(struct dm_fat_plan *p, uint32_t d, uint32_t *kids, struct name_set *s,
                    struct name_set *tails)
{
    size_t n = 0;
    for (uint32_t c = p->nodes[d].first_child; c; c = p->nodes[c].next_sibling)
        kids[n++] = c;
    int rc = check_collisions(p, kids, n);
    if (rc == 0)
        rc = short_names(p, kids, n, s, tails);
    uint64_t entries = d ? 2 : p->has_label;
    for (size_t i = 0; i < n; i++)
        entries += 1u + p->nodes[kids[i]].lfn_entries;
    if (rc == 0 && entries > MAX_DIR_ENTRIES)
        rc = dm_error(DM_FAIL, "%s: %llu directory entries; a FAT directory holds at most %u",
                      d ? p->nodes[d].entry->path : "the root directory",
                      (unsigned long long)entries, MAX_DIR_ENTRIES);
    p->nodes[d].dir_entries = (uint32_t)entries;
    return rc;
}

static int name_dirs(struct dm_fat_plan *p)
{
    uint32_t *kids = malloc(p->count * sizeof *kids);
    struct name_set s = {0}, tails = {0};
    int rc = kids ? 0 : dm_error(DM_FAIL, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < p->count; i++)
        if (p->nodes[i].is_dir)
            rc = name_dir(p, i, kids, &s, &tails);
    free(kids);
    set_free(&s);
    set_free(&tails);
    return rc;
}

/* Everything that does not depend on the volume size: names, limits, directory sizes. */
static int plan_names(struct dm_tree *t, const struct dm_fat_opts *o, struct dm_fat_plan **out)
{
    struct dm_fat_plan *p = calloc(1, sizeof *p);
    if (!p || !(p->nodes = calloc(t->count + 1, sizeof *p->nodes)) ||
        !(p->order = calloc(t->count + 1, sizeof *p->order))) {
        dm_fat_plan_free(p);
        return dm_error(DM_FAIL, "out of memory");
    }
    p->tree = t;
    p->opts = *o;
    p->now = o->now ? o->now : default_now();
    const char *why;
    int rc = 0;
    if (dm_fat_label(o->label, p->label, &why) != 0)
        rc = dm_error(DM_FAIL, "label '%s': %s", o->label, why);
    p->has_label = o->label && *o->label;
    if (rc == 0)
        rc = build_nodes(p);
    if (rc == 0)
        rc = name_dirs(p);
    if (rc) {
        dm_fat_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Bytes a node takes in the data area: a directory at least one cluster, except the FAT12/16
 * root, which lives in its own region. */
static uint64_t data_bytes(const struct fat_node *k, uint32_t i, enum dm_fat_type type)
{
    if (!k->is_dir)
        return k->entry->size;
    if (i == 0 && type != DM_FAT32)
        return 0;
    return k->dir_entries ? (uint64_t)k->dir_entries * 32 : 1;
}

uint64_t fat_clusters_needed(const struct dm_fat_plan *p, uint32_t bytes, enum dm_fat_type type)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->count; i++)
        n += div_up(data_bytes(&p->nodes[i], i, type), bytes);
    return n;
}

/* Tree order, except that late entries (DM_ENTRY_LATE) go after everything else. */
static void data_order(struct dm_fat_plan *p)
{
    uint32_t n = 0;
    for (int late = 0; late < 2; late++)
        for (uint32_t i = 0; i < p->count; i++) {
            const struct dm_entry *e = p->nodes[i].entry;
            if ((e && (e->flags & DM_ENTRY_LATE)) == (late == 1))
                p->order[n++] = i;
        }
}

void fat_allocate(struct dm_fat_plan *p)
{
    uint32_t bytes = geom_cluster_bytes(&p->geom), next = p->first;
    data_order(p);
    for (uint32_t n = 0; n < p->count; n++) {
        uint32_t i = p->order[n];
        struct fat_node *k = &p->nodes[i];
        k->nclusters = (uint32_t)div_up(data_bytes(k, i, p->geom.type), bytes);
        k->first_cluster = k->nclusters ? next : 0;
        next += k->nclusters;
    }
    p->used_clusters = next - p->first;
}

int dm_fat_plan_place(struct dm_fat_plan *p, uint32_t first)
{
    if (first < 2 || (uint64_t)first - 2 + p->used_clusters > p->geom.clusters)
        return -1;
    p->first = first;
    fat_allocate(p);
    return 0;
}

/* The tree fits a volume of this geometry, with the reserve left free. */
static int fits(const struct dm_fat_plan *p, const struct fat_geom *g)
{
    uint32_t bytes = geom_cluster_bytes(g);
    if (g->type != DM_FAT32 && p->nodes[0].dir_entries > g->root_entries)
        return 0;
    return fat_clusters_needed(p, bytes, g->type) + div_up(p->opts.reserve, bytes) <= g->clusters;
}

#define MAX_SEARCH (2048ull * 1024 * 1024 * 1024 - SECTOR) /* 2 TiB: 32-bit sector counts */

/* The largest volume of `type`, with the largest clusters allowed. */
static uint64_t largest(const struct dm_fat_plan *p, enum dm_fat_type type)
{
    uint32_t cluster = p->opts.cluster_size ? p->opts.cluster_size : 65536;
    uint64_t lo = 1, hi = MAX_SEARCH / SECTOR + 1; /* in sectors: hi is too large */
    while (lo + 1 < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        struct fat_geom g;
        if (fat_geometry(mid * SECTOR, type, cluster, &g) == GEOM_TOO_LARGE)
            hi = mid;
        else
            lo = mid;
    }
    return lo * SECTOR;
}

/* The smallest volume of `type` for which ok() holds, or 0 when even the largest fails. */
static uint64_t smallest(const struct dm_fat_plan *p, enum dm_fat_type type,
                         int (*ok)(const struct dm_fat_plan *, enum dm_fat_type, uint64_t))
{
    uint64_t lo = 1, hi = largest(p, type) / SECTOR;
    if (!ok(p, type, hi * SECTOR))
        return 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ok(p, type, mid * SECTOR))
            hi = mid;
        else
            lo = mid + 1;
    }
    return hi * SECTOR;
}

static int geom_ok(const struct dm_fat_plan *p, enum dm_fat_type type, uint64_t size)
{
    struct fat_geom g;
    return fat_geometry(size, type, p->opts.cluster_size, &g) != GEOM_TOO_SMALL;
}

static int holds_tree(const struct dm_fat_plan *p, enum dm_fat_type type, uint64_t size)
{
    struct fat_geom g;
    return fat_geometry(size, type, p->opts.cluster_size, &g) == GEOM_OK && fits(p, &g);
}

/* MiB with one decimal, rounded so that "needs X, has Y" never shows X <= Y wrongly. */
static double mib_down(uint64_t b) { return (double)((b * 10) >> 20) / 10; }

static const char *type_name(enum dm_fat_type t)
{
    return t == DM_FAT12 ? "FAT12" : t == DM_FAT16 ? "FAT16" : "FAT32";
}

static int geometry_error(const struct dm_fat_plan *p, enum dm_fat_type type, uint64_t size,
                          enum geom_status st)
{
    if (st == GEOM_BAD_CLUSTER)
        return dm_error(DM_FAIL, "cluster size %u: not a power of two from 512 to 65536",
                        p->opts.cluster_size);
    if (st == GEOM_TOO_SMALL) {
        uint64_t min = smallest(p, type, geom_ok);
        return dm_error(DM_FAIL,
                        "the region (%.1f MiB) is too small for %s: the minimum is "
                        "%.1f MiB",
                        mib_down(size), type_name(type), dm_mib_up(min));
    }
    return dm_error(DM_FAIL, "the region (%.1f MiB) is too large for %s: the maximum is %.1f MiB",
                    mib_down(size), type_name(type), mib_down(largest(p, type)));
}

/* No FAT type holds the tree in this region: say the smallest volume of any type that does. */
static int auto_error(const struct dm_fat_plan *p, uint64_t size)
{
    static const enum dm_fat_type order[] = {DM_FAT12, DM_FAT16, DM_FAT32};
    struct fat_geom g;
    if (fat_geometry(size, DM_FAT32, p->opts.cluster_size, &g) == GEOM_TOO_LARGE)
        return geometry_error(p, DM_FAT32, size, GEOM_TOO_LARGE);
    uint64_t best = 0;
    enum dm_fat_type best_type = DM_FAT32;
    for (int i = 0; i < 3; i++) {
        uint64_t need = smallest(p, order[i], holds_tree);
        if (need && (!best || need < best))
            best = need, best_type = order[i];
    }
    if (!best)
        return dm_error(DM_FAIL, "%s: the tree does not fit any FAT volume", p->tree->origin);
    return dm_error(DM_FAIL,
                    "%s: the tree needs a volume of at least %.1f MiB (%s); the region "
                    "is %.1f MiB",
                    p->tree->origin, dm_mib_up(best), type_name(best_type), mib_down(size));
}

static int choose_geometry(struct dm_fat_plan *p, uint64_t size)
{
    static const enum dm_fat_type order[] = {DM_FAT32, DM_FAT16, DM_FAT12};
    enum dm_fat_type type = p->opts.type;
    if (type == DM_FAT_AUTO) {
        for (int i = 0; i < 3; i++)
            if (fat_geometry(size, order[i], p->opts.cluster_size, &p->geom) == GEOM_OK &&
                fits(p, &p->geom))
                return 0;
        return auto_error(p, size);
    }
    enum geom_status st = fat_geometry(size, type, p->opts.cluster_size, &p->geom);
    if (st != GEOM_OK)
        return geometry_error(p, type, size, st);
    if (type != DM_FAT32 && p->nodes[0].dir_entries > p->geom.root_entries)
        return dm_error(DM_FAIL, "the root directory needs %u entries; %s allows %u there",
                        p->nodes[0].dir_entries, type_name(type), p->geom.root_entries);
    if (fits(p, &p->geom))
        return 0;
    uint64_t need = smallest(p, type, holds_tree);
    if (!need)
        return dm_error(DM_FAIL, "%s: the tree does not fit any %s volume", p->tree->origin,
                        type_name(type));
    return dm_error(DM_FAIL,
                    "%s: the tree needs a %s volume of at least %.1f MiB; the region "
                    "is %.1f MiB",
                    p->tree->origin, type_name(type), dm_mib_up(need), mib_down(size));
}

int dm_fat_plan_new(struct dm_tree *t, uint64_t size, const struct dm_fat_opts *o,
                    struct dm_fat_plan **out)
{
    struct dm_fat_plan *p;
    int rc = plan_names(t, o, &p);
    if (rc)
        return rc;
    rc = choose_geometry(p, size);
    if (rc) {
        dm_fat_plan_free(p);
        return rc;
    }
    p->first = 2;
    fat_allocate(p);
    uint32_t s = (uint32_t)p->now ^ (uint32_t)((uint64_t)p->now >> 32);
    p->serial = s * 2654435761u;
    *out = p;
    return 0;
}

uint64_t dm_fat_min_size(struct dm_tree *t, enum dm_fat_type type, uint64_t reserve)
{
    struct dm_fat_opts o = {.type = type, .reserve = reserve};
    struct dm_fat_plan *p;
    if (plan_names(t, &o, &p) != 0)
        return 0;
    if (type == DM_FAT_AUTO)
        type = DM_FAT32;
    uint64_t need = smallest(p, type, holds_tree);
    if (!need)
        dm_error(DM_FAIL, "%s: the tree does not fit any %s volume", t->origin, type_name(type));
    dm_fat_plan_free(p);
    return need;
}

void dm_fat_plan_info(const struct dm_fat_plan *p, struct dm_fat_info *info)
{
    *info = (struct dm_fat_info){
        .type = p->geom.type,
        .cluster_size = geom_cluster_bytes(&p->geom),
        .clusters = p->geom.clusters,
        .used_clusters = p->used_clusters,
        .file_bytes = p->data_bytes,
        .data_offset = (uint64_t)geom_data_start(&p->geom) * SECTOR,
        .fat_offset = (uint64_t)p->geom.reserved * SECTOR,
        .fat_bytes = (uint64_t)p->geom.fat_sectors * SECTOR,
        .first_cluster = p->first,
        .serial = p->serial,
    };
    memcpy(info->label, p->has_label ? p->label : "NO NAME    ", 11);
}
