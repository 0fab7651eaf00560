/* cleanup.c — removing registered temporary paths when a signal ends the run. The handler uses
 * unlink/rmdir and nftw: nftw is not async-signal-safe, but the process is about to die and the
 * main flow is not resumed, so the only risk is leaving a folder behind, as before. */
#include "util/cleanup.h"
#include "util/report.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 16 };

static struct {
    char *path;
    int tree;
} slots[SLOTS];
static volatile sig_atomic_t installed;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

static int remove_tree(const char *path)
{
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static void on_signal(int sig)
{
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].path)
            continue;
        if (slots[i].tree)
            remove_tree(slots[i].path);
        else
            unlink(slots[i].path);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&sa.sa_mask, sigs[i]);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    installed = 1;
}

int dm_cleanup_register(const char *path, int tree)
{
    if (!installed)
        install();
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].path)
            continue;
        slots[i].tree = tree;
        slots[i].path = strdup(path);
        return slots[i].path ? i : -1;
    }
    return -1;
}

void dm_cleanup_forget(int handle)
{
    if (handle < 0 || handle >= SLOTS)
        return;
    char *p = slots[handle].path;
    slots[handle].path = NULL;
    free(p);
}

int dm_staging_make(struct dm_staging *s, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    if (s->path)
        return 0;
    if (asprintf(&s->path, "%s/dartmk-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name) < 0) {
        s->path = NULL;
        return dm_error(DM_FAIL, "out of memory");
    }
    if (mkdtemp(s->path)) {
        s->guard = dm_cleanup_register(s->path, 1);
        return 0;
    }
    int rc = dm_error_errno(DM_FAIL, errno, "%s: cannot make a staging folder", s->path);
    free(s->path);
    s->path = NULL;
    return rc;
}

void dm_staging_remove(struct dm_staging *s)
{
    if (!s->path)
        return;
    remove_tree(s->path);
    dm_cleanup_forget(s->guard);
    free(s->path);
    s->path = NULL;
}
