/* replace.c — writing beside and renaming into place (see replace.h). */
#include "util/replace.h"
#include "util/cleanup.h"
#include "util/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

int dm_replace_begin(struct dm_replace *r, const char *path, mode_t mode)
{
    *r = (struct dm_replace){.fd = -1, .guard = -1};
    char *copy = strdup(path), *dir = copy ? dirname(copy) : NULL;
    const char *slash = strrchr(path, '/');
    int n = dir ? asprintf(&r->temp, "%s/.%s.dartmk-XXXXXX", dir, slash ? slash + 1 : path) : -1;
    free(copy);
    if (n < 0 || !(r->final = strdup(path))) {
        r->temp = n < 0 ? NULL : r->temp;
        return dm_error(DM_FAIL, "out of memory");
    }
    r->guard = dm_cleanup_mkstemp(r->temp, &r->fd); /* registered before it exists */
    if (r->guard < -1) {
        r->fd = -1, r->guard = -1;
        free(r->temp), r->temp = NULL;
        return dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    }
    /* mkstemp's 0600 would hide the file from the servers and users that read it. */
    if (fchmod(r->fd, mode ? mode : new_file_mode()) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s: cannot write", path);
    return 0;
}

int dm_replace_close(struct dm_replace *r)
{
    int rc = 0;
    if (fsync(r->fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush to disk", r->final);
    if (close(r->fd) != 0 && rc == 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot write", r->final);
    r->fd = -1;
    return rc;
}

static void release(struct dm_replace *r)
{
    if (r->temp && r->fd >= 0) /* a zeroed struct holds no descriptor */
        close(r->fd);
    dm_cleanup_forget(r->guard);
    free(r->temp), free(r->final);
    *r = (struct dm_replace){.fd = -1, .guard = -1};
}

int dm_replace_rename(struct dm_replace *r)
{
    if (rename(r->temp, r->final) != 0) {
        int rc = dm_error_errno(DM_FAIL, errno, "%s: cannot put it in place", r->final);
        dm_replace_abort(r);
        return rc;
    }
    release(r);
    return 0;
}

void dm_replace_abort(struct dm_replace *r)
{
    if (r->temp)
        unlink(r->temp);
    release(r);
}

void dm_replace_sync_folder(const char *path)
{
    char *copy = strdup(path);
    int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0)
        fsync(fd), close(fd);
    free(copy);
}

/* NAME is ".BASE.dartmk-" and six of mkstemp's letters. */
static int is_temporary_of(const char *name, const char *base)
{
    size_t n = strlen(base);
    const char *tail = name + 1 + n;
    if (name[0] != '.' || strncmp(name + 1, base, n) != 0 || strncmp(tail, ".dartmk-", 8) != 0 ||
        strlen(tail + 8) != 6)
        return 0;
    for (const char *c = tail + 8; *c; c++)
        if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9'))
            return 0;
    return 1;
}

void dm_replace_sweep(const char *path)
{
    char *copy = strdup(path), *dir = copy ? dirname(copy) : NULL;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *e;
    struct stat st;
    while (d && (e = readdir(d)))
        if (is_temporary_of(e->d_name, base) &&
            fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dfd, e->d_name, 0);
    if (d)
        closedir(d);
    else if (dfd >= 0)
        close(dfd);
    free(copy);
}
