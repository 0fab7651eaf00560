/* cli.h — the command table and the option parser every command shares (getopt_long), in the
 * manner of git's builtins: one cmd_<name>.c per command, one parser, common options. */
#ifndef DARTMK_CLI_H
#define DARTMK_CLI_H

#include "cli/view.h"
#include "util/parse.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Options, each declared once (as git's parse-options) ----
 * A command's table lists its own options in --help order, with headings; it may take in
 * another table (the build options), whole or summarised, and place a common option's line
 * (--json: what the command prints). The common options follow every table. From the tables
 * come getopt_long's arguments (dm_opt_getopt) and the "Options" part of --help
 * (dm_print_options); the choices make them self-describing for man pages and completion. */

enum dm_opt_kind {
    DM_KIND_OPTION = 0, /* an option; a table ends with one without a name (DM_OPT_END) */
    DM_KIND_GROUP,      /* a heading line of --help: .help, as it is */
    DM_KIND_TABLE,      /* the options of .table, here */
    DM_KIND_HELP_FOR,   /* the line of the common option .code, here, saying .help */
};

enum {
    DM_OPT_SUMMARY = 1, /* DM_KIND_TABLE: its options' names under the heading .help, no more */
    DM_OPT_EQUALS = 2,  /* --help writes --name=ARG */
    DM_OPT_REPEAT = 4,  /* a list: each use adds a value (any other value option is given once) */
};

struct dm_opt {
    int code;         /* what the parser hands the command: a letter is also the short option
                       * (-y); long-only options count from DM_OPT_BASE */
    const char *name; /* the long option, without "--" */
    const char *arg;  /* the value's name in --help ("DIR"); NULL: no value, unless choices */
    const char *help; /* one paragraph, wrapped to fit --help's 80 columns */
    const char *const *choices; /* the values it takes when they are a fixed list (NULL ends
                                 * it); without arg, --help writes them as a|b|c */
    enum dm_opt_kind kind;
    unsigned flags;
    const struct dm_opt *table; /* DM_KIND_TABLE */
};

/* Table entries. Kept on one line each: clang-format would spread them over five. */
/* clang-format off */
#define DM_OPT_FLAG(c, n, h) {.code = (c), .name = (n), .help = (h)}
#define DM_OPT_VALUE(c, n, a, h) {.code = (c), .name = (n), .arg = (a), .help = (h)}
#define DM_OPT_LIST(c, n, a, h) {.code = (c), .name = (n), .arg = (a), .help = (h), .flags = DM_OPT_REPEAT}
#define DM_OPT_CHOICE(c, n, a, ch, h) {.code = (c), .name = (n), .arg = (a), .choices = (ch), .help = (h)}
#define DM_OPT_GROUP(text) {.help = (text), .kind = DM_KIND_GROUP}
#define DM_OPT_TABLE(t) {.table = (t), .kind = DM_KIND_TABLE}
#define DM_OPT_TABLE_SUMMARY(t, heading) {.help = (heading), .table = (t), .kind = DM_KIND_TABLE, .flags = DM_OPT_SUMMARY}
/* The common --json has no help of its own: each command says what its JSON object holds. */
#define DM_OPT_JSON_HELP(text) {.code = DM_OPT_JSON, .help = (text), .kind = DM_KIND_HELP_FOR}
#define DM_OPT_END {0}
/* clang-format on */

/* Codes of long-only options: a command's own from DM_OPT_BASE, the build options' from
 * DM_OPT_BUILD (build_cli.h), the common ones' from DM_OPT_JSON (below 0x100 are letters). */
enum { DM_OPT_BASE = 0x100, DM_OPT_JSON = 0x1000 };

/* A command's `--help`: hand-written text around the options its table declares. */
struct dm_help {
    const char *intro;            /* usage and prose, up to the options */
    const struct dm_opt *options; /* what the command takes (the common options follow) */
    const char *outro;            /* what follows the options: examples, exit codes */
};

struct dm_cmd {
    const char *name;
    const char *summary;        /* one line for `dartmk --help` */
    const struct dm_help *help; /* `dartmk NAME --help`, and the options it parses */
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

/* Calls fn for every option of a command's whole set: opts, the tables it takes in, then the
 * common options (not headings, nor placed lines). */
void dm_opt_each(const struct dm_opt *opts, void (*fn)(const struct dm_opt *o, void *ctx),
                 void *ctx);
/* The option of opts' whole set whose code is `code`, or NULL (opts NULL: the common set). */
const struct dm_opt *dm_opt_find(const struct dm_opt *opts, int code);
/* The options part of --help, from opts' whole set; every line fits in 80 columns. */
void dm_print_options(const struct dm_opt *opts, FILE *f);
/* The options of a command's --help in their order: what its table places (headings, options
 * with the help to show, tables taken in), then the common options. A table taken in as a
 * summary goes to .summary, or, when that is NULL, is walked in full after its heading (man
 * pages). An option reaches .option only where --help shows it. */
struct dm_opt_visitor {
    void (*group)(const char *text, void *ctx);
    void (*option)(const struct dm_opt *o, const char *help, void *ctx);
    void (*summary)(const struct dm_opt *table, void *ctx);
};
void dm_opt_walk(const struct dm_opt *opts, const struct dm_opt_visitor *v, void *ctx);
/* Is the option's code also its short option (-y)? */
int dm_opt_is_short(int code);

/* `dartmk CMD --help`: the intro, the options, the outro. */
void dm_print_help(const struct dm_cmd *cmd, FILE *f);

/* Parses argv (argv[0] is the command name) by the options cmd->help declares. Returns 0 with
 * *first set to the first operand, DM_PARSE_HELP after printing the help, or DM_USAGE after
 * printing the error. Refused as usage errors, besides unknown options and missing values: a
 * long option abbreviated, a value option given twice (unless DM_OPT_REPEAT), an empty value
 * or operand, and a value that is one of the command's options (`--label --yes`). */
int dm_parse_options(const struct dm_cmd *cmd, int argc, char **argv, dm_option_fn fn, void *ctx,
                     struct dm_common *common, int *first);

/* Prints one line and its newline, control characters in it shown as \xNN (as the library's
 * messages are): a line stays one line whatever the user typed into it. */
void dm_print_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "dartmk CMD: MESSAGE" and a pointer to --help, as one line (dm_print_line); returns DM_USAGE. */
int dm_usage_error(const struct dm_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --json: prints the command's one JSON object on stdout (pretty, "/" unescaped) and frees it. */
struct json_object;
void dm_print_json(struct json_object *o);

/* What dartmk is, in one line (dartmk --help, dartmk(1)). */
#define DM_ABOUT "Makes Windows PE (DaRT) recovery media from Linux and deploys it."

#define EXIT_CODES "Exit codes: 0 done, 1 failed, 2 usage error, 3 refused for safety.\n"

/* The command table (commands.c). */
extern const struct dm_cmd dm_commands[];
extern const int dm_command_count;

/* The commands. */
int dm_cmd_inspect(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_inspect_help;
int dm_cmd_build(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_build_help;
int dm_cmd_burn(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_burn_help;
int dm_cmd_devices(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_devices_help;
int dm_cmd_iso(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_iso_help;
int dm_cmd_partition(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_partition_help;
int dm_cmd_pxe(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_pxe_help;
int dm_cmd_usb(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_usb_help;
int dm_cmd_verify(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_verify_help;
int dm_cmd_wizard(const struct dm_cmd *cmd, int argc, char **argv);
extern const struct dm_help dm_wizard_help;

#endif
