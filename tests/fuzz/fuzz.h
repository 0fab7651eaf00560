/* fuzz.h — what the fuzz targets of the readers share (header-only, static functions):
 *
 *   CHECK(cond)       a promise; a broken one aborts, which libFuzzer reports as a crash;
 *   fuzz_listen()     binds events that judge every line the library reports (one line: no
 *                     newline, not empty) and count errors and warnings;
 *   fuzz_read_file()  a tree's file read whole, its size as the tree says;
 *   fuzz_file()       the input as a file with a path (a memfd seen through /proc/self/fd), for
 *                     the readers that take a path, as the program calls them.
 *
 * A target that gets a non-zero exit code from the library checks that an error was reported:
 * every failure says its one line (report.h). */
#ifndef DARTMK_FUZZ_H
#define DARTMK_FUZZ_H

#include "util/report.h"
#include "util/tree.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz: promise broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct fuzz_said {
    int errors, warnings, lines;
};

static inline void fuzz_message(void *ctx, enum dm_level level, const char *text)
{
    struct fuzz_said *s = ctx;
    CHECK(text != NULL && *text != '\0');
    CHECK(strchr(text, '\n') == NULL);
    s->lines++;
    s->errors += level == DM_LEVEL_ERROR;
    s->warnings += level == DM_LEVEL_WARNING;
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "said: %s\n", text);
}

/* Binds fresh events to this thread for one input; *said counts what was reported. */
static inline void fuzz_listen(struct dm_events *ev, struct fuzz_said *said)
{
    *said = (struct fuzz_said){0};
    *ev = (struct dm_events){.message = fuzz_message, .ctx = said, .debug = 1};
    dm_events_bind(ev);
}

/* A tree's path: components that are names (dm_tree_name_ok), joined by single '/'. */
static inline int fuzz_path_ok(const char *path)
{
    char *copy = strdup(path), *save = NULL;
    int ok = copy && *copy && path[strlen(path) - 1] != '/' && !strstr(path, "//") && *path != '/';
    for (char *c = ok ? strtok_r(copy, "/", &save) : NULL; c; c = strtok_r(NULL, "/", &save))
        ok &= dm_tree_name_ok(c);
    free(copy);
    return ok;
}

/* Reads a file entry of a tree whole: a stream that ends without an error gave exactly the size
 * the tree says (a stream that cannot be opened or fails said why: the events judge that). */
static inline void fuzz_read_file(struct dm_tree *t, const struct dm_entry *e)
{
    static uint8_t buf[65536];
    struct dm_stream *s = NULL;
    if (dm_tree_open(t, e, &s) != 0)
        return;
    uint64_t got = 0;
    ssize_t n;
    while ((n = dm_stream_read(s, buf, sizeof buf)) > 0)
        got += (uint64_t)n;
    int crc = dm_stream_close(s);
    if (n == 0 && crc == 0)
        CHECK(got == e->size);
}

/* A failure (rc != 0) said why. */
#define CHECK_SAID(rc, said) CHECK((rc) == 0 || (said).errors > 0)

/* Writes `size` bytes at `at` of a memfd (holes before, its length exactly at + size) and
 * returns its path; the memfd is made once per name slot and reused. */
static int fuzz_fds[4] = {-1, -1, -1, -1};

static inline const char *fuzz_file_at(int slot, const uint8_t *data, size_t size, uint64_t at)
{
    int *fds = fuzz_fds;
    static char paths[4][64];
    if (fds[slot] < 0) {
        fds[slot] = memfd_create("fuzz", 0);
        CHECK(fds[slot] >= 0);
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    CHECK(ftruncate(fds[slot], 0) == 0);
    CHECK(ftruncate(fds[slot], (off_t)(at + size)) == 0);
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fds[slot], data + done, size - done, (off_t)(at + done));
        CHECK(n > 0);
        done += (size_t)n;
    }
    return paths[slot];
}

/* The descriptor of a slot fuzz_file_at filled. */
static inline int fuzz_fd(int slot) { return fuzz_fds[slot]; }

static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    return fuzz_file_at(0, data, size, 0);
}

#endif
