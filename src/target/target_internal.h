/* target_internal.h — what the driver's files share (target.c, many.c); not for other folders. */
#ifndef DARTMK_TARGET_INTERNAL_H
#define DARTMK_TARGET_INTERNAL_H

#include "target/target.h"

/* Adds to j->result which image of the source's boot.wim the tree's boot.wim holds, and which
 * WIMs were split. */
void dm_target_add_source_image(struct dm_job *j);

#endif
