/* ptable.h — an existing partition table, read and changed through libfdisk without touching
 * any other partition: list the partitions and the free extents, add the recovery partition (or
 * delete an old one), set the MBR active flag, and write the table back. Changes stay in memory
 * until dm_ptable_write, so a plan (--dry-run) is the same code as the real thing. */
#ifndef DARTMK_PTABLE_H
#define DARTMK_PTABLE_H

#include "partition/layout.h"

#include <stddef.h>
#include <stdint.h>

/* Windows RE: on GPT this type with attributes "required, no drive letter"; on MBR type 0x27. */
#define DM_WINRE_GUID  "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"
#define DM_WINRE_ATTRS 0x8000000000000001ULL
enum { DM_WINRE_MBR = 0x27 };

struct dm_part {
    size_t number;        /* 1-based, as in /dev/sdb2 */
    uint64_t start, size; /* bytes */
    char type[40];        /* "0x27" or a GUID (upper case) */
    char name[80];        /* GPT name, "" on MBR */
    uint64_t attrs;       /* GPT attributes */
    int active;           /* MBR boot flag */
    int winre;            /* a Windows RE partition (type) */
};

struct dm_extent {
    uint64_t start, size; /* bytes, aligned to DM_LAYOUT_ALIGN */
};

struct dm_ptable;

/* Reads the table of fd (readonly: it is never written). A disk without one is refused (exit 1,
 * suggesting `dartmk usb`), and so is a damaged one (dm_ptable_check): partitions overlapping,
 * or lying past the end of the disk (GPT: outside its usable sectors). */
int dm_ptable_open(int fd, const char *name, int readonly, struct dm_ptable **out);
void dm_ptable_close(struct dm_ptable *t);
enum dm_scheme dm_ptable_scheme(const struct dm_ptable *t);
/* The disk's name, for messages. */
const char *dm_ptable_name(const struct dm_ptable *t);
uint64_t dm_ptable_disk_size(const struct dm_ptable *t);

/* The partitions (at most max), in the table's order. */
size_t dm_ptable_list(struct dm_ptable *t, struct dm_part *out, size_t max);
/* The free extents a new primary partition can use, aligned (at most max). */
size_t dm_ptable_free(struct dm_ptable *t, struct dm_extent *out, size_t max);

/* An MBR extended partition (types 0x05, 0x0f, 0x85): a container of logical partitions. */
int dm_part_is_extended(const struct dm_part *p);
/* Judges partitions p[0..n) of a table (`scheme`) on a disk whose partitions must lie in
 * [first, end) (bytes): each inside, none overlapping another; on MBR a logical partition
 * (number > 4) inside an extended one and overlapping no other. Returns 0, or DM_FAIL after one
 * line naming `name` and the partitions. dm_ptable_open judges every table it reads so. */
int dm_ptable_check(const char *name, enum dm_scheme scheme, const struct dm_part *p, size_t n,
                    uint64_t first, uint64_t end);

/* Adds the recovery partition at [start, start + size) (aligned bytes): GPT: the WinRE type,
 * attributes and `gpt_name`; MBR: type 0x27 in a free primary slot (refused when all four are
 * used). *number is its number. */
int dm_ptable_add_recovery(struct dm_ptable *t, uint64_t start, uint64_t size, const char *gpt_name,
                           size_t *number);
int dm_ptable_delete(struct dm_ptable *t, size_t number);
/* GPT: gives partition `number` the name (and the WinRE attributes) that mark it as dartmk's. */
int dm_ptable_mark_recovery(struct dm_ptable *t, size_t number, const char *gpt_name);
/* MBR: partition `number` becomes the only active one. */
int dm_ptable_set_active(struct dm_ptable *t, size_t number);
/* Writes the table (only the label's sectors). */
int dm_ptable_write(struct dm_ptable *t);
/* The partition's unique GUID (GPT), or "" — for the firmware boot entry. */
const char *dm_ptable_uuid(struct dm_ptable *t, size_t number, char out[40]);

#endif
