/* build_cli.h — the build options (the wizard's steps) that `build`, `iso`, `usb`, `partition`
 * and `pxe` all take: one option table (its help too), one parser, one way to merge them with a
 * recipe file. */
#ifndef DARTMK_BUILD_CLI_H
#define DARTMK_BUILD_CLI_H

#include "image/image.h"
#include "cli/cli.h"
#include "target/target.h"

#include <getopt.h>

/* Long-option values of the build options start here (a command's own start at DM_OPT_BASE). */
enum { DM_OPT_BUILD = 0x200 };

/* The build options: `dartmk build` takes them in whole (DM_OPT_TABLE), the writing commands
 * summarised (DM_BUILD_OPTIONS_SUMMARY), pointing to build's --help. */
extern const struct dm_opt dm_build_options[];
#define DM_BUILD_OPTIONS_SUMMARY                                                                   \
    DM_OPT_TABLE_SUMMARY(dm_build_options,                                                         \
                         "Build options (as `dartmk build`; see `dartmk build --help`):")

struct dm_build_cli {
    struct dm_recipe recipe; /* from the command line */
    const char *recipe_file;
    int print;          /* --print-recipe */
    int require_signed; /* --require-signed */
    int oom;
    int want_target;         /* set before parsing: the command takes SOURCE TARGET */
    const char *target_name; /* set before parsing: what TARGET is called (default "TARGET") */
    const char *source_name; /* and SOURCE (default "SOURCE") */
    int many_targets;        /* set before parsing: TARGET may be given more than once */
    const char *target;      /* then: the TARGET operand (the first) */
    char **targets;          /* and every TARGET operand (ntargets of them) */
    int ntargets;
};

/* Takes option `opt` if it is a build option: returns 1 when taken, 0 when not. */
int dm_build_cli_option(struct dm_build_cli *c, int opt, const char *arg);
void dm_build_cli_free(struct dm_build_cli *c);
/* A writing command's whole command line (the options cmd->help declares): its own options
 * (fn, ctx) and the build options into b, one SOURCE operand (and TARGET when b->want_target)
 * unless --print-recipe, and the effective recipe into r (to be freed either way). Returns 0,
 * DM_PARSE_HELP after the help, or an exit code. */
int dm_build_cli_parse(const struct dm_cmd *cmd, int argc, char **argv, dm_option_fn fn, void *ctx,
                       struct dm_build_cli *b, struct dm_common *common, struct dm_recipe *r,
                       const char **source);

/* After parsing: the job of a writing command — SOURCE, the effective recipe r (moved into the
 * job: free the job, not r), --print-recipe and --json. */
void dm_build_cli_job(const struct dm_build_cli *b, struct dm_recipe *r, const char *source,
                      const struct dm_common *common, struct dm_job *j);
/* Runs the job into target t; with --print-recipe only checks the recipe and prints it. With
 * --json prints the target's result. Returns 0 or an exit code after one line; the command
 * prints its text summary when 0 and neither was asked. */
int dm_build_cli_run(struct dm_job *j, const struct dm_target_ops *ops, void *t);

#endif
