/* Unit tests: every command's option table — each option is in its --help and taken by the
 * parser (long and short), no name or code is declared twice, the options part of --help fits
 * in 80 columns and names every choice; the walk the man pages take (dm_opt_walk in full) meets
 * every option once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "util/report.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_OPTIONS = 128 };

struct set {
    const struct dm_opt *o[MAX_OPTIONS];
    size_t n;
};

static void collect(const struct dm_opt *o, void *ctx)
{
    struct set *s = ctx;
    assert_true(s->n < MAX_OPTIONS);
    s->o[s->n++] = o;
}

static struct set whole_set(const struct dm_cmd *cmd)
{
    struct set s = {.n = 0};
    dm_opt_each(cmd->help->options, collect, &s);
    return s;
}

/* What dm_print_help (or dm_print_options) writes, as a string to free. */
static char *printed(const struct dm_cmd *cmd, int whole)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    if (whole)
        dm_print_help(cmd, f);
    else
        dm_print_options(cmd->help->options, f);
    fclose(f);
    return text;
}

/* "--name" as a whole word: not the start of a longer option's name (--remote, --remote-tool). */
static int names(const char *text, const char *name)
{
    char want[128];
    snprintf(want, sizeof want, "--%s", name);
    for (const char *p = strstr(text, want); p; p = strstr(p + 1, want)) {
        char next = p[strlen(want)];
        if (!(next >= 'a' && next <= 'z') && !(next >= '0' && next <= '9') && next != '-')
            return 1;
    }
    return 0;
}

static void test_every_option_in_help(void **state)
{
    (void)state;
    for (int i = 0; i < dm_command_count; i++) {
        const struct dm_cmd *cmd = &dm_commands[i];
        struct set s = whole_set(cmd);
        char *help = printed(cmd, 1);
        for (size_t k = 0; k < s.n; k++)
            if (!names(help, s.o[k]->name))
                fail_msg("dartmk %s --help does not show --%s", cmd->name, s.o[k]->name);
        free(help);
    }
}

static int record(int opt, const char *arg, void *ctx)
{
    (void)arg;
    *(int *)ctx = opt;
    return 0;
}

/* Parses "CMD OPTION [VALUE]" with stdout to /dev/null (--help prints); *got is the code the
 * command's function was handed, -1 when none. */
static int parse(const struct dm_cmd *cmd, const char *option, const char *value, int *got)
{
    char *argv[] = {(char *)cmd->name, (char *)option, (char *)value, NULL};
    struct dm_common common;
    int first, saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
    assert_true(saved >= 0 && null >= 0);
    fflush(stdout);
    dup2(null, STDOUT_FILENO);
    *got = -1;
    int rc = dm_parse_options(cmd, value ? 3 : 2, argv, record, got, &common, &first);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved), close(null);
    return rc;
}

/* The option, long or short, reaches the command with its code (the common ones do not). */
static void check_parsed(const struct dm_cmd *cmd, const struct dm_opt *o, const char *option)
{
    const char *value = o->choices ? o->choices[0] : o->arg ? "1" : NULL;
    int common = dm_opt_find(NULL, o->code) == o, got;
    int rc = parse(cmd, option, value, &got);
    if (rc != (o->code == 'h' ? DM_PARSE_HELP : 0) || got != (common ? -1 : o->code))
        fail_msg("dartmk %s %s: returned %d, the command got %d", cmd->name, option, rc, got);
}

static void test_every_option_parsed(void **state)
{
    (void)state;
    char option[128];
    for (int i = 0; i < dm_command_count; i++) {
        const struct dm_cmd *cmd = &dm_commands[i];
        struct set s = whole_set(cmd);
        for (size_t k = 0; k < s.n; k++) {
            snprintf(option, sizeof option, "--%s", s.o[k]->name);
            check_parsed(cmd, s.o[k], option);
            snprintf(option, sizeof option, "-%c", s.o[k]->code);
            if (s.o[k]->code < 0x80)
                check_parsed(cmd, s.o[k], option);
        }
        int got;
        assert_int_equal(parse(cmd, "--no-such-option", NULL, &got), DM_USAGE);
    }
}

static void test_declared_once(void **state)
{
    (void)state;
    for (int i = 0; i < dm_command_count; i++) {
        struct set s = whole_set(&dm_commands[i]);
        for (size_t a = 0; a < s.n; a++)
            for (size_t b = a + 1; b < s.n; b++)
                if (s.o[a]->code == s.o[b]->code || strcmp(s.o[a]->name, s.o[b]->name) == 0)
                    fail_msg("dartmk %s: --%s and --%s share a name or code", dm_commands[i].name,
                             s.o[a]->name, s.o[b]->name);
    }
}

static void test_options_fit_80_columns(void **state)
{
    (void)state;
    for (int i = 0; i < dm_command_count; i++) {
        char *text = printed(&dm_commands[i], 0), *save = NULL;
        assert_true(strlen(text) > 0);
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            if (strlen(line) > 80)
                fail_msg("dartmk %s --help: %zu columns: %s", dm_commands[i].name, strlen(line),
                         line);
        free(text);
    }
}

/* Options with a fixed list of values name each one in --help (man pages and completion will
 * take them from the table). */
static void test_choices_in_help(void **state)
{
    (void)state;
    int lists = 0;
    for (int i = 0; i < dm_command_count; i++) {
        struct set s = whole_set(&dm_commands[i]);
        char *text = printed(&dm_commands[i], 0);
        for (size_t k = 0; k < s.n; k++)
            for (size_t c = 0; s.o[k]->choices && s.o[k]->choices[c]; c++, lists++)
                if (!strstr(text, s.o[k]->choices[c]))
                    fail_msg("dartmk %s --help: --%s's '%s' is not shown", dm_commands[i].name,
                             s.o[k]->name, s.o[k]->choices[c]);
        free(text);
    }
    assert_true(lists > 0);
}

/* The writing commands summarise the build options; build describes them in full. */
static void test_build_options_summarised(void **state)
{
    (void)state;
    for (int i = 0; i < dm_command_count; i++) {
        char *help = printed(&dm_commands[i], 0);
        int summary = strstr(help, "see `dartmk build --help`") != NULL;
        int full = strstr(help, "  Recipe:\n") != NULL;
        if (names(help, "recipe"))
            assert_true(summary != full);
        if (strcmp(dm_commands[i].name, "build") == 0)
            assert_true(full);
        free(help);
    }
}

/* dm_opt_walk without a summary callback (the man pages): every option --help shows, the
 * summarised build options in full after their heading, each once; with one, the summary. */
struct walked {
    struct set options;
    int groups, summaries;
};

static void walk_group(const char *text, void *ctx)
{
    assert_non_null(text);
    ((struct walked *)ctx)->groups++;
}

static void walk_option(const struct dm_opt *o, const char *help, void *ctx)
{
    assert_non_null(help);
    collect(o, &((struct walked *)ctx)->options);
}

static void walk_summary(const struct dm_opt *t, void *ctx)
{
    assert_non_null(t->table);
    ((struct walked *)ctx)->summaries++;
}

static void test_walk_in_full(void **state)
{
    (void)state;
    static const struct dm_opt_visitor full = {walk_group, walk_option, NULL};
    static const struct dm_opt_visitor summarised = {walk_group, walk_option, walk_summary};
    int summarising = 0;
    for (int i = 0; i < dm_command_count; i++) {
        const struct dm_cmd *cmd = &dm_commands[i];
        struct walked w = {.groups = 0}, s = {.groups = 0};
        struct set all = whole_set(cmd);
        dm_opt_walk(cmd->help->options, &full, &w);
        dm_opt_walk(cmd->help->options, &summarised, &s);
        assert_int_equal(w.summaries, 0);
        /* Every option the parser takes is walked once (--help places each one somewhere). */
        assert_int_equal(w.options.n, all.n);
        for (size_t k = 0; k < all.n; k++) {
            size_t seen = 0;
            for (size_t j = 0; j < w.options.n; j++)
                seen += w.options.o[j] == all.o[k];
            assert_int_equal(seen, 1);
        }
        /* Summarised: the build options are a summary, not options and headings. */
        if (s.summaries)
            assert_true(w.options.n > s.options.n && w.groups > s.groups);
        else
            assert_true(w.options.n == s.options.n && w.groups == s.groups);
        summarising += s.summaries > 0;
    }
    assert_true(summarising > 0); /* usb, iso, partition, pxe */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option_in_help),
        cmocka_unit_test(test_every_option_parsed),
        cmocka_unit_test(test_declared_once),
        cmocka_unit_test(test_options_fit_80_columns),
        cmocka_unit_test(test_choices_in_help),
        cmocka_unit_test(test_build_options_summarised),
        cmocka_unit_test(test_walk_in_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
