/* wim_memo.h — the compressed resources that passed boot.wim's check before, remembered by the
 * SHA-256 of everything the check's verdict depends on (the resource's stored bytes, its sizes,
 * compression, chunk size and the SHA-1 it must expand to). The same inputs expand to the same
 * bytes, so a resource found here needs only that SHA-256, not its expansion.
 *
 * Kept in DARTMK_CACHE_DIR, else $XDG_CACHE_HOME/dartmk, else ~/.cache/dartmk (file "checked":
 * a header and 32-byte keys, oldest first, at most DM_WIM_MEMO_MAX). A memo that is not this
 * user's own, is writable by others or has not the memo's shape is not used; DARTMK_CACHE_DIR
 * set empty turns it off. Nothing here fails a check: without a memo every resource expands. */
#ifndef DARTMK_WIM_MEMO_H
#define DARTMK_WIM_MEMO_H

#include <stddef.h>
#include <stdint.h>

enum { DM_WIM_MEMO_KEY = 32, DM_WIM_MEMO_MAX = 1 << 16 };

struct dm_wim_memo;

/* This user's memo, loaded (empty when there is no file yet); NULL when there is none to use. */
struct dm_wim_memo *dm_wim_memo_load(void);
/* Was `key` remembered? (NULL-safe; safe from several threads while nothing is added.) */
int dm_wim_memo_has(const struct dm_wim_memo *m, const uint8_t key[DM_WIM_MEMO_KEY]);
/* Remembers `key` once the memo is saved (from several threads; NULL-safe). */
void dm_wim_memo_add(struct dm_wim_memo *m, const uint8_t key[DM_WIM_MEMO_KEY]);
/* Writes the keys added to the file (with what another run added meanwhile; the oldest dropped
 * past DM_WIM_MEMO_MAX), through a new file renamed over the old (one left by a run killed
 * before its rename, a minute old or more, is removed). Failures are ignored: the next
 * check expands those resources again. Nothing is looked up after it. NULL-safe. */
void dm_wim_memo_save(struct dm_wim_memo *m);
void dm_wim_memo_free(struct dm_wim_memo *m);
/* The memo's file (malloc'd), or NULL when there is none to use: for tests and messages. */
char *dm_wim_memo_path(void);

#endif
