/* userdir.h — dartmk's folders in the user's home: where they are, and making them. */
#ifndef DARTMK_USERDIR_H
#define DARTMK_USERDIR_H

/* $XDG_VAR/dartmk when that variable is set and not empty, else $HOME/HOME_REL/dartmk
 * (HOME_REL: the XDG default, ".cache" or ".local/state"); malloc'd, NULL when neither is set. */
char *dm_user_dir(const char *xdg_var, const char *home_rel);
/* mkdir -p, the folders it makes for the user alone (0700). *made (when made is not NULL): the
 * first folder it made (malloc'd), NULL when they were all there. Failures are the caller's to
 * find (opening or stat'ing what it wanted). */
void dm_make_dirs(const char *dir, char **made);

#endif
