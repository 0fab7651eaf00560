/* wim.h — reading Windows Imaging (WIM) files with wimlib: images, the boot index, the
 * architecture, and the files inside an image (streamed, never extracted to disk). */
#ifndef DARTMK_WIM_H
#define DARTMK_WIM_H

#include "util/tree.h"

#include <stdatomic.h>
#include <stdint.h>

enum dm_arch { DM_ARCH_UNKNOWN, DM_ARCH_X86, DM_ARCH_AMD64, DM_ARCH_ARM, DM_ARCH_ARM64 };

/* "x86", "amd64", "arm", "arm64" or NULL for unknown. */
const char *dm_arch_name(enum dm_arch a);
/* From the WIM XML's WINDOWS/ARCH value ("0", "9", "5", "12"). */
enum dm_arch dm_arch_from_wim_xml(const char *value);
/* From a PE/COFF machine field (0x14c, 0x8664, 0x1c4, 0xaa64). */
enum dm_arch dm_arch_from_pe_machine(uint16_t machine);
/* Reads the machine field of a PE image held in buf; returns 0, or -1 if it is not PE. */
int dm_pe_machine(const void *buf, size_t n, uint16_t *machine);
/* Reads the file version (VS_FIXEDFILEINFO of the RT_VERSION resource) of a PE image held in
 * buf: 7.0.1234.0 as {7, 0, 1234, 0}; returns 0, or -1 when it has none. */
int dm_pe_version(const void *buf, size_t n, uint16_t version[4]);

struct dm_wim_image {
    int index;         /* 1-based */
    char *name;        /* "" when unnamed */
    int bootable;      /* the WIM header's boot index names this image */
    enum dm_arch arch; /* from the XML; DM_ARCH_UNKNOWN when absent */
};

struct dm_wim;

/* Opens a WIM at a host path; `display` names it in messages ("sources/boot.wim"). */
int dm_wim_open(const char *host_path, const char *display, struct dm_wim **out);
/* Opens the WIM held by a tree entry: directly when the tree has a host path for it, otherwise
 * copied once into an unlinked temporary file (wimlib reads WIMs only from files). */
int dm_wim_open_entry(struct dm_tree *t, const struct dm_entry *e, struct dm_wim **out);
/* The same WIM opened again: a handle of its own, for another thread (wimlib's handles are not
 * shared between threads). A copy staged from inside an ISO has no name to open it by: it was
 * opened twice when it had one, and its second handle is given out, once. Returns 0 or an exit
 * code after one line. */
int dm_wim_reopen(struct dm_wim *w, struct dm_wim **out);
void dm_wim_close(struct dm_wim *w);

const char *dm_wim_display(const struct dm_wim *w);
int dm_wim_image_count(const struct dm_wim *w);
/* 0 when the header names no boot image. */
int dm_wim_boot_index(const struct dm_wim *w);
/* 1-based; NULL when out of range. */
const struct dm_wim_image *dm_wim_image(const struct dm_wim *w, int index);
/* The image to use: `requested` when it exists (0 = default: the bootable image, else image 1).
 * Prints "X: image index 3 does not exist (the WIM has 2 images)" and returns DM_FAIL. */
int dm_wim_select(const struct dm_wim *w, int requested, int *index);

/* Looks a path up (case-insensitively) inside an image. Returns 0 and sets *found (and *size
 * for files; *is_dir); or an exit code after printing an error (a corrupt WIM). */
int dm_wim_stat(struct dm_wim *w, int index, const char *path, int *found, uint64_t *size,
                int *is_dir);
/* Streams a file of an image. */
int dm_wim_open_file(struct dm_wim *w, int index, const char *path, struct dm_stream **out);

/* wimlib set up for media: case-insensitive paths, errors returned rather than printed.
 * Returns 0 or -1. */
int dm_wimlib_ready(void);
/* Reads every resource of the WIM, decompressing it, and checks it against its own SHA-1
 * (wimlib_verify_wim), with progress ("checking boot.wim"). Returns 0, or DM_FAIL after one
 * line naming the WIM and what failed. */
int dm_wim_verify(struct dm_wim *w);
/* The blob table's entries checked against the file (dm_wim_verify's first step, without reading
 * the data): a blob claiming more than its chunk table can index, or lying past the end, is
 * refused by name before wimlib is asked to read it (it would allocate what it claims). */
int dm_wim_check_blobs(struct dm_wim *w);
/* The same, watched from another thread: how far it got (bytes), and stopping early (DM_FAIL,
 * a line nobody needs) once `stop` is set. */
struct dm_wim_watch {
    atomic_int stop;
    atomic_uint_fast64_t done, total;
};
int dm_wim_verify_watched(struct dm_wim *w, struct dm_wim_watch *watch);
/* ---- the integrity check beside the writing (wim_check.c) ---- */

/* dm_wim_verify of `own` (a handle no other thread uses; the check closes it) in a thread of
 * its own, started now: the writing goes on meanwhile, and waits for its verdict before its
 * commit point. What the check says is held back until dm_wim_check_wait. On failure to start,
 * the check runs here and now. Returns 0 (*out set; NULL when it already ran and passed) or an
 * exit code after one line. */
struct dm_wim_check;
int dm_wim_check_start(struct dm_wim *own, struct dm_wim_check **out);
/* Waits for the verdict (with progress, "checking boot.wim", when it is not in yet) and frees
 * the check (NULL: passed). 0, or DM_FAIL after the check's line ("X: damaged: ..."). */
int dm_wim_check_wait(struct dm_wim_check *c);
/* Stops the check early, waits for it and frees it; its verdict is not wanted (NULL-safe). */
void dm_wim_check_cancel(struct dm_wim_check *c);

/* The open WIM as wimlib's WIMStruct, for the image stage's writers (export, split); the WIM
 * stays owned by w. */
struct WIMStruct *dm_wim_wimlib(struct dm_wim *w);

/* ---- changing a WIM (wim_update.c) ---- */

struct dm_wim_add {
    const char *host;   /* a host file or folder */
    const char *target; /* where it goes in the image ('/'-separated; folders are merged) */
};

/* How far a dm_wim_add running in another thread is, and a way to stop it. */
struct dm_wim_status {
    _Atomic uint64_t done, total; /* bytes of new data written, of all to write */
    _Atomic int cancel;           /* set to make dm_wim_add stop (it then fails) */
};

/* Adds host files and folders to image `index` of the WIM at `path` and appends the new data
 * to the file in place (wimlib_overwrite): the WIM's existing resources are kept as they are,
 * not recompressed. `display` names it in messages. Reports into `status` (may be NULL).
 * Returns 0 or DM_FAIL after one line. */
int dm_wim_add(const char *path, const char *display, int index, const struct dm_wim_add *adds,
               size_t n, struct dm_wim_status *status);

#endif
