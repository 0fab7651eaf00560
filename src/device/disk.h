/* disk.h — the disks dartmk may write to: what they are, what is on them, and whether writing
 * to them is allowed.
 *
 * Writing to the wrong disk is the one unforgivable bug, so the decision is made from what the
 * kernel says in sysfs, /proc/self/mountinfo and /proc/swaps, before the disk is opened for
 * writing and without needing to open it at all (even root may be unable to read the system
 * disk). libblkid adds the partition table and file system names when the disk can be opened
 * read-only; they are for the human, never part of the decision.
 *
 * Every function takes `root`: "" in production; tests pass a folder holding a fake tree
 * (ROOT/sys/class/block, ROOT/sys/dev/block, ROOT/proc/self/mountinfo, ROOT/proc/swaps).
 * In a fake tree no device node is needed: a path /dev/NAME is looked up by NAME in
 * ROOT/sys/class/block (devtmpfs names nodes after sysfs); a regular file at ROOT/dev/NAME, if
 * there is one, is what libblkid reads. In production the node must exist and be a block
 * device, and it is found in sysfs by its device number. */
#ifndef DARTMK_DISK_H
#define DARTMK_DISK_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dm_disk_part {
    char *name;           /* "sdb1" */
    char *path;           /* "/dev/sdb1" (the node may not exist: loop devices get none here) */
    unsigned number;      /* the partition's number in the table */
    uint64_t start, size; /* bytes */
    char *fstype, *label; /* libblkid, or NULL */
    char *mountpoint;     /* where it is mounted (the running system's first), or NULL */
    int swap;             /* used as swap */
    int kernel;           /* the kernel knows it (sysfs); 0: found by libblkid only */
};

struct dm_disk {
    char *path;            /* "/dev/sdb" as given, resolved to the whole disk's node */
    char *name;            /* "sdb" (sysfs name) */
    unsigned major, minor; /* the device number: compare with fstat after opening (0:0 unknown) */
    char *vendor, *model, *serial;
    char *transport; /* "usb", "mmc", "sata", "nvme", "virtio", "scsi", "loop", or NULL */
    uint64_t size;   /* bytes */
    int removable; /* one plugs it in: sysfs `removable`, USB, or an SD slot (dm_disk_removable) */
    int readonly;  /* sysfs `ro` */
    int is_system; /* holds the running system: /, /usr, /boot, /var, ... come from it */
    char *mountpoint;     /* a mount of the whole disk, or NULL */
    int swap;             /* the whole disk is swap */
    int holders;          /* things stacked on it or its partitions (LVM, md, dm-crypt) */
    char *holder, *held;  /* the first one: "dm-0" holds "sdb1" (for the message) */
    char *backing_file;   /* loop devices */
    char *fstype, *label; /* a file system on the whole disk (no table), libblkid, or NULL */
    struct dm_disk_part *parts;
    size_t nparts;
    char *table; /* "dos", "gpt" or NULL (libblkid) */
    int blkid;   /* 1 when libblkid could read the disk: table, fstype, label are its findings */
};

/* Describes the whole disk at `path` (a node in /dev, or a symlink to one). Fails with one
 * line: DM_REFUSED for a partition (the message names its whole disk); DM_FAIL when the path
 * does not exist, is not a block device, is an optical drive, or when mountinfo or swaps cannot
 * be read — a decision must never be made on a partial picture. Free with dm_disk_free. */
int dm_disk_probe(const char *root, const char *path, struct dm_disk *out);
void dm_disk_free(struct dm_disk *d);

/* The disks worth offering: removable ones (dm_disk_removable); all=1 adds fixed disks. Skips
 * partitions, ram and zram, loop devices without a backing file, device-mapper and md devices
 * (they are stacked on disks listed themselves), optical drives (`devices --optical`) and
 * empty card readers (size 0). *out (free each with dm_disk_free, then free()) is sorted by
 * name. */
int dm_disk_list(const char *root, int all, struct dm_disk **out, size_t *n);

/* 1 for a disk one plugs in: sysfs says removable, or it sits on USB (USB hard disks say
 * removable=0) or in an SD slot (not an eMMC chip on the board). Loop devices are not: they
 * write into someone's file. */
int dm_disk_removable(const struct dm_disk *d);

/* Whether d may be written, decided from the probe alone. Returns 0, or DM_REFUSED after one
 * line naming the device and the reason: it holds the running system (even with force), it
 * or one of its partitions is mounted (where is said) or swap, something is stacked on it,
 * it is read-only, it has no medium, or it is not removable and force is 0. */
int dm_disk_check_writable(const struct dm_disk *d, int force);

/* The part of dm_disk_check_writable about use: the running system, mounts, swap, holders. */
int dm_disk_check_in_use(const struct dm_disk *d);

/* The loop devices ("loop0", ...) whose backing file is `file` (the same inode), as a
 * NULL-terminated array to free with each name; NULL when there is none to list. */
char **dm_disk_loops_over(const char *root, const char *file);

/* Whether `file` (a regular file) is in use as swap: *swap = 1 when a file in ROOT/proc/swaps
 * is the same inode. Returns 0, or DM_FAIL after one line when the list cannot be read (a
 * missing list is a kernel without swap). */
int dm_disk_swap_file(const char *root, const char *file, int *swap);

/* 1 when `path` (which does not exist) would be a new file in /dev: under /dev, or in a folder
 * on /dev's own file system (devtmpfs). A device name mistyped, or absent here, is never a file
 * to make. */
int dm_disk_new_in_dev(const char *path);

/* The lines shown before asking to write: the disk (path, vendor and model, size, transport,
 * serial) and everything on it that will be destroyed (table, each partition's name, size,
 * file system and label). */
void dm_disk_describe(FILE *f, const struct dm_disk *d);

/* {path, name, vendor, model, serial, size, transport, removable, readonly, system, mounted
 * (every mountpoint of the disk and its partitions), swap, holders, backing_file, table,
 * fstype, label, partitions: [{name, path, number, start, size, fstype, label, mountpoint,
 * swap}]}; sizes and offsets in bytes. */
json_object *dm_disk_json(const struct dm_disk *d);

#endif
