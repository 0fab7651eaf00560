#!/bin/bash
# Sticks written by `dartmk usb` boot for real under QEMU (scripts/qemu-boot: SeaBIOS, OVMF, TCG):
# MBR sticks from every kind of source (install-DVD and ADK folders, an ISO, a bare boot.wim)
# reach the bootmgr stand-in under BIOS (syslinux MBR → VBR → ldlinux.sys → chain.c32
# ntldr=/bootmgr) and the EFI stand-in under UEFI (/EFI/BOOT/BOOTX64.EFI); a GPT stick boots both
# ways (BIOS through gptmbr.bin); a stick written through a loop device (detached before QEMU
# reads its backing file) boots under BIOS. A control stick without bootmgr must not boot: the
# marker is what passes a test, not QEMU stopping.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 20
scratch
LOOP=
cleanup() {
    [ -n "$LOOP" ] && losetup -d "$LOOP"
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
export TMPDIR=$SCRATCH/tmp XDG_STATE_HOME=$SCRATCH/state HOME=$SCRATCH/home
mkdir -p "$TMPDIR" "$HOME"

stick() { # NAME SOURCE ARGS...: dartmk usb SOURCE $SCRATCH/NAME.img ARGS...
    local n=$1 s=$2
    shift 2
    run "$DARTMK" usb "$s" "$SCRATCH/$n.img" -q "$@" </dev/null
    is "$rc" 0 "$n: dartmk usb $(basename "$s") $*: exit 0"
    [ "$rc" = 0 ] || diag "$err"
}
BIOS="DARTMK-STUB: bootmgr" EFI="DARTMK-STUB: efi"

# --- MBR sticks from each kind of source ----------------------------------------------------------
stick dvd "$SAMPLES/dvd" --size 64M
boots "dvd: the MBR stick boots bootmgr under BIOS" --firmware bios --disk "$SCRATCH/dvd.img" --expect "$BIOS"
boots "dvd: the MBR stick boots BOOTX64.EFI under UEFI" --firmware uefi --disk "$SCRATCH/dvd.img" --expect "$EFI"

stick adk "$SAMPLES/adk" --size 64M
boots "adk: boots bootmgr under BIOS (capitalised names: /EFI/Boot)" --firmware bios --disk "$SCRATCH/adk.img" --expect "$BIOS"
boots "adk: boots under UEFI" --firmware uefi --disk "$SCRATCH/adk.img" --expect "$EFI"

stick dvdiso "$SAMPLES/dvd.iso" --size 64M
boots "dvd.iso: boots bootmgr under BIOS" --firmware bios --disk "$SCRATCH/dvdiso.img" --expect "$BIOS"
boots "dvd.iso: boots under UEFI" --firmware uefi --disk "$SCRATCH/dvdiso.img" --expect "$EFI"

stick wim "$SAMPLES/boot.wim" --size 64M
boots "boot.wim: the boot files taken out of the WIM boot bootmgr under BIOS" --firmware bios --disk "$SCRATCH/wim.img" --expect "$BIOS"
boots "boot.wim: boots under UEFI" --firmware uefi --disk "$SCRATCH/wim.img" --expect "$EFI"

# --- GPT -----------------------------------------------------------------------------------------
stick gpt "$SAMPLES/dvd" --size 64M --scheme gpt
boots "gpt: boots under UEFI" --firmware uefi --disk "$SCRATCH/gpt.img" --expect "$EFI"
boots "gpt: boots bootmgr under BIOS (gptmbr.bin, legacy-BIOS-bootable partition)" --firmware bios --disk "$SCRATCH/gpt.img" --expect "$BIOS"

# --- written through a loop device -----------------------------------------------------------------
truncate -s 64M "$SCRATCH/loop.img"
LOOP=$(losetup -f --show "$SCRATCH/loop.img")
run "$DARTMK" usb "$SAMPLES/dvd" "$LOOP" -q --force --yes </dev/null
is "$rc" 0 "loop: dartmk usb dvd $LOOP --force --yes: exit 0"
[ "$rc" = 0 ] || diag "$err"
dev=$LOOP
losetup -d "$LOOP" && LOOP=
ok $? "loop: detached"
boots "loop: the stick written through $dev boots bootmgr under BIOS" --firmware bios --disk "$SCRATCH/loop.img" --expect "$BIOS"

# --- the control: without bootmgr the marker never comes, and the test says so -----------------
cp "$SCRATCH/dvd.img" "$SCRATCH/nobootmgr.img"
MTOOLS_SKIP_CHECK=1 mdel -i "$SCRATCH/nobootmgr.img@@1M" ::/bootmgr
ok $? "control: bootmgr deleted from a copy of the dvd stick (mdel)"
run boot_qemu --firmware bios --disk "$SCRATCH/nobootmgr.img" --expect "$BIOS" --timeout 10
is "$rc" 1 "control: no bootmgr, no marker: qemu-boot fails"

done_testing
