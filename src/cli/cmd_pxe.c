/* cmd_pxe.c — `dartmk pxe SOURCE -o DIR`: a network boot tree for the servers Linux users run
 * (dnsmasq, tftpd-hpa, nginx): pxelinux handing over to Windows' own PXE loader for BIOS,
 * bootmgfw.efi for UEFI, one BCD, one boot.wim — and the server configuration beside it. Every
 * file is written beside its place and renamed into it, so `--update` never shows a client half
 * a file. */
#include "cli/build_cli.h"
#include "target/pxe.h"
#include "util/report.h"

static const char pxe_intro[] =
    "usage: dartmk pxe SOURCE -o DIR [--menu] [--tftp-root PATH] [--pxe-loader FILE]...\n"
    "                  [--update] [--force] [build options]\n"
    "\n"
    "Writes a network (PXE) boot tree for a TFTP or HTTP server, so that any machine on the\n"
    "network can start DaRT without media, with one place to update:\n"
    "  BIOS:  pxelinux.0 (syslinux) -> pxeboot.n12 (Windows' PXE loader, keeping the PXE stack)\n"
    "         -> bootmgr.exe -> Boot/BCD -> sources/boot.wim (with Boot/boot.sdi)\n"
    "  UEFI:  bootx64.efi (Windows' bootmgfw.efi; bootia32.efi on x86) -> Boot/BCD -> boot.wim\n"
    "The loaders come from boot.wim (Windows/Boot/PXE, Windows/Boot/EFI); --pxe-loader FILE\n"
    "supplies one the media lacks (its name says which: pxeboot.n12, bootmgr.exe,\n"
    "bootmgfw.efi). With build options, boot.wim is customised first, as `dartmk build` does.\n"
    "\n"
    "Beside the tree: tftpd-hpa.remap (Windows loaders ask for \\Boot\\BCD, with backslashes and\n"
    "in any case), dnsmasq.conf (the boot file by client architecture), README.txt (the lines\n"
    "for dnsmasq, tftpd-hpa and ISC dhcpd/Kea) and dartmk-manifest.json (dartmk verify DIR).\n"
    "Files are world-readable; nothing outside DIR is written.\n"
    "\n";

enum { OPT_MENU = DM_OPT_BASE, OPT_TFTP_ROOT, OPT_LOADER, OPT_UPDATE, OPT_FORCE };

static const struct dm_opt pxe_options[] = {
    DM_OPT_GROUP("Options:"),
    DM_OPT_VALUE('o', "output", "DIR", "the tree (default pxe); a new or empty folder"),
    DM_OPT_FLAG(OPT_MENU, "menu", "a pxelinux menu: DaRT Recovery, or the local disk (after 10 s)"),
    DM_OPT_VALUE(OPT_TFTP_ROOT, "tftp-root", "PATH",
                 "the folder the TFTP server serves, as the server sees it (default: DIR's "
                 "absolute path)"),
    DM_OPT_LIST(OPT_LOADER, "pxe-loader", "FILE",
                "a PXE loader to use instead of boot.wim's (repeatable)"),
    DM_OPT_FLAG(OPT_UPDATE, "update", "refresh an existing tree in place, file by file"),
    DM_OPT_FLAG(OPT_FORCE, "force", "write into a non-empty DIR"),
    DM_OPT_JSON_HELP("print one JSON object: dir, files, bytes, bios, uefi, menu, updated, "
                     "bcd_ok"),
    DM_BUILD_OPTIONS_SUMMARY,
    DM_OPT_END,
};

static const char pxe_outro[] =
    "\n"
    "Examples:\n"
    "  dartmk pxe Win11_x64.iso -o /srv/tftp/dart --tool 'Disk Commander=/opt/dart/diskcmd'\n"
    "  dartmk pxe Win11_x64.iso -o /srv/tftp/dart --update --expire-days 30\n"
    "\n" EXIT_CODES;

const struct dm_help dm_pxe_help = {pxe_intro, pxe_options, pxe_outro};

struct pxe_cli {
    const struct dm_cmd *cmd;
    struct dm_build_cli b;
    struct dm_pxe_opts o;
    int force;
};

static int pxe_option(int opt, const char *arg, void *ctx)
{
    struct pxe_cli *c = ctx;
    switch (opt) {
    case 'o':
        return c->o.dir = arg, 0;
    case OPT_MENU:
        return c->o.menu = 1, 0;
    case OPT_TFTP_ROOT:
        return c->o.tftp_root = arg, 0;
    case OPT_LOADER:
        if (c->o.nloaders == DM_PXE_LOADERS)
            return dm_usage_error(c->cmd, "--pxe-loader: at most %d", DM_PXE_LOADERS);
        if (dm_pxe_loader_kind(arg) < 0)
            return dm_usage_error(c->cmd,
                                  "--pxe-loader %s: the file's name says which loader it "
                                  "is: pxeboot.n12, bootmgr.exe or bootmgfw.efi",
                                  arg);
        return c->o.loaders[c->o.nloaders++] = arg, 0;
    case OPT_UPDATE:
        return c->o.update = 1, 0;
    case OPT_FORCE:
        return c->force = 1, 0;
    default:
        return dm_build_cli_option(&c->b, opt, arg) ? 0 : dm_usage_error(c->cmd, "unknown option");
    }
}

static void print_text(const struct dm_target_pxe *x)
{
    const struct dm_pxe_result *r = &x->res;
    /* counted as `dartmk verify` counts them: the files the manifest lists, and the manifest */
    dm_info("wrote %s: %d files and their manifest, %.1f MiB; BIOS %s, UEFI %s%s", x->o.dir,
            r->files - 1, dm_mib(r->bytes), r->bios ? "pxelinux.0" : "no",
            r->uefi ? r->efi_name : "no", x->o.update ? " (updated in place)" : "");
    dm_info("server set-up: %s/README.txt", x->o.dir);
}

static int run(struct pxe_cli *c, struct dm_job *j)
{
    struct dm_target_pxe x = {.o = c->o};
    j->force = c->force;
    int rc = dm_build_cli_run(j, &dm_target_pxe_ops, &x);
    if (rc == 0 && !j->print_recipe && !j->json)
        print_text(&x);
    return rc;
}

int dm_cmd_pxe(const struct dm_cmd *cmd, int argc, char **argv)
{
    struct pxe_cli c = {.cmd = cmd, .o = {.dir = "pxe"}};
    struct dm_common common = {0};
    struct dm_recipe r = {0};
    const char *source;
    int rc = dm_build_cli_parse(cmd, argc, argv, pxe_option, &c, &c.b, &common, &r, &source);
    if (rc == 0 && c.o.update && c.force)
        rc = dm_usage_error(cmd, "--update and --force: one or the other");
    struct dm_job job = {0};
    dm_build_cli_job(&c.b, &r, source, &common, &job);
    if (rc == 0)
        rc = run(&c, &job);
    dm_job_free(&job);
    dm_recipe_free(&r);
    dm_build_cli_free(&c.b);
    return rc == DM_PARSE_HELP ? DM_OK : rc;
}
