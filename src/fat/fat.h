/* fat.h — the FAT writer: a FAT12/FAT16/FAT32 volume written from a media tree in one
 * sequential pass, straight from the source (no mount, no temporary copy).
 *
 * Two steps, so that nothing is written unless everything fits:
 *   dm_fat_plan_new()   checks every name, size and limit and lays the volume out: each file
 *                       and directory gets a contiguous run of clusters, in tree order;
 *   dm_fat_plan_write() writes the boot sector(s), FSInfo, both FATs, the directories and the
 *                       file data, front to back, in large writes, reading each file once.
 *
 * Rules (documented for users in the README):
 *   - sectors are 512 bytes; the data area is aligned to the cluster size;
 *   - FAT32 volumes have 32 reserved sectors, the backup boot sector at 6 and FSInfo at 1;
 *   - cluster size, unless given: what Windows `format` picks for the volume size (FAT16, FAT32),
 *     and for FAT12 the smallest that keeps the cluster count legal;
 *   - short names are made the Windows way (upper case, `~N` tails when the long name does not
 *     fit 8.3 or loses characters); a name that fits 8.3 in one case per part gets no long-name
 *     entries, only the NT case flags;
 *   - times are written in UTC;
 *   - the volume serial comes from SOURCE_DATE_EPOCH, else from the current time. */
#ifndef DARTMK_FAT_H
#define DARTMK_FAT_H

#include "util/tree.h"

#include <stdint.h>
#include <time.h>

enum dm_fat_type { DM_FAT_AUTO = 0, DM_FAT12 = 12, DM_FAT16 = 16, DM_FAT32 = 32 };

struct dm_fat_opts {
    enum dm_fat_type type;   /* DM_FAT_AUTO: FAT32 when the region is big enough, else FAT16,
                                else FAT12 */
    uint32_t cluster_size;   /* bytes, a power of two from 512 to 65536; 0 = the default */
    const char *label;       /* volume label, NULL or "" for none ("NO NAME") */
    uint64_t reserve;        /* free bytes that must remain after the tree (for later files) */
    uint32_t hidden_sectors; /* sectors before the volume on its disk (the partition's start) */
    int64_t now;             /* volume serial and creation time; 0 = SOURCE_DATE_EPOCH or now */
    const char *name; /* what is written, for messages ("/dev/sdb"); NULL: "the FAT volume" */
    /* An update's mark (see below): when set, the boot sector and its backup that
     * dm_fat_plan_write writes carry the incomplete-update mark with this note, unreadable. */
    const char *incomplete;
};

struct dm_fat_plan;

/* Checks and lays out `t` for a volume of `size` bytes. Returns 0, or an exit code after printing
 * one line naming the thing and the reason (a name FAT forbids, two names that collide, a file
 * of 4 GiB or more, a tree that does not fit, a region too small or too large for the type, a
 * bad label). Nothing is written. */
int dm_fat_plan_new(struct dm_tree *t, uint64_t size, const struct dm_fat_opts *o,
                    struct dm_fat_plan **out);
/* Writes the planned volume at byte `offset` of fd (a file or a block device). Reports progress.
 * Does not fsync: the caller flushes. Returns 0 or an exit code after printing. */
int dm_fat_plan_write(struct dm_fat_plan *p, int fd, uint64_t offset);
void dm_fat_plan_free(struct dm_fat_plan *p);

/* ---- updating a volume in place (the recovery partition) ----
 * The incomplete-update mark: the boot sector's OEM name DM_FAT_MARK, the boot code "int 18h"
 * (BIOS hands over to the next boot device) and a note (text, at byte DM_FAT_MARK_NOTE). An
 * unreadable mark also has bytes per sector and the FAT count zeroed: no FAT driver (firmware,
 * kernels, mtools, dartmk's reader) takes the volume. A readable one is a valid FAT volume that
 * dartmk's reader still refuses; syslinux's installer writes its own boot sector over it (OEM
 * name "SYSLINUX"), which clears the mark. */
#define DM_FAT_MARK "DARTINCO"
enum { DM_FAT_MARK_NOTE = 256 };
/* The plan's boot sector (with the mark when opts.incomplete is set; readable or not). */
void dm_fat_plan_boot_sector(const struct dm_fat_plan *p, int readable, uint8_t s[512]);
/* Moves the tree's run of clusters to start at cluster `first` (2 is where plans put it).
 * -1 when it would not fit the volume. */
int dm_fat_plan_place(struct dm_fat_plan *p, uint32_t first);
/* Only the tree's clusters (directories and files), at their places: nothing else of the
 * volume is written. */
int dm_fat_plan_write_data(struct dm_fat_plan *p, int fd, uint64_t offset);
/* Both FATs (entries 0 .. clusters + 1 of keep, when given, wherever the tree has none: another
 * tree's chains kept), then, without keep, FSInfo and its backup with the true free count. */
int dm_fat_plan_write_fats(struct dm_fat_plan *p, int fd, uint64_t offset, const uint32_t *keep);

/* What the plan decided. */
struct dm_fat_info {
    enum dm_fat_type type;
    uint32_t cluster_size;
    uint32_t clusters;      /* data clusters in the volume */
    uint32_t used_clusters; /* taken by the tree (root directory included on FAT32) */
    uint64_t file_bytes;    /* the tree's files, as the writer's progress counts them */
    uint64_t data_offset;   /* byte offset of cluster 2 from the volume start */
    uint64_t fat_offset;    /* byte offset of the first FAT */
    uint64_t fat_bytes;     /* one FAT */
    uint32_t first_cluster; /* where the tree's run of clusters starts (its root on FAT32) */
    uint32_t serial;
    char label[12]; /* as written, space-padded to 11, NUL-terminated */
};
void dm_fat_plan_info(const struct dm_fat_plan *p, struct dm_fat_info *info);

/* The smallest volume of `type` (AUTO means FAT32) that holds `t` plus `reserve` free bytes,
 * with the default cluster size for that volume size; 0 and a printed error when the tree cannot
 * be planned (bad names, a 4 GiB file) or fits no volume of that type. */
uint64_t dm_fat_min_size(struct dm_tree *t, enum dm_fat_type type, uint64_t reserve);

/* ---- names (fat_names.c), exposed for unit tests and the fuzz target ---- */

/* Validates a volume label and writes it upper-cased and space-padded to 11 bytes. Returns 0, or
 * -1 with *why set to a reason ("longer than 11 characters", "the character '*' is not allowed
 * in a FAT label"). */
int dm_fat_label(const char *label, char out[11], const char **why);

/* A long name as UTF-16 (at most 255 units). Returns the length, or -1 with *why set (invalid
 * UTF-8, a character FAT forbids, longer than 255, "." or "..", ends with a dot or a space). */
int dm_fat_utf16(const char *utf8, uint16_t out[256], const char **why);

/* Case-insensitive comparison of UTF-16 names the way FAT compares long names (upper-casing
 * ASCII, Latin-1, Greek and Cyrillic letters). */
int dm_fat_namecmp(const uint16_t *a, int alen, const uint16_t *b, int blen);

/* The short-name basis of a long name: `out` gets 11 bytes (8 + 3, space-padded, upper case).
 * Returns a bit set: DM_FAT_FITS when the name is a legal 8.3 name as it is (no tail needed),
 * DM_FAT_LOWER_BASE / DM_FAT_LOWER_EXT when that part is all lower case (the NT case flags),
 * DM_FAT_MIXED when a part mixes cases (a long-name entry is needed to keep it). */
enum {
    DM_FAT_FITS = 1,
    DM_FAT_LOWER_BASE = 0x08,
    DM_FAT_LOWER_EXT = 0x10,
    DM_FAT_MIXED = 0x20,
};
int dm_fat_short_basis(const uint16_t *name, int len, uint8_t out[11]);
/* Puts the numeric tail "~n" into a basis (shortening the base part as needed). */
void dm_fat_short_tail(uint8_t name[11], unsigned n);
/* The checksum of an 11-byte short name that long-name entries carry. */
uint8_t dm_fat_lfn_checksum(const uint8_t name[11]);

#endif
