/* verify.h — a recovery tree against the manifest dartmk wrote at its root: every listed file
 * there with its size and SHA-256, the files a boot-loader installer added after it there, and
 * nothing else. Used by `dartmk verify` and by the writers' read-back after writing. */
#ifndef DARTMK_VERIFY_H
#define DARTMK_VERIFY_H

#include "util/tree.h"

#include <json-c/json.h>

struct dm_verify {
    json_object *missing, *different, *extra; /* arrays of paths */
    int files, verified;
    uint64_t bytes;    /* read back: the manifest, and the files it lists hashed */
    json_object *dart; /* the manifest's record of DaRT's own files (tools cab, DartConfig.dat
                        * and their SHA-256s), or NULL: shown, and checked through boot.wim */
};

/* Checks t (reading every listed file, with progress). Returns 0 with the findings in v (free
 * with dm_verify_free either way), or an exit code after one line when there is no readable
 * manifest. */
int dm_verify_tree(struct dm_tree *t, struct dm_verify *v);
/* Nothing missing, different or extra. */
int dm_verify_ok(const struct dm_verify *v);
void dm_verify_free(struct dm_verify *v);

#endif
