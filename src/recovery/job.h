/* job.h — one run of the pipeline, SOURCE to TARGET, as one context object (the way libfdisk
 * hands its context to every label operation): what the command line asked (source, recipe,
 * flags), what was made from it (the checked plan, the opened media, the recovery tree) and what
 * the target asked the tree to hold. Commands fill the first part; dm_job_prepare and
 * dm_job_recovery the rest; targets (target/target.h) read it. */
#ifndef DARTMK_JOB_H
#define DARTMK_JOB_H

#include "recovery/recovery.h"
#include "util/report.h"

struct json_object;

enum { DM_JOB_EXTRA = 8 }; /* files a target adds to the tree (syslinux's, at most) */

struct dm_job {
    /* How the run reports (lines, progress, questions): bound to the thread that runs the job
     * while dm_target_run runs it; NULL keeps what is bound (nothing: the run is silent). The
     * first error is kept there (events->code, events->detail). */
    struct dm_events *events;
    /* From the command line. */
    const char *source;
    struct dm_recipe recipe; /* the effective recipe (owned: dm_job_free frees it) */
    int print_recipe;        /* --print-recipe: check the recipe, open nothing */
    int force, yes, json;    /* flags every target reads the same way */
    int verify;              /* read back what was written (targets that can) */
    int require_signed;      /* an unsigned or failing UEFI loader refuses the run */
    /* Made by dm_job_prepare and dm_job_recovery. */
    struct dm_image_plan plan;
    struct dm_media *media;
    struct dm_recovery_opts ropts; /* what the target needs in its tree (its tree operation) */
    struct dm_recovery_file extra[DM_JOB_EXTRA];
    struct dm_recovery *rt;
    struct json_object *result; /* what the target did, for --json and the summary */
};

/* Checks the recipe into the plan; unless --print-recipe, opens SOURCE, checks the media can
 * take the plan and judges its UEFI loaders' signatures (dm_job_secure_boot). Returns 0 or an
 * exit code after one line. */
int dm_job_prepare(struct dm_job *j);
/* The media's UEFI loaders judged before anything is written: a warning for each that is
 * unsigned or does not verify (a refusal, DM_FAIL, with j->require_signed), a note for one
 * whose only chain is to Microsoft Windows Production PCA 2011. */
int dm_job_secure_boot(struct dm_job *j);
/* The recovery tree of the job's media, as its plan and the target's options say (j->rt). */
int dm_job_recovery(struct dm_job *j);
/* dm_recovery_checked of the job's tree (0 when it has none). */
int dm_job_checked(struct dm_job *j);
/* Frees everything the job holds (the recipe too); the struct may be reused zeroed. */
void dm_job_free(struct dm_job *j);

#endif
