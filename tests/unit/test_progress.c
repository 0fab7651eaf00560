/* Unit tests: the progress bar and JSON lines, sizes, mode parsing, throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/view.h"
#include "util/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double fake_time;
static double fake_clock(void) { return fake_time; }

static void test_format_size(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(dm_format_size(b, sizeof b, 0), "0 B");
    assert_string_equal(dm_format_size(b, sizeof b, 1023), "1023 B");
    assert_string_equal(dm_format_size(b, sizeof b, 1536), "1.5 KiB");
    assert_string_equal(dm_format_size(b, sizeof b, 300ull << 20), "300.0 MiB");
    assert_string_equal(dm_format_size(b, sizeof b, 5ull << 30), "5.0 GiB");
}

static void test_parse_mode(void **state)
{
    (void)state;
    enum dm_progress_mode m;
    assert_int_equal(dm_progress_parse_mode("json", &m), 0);
    assert_int_equal(m, DM_PROGRESS_JSON);
    assert_int_equal(dm_progress_parse_mode("bar", &m), 0);
    assert_int_equal(m, DM_PROGRESS_BAR);
    assert_int_equal(dm_progress_parse_mode("JSON", &m), -1);
    assert_int_equal(dm_progress_parse_mode("", &m), -1);
}

static void test_bar_line(void **state)
{
    (void)state;
    struct dm_progress p = {.label = "copy", .total = 100 << 20, .done = 50 << 20, .start = 0};
    char line[256];
    dm_progress_format_bar(line, sizeof line, &p, 10.0, 200, 0);
    /* Half done in 10 s at 5 MiB/s: 10 s left. */
    assert_non_null(strstr(line, "copy [############------------]  50%"));
    assert_non_null(strstr(line, " 50.0 / 100.0 MiB"));
    assert_non_null(strstr(line, "5.0 MiB/s"));
    assert_non_null(strstr(line, "0:10 left"));
}

static void test_bar_unknown_total(void **state)
{
    (void)state;
    struct dm_progress p = {.label = "scan", .total = 0, .done = 4096, .start = 0};
    char line[256];
    dm_progress_format_bar(line, sizeof line, &p, 0.0, 200, 0);
    assert_non_null(strstr(line, "--:-- left"));
}

/* At every width from 200 down to 2 the line fits in width - 1 columns, and the fields go in
 * their order: the rate, then the time left, then the bar, then the sizes. */
static void test_bar_fits_every_width(void **state)
{
    (void)state;
    struct dm_progress p = {
        .label = "writing the FAT volume", .total = 400ull << 20, .done = 123ull << 20, .start = 0};
    char line[512];
    int had_rate = 1, had_eta = 1, had_bar = 1, had_sizes = 1;
    for (int w = 200; w >= 2; w--) {
        dm_progress_format_bar(line, sizeof line, &p, 7.0, w, 0);
        assert_true((int)strlen(line) <= w - 1);
        int rate = strstr(line, "/s") != NULL, eta = strstr(line, "left") != NULL;
        int bar = strchr(line, '[') != NULL, sizes = strstr(line, " / ") != NULL;
        assert_true(rate <= had_rate && eta <= had_eta && bar <= had_bar && sizes <= had_sizes);
        assert_true(!rate || eta);  /* the rate goes first */
        assert_true(!eta || bar);   /* then the time left */
        assert_true(!bar || sizes); /* then the bar, then the sizes */
        had_rate = rate, had_eta = eta, had_bar = bar, had_sizes = sizes;
        if (w == 200)
            assert_true(rate && eta && bar && sizes);
        if (w == 90) /* all but the rate */
            assert_string_equal(line, "writing the FAT volume [#######-----------------]  30% "
                                      "123.0 / 400.0 MiB   0:15 left");
        if (w == 80) /* 80 columns: the bar and the sizes */
            assert_string_equal(line, "writing the FAT volume [#######-----------------]  30% "
                                      "123.0 / 400.0 MiB");
        if (w == 60) /* 60: the bar shrinks, the sizes stay */
            assert_string_equal(line,
                                "writing the FAT volume [###--------]  30% 123.0 / 400.0 MiB");
    }
}

/* The last line of a stage says how long it took. */
static void test_bar_final_line(void **state)
{
    (void)state;
    struct dm_progress p = {.label = "verifying", .total = 1 << 20, .done = 1 << 20, .start = 0};
    char line[256];
    dm_progress_format_bar(line, sizeof line, &p, 75.0, 80, 1);
    assert_non_null(strstr(line, "100% 1.0 / 1.0 MiB"));
    assert_non_null(strstr(line, "took  1:15"));
    assert_null(strstr(line, "left"));
}

static void test_width_from_columns(void **state)
{
    (void)state;
    setenv("COLUMNS", "63", 1);
    assert_int_equal(dm_view_width(NULL), 63);
    setenv("COLUMNS", "63x", 1);
    assert_int_equal(dm_view_width(NULL), 80);
    unsetenv("COLUMNS");
    assert_int_equal(dm_view_width(NULL), 80);
}

static void test_json_line(void **state)
{
    (void)state;
    struct dm_progress p = {.label = "write", .total = 1000, .done = 250, .start = 0};
    char line[256];
    dm_progress_format_json(line, sizeof line, &p, 1.0, "update");
    assert_string_equal(line, "{\"event\":\"update\",\"task\":\"write\",\"done\":250,"
                              "\"total\":1000,\"rate\":250,\"eta\":3}");
}

static void test_json_mode_throttles(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct dm_view v;
    dm_view_start(&v, DM_NORMAL, DM_PROGRESS_JSON, f);
    dm_progress_set_clock(fake_clock);
    struct dm_progress p;
    fake_time = 100.0;
    dm_progress_begin(&p, "t", 10);
    for (int i = 1; i <= 9; i++) {
        fake_time += 0.25; /* four updates a second: one line a second gets out */
        dm_progress_update(&p, (uint64_t)i);
    }
    dm_progress_end(&p);
    fclose(f);
    int lines = 0;
    for (char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1 + 2 + 1); /* begin, at 1.0 s and 2.0 s, end */
    assert_non_null(strstr(buf, "\"event\":\"end\""));
    free(buf);
    dm_progress_set_clock(NULL);
    dm_events_bind(NULL);
}

static void test_auto_mode_is_silent_in_pipes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len); /* not a terminal */
    struct dm_view v;
    dm_view_start(&v, DM_NORMAL, DM_PROGRESS_AUTO, f);
    struct dm_progress p;
    dm_progress_begin(&p, "t", 10);
    dm_progress_update(&p, 5);
    dm_progress_end(&p);
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
    dm_events_bind(NULL);
}

/* The library with no events bound: progress goes nowhere (and nothing breaks). */
static void test_no_events_no_output(void **state)
{
    (void)state;
    dm_events_bind(NULL);
    struct dm_progress p;
    dm_progress_begin(&p, "t", 10);
    dm_progress_update(&p, 5);
    dm_progress_end(&p);
    assert_int_equal(p.done, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_parse_mode),
        cmocka_unit_test(test_bar_line),
        cmocka_unit_test(test_bar_unknown_total),
        cmocka_unit_test(test_bar_fits_every_width),
        cmocka_unit_test(test_bar_final_line),
        cmocka_unit_test(test_width_from_columns),
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_json_mode_throttles),
        cmocka_unit_test(test_auto_mode_is_silent_in_pipes),
        cmocka_unit_test(test_no_events_no_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
