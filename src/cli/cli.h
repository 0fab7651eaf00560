/* cli.h — the command table and the option parser every command shares (getopt_long), in the
 * manner of git's builtins: one cmd_<name>.c per command, one parser, common options. */
#ifndef DARTMK_CLI_H
#define DARTMK_CLI_H

#include "cli/view.h"
#include "util/parse.h"

#include <getopt.h>
#include <stdint.h>

struct dm_cmd {
    const char *name;
    const char *summary; /* one line for `dartmk --help` */
    const char *help;    /* the whole `dartmk NAME --help` text */
    int (*run)(const struct dm_cmd *cmd, int argc, char **argv);
};

/* Options every command accepts: -h/--help, -q/--quiet, -v/--verbose, --json,
 * --progress=auto|none|bar|json. */
struct dm_common {
    int json;
    enum dm_verbosity verbosity;
    enum dm_progress_mode progress;
};

/* A command's own options: called for each one getopt_long returns (not the common ones).
 * Returns 0, or an exit code after printing (use dm_usage_error for bad values). */
typedef int (*dm_option_fn)(int opt, const char *arg, void *ctx);

enum { DM_PARSE_HELP = -1 };
/* Commands number their long-only options from DM_OPT_BASE up (below 0x1000, kept for the
 * common options). */
enum { DM_OPT_BASE = 0x100 };

/* Parses argv (argv[0] is the command name). Returns 0 with *first set to the first operand,
 * DM_PARSE_HELP after printing the help, or DM_USAGE after printing the error. */
int dm_parse_options(const struct dm_cmd *cmd, int argc, char **argv, const char *shortopts,
                     const struct option *longopts, dm_option_fn fn, void *ctx,
                     struct dm_common *common, int *first);

/* "dartmk CMD: MESSAGE" and a pointer to --help; returns DM_USAGE. */
int dm_usage_error(const struct dm_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --json: prints the command's one JSON object on stdout (pretty, "/" unescaped) and frees it. */
struct json_object;
void dm_print_json(struct json_object *o);

/* Help text every command shares. */
#define COMMON_OPTIONS                                                                             \
    "Common options:\n"                                                                            \
    "  -q, --quiet              print only errors\n"                                               \
    "  -v, --verbose            say more about what is being done\n"                               \
    "      --progress=MODE      auto (a bar on a terminal), none, bar, or json (one JSON\n"        \
    "                           object per line on stderr)\n"                                      \
    "  -h, --help               this help\n"

#define EXIT_CODES "Exit codes: 0 done, 1 failed, 2 usage error, 3 refused for safety.\n"

/* The command table (main.c). */
extern const struct dm_cmd dm_commands[];
extern const int dm_command_count;

/* The commands. */
int dm_cmd_inspect(const struct dm_cmd *cmd, int argc, char **argv);
int dm_cmd_build(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_build_help[];
int dm_cmd_burn(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_burn_help[];
int dm_cmd_devices(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_devices_help[];
int dm_cmd_iso(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_iso_help[];
int dm_cmd_partition(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_partition_help[];
int dm_cmd_pxe(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_pxe_help[];
int dm_cmd_usb(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_usb_help[];
int dm_cmd_verify(const struct dm_cmd *cmd, int argc, char **argv);
extern const char dm_verify_help[];

#endif
