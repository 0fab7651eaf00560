/* cmd_usb_multi.c — `dartmk usb SOURCE DISK DISK...` (usb_multi.h): the targets' structs, the
 * run, and what is printed at the end. */
#include "cli/usb_multi.h"

#include "cli/build_cli.h"
#include "cli/view_multi.h"
#include "util/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "Vendor Model" of a disk, "image file" for a file; malloc'd or NULL. */
static char *model_of(const struct dm_target_usb *u)
{
    const struct dm_disk *d = &u->claim.disk;
    char *s = NULL;
    if (!u->claim.is_device)
        return strdup("image file");
    if (!d->vendor && !d->model && d->transport)
        return asprintf(&s, "(%s)", d->transport) < 0 ? NULL : s;
    if (asprintf(&s, "%s%s%s", d->vendor ? d->vendor : "", d->vendor && d->model ? " " : "",
                 d->model ? d->model : (d->vendor ? "" : "-")) < 0)
        return NULL;
    return s;
}

static void summary(const struct dm_job *j, struct dm_target_usb *u,
                    const struct dm_target_each *each, size_t n)
{
    json_object *a = NULL;
    json_object_object_get_ex(j->result, "targets", &a);
    struct dm_multi_row *rows = calloc(n, sizeof *rows);
    char **models = calloc(n, sizeof *models);
    for (size_t i = 0; rows && models && i < n; i++) {
        json_object *r = NULL;
        json_object_object_get_ex(json_object_array_get_idx(a, i), "result", &r);
        models[i] = model_of(&u[i]);
        rows[i] = (struct dm_multi_row){.disk = u[i].claim.path,
                                        .model = models[i] ? models[i] : "-",
                                        .result = json_object_get_string(r),
                                        .reason = each[i].rc ? each[i].why : "-"};
    }
    if (rows && models)
        dm_multi_table(stdout, rows, n);
    fflush(stdout); /* before the line on stderr that follows it */
    for (size_t i = 0; models && i < n; i++)
        free(models[i]);
    free(models), free(rows);
}

static int run(struct dm_job *j, struct dm_target_usb *u, struct dm_target_each *each,
               char **targets, size_t n, const struct dm_usb_multi_opts *o)
{
    struct dm_multi_view mv = {0};
    struct dm_view *v = dm_view();
    int shown = v->mode != DM_PROGRESS_NONE && dm_multi_view_start(&mv, v, targets, n) == 0;
    struct dm_target_many m = {.ops = o->dd ? &dm_target_usb_dd_ops : &dm_target_usb_ops,
                               .each = each,
                               .n = n,
                               .progress = shown ? dm_multi_view_progress : NULL,
                               .ctx = &mv};
    int rc = dm_target_run_many(j, &m);
    if (shown)
        dm_multi_view_end(&mv);
    if (j->result && j->json)
        dm_print_json(json_object_get(j->result));
    else if (j->result)
        summary(j, u, each, n);
    if (j->result && !j->json) {
        size_t good = 0;
        for (size_t i = 0; i < n; i++)
            good += each[i].rc == 0;
        dm_info("%zu of %zu sticks written%s", good, n, j->verify ? " and verified" : "");
    }
    return rc;
}

int dm_usb_multi_run(struct dm_job *j, char **targets, size_t n, const struct dm_usb_multi_opts *o)
{
    struct dm_target_usb *u = calloc(n, sizeof *u);
    struct dm_target_each *each = calloc(n, sizeof *each);
    int rc = u && each ? 0 : dm_error(DM_FAIL, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct stat st;
        int disk = stat(targets[i], &st) == 0 && S_ISBLK(st.st_mode);
        u[i] = (struct dm_target_usb){.scheme = o->scheme,
                                      .label = o->label,
                                      .size = disk ? 0 : o->size, /* for the image files */
                                      .claim = {.path = targets[i], .fd = -1, .guard = -1}};
        each[i].t = &u[i];
    }
    if (rc == 0 && j->print_recipe)
        rc = dm_build_cli_run(j, &dm_target_usb_ops, &u[0]);
    else if (rc == 0)
        rc = run(j, u, each, targets, n, o);
    for (size_t i = 0; u && i < n; i++)
        dm_target_usb_free(&u[i]);
    free(u), free(each);
    return rc;
}
