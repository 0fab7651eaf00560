/* source_wim.c — a bare boot.wim as SOURCE: a tree holding just sources/boot.wim (the file
 * itself); the media layer finds the boot files inside it. */
#include "source/source.h"

#include "util/report.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *wim_host_path(struct dm_tree *t, const struct dm_entry *e)
{
    (void)e;
    return t->origin;
}

static int wim_open_entry(struct dm_tree *t, const struct dm_entry *e, struct dm_stream **out)
{
    (void)e;
    return dm_host_stream_open(t->origin, out);
}

static const struct dm_tree_ops wim_ops = {
    .name = "WIM", .open = wim_open_entry, .host_path = wim_host_path};

int dm_source_wim_open(const char *path, struct dm_tree **out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dm_error_errno(DM_FAIL, errno, "%s", path);
    struct dm_tree *t = dm_tree_new(&wim_ops, NULL, path);
    if (!t || !dm_tree_add(t, "sources", DM_ENTRY_DIR, 0, st.st_mtime, NULL) ||
        !dm_tree_add(t, "sources/boot.wim", DM_ENTRY_FILE, (uint64_t)st.st_size, st.st_mtime,
                     NULL)) {
        dm_tree_free(t);
        return dm_error(DM_FAIL, "%s: out of memory", path);
    }
    dm_tree_seal(t);
    *out = t;
    return 0;
}
