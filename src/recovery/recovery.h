/* recovery.h — the recovery tree a target streams: a Windows PE media layout and nothing else of
 * the media (dm_recovery_keeps: the boot managers and their language folders at the root, boot/,
 * efi/, sources/boot.wim; every file with --whole-media), sources/boot.wim holding the one image
 * that boots (the chosen image exported alone, customised when the recipe says so; the media's
 * own when it already is that), the build manifest, and (for ISOs) the El Torito images put where
 * the media layout of an install DVD has them — taken from inside boot.wim on ADK media, efisys.bin
 * made with the FAT writer when the media has only the EFI loader. One dm_tree: targets need not
 * know where a file comes from (the source, a staged file, or inside boot.wim). */
#ifndef DARTMK_RECOVERY_H
#define DARTMK_RECOVERY_H

#include "image/image.h"

#include <stdatomic.h>

enum {
    DM_RECOVERY_EL_TORITO = 1, /* make the El Torito images files of the tree */
    /* The manifest at the root lists every file with its size and SHA-256, hashed as the target
     * reads the files: it is a DM_ENTRY_LATE entry, which the target must read last. */
    DM_RECOVERY_MANIFEST = 2,
    /* The target is FAT32: a WIM of 4 GiB or more (with --whole-media) is split into .swm parts
     * staged in the staging folder ($TMPDIR); DARTMK_SPLIT_SIZE lowers that size (for tests). */
    DM_RECOVERY_FAT32 = 4,
};

/* A WIM split into .swm parts for FAT32. */
struct dm_recovery_split {
    char *path;   /* the media's WIM: "sources/install.wim" */
    char **parts; /* tree paths of the parts: "sources/install.swm", "sources/install2.swm"... */
    size_t nparts;
};

/* A file a target adds to the tree: from a host file, or text staged for it. */
struct dm_recovery_file {
    const char *path;
    const char *host, *text;
};

struct dm_recovery_opts {
    int flags;
    const struct dm_recovery_file *extra;
    size_t nextra;
    /* Files a boot-loader installer writes after the tree (the manifest names them, without a
     * checksum: `dartmk verify` checks they are there). */
    const char *const *installed_after;
    size_t ninstalled;
    /* With DM_RECOVERY_MANIFEST: the target's own options that shape the contents, as a JSON
     * text, part of the inputs' fingerprint (image.h: dm_fingerprint_inputs); or NULL. */
    const char *target_inputs;
};

struct dm_recovery {
    struct dm_tree *tree;
    struct dm_media *media;
    char *etfsboot; /* tree paths of the El Torito images; NULL when there is none */
    char *efisys;
    int efisys_made;                  /* efisys was generated from the EFI loader */
    int exported;                     /* boot.wim is the chosen image exported (not the media's) */
    struct dm_recovery_split *splits; /* WIMs split for FAT32 */
    size_t nsplits;
    struct dm_staging staging;         /* staged files; removed by dm_recovery_free */
    struct json_object *manifest;      /* DM_RECOVERY_MANIFEST: what it says besides the files */
    int new_manifest;                  /* made for this tree (not the media's own, kept) */
    const struct dm_entry *source_wim; /* the source's boot.wim as it is, in a new manifest */
    char manifest_sha[65];
    struct dm_recovery_hasher *hasher; /* the manifest's checksums, in a second thread */
    const struct dm_recovery_opts *opts;
    struct dm_wim_check *check; /* boot.wim's integrity check, running beside the writing */
    int checked, check_rc;      /* its verdict, once waited for */
    struct json_object *inputs; /* DM_RECOVERY_MANIFEST: the inputs of the fingerprint */
    char source_sha[65];        /* the source boot.wim's SHA-256, once known ("" before) */
    atomic_int released;        /* the staged files removed early (dm_recovery_release_staged) */
};

struct dm_job;

/* Builds the recovery tree of the job's media for its plan (customising boot.wim into the
 * staging folder when the plan asks for it), with the target's options j->ropts; the job must
 * outlive the tree. Returns 0 or an exit code after one line. */
int dm_recovery_open(const struct dm_job *j, struct dm_recovery **out);
/* The SHA-256 of the manifest as the target read it ("" before that), the fingerprint of the
 * whole tree. */
const char *dm_recovery_manifest_sha(const struct dm_recovery *rt);
/* The fingerprint of the tree's inputs (image.h: dm_fingerprint), the one its manifest records
 * (DM_RECOVERY_MANIFEST): the source boot.wim is read for its checksum now unless it was read
 * already. 0, or DM_FAIL after one line. */
int dm_recovery_fingerprint(struct dm_recovery *rt, char hex[65]);
/* The verdict of the integrity check of the tree's boot.wim (started by dm_recovery_open, in a
 * thread beside the writing), waited for the first time: a target asks before its commit point
 * (the rename, the table write, the first byte over what was there). 0, or DM_FAIL after one
 * line naming the WIM and what failed. */
int dm_recovery_checked(struct dm_recovery *rt);
/* A target that has written the whole tree (every entry streamed: a FAT volume, through the
 * tee for several sticks) reads the staged files no more: they are removed now, not at
 * dm_recovery_free, so that a flush of the whole system (the syslinux installer's sync) does
 * not write the staged boot.wim to the disk for nothing. Descriptors open on them stay good
 * (the integrity check's). Once, from whichever writer thread comes first. */
void dm_recovery_release_staged(struct dm_recovery *rt);
void dm_recovery_free(struct dm_recovery *rt);

/* Does a recovery tree keep this entry of the media without --whole-media? The allow-list,
 * case-insensitive, the same for every layout: `bootmgr` and `bootmgr.efi` at the root, root
 * folders holding only .mui files (their languages), boot/ and efi/ with everything in them, and
 * sources/ holding only boot.wim. */
int dm_recovery_keeps(const struct dm_media *m, const struct dm_entry *e);

/* What a recovery tree of the media will hold, for `inspect`. */
struct dm_recovery_size {
    uint64_t files, bytes; /* the files kept; boot.wim as exported */
    uint64_t wim_bytes;    /* boot.wim as exported: the chosen image alone (about) */
    int exported;          /* the media's boot.wim is not that image alone already */
    uint64_t left_files, left_bytes;
    const char *largest; /* the largest file left out (a media path), or NULL */
    uint64_t largest_size;
};
/* Measures the recovery tree of media m without --whole-media. 0 or DM_FAIL after one line. */
int dm_recovery_measure(struct dm_media *m, struct dm_recovery_size *out);

#endif
