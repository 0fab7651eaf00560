/* cmd_usb.c — `dartmk usb SOURCE TARGET`: a USB stick (or stick image) that boots the recovery
 * image under BIOS and UEFI, written in one step without touching the wrong disk. The order is
 * the safety argument: decide (sysfs, mounts, swaps), plan (does it fit), ask, open O_EXCL, save
 * the old table, write, flush, read back. */
#include "cli/build_cli.h"
#include "cli/usb_multi.h"
#include "util/report.h"
#include "target/usb.h"

#include <stdio.h>
#include <string.h>

static const char usb_intro[] =
    "usage: dartmk usb SOURCE TARGET [--scheme mbr|gpt] [--label LABEL] [--size SIZE] [--yes]\n"
    "                  [--force] [--no-verify] [--backup-table FILE] [build options]\n"
    "       dartmk usb SOURCE TARGET TARGET... [options as above but --backup-table]\n"
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
    "\n"
    "With several TARGETs, SOURCE is read once and every stick written at the same time: all\n"
    "are judged and planned before any is written (one refused or too small stops the run),\n"
    "one question asks for the number of disks to be typed back, a stick that fails drops\n"
    "out while the others go on, and a table (disk, model, result, reason) ends the run;\n"
    "exit 0 only when every stick succeeded. --json: {\"targets\": [...]}.\n"
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
    "  dartmk usb Win11_x64.iso /dev/sdb /dev/sdc /dev/sdd\n"
    "  dartmk usb other-system.iso /dev/sdc --mode dd\n"
    "\n" EXIT_CODES;

const struct dm_help dm_usb_help = {usb_intro, usb_options, usb_outro};

struct usb_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    const char *label, *backup;
    uint64_t size; /* --size, 0 when not given */
    enum dm_scheme scheme;
    int scheme_given, dd, no_verify, yes, force;
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

/* The result in a line that fits 80 columns for a disk's name: the size is the total the
 * writing and the read-back showed. */
static void print_text(const struct dm_job *j, const struct dm_target_usb *u, int dd)
{
    printf("%s  %s\n", u->r.sha, u->claim.path);
    if (dd)
        dm_info("wrote %s (%.1f MiB)%s", u->claim.path, dm_mib(u->r.bytes),
                j->verify ? ", read back and verified" : "");
    else
        dm_info("wrote %s: %s, FAT32 '%s', %.1f MiB; boots %s%s", u->claim.path,
                dm_scheme_name(u->plan.layout.scheme), u->label, dm_mib(u->r.bytes),
                u->bios && u->uefi ? "BIOS+UEFI"
                : u->bios          ? "BIOS"
                                   : "UEFI",
                j->verify ? "; verified" : "");
}

/* --mode dd writes SOURCE as it is: what would change it is a usage error. */
static int check_dd(const struct usb_cli *c, struct dm_job *j)
{
    int rc = j->print_recipe ? dm_usage_error(c->cmd, "--print-recipe: --mode dd takes no recipe")
                             : dm_image_plan(&j->recipe, &j->plan);
    json_object *keys = rc == 0 ? dm_recipe_json(&j->recipe) : NULL;
    int given = keys && json_object_object_length(keys) > 0; /* --whole-media, a recipe's keys */
    json_object_put(keys);
    if (rc == 0 && (j->plan.customise || given))
        return dm_usage_error(c->cmd, "--mode dd writes SOURCE as it is: build options do not "
                                      "apply (use --mode fat)");
    if (rc == 0 && (c->label || c->scheme_given))
        return dm_usage_error(c->cmd, "--mode dd writes SOURCE as it is: --%s does not apply",
                              c->label ? "label" : "scheme");
    return rc;
}

static int run(const struct usb_cli *c, struct dm_job *j, const char *label)
{
    struct dm_target_usb u = {.scheme = c->scheme,
                              .label = label,
                              .size = c->size,
                              .backup = c->backup,
                              .claim = {.path = c->b.target, .fd = -1, .guard = -1}};
    j->force = c->force, j->yes = c->yes, j->verify = !c->no_verify;
    int rc = c->dd ? check_dd(c, j) : 0;
    if (rc == 0 && c->b.ntargets > 1 && c->backup)
        rc = dm_usage_error(c->cmd, "--backup-table names one file: with several disks each "
                                    "table is saved in the state folder");
    if (rc == 0 && c->b.ntargets > 1) {
        struct dm_usb_multi_opts o = {
            .scheme = c->scheme, .label = label, .size = c->size, .dd = c->dd};
        rc = dm_usb_multi_run(j, c->b.targets, (size_t)c->b.ntargets, &o);
    } else if (rc == 0)
        rc = dm_build_cli_run(j, c->dd ? &dm_target_usb_dd_ops : &dm_target_usb_ops, &u);
    if (rc == 0 && c->b.ntargets <= 1 && !j->print_recipe && !j->json)
        print_text(j, &u, c->dd);
    dm_target_usb_free(&u);
    return rc;
}

int dm_cmd_usb(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct usb_cli c = {.cmd = cmd, .b = {.want_target = 1, .many_targets = 1}};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    struct dm_job job = {0};
    const char *source, *why;
    char fat_label[11], shown[12];
    int rc = dm_build_cli_parse(cmd, argc, argv, usb_option, &c, &c.b, &common, &r, &source);
    const char *label = c.label ? c.label : "DART";
    memset(fat_label, ' ', sizeof fat_label);
    if (rc == 0 && dm_fat_label(label, fat_label, &why) != 0)
        rc = dm_usage_error(cmd, "--label '%s': %s", label, why);
    int n = 11;
    while (n > 0 && fat_label[n - 1] == ' ')
        n--;
    snprintf(shown, sizeof shown, "%.*s", n, fat_label); /* as written: upper case */
    dm_build_cli_job(&c.b, &r, source, &common, &job);
    if (rc == 0)
        rc = run(&c, &job, shown);
    dm_job_free(&job);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
