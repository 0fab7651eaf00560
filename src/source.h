/* source.h — opening what the user names as SOURCE and presenting it as a media tree. */
#ifndef DARTMK_SOURCE_H
#define DARTMK_SOURCE_H

#include "tree.h"

/* DM_SOURCE_DEVICE is a block device: an optical drive, or a stick or partition holding FAT;
 * DM_SOURCE_DISK is a disk image file (a partition table, or a FAT volume at its start). */
enum dm_source_kind {
    DM_SOURCE_DIRECTORY,
    DM_SOURCE_ISO,
    DM_SOURCE_WIM,
    DM_SOURCE_DEVICE,
    DM_SOURCE_DISK,
};

/* "iso", "directory", "wim", "device", "disk" — the inspect --json `kind`. */
const char *dm_source_kind_name(enum dm_source_kind k);

/* Opens a directory, an ISO file (ISO 9660/Joliet/Rock Ridge, or UDF when the ISO 9660 tree is
 * only a stub), a bare WIM (the media files then come from inside it), an optical drive, or a
 * disk image or block device holding FAT (a USB stick, a partition: see dm_source_disk_open).
 * Returns 0, or an exit code after printing one line naming the path and the reason. */
int dm_source_open(const char *path, struct dm_tree **out, enum dm_source_kind *kind);

/* As dm_source_open for partno 0. partno > 0 opens that partition of a disk image or block
 * device (numbered as the partition table numbers them, like /dev/sdb2), which must hold FAT;
 * any other SOURCE with partno > 0 is an error. */
int dm_source_open_partition(const char *path, int partno, struct dm_tree **out,
                             enum dm_source_kind *kind);

/* The backends (source_dir.c, source_iso.c, source_udf.c, source_wim.c). */
int dm_source_dir_open(const char *path, struct dm_tree **out);
int dm_source_iso_open(const char *path, struct dm_tree **out);
int dm_source_udf_open(const char *path, struct dm_tree **out);
int dm_source_wim_open(const char *path, struct dm_tree **out);

/* A FAT12/16/32 volume at byte `offset` of a file or block device, `size` bytes long (0: to the
 * end), read without mounting (source_fat.c). Entries carry their long names (else the 8.3 name
 * with the NT case flags), times as UTC; files read by following their cluster chains. Every
 * structure is checked: a boot sector that is not FAT, a volume larger than the region, a
 * cluster outside the volume, a chain shorter or longer than its file, a directory loop give
 * one line naming the image (or the file) and the reason. Tree ops name "FAT"; no host paths. */
int dm_source_fat_open(const char *path, uint64_t offset, uint64_t size, struct dm_tree **out);
/* Where byte `at` of file e of a FAT tree (dm_source_fat_open) lies in the file or device the
 * tree was opened from. Returns 0, or DM_FAIL after one line (a broken chain). */
int dm_fat_file_offset(struct dm_tree *t, const struct dm_entry *e, uint64_t at, uint64_t *out);

/* A FAT volume on a disk image or block device (source_disk.c), found with libblkid: partno > 0
 * is that partition (it must hold FAT); partno 0 is the first partition of a FAT or Windows
 * type (MBR 0x01 0x04 0x06 0x0B 0x0C 0x0E 0x27 0xEF; GPT EFI System, Microsoft basic data,
 * Windows RE) whose content is FAT, or, without a partition table, a FAT volume at byte 0 (a
 * "superfloppy"). Errors name the path and say which partitions there are. */
int dm_source_disk_open(const char *path, int partno, struct dm_tree **out);
/* The finding step of dm_source_disk_open: the volume's byte offset and size (size 0: to the
 * end of the disk, for a superfloppy) and the partition's number (0 for a superfloppy).
 * Returns 0 or an exit code after printing. */
int dm_disk_fat_partition(const char *path, int partno, uint64_t *offset, uint64_t *size,
                          int *found_partno);
/* 1 when path holds a partition table libblkid knows or a FAT boot sector at byte 0, else 0
 * (also when it cannot be read: the caller's own probe reports that). */
int dm_disk_recognise(const char *path);

/* libisofs started once, quiet (dartmk reports failures itself) and UTF-8. 0 or -1. */
int dm_libisofs_ready(void);

/* Opens a host file as a stream; returns 0 or an exit code after printing why. */
int dm_host_stream_open(const char *path, struct dm_stream **out);

#endif
