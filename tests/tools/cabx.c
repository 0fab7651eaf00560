/* cabx — test tool: expands a cabinet with dartmk's expander (src/image/cab.c), so tests can judge
 * it without building a boot.wim around it.
 *
 *   cabx CAB DEST        expands CAB into the existing folder DEST; exit 0, or 1 after one line
 *   cabx --is-cab FILE   prints 1 if FILE is a cabinet, 0 if not (exit 1 if it cannot be read)
 */
#include "cli/view.h"
#include "image/cab.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    static struct dm_view view; /* lines and progress as dartmk shows them */
    dm_view_start(&view, DM_NORMAL, DM_PROGRESS_AUTO, NULL);
    if (argc == 3 && strcmp(argv[1], "--is-cab") == 0) {
        int is = dm_cab_is_cab(argv[2]);
        if (is < 0)
            return DM_FAIL;
        printf("%d\n", is);
        return DM_OK;
    }
    if (argc != 3 || argv[1][0] == '-') {
        fputs("usage: cabx CAB DEST\n       cabx --is-cab FILE\n", stderr);
        return DM_USAGE;
    }
    return dm_cab_expand(argv[1], argv[1], argv[2]);
}
