/* fuzz_iso.c — libFuzzer target for the ISO 9660 and UDF readers where dartmk walks the
 * directories itself (src/source/source_iso.c: check_trees/check_dir before libisofs imports the
 * image, then the walk of libisofs's tree; src/source/source_udf.c: udf_walk over libudfread):
 * the input is an image from byte 32768 on (the 16 blocks before are the system area, which
 * neither reader looks at: they are zeros), as `dartmk inspect|build IMAGE.iso` open it.
 *
 * The image is opened as ISO 9660 and as UDF, through the same functions the program calls
 * (dm_source_iso_open, dm_source_udf_open, on a memfd's path). Seeds stay small: the image is
 * followed by zeros (a sparse memfd) up to the size its primary volume descriptor claims (its
 * volume space size, up to 256 MiB), so an image's trailing zeros can be cut. A tree that opens has
 * every file read to its end, which must give exactly its size. A failure must have said its one
 * line (fuzz.h). */
#include "source/source.h"
#include "util/tree.h"

#include "fuzz.h"

enum { SYSTEM_AREA = 16 * 2048 };

static void read_all(struct dm_tree *t)
{
    for (size_t i = 0; i < t->count; i++) {
        const struct dm_entry *e = &t->entries[i];
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "%s entry: '%s' %s %llu\n", t->ops->name, e->path,
                    e->kind == DM_ENTRY_DIR ? "dir" : "file", (unsigned long long)e->size);
        CHECK(fuzz_path_ok(e->path));
        if (e->kind == DM_ENTRY_FILE)
            fuzz_read_file(t, e);
    }
}

static void try_open(int (*open)(const char *, struct dm_tree **), const char *path)
{
    struct dm_events ev;
    struct fuzz_said said;
    struct dm_tree *t = NULL;
    fuzz_listen(&ev, &said);
    int rc = open(path, &t);
    CHECK_SAID(rc, said);
    if (rc == 0) {
        read_all(t);
        dm_tree_free(t);
    }
    dm_events_bind(NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4u << 20)
        return 0;
    const char *path = fuzz_file_at(0, data, size, SYSTEM_AREA);
    if (size >= 84 && memcmp(data + 1, "CD001", 5) == 0) { /* the PVD's volume space size */
        uint64_t end = ((uint64_t)data[80] | (uint64_t)data[81] << 8 | (uint64_t)data[82] << 16 |
                        (uint64_t)data[83] << 24) *
                       2048;
        if (end > SYSTEM_AREA + size && end <= 256u << 20)
            CHECK(ftruncate(fuzz_fd(0), (off_t)end) == 0);
    }
    try_open(dm_source_iso_open, path);
    try_open(dm_source_udf_open, path);
    return 0;
}
