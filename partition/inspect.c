/* inspect.c — looking inside an existing partition (see inspect.h). */
#include "partition/inspect.h"
#include "fat/fat_read.h"
#include "image/build_internal.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *dm_inspect_read(const char *disk, const struct dm_part *p, const char *path)
{
    struct dm_tree *t = NULL;
    char *msg = NULL, *text = NULL;
    size_t len = 0;
    /* Not a FAT volume is an answer here, not an error: the reader's lines are dropped. */
    FILE *quiet = open_memstream(&msg, &len);
    dm_report_to(quiet);
    if (dm_fatread_open(disk, p->start, p->size, &t) == 0) {
        const struct dm_entry *e = dm_tree_find(t, path);
        text = e && e->size < 65536 ? calloc(1, e->size + 1) : NULL;
        if (text && dm_tree_read_head(t, e, text, e->size) != (ssize_t)e->size)
            free(text), text = NULL;
    }
    dm_report_to(NULL);
    if (quiet)
        fclose(quiet);
    free(msg);
    dm_tree_free(t);
    return text;
}

int dm_inspect_made_by_us(const char *disk, const struct dm_part *p)
{
    char *text = dm_inspect_read(disk, p, DM_MANIFEST_NAME);
    int ours = text && strstr(text, "\"generator\":\"dartmk ") != NULL;
    free(text);
    return ours;
}
