/* dir.h — `build -o DIR`: the recovery tree written into a folder, its manifest last. DIR must
 * be new or empty (or j->force), and neither the source nor inside it. On failure everything
 * written is removed (a folder the run made too). */
#ifndef DARTMK_DIR_H
#define DARTMK_DIR_H

#include "target/target.h"

struct dm_dir_out;

struct dm_target_dir {
    const char *path;
    struct dm_dir_out *out; /* while writing */
};

extern const struct dm_target_ops dm_target_dir_ops;

#endif
