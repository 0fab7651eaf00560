/* cmd_iso.c — `dartmk iso SOURCE -o FILE.iso`: the wizard's main product, a bootable recovery
 * ISO (BIOS and UEFI El Torito), mastered with libisofs straight from the source. */
#include "cli/build_cli.h"
#include "target/iso.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char iso_intro[] =
    "usage: dartmk iso SOURCE -o FILE.iso [--label LABEL] [--no-boot] [--force] [build options]\n"
    "\n"
    "Masters a bootable recovery ISO: ISO 9660 level 3 with Joliet (long names) and Rock\n"
    "Ridge, an El Torito entry for BIOS (etfsboot.com, no emulation, load segment 0x07C0, 8\n"
    "sectors) and one for UEFI (platform 0xEF, efisys.bin), the boot catalog hidden. The boot\n"
    "images come from the media or from inside boot.wim (ADK media); efisys.bin is made when\n"
    "only the EFI loader exists. With build options, boot.wim is customised first, as\n"
    "`dartmk build` does. Files are streamed from the source; nothing else is staged.\n"
    "\n"
    "The ISO is flushed to disk before success is reported; its SHA-256 is printed and written\n"
    "beside it (FILE.iso.sha256, the sha256sum format). On any failure nothing is left behind.\n"
    "\n";

enum { OPT_LABEL = DM_OPT_BASE, OPT_NO_BOOT, OPT_FORCE };

static const struct dm_opt iso_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE('o', "output", "FILE.iso",
                 "the ISO to write (default recovery.iso); the name must end in .iso, as most "
                 "burning programs need"),
    DM_OPT_VALUE(OPT_LABEL, "label", "LABEL",
                 "the volume label: letters, digits, '_' and '-', at most 32 (default "
                 "DART_RECOVERY; lower case is recorded upper case)"),
    DM_OPT_FLAG(OPT_NO_BOOT, "no-boot",
                "a data ISO: no El Torito entries (allowed without boot images)"),
    DM_OPT_FLAG(OPT_FORCE, "force", "replace an existing FILE, or take a name without .iso"),
    DM_OPT_JSON_HELP("print one JSON object: iso, bytes, sha256, label, bios, uefi, "
                     "efisys_generated"),
    DM_BUILD_OPTIONS_SUMMARY,
    DM_OPT_END,
};

static const char iso_outro[] =
    "\n"
    "SOURCE_DATE_EPOCH, when set, is every time in the image: two runs give the same bytes.\n"
    "\n"
    "Examples:\n"
    "  dartmk iso Win11_x64.iso -o dart.iso --tool 'Disk Commander=/opt/dart/diskcmd'\n"
    "  dartmk iso ~/WinPE_amd64/media -o winpe.iso --label WINPE_X64\n"
    "\n" EXIT_CODES;

const struct dm_help dm_iso_help = {iso_intro, iso_options, iso_outro};

struct iso_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    const char *output, *label;
    int no_boot, force;
};

static int iso_option(int opt, const char *arg, void *ctx)
{
    struct iso_cli *c = ctx;
    if (opt == 'o')
        c->output = arg;
    else if (opt == OPT_LABEL)
        c->label = arg;
    else if (opt == OPT_NO_BOOT)
        c->no_boot = 1;
    else if (opt == OPT_FORCE)
        c->force = 1;
    else if (!dm_build_cli_option(&c->b, opt, arg))
        return dm_usage_error(c->cmd, "unknown option");
    return 0;
}

/* Everything about the command line that needs no file. */
static int check_args(struct iso_cli *c, char label[DM_ISO_LABEL_MAX + 1])
{
    const char *why;
    size_t n = strlen(c->output);
    if (!c->force && (n < 4 || strcasecmp(c->output + n - 4, ".iso") != 0))
        return dm_usage_error(c->cmd,
                              "%s: the name must end in .iso (most burning programs "
                              "need it); --force takes it as it is",
                              c->output);
    if (dm_iso_label_check(c->label, label, &why) != 0)
        return dm_usage_error(c->cmd, "--label '%s': %s", c->label, why);
    return 0;
}

static void print_text(const struct dm_target_iso *x)
{
    printf("%s  %s\n", x->sha, x->output);
    dm_info("wrote %s (%.1f MiB, label %s, boots under %s)", x->output, dm_mib(x->bytes), x->label,
            x->bios && x->uefi ? "BIOS and UEFI"
            : x->bios          ? "BIOS"
            : x->uefi          ? "UEFI"
                               : "nothing");
}

static int run(struct iso_cli *c, struct dm_job *j)
{
    char label[DM_ISO_LABEL_MAX + 1];
    int rc = check_args(c, label);
    if (rc)
        return rc;
    struct dm_target_iso x = {.output = c->output, .label = label, .no_boot = c->no_boot};
    j->force = c->force;
    rc = dm_build_cli_run(j, &dm_target_iso_ops, &x);
    if (rc == 0 && !j->print_recipe && !j->json)
        print_text(&x);
    return rc;
}

int dm_cmd_iso(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct iso_cli c = {.cmd = cmd, .output = "recovery.iso", .label = "DART_RECOVERY"};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    const char *source;
    int rc = dm_build_cli_parse(cmd, argc, argv, iso_option, &c, &c.b, &common, &r, &source);
    struct dm_job job = {0};
    dm_build_cli_job(&c.b, &r, source, &common, &job);
    if (rc == 0)
        rc = run(&c, &job);
    dm_job_free(&job);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
