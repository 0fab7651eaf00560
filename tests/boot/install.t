#!/bin/bash
# Media made from install media shaped like Windows 10/11's (build/samples/install: 946 files, a
# 4.6 GiB sources/install.wim, empty files; install.iso: the same as a UDF-only ISO) are Windows
# PE only and boot for real under QEMU (SeaBIOS, OVMF, TCG): the ISO (El Torito, both ways), a USB stick image of 1 GiB (BIOS
# through syslinux, UEFI through /EFI/BOOT/BOOTX64.EFI), a recovery partition on a BIOS Windows
# disk (--bios-boot active) and on a UEFI Windows disk. The stand-in boot programs print their
# marker on the serial port; the marker is what passes a test.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 15
scratch
export TMPDIR=$SCRATCH/tmp XDG_STATE_HOME=$SCRATCH/state HOME=$SCRATCH/home
mkdir -p "$TMPDIR" "$HOME"
S=$SCRATCH SRC=$SAMPLES/install
is "$(stat -c %s "$SRC/sources/install.wim")" 4939212390 "the source holds a 4.6 GiB install.wim"
BIOS="DARTMK-STUB: bootmgr" EFI="DARTMK-STUB: efi" ETFS="DARTMK-STUB: etfsboot"

made() { # DESC: the last run exited 0
    is "$rc" 0 "$1: exit 0"
    [ "$rc" = 0 ] || diag "$err"
}

run "$DARTMK" iso "$SRC.iso" -o "$S/r.iso" -q
made "iso from the install ISO (UDF)"
is "$(xorriso -indev "$S/r.iso" -find /sources -type f 2>/dev/null | sort | tr '\n' ' ')" "'/sources/boot.wim' " \
    "the ISO's sources/ holds boot.wim alone (no install.wim, no Setup files)"
boots "the ISO boots etfsboot under BIOS" --firmware bios --cdrom "$S/r.iso" --expect "$ETFS"
boots "the ISO boots its EFI loader under UEFI" --firmware uefi --cdrom "$S/r.iso" --expect "$EFI"

run "$DARTMK" usb "$SRC" "$S/stick.img" --size 1G --yes -q </dev/null
made "usb from the install medium onto a 1 GiB stick image"
boots "the stick boots bootmgr under BIOS" --firmware bios --disk "$S/stick.img" --expect "$BIOS"
boots "the stick boots BOOTX64.EFI under UEFI" --firmware uefi --disk "$S/stick.img" --expect "$EFI"

disk_mbr_windows "$S/mbr.img"
ok $? "fixture: a BIOS Windows disk"
run "$DARTMK" partition "$SRC" "$S/mbr.img" --bios-boot active --yes -q </dev/null
made "partition from the install medium on the BIOS disk (--bios-boot active)"
boots "the recovery partition boots bootmgr under BIOS" --firmware bios --disk "$S/mbr.img" --expect "$BIOS"

disk_gpt_windows "$S/gpt.img"
ok $? "fixture: a UEFI Windows disk"
run "$DARTMK" partition "$SRC" "$S/gpt.img" --yes -q </dev/null
made "partition from the install medium on the UEFI disk"
boots "OVMF boots the recovery partition's BOOTX64.EFI" --firmware uefi --disk "$S/gpt.img" --expect "$EFI"
run "$DARTMK" verify "$S/gpt.img" --partition 4
is "$rc" 0 "the recovery partition verifies"
done_testing
