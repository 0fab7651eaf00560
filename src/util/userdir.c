/* userdir.c — dartmk's folders in the user's home (userdir.h). */
#include "util/userdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *dm_user_dir(const char *xdg_var, const char *home_rel)
{
    const char *xdg = getenv(xdg_var), *home = getenv("HOME");
    char *dir = NULL;
    if (xdg && *xdg     ? asprintf(&dir, "%s/dartmk", xdg) < 0
        : home && *home ? asprintf(&dir, "%s/%s/dartmk", home, home_rel) < 0
                        : 1)
        return NULL;
    return dir;
}

void dm_make_dirs(const char *dir, char **made)
{
    char *p = strdup(dir);
    if (made)
        *made = NULL;
    for (char *s = p && *p ? p + 1 : NULL; s; s++)
        if (*s == '/' || !*s) {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0700) == 0 && made && !*made)
                *made = strdup(p);
            if (!(*s = c))
                break;
        }
    free(p);
}
