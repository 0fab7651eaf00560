/* job.c — preparing a run: the recipe checked into a plan, the media opened, the recovery tree
 * built for the target. */
#include "recovery/job.h"
#include "image/image.h"

#include <string.h>

int dm_job_prepare(struct dm_job *j)
{
    int rc = dm_image_plan(&j->recipe, &j->plan);
    if (rc || j->print_recipe)
        return rc;
    rc = dm_media_open(j->source, j->plan.image_index, &j->media);
    return rc ? rc : dm_image_check_media(j->media, &j->plan);
}

int dm_job_recovery(struct dm_job *j) { return dm_recovery_open(j, &j->rt); }

int dm_job_checked(struct dm_job *j) { return j->rt ? dm_recovery_checked(j->rt) : 0; }

void dm_job_free(struct dm_job *j)
{
    dm_recovery_free(j->rt);
    dm_media_close(j->media);
    dm_image_plan_free(&j->plan);
    dm_recipe_free(&j->recipe);
    json_object_put(j->result);
    memset(j, 0, sizeof *j);
}
