/* main.c — dartmk's entry point: the command table and dispatch. */
#include "cli/cli.h"
#include "util/report.h"

#include <stdio.h>
#include <string.h>

static const char inspect_help[] =
    "usage: dartmk inspect SOURCE [--image-index N] [--json]\n"
    "\n"
    "Tells what SOURCE is and whether recovery media made from it can boot under BIOS and\n"
    "UEFI: the layout (install DVD, ADK copype media, bare boot.wim), where each boot file is\n"
    "(on the media, or inside boot.wim), the images of boot.wim and which one boots, the\n"
    "architecture, and what is missing for each way of booting.\n"
    "\n"
    "SOURCE is a directory holding Windows PE media, an ISO image (ISO 9660, Joliet, Rock\n"
    "Ridge, or UDF-only Windows media), a bare boot.wim, or an optical drive (/dev/sr0).\n"
    "Nothing is written; an ISO's boot.wim is read through an unlinked temporary copy.\n"
    "\n"
    "Options:\n"
    "      --image-index N      look inside image N of boot.wim (default: the bootable one;\n"
    "                           on an install DVD that is image 2, Windows Setup)\n"
    "      --json               print one JSON object on stdout: kind, layout, bios, uefi,\n"
    "                           el_torito, files, missing, wim.images, wim.boot_index,\n"
    "                           arch, expires, expired\n" COMMON_OPTIONS "\n"
    "Examples:\n"
    "  dartmk inspect /srv/media/Win11_x64.iso\n"
    "  dartmk inspect ~/WinPE_amd64/media --json | jq .uefi\n"
    "  dartmk inspect boot.wim --image-index 1\n"
    "\n" EXIT_CODES;

const struct dm_cmd dm_commands[] = {
    {"inspect", "show what a source holds and whether it can boot (BIOS, UEFI)", inspect_help,
     dm_cmd_inspect},
    {"build", "make a DaRT recovery image: customise boot.wim (tools, drivers, expiry)",
     dm_build_help, dm_cmd_build},
    {"iso", "master a bootable recovery ISO (BIOS and UEFI El Torito)", dm_iso_help, dm_cmd_iso},
    {"burn", "burn an ISO to a CD/DVD and verify it", dm_burn_help, dm_cmd_burn},
    {"usb", "write a USB flash drive that boots under BIOS and UEFI", dm_usb_help, dm_cmd_usb},
    {"partition", "add or update a hidden recovery partition on a machine's disk",
     dm_partition_help, dm_cmd_partition},
    {"pxe", "write a network (PXE) boot tree for TFTP/HTTP servers", dm_pxe_help, dm_cmd_pxe},
    {"devices", "list removable disks (and optical recorders) you can write to", dm_devices_help,
     dm_cmd_devices},
    {"verify", "check written media against its manifest", dm_verify_help, dm_cmd_verify},
};
const int dm_command_count = sizeof dm_commands / sizeof dm_commands[0];

static void usage(FILE *f)
{
    fputs("usage: dartmk <command> [options]\n"
          "\n"
          "Makes Windows PE (DaRT) recovery media from Linux and deploys it.\n"
          "\n"
          "Commands:\n",
          f);
    for (int i = 0; i < dm_command_count; i++)
        fprintf(f, "  %-10s %s\n", dm_commands[i].name, dm_commands[i].summary);
    fputs("\n"
          "'dartmk <command> --help' teaches each command, with an example.\n"
          "      --version            print the version\n"
          "  -h, --help               this help\n"
          "\n" EXIT_CODES,
          f);
}

static const struct dm_cmd *find_command(const char *name)
{
    for (int i = 0; i < dm_command_count; i++)
        if (strcmp(dm_commands[i].name, name) == 0)
            return &dm_commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    static struct dm_view view; /* until the command's options say otherwise */
    dm_view_start(&view, DM_NORMAL, DM_PROGRESS_AUTO, NULL);
    if (argc < 2) {
        usage(stderr);
        return DM_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        const struct dm_cmd *cmd = argc > 2 ? find_command(argv[2]) : NULL;
        if (cmd)
            fputs(cmd->help, stdout);
        else
            usage(stdout);
        return DM_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("dartmk %s\n", DARTMK_VERSION);
        return DM_OK;
    }
    const struct dm_cmd *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "dartmk: '%s' is not a dartmk command (see 'dartmk --help')\n", name);
        return DM_USAGE;
    }
    return cmd->run(cmd, argc - 1, argv + 1);
}
