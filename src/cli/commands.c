/* commands.c — the command table: `dartmk NAME` runs dm_commands[i].run. In the library (not
 * main.c) so that the unit tests can walk every command's options. */
#include "cli/cli.h"

const struct dm_cmd dm_commands[] = {
    {"inspect", "show what a source holds and whether it can boot (BIOS, UEFI)", &dm_inspect_help,
     dm_cmd_inspect},
    {"build", "make a DaRT recovery image: customise boot.wim (tools, drivers, expiry)",
     &dm_build_help, dm_cmd_build},
    {"iso", "master a bootable recovery ISO (BIOS and UEFI El Torito)", &dm_iso_help, dm_cmd_iso},
    {"burn", "burn an ISO to a CD/DVD and verify it", &dm_burn_help, dm_cmd_burn},
    {"usb", "write a USB flash drive that boots under BIOS and UEFI", &dm_usb_help, dm_cmd_usb},
    {"partition", "add or update a hidden recovery partition on a machine's disk",
     &dm_partition_help, dm_cmd_partition},
    {"pxe", "write a network (PXE) boot tree for TFTP/HTTP servers", &dm_pxe_help, dm_cmd_pxe},
    {"devices", "list removable disks (and optical recorders) you can write to", &dm_devices_help,
     dm_cmd_devices},
    {"verify", "check written media against its manifest", &dm_verify_help, dm_cmd_verify},
    {"wizard", "the DaRT Recovery Image Wizard's pages in a terminal, then the run",
     &dm_wizard_help, dm_cmd_wizard},
};
const int dm_command_count = sizeof dm_commands / sizeof dm_commands[0];
