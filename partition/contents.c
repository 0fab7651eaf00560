/* contents.c — looking inside an existing partition (see contents.h). */
#include "partition/contents.h"
#include "fat/fat.h"
#include "fat/fat_read.h"
#include "image/image.h"
#include "util/report.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *dm_part_read_file(const char *disk, const struct dm_part *p, const char *path)
{
    struct dm_tree *t = NULL;
    char *text = NULL;
    /* Not a FAT volume is an answer here, not an error: the reader's lines are dropped. */
    struct dm_capture quiet;
    dm_capture_begin(&quiet);
    if (dm_fatread_open(disk, p->start, p->size, &t) == 0) {
        const struct dm_entry *e = dm_tree_find(t, path);
        text = e && e->size < (1u << 20) ? calloc(1, e->size + 1) : NULL;
        if (text && dm_tree_read_head(t, e, text, e->size) != (ssize_t)e->size)
            free(text), text = NULL;
    }
    dm_capture_end(&quiet);
    dm_capture_free(&quiet);
    dm_tree_free(t);
    return text;
}

int dm_part_incomplete(const char *disk, const struct dm_part *p, char note[DM_PART_NOTE])
{
    uint8_t bs[512];
    int fd = open(disk, O_RDONLY | O_CLOEXEC);
    int marked = fd >= 0 && pread(fd, bs, sizeof bs, (off_t)p->start) == (ssize_t)sizeof bs &&
                 dm_fatread_marked(bs);
    if (fd >= 0)
        close(fd);
    if (note)
        snprintf(note, DM_PART_NOTE, "%.*s", marked ? 510 - DM_FAT_MARK_NOTE : 0,
                 (const char *)bs + DM_FAT_MARK_NOTE);
    return marked;
}

int dm_part_is_ours(const char *disk, const struct dm_part *p)
{
    char *text = dm_part_read_file(disk, p, DM_MANIFEST_NAME);
    int ours = text && strstr(text, "\"generator\":\"dartmk ") != NULL;
    free(text);
    return ours || dm_part_incomplete(disk, p, NULL);
}
