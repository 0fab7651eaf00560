/* cli.c — shared option parsing. */
#include "cli/cli.h"

#include "cli/view.h"
#include "util/report.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = 0x1000, OPT_PROGRESS };

static const struct option common_long[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, OPT_JSON},
    {"progress", required_argument, NULL, OPT_PROGRESS},
};
#define N_COMMON (sizeof common_long / sizeof common_long[0])

int dm_usage_error(const struct dm_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dartmk %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'dartmk %s --help')\n", cmd->name);
    va_end(ap);
    return DM_USAGE;
}

/* The command's options followed by the common ones, in one array for getopt_long. */
static struct option *merge(const struct option *own)
{
    size_t n = 0;
    while (own && own[n].name)
        n++;
    struct option *all = calloc(n + N_COMMON + 1, sizeof *all);
    if (!all)
        return NULL;
    if (n)
        memcpy(all, own, n * sizeof *all);
    memcpy(all + n, common_long, sizeof common_long);
    return all;
}

static int common_option(const struct dm_cmd *cmd, int opt, const char *arg,
                         struct dm_common *common)
{
    enum dm_progress_mode mode;
    switch (opt) {
    case 'h':
        fputs(cmd->help, stdout);
        return DM_PARSE_HELP;
    case 'q':
        common->verbosity = DM_QUIET;
        return 0;
    case 'v':
        common->verbosity = DM_VERBOSE;
        return 0;
    case OPT_JSON:
        common->json = 1;
        return 0;
    case OPT_PROGRESS:
        if (dm_progress_parse_mode(arg, &mode) != 0)
            return dm_usage_error(cmd, "--progress: '%s' is not auto, none, bar or json", arg);
        common->progress = mode;
        return 0;
    default:
        return dm_usage_error(cmd, "unknown option '%s'", arg ? arg : "?");
    }
}

int dm_parse_options(const struct dm_cmd *cmd, int argc, char **argv, const char *shortopts,
                     const struct option *longopts, dm_option_fn fn, void *ctx,
                     struct dm_common *common, int *first)
{
    struct option *all = merge(longopts);
    char shorts[128];
    snprintf(shorts, sizeof shorts, ":hqv%s", shortopts ? shortopts : "");
    if (!all)
        return dm_error(DM_FAIL, "out of memory");
    *common = (struct dm_common){.verbosity = DM_NORMAL, .progress = DM_PROGRESS_AUTO};
    optind = 1;
    opterr = 0;
    int rc = 0, opt;
    while (rc == 0 && (opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
        if (opt == '?')
            rc = dm_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        else if (opt == ':')
            rc = dm_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        else if (opt == 'h' || opt == 'q' || opt == 'v' || opt >= OPT_JSON)
            rc = common_option(cmd, opt, optarg, common);
        else
            rc = fn(opt, optarg, ctx);
    }
    free(all);
    *first = optind;
    /* The run shows itself as the common options say, from here on. */
    dm_view_start(dm_view(), common->verbosity, common->progress, NULL);
    return rc;
}

void dm_print_json(struct json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
