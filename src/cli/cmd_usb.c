/* cmd_usb.c — `dartmk usb SOURCE TARGET`: a USB stick (or stick image) that boots the recovery
 * image under BIOS and UEFI, written in one step without touching the wrong disk. The order is
 * the safety argument: decide (sysfs, mounts, swaps), plan (does it fit), ask, open O_EXCL, save
 * the old table, write, flush, read back. */
#include "boot/syslinux.h"
#include "cli/build_cli.h"
#include "util/cleanup.h"
#include "device/claim.h"
#include "util/report.h"
#include "target/usb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static const char usb_intro[] =
    "usage: dartmk usb SOURCE TARGET [--scheme mbr|gpt] [--label LABEL] [--size SIZE] [--yes]\n"
    "                  [--force] [--no-verify] [--backup-table FILE] [build options]\n"
    "       dartmk usb IMAGE.iso TARGET --mode dd [--yes] [--force] [--no-verify]\n"
    "\n"
    "Writes a USB flash drive that boots the recovery image under BIOS and UEFI: a new\n"
    "partition table with one FAT32 partition from 1 MiB (MBR: type 0x0C, active; GPT:\n"
    "Microsoft basic data, legacy-BIOS-bootable), every file of the recovery tree, syslinux's\n"
    "MBR code and boot sector with chain.c32 starting /bootmgr for BIOS, /EFI/BOOT/BOOTX64.EFI\n"
    "for UEFI, and a manifest of every file (dartmk-manifest.json). With build options,\n"
    "boot.wim is customised first, as `dartmk build` does.\n"
    "\n"
    "TARGET is a whole disk (/dev/sdX, /dev/mmcblkN, /dev/loopN) or an image file: --size\n"
    "creates it or changes its size; an existing file keeps its size. See `dartmk devices`.\n"
    "\n"
    "Safety: a disk that holds the running system, or with anything mounted or used as swap,\n"
    "is refused (exit 3), even with --force; a fixed (non-removable) disk is refused without\n"
    "--force. Before anything is written you are shown the disk and what will be destroyed,\n"
    "and asked to type its name; --yes answers for scripts (without a terminal, --yes is\n"
    "required). The old partition table is saved first (restore it with sfdisk DISK < FILE).\n"
    "Nothing is written unless everything fits.\n"
    "\n"
    "After writing, everything is flushed and read back (every file against the manifest;\n"
    "in dd mode the whole image) before success is reported.\n"
    "\n";

enum {
    OPT_SCHEME = DM_OPT_BASE,
    OPT_LABEL,
    OPT_SIZE,
    OPT_MODE,
    OPT_NO_VERIFY,
    OPT_BACKUP,
    OPT_FORCE,
};

static const char *const schemes[] = {"mbr", "gpt", NULL};
static const char *const modes[] = {"fat", "dd", NULL};

static const struct dm_opt usb_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_CHOICE(OPT_SCHEME, "scheme", NULL, schemes,
                  "the partition table (default mbr: boots on every PC; gpt for UEFI-only "
                  "fleets, BIOS through syslinux's gptmbr.bin)"),
    DM_OPT_VALUE(OPT_LABEL, "label", "LABEL",
                 "the FAT volume label, at most 11 characters (default DART)"),
    DM_OPT_VALUE(OPT_SIZE, "size", "SIZE",
                 "image files: make it SIZE bytes (suffixes K, M, G, T: 1G)"),
    DM_OPT_CHOICE(OPT_MODE, "mode", NULL, modes,
                  "fat (default): the layout above; dd: copy an ISO image byte for byte (hybrid "
                  "images of other systems), then verify it"),
    DM_OPT_FLAG(OPT_NO_VERIFY, "no-verify", "do not read back what was written"),
    DM_OPT_VALUE(OPT_BACKUP, "backup-table", "FILE",
                 "where to save the old partition table (default: a file in "
                 "~/.local/state/dartmk/tables, or $XDG_STATE_HOME/dartmk/tables)"),
    DM_OPT_FLAG('y', "yes", "do not ask before erasing TARGET"),
    DM_OPT_FLAG(OPT_FORCE, "force", "allow a fixed (non-removable) disk"),
    DM_OPT_JSON_HELP("print one JSON object: target, mode, scheme, label, bytes, sha256, "
                     "verified, files, files_verified, partition, backup_table, bios, uefi"),
    DM_BUILD_OPTIONS_SUMMARY,
    DM_OPT_END,
};

static const char usb_outro[] =
    "\n"
    "Examples:\n"
    "  dartmk devices\n"
    "  dartmk usb Win11_x64.iso /dev/sdb --tool 'Disk Commander=/opt/dart/diskcmd'\n"
    "  dartmk usb dart/ stick.img --size 2G --scheme gpt --yes\n"
    "  dartmk usb other-system.iso /dev/sdc --mode dd\n"
    "\n" EXIT_CODES;

const struct dm_help dm_usb_help = {usb_intro, usb_options, usb_outro};

struct usb_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    const char *label, *backup;
    uint64_t size; /* --size, 0 when not given */
    enum dm_scheme scheme;
    int scheme_given, dd, no_verify, yes, force, json;
};

/* An image's size: a multiple of 512 of at least 1 MiB; 0 when not valid. */
static uint64_t parse_size(const char *s)
{
    uint64_t bytes;
    return dm_parse_size(s, &bytes) == 0 && bytes >= (1u << 20) && bytes % 512 == 0 ? bytes : 0;
}

static int usb_option(int opt, const char *arg, void *ctx)
{
    struct usb_cli *c = ctx;
    switch (opt) {
    case OPT_SCHEME:
        if (dm_scheme_parse(arg) < 0)
            return dm_usage_error(c->cmd, "--scheme '%s': mbr or gpt", arg);
        c->scheme = (enum dm_scheme)dm_scheme_parse(arg);
        c->scheme_given = 1;
        return 0;
    case OPT_MODE:
        if (strcmp(arg, "fat") != 0 && strcmp(arg, "dd") != 0)
            return dm_usage_error(c->cmd, "--mode '%s': fat or dd", arg);
        c->dd = strcmp(arg, "dd") == 0;
        return 0;
    case OPT_SIZE:
        if (!(c->size = parse_size(arg)))
            return dm_usage_error(c->cmd,
                                  "--size '%s': a size of at least 1M, in bytes or "
                                  "with K, M, G or T, a multiple of 512",
                                  arg);
        return 0;
    case OPT_LABEL:
        c->label = arg;
        return 0;
    case OPT_NO_VERIFY:
        c->no_verify = 1;
        return 0;
    case OPT_BACKUP:
        c->backup = arg;
        return 0;
    case 'y':
        c->yes = 1;
        return 0;
    case OPT_FORCE:
        c->force = 1;
        return 0;
    default:
        return dm_build_cli_option(&c->b, opt, arg) ? 0 : dm_usage_error(c->cmd, "unknown option");
    }
}

/* ---- the run ---- */

static struct dm_claim_rules rules(const struct usb_cli *c, const char *source)
{
    return (struct dm_claim_rules){
        .source = source, .size = c->size, .force = c->force, .what = "erased"};
}

struct outcome {
    struct dm_stick_result r;
    struct dm_disk_layout layout;
    char *backup;
    int bios, uefi;
    const char *label;
};

static void print_result(const struct usb_cli *c, const struct dm_claim *t, const struct outcome *o)
{
    int verified = !c->no_verify;
    if (!c->json) {
        printf("%s  %s\n", o->r.sha, t->path);
        if (c->dd)
            dm_info("wrote %s (%.1f MiB)%s", t->path, dm_mib(o->r.bytes),
                    verified ? ", read back and verified" : "");
        else
            dm_info("wrote %s: %s, FAT32 '%s', %.1f MiB of files; boots under %s%s", t->path,
                    dm_scheme_name(o->layout.scheme), o->label, dm_mib(o->r.bytes),
                    o->bios && o->uefi ? "BIOS and UEFI"
                    : o->bios          ? "BIOS"
                                       : "UEFI",
                    verified ? "; every file read back and verified" : "");
        return;
    }
    json_object *j = json_object_new_object(), *part = NULL;
    json_object_object_add(j, "target", json_object_new_string(t->path));
    json_object_object_add(j, "mode", json_object_new_string(c->dd ? "dd" : "fat"));
    json_object_object_add(j, "scheme",
                           c->dd ? NULL : json_object_new_string(dm_scheme_name(o->layout.scheme)));
    json_object_object_add(j, "label", c->dd ? NULL : json_object_new_string(o->label));
    json_object_object_add(j, "bytes", json_object_new_int64((int64_t)o->r.bytes));
    json_object_object_add(j, "sha256", json_object_new_string(o->r.sha));
    json_object_object_add(j, "verified", json_object_new_boolean(verified));
    json_object_object_add(j, "files", c->dd ? NULL : json_object_new_int(o->r.files));
    json_object_object_add(j, "files_verified", c->dd ? NULL : json_object_new_int(o->r.verified));
    if (!c->dd) {
        part = json_object_new_object();
        json_object_object_add(part, "start", json_object_new_int64((int64_t)o->layout.start));
        json_object_object_add(part, "size", json_object_new_int64((int64_t)o->layout.size));
    }
    json_object_object_add(j, "partition", part);
    json_object_object_add(j, "backup_table", o->backup ? json_object_new_string(o->backup) : NULL);
    json_object_object_add(j, "bios", c->dd ? NULL : json_object_new_boolean(o->bios));
    json_object_object_add(j, "uefi", c->dd ? NULL : json_object_new_boolean(o->uefi));
    dm_print_json(j);
}

/* BIOS needs bootmgr, UEFI the EFI loader; a stick that boots neither way is refused. */
static int boot_ways(const struct dm_media *m, struct outcome *o)
{
    enum dm_role missing[DM_ROLE_COUNT];
    o->bios = dm_media_missing(m, 0, missing, DM_ROLE_COUNT) == 0;
    o->uefi = dm_media_missing(m, 1, missing, DM_ROLE_COUNT) == 0;
    if (!o->bios && !o->uefi)
        return dm_error(DM_FAIL,
                        "%s: boots neither under BIOS (bootmgr, boot/bcd) nor UEFI "
                        "(efi/boot/bootx64.efi): not Windows PE media",
                        m->tree->origin);
    if (!o->bios || !o->uefi)
        dm_warn("%s: the stick will boot under %s only", m->tree->origin,
                o->bios ? "BIOS" : "UEFI");
    return 0;
}

/* Writes (plan done, target decided): confirm, open, save the table, write, re-read. */
static int deploy(const struct usb_cli *c, struct dm_claim *t, const struct dm_stick_plan *plan,
                  const char *image, struct outcome *o)
{
    struct dm_claim_rules r = rules(c, image);
    int rc = dm_claim_confirm(t, &r, c->yes);
    if (rc == 0)
        rc = dm_claim_open(t);
    if (rc == 0 && t->exists)
        rc = dm_claim_save_table(t, c->backup, &o->backup);
    if (rc == 0)
        rc = dm_claim_resize(t);
    struct dm_stick s = {.fd = t->fd, .path = t->path, .is_device = t->is_device, .size = t->size};
    if (rc == 0) {
        rc = image ? dm_stick_write_image(&s, image, !c->no_verify, &o->r)
                   : dm_stick_write_fat(&s, plan, !c->no_verify, &o->r);
        if (rc && !t->created) /* a file dartmk made is removed instead */
            dm_warn("%s: writing did not complete: it is unusable until it is written again",
                    t->path);
    }
    if (rc == 0)
        dm_stick_reread(&s);
    return dm_claim_close(t, rc);
}

static int run_fat(const struct usb_cli *c, const struct dm_recipe *r, const char *source,
                   struct dm_claim *t, struct outcome *o)
{
    struct dm_syslinux_file sf[DM_SYSLINUX_FILES];
    struct dm_recovery_file extra[DM_SYSLINUX_FILES];
    struct dm_syslinux_boot boot = {0};
    struct dm_recovery_opts ro = {.flags = DM_RECOVERY_MANIFEST,
                                  .extra = extra,
                                  .installed_after = dm_syslinux_installed,
                                  .ninstalled = 2};
    struct dm_build_plan p = {0};
    struct dm_media *m = NULL;
    struct dm_recovery *rt = NULL;
    struct dm_stick_plan plan = {0};
    int rc = dm_build_cli_prepare(&c->b, r, source, &p, &m);
    if (rc || !m) /* --print-recipe stops here */
        goto out;
    if ((rc = boot_ways(m, o)) || (rc = dm_syslinux_files(&boot, sf, &ro.nextra)))
        goto out;
    for (size_t i = 0; i < ro.nextra; i++)
        extra[i] = (struct dm_recovery_file){sf[i].path, sf[i].host, sf[i].text};
    struct dm_claim_rules tr = rules(c, source);
    rc = dm_claim_probe(c->b.target, &tr, t);
    if (rc == 0)
        rc = dm_recovery_open(m, &p, r, source, &ro, &rt);
    if (rc == 0)
        rc = dm_stick_plan(rt, c->scheme, t->size, o->label, t->path, &plan);
    o->layout = plan.layout;
    if (rc == 0)
        rc = deploy(c, t, &plan, NULL, o);
    dm_stick_plan_free(&plan);
    dm_recovery_free(rt);
    dm_syslinux_files_free(sf);
out:
    dm_media_close(m);
    dm_build_plan_free(&p);
    return rc;
}

static int run_dd(const struct usb_cli *c, const struct dm_recipe *r, const char *source,
                  struct dm_claim *t, struct outcome *o)
{
    struct dm_build_plan p = {0};
    struct stat st = {0};
    int rc = c->b.print ? dm_usage_error(c->cmd, "--print-recipe: --mode dd takes no recipe")
                        : dm_build_plan(r, &p);
    if (rc == 0 && p.customise)
        rc = dm_usage_error(c->cmd, "--mode dd writes SOURCE as it is: build options do not "
                                    "apply (use --mode fat)");
    else if (rc == 0 && (c->label || c->scheme_given))
        rc = dm_usage_error(c->cmd, "--mode dd writes SOURCE as it is: --%s does not apply",
                            c->label ? "label" : "scheme");
    else if (rc == 0 && (stat(source, &st) != 0 || !S_ISREG(st.st_mode)))
        rc = dm_error(DM_FAIL, "%s: --mode dd needs an image file (an ISO)", source);
    struct dm_claim_rules tr = rules(c, source);
    if (rc == 0)
        rc = dm_claim_probe(c->b.target, &tr, t);
    if (rc == 0 && (uint64_t)st.st_size > t->size)
        rc = dm_error(DM_FAIL, "%s: too small (%.1f MiB) for %s (%.1f MiB)", t->path,
                      dm_mib(t->size), source, dm_mib(st.st_size));
    if (rc == 0)
        rc = deploy(c, t, NULL, source, o);
    dm_build_plan_free(&p);
    return rc;
}

int dm_cmd_usb(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct usb_cli c = {.cmd = cmd, .b = {.want_target = 1}};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    struct dm_claim t = {.fd = -1, .guard = -1};
    struct outcome o = {0};
    const char *source, *why;
    char fat_label[11], shown[12];
    int rc = dm_build_cli_parse(cmd, argc, argv, usb_option, &c, &c.b, &common, &r, &source);
    c.json = common.json;
    const char *label = c.label ? c.label : "DART";
    memset(fat_label, ' ', sizeof fat_label);
    if (rc == 0 && dm_fat_label(label, fat_label, &why) != 0)
        rc = dm_usage_error(cmd, "--label '%s': %s", label, why);
    int n = 11;
    while (n > 0 && fat_label[n - 1] == ' ')
        n--;
    snprintf(shown, sizeof shown, "%.*s", n, fat_label);
    o.label = shown; /* as written: upper case */
    if (rc == 0)
        rc = c.dd ? run_dd(&c, &r, source, &t, &o) : run_fat(&c, &r, source, &t, &o);
    if (rc == 0 && !c.b.print)
        print_result(&c, &t, &o);
    free(o.backup);
    dm_claim_free(&t);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
