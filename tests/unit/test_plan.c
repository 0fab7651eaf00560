/* Unit tests: placing the recovery partition on a disk that already holds a system
 * (partition/plan.c on partition/ptable.c).
 *
 * Each test makes a sparse disk image (64 GiB, 3 TiB: nothing but the label is stored) whose
 * table sfdisk writes from a script — GPT disks shaped like a Windows installation (EFI system
 * partition, MSR, C:, a Windows RE partition) and MBR disks with one to four primaries — opens
 * it with dm_ptable_open and checks the plan: which action, where, how large, what the table
 * holds afterwards, and the refusals with their one line. Sizes in the scripts are in sectors
 * so that every expected offset is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report_to.h"
#include "partition/plan.h"
#include "partition/ptable.h"
#include "util/report.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB    (UINT64_C(1) << 20)
#define GIB    (UINT64_C(1) << 30)
#define TIB    (UINT64_C(1) << 40)
#define SECT   UINT64_C(512)
#define S_MIB  UINT64_C(2048) /* sectors in a MiB */
#define S_GIB  (S_MIB * 1024)
#define OURS   "DaRT Recovery"
#define ESP    "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define MSR    "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
#define BASIC  "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
#define WINRE  "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"
#define RE_ATT "attrs=\"RequiredPartition GUID:63\""

struct fixture {
    char dir[64], image[96];
    int fd;
    struct dm_ptable *t;
    FILE *err; /* the library's one-line diagnostics */
    struct dm_part_plan plan;
    struct dm_part_plan_opts o;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->dir, "/tmp/test_plan.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->image, sizeof f->image, "%s/disk.img", f->dir);
    f->fd = -1;
    f->err = tmpfile();
    assert_non_null(f->err);
    report_to(f->err);
    f->o = (struct dm_part_plan_opts){.need = 300 * MIB, .name = OURS};
    *state = f;
    return 0;
}

static void close_table(struct fixture *f)
{
    dm_ptable_close(f->t);
    f->t = NULL;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close_table(f);
    dm_events_bind(NULL);
    fclose(f->err);
    unlink(f->image);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* What was reported since the last call (and forgets it). */
static const char *diagnostics(struct fixture *f)
{
    static char text[2048];
    rewind(f->err);
    size_t n = fread(text, 1, sizeof text - 1, f->err);
    text[n] = '\0';
    fclose(f->err);
    f->err = tmpfile();
    assert_non_null(f->err);
    report_to(f->err);
    return text;
}

/* A sparse image of `bytes` whose table sfdisk makes from `script`. */
static void make_disk(struct fixture *f, uint64_t bytes, const char *script)
{
    close_table(f);
    unlink(f->image);
    int fd = open(f->image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)bytes), 0);
    close(fd);
    if (!script)
        return;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sfdisk -q --no-reread --no-tell-kernel '%s' >/dev/null 2>&1",
             f->image);
    FILE *p = popen(cmd, "w");
    assert_non_null(p);
    fputs(script, p);
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void open_table(struct fixture *f, int readonly)
{
    close_table(f);
    f->fd = open(f->image, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    assert_true(f->fd >= 0);
    assert_int_equal(dm_ptable_open(f->fd, "disk.img", readonly, &f->t), 0);
}

static size_t count(struct fixture *f)
{
    struct dm_part p[DM_PART_MAX];
    return dm_ptable_list(f->t, p, DM_PART_MAX);
}

/* The partition numbered n in the plan's `after` list (fails when it is not there). */
static const struct dm_part *after(const struct dm_part_plan *p, size_t n)
{
    for (size_t i = 0; i < p->nafter; i++)
        if (p->after[i].number == n)
            return &p->after[i];
    fail_msg("partition %zu is not in the table after the plan", n);
    return NULL;
}

/* Plans, expecting refusal with a line that contains `says`; the table keeps its partitions. */
static void refused(struct fixture *f, const char *says)
{
    size_t before = count(f);
    assert_int_equal(dm_part_plan_recovery(f->t, &f->o, &f->plan), DM_FAIL);
    const char *line = diagnostics(f);
    if (!strstr(line, says))
        fail_msg("expected a line saying '%s', got '%s'", says, line);
    assert_non_null(strstr(line, "disk.img"));
    assert_int_equal(count(f), before);
}

static void planned(struct fixture *f, enum dm_part_plan_action action)
{
    assert_int_equal(dm_part_plan_recovery(f->t, &f->o, &f->plan), 0);
    assert_string_equal(diagnostics(f), "");
    assert_int_equal(f->plan.action, action);
}

/* The disk's end as the free extents see it: the last whole MiB before the backup GPT. */
static uint64_t gpt_end(uint64_t disk) { return (disk - 34 * SECT) / MIB * MIB; }

/* 64 GiB, GPT: EFI 100 MiB, MSR 16 MiB, C: 20 GiB, a 10 GiB gap, D: 10 GiB, then ~23.9 GiB
 * free up to the end. */
static const char windows_gpt[] = "label: gpt\n"
                                  "start=2048, size=204800, type=" ESP ", name=\"EFI\"\n"
                                  "start=206848, size=32768, type=" MSR ", name=\"MSR\"\n"
                                  "start=239616, size=41943040, type=" BASIC ", name=\"C\"\n"
                                  "start=63154176, size=20971520, type=" BASIC ", name=\"D\"\n";
#define GAP_START (UINT64_C(42182656) * SECT) /* the end of C: */
#define GAP_END   (UINT64_C(63154176) * SECT)
#define TAIL      (UINT64_C(84125696) * SECT) /* the end of D: */

/* ---- arithmetic ---- */

static void test_default_size(void **state)
{
    (void)state;
    assert_int_equal(dm_part_plan_default_size(0), DM_PART_RECOVERY_MIN);
    assert_int_equal(dm_part_plan_default_size(1), DM_PART_RECOVERY_MIN);
    assert_int_equal(dm_part_plan_default_size(360 * MIB),
                     450 * MIB); /* 360 + 25% is the minimum */
    assert_int_equal(dm_part_plan_default_size(360 * MIB + 1), 451 * MIB);
    assert_int_equal(dm_part_plan_default_size(361 * MIB), 452 * MIB); /* 451.25 rounded up */
    assert_int_equal(dm_part_plan_default_size(800 * MIB), 1000 * MIB);
    assert_int_equal(dm_part_plan_default_size(8 * GIB), 10 * GIB); /* no 32-bit overflow */
    for (uint64_t need = 1; need < 4 * GIB; need = need * 3 + 12345) {
        uint64_t s = dm_part_plan_default_size(need);
        assert_int_equal(s % MIB, 0);
        assert_true(s >= need + need / 4 && s >= DM_PART_RECOVERY_MIN);
        assert_true(s < need + need / 4 + MIB || s == DM_PART_RECOVERY_MIN);
    }
    assert_string_equal(dm_part_plan_action_name(DM_PART_CREATE), "create");
    assert_string_equal(dm_part_plan_action_name(DM_PART_UPDATE), "update");
    assert_string_equal(dm_part_plan_action_name(DM_PART_REPLACE), "replace");
}

/* ---- GPT ---- */

static void test_gpt_reads_windows_disk(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB, windows_gpt);
    open_table(f, 1);
    assert_int_equal(dm_ptable_scheme(f->t), DM_SCHEME_GPT);
    assert_int_equal(dm_ptable_disk_size(f->t), 64 * GIB);
    struct dm_part p[8];
    assert_int_equal(dm_ptable_list(f->t, p, 8), 4);
    assert_int_equal(p[0].number, 1);
    assert_int_equal(p[0].start, MIB);
    assert_int_equal(p[0].size, 100 * MIB);
    assert_string_equal(p[0].type, ESP);
    assert_string_equal(p[0].name, "EFI");
    assert_int_equal(p[2].start, 117 * MIB);
    assert_int_equal(p[2].size, 20 * GIB);
    assert_int_equal(p[3].start, GAP_END);
    for (size_t i = 0; i < 4; i++)
        assert_false(p[i].winre);
    struct dm_extent e[8];
    assert_int_equal(dm_ptable_free(f->t, e, 8), 2);
    assert_int_equal(e[0].start, GAP_START);
    assert_int_equal(e[0].size, 10 * GIB);
    assert_int_equal(e[1].start, TAIL);
    assert_int_equal(e[1].start + e[1].size, gpt_end(64 * GIB));
    size_t active = 99;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    assert_int_equal(active, 0);
}

/* By default: the start of the largest free extent (the tail, not the 10 GiB gap), the default
 * size, the Windows RE type, attributes and our name, the next number. */
static void test_gpt_largest_extent(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB, windows_gpt);
    open_table(f, 1);
    planned(f, DM_PART_CREATE);
    const struct dm_part_plan *p = &f->plan;
    assert_int_equal(p->nbefore, 4);
    assert_int_equal(p->nafter, 5);
    assert_int_equal(p->foreign, 0);
    assert_int_equal(p->old_active, 0);
    assert_int_equal(p->part.number, 5);
    assert_int_equal(p->part.start, TAIL);
    assert_int_equal(p->part.size, DM_PART_RECOVERY_MIN);
    assert_true(p->part.start > 4 * GIB);
    assert_int_equal(p->part.start % MIB, 0);
    assert_true(p->part.winre);
    assert_string_equal(p->part.type, WINRE);
    assert_string_equal(p->part.name, OURS);
    assert_true(p->part.attrs == DM_WINRE_ATTRS);
    assert_memory_equal(p->after, p->before, 4 * sizeof p->before[0]); /* the others untouched */
    assert_int_equal(count(f), 5);
    /* A larger tree: need + 25%, 1 MiB aligned. */
    open_table(f, 1);
    f->o.need = 1000 * MIB + 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.size, 1251 * MIB);
    assert_int_equal(f->plan.part.start, TAIL);
    /* --size. */
    open_table(f, 1);
    f->o.size = 2 * GIB;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.size, 2 * GIB);
}

static void test_gpt_at_end(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB, windows_gpt);
    open_table(f, 1);
    f->o.at_end = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, gpt_end(64 * GIB));
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(f->plan.part.start % MIB, 0);
    /* When the last extent is too small, the last one it fits: the end of the gap. */
    make_disk(f, 64 * GIB,
              "label: gpt\n"
              "start=2048, size=204800, type=" ESP "\n"
              "start=239616, size=41943040, type=" BASIC "\n"
              "start=63154176, size=70651904, type=" BASIC "\n"); /* leaves 200 MiB - 34 sectors */
    open_table(f, 1);
    struct dm_extent e[8];
    assert_int_equal(dm_ptable_free(f->t, e, 8), 3);
    assert_true(e[2].size < DM_PART_RECOVERY_MIN);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, GAP_END);
}

static void test_gpt_at_offset(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB, windows_gpt);
    open_table(f, 1);
    f->o.at = GAP_START + 3 * GIB;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, GAP_START + 3 * GIB);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(after(&f->plan, f->plan.part.number)->start, GAP_START + 3 * GIB);
    /* So that it just fits the gap. */
    open_table(f, 1);
    f->o.at = GAP_END - DM_PART_RECOVERY_MIN;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, GAP_END);
    /* One MiB later it does not. */
    open_table(f, 1);
    f->o.at = GAP_END - DM_PART_RECOVERY_MIN + MIB;
    refused(f, "no free extent");
    /* Inside C:, and at the start of D:. */
    f->o.at = 5 * GIB;
    refused(f, "no free extent");
    f->o.at = GAP_END;
    refused(f, "no free extent");
    /* Not on a MiB boundary. */
    f->o.at = GAP_START + 4096;
    refused(f, "1 MiB boundary");
    f->o.at = GAP_START + 1;
    refused(f, "1 MiB boundary");
}

/* A free extent that starts on an odd sector: the partition starts at the next MiB. */
static void test_gpt_alignment(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: gpt\n"
              "start=2048, size=204807, type=" ESP "\n"
              "start=2000000, size=20000001, type=" BASIC "\n");
    open_table(f, 1);
    struct dm_part p[4];
    assert_int_equal(dm_ptable_list(f->t, p, 4), 2);
    assert_int_equal(p[1].start + p[1].size, UINT64_C(22000001) * SECT);
    uint64_t first = (UINT64_C(22000001) * SECT + MIB - 1) / MIB * MIB;
    struct dm_extent e[4];
    assert_int_equal(dm_ptable_free(f->t, e, 4), 2);
    /* The first gap, from 101 MiB + 7 sectors to sector 2000000 (976.6 MiB): whole MiB only. */
    assert_int_equal(e[0].start, 102 * MIB);
    assert_int_equal(e[0].size, 874 * MIB);
    assert_int_equal(e[1].start, first);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, first);
    open_table(f, 1);
    f->o.at = 102 * MIB;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, 102 * MIB);
    open_table(f, 1);
    f->o.at = 101 * MIB; /* aligned, but the ESP's last 7 sectors are there */
    refused(f, "no free extent");
    /* 900 MiB does not fit the 874 MiB gap: --at end takes the tail. */
    f->o.at = 0;
    f->o.size = 900 * MIB;
    f->o.at_end = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, gpt_end(64 * GIB));
    assert_int_equal(f->plan.part.start % MIB, 0);
}

/* A disk larger than 2 TiB: C: fills the first 2.5 TiB, so the partition starts past sector
 * 2^32 (a 32-bit sector count would wrap). */
static void test_gpt_past_2tib(void **state)
{
    struct fixture *f = *state;
    char script[512];
    uint64_t c_size = 2560 * S_GIB - 2048 - 204800;
    snprintf(script, sizeof script,
             "label: gpt\n"
             "start=2048, size=204800, type=" ESP "\n"
             "start=206848, size=%llu, type=" BASIC "\n",
             (unsigned long long)c_size);
    make_disk(f, 3 * TIB, script);
    open_table(f, 1);
    assert_int_equal(dm_ptable_disk_size(f->t), 3 * TIB);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, 2560 * GIB);
    assert_true(f->plan.part.start / SECT > UINT32_MAX);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(f->plan.part.number, 3);
    /* --at end and --at past 2 TiB. */
    open_table(f, 1);
    f->o.at_end = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, gpt_end(3 * TIB));
    open_table(f, 1);
    f->o.at_end = 0;
    f->o.at = 2900 * GIB;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, 2900 * GIB);
    assert_int_equal(after(&f->plan, 3)->start, 2900 * GIB);
    /* Written and read back: still past 2 TiB. */
    open_table(f, 0);
    planned(f, DM_PART_CREATE);
    assert_int_equal(dm_ptable_write(f->t), 0);
    open_table(f, 1);
    struct dm_part p[4];
    assert_int_equal(dm_ptable_list(f->t, p, 4), 3);
    assert_int_equal(p[2].start, 2900 * GIB);
    assert_int_equal(p[2].size, DM_PART_RECOVERY_MIN);
    assert_true(p[2].winre);
    assert_string_equal(p[2].name, OURS);
}

static void test_gpt_no_room(void **state)
{
    struct fixture *f = *state;
    /* C: up to 300 MiB before the end: the default 450 MiB does not fit. */
    char script[512];
    uint64_t end = 64 * S_GIB - 300 * S_MIB;
    snprintf(script, sizeof script,
             "label: gpt\n"
             "start=2048, size=204800, type=" ESP "\n"
             "start=206848, size=%llu, type=" BASIC "\n",
             (unsigned long long)(end - 206848));
    make_disk(f, 64 * GIB, script);
    open_table(f, 1);
    refused(f, "not enough free space");
    f->o.at_end = 1;
    refused(f, "not enough free space");
    /* An explicit --size that fits is fine... */
    f->o.at_end = 0;
    f->o.need = 100 * MIB;
    f->o.size = 250 * MIB;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, end * SECT);
    assert_int_equal(f->plan.part.size, 250 * MIB);
    /* ...one below what the tree needs is not. */
    open_table(f, 1);
    f->o.size = 99 * MIB;
    refused(f, "--size");
    /* A disk with no free space at all. */
    make_disk(f, 64 * GIB,
              "label: gpt\n"
              "start=2048, type=" BASIC "\n");
    open_table(f, 1);
    struct dm_extent e[4];
    assert_int_equal(dm_ptable_free(f->t, e, 4), 0);
    f->o.size = 0;
    refused(f, "not enough free space");
}

/* The Windows RE partition dartmk made before (by its GPT name) is updated in place. */
static void test_gpt_update_ours(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: gpt\n"
              "start=2048, size=204800, type=" ESP "\n"
              "start=206848, size=32768, type=" MSR "\n"
              "start=239616, size=41943040, type=" BASIC "\n"
              "start=42182656, size=1228800, type=" WINRE ", name=\"" OURS "\", " RE_ATT "\n");
    open_table(f, 1);
    size_t active = 9;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 4);
    assert_int_equal(active, 0);
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.number, 4);
    assert_int_equal(f->plan.part.start, UINT64_C(42182656) * SECT);
    assert_int_equal(f->plan.part.size, 600 * MIB);
    assert_int_equal(f->plan.nafter, 4);
    assert_memory_equal(f->plan.after, f->plan.before, 4 * sizeof f->plan.before[0]);
    /* Another name is not ours. */
    f->o.name = "Something Else";
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    f->o.name = OURS;
    /* Too small for the tree: refused, --replace makes a new one. */
    f->o.need = 700 * MIB;
    refused(f, "too small");
    f->o.replace = 1;
    planned(f, DM_PART_REPLACE);
    assert_int_equal(f->plan.nafter, 4);
    assert_int_equal(f->plan.part.size, dm_part_plan_default_size(700 * MIB));
    assert_int_equal(f->plan.part.start, UINT64_C(42182656) * SECT); /* the freed space */
    assert_string_equal(f->plan.part.name, OURS);
    /* --replace of one that fits: deleted and made again in the largest extent. */
    open_table(f, 1);
    f->o.need = 100 * MIB;
    planned(f, DM_PART_REPLACE);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(f->plan.nafter, 4);
}

/* A Windows RE partition Windows made is left alone: a new one is made beside it. --force takes
 * it over (named ours from then on); --replace alone does not touch it. */
static void test_gpt_foreign_winre(void **state)
{
    struct fixture *f = *state;
    static const char script[] =
        "label: gpt\n"
        "start=2048, size=204800, type=" ESP ", name=\"EFI system partition\"\n"
        "start=206848, size=32768, type=" MSR "\n"
        "start=239616, size=41943040, type=" BASIC ", name=\"Basic data partition\"\n"
        "start=42182656, size=1228800, type=" WINRE ", name=\"Windows RE\", " RE_ATT "\n";
    make_disk(f, 64 * GIB, script);
    open_table(f, 1);
    size_t active;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.foreign, 4);
    assert_int_equal(f->plan.part.number, 5);
    assert_int_equal(f->plan.part.start, UINT64_C(43411456) * SECT);
    assert_string_equal(after(&f->plan, 4)->name, "Windows RE");
    assert_int_equal(after(&f->plan, 4)->size, 600 * MIB);
    /* --replace without --force: still left alone. */
    open_table(f, 1);
    f->o.replace = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.foreign, 4);
    assert_string_equal(after(&f->plan, 4)->name, "Windows RE");
    /* --force: updated in place and renamed. */
    open_table(f, 1);
    f->o.replace = 0, f->o.force = 1;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 4);
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.number, 4);
    assert_int_equal(f->plan.nafter, 4);
    assert_string_equal(after(&f->plan, 4)->name, OURS);
    assert_true(after(&f->plan, 4)->attrs == DM_WINRE_ATTRS);
    f->o.force = 0;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 4); /* ours now */
    /* --force --replace: deleted, a new one made. */
    make_disk(f, 64 * GIB, script);
    open_table(f, 1);
    f->o.replace = 1, f->o.force = 1;
    planned(f, DM_PART_REPLACE);
    assert_int_equal(f->plan.nafter, 4);
    assert_int_equal(f->plan.foreign, 0);
    assert_string_equal(f->plan.part.name, OURS);
    for (size_t i = 0; i < f->plan.nafter; i++)
        assert_string_not_equal(f->plan.after[i].name, "Windows RE");
}

/* Planning again on the result finds the partition just made: an update, in the same place —
 * in memory, and after the table is written and read back. */
static void test_gpt_idempotent(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB, windows_gpt);
    open_table(f, 0);
    f->o.at = GAP_START + GIB;
    planned(f, DM_PART_CREATE);
    struct dm_part made = f->plan.part;
    f->o.at = 0; /* a second run without --at */
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.number, made.number);
    assert_int_equal(f->plan.part.start, made.start);
    assert_int_equal(f->plan.part.size, made.size);
    assert_int_equal(f->plan.nafter, 5);
    assert_int_equal(dm_ptable_write(f->t), 0);
    open_table(f, 1);
    size_t active;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), made.number);
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.start, GAP_START + GIB);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_string_equal(f->plan.part.type, WINRE);
    assert_true(f->plan.part.attrs == DM_WINRE_ATTRS);
    assert_int_equal(f->plan.nafter, 5);
    char uuid[40];
    assert_int_equal(strlen(dm_ptable_uuid(f->t, made.number, uuid)), 36);
}

/* ---- MBR ---- */

/* Makes the partition at byte `start` (`size` bytes) of the fixture's disk hold what dartmk
 * writes there: a FAT volume whose manifest names dartmk as its generator (mkfs.fat, mcopy). */
static void make_ours(struct fixture *f, uint64_t start, uint64_t size)
{
    char cmd[512], manifest[128];
    snprintf(manifest, sizeof manifest, "%s/dartmk-manifest.json", f->dir);
    FILE *m = fopen(manifest, "w");
    assert_non_null(m);
    fputs("{\"generator\":\"dartmk 0.1.0\",\"files\":[]}\n", m);
    fclose(m);
    snprintf(cmd, sizeof cmd,
             "mkfs.fat -F 32 -s 8 --offset %llu %s %llu >/dev/null 2>&1 && "
             "MTOOLS_SKIP_CHECK=1 mcopy -i %s@@%llu %s ::/dartmk-manifest.json",
             (unsigned long long)(start / SECT), f->image, (unsigned long long)(size / 1024),
             f->image, (unsigned long long)start, manifest);
    assert_int_equal(system(cmd), 0);
}

static void test_mbr_one_primary(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=83886080, type=7, bootable\n");
    open_table(f, 1);
    assert_int_equal(dm_ptable_scheme(f->t), DM_SCHEME_MBR);
    size_t active = 0;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    assert_int_equal(active, 1);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.old_active, 1);
    assert_int_equal(f->plan.part.number, 2);
    assert_int_equal(f->plan.part.start, 40 * GIB + MIB);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_string_equal(f->plan.part.type, "0x27");
    assert_string_equal(f->plan.part.name, "");
    assert_true(f->plan.part.winre);
    assert_false(f->plan.part.active);
    assert_true(after(&f->plan, 1)->active);
    /* At the end: an MBR has no backup table, the disk's last MiB is usable. */
    open_table(f, 1);
    f->o.at_end = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start + f->plan.part.size, 64 * GIB);
}

/* Three primaries: the fourth slot; four: no slot, whatever the free space. */
static void test_mbr_slots(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=204800, type=7, bootable\n"
              "start=206848, size=41943040, type=7\n"
              "start=44040192, size=20971520, type=b\n");
    open_table(f, 1);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.number, 4);
    assert_int_equal(f->plan.part.start, UINT64_C(65011712) * SECT);
    assert_int_equal(f->plan.nafter, 4);
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=204800, type=7, bootable\n"
              "start=206848, size=41943040, type=7\n"
              "start=44040192, size=20971520, type=b\n"
              "start=65011712, size=2097152, type=7\n");
    open_table(f, 1);
    struct dm_extent e[4];
    assert_int_equal(dm_ptable_free(f->t, e, 4), 2); /* 923 MiB after C:, 32 GiB at the end */
    assert_int_equal(e[0].size, 923 * MIB);
    assert_int_equal(e[1].start, 32 * GIB);
    refused(f, "all four primary partitions");
    /* A gap in the middle with slot 2 free: numbered 2, placed in the gap when it is the
     * largest extent. */
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=204800, type=7, bootable\n"
              "3: start=88080384, size=46137344, type=7\n");
    open_table(f, 1);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.number, 2);
    assert_int_equal(f->plan.part.start, 101 * MIB);
}

/* Free space inside an extended partition is for logical ones, never for ours. */
static void test_mbr_extended(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=2097152, type=7, bootable\n"
              "start=2099200, size=123731968, type=5\n"
              "start=2101248, size=2097152, type=7\n");
    open_table(f, 1);
    struct dm_extent e[8];
    size_t n = dm_ptable_free(f->t, e, 8);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].start, UINT64_C(125831168) * SECT);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, UINT64_C(125831168) * SECT);
    assert_int_equal(f->plan.part.number, 3);
    /* --at inside the extended partition's free space: refused. */
    open_table(f, 1);
    f->o.at = 10 * GIB;
    refused(f, "no free extent");
}

/* A Windows RE partition (0x27) is ours only when what is inside says so (MBR has no names). */
static void test_mbr_winre(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=204800, type=7, bootable\n"
              "start=206848, size=41943040, type=7\n"
              "start=42149888, size=1228800, type=27\n");
    uint64_t re_start = UINT64_C(42149888) * SECT;
    open_table(f, 1);
    size_t active;
    /* Nothing to look inside (no disk named), or nothing of dartmk's inside: foreign. */
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    f->o.disk = f->image;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 0);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.foreign, 3);
    assert_int_equal(f->plan.part.number, 4);
    /* Ours. */
    make_ours(f, re_start, UINT64_C(1228800) * SECT);
    open_table(f, 1);
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 3);
    assert_int_equal(active, 1);
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.number, 3);
    assert_int_equal(f->plan.part.start, re_start);
    assert_int_equal(f->plan.nafter, 3);
    assert_int_equal(f->plan.old_active, 1);
    /* --replace: slot 3 freed and used again. */
    f->o.replace = 1;
    planned(f, DM_PART_REPLACE);
    assert_int_equal(f->plan.part.number, 3);
    assert_int_equal(f->plan.nafter, 3);
    assert_string_equal(f->plan.part.type, "0x27");
}

static void test_mbr_idempotent(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * GIB,
              "label: dos\n"
              "start=2048, size=83886080, type=7, bootable\n");
    f->o.disk = f->image;
    open_table(f, 0);
    planned(f, DM_PART_CREATE);
    uint64_t at = f->plan.part.start;
    assert_int_equal(dm_ptable_set_active(f->t, f->plan.part.number), 0);
    assert_int_equal(dm_ptable_write(f->t), 0);
    make_ours(f, at, f->plan.part.size);
    open_table(f, 1);
    size_t active;
    assert_int_equal(dm_part_plan_ours(f->t, &f->o, &active), 2);
    assert_int_equal(active, 2);
    planned(f, DM_PART_UPDATE);
    assert_int_equal(f->plan.part.start, at);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(f->plan.old_active, 2);
    assert_false(after(&f->plan, 1)->active);
}

/* An MBR disk larger than 2 TiB: an MBR cannot address a sector past 2^32, so nothing may be
 * planned there, never silently wrapped. */
static void test_mbr_past_2tib(void **state)
{
    struct fixture *f = *state;
    const uint64_t limit = (UINT64_C(1) << 32) * SECT;
    char script[256];
    /* C: ends 100 MiB before the limit: what is free beyond it cannot be used. */
    snprintf(script, sizeof script, "label: dos\nstart=2048, size=%llu, type=7, bootable\n",
             (unsigned long long)((UINT64_C(1) << 32) - 2048 - 100 * S_MIB));
    make_disk(f, 3 * TIB, script);
    open_table(f, 1);
    assert_int_equal(dm_part_plan_recovery(f->t, &f->o, &f->plan), DM_FAIL);
    assert_string_not_equal(diagnostics(f), "");
    assert_int_equal(count(f), 1);
    /* C: of 100 GiB: the partition goes after it, below the limit. */
    snprintf(script, sizeof script, "label: dos\nstart=2048, size=%llu, type=7, bootable\n",
             (unsigned long long)(100 * S_GIB));
    make_disk(f, 3 * TIB, script);
    open_table(f, 0);
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, 100 * GIB + MIB);
    assert_int_equal(dm_ptable_write(f->t), 0);
    open_table(f, 1);
    struct dm_part p[4];
    assert_int_equal(dm_ptable_list(f->t, p, 4), 2);
    assert_int_equal(p[1].start, 100 * GIB + MIB);
    assert_int_equal(p[1].size, DM_PART_RECOVERY_MIN);
    assert_string_equal(p[1].type, "0x27");
    /* --at past the limit: refused, nothing added. */
    make_disk(f, 3 * TIB, script);
    open_table(f, 1);
    f->o.at = 2560 * GIB;
    assert_int_not_equal(dm_part_plan_recovery(f->t, &f->o, &f->plan), 0);
    assert_string_not_equal(diagnostics(f), "");
    assert_int_equal(count(f), 1);
    /* --at end: below the limit, or refused — never past it. */
    open_table(f, 1);
    f->o.at = 0, f->o.at_end = 1;
    int rc = dm_part_plan_recovery(f->t, &f->o, &f->plan);
    diagnostics(f);
    assert_true(rc != 0 || f->plan.part.start + f->plan.part.size <= limit);
    assert_int_equal(count(f), rc ? 1 : 2);
}

/* An MBR disk larger than 2 TiB, --at end: the free space past sector 2^32 is not offered, so
 * the partition goes at the end of what an MBR can address (issue 15), not refused by libfdisk
 * ("Numerical result out of range") although 1.9 TiB is free below the limit. */
static void test_mbr_past_2tib_at_end(void **state)
{
    struct fixture *f = *state;
    const uint64_t limit = (UINT64_C(1) << 32) * SECT;
    char script[256];
    snprintf(script, sizeof script, "label: dos\nstart=2048, size=%llu, type=7, bootable\n",
             (unsigned long long)(100 * S_GIB));
    make_disk(f, 3 * TIB, script);
    open_table(f, 0);
    struct dm_extent e[8];
    size_t n = dm_ptable_free(f->t, e, 8);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].start, 100 * GIB + MIB);
    assert_int_equal(e[0].start + e[0].size, limit);
    f->o.at_end = 1;
    planned(f, DM_PART_CREATE);
    assert_int_equal(f->plan.part.start, limit - DM_PART_RECOVERY_MIN);
    assert_int_equal(f->plan.part.size, DM_PART_RECOVERY_MIN);
    assert_int_equal(dm_ptable_write(f->t), 0);
    open_table(f, 1);
    struct dm_part p[4];
    assert_int_equal(dm_ptable_list(f->t, p, 4), 2);
    assert_int_equal(p[1].start + p[1].size, limit);
    assert_string_equal(p[1].type, "0x27");
}

/* ---- damaged tables ---- */

/* MBR entries written by hand (sfdisk refuses these): refused when the table is read, naming
 * the partitions. */
static void test_open_damaged_mbr(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint32_t start[2], size[2];
        const char *says;
    } cases[] = {
        {{2048, 100000},
         {204800, 204800},
         "partitions 1 (sectors 2048-206847) and 2 (sectors "
         "100000-304799) overlap"},
        {{2048, 206848}, {204800, 2000000}, "partition 2 (sectors 206848-2206847) lies outside"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_disk(f, 1 * GIB, "label: dos\nstart=2048, size=204800, type=7\n");
        int fd = open(f->image, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        for (int k = 0; k < 2; k++) {
            unsigned char entry[16] = {0};
            entry[4] = 0x07;
            memcpy(entry + 8, &cases[i].start[k], 4); /* little-endian hosts */
            memcpy(entry + 12, &cases[i].size[k], 4);
            assert_int_equal(pwrite(fd, entry, 16, 446 + 16 * k), 16);
        }
        close(fd);
        f->fd = open(f->image, O_RDONLY | O_CLOEXEC);
        assert_true(f->fd >= 0);
        struct dm_ptable *t = NULL;
        assert_int_equal(dm_ptable_open(f->fd, "disk.img", 1, &t), DM_FAIL);
        assert_null(t);
        const char *line = diagnostics(f);
        if (!strstr(line, cases[i].says) || !strstr(line, "disk.img: "))
            fail_msg("expected a line saying '%s', got '%s'", cases[i].says, line);
        close(f->fd);
        f->fd = -1;
    }
}

/* ---- opening ---- */

static void test_open_refusals(void **state)
{
    struct fixture *f = *state;
    make_disk(f, 64 * MIB, NULL);
    f->fd = open(f->image, O_RDONLY | O_CLOEXEC);
    assert_true(f->fd >= 0);
    struct dm_ptable *t = NULL;
    assert_int_equal(dm_ptable_open(f->fd, "disk.img", 1, &t), DM_FAIL);
    assert_null(t);
    assert_non_null(strstr(diagnostics(f), "no partition table"));
    close(f->fd);
    f->fd = -1;
    /* A table of another kind (a Sun label). */
    make_disk(f, 64 * MIB, "label: sun\n");
    f->fd = open(f->image, O_RDONLY | O_CLOEXEC);
    assert_true(f->fd >= 0);
    int rc = dm_ptable_open(f->fd, "disk.img", 1, &t);
    if (rc == 0)
        dm_ptable_close(t);
    assert_int_equal(rc, DM_FAIL);
    assert_non_null(strstr(diagnostics(f), "GPT and MBR disks only"));
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_size),
        T(test_gpt_reads_windows_disk),
        T(test_gpt_largest_extent),
        T(test_gpt_at_end),
        T(test_gpt_at_offset),
        T(test_gpt_alignment),
        T(test_gpt_past_2tib),
        T(test_gpt_no_room),
        T(test_gpt_update_ours),
        T(test_gpt_foreign_winre),
        T(test_gpt_idempotent),
        T(test_mbr_one_primary),
        T(test_mbr_slots),
        T(test_mbr_extended),
        T(test_mbr_winre),
        T(test_mbr_idempotent),
        T(test_mbr_past_2tib),
        T(test_mbr_past_2tib_at_end),
        T(test_open_damaged_mbr),
        T(test_open_refusals),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
