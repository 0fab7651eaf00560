/* build_cli.c — parsing the build options into a recipe (paths made absolute) and merging it
 * with a recipe file. */
#include "cli/build_cli.h"
#include "image/build_internal.h"
#include "util/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_RECIPE = DM_OPT_BUILD + 100, OPT_PRINT_RECIPE };

/* The options that are recipe keys: their value is DM_OPT_BUILD + their index. */
static const struct option recipe_keys[] = {
    {"image-index", required_argument, NULL, DM_OPT_BUILD + 0},
    {"tool", required_argument, NULL, DM_OPT_BUILD + 1},
    {"remote", no_argument, NULL, DM_OPT_BUILD + 2},
    {"remote-port", required_argument, NULL, DM_OPT_BUILD + 3},
    {"remote-message", required_argument, NULL, DM_OPT_BUILD + 4},
    {"remote-tool", required_argument, NULL, DM_OPT_BUILD + 5},
    {"debugging-tools", required_argument, NULL, DM_OPT_BUILD + 6},
    {"driver", required_argument, NULL, DM_OPT_BUILD + 7},
    {"add-files", required_argument, NULL, DM_OPT_BUILD + 8},
    {"expire-days", required_argument, NULL, DM_OPT_BUILD + 9},
};
enum { KEYS = sizeof recipe_keys / sizeof recipe_keys[0] };

struct option *dm_build_cli_longopts(const struct option *own)
{
    size_t n = 0;
    while (own[n].name)
        n++;
    struct option *all = calloc(n + KEYS + 3, sizeof *all);
    if (!all)
        return NULL;
    memcpy(all, own, n * sizeof *all);
    memcpy(all + n, recipe_keys, sizeof recipe_keys);
    all[n + KEYS] = (struct option){"recipe", required_argument, NULL, OPT_RECIPE};
    all[n + KEYS + 1] = (struct option){"print-recipe", no_argument, NULL, OPT_PRINT_RECIPE};
    return all;
}

int dm_build_cli_option(struct dm_build_cli *c, int opt, const char *arg)
{
    if (opt == OPT_RECIPE)
        return c->recipe_file = arg, 1;
    if (opt == OPT_PRINT_RECIPE)
        return c->print = 1, 1;
    if (opt < DM_OPT_BUILD || opt >= DM_OPT_BUILD + KEYS)
        return 0;
    /* Paths become absolute: the recipe that --print-recipe writes and the manifest records
     * must mean the same from any folder. */
    char *cwd = getcwd(NULL, 0);
    const char *key = recipe_keys[opt - DM_OPT_BUILD].name;
    if (!cwd || dm_recipe_set_in(&c->recipe, key, arg ? arg : "yes", cwd) < 0)
        c->oom = 1;
    free(cwd);
    return 1;
}

int dm_build_cli_recipe(struct dm_build_cli *c, struct dm_recipe *r)
{
    memset(r, 0, sizeof *r);
    if (c->oom)
        return dm_error(DM_FAIL, "out of memory");
    int rc = c->recipe_file ? dm_recipe_read(r, c->recipe_file) : 0;
    if (rc == 0)
        dm_recipe_merge(r, &c->recipe);
    return rc;
}

void dm_build_cli_free(struct dm_build_cli *c) { dm_recipe_free(&c->recipe); }

int dm_build_cli_parse(const struct dm_cmd *cmd, int argc, char **argv, const struct option *own,
                       dm_option_fn fn, void *ctx, struct dm_build_cli *b, struct dm_common *common,
                       struct dm_recipe *r, const char **source)
{
    int first = argc;
    struct option *longopts = dm_build_cli_longopts(own);
    int rc = longopts
                 ? dm_parse_options(cmd, argc, argv, b->shortopts ? b->shortopts : "o:", longopts,
                                    fn, ctx, common, &first)
                 : dm_error(DM_FAIL, "out of memory");
    free(longopts);
    int want = b->want_target ? 2 : 1, got = argc - first;
    const char *target = b->target_name ? b->target_name : "TARGET";
    const char *src = b->source_name ? b->source_name : "SOURCE";
    if (rc == 0 && !b->print && got == 0)
        rc = dm_usage_error(cmd, "no %s given", src);
    else if (rc == 0 && !b->print && got < want)
        rc = dm_usage_error(cmd, "no %s given", target);
    else if (rc == 0 && !b->print && got > want)
        rc = want == 1 ? dm_usage_error(cmd, "one %s at a time", src)
                       : dm_usage_error(cmd, "one %s and one %s at a time", src, target);
    *source = first < argc ? argv[first] : NULL;
    b->target = b->want_target && first + 1 < argc ? argv[first + 1] : NULL;
    return rc ? rc : dm_build_cli_recipe(b, r);
}

void dm_build_cli_job(const struct dm_build_cli *b, struct dm_recipe *r, const char *source,
                      const struct dm_common *common, struct dm_job *j)
{
    j->source = source;
    j->recipe = *r;
    memset(r, 0, sizeof *r);
    j->print_recipe = b->print;
    j->json = common->json;
}

int dm_build_cli_run(struct dm_job *j, const struct dm_target_ops *ops, void *t)
{
    int rc = j->print_recipe ? dm_job_prepare(j) : dm_target_run(j, ops, t);
    if (rc == 0 && j->print_recipe)
        dm_recipe_print(&j->recipe, stdout);
    else if (rc == 0 && j->json && j->result)
        dm_print_json(json_object_get(j->result));
    return rc;
}
