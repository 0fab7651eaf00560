/* wim_update.c — adding files to an image of a WIM in place. The WIM was copied first; wimlib
 * then appends only the new data and a new metadata resource, lookup table and XML, so the
 * compressed resources already there are reused as they are (what `wimupdate` does). */
#include "util/report.h"
#include "source/wim.h"

#include <errno.h>
#include <stdlib.h>
#include <wimlib.h>

static enum wimlib_progress_status on_progress(enum wimlib_progress_msg msg,
                                               union wimlib_progress_info *info, void *ctx)
{
    struct dm_wim_status *st = ctx;
    if (!st)
        return WIMLIB_PROGRESS_STATUS_CONTINUE;
    if (msg == WIMLIB_PROGRESS_MSG_WRITE_STREAMS) {
        st->total = info->write_streams.total_bytes;
        st->done = info->write_streams.completed_bytes;
    }
    return st->cancel ? WIMLIB_PROGRESS_STATUS_ABORT : WIMLIB_PROGRESS_STATUS_CONTINUE;
}

static int apply(WIMStruct *wim, int index, const struct dm_wim_add *adds, size_t n)
{
    struct wimlib_update_command *cmds = calloc(n, sizeof *cmds);
    if (!cmds)
        return WIMLIB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        cmds[i].op = WIMLIB_UPDATE_OP_ADD;
        cmds[i].add.fs_source_path = (char *)adds[i].host;
        cmds[i].add.wim_target_path = (char *)adds[i].target;
        /* Linux owners and modes mean nothing in Windows PE; Windows gives the files the
         * image's default security. */
        cmds[i].add.add_flags = WIMLIB_ADD_FLAG_NO_ACLS;
    }
    int err = wimlib_update_image(wim, index, cmds, n, 0);
    free(cmds);
    return err;
}

int dm_wim_add(const char *path, const char *display, int index, const struct dm_wim_add *adds,
               size_t n, struct dm_wim_status *status)
{
    WIMStruct *wim = NULL;
    if (dm_wimlib_ready() < 0)
        return dm_error(DM_FAIL, "%s: cannot start wimlib", display);
    int err = wimlib_open_wim_with_progress(path, WIMLIB_OPEN_FLAG_WRITE_ACCESS, &wim, on_progress,
                                            status);
    const char *what = "cannot open it for writing";
    if (!err) {
        what = "cannot add the files to the image";
        err = apply(wim, index, adds, n);
    }
    int sys_err = 0;
    if (!err) {
        what = "cannot write the new image";
        errno = 0;
        err = wimlib_overwrite(wim, 0, 0);
        sys_err = err == WIMLIB_ERR_WRITE ? errno : 0; /* say "No space left on device" */
    }
    if (wim)
        wimlib_free(wim);
    if (err && status && status->cancel)
        return DM_FAIL; /* stopped because something else failed, and said so */
    if (err && sys_err)
        return dm_error_errno(DM_FAIL, sys_err, "%s: %s", display, what);
    return err ? dm_error(DM_FAIL, "%s: %s (%s)", display, what, wimlib_get_error_string(err)) : 0;
}
