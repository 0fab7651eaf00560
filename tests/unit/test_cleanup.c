/* Unit tests: temporary folders and files registered for removal before they exist
 * (dm_cleanup_mkdtemp, dm_cleanup_mkstemp): made with the template's prefix, removed by
 * dm_cleanup_remove, and by a signal that ends the run right after they were made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/cleanup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[64];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/test_cleanup.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(root);
}

static void test_folder(void **state)
{
    (void)state;
    char t[128], f[160];
    snprintf(t, sizeof t, "%s/dartmk-x-XXXXXX", root);
    int h = dm_cleanup_mkdtemp(t);
    assert_true(h >= 0);
    assert_int_equal(strncmp(t, root, strlen(root)), 0);
    assert_null(strstr(t, "XXXXXX"));
    struct stat st;
    assert_int_equal(stat(t, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(f, sizeof f, "%s/inside", t);
    FILE *fp = fopen(f, "w");
    assert_non_null(fp);
    fclose(fp);
    dm_cleanup_remove(h);
    assert_int_equal(stat(t, &st), -1);
}

static void test_file(void **state)
{
    (void)state;
    char t[128];
    int fd = -1;
    snprintf(t, sizeof t, "%s/.name.dartmk-XXXXXX", root);
    int h = dm_cleanup_mkstemp(t, &fd);
    assert_true(h >= 0 && fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    close(fd);
    dm_cleanup_remove(h);
    assert_int_equal(stat(t, &st), -1);
}

static void test_nowhere(void **state)
{
    (void)state;
    char t[] = "/nonexistent-dartmk/x-XXXXXX";
    int fd = -1;
    assert_int_equal(dm_cleanup_mkdtemp(t), -2);
    assert_int_equal(errno, ENOENT);
    strcpy(t, "/nonexistent-dartmk/x-XXXXXX");
    assert_int_equal(dm_cleanup_mkstemp(t, &fd), -2);
    assert_int_equal(fd, -1);
}

/* A child makes a folder and a file and is ended by SIGTERM at once: neither is left. */
static void test_signal(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char d[128], f[128];
        int fd;
        snprintf(d, sizeof d, "%s/dartmk-sig-XXXXXX", root);
        snprintf(f, sizeof f, "%s/.sig.dartmk-XXXXXX", root);
        if (dm_cleanup_mkdtemp(d) < 0 || dm_cleanup_mkstemp(f, &fd) < 0)
            _exit(1);
        dprintf(p[1], "%s\n%s\n", d, f);
        raise(SIGTERM);
        _exit(2);
    }
    close(p[1]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    char names[300] = "";
    ssize_t n = read(p[0], names, sizeof names - 1);
    close(p[0]);
    assert_true(n > 0);
    names[n] = '\0';
    struct stat st;
    for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n"))
        assert_int_equal(stat(line, &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test(test_nowhere),
        cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
