/* fat_tree.c — a FAT12/16/32 volume in a file or on a block device, read without mounting,
 * as a media tree.
 *
 * Nothing is trusted: the boot sector is checked (fat_read.c), every cluster number is checked
 * against the volume, a file's chain must hold exactly its size (which bounds a loop), and every
 * directory cluster is read once at most (a bitmap), which stops directory loops and keeps the
 * work within the volume's size. The FAT is read through a small window per reader rather than
 * loaded: a large volume's FAT is tens of megabytes, and files written by dartmk (or most
 * tools) are contiguous, so the window rarely moves. */
#include "fat/fat_read.h"

#include <stdio.h>
#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    FAT_WINDOW = 64 << 10, /* bytes of the FAT one reader keeps */
    READ_MAX = 1 << 20,    /* the largest single read of file data */
    DIR_MAX = 65536 * 32,  /* a directory's largest size (65536 entries, the FAT limit) */
    DEPTH_MAX = 255,       /* directory nesting */
};
#define FAT_EOC 0xFFFFFFFFu /* end of a chain, whatever the FAT type writes */

struct fat_vol {
    int fd;
    char *path;    /* for messages */
    uint64_t base; /* the volume's offset in the file */
    struct dm_fatread_geom g;
};

/* A window onto the FAT. */
struct fat_cache {
    uint8_t buf[FAT_WINDOW + 2]; /* + a FAT12 entry that straddles the window's end */
    uint64_t start;
    size_t len; /* 0: empty */
};

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

/* pread until n bytes; -1 (errno set, 0 for the end of the file) otherwise. */
static int read_at(const struct fat_vol *v, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(v->fd, (char *)buf + got, n - got, (off_t)(v->base + off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* "read error: ..." or "the image ends early", for a read_at failure. */
static int read_failed(const char *what, const char *where)
{
    if (errno == 0)
        return dm_error(DM_FAIL, "%s: the image ends inside %s", what, where);
    return dm_error_errno(DM_FAIL, errno, "%s: read error in %s", what, where);
}

static int cluster_ok(const struct fat_vol *v, uint32_t c)
{
    return c >= 2 && c <= v->g.clusters + 1;
}

/* The FAT entry of cluster c (valid), FAT_EOC for any end-of-chain mark. -1 after printing. */
static int fat_entry(const struct fat_vol *v, struct fat_cache *fc, uint32_t c, uint32_t *out,
                     const char *what)
{
    int type = v->g.type;
    uint64_t at = type == 12 ? c + c / 2 : (uint64_t)c * (unsigned)(type / 8);
    unsigned width = type == 32 ? 4 : 2; /* bytes to read: a FAT12 entry spans two */
    if (fc->len == 0 || at < fc->start || at + width > fc->start + fc->len) {
        uint64_t start = at / FAT_WINDOW * FAT_WINDOW;
        uint64_t len = v->g.fat_bytes - start;
        len = len < sizeof fc->buf ? len : sizeof fc->buf;
        fc->len = 0;
        if (read_at(v, fc->buf, len, v->g.fat_offset + start) != 0)
            return read_failed(what, "the FAT");
        fc->start = start;
        fc->len = len;
    }
    const uint8_t *p = fc->buf + (at - fc->start);
    uint32_t e = type == 12   ? (c & 1 ? le16(p) >> 4 : le16(p) & 0xFFF)
                 : type == 16 ? le16(p)
                              : le32(p) & 0x0FFFFFFF;
    uint32_t eoc = type == 12 ? 0xFF8 : type == 16 ? 0xFFF8 : 0x0FFFFFF8;
    *out = e >= eoc ? FAT_EOC : e;
    return 0;
}

/* Why a chain cannot go on to `next`, in words: one line naming `what`. */
static int bad_link(const struct fat_vol *v, const char *what, uint32_t next)
{
    uint32_t bad = v->g.type == 12 ? 0xFF7 : v->g.type == 16 ? 0xFFF7 : 0x0FFFFFF7;
    if (next == 0)
        return dm_error(DM_FAIL, "%s: the cluster chain runs into a free cluster", what);
    if (next == bad)
        return dm_error(DM_FAIL, "%s: the cluster chain runs into a bad cluster", what);
    return dm_error(DM_FAIL,
                    "%s: the cluster chain points to cluster %u (the volume has clusters "
                    "2 to %u)",
                    what, next, v->g.clusters + 1);
}

static uint64_t cluster_offset(const struct fat_vol *v, uint32_t c)
{
    return v->g.data_offset + (uint64_t)(c - 2) * v->g.cluster_size;
}

/* ---- file streams ---- */

struct fat_stream {
    struct dm_stream base;
    const struct fat_vol *v;
    uint32_t cur;  /* the cluster holding the next byte, or the one just finished */
    uint32_t used; /* bytes of cur already read (cluster_size: go on to the next) */
    uint64_t left, size;
    struct fat_cache fc;
};

/* Moves to the next cluster of the chain. 0 or -1 after printing. */
static int next_cluster(struct fat_stream *f)
{
    uint32_t n;
    if (fat_entry(f->v, &f->fc, f->cur, &n, f->base.name) != 0)
        return -1;
    if (n == FAT_EOC) {
        dm_error(DM_FAIL, "%s: the cluster chain ends after %llu bytes; the file has %llu",
                 f->base.name, (unsigned long long)(f->size - f->left),
                 (unsigned long long)f->size);
        return -1;
    }
    if (!cluster_ok(f->v, n)) {
        bad_link(f->v, f->base.name, n);
        return -1;
    }
    f->cur = n;
    f->used = 0;
    return 0;
}

/* Bytes readable in one go from the current position: the clusters that follow cur in the
 * chain and on the disk, up to `want`. -1 after printing. */
static int64_t contiguous(struct fat_stream *f, uint64_t want)
{
    uint64_t span = f->v->g.cluster_size - f->used;
    uint32_t last = f->cur, n;
    while (span < want) {
        if (fat_entry(f->v, &f->fc, last, &n, f->base.name) != 0)
            return -1;
        if (n != last + 1 || !cluster_ok(f->v, n))
            break;
        last = n;
        span += f->v->g.cluster_size;
    }
    return (int64_t)(span < want ? span : want);
}

/* At the end of the file the chain must end too: a chain going on is a loop or a lost one. */
static int check_end(struct fat_stream *f)
{
    uint32_t n;
    if (fat_entry(f->v, &f->fc, f->cur, &n, f->base.name) != 0)
        return -1;
    if (n != FAT_EOC) {
        dm_error(DM_FAIL,
                 "%s: the cluster chain goes on past the file's %llu bytes (a loop or "
                 "a damaged FAT)",
                 f->base.name, (unsigned long long)f->size);
        return -1;
    }
    return 0;
}

static ssize_t fat_read(struct dm_stream *s, void *buf, size_t n)
{
    struct fat_stream *f = (struct fat_stream *)s;
    uint32_t cs = f->v->g.cluster_size;
    uint64_t want = n < f->left ? n : f->left;
    want = want < READ_MAX ? want : READ_MAX;
    if (want == 0)
        return 0;
    if (f->used == cs && next_cluster(f) != 0)
        return -1;
    int64_t chunk = contiguous(f, want);
    if (chunk < 0)
        return -1;
    if (read_at(f->v, buf, (size_t)chunk, cluster_offset(f->v, f->cur) + f->used) != 0) {
        read_failed(s->name, "the FAT volume");
        return -1;
    }
    uint64_t upto = f->used + (uint64_t)chunk; /* from the start of cur */
    f->cur += (uint32_t)((upto - 1) / cs);
    f->used = (uint32_t)((upto - 1) % cs + 1);
    f->left -= (uint64_t)chunk;
    if (f->left == 0 && check_end(f) != 0)
        return -1;
    return (ssize_t)chunk;
}

static int fat_close(struct dm_stream *s)
{
    dm_stream_free(s);
    return 0;
}

static const struct dm_stream_ops fat_stream_ops = {.read = fat_read, .close = fat_close};

/* Entries keep their first cluster in priv (no allocation: 0 for an empty file). */
static uint32_t first_cluster(const struct dm_entry *e) { return (uint32_t)(uintptr_t)e->priv; }

static int fat_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    struct fat_stream *f = dm_stream_alloc(sizeof *f, &fat_stream_ops, e->path);
    if (!f)
        return dm_error(DM_FAIL, "%s: out of memory", e->path);
    f->v = t->priv;
    f->cur = first_cluster(e);
    f->used = 0;
    f->left = f->size = e->size;
    *out = &f->base;
    return 0;
}

static void fat_destroy(struct dm_tree *t)
{
    struct fat_vol *v = t->priv;
    close(v->fd);
    free(v->path);
    free(v);
}

static const struct dm_tree_ops fat_ops = {.name = "FAT", .open = fat_open, .destroy = fat_destroy};

int dm_fatread_file_offset(struct dm_tree *t, const struct dm_entry *e, uint64_t at, uint64_t *out)
{
    const struct fat_vol *v = t->priv;
    struct fat_cache fc = {.len = 0};
    uint32_t c = first_cluster(e);
    if (t->ops != &fat_ops || at >= e->size)
        return dm_error(DM_FAIL, "%s: no byte %llu in it", e->path, (unsigned long long)at);
    for (uint64_t n = at / v->g.cluster_size; n > 0; n--) {
        uint32_t next;
        if (!cluster_ok(v, c) || fat_entry(v, &fc, c, &next, e->path) != 0)
            return DM_FAIL;
        if (next == FAT_EOC || !cluster_ok(v, next))
            return bad_link(v, e->path, next);
        c = next;
    }
    if (!cluster_ok(v, c))
        return bad_link(v, e->path, c);
    *out = v->base + cluster_offset(v, c) + at % v->g.cluster_size;
    return 0;
}

/* ---- directories ---- */

struct scan {
    struct dm_tree *t;
    struct fat_vol *v;
    struct fat_cache *fc;
    uint8_t *seen; /* directory clusters read, one bit each */
};

/* Marks a directory cluster as read; a second time means two directories share it. */
static int mark_seen(struct scan *s, const char *dir, uint32_t c)
{
    uint8_t bit = (uint8_t)(1u << (c & 7));
    if (s->seen[c >> 3] & bit)
        return dm_error(DM_FAIL,
                        "%s: %s/: cluster %u belongs to another directory too (a "
                        "directory loop or a damaged FAT)",
                        s->v->path, dir, c);
    s->seen[c >> 3] |= bit;
    return 0;
}

/* "IMAGE: DIR/" for messages about a directory; NULL when out of memory. */
static char *dir_name(const struct scan *s, const char *dir)
{
    char *p;
    return asprintf(&p, "%s: %s/", s->v->path, dir) < 0 ? NULL : p;
}

/* Reads a directory's cluster chain starting at c into *buf (grown as needed, at most DIR_MAX
 * bytes). Every cluster is marked seen: a loop stops at its second lap. */
static int read_chain(struct scan *s, const char *dir, uint32_t c, uint8_t **buf, size_t *len)
{
    uint32_t cs = s->v->g.cluster_size, n;
    for (size_t cap = 0;;) {
        if (*len + cs > DIR_MAX)
            return dm_error(DM_FAIL, "%s: %s/: directory longer than %d entries", s->v->path, dir,
                            DIR_MAX / 32);
        if (*len + cs > cap) {
            cap = cap ? cap * 2 : cs;
            uint8_t *p = realloc(*buf, cap);
            if (!p)
                return dm_error(DM_FAIL, "%s: out of memory", s->v->path);
            *buf = p;
        }
        if (mark_seen(s, dir, c) != 0)
            return DM_FAIL;
        if (read_at(s->v, *buf + *len, cs, cluster_offset(s->v, c)) != 0)
            return read_failed(s->v->path, "a directory");
        *len += cs;
        if (fat_entry(s->v, s->fc, c, &n, s->v->path) != 0)
            return DM_FAIL;
        if (n == FAT_EOC)
            return 0;
        if (!cluster_ok(s->v, n)) {
            char *what = dir_name(s, dir);
            int rc = what ? bad_link(s->v, what, n) : dm_error(DM_FAIL, "out of memory");
            free(what);
            return rc;
        }
        c = n;
    }
}

/* A directory's bytes: the fixed root of FAT12/16 (cluster 0) or a cluster chain. */
static int read_dir(struct scan *s, const char *dir, uint32_t c, uint8_t **buf, size_t *len)
{
    *len = 0;
    *buf = NULL;
    if (c)
        return read_chain(s, dir, c, buf, len);
    *buf = malloc(s->v->g.root_bytes ? s->v->g.root_bytes : 1);
    if (!*buf)
        return dm_error(DM_FAIL, "%s: out of memory", s->v->path);
    *len = s->v->g.root_bytes;
    if (read_at(s->v, *buf, *len, s->v->g.root_offset) != 0)
        return read_failed(s->v->path, "the root directory");
    return 0;
}

static int64_t fat_time(const uint8_t *e)
{
    uint32_t t = le16(e + 22), d = le16(e + 24);
    int y = 1980 + (int)(d >> 9), m = (int)(d >> 5 & 15), day = (int)(d & 31);
    if (m < 1 || m > 12 || day < 1)
        return 0;
    /* Days from the civil date (proleptic Gregorian), so that no time zone is involved: the
     * writer writes UTC. */
    y -= m <= 2;
    int era = y / 400, yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t days = (int64_t)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return days * 86400 + (t >> 11) * 3600 + (t >> 5 & 63) * 60 + (t & 31) * 2;
}

static int is_dot(const uint8_t *e)
{
    return memcmp(e, ".          ", 11) == 0 || memcmp(e, "..         ", 11) == 0;
}

/* Adds one short entry (with the name already decoded) to the tree. */
static int add_entry(struct scan *s, const char *dir, const char *name, const uint8_t *e)
{
    char *path;
    if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
        return dm_error(DM_FAIL, "%s: out of memory", s->v->path);
    uint32_t c = le16(e + 26) | (s->v->g.type == 32 ? le16(e + 20) << 16 : 0);
    int is_dir = (e[11] & 0x10) != 0;
    uint64_t size = is_dir ? 0 : le32(e + 28);
    int rc = 0;
    if ((is_dir || size) && !cluster_ok(s->v, c))
        rc = dm_error(DM_FAIL, "%s: %s%s: starts at cluster %u (the volume has clusters 2 to %u)",
                      s->v->path, path, is_dir ? "/" : "", c, s->v->g.clusters + 1);
    else if (!dm_tree_add(s->t, path, is_dir ? DM_ENTRY_DIR : DM_ENTRY_FILE, size, fat_time(e),
                          (void *)(uintptr_t)(size || is_dir ? c : 0)))
        rc = dm_error(DM_FAIL, "%s: out of memory", s->v->path);
    free(path);
    return rc;
}

/* Adds the entries of one directory's bytes, in the order they come. */
static int parse_dir(struct scan *s, const char *dir, const uint8_t *buf, size_t len)
{
    struct dm_fatread_lfn lfn;
    char name[DM_FATREAD_NAME_MAX];
    dm_fatread_lfn_reset(&lfn);
    for (size_t i = 0; i + 32 <= len && buf[i] != 0; i += 32) {
        const uint8_t *e = buf + i;
        if ((e[11] & 0x3F) == 0x0F && e[0] != 0xE5) {
            dm_fatread_lfn_add(&lfn, e);
            continue;
        }
        if (e[0] == 0xE5 || (e[11] & 0x08) || is_dot(e)) { /* deleted, the label, . and .. */
            dm_fatread_lfn_reset(&lfn);
            continue;
        }
        if (dm_fatread_name(&lfn, e, name) != 0)
            return dm_error(DM_FAIL,
                            "%s: %s/: a directory entry with an unreadable name (entry "
                            "%zu)",
                            s->v->path, dir, i / 32);
        int rc = add_entry(s, dir, name, e);
        if (rc)
            return rc;
    }
    return 0;
}

static int scan_dir(struct scan *s, const char *dir, uint32_t c, int depth)
{
    if (depth > DEPTH_MAX)
        return dm_error(DM_FAIL, "%s: %s/: directories nested deeper than %d levels", s->v->path,
                        dir, DEPTH_MAX);
    uint8_t *buf;
    size_t len, first = s->t->count;
    int rc = read_dir(s, dir, c, &buf, &len);
    if (rc == 0)
        rc = parse_dir(s, dir, buf, len);
    free(buf);
    size_t end = s->t->count; /* the subdirectories add their own entries after this */
    for (size_t i = first; rc == 0 && i < end; i++) {
        const struct dm_entry *e = &s->t->entries[i];
        if (e->kind == DM_ENTRY_DIR)
            rc = scan_dir(s, e->path, first_cluster(e), depth + 1);
    }
    return rc;
}

/* ---- opening ---- */

/* Reads and checks the boot sector against the region [offset, offset + size). */
static int check_volume(struct fat_vol *v, uint64_t size)
{
    uint8_t bs[512];
    char why[DM_FATREAD_WHY];
    off_t end = lseek(v->fd, 0, SEEK_END); /* works for block devices too, unlike st_size */
    uint64_t avail = end > 0 && (uint64_t)end > v->base ? (uint64_t)end - v->base : 0;
    uint64_t region = size && size < avail ? size : avail;
    if (region < sizeof bs)
        return dm_error(DM_FAIL, "%s: not a FAT volume (%llu bytes)", v->path,
                        (unsigned long long)region);
    if (read_at(v, bs, sizeof bs, 0) != 0)
        return read_failed(v->path, "the boot sector");
    if (dm_fatread_marked(bs))
        return dm_error(DM_FAIL, "%s: %s", v->path, DM_FATREAD_INCOMPLETE);
    if (dm_fatread_geometry(bs, &v->g, why) != 0)
        return dm_error(DM_FAIL, "%s: not a FAT volume (%s)", v->path, why);
    if (size && v->g.volume_bytes > size)
        return dm_error(DM_FAIL,
                        "%s: the FAT volume (%llu bytes) is larger than its partition "
                        "(%llu bytes)",
                        v->path, (unsigned long long)v->g.volume_bytes, (unsigned long long)size);
    if (v->g.volume_bytes > region)
        return dm_error(DM_FAIL, "%s: truncated FAT volume (%llu bytes, the volume needs %llu)",
                        v->path, (unsigned long long)region, (unsigned long long)v->g.volume_bytes);
    return 0;
}

static int scan_volume(struct dm_tree *t)
{
    struct fat_vol *v = t->priv;
    struct scan s = {.t = t, .v = v};
    s.fc = calloc(1, sizeof *s.fc);
    s.seen = calloc(((size_t)v->g.clusters + 2) / 8 + 1, 1);
    int rc = s.fc && s.seen ? 0 : dm_error(DM_FAIL, "%s: out of memory", v->path);
    if (rc == 0)
        rc = scan_dir(&s, "", v->g.type == 32 ? v->g.root_cluster : 0, 0);
    free(s.fc);
    free(s.seen);
    return rc;
}

static int vol_open(struct fat_vol *v, const char *path, uint64_t offset)
{
    if (!(v->path = strdup(path)))
        return dm_error(DM_FAIL, "%s: out of memory", path);
    v->base = offset;
    v->fd = open(path, O_RDONLY | O_CLOEXEC);
    return v->fd < 0 ? dm_error_errno(DM_FAIL, errno, "%s: cannot open", path) : 0;
}

int dm_fatread_fat(const char *path, uint64_t offset, uint64_t size, struct dm_fatread_geom *g,
                   uint32_t **out)
{
    struct fat_vol v = {.fd = -1};
    struct fat_cache *fc = calloc(1, sizeof *fc);
    int rc = fc ? vol_open(&v, path, offset) : dm_error(DM_FAIL, "%s: out of memory", path);
    if (rc == 0)
        rc = check_volume(&v, size);
    uint32_t *e = rc == 0 ? malloc(((size_t)v.g.clusters + 2) * sizeof *e) : NULL;
    if (rc == 0 && !e)
        rc = dm_error(DM_FAIL, "%s: out of memory", path);
    for (uint32_t c = 2; rc == 0 && c < v.g.clusters + 2; c++)
        rc = fat_entry(&v, fc, c, &e[c], path) ? DM_FAIL : 0;
    if (rc == 0) {
        uint32_t raw_eoc = v.g.type == 12 ? 0xFFF : v.g.type == 16 ? 0xFFFF : 0x0FFFFFFF;
        e[0] = e[1] = raw_eoc;
        for (uint32_t c = 2; c < v.g.clusters + 2; c++)
            e[c] = e[c] == FAT_EOC ? raw_eoc : e[c];
        *g = v.g, *out = e, e = NULL;
    }
    free(e);
    free(fc);
    free(v.path);
    if (v.fd >= 0)
        close(v.fd);
    return rc;
}

int dm_fatread_open(const char *path, uint64_t offset, uint64_t size, struct dm_tree **out)
{
    struct fat_vol *v = calloc(1, sizeof *v);
    if (!v || !(v->path = strdup(path))) {
        free(v);
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    v->base = offset;
    v->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (v->fd < 0) {
        int rc = dm_error_errno(DM_FAIL, errno, "%s: cannot open", path);
        free(v->path);
        free(v);
        return rc;
    }
    struct dm_tree *t = dm_tree_new(&fat_ops, v, path);
    if (!t) {
        fat_destroy(&(struct dm_tree){.priv = v});
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    int rc = check_volume(v, size);
    return dm_tree_finish(t, rc ? rc : scan_volume(t), out);
}
