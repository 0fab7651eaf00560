/* wim_verify.h — a WIM's resources checked against their own SHA-1s on every core. */
#ifndef DARTMK_WIM_VERIFY_H
#define DARTMK_WIM_VERIFY_H

#include "source/wim.h"

struct WIMStruct;

/* Checks every resource of `wim` (read through `fd`, which it does not close) against its
 * SHA-1: several threads each take whole resources in turn, read them with pread, expand their
 * chunks with wimlib's decompressor and hash what comes out; every file's data is first checked
 * to be in the blob table. Progress goes to `watch` (when not NULL, which may also stop it) or
 * to a "checking boot.wim" progress line. Returns 0, a wimlib error code, or -1 when the WIM
 * is not one it reads (split, pipable, solid resources): then wimlib_verify_wim must. */
int dm_wim_verify_parallel(struct WIMStruct *wim, int fd, struct dm_wim_watch *watch);

#endif
