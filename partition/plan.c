/* plan.c — placing the recovery partition (see plan.h). */
#include "partition/plan.h"
#include "partition/contents.h"

#include "util/report.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

static const char *const action_names[] = {"create", "update", "replace"};

const char *dm_part_plan_action_name(enum dm_part_plan_action a) { return action_names[a]; }

static uint64_t align_up(uint64_t b)
{
    return (b + DM_LAYOUT_ALIGN - 1) / DM_LAYOUT_ALIGN * DM_LAYOUT_ALIGN;
}

uint64_t dm_part_plan_default_size(uint64_t need)
{
    uint64_t s = align_up(need + need / 4);
    return s < DM_PART_RECOVERY_MIN ? DM_PART_RECOVERY_MIN : s;
}

/* The Windows RE partition dartmk made before: by its GPT name, or (MBR) by a look inside. */
static const struct dm_part *ours(const struct dm_part_plan *p, const struct dm_part_plan_opts *o,
                                  size_t *foreign)
{
    *foreign = 0;
    for (size_t i = 0; i < p->nbefore; i++) {
        const struct dm_part *x = &p->before[i];
        if (!x->winre)
            continue;
        int mine =
            x->name[0] ? strcmp(x->name, o->name) == 0 : o->disk && dm_part_is_ours(o->disk, x);
        if (mine || o->force)
            return x;
        if (!*foreign)
            *foreign = x->number;
    }
    return NULL;
}

/* The free extent to use: the one --at names, the last one the partition fits (--at end), or
 * the largest. */
static const struct dm_extent *pick(const struct dm_extent *e, size_t n,
                                    const struct dm_part_plan_opts *o, uint64_t size)
{
    const struct dm_extent *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (o->at) {
            if (o->at >= e[i].start && o->at < e[i].start + e[i].size)
                return &e[i];
        } else if (o->at_end) {
            best = e[i].size >= size ? &e[i] : best;
        } else if (!best || e[i].size > best->size) {
            best = &e[i];
        }
    }
    return best;
}

static int create(struct dm_ptable *t, const struct dm_part_plan_opts *o, uint64_t size,
                  struct dm_part_plan *p)
{
    struct dm_extent e[DM_PART_MAX];
    size_t n = dm_ptable_free(t, e, DM_PART_MAX);
    uint64_t largest = 0;
    for (size_t i = 0; i < n; i++)
        largest = e[i].size > largest ? e[i].size : largest;
    if (o->at % DM_LAYOUT_ALIGN)
        return dm_error(DM_FAIL,
                        "%s: --at %llu: the start must be on a 1 MiB boundary (a "
                        "multiple of 2048 sectors)",
                        dm_ptable_name(t), (unsigned long long)(o->at / 512));
    const struct dm_extent *x = pick(e, n, o, size);
    uint64_t start = !x ? 0 : o->at ? o->at : o->at_end ? x->start + x->size - size : x->start;
    if (o->at && (!x || start + size > x->start + x->size))
        return dm_error(DM_FAIL, "%s: --at %llu: no free extent of %.1f MiB starts there",
                        dm_ptable_name(t), (unsigned long long)(o->at / 512), dm_mib(size));
    if (!x || start + size > x->start + x->size)
        return dm_error(DM_FAIL,
                        "%s: not enough free space: the recovery partition needs %.1f "
                        "MiB; the largest free extent is %.1f MiB",
                        dm_ptable_name(t), dm_mib(size), dm_mib(largest));
    size_t number = 0;
    int rc = dm_ptable_add_recovery(t, start, size, o->name, &number);
    p->part = (struct dm_part){.number = number, .start = start, .size = size, .winre = 1};
    return rc;
}

static void snapshot(struct dm_ptable *t, struct dm_part *out, size_t *n)
{
    *n = dm_ptable_list(t, out, DM_PART_MAX);
}

/* An update keeps the partition's place and size: --size or --at asking for others is refused. */
static int keeps(struct dm_ptable *t, const struct dm_part_plan_opts *o, const struct dm_part *old)
{
    if (o->size && o->size != old->size)
        return dm_error(DM_FAIL,
                        "%s: --size %.1f MiB: partition %zu, the recovery partition, is %.1f MiB "
                        "and an update keeps its size: --replace makes a new one",
                        dm_ptable_name(t), dm_mib(o->size), old->number, dm_mib(old->size));
    if (o->at && o->at != old->start)
        return dm_error(DM_FAIL,
                        "%s: --at %llu: partition %zu, the recovery partition, starts at sector "
                        "%llu and an update keeps its place: --replace makes a new one",
                        dm_ptable_name(t), (unsigned long long)(o->at / 512), old->number,
                        (unsigned long long)(old->start / 512));
    return 0;
}

size_t dm_part_plan_ours(struct dm_ptable *t, const struct dm_part_plan_opts *o, size_t *active)
{
    struct dm_part_plan p;
    size_t foreign;
    snapshot(t, p.before, &p.nbefore);
    *active = 0;
    for (size_t i = 0; i < p.nbefore; i++)
        if (p.before[i].active)
            *active = p.before[i].number;
    const struct dm_part *x = ours(&p, o, &foreign);
    return x ? x->number : 0;
}

int dm_part_plan_recovery(struct dm_ptable *t, const struct dm_part_plan_opts *o,
                          struct dm_part_plan *p)
{
    memset(p, 0, sizeof *p);
    snapshot(t, p->before, &p->nbefore);
    for (size_t i = 0; i < p->nbefore; i++)
        if (p->before[i].active)
            p->old_active = p->before[i].number;
    uint64_t size = o->size ? o->size : dm_part_plan_default_size(o->need);
    if (o->size && o->size < o->need)
        return dm_error(DM_FAIL, "%s: --size %.1f MiB: the recovery tree needs at least %.1f MiB",
                        dm_ptable_name(t), dm_mib(o->size), dm_mib(o->need));
    const struct dm_part *old = ours(p, o, &p->foreign);
    int rc = 0;
    if (old && !o->replace) {
        p->action = DM_PART_UPDATE, p->part = *old;
        rc = keeps(t, o, old);
        if (rc == 0 &&
            strcmp(old->name, o->name) != 0) /* taken over (--force): dartmk's from now on */
            rc = dm_ptable_mark_recovery(t, old->number, o->name);
        if (rc == 0 && old->size < o->need)
            rc = dm_error(DM_FAIL,
                          "%s: partition %zu (%.1f MiB) is too small for the recovery "
                          "tree (%.1f MiB): --replace makes a new one",
                          dm_ptable_name(t), old->number, dm_mib(old->size), dm_mib(o->need));
    } else {
        p->action = old ? DM_PART_REPLACE : DM_PART_CREATE;
        if (old)
            rc = dm_ptable_delete(t, old->number);
        if (rc == 0)
            rc = create(t, o, size, p);
    }
    snapshot(t, p->after, &p->nafter);
    for (size_t i = 0; rc == 0 && i < p->nafter; i++)
        if (p->after[i].number == p->part.number)
            p->part = p->after[i];
    return rc;
}

const char *dm_part_name_fault(const char *name)
{
    int units = 0;
    const char *fault = *name ? dm_utf8_text_fault(name, &units) : "is empty";
    if (fault)
        return fault;
    return units > 36 ? "is longer than 36 characters (UTF-16 code units: GPT's limit)" : NULL;
}
