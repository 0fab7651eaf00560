/* loop_internal.h — a loop device over a byte range of a file or block device, for boot/ only:
 * how the syslinux installer reaches a FAT volume its --offset cannot (syslinux.c).
 *
 * The device is attached read-write with LO_FLAGS_AUTOCLEAR, without partition scanning, over
 * exactly [offset, offset + size) of TARGET (lo_offset, lo_sizelimit), and held open by the
 * caller: the kernel detaches it when the last opener closes it, so a run that is killed leaves
 * nothing attached once the programs using the device are gone. Needs CAP_SYS_ADMIN and
 * /dev/loop-control. */
#ifndef DARTMK_BOOT_LOOP_INTERNAL_H
#define DARTMK_BOOT_LOOP_INTERNAL_H

#include <stdint.h>

struct dm_loop {
    int fd;        /* the loop device, open read-write; -1: none */
    char path[32]; /* "/dev/loop7" */
};

/* Attaches a free loop device over `size` bytes at `offset` of TARGET and checks that the
 * kernel took the offset and the size as given (a range past the end of TARGET is refused).
 * Returns 0, or DM_FAIL after one line naming TARGET and the reason ("no loop device
 * available" followed by `why`, " (what it is for)", when there is none); then nothing is
 * attached. */
int dm_loop_attach(const char *target, uint64_t offset, uint64_t size, const char *why,
                   struct dm_loop *l);

/* Flushes what was written through the device to TARGET and detaches it (the detach completes
 * when the last other opener, if any, closes it). Always closes; returns 0, or DM_FAIL after one
 * line when the flush failed. A zeroed or already detached dm_loop (fd -1) is left alone. */
int dm_loop_detach(struct dm_loop *l, const char *target);

#endif
