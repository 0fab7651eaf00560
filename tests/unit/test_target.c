/* Unit tests: the target driver (dm_target_run) over a fake operations table whose operations
 * record their calls and fail on demand — the order of the calls, when abort is and is not
 * called, verify only when asked, the result only on success, --print-recipe stopping early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "target/target.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

struct fake {
    char calls[256];  /* "check plan write ..." */
    const char *fail; /* the operation that fails, or NULL */
    int fail_rc;      /* what it returns */
    int abort_rc;     /* what abort was given */
};

static int record(void *t, const char *op)
{
    struct fake *f = t;
    size_t n = strlen(f->calls);
    snprintf(f->calls + n, sizeof f->calls - n, "%s%s", n ? " " : "", op);
    return f->fail && strcmp(f->fail, op) == 0 ? f->fail_rc : 0;
}

static int op_check(struct dm_job *j, void *t) { return (void)j, record(t, "check"); }
static int op_tree(struct dm_job *j, void *t) { return (void)j, record(t, "tree"); }
static int op_plan(struct dm_job *j, void *t) { return (void)j, record(t, "plan"); }
static int op_write(struct dm_job *j, void *t) { return (void)j, record(t, "write"); }
static int op_verify(struct dm_job *j, void *t) { return (void)j, record(t, "verify"); }
static int op_finish(struct dm_job *j, void *t) { return (void)j, record(t, "finish"); }

static int op_abort(struct dm_job *j, void *t, int rc)
{
    (void)j;
    ((struct fake *)t)->abort_rc = rc;
    record(t, "abort");
    return rc == DM_FAIL ? DM_REFUSED : rc; /* abort may make the exit code worse */
}

static json_object *op_result(struct dm_job *j, void *t)
{
    (void)j;
    record(t, "result");
    return json_object_new_string("done");
}

/* as_is: the driver neither opens media nor builds a tree, so no SOURCE is needed. */
static const struct dm_target_ops fake_ops = {
    .name = "fake",
    .as_is = 1,
    .check = op_check,
    .tree = op_tree,
    .plan = op_plan,
    .write = op_write,
    .verify = op_verify,
    .finish = op_finish,
    .abort = op_abort,
    .result = op_result,
};

static int run(struct fake *f, int verify, struct dm_job *j)
{
    *j = (struct dm_job){.verify = verify};
    return dm_target_run(j, &fake_ops, f);
}

static void test_order(void **state)
{
    (void)state;
    struct fake f = {0};
    struct dm_job j;
    assert_int_equal(run(&f, 1, &j), 0);
    assert_string_equal(f.calls, "check tree plan write verify finish result");
    assert_string_equal(json_object_get_string(j.result), "done");
    dm_job_free(&j);
}

static void test_verify_only_when_asked(void **state)
{
    (void)state;
    struct fake f = {0};
    struct dm_job j;
    assert_int_equal(run(&f, 0, &j), 0);
    assert_string_equal(f.calls, "check tree plan write finish result");
    dm_job_free(&j);
}

static void test_check_fails_no_abort(void **state)
{
    (void)state;
    struct fake f = {.fail = "check", .fail_rc = DM_REFUSED};
    struct dm_job j;
    assert_int_equal(run(&f, 1, &j), DM_REFUSED);
    assert_string_equal(f.calls, "check");
    assert_null(j.result);
    dm_job_free(&j);
}

/* Each operation after check that fails: the ones after it are not called, abort is, with
 * the failure's code, and its code is the one returned; no result. */
static void test_failure_aborts(void **state)
{
    (void)state;
    static const char *const ops[] = {"tree", "plan", "write", "verify", "finish"};
    static const char *const want[] = {
        "check tree abort",
        "check tree plan abort",
        "check tree plan write abort",
        "check tree plan write verify abort",
        "check tree plan write verify finish abort",
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        struct fake f = {.fail = ops[i], .fail_rc = DM_FAIL};
        struct dm_job j;
        assert_int_equal(run(&f, 1, &j), DM_REFUSED);
        assert_string_equal(f.calls, want[i]);
        assert_int_equal(f.abort_rc, DM_FAIL);
        assert_null(j.result);
        dm_job_free(&j);
    }
}

static void test_null_operations(void **state)
{
    (void)state;
    static const struct dm_target_ops bare = {.name = "bare", .as_is = 1, .write = op_write};
    struct fake f = {.fail = "write", .fail_rc = DM_FAIL};
    struct dm_job j = {0};
    assert_int_equal(dm_target_run(&j, &bare, &f), DM_FAIL); /* no abort to call */
    assert_string_equal(f.calls, "write");
    f = (struct fake){0};
    assert_int_equal(dm_target_run(&j, &bare, &f), 0);
    assert_null(j.result);
    dm_job_free(&j);
}

/* A target that reads SOURCE: a source that cannot be opened fails after check, before the
 * target's tree operation; abort is called (it undoes whatever the target did, here nothing). */
static void test_prepare_fails(void **state)
{
    (void)state;
    struct dm_target_ops ops = fake_ops;
    ops.as_is = 0;
    struct fake f = {0};
    struct dm_job j = {.source = "/nonexistent/dartmk-test-source.iso"};
    assert_int_equal(dm_target_run(&j, &ops, &f), DM_REFUSED); /* abort's code */
    assert_string_equal(f.calls, "check abort");
    assert_int_equal(f.abort_rc, DM_FAIL);
    dm_job_free(&j);
}

/* --print-recipe: the recipe is checked, nothing of the target runs after check. */
static void test_print_recipe_stops(void **state)
{
    (void)state;
    struct dm_target_ops ops = fake_ops;
    ops.as_is = 0;
    struct fake f = {0};
    struct dm_job j = {.print_recipe = 1};
    assert_int_equal(dm_target_run(&j, &ops, &f), 0);
    assert_string_equal(f.calls, "check");
    assert_null(j.media);
    assert_null(j.result);
    dm_job_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_verify_only_when_asked),
        cmocka_unit_test(test_check_fails_no_abort),
        cmocka_unit_test(test_failure_aborts),
        cmocka_unit_test(test_null_operations),
        cmocka_unit_test(test_prepare_fails),
        cmocka_unit_test(test_print_recipe_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
