/* media.h — recognising Windows PE media: where each boot file is (on the media or inside the
 * chosen boot.wim image), which layout it is, its architecture, and whether it can boot under
 * BIOS and UEFI. Every command starts here: SOURCE → dm_media. */
#ifndef DARTMK_MEDIA_H
#define DARTMK_MEDIA_H

#include "source/source.h"
#include "source/wim.h"

enum dm_role {
    DM_ROLE_BOOTMGR,    /* BIOS boot manager */
    DM_ROLE_BCD,        /* BIOS boot configuration */
    DM_ROLE_BOOT_SDI,   /* ramdisk image the boot manager needs to start boot.wim */
    DM_ROLE_ETFSBOOT,   /* El Torito BIOS boot image */
    DM_ROLE_EFI_LOADER, /* UEFI loader (bootx64.efi, bootia32.efi, bootaa64.efi) */
    DM_ROLE_EFI_BCD,    /* UEFI boot configuration */
    DM_ROLE_EFISYS,     /* El Torito UEFI image (a FAT image) */
    DM_ROLE_BOOT_WIM,   /* the Windows PE image */
    DM_ROLE_COUNT
};

enum dm_where { DM_ABSENT, DM_ON_MEDIA, DM_IN_WIM };

enum dm_media_layout { DM_MEDIA_INSTALL_DVD, DM_MEDIA_ADK, DM_MEDIA_WIM };

struct dm_bootfile {
    enum dm_where where;
    char *path; /* media path (its real case) or path inside the image */
    uint64_t size;
};

struct dm_media {
    struct dm_tree *tree;
    enum dm_source_kind kind;
    enum dm_media_layout layout;
    struct dm_wim *wim;
    int image; /* the chosen boot.wim image, 1-based */
    struct dm_bootfile files[DM_ROLE_COUNT];
    enum dm_arch arch;
    const char *arch_source; /* "wim-xml", "pe-header" or NULL */
};

/* Opens SOURCE, recognises it and resolves the boot files in image `image_index` of boot.wim
 * (0 = the bootable image). Returns 0 or an exit code after printing one line. */
int dm_media_open(const char *source, int image_index, struct dm_media **out);
void dm_media_close(struct dm_media *m);

/* JSON key of a role: "bootmgr", "bcd", "boot_sdi", "etfsboot", "efi_loader", "efi_bcd",
 * "efisys", "boot_wim". */
const char *dm_role_key(enum dm_role r);
/* Where the role's file is looked for on the media, for messages ("boot/etfsboot.com"). */
const char *dm_role_media_path(enum dm_role r);
/* "install-dvd", "adk", "wim". */
const char *dm_media_layout_name(enum dm_media_layout l);

/* Roles the BIOS (uefi = 0) or UEFI (uefi = 1) boot chain needs and does not have; returns
 * how many were stored in `missing`. The chain can be made when it returns 0. */
size_t dm_media_missing(const struct dm_media *m, int uefi, enum dm_role *missing, size_t max);
/* El Torito: can an ISO boot this way (an etfsboot image; an efisys image or an EFI loader to
 * build one from)? */
int dm_media_el_torito(const struct dm_media *m, int uefi);

/* Where a found role is, for people: "boot/bcd" or "sources/boot.wim:Windows/Boot/..." (buf). */
const char *dm_media_describe(const struct dm_media *m, enum dm_role r, char *buf, size_t n);
/* Streams a found role's file from wherever it is. */
int dm_media_open_file(struct dm_media *m, enum dm_role r, struct dm_stream **out);

#endif
