/* cli.c — the option tables made into getopt_long's arguments and --help, and the parsing
 * every command shares. */
#include "cli/cli.h"

#include "cli/view.h"
#include "util/report.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = DM_OPT_JSON, OPT_PROGRESS };

static const char *const progress_modes[] = {"auto", "none", "bar", "json", NULL};

/* The options every command takes, after its own. */
static const struct dm_opt common_options[] = {
    DM_OPT_GROUP("Common options:"),
    DM_OPT_FLAG('q', "quiet", "print only errors"),
    DM_OPT_FLAG('v', "verbose", "say more about what is being done"),
    {.code = OPT_PROGRESS,
     .name = "progress",
     .arg = "MODE",
     .choices = progress_modes,
     .flags = DM_OPT_EQUALS,
     .help = "auto (a bar on a terminal), none, bar, or json (one JSON object per line on "
             "stderr)"},
    DM_OPT_FLAG('h', "help", "this help"),
    /* No help here: each command places its line (DM_OPT_JSON_HELP), saying what it prints. */
    DM_OPT_FLAG(OPT_JSON, "json", NULL),
    DM_OPT_END,
};

/* The text of fmt and ap (malloc'd), or NULL. */
static char *format(const char *fmt, va_list ap)
{
    char *text = NULL;
    return vasprintf(&text, fmt, ap) < 0 ? NULL : text;
}

void dm_print_line(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = format(fmt, ap);
    va_end(ap);
    char *line = dm_escape_line(text ? text : "out of memory");
    fprintf(f, "%s\n", line ? line : "out of memory");
    free(line), free(text);
}

int dm_usage_error(const struct dm_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = format(fmt, ap);
    va_end(ap);
    dm_print_line(stderr, "dartmk %s: %s (see 'dartmk %s --help')", cmd->name,
                  text ? text : "out of memory", cmd->name);
    free(text);
    return DM_USAGE;
}

/* ---- the tables ---- */

static int is_end(const struct dm_opt *o) { return o->kind == DM_KIND_OPTION && !o->name; }

static int takes_value(const struct dm_opt *o) { return o->arg || o->choices; }

/* Codes below 0x80 that are letters or digits are short options too. */
int dm_opt_is_short(int code) { return code > 0 && code < 0x80 && isalnum(code); }

static int is_short(int code) { return dm_opt_is_short(code); }

static void each_in(const struct dm_opt *t, void (*fn)(const struct dm_opt *, void *), void *ctx)
{
    for (; t && !is_end(t); t++)
        if (t->kind == DM_KIND_OPTION)
            fn(t, ctx);
        else if (t->kind == DM_KIND_TABLE)
            each_in(t->table, fn, ctx);
}

void dm_opt_each(const struct dm_opt *opts, void (*fn)(const struct dm_opt *o, void *ctx),
                 void *ctx)
{
    each_in(opts, fn, ctx);
    each_in(common_options, fn, ctx);
}

struct finding {
    int code;
    const struct dm_opt *found;
};

static void find_one(const struct dm_opt *o, void *ctx)
{
    struct finding *f = ctx;
    if (!f->found && o->code == f->code)
        f->found = o;
}

const struct dm_opt *dm_opt_find(const struct dm_opt *opts, int code)
{
    struct finding f = {code, NULL};
    dm_opt_each(opts, find_one, &f);
    return f.found;
}

/* ---- getopt_long's arguments, made in two passes: count (arrays NULL), then fill ---- */

struct getopt_args {
    struct option *longs;
    char *shorts;
    size_t nlong, nshort;
};

static void add_getopt(const struct dm_opt *o, void *ctx)
{
    struct getopt_args *g = ctx;
    int value = takes_value(o);
    if (g->longs)
        g->longs[g->nlong] =
            (struct option){o->name, value ? required_argument : no_argument, NULL, o->code};
    g->nlong++;
    if (is_short(o->code) && g->shorts) {
        g->shorts[g->nshort] = (char)o->code;
        if (value)
            g->shorts[g->nshort + 1] = ':';
    }
    if (is_short(o->code))
        g->nshort += value ? 2 : 1;
}

static int opt_getopt(const struct dm_opt *opts, struct option **longopts, char **shortopts)
{
    struct getopt_args g = {0};
    dm_opt_each(opts, add_getopt, &g);
    g.longs = calloc(g.nlong + 1, sizeof *g.longs);
    g.shorts = calloc(g.nshort + 2, 1);
    if (!g.longs || !g.shorts) {
        free(g.longs);
        free(g.shorts);
        return -1;
    }
    g.shorts[0] = ':';
    g.nlong = 0, g.nshort = 1;
    dm_opt_each(opts, add_getopt, &g);
    *longopts = g.longs;
    *shortopts = g.shorts;
    return 0;
}

/* ---- --help ---- */

/* Lines end by column 80; descriptions start at column 28 (after "  -x, --name VALUE"). */
enum { HELP_WIDTH = 80, HELP_COLUMN = 27, SUMMARY_COLUMN = 6 };

struct cursor {
    FILE *f;
    int at, indent;
};

/* Writes a word after a space, or on a new line (indented) if it would pass HELP_WIDTH. */
static void put_word(struct cursor *c, const char *w, int n)
{
    if (c->at > c->indent && c->at + 1 + n > HELP_WIDTH) {
        fprintf(c->f, "\n%*s", c->indent, "");
        c->at = c->indent;
    } else if (c->at > c->indent) {
        fputc(' ', c->f);
        c->at++;
    }
    fprintf(c->f, "%.*s", n, w);
    c->at += n;
}

static void put_words(struct cursor *c, const char *text)
{
    for (const char *p = text + strspn(text, " "); *p; p += strspn(p, " ")) {
        int n = (int)strcspn(p, " ");
        put_word(c, p, n);
        p += n;
    }
}

static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s", s);
}

/* "--name VALUE", "--progress=MODE", "--scheme mbr|gpt": an option as --help writes it. */
static const char *usage_of(const struct dm_opt *o, char *buf, size_t size)
{
    snprintf(buf, size, "--%s", o->name);
    if (takes_value(o))
        append(buf, size, o->flags & DM_OPT_EQUALS ? "=" : " ");
    if (o->arg)
        append(buf, size, o->arg);
    for (size_t i = 0; !o->arg && o->choices && o->choices[i]; i++) {
        if (i)
            append(buf, size, "|");
        append(buf, size, o->choices[i]);
    }
    return buf;
}

/* "  -y, --yes" padded to the description's column (or alone on its line when too long). */
static void print_option(FILE *f, const struct dm_opt *o, const char *help)
{
    char usage[256];
    struct cursor c = {f, HELP_COLUMN, HELP_COLUMN};
    usage_of(o, usage, sizeof usage);
    int n =
        is_short(o->code) ? fprintf(f, "  -%c, %s", o->code, usage) : fprintf(f, "      %s", usage);
    if (n >= HELP_COLUMN) /* no room left: the description starts on the next line */
        fputc('\n', f), n = 0;
    fprintf(f, "%*s", HELP_COLUMN - n, "");
    put_words(&c, help);
    fputc('\n', f);
}

static void summary_word(const struct dm_opt *o, void *ctx)
{
    char usage[256];
    usage_of(o, usage, sizeof usage);
    put_word(ctx, usage, (int)strlen(usage));
}

/* The heading, then the options' names filled into lines: the full text is elsewhere. */
static void print_summary(FILE *f, const struct dm_opt *t)
{
    struct cursor c = {f, SUMMARY_COLUMN, SUMMARY_COLUMN};
    fprintf(f, "%s\n%*s", t->help, SUMMARY_COLUMN, "");
    each_in(t->table, summary_word, &c);
    fputc('\n', f);
}

/* The walk --help and the generated documentation share (cli.h: dm_opt_walk). */
static void walk_table(const struct dm_opt *t, const struct dm_opt_visitor *v, void *ctx)
{
    for (; !is_end(t); t++) {
        if (t->kind == DM_KIND_GROUP)
            v->group(t->help, ctx);
        else if (t->kind == DM_KIND_TABLE && (t->flags & DM_OPT_SUMMARY) && v->summary)
            v->summary(t, ctx);
        else if (t->kind == DM_KIND_TABLE && (t->flags & DM_OPT_SUMMARY))
            v->group(t->help, ctx), walk_table(t->table, v, ctx);
        else if (t->kind == DM_KIND_TABLE)
            walk_table(t->table, v, ctx);
        else if (t->kind == DM_KIND_HELP_FOR && dm_opt_find(NULL, t->code))
            v->option(dm_opt_find(NULL, t->code), t->help, ctx);
        else if (t->help) /* an option without help is placed by DM_KIND_HELP_FOR */
            v->option(t, t->help, ctx);
    }
}

void dm_opt_walk(const struct dm_opt *opts, const struct dm_opt_visitor *v, void *ctx)
{
    walk_table(opts, v, ctx);
    walk_table(common_options, v, ctx);
}

static void help_group(const char *text, void *ctx) { fprintf(ctx, "%s\n", text); }

static void help_option(const struct dm_opt *o, const char *help, void *ctx)
{
    print_option(ctx, o, help);
}

static void help_summary(const struct dm_opt *t, void *ctx) { print_summary(ctx, t); }

void dm_print_options(const struct dm_opt *opts, FILE *f)
{
    static const struct dm_opt_visitor help = {help_group, help_option, help_summary};
    dm_opt_walk(opts, &help, f);
}

void dm_print_help(const struct dm_cmd *cmd, FILE *f)
{
    fputs(cmd->help->intro, f);
    dm_print_options(cmd->help->options, f);
    fputs(cmd->help->outro, f);
}

/* ---- parsing ---- */

static int common_option(const struct dm_cmd *cmd, int opt, const char *arg,
                         struct dm_common *common)
{
    enum dm_progress_mode mode;
    switch (opt) {
    case 'h':
        dm_print_help(cmd, stdout);
        return DM_PARSE_HELP;
    case 'q':
    case 'v':
        if (common->verbosity == (opt == 'q' ? DM_VERBOSE : DM_QUIET))
            return dm_usage_error(cmd, "--quiet and --verbose: one or the other");
        common->verbosity = opt == 'q' ? DM_QUIET : DM_VERBOSE;
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

/* One parse of a command's argv, and what judging each option needs. */
struct parse {
    const struct dm_cmd *cmd;
    char **argv;
    struct option *longs;
    char *shorts;
    const struct dm_opt **given; /* the value options given so far, and their values */
    const char **values;
    size_t ngiven;
};

/* What getopt_long refused ('?' or ':'), as the user wrote it: a long option ends its element
 * ("--name" or "--name=VALUE"), a short one may sit inside one ("-yZ"): named alone ("-Z"). */
static int refused(const struct parse *p, int opt, int before)
{
    const char *el = optind > before ? p->argv[optind - 1] : "";
    char letter[3] = {'-', (char)optopt, '\0'};
    int n = (int)strcspn(el, "=");
    if (strncmp(el, "--", 2) != 0)
        return opt == ':' ? dm_usage_error(p->cmd, "option '%s' needs a value", letter)
                          : dm_usage_error(p->cmd, "unknown option '%s'", letter);
    if (opt == ':')
        return dm_usage_error(p->cmd, "option '%.*s' needs a value", n, el);
    if (optopt) /* a known option given a value it does not take */
        return dm_usage_error(p->cmd, "option '%.*s' takes no value", n, el);
    return dm_usage_error(p->cmd, "unknown option '%s'", el);
}

/* Is v one of the command's options ("--yes", "--size=1G", "-y"), or "--"? */
static int names_option(const struct parse *p, const char *v)
{
    if (v[0] != '-' || !v[1])
        return 0;
    if (v[1] != '-')
        return !v[2] && v[1] != ':' && strchr(p->shorts, v[1]) != NULL;
    size_t n = strcspn(v + 2, "=");
    for (const struct option *o = p->longs; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, v + 2, n) == 0)
            return 1;
    return !v[2];
}

/* A value option given before: the value it had, or NULL. */
static const char *given_before(struct parse *p, const struct dm_opt *o)
{
    for (size_t i = 0; i < p->ngiven; i++)
        if (p->given[i] == o)
            return p->values[i];
    p->given[p->ngiven] = o, p->values[p->ngiven++] = optarg;
    return NULL;
}

/* The option getopt_long took (longindex: which long one, or -1), judged as cli.h says. */
static int judge(struct parse *p, int opt, int longindex)
{
    const struct dm_opt *o = dm_opt_find(p->cmd->help->options, opt);
    int separate = optarg && optarg == p->argv[optind - 1]; /* the value is an element */
    const char *el = p->argv[optind - 1 - separate], *before;
    int n = (int)strcspn(el, "=");
    if (longindex >= 0 && (size_t)n != strlen(p->longs[longindex].name) + 2)
        return dm_usage_error(p->cmd, "unknown option '%.*s' (options are not abbreviated: --%s?)",
                              n, el, p->longs[longindex].name);
    if (!optarg)
        return 0;
    if (separate && names_option(p, optarg))
        return dm_usage_error(p->cmd, "option '--%s' needs a value ('%s' is an option)", o->name,
                              optarg);
    if (!*optarg)
        return dm_usage_error(p->cmd, "--%s '': it is empty", o->name);
    if (!(o->flags & DM_OPT_REPEAT) && (before = given_before(p, o)) != NULL)
        return dm_usage_error(p->cmd, "--%s given twice ('%s' and '%s'): one at a time", o->name,
                              before, optarg);
    return 0;
}

static int parse_all(struct parse *p, int argc, dm_option_fn fn, void *ctx,
                     struct dm_common *common)
{
    int rc = 0, opt, longindex, before;
    optind = 0; /* not 1: glibc then forgets any earlier parse (the unit tests parse often) */
    opterr = 0;
    while (rc == 0) {
        before = optind ? optind : 1, longindex = -1;
        if ((opt = getopt_long(argc, p->argv, p->shorts, p->longs, &longindex)) == -1)
            break;
        if (opt == '?' || opt == ':')
            rc = refused(p, opt, before);
        else if ((rc = judge(p, opt, longindex)) != 0)
            ;
        else if (dm_opt_find(NULL, opt))
            rc = common_option(p->cmd, opt, optarg, common);
        else
            rc = fn(opt, optarg, ctx);
    }
    for (int i = optind; rc == 0 && i < argc; i++)
        if (!p->argv[i][0])
            rc = dm_usage_error(p->cmd, "an empty argument ('') where a name goes");
    return rc;
}

int dm_parse_options(const struct dm_cmd *cmd, int argc, char **argv, dm_option_fn fn, void *ctx,
                     struct dm_common *common, int *first)
{
    struct parse p = {.cmd = cmd,
                      .argv = argv,
                      .given = calloc((size_t)argc + 1, sizeof *p.given),
                      .values = calloc((size_t)argc + 1, sizeof *p.values)};
    *common = (struct dm_common){.verbosity = DM_NORMAL, .progress = DM_PROGRESS_AUTO};
    int rc = p.given && p.values ? opt_getopt(cmd->help->options, &p.longs, &p.shorts) : -1;
    rc = rc ? dm_error(DM_FAIL, "out of memory") : parse_all(&p, argc, fn, ctx, common);
    free(p.longs), free(p.shorts), free(p.given), free(p.values);
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
