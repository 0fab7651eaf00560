/* partition.c — provisioning a recovery partition (see partition.h). */
#include "target/partition.h"
#include "fat/fat_read.h"
#include "partition/contents.h"
#include "partition/layout.h"
#include "util/copy.h"
#include "util/report.h"

#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const bios_boot_names[3] = {"menu", "active", "none"};

enum { STAGE_NONE, STAGE_CONTENTS, STAGE_TABLE, STAGE_DONE };

static enum dm_bios_boot target_partition_bios(const struct dm_target_partition *x)
{
    return x->scheme == DM_SCHEME_MBR ? x->bios : DM_BIOS_NONE;
}

static struct dm_claim_rules rules(const char *source)
{
    return (struct dm_claim_rules){
        .source = source, .fixed_ok = 1, .what = "given a recovery partition"};
}

static struct dm_usb stick(const struct dm_target_partition *x)
{
    const struct dm_claim *c = &x->claim;
    return (struct dm_usb){
        .fd = c->fd, .path = c->path, .is_device = c->is_device, .size = c->size};
}

static int part_check(struct dm_job *j, void *t)
{
    struct dm_target_partition *x = t;
    struct dm_claim_rules r = rules(j->source);
    x->popts.disk = x->claim.path; /* MBR: dartmk's partition is told by a look inside */
    return dm_claim_probe(x->claim.path, &r, &x->claim);
}

/* ---- what is there ---- */

/* The installed system's partition for the menu: the active one, unless that is dartmk's
 * recovery partition (a run before made it active): then the one its menu boots. */
static unsigned os_partition(const char *disk, struct dm_ptable *t,
                             const struct dm_part_plan_opts *o)
{
    size_t active = 0, ours = dm_part_plan_ours(t, o, &active);
    struct dm_part parts[DM_PART_MAX];
    size_t n = dm_ptable_list(t, parts, DM_PART_MAX);
    if (!active || active != ours)
        return (unsigned)active;
    for (size_t i = 0; i < n; i++)
        if (parts[i].number == ours) {
            char *cfg = dm_part_read_file(disk, &parts[i], DM_SYSLINUX_DIR "/syslinux.cfg");
            char note[DM_PART_NOTE];
            unsigned os = dm_syslinux_config_os(cfg);
            free(cfg);
            /* An incomplete update: its mark's note keeps the number. */
            return os || !dm_part_incomplete(disk, &parts[i], note) ? os
                                                                    : dm_syslinux_config_os(note);
        }
    return 0;
}

/* The table, read-only. */
static int open_table(const struct dm_target_partition *x, int *fd, struct dm_ptable **pt)
{
    *pt = NULL;
    *fd = open(x->claim.path, O_RDONLY | O_CLOEXEC);
    return *fd < 0 ? dm_error_errno(DM_FAIL, errno, "%s", x->claim.path)
                   : dm_ptable_open(*fd, x->claim.path, 1, pt);
}

static void close_table(int fd, struct dm_ptable *pt)
{
    dm_ptable_close(pt);
    if (fd >= 0)
        close(fd);
}

const char *dm_part_change_name(enum dm_part_change c)
{
    static const char *const names[] = {"create", "update", "move", "none"};
    return names[c];
}

int dm_part_boot_before(const char *disk, uint64_t disk_size, uint64_t start,
                        uint8_t code[DM_MBR_CODE], size_t *active, char **from)
{
    uint8_t now[512], old[512];
    uint64_t size = 0;
    char **files = NULL;
    size_t n = dm_claim_saved_tables(&files);
    int fd = open(disk, O_RDONLY | O_CLOEXEC), found = 0;
    int ok = fd >= 0 && pread(fd, now, sizeof now, 0) == (ssize_t)sizeof now;
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < n; i++) {
        struct dm_capture quiet; /* a table that cannot be read is not this disk's */
        dm_capture_begin(&quiet);
        int got = ok && !found && dm_layout_saved_sector0(files[i], old, &size) == 0;
        dm_capture_end(&quiet);
        dm_capture_free(&quiet);
        int before = got && size == disk_size && old[510] == 0x55 && old[511] == 0xAA &&
                     !memcmp(old + 440, now + 440, 4);
        for (int k = 0; before && k < 4; k++) { /* the recovery partition not in it yet */
            const uint8_t *e = old + 446 + 16 * k;
            uint32_t lba = e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24;
            before = !(e[4] == DM_WINRE_MBR && lba == start / 512);
        }
        if (before) {
            *active = 0;
            for (int k = 0; k < 4; k++)
                *active = old[446 + 16 * k] == 0x80 ? (size_t)k + 1 : *active;
            memcpy(code, old, DM_MBR_CODE), found = 1;
            *from = files[i], files[i] = NULL;
        }
        free(files[i]);
    }
    free(files);
    return found;
}

/* DM_PART_RECORD's text: the MBR code (or none) and the active partition (0: none). */
static void record_text(struct dm_target_partition *x, const uint8_t *code, size_t active)
{
    unsigned char b64[DM_MBR_CODE * 2] = "";
    int mbr = x->scheme == DM_SCHEME_MBR;
    if (code)
        EVP_EncodeBlock(b64, code, DM_MBR_CODE);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "generator", json_object_new_string("dartmk " DARTMK_VERSION));
    json_object_object_add(r, "scheme", json_object_new_string(dm_scheme_name(x->scheme)));
    json_object_object_add(r, "mbr_code", *b64 ? json_object_new_string((char *)b64) : NULL);
    json_object_object_add(r, "active", mbr && active ? json_object_new_int((int)active) : NULL);
    snprintf(x->record, sizeof x->record, "%s\n",
             json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(r);
}

/* The record of how the disk booted before dartmk: carried over from dartmk's partition when it
 * has one; else, on a disk without dartmk's partition, the MBR code and active partition now;
 * else (its record unreadable: an update cut short; or made before records were kept) the table
 * saved on this host from before it (dm_part_boot_before), or only the installed system's
 * partition — the MBR code now is syslinux's, not the disk's own. */
static void make_record(struct dm_target_partition *x, int fd, struct dm_ptable *pt, unsigned os)
{
    struct dm_part parts[DM_PART_MAX];
    size_t active = 0, ours = dm_part_plan_ours(pt, &x->popts, &active);
    size_t n = dm_ptable_list(pt, parts, DM_PART_MAX);
    uint8_t code[DM_MBR_CODE];
    char *from = NULL;
    for (size_t i = 0; i < n; i++) {
        char *old = parts[i].number == ours && !x->popts.replace
                        ? dm_part_read_file(x->claim.path, &parts[i], DM_PART_RECORD)
                        : NULL;
        if (old && strlen(old) < sizeof x->record) {
            snprintf(x->record, sizeof x->record, "%s", old);
            free(old);
            return;
        }
        free(old);
    }
    int mbr = x->scheme == DM_SCHEME_MBR, have = 0;
    if (mbr && !ours)
        have = pread(fd, code, sizeof code, 0) == (ssize_t)sizeof code;
    for (size_t i = 0; mbr && ours && i < n; i++)
        if (parts[i].number == ours)
            have = dm_part_boot_before(x->claim.path, dm_ptable_disk_size(pt), parts[i].start, code,
                                       &active, &from);
    free(from);
    record_text(x, have ? code : NULL, have || !ours ? active : os);
}

/* The recovery tree's syslinux configuration depends on the disk: its installed system. */
static int part_tree(struct dm_job *j, void *t)
{
    struct dm_target_partition *x = t;
    struct dm_ptable *pt;
    unsigned os = 0;
    int fd, rc = open_table(x, &fd, &pt);
    if (rc == 0) {
        x->scheme = dm_ptable_scheme(pt);
        os = os_partition(x->claim.path, pt, &x->popts);
        make_record(x, fd, pt, os);
    }
    close_table(fd, pt);
    x->loader =
        j->media->arch == DM_ARCH_X86 ? "\\EFI\\BOOT\\BOOTIA32.EFI" : "\\EFI\\BOOT\\BOOTX64.EFI";
    if (rc == 0 && target_partition_bios(x) == DM_BIOS_MENU && !os)
        rc = dm_error(DM_FAIL,
                      "%s: no active partition: the menu has no installed system to "
                      "start (--bios-boot active or none)",
                      x->claim.path);
    x->os = os;
    struct dm_syslinux_boot boot = {.menu = target_partition_bios(x) == DM_BIOS_MENU,
                                    .os_partition = os,
                                    .timeout = x->timeout};
    if (rc == 0)
        rc = dm_usb_tree_opts(j, &boot, x->sf);
    if (rc == 0) { /* the record beside the manifest; the options that shape the contents */
        j->extra[j->ropts.nextra++] = (struct dm_recovery_file){DM_PART_RECORD, NULL, x->record};
        int menu = target_partition_bios(x) == DM_BIOS_MENU; /* the menu's settings count */
        snprintf(x->inputs, sizeof x->inputs,
                 "{\"label\":\"%s\",\"bios_boot\":\"%s\",\"menu_timeout\":%u,"
                 "\"os_partition\":%u}",
                 x->label ? x->label : "DART", bios_boot_names[target_partition_bios(x)],
                 menu ? x->timeout : 0, menu ? os : 0);
        j->ropts.target_inputs = x->inputs;
    }
    return rc;
}

/* ---- the plan: where the partition goes, its volume, then the go-ahead ---- */

static int plan_fat(struct dm_job *j, struct dm_target_partition *x)
{
    int update = x->plan.action == DM_PART_UPDATE;
    snprintf(x->note, sizeof x->note,
             "dartmk: an incomplete update of the recovery partition: run dartmk partition "
             "again\n# dartmk-os-partition %u\n",
             x->os);
    struct dm_fat_opts o = {.type = DM_FAT32,
                            .label = x->label ? x->label : "DART",
                            .hidden_sectors = (uint32_t)(x->plan.part.start / 512),
                            .name = x->claim.path,
                            .incomplete = update ? x->note : NULL};
    return dm_fat_plan_new(j->rt->tree, x->plan.part.size, &o, &x->fat);
}

const char *dm_target_partition_update_name(enum dm_part_update u)
{
    return u == DM_UPDATE_IN_PLACE ? "in-place" : u == DM_UPDATE_REWRITE ? "rewrite" : NULL;
}

/* The longest run of free clusters in a FAT (entries 2 .. clusters + 1): its first, *len. */
static uint32_t free_run(const uint32_t *e, uint32_t clusters, uint32_t *len)
{
    uint32_t best = 0, n = 0;
    *len = 0;
    for (uint32_t c = 2; c < clusters + 2; c++) {
        n = e[c] ? 0 : n + 1;
        if (n > *len)
            *len = n, best = c + 1 - n;
    }
    return best;
}

/* An update: in place when the old volume is unmarked, has the new plan's shape and a run of
 * free clusters that holds the new tree; else a rewrite. Quiet: the old volume may be anything. */
static void plan_update(struct dm_target_partition *x)
{
    struct dm_fatread_geom g;
    struct dm_fat_info fi;
    struct dm_capture quiet;
    uint32_t *e = NULL, len = 0, first = 0;
    x->update = DM_UPDATE_REWRITE;
    if ((x->incomplete = dm_part_incomplete(x->claim.path, &x->plan.part, NULL)) != 0)
        return;
    dm_fat_plan_info(x->fat, &fi);
    dm_capture_begin(&quiet);
    int rc = dm_fatread_fat(x->claim.path, x->plan.part.start, x->plan.part.size, &g, &e);
    dm_capture_end(&quiet);
    dm_capture_free(&quiet);
    if (rc == 0 && g.type == 32 && g.cluster_size == fi.cluster_size && g.clusters == fi.clusters &&
        g.data_offset == fi.data_offset && g.fat_offset == fi.fat_offset &&
        g.fat_bytes == fi.fat_bytes)
        first = free_run(e, g.clusters, &len);
    if (first && len >= fi.used_clusters && dm_fat_plan_place(x->fat, first) == 0) {
        x->update = DM_UPDATE_IN_PLACE;
        x->old_fat = e, e = NULL;
    }
    free(e);
}

/* The fingerprint recorded in the manifest of the partition dartmk made ("" when none). */
static void fingerprint_before(struct dm_target_partition *x)
{
    char *text = dm_part_read_file(x->claim.path, &x->plan.part, DM_MANIFEST_NAME);
    json_object *m = text ? json_tokener_parse(text) : NULL, *f = NULL;
    const char *v =
        json_object_object_get_ex(m, "fingerprint", &f) ? json_object_get_string(f) : NULL;
    snprintf(x->fingerprint_before, sizeof x->fingerprint_before, "%s",
             v && strlen(v) == 64 ? v : "");
    json_object_put(m);
    free(text);
}

/* What the run changes: nothing when dartmk's partition, complete, records these inputs. */
static int plan_change(struct dm_job *j, struct dm_target_partition *x)
{
    int rc = dm_recovery_fingerprint(j->rt, x->fingerprint);
    x->change = x->plan.action == DM_PART_CREATE    ? DM_CHANGE_CREATE
                : x->plan.action == DM_PART_REPLACE ? DM_CHANGE_MOVE
                                                    : DM_CHANGE_UPDATE;
    if (rc || x->change != DM_CHANGE_UPDATE)
        return rc;
    fingerprint_before(x);
    if (!x->incomplete && !x->boot_once && strcmp(x->fingerprint, x->fingerprint_before) == 0)
        x->change = DM_CHANGE_NONE;
    return 0;
}

static int part_plan(struct dm_job *j, void *t)
{
    struct dm_target_partition *x = t;
    struct dm_ptable *pt = NULL;
    int fd = -1, rc = 0;
    if (!(x->popts.need = dm_fat_min_size(j->rt->tree, DM_FAT32, 0)))
        return DM_FAIL; /* the FAT writer said why */
    rc = open_table(x, &fd, &pt);
    if (rc == 0)
        rc = dm_part_plan_recovery(pt, &x->popts, &x->plan);
    if (rc == 0)
        dm_ptable_uuid(pt, x->plan.part.number, x->uuid);
    close_table(fd, pt);
    if (rc == 0)
        rc = plan_fat(j, x);
    if (rc == 0 && x->plan.action == DM_PART_UPDATE)
        plan_update(x);
    if (rc == 0 && x->incomplete && !x->dry_run)
        dm_warn("%s: partition %zu holds an incomplete update: this run completes it",
                x->claim.path, x->plan.part.number);
    if (rc == 0)
        rc = plan_change(j, x);
    if (rc || x->dry_run || x->change == DM_CHANGE_NONE)
        return rc;
    if ((rc = dm_job_checked(j)) != 0) /* boot.wim sound before the disk is touched */
        return rc;
    struct dm_claim_rules r = rules(j->source);
    rc = dm_claim_confirm(&x->claim, &r, j->yes);
    if (rc == 0)
        rc = dm_claim_open(&x->claim);
    return rc ? rc : dm_claim_save_table(&x->claim, x->backup, &x->saved_table);
}

/* ---- writing ---- */

/* GPT: the firmware entry, added when asked (by default when DISK is this UEFI machine's own). */
static int efi_entry(struct dm_target_partition *x)
{
    const struct dm_part *p = &x->plan.part;
    int rc = dm_efi_entry_make((unsigned)p->number, x->uuid, p->start, p->size, x->loader,
                               "DaRT Recovery", &x->efi);
    /* Added by default where it can be: on this UEFI machine's own disk (--efi-entry asks no
     * more than that; --no-efi-entry asks for less). */
    x->efi_why = x->efi_entry == 0     ? "--no-efi-entry"
                 : !x->claim.is_device ? "DISK is a disk image: its machine's firmware is not "
                                         "this one"
                 : !dm_efi_available() ? "this machine was not started with UEFI: it has no "
                                         "firmware boot entries"
                 : x->dry_run          ? "--dry-run"
                                       : NULL;
    int have =
        rc == 0 && !x->efi_why && x->change == DM_CHANGE_NONE ? dm_efi_entry_find(&x->efi) : -1;
    if (have >= 0) /* nothing to change: the entry is there already */
        x->efi.added = 1, x->efi.number = (unsigned)have;
    else if (rc == 0 && !x->efi_why)
        rc = dm_efi_entry_add(&x->efi, x->boot_once), x->efi_changed = rc == 0;
    return rc;
}

/* The table written from the plan, then the boot code (MBR, menu or active). */
static int write_table(struct dm_target_partition *x, const struct dm_usb *s)
{
    struct dm_ptable *pt = NULL;
    struct dm_part_plan again;
    int rc = dm_ptable_open(x->claim.fd, x->claim.path, 0, &pt);
    if (rc == 0)
        rc = dm_part_plan_recovery(pt, &x->popts, &again);
    if (rc == 0 &&
        (again.part.number != x->plan.part.number || again.part.start != x->plan.part.start))
        rc = dm_error(DM_FAIL, "%s: the partition table changed while it was being read",
                      x->claim.path);
    if (rc == 0 && target_partition_bios(x) != DM_BIOS_NONE)
        rc = dm_ptable_set_active(pt, x->plan.part.number);
    if (rc == 0)
        rc = dm_ptable_write(pt);
    if (rc == 0) /* a new partition's GUID is drawn when it is added: this one is written */
        dm_ptable_uuid(pt, x->plan.part.number, x->uuid);
    dm_ptable_close(pt);
    uint8_t code[DM_MBR_CODE];
    if (rc == 0 && target_partition_bios(x) != DM_BIOS_NONE)
        rc = dm_syslinux_write_mbr(s->fd, s->path, 0, code);
    if (rc == 0 && fsync(x->claim.fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush the partition table", x->claim.path);
    return rc;
}

static int sync_disk(const struct dm_target_partition *x)
{
    return fsync(x->claim.fd) == 0
               ? 0
               : dm_error_errno(DM_FAIL, errno, "%s: cannot flush to the disk", x->claim.path);
}

/* The plan's boot sector at the partition's start (and, with backup, its backup first), flushed. */
static int put_boot_sector(struct dm_target_partition *x, int readable, int backup)
{
    uint8_t b[512];
    uint64_t at = x->plan.part.start;
    int rc = 0;
    dm_fat_plan_boot_sector(x->fat, readable, b);
    x->marked = 1; /* from the first byte written */
    if (backup)
        rc = dm_pwrite_all(x->claim.fd, b, sizeof b, at + 6 * sizeof b, x->claim.path);
    if (rc == 0)
        rc = dm_pwrite_all(x->claim.fd, b, sizeof b, at, x->claim.path);
    return rc ? rc : sync_disk(x);
}

/* The partition dartmk made before, given its new contents (partition.h: in place or rewrite),
 * up to the point where syslinux's installer takes over. Each step is flushed before the next. */
static int write_update(struct dm_target_partition *x)
{
    int fd = x->claim.fd, rc;
    uint64_t at = x->plan.part.start;
    if (x->update == DM_UPDATE_IN_PLACE) {
        rc = dm_fat_plan_write_data(x->fat, fd, at); /* into free clusters: nothing changes */
        if (rc == 0)
            rc = sync_disk(x);
        if (rc == 0) /* the new chains where the FATs had free entries: the old ones unchanged */
            rc = dm_fat_plan_write_fats(x->fat, fd, at, x->old_fat);
        if (rc == 0)
            rc = sync_disk(x);
        if (rc == 0) /* the switch: one sector names the new root directory, marked */
            rc = put_boot_sector(x, 1, 1);
        if (rc == 0) /* the old chains freed */
            rc = dm_fat_plan_write_fats(x->fat, fd, at, NULL);
        return rc ? rc : sync_disk(x);
    }
    rc = put_boot_sector(x, 0, 1); /* nothing reads the volume from here on... */
    if (rc == 0)
        rc = dm_fat_plan_write(x->fat, fd, at);
    if (rc == 0)
        rc = sync_disk(x);
    return rc ? rc : put_boot_sector(x, 1, 0); /* ...but syslinux's installer, at the end */
}

/* The contents first, into space the table does not give to anything yet (or to the partition
 * being updated), read back before the table is touched; the table last: a run cut short
 * leaves the old table. --dry-run only says what the firmware entry would be. */
static int part_write(struct dm_job *j, void *t)
{
    struct dm_target_partition *x = t;
    if (x->dry_run)
        return x->scheme == DM_SCHEME_GPT ? efi_entry(x) : 0;
    if (x->change == DM_CHANGE_NONE) /* the firmware entry still added when it is missing */
        return x->scheme == DM_SCHEME_GPT ? efi_entry(x) : 0;
    struct dm_usb s = stick(x);
    struct dm_usb_finish_opts fo = {.rt = j->rt, .verify = j->verify, .boot_once = x->boot_once};
    x->stage = STAGE_CONTENTS;
    int rc =
        x->update ? write_update(x) : dm_fat_plan_write(x->fat, x->claim.fd, x->plan.part.start);
    /* syslinux's installer writes its boot sector over the marked one: the mark goes with it */
    if (rc == 0)
        rc = dm_usb_finish(&s, x->fat, x->plan.part.start, x->plan.part.size, &fo, &x->res);
    if (rc)
        return rc;
    x->marked = 0;
    x->stage = STAGE_TABLE;
    if ((rc = write_table(x, &s)) != 0)
        return rc;
    x->stage = STAGE_DONE;
    return x->scheme == DM_SCHEME_GPT ? efi_entry(x) : 0;
}

static int part_finish(struct dm_job *j, void *t)
{
    struct dm_target_partition *x = t;
    struct dm_usb s = stick(x);
    (void)j;
    if (!x->dry_run && x->change != DM_CHANGE_NONE)
        dm_usb_reread(&s);
    return dm_claim_close(&x->claim, 0);
}

/* After the table was written, a failure puts the saved one back. */
static int undo(struct dm_target_partition *x, int rc)
{
    int exact = 0;
    const char *disk = x->claim.path, *saved = x->saved_table;
    if (!saved || dm_layout_restore(x->claim.fd, disk, saved, x->claim.size, &exact) != 0)
        return dm_error(rc,
                        "%s: the partition table could not be put back: restore it with "
                        "dartmk partition --restore-table %s %s",
                        disk, saved ? saved : "FILE", disk);
    fsync(x->claim.fd);
    return dm_error(rc, "%s: the partition table was restored from %s", disk, saved);
}

static int part_abort(struct dm_job *j, void *t, int rc)
{
    struct dm_target_partition *x = t;
    struct dm_usb s = stick(x);
    (void)j;
    if (x->stage == STAGE_CONTENTS)
        dm_warn("%s: the partition table was not changed", x->claim.path);
    if (x->stage == STAGE_CONTENTS && x->marked)
        dm_warn("%s: partition %zu: %s", x->claim.path, x->plan.part.number, DM_FATREAD_INCOMPLETE);
    else if (x->stage == STAGE_CONTENTS && x->update)
        dm_warn("%s: partition %zu: the old recovery image is as it was", x->claim.path,
                x->plan.part.number);
    if (x->stage == STAGE_TABLE)
        rc = undo(x, rc);
    if (x->stage >= STAGE_TABLE)
        dm_usb_reread(&s);
    return dm_claim_close(&x->claim, rc);
}

/* ---- what was done ---- */

static json_object *efi_json(const struct dm_target_partition *x)
{
    if (x->scheme != DM_SCHEME_GPT)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "description", json_object_new_string("DaRT Recovery"));
    json_object_object_add(o, "device_path", json_object_new_string(x->efi.path));
    json_object_object_add(o, "added", json_object_new_boolean(x->efi.added));
    json_object_object_add(o, "number",
                           x->efi.added ? json_object_new_int((int)x->efi.number) : NULL);
    json_object_object_add(o, "why", x->efi_why ? json_object_new_string(x->efi_why) : NULL);
    return o;
}

static json_object *parts_json(const struct dm_part *p, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "number", json_object_new_int((int)p[i].number));
        json_object_object_add(o, "start", json_object_new_int64((int64_t)p[i].start));
        json_object_object_add(o, "size", json_object_new_int64((int64_t)p[i].size));
        json_object_object_add(o, "type", json_object_new_string(p[i].type));
        json_object_object_add(o, "name", json_object_new_string(p[i].name));
        json_object_object_add(o, "active", json_object_new_boolean(p[i].active));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *part_json(const struct dm_part *p)
{
    json_object *part = json_object_new_object();
    char attrs[24];
    snprintf(attrs, sizeof attrs, "0x%016llx", (unsigned long long)p->attrs);
    json_object_object_add(part, "number", json_object_new_int((int)p->number));
    json_object_object_add(part, "start", json_object_new_int64((int64_t)p->start));
    json_object_object_add(part, "size", json_object_new_int64((int64_t)p->size));
    json_object_object_add(part, "type", json_object_new_string(p->type));
    json_object_object_add(part, "name", json_object_new_string(p->name));
    json_object_object_add(part, "attrs", json_object_new_string(attrs));
    return part;
}

static json_object *part_result(struct dm_job *j, void *t)
{
    const struct dm_target_partition *x = t;
    const char *saved = x->saved_table;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "disk", json_object_new_string(x->claim.path));
    json_object_object_add(o, "scheme", json_object_new_string(dm_scheme_name(x->scheme)));
    json_object_object_add(o, "dry_run", json_object_new_boolean(x->dry_run));
    json_object_object_add(o, "action",
                           json_object_new_string(dm_part_plan_action_name(x->plan.action)));
    json_object_object_add(o, "partition", part_json(&x->plan.part));
    const char *u = dm_target_partition_update_name(x->update);
    json_object_object_add(o, "update", u ? json_object_new_string(u) : NULL);
    json_object_object_add(o, "incomplete", json_object_new_boolean(x->incomplete));
    json_object_object_add(o, "before", parts_json(x->plan.before, x->plan.nbefore));
    json_object_object_add(o, "after", parts_json(x->plan.after, x->plan.nafter));
    json_object_object_add(o, "bios_boot",
                           json_object_new_string(bios_boot_names[target_partition_bios(x)]));
    json_object_object_add(o, "backup_table", saved ? json_object_new_string(saved) : NULL);
    json_object_object_add(o, "efi_entry", efi_json(x));
    int wrote = !x->dry_run && x->change != DM_CHANGE_NONE;
    json_object_object_add(o, "sha256", wrote ? json_object_new_string(x->res.sha) : NULL);
    json_object_object_add(o, "files", json_object_new_int(x->res.files));
    json_object_object_add(o, "verified", json_object_new_boolean(wrote && j->verify));
    json_object_object_add(o, "changed",
                           json_object_new_boolean(x->change != DM_CHANGE_NONE || x->efi_changed));
    json_object_object_add(o, "change", json_object_new_string(dm_part_change_name(x->change)));
    json_object_object_add(o, "fingerprint", json_object_new_string(x->fingerprint));
    json_object_object_add(o, "fingerprint_before",
                           *x->fingerprint_before ? json_object_new_string(x->fingerprint_before)
                                                  : NULL);
    return o;
}

const struct dm_target_ops dm_target_partition_ops = {
    .name = "partition",
    .check = part_check,
    .tree = part_tree,
    .plan = part_plan,
    .write = part_write,
    .finish = part_finish,
    .abort = part_abort,
    .result = part_result,
};

void dm_target_partition_free(struct dm_target_partition *x)
{
    dm_efi_entry_free(&x->efi);
    dm_fat_plan_free(x->fat);
    x->fat = NULL;
    free(x->old_fat);
    x->old_fat = NULL;
    dm_syslinux_files_free(x->sf);
    dm_claim_free(&x->claim);
    free(x->saved_table);
    x->saved_table = NULL;
}

/* ---- --restore-table FILE DISK ---- */

int dm_target_partition_restore(const char *disk, const char *file, int yes, int *exact)
{
    struct dm_claim t;
    struct dm_claim_rules r = {.fixed_ok = 1, .what = "given back its saved partition table"};
    int rc = dm_claim_probe(disk, &r, &t);
    if (rc == 0) /* the whole file judged before the question and before any write */
        rc = dm_layout_restore_check(file, disk, t.size);
    if (rc == 0)
        rc = dm_claim_confirm(&t, &r, yes);
    if (rc == 0)
        rc = dm_claim_open(&t);
    if (rc == 0)
        rc = dm_layout_restore(t.fd, t.path, file, t.size, exact);
    if (rc == 0 && fsync(t.fd) != 0)
        rc = dm_error_errno(DM_FAIL, errno, "%s: cannot flush", t.path);
    struct dm_usb s = {.fd = t.fd, .path = t.path, .is_device = t.is_device};
    if (rc == 0)
        dm_usb_reread(&s);
    rc = dm_claim_close(&t, rc);
    dm_claim_free(&t);
    return rc;
}
