/* build_internal.h — what the build's files share; not for other modules. */
#ifndef DARTMK_BUILD_INTERNAL_H
#define DARTMK_BUILD_INTERNAL_H

#include "image/build.h"

#include <json-c/json.h>

/* The manifest's name, at the root of the recovery tree and in the image's DaRT folder. */
#define DM_MANIFEST_NAME "dartmk-manifest.json"

/* Media entries a recovery tree leaves out: a source ISO's own El Torito catalog (a UDF tree
 * shows it as a file), and an earlier build's manifest when this build writes its own. */
int dm_media_entry_skipped(const struct dm_entry *e, int new_manifest);
/* Reads a whole text file of at most `max` bytes into *out (malloc'd, NUL-terminated).
 * Returns 0 or DM_FAIL after one line naming the file. */
int dm_read_text_file(const char *path, size_t max, char **out);
/* --driver FILE.inf|DIR: the folders and their INF files (build_drivers.c). */
int dm_plan_drivers(struct dm_build_plan *p, const struct dm_strlist *l);

/* Can this media take the plan? (the time limit needs a checker for the image's
 * architecture). Returns 0 or DM_FAIL after one line; nothing is written. */
int dm_build_check_media(const struct dm_media *m, const struct dm_build_plan *p);
/* Customises the WIM at wim_path (a copy of the media's boot.wim) in place: tools, drivers,
 * files, the launcher, the configuration, the expiry checker and the manifest. Safe to run in a
 * thread beside the media copy: it only reads m and p. Reports into status (may be NULL). */
int dm_build_image(const struct dm_media *m, const struct dm_build_plan *p,
                   const struct dm_recipe *r, const char *source, const char *source_sha,
                   const char *wim_path, struct dm_wim_status *status);
/* The manifest (without the list of files): what was built, from what, with which options. */
json_object *dm_build_manifest(const struct dm_media *m, const struct dm_build_plan *p,
                               const struct dm_recipe *r, const char *source,
                               const char *source_sha);
/* A manifest as the text written to files (pretty, "/" unescaped; owned by j). */
const char *dm_manifest_text(json_object *j);
/* The recipe as a JSON object: scalar keys as strings, lists as arrays (recipe.c). */
json_object *dm_recipe_json(const struct dm_recipe *r);
/* A file of dartmk's own (the expiry checkers): $DARTMK_LIBDIR, else beside the program
 * (build/winpe or winpe in a build tree), else ../lib/dartmk from it. malloc'd, or NULL. */
char *dm_libdir_find(const char *name);

#endif
