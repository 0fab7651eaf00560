/* test_recipe.c — recipes (set, merge, print, read back) and the checks of dm_image_plan that
 * need no files: numbers, remote connection rules, SOURCE_DATE_EPOCH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "image/image.h"
#include "image/image_internal.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *printed(const struct dm_recipe *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    dm_recipe_print(r, f);
    fclose(f);
    return buf;
}

static void test_set_and_unknown(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    assert_int_equal(dm_recipe_set(&r, "expire-days", "5"), 0);
    assert_int_equal(dm_recipe_set(&r, "expire-days", "7"), 0); /* a scalar is replaced */
    assert_string_equal(r.expire_days, "7");
    assert_int_equal(dm_recipe_set(&r, "tool", "A=/a"), 0);
    assert_int_equal(dm_recipe_set(&r, "tool", "B=/b"), 0); /* a list grows */
    assert_int_equal(r.tools.n, 2);
    assert_int_equal(dm_recipe_set(&r, "colour", "blue"), 1);
    dm_recipe_free(&r);
}

static void test_relative_paths(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    dm_recipe_set_in(&r, "tool", "Disk Commander=tools/dc", "/base");
    dm_recipe_set_in(&r, "tool", "Abs=/opt/x.exe:helpdesk", "/base");
    dm_recipe_set_in(&r, "driver", "drv/net.inf", "/base");
    dm_recipe_set_in(&r, "add-files", "files=Program Files/X", "/base");
    dm_recipe_set_in(&r, "debugging-tools", "target", "/base");
    dm_recipe_set_in(&r, "remote-message", "@msg.txt", "/base");
    dm_recipe_set_in(&r, "expire-days", "3", "/base");
    assert_string_equal(r.tools.v[0], "Disk Commander=/base/tools/dc");
    assert_string_equal(r.tools.v[1], "Abs=/opt/x.exe:helpdesk");
    assert_string_equal(r.drivers.v[0], "/base/drv/net.inf");
    assert_string_equal(r.add_files.v[0], "/base/files=Program Files/X");
    assert_string_equal(r.debugging_tools, "target");
    assert_string_equal(r.remote_message, "@/base/msg.txt");
    assert_string_equal(r.expire_days, "3");
    dm_recipe_free(&r);
}

static void test_merge_command_line_wins(void **state)
{
    (void)state;
    struct dm_recipe file = {0}, cli = {0};
    dm_recipe_set(&file, "expire-days", "90");
    dm_recipe_set(&file, "remote-port", "4000");
    dm_recipe_set(&file, "tool", "A=/a");
    dm_recipe_set(&file, "tool", "B=/b");
    dm_recipe_set(&file, "driver", "/d");
    dm_recipe_set(&cli, "expire-days", "30");
    dm_recipe_set(&cli, "tool", "C=/c");
    dm_recipe_merge(&file, &cli);
    assert_string_equal(file.expire_days, "30");
    assert_string_equal(file.remote_port, "4000");
    assert_int_equal(file.tools.n, 1); /* the command line's list replaces the recipe's */
    assert_string_equal(file.tools.v[0], "C=/c");
    assert_int_equal(file.drivers.n, 1);
    dm_recipe_free(&file);
    dm_recipe_free(&cli);
}

static void test_print_read_round_trip(void **state)
{
    (void)state;
    struct dm_recipe r = {0}, back = {0};
    dm_recipe_set(&r, "image-index", "1");
    dm_recipe_set(&r, "remote", "yes");
    dm_recipe_set(&r, "remote-tool", "Remote");
    dm_recipe_set(&r, "remote-message", "Call the help desk\nExtension 100");
    dm_recipe_set(&r, "tool", "Disk Commander=/opt/dc");
    dm_recipe_set(&r, "tool", "Remote=/opt/r.exe");
    dm_recipe_set(&r, "add-files", "/srv/x=Tools/X");
    char *text = printed(&r);
    assert_non_null(strstr(text, "[build]\n"));
    assert_non_null(strstr(text, "tool = Disk Commander=/opt/dc\n"));
    char path[] = "/tmp/test_recipe.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(dm_recipe_read(&back, path), 0);
    char *again = printed(&back);
    assert_string_equal(again, text);
    assert_string_equal(back.remote_message, "Call the help desk\nExtension 100");
    unlink(path);
    free(text), free(again);
    dm_recipe_free(&r);
    dm_recipe_free(&back);
}

static void test_read_errors(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    char path[] = "/tmp/test_recipe.XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "[build]\nexpire-days = 3\ncolour = blue\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
    close(fd);
    assert_int_equal(dm_recipe_read(&r, path), DM_USAGE);
    dm_recipe_free(&r);
    unlink(path);
    assert_int_equal(dm_recipe_read(&r, "/nonexistent/recipe.ini"), DM_FAIL);
    dm_recipe_free(&r);
}

/* The lines reported while reading a recipe: how many, and the last. */
struct heard {
    int lines;
    char last[512];
};

static void hear(void *ctx, enum dm_level level, const char *text)
{
    struct heard *h = ctx;
    (void)level;
    h->lines++;
    snprintf(h->last, sizeof h->last, "%s", text);
}

/* dm_recipe_read of a file holding `len` bytes of `text`; the file's name in `path`. */
static int read_text(const char *text, size_t len, struct dm_recipe *r, struct heard *h,
                     char path[static 24])
{
    strcpy(path, "/tmp/test_recipe.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    struct dm_events e = {.message = hear, .ctx = h};
    struct dm_events *before = dm_events_bind(&e);
    *h = (struct heard){0};
    int rc = dm_recipe_read(r, path);
    dm_events_bind(before);
    unlink(path);
    return rc;
}

/* libinih (Debian's, INI_MAX_LINE 200) cuts a longer line in two and reads its tail as a line of
 * its own: a line it cannot read whole is refused, naming the file and the line. */
static void test_read_long_lines(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    struct heard h;
    char path[24], text[512], want[64];
    /* 198 bytes: the longest line, read whole. */
    int n = snprintf(text, sizeof text, "[build]\nremote-message = %0181d\nexpire-days = 2\n", 7);
    assert_int_equal(read_text(text, (size_t)n, &r, &h, path), 0);
    assert_int_equal(h.lines, 0);
    assert_int_equal(strlen(r.remote_message), 181);
    assert_string_equal(r.expire_days, "2");
    dm_recipe_free(&r);
    /* 199 bytes: over the limit (libinih's fgets reads 199 bytes, the line end included). */
    n = snprintf(text, sizeof text, "[build]\nremote-message = %0182d\n", 7);
    assert_int_equal(read_text(text, (size_t)n, &r, &h, path), DM_USAGE);
    assert_int_equal(h.lines, 1);
    snprintf(want, sizeof want, "%s:2: longer than 198 bytes", path);
    assert_non_null(strstr(h.last, want));
    assert_null(r.remote_message);
    dm_recipe_free(&r);
    /* A line whose tail, past 199 bytes, libinih would read as "expire-days = 1". */
    n = snprintf(text, sizeof text, "[build]\nremote-message = %0182dexpire-days = 1\n", 7);
    assert_int_equal(read_text(text, (size_t)n, &r, &h, path), DM_USAGE);
    assert_int_equal(h.lines, 1);
    snprintf(want, sizeof want, "%s:2: longer than 198 bytes", path);
    assert_non_null(strstr(h.last, want));
    assert_null(r.expire_days);
    assert_null(r.remote_message);
    dm_recipe_free(&r);
    /* The last line, without a line end, too. */
    n = snprintf(text, sizeof text, "[build]\n\n; note\nremote-message = %0182d", 7);
    assert_int_equal(read_text(text, (size_t)n, &r, &h, path), DM_USAGE);
    snprintf(want, sizeof want, "%s:4: longer than 198 bytes", path);
    assert_non_null(strstr(h.last, want));
    dm_recipe_free(&r);
}

/* A NUL would end the value early ("3<NUL>0" read as 3 days). */
/* Values --print-recipe cannot write so that libinih reads them back (found by fuzz_recipe):
 * "remote = ;" reads as an empty value (" ;" starts a comment), a continuation line "    #x" as
 * a comment line. It warns for each, and writes exact values without a word. */
static void test_print_warns_inexact(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value;
        int warns;
    } cases[] = {
        {"remote", ";", 1},
        {"remote-message", ";first", 1},
        {"remote-message", "one\n;two", 1},
        {"remote-message", "one\n#two", 1},
        {"remote-message", "#one\ntwo", 0},
        {"remote-message", "a;b\nc#d", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct dm_recipe r = {0};
        struct heard h = {0};
        struct dm_events e = {.message = hear, .ctx = &h};
        dm_recipe_set(&r, cases[i].key, cases[i].value);
        struct dm_events *before = dm_events_bind(&e);
        free(printed(&r));
        dm_events_bind(before);
        if (h.lines != cases[i].warns)
            fail_msg("%s = '%s': %d warnings, %d expected", cases[i].key, cases[i].value, h.lines,
                     cases[i].warns);
        if (cases[i].warns)
            assert_non_null(strstr(h.last, "cannot be written exactly"));
        dm_recipe_free(&r);
    }
}

static void test_read_nul(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    struct heard h;
    char path[24], want[64];
    static const char text[] = "[build]\ntool = A=/a\nexpire-days = 3\0"
                               "0\n";
    assert_int_equal(read_text(text, sizeof text - 1, &r, &h, path), DM_USAGE);
    assert_int_equal(h.lines, 1);
    snprintf(want, sizeof want, "%s:3: a NUL byte", path);
    assert_non_null(strstr(h.last, want));
    assert_null(r.expire_days);
    assert_int_equal(r.tools.n, 0);
    dm_recipe_free(&r);
}

/* A long message continues on indented lines, each short enough: 2048 characters in 16 lines. */
static void test_read_continued_message(void **state)
{
    (void)state;
    struct dm_recipe r = {0};
    struct heard h;
    char path[24], msg[2049], text[4096], *t = text;
    for (int i = 0; i < 16; i++)
        snprintf(msg + 128 * i, sizeof msg - 128 * (size_t)i, "%03d%0124d\n", i, i);
    msg[2047] = '.', msg[2048] = '\0'; /* the last line's end is a character of the message */
    t += sprintf(t, "[build]\nremote-message = ");
    for (const char *line = msg; *line;) {
        size_t n = strcspn(line, "\n");
        t += sprintf(t, "%s%.*s\n", line == msg ? "" : "    ", (int)n, line);
        line += n + (line[n] == '\n');
    }
    t += sprintf(t, "expire-days = 5\n");
    assert_int_equal(read_text(text, (size_t)(t - text), &r, &h, path), 0);
    assert_int_equal(h.lines, 0);
    assert_string_equal(r.remote_message, msg);
    assert_int_equal(strlen(r.remote_message), 2048);
    assert_string_equal(r.expire_days, "5");
    dm_recipe_free(&r);
}

/* dm_image_plan of a recipe holding one key=value pair (and optional others). */
static int plan_of(const char *const *kv, struct dm_image_plan *p)
{
    struct dm_recipe r = {0};
    for (; kv[0]; kv += 2)
        dm_recipe_set(&r, kv[0], kv[1]);
    int rc = dm_image_plan(&r, p);
    dm_recipe_free(&r);
    return rc;
}

static void test_plan_numbers(void **state)
{
    (void)state;
    struct dm_image_plan p;
    static const char *const bad[] = {"0", "-1", "abc", "36501", "1x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *kv[] = {"expire-days", bad[i], NULL};
        assert_int_equal(plan_of(kv, &p), DM_USAGE);
        dm_image_plan_free(&p);
    }
    const char *ok[] = {"expire-days", "36500", "image-index", "2", NULL};
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(plan_of(ok, &p), 0);
    assert_int_equal(p.expire_days, 36500);
    assert_int_equal(p.image_index, 2);
    assert_int_equal(p.built, 1700000000);
    assert_true(p.customise);
    dm_image_plan_free(&p);
    setenv("SOURCE_DATE_EPOCH", "soon", 1);
    assert_int_equal(plan_of(ok, &p), DM_USAGE);
    dm_image_plan_free(&p);
    unsetenv("SOURCE_DATE_EPOCH");
    const char *none[] = {"image-index", "1", NULL};
    assert_int_equal(plan_of(none, &p), 0);
    assert_false(p.customise); /* choosing an image changes nothing in it */
    dm_image_plan_free(&p);
}

static void test_plan_remote_rules(void **state)
{
    (void)state;
    struct dm_image_plan p;
    const char *port_alone[] = {"remote-port", "4000", NULL};
    const char *no_tool[] = {"remote", "yes", NULL};
    const char *bad_bool[] = {"remote", "maybe", NULL};
    const char *port0[] = {"remote", "yes", "remote-port", "0", NULL};
    const char *port_big[] = {"remote", "yes", "remote-port", "70000", NULL};
    const char *unknown_tool[] = {"remote", "yes", "remote-tool", "Nope", NULL};
    const char *off[] = {"remote", "no", NULL};
    const char *const *usage[] = {port_alone, no_tool, bad_bool, port0, port_big, unknown_tool};
    for (size_t i = 0; i < sizeof usage / sizeof *usage; i++) {
        assert_int_equal(plan_of(usage[i], &p), DM_USAGE);
        dm_image_plan_free(&p);
    }
    assert_int_equal(plan_of(off, &p), 0);
    assert_false(p.remote);
    dm_image_plan_free(&p);
}

static void test_plan_message_length(void **state)
{
    (void)state;
    struct dm_image_plan p;
    char exe[] = "/tmp/test_recipe_XXXXXX.exe", tool[64], msg[4200];
    int fd = mkstemps(exe, 4);
    assert_true(fd >= 0);
    close(fd);
    snprintf(tool, sizeof tool, "R=%s", exe);
    const char *kv[] = {"remote",         "yes", "remote-tool", "R", "tool", tool,
                        "remote-message", msg,   NULL};
    /* 2048 characters of two bytes each (é): the limit counts characters, not bytes. */
    for (int i = 0; i < 2048; i++)
        memcpy(msg + 2 * i, "\xc3\xa9", 2);
    msg[4096] = '\0';
    assert_int_equal(plan_of(kv, &p), 0);
    assert_int_equal(p.remote_port, 3388);
    assert_int_equal(p.remote_tool, 0);
    dm_image_plan_free(&p);
    memset(msg, 'x', 2049);
    msg[2049] = '\0';
    assert_int_equal(plan_of(kv, &p), DM_USAGE);
    dm_image_plan_free(&p);
    unlink(exe);
}

/* Names that go into the image: UTF-8 as wimlib reads it (no overlong forms, surrogates or code
 * points past U+10FFFF), without control characters. */
static void test_name_fault(void **state)
{
    (void)state;
    static const char *const good[] = {"Disk Commander",   "R&D 100%",
                                       "caf\xc3\xa9",      "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\x98\x80", ""};
    static const char *const bad_utf8[] = {"\xff\xfe",
                                           "A\xff"
                                           "B",
                                           "\xc0\xaf",
                                           "\xe0\x80\xaf",
                                           "\xed\xa0\x80",
                                           "\xf4\x90\x80\x80",
                                           "\xc3",
                                           "\xe6\x97",
                                           "\x80"};
    static const char *const control[] = {"a\nb", "\x1b[31m", "x\x7f", "\t"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_null(dm_image_name_fault(good[i]));
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof *bad_utf8; i++)
        assert_string_equal(dm_image_name_fault(bad_utf8[i]), "is not valid UTF-8");
    for (size_t i = 0; i < sizeof control / sizeof *control; i++)
        assert_string_equal(dm_image_name_fault(control[i]), "holds a control character");
    /* Refused by the plan before any path is looked at (the paths here do not exist). */
    struct dm_image_plan p;
    const char *tool[] = {"tool", "\xff\xfe=/nonexistent", NULL};
    const char *dest[] = {"add-files", "/nonexistent=Extra/\xc0\xaf", NULL};
    const char *dest_nl[] = {"add-files", "/nonexistent=Extra\nEvil", NULL};
    const char *const *usage[] = {tool, dest, dest_nl};
    for (size_t i = 0; i < sizeof usage / sizeof *usage; i++) {
        assert_int_equal(plan_of(usage[i], &p), DM_USAGE);
        dm_image_plan_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_unknown),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_merge_command_line_wins),
        cmocka_unit_test(test_print_read_round_trip),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_read_long_lines),
        cmocka_unit_test(test_read_nul),
        cmocka_unit_test(test_print_warns_inexact),
        cmocka_unit_test(test_read_continued_message),
        cmocka_unit_test(test_plan_numbers),
        cmocka_unit_test(test_plan_remote_rules),
        cmocka_unit_test(test_plan_message_length),
        cmocka_unit_test(test_name_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
