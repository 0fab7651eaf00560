/* usb_multi.h — `dartmk usb SOURCE DISK DISK...`: several sticks from one read of SOURCE
 * (dm_target_run_many), one progress line per stick, a summary table or one JSON object. */
#ifndef DARTMK_USB_MULTI_H
#define DARTMK_USB_MULTI_H

#include "recovery/job.h"
#include "target/usb.h"

struct dm_usb_multi_opts {
    enum dm_scheme scheme;
    const char *label; /* as written */
    uint64_t size;     /* --size: the image files among the targets made or resized to it */
    int dd;            /* --mode dd */
};

/* Writes every target; the summary (or --json's object) on stdout. 0 when every stick
 * succeeded, else the exit code of the first failure. */
int dm_usb_multi_run(struct dm_job *j, char **targets, size_t n, const struct dm_usb_multi_opts *o);

#endif
