/* contents.h — a look inside a partition that already exists, through the FAT reader and quietly
 * (it may hold no FAT volume, or another system's): what dartmk wrote there before. */
#ifndef DARTMK_PART_CONTENTS_H
#define DARTMK_PART_CONTENTS_H

#include "partition/ptable.h"

/* File `path` of the FAT volume in partition p of `disk` (at most 1 MiB), malloc'd and
 * NUL-terminated; NULL when there is none. */
char *dm_part_read_file(const char *disk, const struct dm_part *p, const char *path);
/* Does p hold a volume dartmk marked while it updates it (fat/fat.h: the incomplete-update
 * mark in its boot sector)? note (when not NULL) gets the mark's note ("" when unmarked). */
enum { DM_PART_NOTE = 256 };
int dm_part_incomplete(const char *disk, const struct dm_part *p, char note[DM_PART_NOTE]);
/* Is p dartmk's recovery partition? (MBR partitions have no names: it holds dartmk's
 * manifest, or the incomplete-update mark.) */
int dm_part_is_ours(const char *disk, const struct dm_part *p);

#endif
