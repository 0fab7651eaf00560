/* layout.h — disk layouts written with libfdisk: the one-partition stick (MBR or GPT), the old
 * partition table saved first as an sfdisk script (restorable with `sfdisk DISK < FILE`).
 *
 * The layout is planned before anything is written (so a too-small disk is refused with the
 * size it needs), then written through a descriptor the caller opened (O_EXCL on devices): the
 * label area is cleared (old signatures at the start and, for a GPT's backup, the end of the
 * disk would otherwise confuse blkid and firmware), and the new label written by libfdisk. */
#ifndef DARTMK_LAYOUT_H
#define DARTMK_LAYOUT_H

#include <stdint.h>

enum dm_scheme { DM_SCHEME_MBR, DM_SCHEME_GPT };

enum { DM_LAYOUT_ALIGN = 1 << 20 }; /* partitions start and end on 1 MiB boundaries */

struct dm_disk_layout {
    enum dm_scheme scheme;
    uint64_t disk_size;   /* bytes */
    uint64_t start, size; /* the partition, in bytes */
};

/* "mbr" / "gpt" → the scheme; -1 for anything else. */
int dm_scheme_parse(const char *s);
const char *dm_scheme_name(enum dm_scheme s);

/* The stick layout for a disk of disk_size bytes: one partition from 1 MiB to the last whole
 * MiB before the end (before the backup GPT on GPT). Returns 0, or -1 when not even 1 MiB of
 * partition fits. */
int dm_layout_stick(enum dm_scheme scheme, uint64_t disk_size, struct dm_disk_layout *out);
/* The smallest disk whose stick layout has a partition of at least part_size bytes. */
uint64_t dm_layout_disk_for(enum dm_scheme scheme, uint64_t part_size);

/* Saves the partition table on fd (named `name` in messages) as an sfdisk script to `file`,
 * followed by the label's sectors themselves (MBR, or protective MBR, GPT headers and entries)
 * in comment lines sfdisk skips ("# dartmk-raw OFFSET SIZE AREA", base64 lines "# >..."), so
 * that dm_layout_restore can put back the very bytes. Returns 0 with *saved set (0 when the disk
 * has no table: nothing is written), or an exit code after one line. */
int dm_layout_backup(int fd, const char *name, const char *file, int *saved);

/* Writes layout l on fd: clears the label area (the first DM_LAYOUT_ALIGN bytes and the last
 * DM_LAYOUT_ALIGN of the disk), then a new label with one partition: on MBR type 0x0C (FAT32
 * LBA) and active; on GPT Microsoft basic data with the legacy-BIOS-bootable attribute. The
 * partition's contents are not touched beyond that. Returns 0 or an exit code after one line. */
int dm_layout_write(int fd, const char *name, const struct dm_disk_layout *l);

/* Judges a table saved by dm_layout_backup (or an sfdisk script of a GPT or MBR) for the disk
 * `name` of disk_size bytes, writing nothing: the script readable, its partitions inside the
 * disk and apart; the saved sectors (when it has them) from a disk of this size, whole sectors
 * inside the label's areas (the first and last MiB, an MBR's extended partitions), outside
 * every partition and each other, the whole table there. Returns 0, or DM_FAIL after one line
 * naming `file` and what is wrong. */
int dm_layout_restore_check(const char *file, const char *name, uint64_t disk_size);

/* Puts a table saved by dm_layout_backup (or any sfdisk script) back on fd, once the whole file
 * passed dm_layout_restore_check: the saved sectors byte for byte when the file has them
 * (*exact = 1), else the script through libfdisk (*exact = 0). Returns 0 or an exit code after
 * one line. */
int dm_layout_restore(int fd, const char *name, const char *file, uint64_t disk_size, int *exact);
/* The disk's first sector as a table saved by dm_layout_backup holds it, and the size of the
 * disk it was saved from: 0, 1 when the file has no saved sectors, or DM_FAIL after one line. */
int dm_layout_saved_sector0(const char *file, uint8_t out[512], uint64_t *disk_size);

#endif
