/* source_iso.c — an ISO 9660 image (Rock Ridge, Joliet or plain names) read with libisofs. */
#include "source/source.h"

#include "util/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libisofs/libisofs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct iso_source {
    IsoImage *image;
};

struct isofile_stream {
    struct dm_stream base;
    IsoStream *stream;
    const char *origin; /* the image's path, for messages */
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
        dm_error(DM_FAIL, "%s: %s: read error in the ISO image (%s)", is->origin, s->name,
                 iso_error_to_msg(r));
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
    IsoStream *st = iso_file_get_stream((IsoFile *)e->priv);
    int r = st ? iso_stream_open(st) : -1;
    if (r < 0)
        return dm_error(DM_FAIL, "%s: %s: cannot open in the ISO image (%s)", t->origin, e->path,
                        iso_error_to_msg(r));
    struct isofile_stream *is = dm_stream_alloc(sizeof *is, &iso_stream_ops, e->path);
    if (!is) {
        iso_stream_close(st);
        return dm_error(DM_FAIL, "%s: out of memory", e->path);
    }
    is->stream = st;
    is->origin = t->origin;
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
        const char *name = iso_node_get_name(node);
        if (!dm_tree_name_ok(name))
            rc = dm_error(DM_FAIL, "%s: %s/ holds an entry named \"%s\" (a damaged ISO image)",
                          t->origin, prefix, name);
        else if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", name) < 0)
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

/* ---- the directory trees checked before libisofs reads them ----
 *
 * libisofs follows directory records wherever they point: folders whose records point back to
 * a folder above them make it build an endless tree. Every tree a reader may take (the primary
 * volume's, Joliet's, ISO 9660:1999's) is walked here first, each folder's extent read once:
 * a folder seen twice is a loop; a folder or file that lies past the image's end, and
 * folders that together are larger than the image, are damage. Rock Ridge's CL (a relocated
 * folder) is followed as libisofs follows it. */

enum { BLOCK = 2048 };

struct check {
    const char *origin;
    int fd;
    uint64_t size;     /* of the image */
    uint64_t dirbytes; /* folders read, in this tree */
    unsigned skip;     /* SUSP bytes to skip in each record (the root's SP entry says) */
    uint32_t *seen;    /* folder extents seen (open addressing; 0 is empty: extents are > 0) */
    size_t nseen, cap;
    struct pending {
        uint32_t lba, size; /* size 0: taken from its "." record */
        char *path;
    } * todo;
    size_t ntodo, todocap;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Adds lba to the folders seen; 1 if it was new, 0 if seen before, -1 out of memory. */
static int seen_add(struct check *c, uint32_t lba)
{
    if (2 * (c->nseen + 1) > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        uint32_t *n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < c->cap; i++)
            for (size_t j = c->seen[i] * 2654435761u % cap; c->seen[i]; j = (j + 1) % cap)
                if (!n[j]) {
                    n[j] = c->seen[i];
                    break;
                }
        free(c->seen);
        c->seen = n, c->cap = cap;
    }
    for (size_t j = lba * 2654435761u % c->cap;; j = (j + 1) % c->cap) {
        if (c->seen[j] == lba)
            return 0;
        if (!c->seen[j]) {
            c->seen[j] = lba, c->nseen++;
            return 1;
        }
    }
}

/* A record's name for messages: ISO 9660 without ";1", Joliet's UCS-2 with non-ASCII as '?'. */
static void record_name(const uint8_t *r, int joliet, char *out, size_t n)
{
    size_t len = r[32], k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i += joliet ? 2 : 1) {
        unsigned c =
            joliet ? (i + 1 < len ? (unsigned)r[33 + i] << 8 | r[34 + i] : '?') : r[33 + i];
        if (c == ';')
            break;
        out[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    k -= k > 1 && out[k - 1] == '.'; /* "BOOTMGR.;1" */
    out[k] = '\0';
}

/* Rock Ridge's CL entry in the record's system use area: the relocated folder's extent, or 0. */
static uint32_t rr_child_link(const uint8_t *r)
{
    size_t at = 33 + r[32] + !(r[32] & 1), end = r[0];
    while (at + 4 <= end) {
        const uint8_t *e = r + at;
        if (e[2] < 4 || at + e[2] > end)
            break;
        if (e[0] == 'C' && e[1] == 'L' && e[2] >= 12)
            return le32(e + 4);
        at += e[2];
    }
    return 0;
}

static int past_end(const struct check *c, uint32_t lba, uint64_t size)
{
    return (uint64_t)lba * BLOCK + size > c->size;
}

/* Rock Ridge's continuation areas (SUSP CE entries), which libisofs follows one after another
 * with no end: a chain that loops made it read and grow its buffer forever. A record's chain may
 * hold CE_MAX areas (mastering tools write one), each inside one block of the image. Returns 0,
 * or DM_FAIL after one line. */
enum { CE_MAX = 32 };

/* The CE entry among the SUSP entries at [at, end) of area (cap bytes readable), read as libisofs
 * reads them: up to an ST entry or the area's end, each entry's length taken as it is (an entry
 * may run past the area's end), the first CE counted. Its area in *lba, *off, *len (*len 0: none,
 * or an entry of length 0, which libisofs refuses). */
static void find_ce(const uint8_t *area, size_t cap, size_t at, size_t end, uint32_t *lba,
                    uint32_t *off, uint32_t *len)
{
    *lba = *off = *len = 0;
    while (at + 4 <= end && at + 4 <= cap) {
        const uint8_t *e = area + at;
        if ((e[0] == 'S' && e[1] == 'T') || e[2] == 0)
            return;
        if (e[0] == 'C' && e[1] == 'E' && !*len && at + 28 <= cap)
            *lba = le32(e + 4), *off = le32(e + 12), *len = le32(e + 20);
        at += e[2];
    }
}

/* r: a record with cap bytes of its block from its start. */
static int check_susp(struct check *c, const uint8_t *r, size_t cap, const char *shown)
{
    uint8_t b[BLOCK];
    uint32_t lba, off, len;
    find_ce(r, cap, 33u + r[32] + !(r[32] & 1) + c->skip, r[0], &lba, &off, &len);
    for (int hops = 1; len; hops++) {
        if (hops > CE_MAX || off >= BLOCK || len > BLOCK - off || past_end(c, lba, BLOCK) ||
            pread(c->fd, b, BLOCK, (off_t)lba * BLOCK) != BLOCK)
            return dm_error(DM_FAIL, "%s: %s: damaged Rock Ridge data (%s)", c->origin, shown,
                            hops > CE_MAX ? "its continuation areas form a loop"
                                          : "a continuation area outside the image");
        find_ce(b, BLOCK, off, (size_t)off + len, &lba, &off, &len);
    }
    return 0;
}

static int todo_push(struct check *c, uint32_t lba, uint32_t size, const char *dir,
                     const char *name)
{
    struct pending *t = c->todo;
    if (c->ntodo == c->todocap &&
        !(t = realloc(c->todo, (c->todocap = c->todocap ? 2 * c->todocap : 64) * sizeof *t)))
        return dm_error(DM_FAIL, "%s: out of memory", c->origin);
    c->todo = t;
    char *path;
    if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
        return dm_error(DM_FAIL, "%s: out of memory", c->origin);
    c->todo[c->ntodo++] = (struct pending){lba, size, path};
    return 0;
}

/* Reads one folder's records, queueing its folders and checking its files. */
static int check_dir(struct check *c, struct pending *d, int joliet)
{
    uint8_t b[BLOCK];
    const char *shown = *d->path ? d->path : "the root folder";
    if (d->lba < 16) /* 0 would also read as "seen" below */
        return dm_error(DM_FAIL, "%s: %s: the folder lies in the system area (block %u)", c->origin,
                        shown, (unsigned)d->lba);
    switch (seen_add(c, d->lba)) {
    case -1:
        return dm_error(DM_FAIL, "%s: out of memory", c->origin);
    case 0:
        return dm_error(DM_FAIL,
                        "%s: the folders form a loop (%s points back to a folder above it)",
                        c->origin, shown);
    }
    if (d->size == 0) { /* a relocated folder: its size is in its "." record */
        if (past_end(c, d->lba, BLOCK) || pread(c->fd, b, BLOCK, (off_t)d->lba * BLOCK) != BLOCK ||
            b[0] < 34)
            return dm_error(DM_FAIL, "%s: %s lies past the image's end or is damaged", c->origin,
                            shown);
        d->size = le32(b + 10);
    } else if (!past_end(c, d->lba, BLOCK) &&
               pread(c->fd, b, BLOCK, (off_t)d->lba * BLOCK) == BLOCK && le32(b + 10) > d->size)
        d->size = le32(b + 10); /* libisofs reads as much as the folder's own "." record says */
    if (past_end(c, d->lba, d->size) || (c->dirbytes += d->size) > c->size)
        return dm_error(DM_FAIL, "%s: %s: %s", c->origin, shown,
                        past_end(c, d->lba, d->size)
                            ? "the folder lies past the image's end"
                            : "the folders hold more than the image can (a damaged image)");
    int nrec = 0;
    for (uint32_t blk = 0; blk < (d->size + BLOCK - 1) / BLOCK; blk++) {
        if (pread(c->fd, b, BLOCK, (off_t)(d->lba + blk) * BLOCK) != BLOCK)
            return dm_error_errno(DM_FAIL, errno ? errno : EIO, "%s: cannot read %s", c->origin,
                                  shown);
        for (size_t at = 0; at < BLOCK && b[at];) {
            const uint8_t *r = b + at;
            if (r[0] < 34 || at + r[0] > BLOCK || 33u + r[32] > r[0])
                return dm_error(DM_FAIL, "%s: %s: a damaged folder record", c->origin, shown);
            at += r[0];
            if (!joliet && check_susp(c, r, BLOCK - (size_t)(r - b), shown) != 0)
                return DM_FAIL;
            /* "." and "..": the folder's first two records, which libisofs skips whatever they
             * are called (a later record named so is a folder like any other to it). */
            if (blk == 0 && nrec++ < 2)
                continue;
            char name[256];
            record_name(r, joliet, name, sizeof name);
            uint32_t lba = le32(r + 2), size = le32(r + 10), cl = joliet ? 0 : rr_child_link(r);
            int rc = 0;
            if (r[25] & 2)
                rc = todo_push(c, lba, size, d->path, name);
            else if (cl)
                rc = todo_push(c, cl, 0, d->path, name);
            else if (size && past_end(c, lba, size))
                rc = dm_error(DM_FAIL, "%s: %s%s%s lies past the image's end", c->origin, d->path,
                              *d->path ? "/" : "", name);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The SP entry of the root folder's "." record: how many bytes to skip in each record's system
 * use area (0 when there is none, as libisofs takes it). */
static unsigned susp_skip(const struct check *c, const uint8_t *root)
{
    uint8_t b[BLOCK];
    uint32_t lba = le32(root + 2);
    if (past_end(c, lba, BLOCK) || pread(c->fd, b, BLOCK, (off_t)lba * BLOCK) != BLOCK ||
        b[0] < 34 + 7 || 33u + b[32] > b[0])
        return 0;
    const uint8_t *e = b + 33 + b[32] + !(b[32] & 1);
    return e + 7 <= b + b[0] && e[0] == 'S' && e[1] == 'P' && e[2] == 7 ? e[6] : 0;
}

static int check_tree(struct check *c, const uint8_t *root, int joliet)
{
    c->dirbytes = 0, c->nseen = 0;
    c->skip = joliet ? 0 : susp_skip(c, root);
    if (c->seen)
        memset(c->seen, 0, c->cap * sizeof *c->seen);
    int rc = todo_push(c, le32(root + 2), le32(root + 10), "", "");
    while (rc == 0 && c->ntodo) {
        struct pending d = c->todo[--c->ntodo];
        rc = check_dir(c, &d, joliet);
        free(d.path);
    }
    while (c->ntodo)
        free(c->todo[--c->ntodo].path);
    return rc;
}

/* libisofs reads the El Torito boot catalog and its boot images when it imports the image,
 * and fails with a bare "Read error" when they lie past the image's end: say so by name. */
static int check_el_torito(const struct check *c, const uint8_t *record)
{
    if (memcmp(record + 7, "EL TORITO SPECIFICATION", 23) != 0)
        return 0;
    uint32_t lba = le32(record + 71);
    uint8_t b[BLOCK];
    if (past_end(c, lba, BLOCK) || pread(c->fd, b, BLOCK, (off_t)lba * BLOCK) != BLOCK)
        return dm_error(DM_FAIL, "%s: the El Torito boot catalog lies past the image's end",
                        c->origin);
    int n = 0;
    for (size_t at = 32; at + 32 <= BLOCK && b[at]; at += 32) {
        if (b[at] != 0x88 && b[at] != 0x00) /* a section header or an extension */
            continue;
        n++;
        if (past_end(c, le32(b + at + 8), 1))
            return dm_error(DM_FAIL, "%s: El Torito boot image %d lies past the image's end",
                            c->origin, n);
    }
    return 0;
}

static int check_trees(const char *path)
{
    struct check c = {.origin = path, .fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (c.fd < 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot open", path);
    off_t end = lseek(c.fd, 0, SEEK_END);
    c.size = end > 0 ? (uint64_t)end : 0;
    uint8_t d[BLOCK];
    int rc = 0;
    for (int i = 16; rc == 0 && i < 16 + 64; i++) {
        if (pread(c.fd, d, BLOCK, (off_t)i * BLOCK) != BLOCK || memcmp(d + 1, "CD001", 5) != 0 ||
            d[0] == 255)
            break;
        int joliet = d[0] == 2 && d[88] == '%' && d[89] == '/';
        if (d[0] == 1 || d[0] == 2)
            rc = check_tree(&c, d + 156, joliet);
        else if (d[0] == 0)
            rc = check_el_torito(&c, d);
    }
    free(c.seen), free(c.todo);
    close(c.fd);
    return rc;
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
    int rc = check_trees(path);
    if (rc == 0)
        rc = import(path, &s->image);
    if (rc == 0)
        rc = walk(t, iso_image_get_root(s->image), "");
    return dm_tree_finish(t, rc, out);
}
