/* quiet.c — a library's own stderr lines taken into debug lines (quiet.h). */
#include "util/quiet.h"

#include "util/report.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int users, saved = -1, caught = -1;

/* An unnamed file for what the library writes: nothing to remove if the run is killed. */
static int catcher(void)
{
    const char *dir = getenv("TMPDIR");
    int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        FILE *f = tmpfile(); /* a file system without O_TMPFILE: tmpfile() unlinks at once */
        fd = f ? dup(fileno(f)) : -1;
        if (f)
            fclose(f);
    }
    return fd;
}

void dm_quiet_begin(void)
{
    pthread_mutex_lock(&lock);
    if (users++ == 0) {
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        caught = saved >= 0 ? catcher() : -1;
        if (caught >= 0)
            dup2(caught, STDERR_FILENO);
    }
    pthread_mutex_unlock(&lock);
}

/* The caught text, one debug line per line. */
static void pass_on(int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (text && pread(fd, text, (size_t)n, 0) == n) {
        text[n] = '\0';
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            dm_debug("%s", line);
    }
    free(text);
}

void dm_quiet_end(void)
{
    int fd = -1;
    pthread_mutex_lock(&lock);
    if (--users == 0 && saved >= 0) {
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        fd = caught, saved = caught = -1;
    }
    pthread_mutex_unlock(&lock);
    if (fd >= 0)
        pass_on(fd), close(fd);
}
