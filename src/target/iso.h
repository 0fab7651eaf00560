/* iso.h — mastering a bootable ISO image from a recovery tree with libisofs: ISO 9660 level 3,
 * Joliet (long names) and Rock Ridge, El Torito entries for BIOS (etfsboot, no emulation, load
 * segment 0x07C0, 8 sectors) and UEFI (platform 0xEF, efisys.bin), the boot catalog hidden.
 * Every file is streamed from wherever the tree reads it; nothing is staged. */
#ifndef DARTMK_ISO_H
#define DARTMK_ISO_H

#include "target/target.h"
#include "util/replace.h"
#include "util/sha256.h"
#include "util/tree.h"

#include <stdint.h>

enum { DM_ISO_LABEL_MAX = 32 };

struct dm_iso_opts {
    const char *name;     /* the ISO's name, for messages */
    const char *label;    /* a valid label (dm_iso_label_check) */
    const char *etfsboot; /* tree path of the BIOS boot image, or NULL */
    const char *efisys;   /* tree path of the UEFI boot image, or NULL */
    int64_t time;         /* SOURCE_DATE_EPOCH: every time in the image; -1 for the files' own */
};

/* ISO 9660 volume identifier rules (d-characters: A-Z 0-9 _; dartmk also takes a-z, made upper
 * case, and '-', which Windows media use): 1..32 characters. Writes the label as recorded into
 * out. Returns 0, or -1 with *why set. */
int dm_iso_label_check(const char *label, char out[DM_ISO_LABEL_MAX + 1], const char **why);

/* The `iso` target: FILE.iso and FILE.iso.sha256 (the sha256sum format) written beside their
 * places and renamed into them when complete; an existing FILE is replaced only with j->force,
 * and stays as it was on failure. */
struct dm_target_iso {
    const char *output;
    const char *label; /* checked (dm_iso_label_check) */
    int no_boot;       /* a data ISO: no El Torito entries */
    /* What the run did. */
    int bios, uefi;
    uint64_t bytes;
    char sha[DM_SHA256_HEX];
    struct dm_replace iso, sum;
};

extern const struct dm_target_ops dm_target_iso_ops;

#endif
