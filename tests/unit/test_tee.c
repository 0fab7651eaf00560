/* Unit tests: the tee (util/tee.h) — several writer threads reading one tree's files through a
 * ring smaller than the files: every byte right in every writer, each file opened on the tree
 * once, a writer that stops early not holding the others back, a source that fails failing them
 * all, and threads that did not join reading the tree as always. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/tee.h"

#include "../tools/synthtree.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_int opens;
static const char *fail_on; /* a path whose open fails, or NULL */

static int counting_open(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    atomic_fetch_add(&opens, 1);
    if (fail_on && strcmp(e->path, fail_on) == 0)
        return dm_error(DM_FAIL, "%s: cannot read", e->path);
    return synth_open(t, e, out);
}

static const struct dm_tree_ops counting_ops = {.name = "counting", .open = counting_open};

static const char manifest[] = "a.bin\t3000000\n"
                               "b/c.bin\t100000\n"
                               "b/d.bin\t5000001\n"
                               "e.bin\t1\n";

static struct dm_tree *tree(void)
{
    struct dm_tree *t = synth_tree(manifest, sizeof manifest - 1, 100, UINT64_MAX);
    assert_non_null(t);
    t->ops = &counting_ops;
    atomic_store(&opens, 0);
    return t;
}

struct writer {
    struct dm_tee *tee;
    struct dm_tree *t;
    size_t i, chunk;
    size_t stop_after; /* bytes of the first file read before it stops (0: reads everything) */
    int files, bad_bytes, rc;
};

/* Reads every file of the tree (as the FAT writer does: open, read to the end, close). */
static int read_file(struct writer *w, const struct dm_entry *e, uint8_t *buf)
{
    struct dm_stream *s = NULL;
    int rc = dm_tree_open(w->t, e, &s);
    uint64_t got = 0;
    while (rc == 0) {
        ssize_t n = dm_stream_read(s, buf, w->chunk);
        if (n < 0)
            rc = DM_FAIL;
        if (n <= 0)
            break;
        for (ssize_t k = 0; k < n; k++)
            w->bad_bytes += buf[k] != synth_byte(synth_seed(e->path), got + (uint64_t)k);
        got += (uint64_t)n;
        if (w->stop_after && got >= w->stop_after)
            break;
    }
    if (s)
        dm_stream_close(s);
    if (rc == 0 && !w->stop_after && got != e->size)
        rc = DM_FAIL;
    return rc;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    uint8_t *buf = malloc(w->chunk);
    dm_tee_join(w->tee, w->i);
    for (size_t k = 0; buf && w->rc == 0 && k < w->t->count; k++) {
        const struct dm_entry *e = &w->t->entries[k];
        if (e->kind != DM_ENTRY_FILE)
            continue;
        w->rc = read_file(w, e, buf);
        w->files++;
        if (w->stop_after)
            break;
    }
    dm_tee_leave();
    free(buf);
    return NULL;
}

/* Runs n writers (chunk sizes differ) over t through a tee of `ring` bytes; returns the tee's
 * exit code. */
static int run(struct dm_tree *t, struct writer *w, size_t n, size_t ring)
{
    struct dm_tee *tee = NULL;
    pthread_t th[8];
    assert_int_equal(dm_tee_start(t, n, ring, &tee), 0);
    for (size_t i = 0; i < n; i++) {
        w[i].tee = tee, w[i].t = t, w[i].i = i;
        w[i].chunk = w[i].chunk ? w[i].chunk : 4096 + 7777 * i;
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    return dm_tee_end(tee);
}

static void test_tee_every_writer_every_byte_one_open(void **state)
{
    (void)state;
    struct dm_tree *t = tree();
    struct writer w[3] = {0};
    assert_int_equal(run(t, w, 3, 65536), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(w[i].rc, 0);
        assert_int_equal(w[i].files, 4);
        assert_int_equal(w[i].bad_bytes, 0);
    }
    assert_int_equal(atomic_load(&opens), 4); /* each file opened on the tree once */
    dm_tree_free(t);
}

static void test_tee_writer_that_stops_holds_no_one_back(void **state)
{
    (void)state;
    struct dm_tree *t = tree();
    struct writer w[3] = {{.stop_after = 1}, {0}, {0}};
    assert_int_equal(run(t, w, 3, 65536), 0);
    assert_int_equal(w[0].files, 1);
    for (int i = 1; i < 3; i++) {
        assert_int_equal(w[i].rc, 0);
        assert_int_equal(w[i].files, 4);
        assert_int_equal(w[i].bad_bytes, 0);
    }
    dm_tree_free(t);
}

static void test_tee_source_failure_fails_every_writer(void **state)
{
    (void)state;
    struct dm_tree *t = tree();
    struct writer w[2] = {0};
    struct dm_capture said;
    dm_capture_begin(&said);
    fail_on = "b/d.bin";
    int rc = run(t, w, 2, 65536);
    fail_on = NULL;
    dm_capture_end(&said);
    assert_int_equal(rc, DM_FAIL);
    assert_int_equal(said.events.code, DM_FAIL); /* the reader's line, passed on once */
    assert_string_equal(said.events.detail, "b/d.bin: cannot read");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w[i].rc, DM_FAIL);
        assert_int_equal(w[i].files, 3); /* a.bin, b/c.bin, then b/d.bin failed */
        assert_int_equal(w[i].bad_bytes, 0);
    }
    dm_capture_free(&said);
    dm_tree_free(t);
}

static void test_tee_threads_not_joined_read_as_always(void **state)
{
    (void)state;
    struct dm_tree *t = tree();
    struct dm_tee *tee = NULL;
    struct dm_stream *s = NULL;
    uint8_t b[16];
    assert_int_equal(dm_tee_start(t, 1, 4096, &tee), 0);
    assert_int_equal(dm_tree_open(t, &t->entries[0], &s), 0); /* this thread did not join */
    assert_int_equal(dm_stream_read(s, b, sizeof b), sizeof b);
    assert_int_equal(b[3], synth_byte(synth_seed(t->entries[0].path), 3));
    dm_stream_close(s);
    assert_int_equal(atomic_load(&opens), 1);
    assert_int_equal(dm_tee_end(tee), 0); /* its writer never came: the reader ends */
    dm_tree_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tee_every_writer_every_byte_one_open),
        cmocka_unit_test(test_tee_writer_that_stops_holds_no_one_back),
        cmocka_unit_test(test_tee_source_failure_fails_every_writer),
        cmocka_unit_test(test_tee_threads_not_joined_read_as_always),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
