/* image_internal.h — what the image's files share among themselves (not for other folders). */
#ifndef DARTMK_IMAGE_INTERNAL_H
#define DARTMK_IMAGE_INTERNAL_H

#include "image/image.h"

/* Reads a whole text file of at most `max` bytes into *out (malloc'd, NUL-terminated).
 * Returns 0 or DM_FAIL after one line naming the file. */
int dm_read_text_file(const char *path, size_t max, char **out);
/* Why a name cannot go into the image ("is not valid UTF-8", "holds a control character"), or
 * NULL when it can (plan.c). */
const char *dm_image_name_fault(const char *name);
/* Every name under dir (not dir's own) checked so; returns 0, or DM_USAGE after one line
 * "OPT SHOWN: the name 'PATH' ..." (PATH relative to dir), DM_FAIL when dir cannot be read. */
int dm_image_check_names(const char *opt, const char *shown, const char *dir);
/* --driver FILE.inf|DIR: the folders and their INF files (drivers.c). */
int dm_image_plan_drivers(struct dm_image_plan *p, const struct dm_strlist *l);

/* A file of dartmk's own (the expiry checkers): $DARTMK_LIBDIR, else beside the program
 * (build/winpe or winpe in a build tree), else ../lib/dartmk from it. malloc'd, or NULL. */
char *dm_libdir_find(const char *name);

/* Appends a copy of value; 0, or -1 when out of memory (recipe.c). */
int dm_strlist_add(struct dm_strlist *l, const char *value);
void dm_strlist_free(struct dm_strlist *l);

/* "Toolsx64.cab", "Tools.cab", "toolsx86.CAB": DaRT's tools cabs by name, in a folder or in an
 * installer's File table (dart.c). */
int dm_dart_tools_cab_name(const char *name);
/* DaRT's tools cabs named by the File table of the installer at `path` (shown as `display`),
 * taken out of its cabinets into the folder `stage`: their host paths in cabs, their names
 * ("Toolsx64.cab") in names. Returns 0 or DM_FAIL after one line: not an MSI, no tools cab in
 * it, its cabinet missing or corrupt (msi.c). */
int dm_msi_tools_cabs(const char *path, const char *display, const char *stage,
                      struct dm_strlist *cabs, struct dm_strlist *names);

/* --dart-tools, --dart-config, --dart-config-from checked into p->dart (dart.c): DM_USAGE for
 * options that cannot go together, DM_FAIL for files that are not DaRT's; after one line. */
int dm_image_plan_dart(struct dm_image_plan *p, const struct dm_recipe *r);
/* The chosen image can take DaRT's tools: a Windows RE/Setup image of their architecture. */
int dm_image_check_dart(const struct dm_media *m, const struct dm_image_plan *p);
void dm_image_dart_free(struct dm_dart *d);
#endif
