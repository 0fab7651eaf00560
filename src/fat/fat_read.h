/* fat_read.h — the FAT reader's door: FAT volumes (in a file, a partition of a disk image, a
 * block device) opened as media trees (fat_tree.c, fat_disk.c), and the pieces the unit tests
 * check: the boot sector check and the decoding of directory-entry names (fat_read.c).
 *
 * The reader takes FAT volumes as Windows and Linux do: the type follows from the BPB (no
 * 16-bit FAT size means FAT32) and then the cluster count; names are VFAT long names when a
 * complete, well-formed set of long-name entries whose checksum matches precedes the short
 * entry, else the 8.3 name in code page 437 with the NT case flags. */
#ifndef DARTMK_FATREAD_H
#define DARTMK_FATREAD_H

#include "util/tree.h"

#include <stddef.h>
#include <stdint.h>

/* Where everything is, from the boot sector. Offsets are bytes from the volume's start. */
struct dm_fatread_geom {
    int type; /* 12, 16 or 32 */
    uint32_t sector_size, cluster_size;
    uint32_t clusters;     /* data clusters: valid cluster numbers are 2 .. clusters + 1 */
    uint64_t fat_offset;   /* the first FAT (the reader uses only that one) */
    uint64_t fat_bytes;    /* one FAT */
    uint64_t root_offset;  /* FAT12/16: the fixed root directory */
    uint32_t root_bytes;   /* FAT12/16: its size */
    uint32_t root_cluster; /* FAT32: the root directory's first cluster */
    uint64_t data_offset;  /* cluster 2 */
    uint64_t volume_bytes; /* total sectors × sector size: what the volume needs */
};

enum { DM_FATREAD_WHY = 128 };

/* Checks the first 512 bytes of a volume (jump, bytes per sector 512..4096 and a power of two,
 * sectors per cluster a power of two, reserved sectors, FAT count ≥ 1, media byte, the regions
 * inside the volume, a FAT large enough for the clusters, the FAT32 root cluster) and fills g.
 * Returns 0, or -1 with `why` saying what is wrong ("bytes per sector 3000 is not a power of two
 * from 512 to 4096"). Does not know the size of the region holding the volume: the caller
 * compares g->volume_bytes. */
int dm_fatread_geometry(const uint8_t bs[512], struct dm_fatread_geom *g, char why[DM_FATREAD_WHY]);
/* Does the boot sector carry dartmk's incomplete-update mark (fat.h)? Such a volume is refused
 * by dm_fatread_geometry and everything that opens one, with DM_FATREAD_INCOMPLETE as why. */
int dm_fatread_marked(const uint8_t bs[512]);
#define DM_FATREAD_INCOMPLETE                                                                      \
    "the recovery partition holds an incomplete update: run dartmk partition again"

/* 255 UTF-16 units as UTF-8 (at most 3 bytes per unit) and the NUL. */
enum { DM_FATREAD_NAME_MAX = 768 };

/* Long-name entries collected for the short entry that follows them. */
struct dm_fatread_lfn {
    uint16_t units[20 * 13]; /* up to 20 entries of 13 UTF-16 units */
    int count;               /* entries the set announced (its first entry's number), 0: none */
    int next;                /* the sequence number the next entry must carry */
    uint8_t checksum;        /* of the short name, as the entries carry it */
};

void dm_fatread_lfn_reset(struct dm_fatread_lfn *l);
/* Takes one long-name entry (attribute 0x0F). An entry out of sequence or with another checksum
 * abandons the set (the short name will be used), as Windows does. */
void dm_fatread_lfn_add(struct dm_fatread_lfn *l, const uint8_t e[32]);

/* The name of short entry e (32 bytes): the long name collected in l when the set is complete,
 * its checksum matches e's 11-byte name and it is a usable name (valid UTF-16, no '/', not "."
 * or ".."); otherwise the 8.3 name. Resets l. Returns 0, or -1 when the name needed is
 * unusable (an empty or '/'-holding or control-character short name). */
int dm_fatread_name(struct dm_fatread_lfn *l, const uint8_t e[32], char out[DM_FATREAD_NAME_MAX]);

/* The 8.3 name of e: trailing spaces dropped, "BASE.EXT" (no dot without an extension), NT case
 * flags applied (byte 12: 0x08 base, 0x10 extension in lower case), 0x05 in the first byte read
 * as 0xE5, bytes from 0x80 up as code page 437. Returns 0 or -1 (see dm_fatread_name). */
int dm_fatread_short_name(const uint8_t e[32], char out[DM_FATREAD_NAME_MAX]);

/* UTF-16 (n units) to UTF-8 with a NUL into out (cap bytes). Returns the length, or -1 for an
 * unpaired surrogate, a NUL unit or too small a buffer. */
int dm_fatread_utf8(const uint16_t *u, int n, char *out, size_t cap);

/* The reader's door: FAT volumes as media trees (fat_tree.c, fat_disk.c). */
/* A FAT12/16/32 volume at byte `offset` of a file or block device, `size` bytes long (0: to the
 * end), read without mounting (fat_tree.c). Entries carry their long names (else the 8.3 name
 * with the NT case flags), times as UTC; files read by following their cluster chains. Every
 * structure is checked: a boot sector that is not FAT, a volume larger than the region, a
 * cluster outside the volume, a chain shorter or longer than its file, a directory loop give
 * one line naming the image (or the file) and the reason. Tree ops name "FAT"; no host paths. */
int dm_fatread_open(const char *path, uint64_t offset, uint64_t size, struct dm_tree **out);
/* The first FAT of the (unmarked) volume at `offset` of path, `size` bytes: g->clusters + 2
 * entries (FAT12/16 widened; end-of-chain marks as the FAT holds them), malloc'd into *out.
 * 0, or DM_FAIL after one line. */
int dm_fatread_fat(const char *path, uint64_t offset, uint64_t size, struct dm_fatread_geom *g,
                   uint32_t **out);
/* Where byte `at` of file e of a FAT tree (dm_fatread_open) lies in the file or device the
 * tree was opened from. Returns 0, or DM_FAIL after one line (a broken chain). */
int dm_fatread_file_offset(struct dm_tree *t, const struct dm_entry *e, uint64_t at, uint64_t *out);

/* A FAT volume on a disk image or block device (fat_disk.c), found with libblkid: partno > 0
 * is that partition (it must hold FAT); partno 0 is the first partition of a FAT or Windows
 * type (MBR 0x01 0x04 0x06 0x0B 0x0C 0x0E 0x27 0xEF; GPT EFI System, Microsoft basic data,
 * Windows RE) whose content is FAT, or, without a partition table, a FAT volume at byte 0 (a
 * "superfloppy"). Errors name the path and say which partitions there are. */
int dm_fatread_disk_open(const char *path, int partno, struct dm_tree **out);
/* 1 when path holds a partition table libblkid knows or a FAT boot sector at byte 0, else 0
 * (also when it cannot be read: the caller's own probe reports that). */
int dm_fatread_recognise(const char *path);

#endif
