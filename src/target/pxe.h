/* pxe.h — the network boot tree `dartmk pxe` writes (see cmd_pxe.c): which files, from where
 * (the media, boot.wim, syslinux's pxelinux, generated), and the writing itself — each file
 * beside its place, then renamed into it. */
#ifndef DARTMK_PXE_H
#define DARTMK_PXE_H

#include "image/image.h"
#include "source/media.h"
#include "recovery/job.h"
#include "target/target.h"

#include <stdint.h>

enum { DM_PXE_LOADERS = 4 };

struct dm_pxe_opts {
    const char *dir, *tftp_root;
    const char *loaders[DM_PXE_LOADERS]; /* --pxe-loader files */
    int nloaders;
    int menu, update;
};

struct dm_pxe_result {
    int files;
    uint64_t bytes;
    int bios, uefi, bcd_ok;
    const char *efi_name; /* "bootx64.efi" or "bootia32.efi" */
};

/* Which loader a --pxe-loader file is, by its name: 0 pxeboot.n12, 1 bootmgr.exe,
 * 2 bootmgfw.efi; -1 for another name. */
int dm_pxe_loader_kind(const char *path);

/* The `pxe` target. */
struct dm_target_pxe {
    struct dm_pxe_opts o;
    struct dm_pxe_result res; /* what the run did */
};

extern const struct dm_target_ops dm_target_pxe_ops;

#endif
