/* source.h — opening what the user names as SOURCE and presenting it as a media tree. */
#ifndef DARTMK_SOURCE_H
#define DARTMK_SOURCE_H

#include "util/tree.h"

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
 * disk image or block device holding FAT (a USB stick, a partition: see dm_fatread_disk_open).
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

/* libisofs started once, quiet (dartmk reports failures itself) and UTF-8. 0 or -1. */
int dm_libisofs_ready(void);

/* Opens a host file as a stream; returns 0 or an exit code after printing why. */
int dm_host_stream_open(const char *path, struct dm_stream **out);

#endif
