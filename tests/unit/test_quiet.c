/* Unit tests: the library does not print. With no events bound, a failing source open, a refused
 * disk and a long copy with progress write nothing to stdout or stderr; with events bound but no
 * callbacks, the first error is still kept on them (code and detail); a capture holds lines back
 * until replayed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "device/claim.h"
#include "source/source.h"
#include "util/copy.h"
#include "util/progress.h"
#include "util/report.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fds 1 and 2 sent to files while a test runs, to see whether anything was written there. */
struct saved {
    int out, err, fout, ferr;
    char pout[64], perr[64];
};

static void silence_begin(struct saved *s)
{
    fflush(NULL);
    strcpy(s->pout, "/tmp/test_quiet.out.XXXXXX");
    strcpy(s->perr, "/tmp/test_quiet.err.XXXXXX");
    s->fout = mkstemp(s->pout), s->ferr = mkstemp(s->perr);
    assert_true(s->fout >= 0 && s->ferr >= 0);
    s->out = dup(1), s->err = dup(2);
    dup2(s->fout, 1), dup2(s->ferr, 2);
}

/* Puts fds 1 and 2 back; returns the number of bytes written to them meanwhile. */
static off_t silence_end(struct saved *s)
{
    fflush(NULL);
    dup2(s->out, 1), dup2(s->err, 2);
    close(s->out), close(s->err);
    off_t n = lseek(s->fout, 0, SEEK_END) + lseek(s->ferr, 0, SEEK_END);
    close(s->fout), close(s->ferr);
    unlink(s->pout), unlink(s->perr);
    return n;
}

static void test_failing_source_open(void **state)
{
    (void)state;
    struct saved s;
    struct dm_tree *t = NULL;
    enum dm_source_kind kind;
    dm_events_bind(NULL);
    silence_begin(&s);
    int rc = dm_source_open("/nonexistent/dartmk-media", &t, &kind);
    assert_int_equal(silence_end(&s), 0);
    assert_int_equal(rc, DM_FAIL);
    assert_null(t);
}

static void test_refused_disk(void **state)
{
    (void)state;
    struct saved s;
    char img[] = "/tmp/test_quiet.img.XXXXXX";
    int fd = mkstemp(img);
    assert_true(fd >= 0 && ftruncate(fd, 8 << 20) == 0);
    close(fd);
    /* The SOURCE given as the target: refused before anything is opened. */
    struct dm_claim_rules r = {.source = img, .what = "erased"};
    struct dm_claim c;
    dm_events_bind(NULL);
    silence_begin(&s);
    int rc = dm_claim_probe(img, &r, &c);
    assert_int_equal(silence_end(&s), 0);
    assert_int_equal(rc, DM_REFUSED);
    dm_claim_free(&c);
    unlink(img);
}

static void test_long_copy(void **state)
{
    (void)state;
    struct saved s;
    char src[] = "/tmp/test_quiet.src.XXXXXX", dst[] = "/tmp/test_quiet.dst.XXXXXX";
    int in = mkstemp(src), out = mkstemp(dst);
    assert_true(in >= 0 && out >= 0 && ftruncate(in, 64 << 20) == 0);
    close(in);
    struct dm_stream *st = NULL;
    assert_int_equal(dm_host_stream_open(src, &st), 0);
    struct dm_progress p;
    dm_events_bind(NULL);
    silence_begin(&s);
    dm_progress_begin(&p, "copying", 64 << 20);
    uint64_t got = 0;
    int rc = dm_copy_stream(st, out, dst, NULL, &p, 0, &got);
    dm_progress_end(&p);
    assert_int_equal(silence_end(&s), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(got, 64 << 20);
    assert_int_equal(lseek(out, 0, SEEK_END), 64 << 20);
    dm_stream_close(st);
    close(out);
    unlink(src), unlink(dst);
}

/* Events without callbacks: nothing shown, the first error kept as the run's detail. */
static void test_detail_kept(void **state)
{
    (void)state;
    struct saved s;
    struct dm_events e = {0};
    struct dm_tree *t = NULL;
    enum dm_source_kind kind;
    dm_events_bind(&e);
    silence_begin(&s);
    dm_warn("a warning");
    dm_source_open("/nonexistent/first", &t, &kind);
    dm_error(DM_REFUSED, "a later error");
    assert_int_equal(silence_end(&s), 0);
    dm_events_bind(NULL);
    assert_int_equal(e.code, DM_FAIL);
    assert_string_equal(e.detail, "/nonexistent/first: no such file or directory");
    assert_string_equal(dm_strerror(e.code), "failed");
    assert_string_equal(dm_strerror(DM_REFUSED), "refused for safety");
}

struct seen {
    int n;
    char last[256];
    enum dm_level level;
};

static void record(void *ctx, enum dm_level level, const char *text)
{
    struct seen *s = ctx;
    s->n++, s->level = level;
    snprintf(s->last, sizeof s->last, "%s", text);
}

/* Lines held back by a capture reach the events only when replayed; control characters are
 * escaped so that a line stays one line. */
static void test_capture(void **state)
{
    (void)state;
    struct seen seen = {0};
    struct dm_events e = {.message = record, .ctx = &seen};
    struct dm_capture c;
    dm_events_bind(&e);
    dm_capture_begin(&c);
    dm_error(DM_FAIL, "bad\nname");
    dm_capture_end(&c);
    assert_int_equal(seen.n, 0);
    assert_int_equal(e.code, 0);
    dm_capture_replay(&c);
    dm_capture_free(&c);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.level, DM_LEVEL_ERROR);
    assert_string_equal(seen.last, "bad\\x0Aname");
    assert_int_equal(e.code, DM_FAIL);
    dm_debug("not wanted");
    assert_int_equal(seen.n, 1);
    e.debug = 1;
    dm_debug("wanted");
    assert_int_equal(seen.n, 2);
    dm_events_bind(NULL);
}

/* Bytes that are not UTF-8 and C1 controls (a CSI, in UTF-8 or not) are shown as \xNN too; UTF-8
 * text stays as it is. */
static void test_escape(void **state)
{
    (void)state;
    char *line = dm_escape_line("caf\xc3\xa9 \xff \xc2\x9b[2J \x9b \xc0\x80 \xe2\x82");
    assert_string_equal(line, "caf\xc3\xa9 \\xFF \\xC2\\x9B[2J \\x9B \\xC0\\x80 \\xE2\\x82");
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failing_source_open),
        cmocka_unit_test(test_refused_disk),
        cmocka_unit_test(test_long_copy),
        cmocka_unit_test(test_detail_kept),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
