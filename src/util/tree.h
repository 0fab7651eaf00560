/* tree.h — the media tree: what every source presents and every target consumes.
 *
 * A tree is a list of entries in tree order (a directory before its contents, siblings sorted),
 * each with a path relative to the media root ('/'-separated, original case), a size, a kind and
 * a way to read its bytes through the source that made it. Nothing is extracted: a stream reads
 * from the host file, the ISO, the UDF volume or the WIM as it is consumed. Lookups are
 * case-insensitive, as on Windows media ("Boot/BCD" finds "boot/bcd"). */
#ifndef DARTMK_TREE_H
#define DARTMK_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum dm_entry_kind { DM_ENTRY_FILE, DM_ENTRY_DIR };

/* Entry flags. DM_ENTRY_LATE: the entry's bytes depend on the other files having been read
 * (a manifest of their checksums); a target reads it after every other file. */
enum { DM_ENTRY_LATE = 1 };

struct dm_entry {
    char *path;    /* "sources/boot.wim" */
    uint64_t size; /* bytes; 0 for directories */
    enum dm_entry_kind kind;
    int64_t mtime;  /* seconds since the epoch, 0 when the source has none */
    void *priv;     /* the source's handle for this entry */
    unsigned flags; /* DM_ENTRY_* */
};

/* A byte stream read front to back. Sources embed it as the first member of their own. */
struct dm_stream;
struct dm_stream_ops {
    /* Returns bytes read, 0 at the end, or -1 after printing an error. */
    ssize_t (*read)(struct dm_stream *s, void *buf, size_t n);
    /* Returns 0, or an exit code after printing an error (a late failure of the source). */
    int (*close)(struct dm_stream *s);
};
struct dm_stream {
    const struct dm_stream_ops *ops;
    char *name; /* for messages: the entry's path */
};

/* Allocates a source's stream of `size` bytes (its struct begins with struct dm_stream), named
 * `name`; NULL when out of memory. Sources' close functions end with dm_stream_free. */
void *dm_stream_alloc(size_t size, const struct dm_stream_ops *ops, const char *name);
void dm_stream_free(struct dm_stream *s);

struct dm_tree;
struct dm_tree_ops {
    const char *name; /* "directory", "ISO 9660", "UDF", "WIM" */
    /* Opens the entry for reading; returns 0 or an exit code after printing an error. */
    int (*open)(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out);
    /* A host path holding exactly the entry's bytes, or NULL (then read it through open). */
    const char *(*host_path)(struct dm_tree *t, const struct dm_entry *e);
    void (*free_priv)(struct dm_tree *t, void *entry_priv);
    void (*destroy)(struct dm_tree *t);
};

struct dm_tree {
    const struct dm_tree_ops *ops;
    void *priv;               /* the source's state */
    char *origin;             /* what the user named: a path */
    struct dm_entry *entries; /* tree order after dm_tree_seal */
    size_t count, cap;
    struct dm_entry **by_name; /* case-insensitive index, built by dm_tree_seal */
};

struct dm_tree *dm_tree_new(const struct dm_tree_ops *ops, void *priv, const char *origin);
/* Adds an entry (any order; dm_tree_seal sorts). Returns the entry, or NULL when out of memory. */
struct dm_entry *dm_tree_add(struct dm_tree *t, const char *path, enum dm_entry_kind kind,
                             uint64_t size, int64_t mtime, void *priv);
/* Sorts into tree order and builds the lookup index. Call once, after the last add. */
void dm_tree_seal(struct dm_tree *t);
/* Ends a source's scan: on rc == 0 seals the tree into *out and returns 0; otherwise frees it
 * and returns rc (the scan already printed why). */
int dm_tree_finish(struct dm_tree *t, int rc, struct dm_tree **out);
/* Case-insensitive lookup of a path (leading '/' ignored); NULL when absent. */
const struct dm_entry *dm_tree_find(const struct dm_tree *t, const char *path);
/* The bytes of every file of t (the late ones at the size they are planned at). */
uint64_t dm_tree_bytes(const struct dm_tree *t);
void dm_tree_free(struct dm_tree *t);

int dm_tree_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out);
const char *dm_tree_host_path(struct dm_tree *t, const struct dm_entry *e);
ssize_t dm_stream_read(struct dm_stream *s, void *buf, size_t n);
/* Reads until `n` bytes or the end; returns bytes read or -1. */
ssize_t dm_stream_read_full(struct dm_stream *s, void *buf, size_t n);
int dm_stream_close(struct dm_stream *s);

/* Reads the first `n` bytes of an entry (fewer if it is shorter) into buf; returns the count
 * read or -1 after printing an error. */
ssize_t dm_tree_read_head(struct dm_tree *t, const struct dm_entry *e, void *buf, size_t n);

/* Can a source's name be one component of a path: not empty, not "." or "..", no '/'? Sources
 * refuse an image whose directories hold other names (a damaged or hostile image). */
int dm_tree_name_ok(const char *name);

/* Compares two paths the way the lookup does (ASCII case folded, '/' sorting first). */
int dm_path_casecmp(const char *a, const char *b);
/* Does name end with suffix, ASCII case folded as Windows names are ("Tool.EXE", ".exe")? */
int dm_name_ends_with(const char *name, const char *suffix);

#endif
