/* job.c — preparing a run: the recipe checked into a plan, the media opened, the recovery tree
 * built for the target. */
#include "recovery/job.h"
#include "image/image.h"
#include "source/authenticode.h"

#include <string.h>

int dm_job_prepare(struct dm_job *j)
{
    int rc = dm_image_plan(&j->recipe, &j->plan);
    if (rc || j->print_recipe)
        return rc;
    rc = dm_media_open(j->source, j->plan.image_index, &j->media);
    rc = rc ? rc : dm_image_check_media(j->media, &j->plan);
    return rc ? rc : dm_job_secure_boot(j);
}

/* One loader: what a machine with Secure Boot on will make of it. */
static int judge_loader(const struct dm_loader *d, int require)
{
    static const char *const why[] = {
        [DM_SIG_NOT_PE] = "not a PE image: a UEFI loader that will not start",
        [DM_SIG_UNSIGNED] = "unsigned UEFI loader: will not start on machines with Secure Boot on",
        [DM_SIG_BAD] = "UEFI loader whose signature does not verify (tampered or damaged): will "
                       "not start on machines with Secure Boot on",
    };
    if (d->sig.state != DM_SIG_GOOD) {
        if (require)
            return dm_error(DM_FAIL, "%s: %s (--require-signed)", d->where, why[d->sig.state]);
        dm_warn("%s: %s", d->where, why[d->sig.state]);
    } else if (d->sig.authorities == DM_AUTH_WINDOWS_PCA_2011) {
        dm_info("%s: signed only through Microsoft Windows Production PCA 2011: machines that "
                "moved to Windows UEFI CA 2023 and revoked the 2011 authority refuse it",
                d->where);
    }
    return 0;
}

/* A loader that cannot be read (a damaged boot.wim) is not this check's to report: the run's
 * own checks of the WIM say what is wrong with it, by name. With --require-signed the loaders
 * must be judged, so that failure is the run's. */
int dm_job_secure_boot(struct dm_job *j)
{
    struct dm_loader *l = NULL;
    struct dm_capture c;
    dm_capture_begin(&c);
    int n = 0, rc = dm_media_loaders(j->media, &l, &n);
    dm_capture_end(&c);
    if (rc && j->require_signed)
        dm_capture_replay(&c);
    else if (rc)
        dm_debug("the UEFI loaders' signatures not judged: %s", c.events.detail);
    dm_capture_free(&c);
    if (rc && !j->require_signed)
        return 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = judge_loader(&l[i], j->require_signed);
    dm_media_loaders_free(l, n);
    return rc;
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
