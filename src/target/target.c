/* target.c — the one driver of every target (see target.h). */
#include "target/target.h"
#include "target/target_internal.h"
#include "util/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int call(int (*op)(struct dm_job *, void *), struct dm_job *j, void *t)
{
    return op ? op(j, t) : 0;
}

/* Everything after check; abort undoes it when it fails. */
static int run(struct dm_job *j, const struct dm_target_ops *ops, void *t)
{
    int rc = ops->as_is ? 0 : dm_job_prepare(j);
    if (rc || j->print_recipe)
        return rc;
    rc = call(ops->tree, j, t);
    if (rc == 0 && !ops->as_is)
        rc = dm_job_recovery(j);
    if (rc == 0)
        rc = call(ops->fit, j, t);
    if (rc == 0)
        rc = call(ops->plan, j, t);
    if (rc == 0)
        rc = call(ops->write, j, t);
    if (rc == 0) /* boot.wim's integrity check, beside the writing: before any commit point */
        rc = dm_job_checked(j);
    if (rc == 0 && j->verify)
        rc = call(ops->verify, j, t);
    return rc ? rc : call(ops->finish, j, t);
}

/* Every target's result says which image of the source's boot.wim the tree's boot.wim holds, and
 * which WIMs were split into .swm parts. */
void dm_target_add_source_image(struct dm_job *j)
{
    const struct dm_media *m = j->media;
    if (!m || !j->result || !json_object_is_type(j->result, json_type_object))
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "index", json_object_new_int(m->image));
    json_object_object_add(o, "name", json_object_new_string(dm_wim_image(m->wim, m->image)->name));
    json_object_object_add(o, "exported", json_object_new_boolean(j->rt && j->rt->exported));
    json_object_object_add(j->result, "source_image", o);
    json_object_object_add(j->result, "whole_media", json_object_new_boolean(j->plan.whole_media));
    if (!j->rt || !j->rt->nsplits)
        return;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < j->rt->nsplits; i++) {
        const struct dm_recovery_split *sp = &j->rt->splits[i];
        json_object *s = json_object_new_object(), *parts = json_object_new_array();
        for (size_t k = 0; k < sp->nparts; k++)
            json_object_array_add(parts, json_object_new_string(sp->parts[k]));
        json_object_object_add(s, "path", json_object_new_string(sp->path));
        json_object_object_add(s, "parts", parts);
        json_object_array_add(a, s);
    }
    json_object_object_add(j->result, "split", a);
}

static int check_and_run(struct dm_job *j, const struct dm_target_ops *ops, void *t)
{
    int rc = call(ops->check, j, t);
    if (rc)
        return rc;
    rc = run(j, ops, t);
    if (rc && ops->abort)
        return ops->abort(j, t, rc);
    if (rc == 0 && !j->print_recipe && ops->result)
        j->result = ops->result(j, t);
    if (rc == 0 && !j->print_recipe)
        dm_target_add_source_image(j);
    return rc;
}

int dm_target_run(struct dm_job *j, const struct dm_target_ops *ops, void *t)
{
    struct dm_events *before = j->events ? dm_events_bind(j->events) : NULL;
    int rc = check_and_run(j, ops, t);
    if (j->events)
        dm_events_bind(before);
    return rc;
}

/* ---- the source stays as it is ---- */

/* The path `out` would have, resolved (it may not exist yet); malloc'd or NULL. */
static char *resolved_out(const char *out)
{
    char *r = realpath(out, NULL), *dir, *parent, *path = NULL;
    if (r || errno != ENOENT || !(dir = strdup(out)))
        return r;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (slash)
        *slash = '\0';
    parent = realpath(slash ? (*dir ? dir : "/") : ".", NULL);
    if (parent && asprintf(&path, "%s/%s", strcmp(parent, "/") ? parent : "", base) < 0)
        path = NULL;
    free(parent), free(dir);
    return path;
}

int dm_target_not_source(const char *out, const char *source, const char *what)
{
    char *src = source ? realpath(source, NULL) : NULL, *path = src ? resolved_out(out) : NULL;
    size_t n = src ? strlen(src) : 0;
    int inside = src && path && strncmp(path, src, n) == 0 && (path[n] == '\0' || path[n] == '/');
    free(src), free(path);
    return inside ? dm_error(DM_REFUSED, "%s: is the source %s or inside it; write %s elsewhere",
                             out, source, what)
                  : 0;
}

/* ---- boot ways ---- */

static const char *const none_why[2] = {
    "no El Torito boot image (boot/etfsboot.com, efisys.bin or an EFI loader); --no-boot "
    "makes a data ISO",
    "boots neither under BIOS (bootmgr, boot/bcd) nor UEFI (efi/boot/bootx64.efi): not "
    "Windows PE media"};

int dm_target_boot_ways(const struct dm_media *m, int el_torito, const char *what, int *bios,
                        int *uefi)
{
    enum dm_role missing[DM_ROLE_COUNT];
    *bios = el_torito ? dm_media_el_torito(m, 0) : !dm_media_missing(m, 0, missing, DM_ROLE_COUNT);
    *uefi = el_torito ? dm_media_el_torito(m, 1) : !dm_media_missing(m, 1, missing, DM_ROLE_COUNT);
    if (!*bios && !*uefi)
        return dm_error(DM_FAIL, "%s: %s", m->tree->origin, none_why[!el_torito]);
    if (*bios && *uefi)
        return 0;
    if (el_torito)
        dm_warn("%s: %s will boot under %s only: the media has no %s", m->tree->origin, what,
                *bios ? "BIOS" : "UEFI", *bios ? "efisys.bin or EFI loader" : "etfsboot.com");
    else
        dm_warn("%s: %s will boot under %s only", m->tree->origin, what, *bios ? "BIOS" : "UEFI");
    return 0;
}
