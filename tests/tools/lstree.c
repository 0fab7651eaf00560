/* lstree — test tool: lists a source as dartmk reads it (src/source*.c), one line per entry in
 * tree order, with each file's SHA-256 read through its stream, so that tests can compare a FAT
 * volume, a disk image or any other source against `sha256sum` of the original files.
 *
 *   lstree [--partition N] SOURCE
 *
 * prints "SHA256  SIZE  PATH" for a file and "-  dir  PATH/" for a directory. Exit codes as
 * dartmk's: 0 done, 1 failed (the error on stderr), 2 usage. */
#include "cli/view.h"
#include "util/copy.h"
#include "util/report.h"
#include "source/source.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs("usage: lstree [--partition N] SOURCE\n", stderr);
    return DM_USAGE;
}

static int list_file(struct dm_tree *t, const struct dm_entry *e)
{
    struct dm_stream *s = NULL;
    char hex[DM_SHA256_HEX];
    uint64_t size = 0;
    int rc = dm_tree_open(t, e, &s);
    if (rc == 0)
        rc = dm_hash_stream(s, &size, hex);
    int crc = s ? dm_stream_close(s) : 0;
    if (rc || crc)
        return rc ? rc : crc;
    if (size != e->size)
        return dm_error(DM_FAIL, "%s: the stream gave %" PRIu64 " bytes, the entry says %" PRIu64,
                        e->path, size, e->size);
    printf("%s  %" PRIu64 "  %s\n", hex, size, e->path);
    return 0;
}

int main(int argc, char **argv)
{
    static struct dm_view view; /* lines and progress as dartmk shows them */
    dm_view_start(&view, DM_NORMAL, DM_PROGRESS_AUTO, NULL);
    int partno = 0, i = 1;
    if (argc == 4 && strcmp(argv[1], "--partition") == 0) {
        char *end;
        long v = strtol(argv[2], &end, 10);
        if (*argv[2] == 0 || *end || v < 1 || v > 100000)
            return usage();
        partno = (int)v;
        i = 3;
    }
    if (argc != i + 1 || argv[i][0] == '-')
        return usage();
    struct dm_tree *t;
    enum dm_source_kind kind;
    int rc = dm_source_open_partition(argv[i], partno, &t, &kind);
    if (rc)
        return rc;
    for (size_t k = 0; rc == 0 && k < t->count; k++) {
        const struct dm_entry *e = &t->entries[k];
        if (e->kind == DM_ENTRY_DIR)
            printf("-  dir  %s/\n", e->path);
        else
            rc = list_file(t, e);
    }
    dm_tree_free(t);
    if (fflush(stdout) != 0)
        return dm_error(DM_FAIL, "cannot write the listing");
    return rc;
}
