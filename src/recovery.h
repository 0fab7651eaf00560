/* recovery.h — the recovery tree a target streams: the media's files as they are, with
 * sources/boot.wim replaced by the customised one and the build manifest added when the recipe
 * changes the image, and (for ISOs) the El Torito images put where the media layout of an
 * install DVD has them — taken from inside boot.wim on ADK media, efisys.bin made with the FAT
 * writer when the media has only the EFI loader. One dm_tree: targets need not know where a
 * file comes from (the source, a staged file, or inside boot.wim). */
#ifndef DARTMK_RECOVERY_H
#define DARTMK_RECOVERY_H

#include "build.h"

enum {
    DM_RECOVERY_EL_TORITO = 1, /* make the El Torito images files of the tree */
};

struct dm_recovery {
    struct dm_tree *tree;
    char *etfsboot; /* tree paths of the El Torito images; NULL when there is none */
    char *efisys;
    int efisys_made;      /* efisys was generated from the EFI loader */
    struct dm_staging staging; /* staged files; removed by dm_recovery_free */
};

/* Builds the recovery tree of media `m` for plan `p` (customising boot.wim into the staging
 * folder when the plan asks for it). Returns 0 or an exit code after one line. */
int dm_recovery_open(struct dm_media *m, const struct dm_build_plan *p, const struct dm_recipe *r,
                     const char *source, int flags, struct dm_recovery **out);
void dm_recovery_free(struct dm_recovery *rt);

#endif
