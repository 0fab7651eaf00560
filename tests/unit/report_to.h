/* report_to.h — for unit tests: the library's lines shown by the CLI's view on a stream of the
 * test's, as users see them ("dartmk: ..."), so that a test can read back what was said. */
#ifndef DARTMK_TEST_REPORT_TO_H
#define DARTMK_TEST_REPORT_TO_H

#include "cli/view.h"

#include <stdio.h>

static struct dm_view view;
static void report_to(FILE *f) { dm_view_start(&view, DM_NORMAL, DM_PROGRESS_NONE, f); }

#endif
