#!/bin/bash
# Recovery partitions far into big disks boot for real under QEMU (scripts/qemu-boot: SeaBIOS,
# OVMF, TCG): the syslinux installer reached them through a loop device (boot/loop.c; issue 14).
# Sparse raw images of several TiB: QEMU (format=raw, a snapshot overlay) reads only the
# sectors the firmware asks for, so they cost a few MiB on disk.
#
# BIOS, a 2 TiB MBR disk (2^32 sectors) like a BIOS Windows install (tests/lib/bigdisks.sh: the
# fixture's mbr_f.bin starts the active System Reserved partition, whose boot sector is the os
# stub): the recovery partition at its very end (--at end: its last sector is 2^32 - 1, the last
# MBR can address). With the menu (--menu-timeout 1), SeaBIOS -> syslinux's MBR code -> the
# recovery partition's boot sector and ldlinux.sys near 2 TiB -> the menu -> after 1 s the
# installed system (the os stub); its other entry (chosen by --boot-once) and --bios-boot active:
# the bootmgr stand-in, which only the recovery partition holds (chain.c32 walks the MBR past
# the partition ending at 2^32 sectors: dartmk's entries pass it "relax").
#
# UEFI, a 3 TiB GPT disk: the recovery partition at 2.5 TiB (past 2^32 sectors). The ESP holds
# only EFI/Microsoft/Boot, so OVMF finds the recovery partition's \EFI\BOOT\BOOTX64.EFI; the
# disk before dartmk reaches the UEFI shell instead (the control).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/bigdisks.sh
. "$TOP/tests/lib/bigdisks.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null
[ -f "$FIXTURES/os.vbr" ] || missing_prerequisite "no $FIXTURES/os.vbr (make fixtures)"
plan 16
scratch
export TMPDIR=$SCRATCH/tmp XDG_STATE_HOME=$SCRATCH/state HOME=$SCRATCH/home
mkdir -p "$TMPDIR" "$HOME"
S=$SCRATCH DVD=$SAMPLES/dvd
OS="DARTMK-STUB: os" BOOTMGR="DARTMK-STUB: bootmgr" EFI="DARTMK-STUB: efi"
MIN=921600 # 450 MiB in sectors: the recovery partition's size for the tiny sample

provision() { # DESC IMG ARGS...: dartmk partition DVD IMG --yes ARGS...
    local desc=$1 img=$2
    shift 2
    run "$DARTMK" partition "$DVD" "$img" --yes -q "$@" </dev/null
    is "$rc" 0 "$desc: exit 0"
    [ "$rc" = 0 ] || diag "$err"
}
start_of() { sfdisk --json "$1" 2>/dev/null | jq ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start"; }

# --- BIOS, a 2 TiB MBR disk, the recovery partition at its end ----------------------------------
bigdisk_mbr "$S/pristine-mbr.img" 2T $((2 * 1024 * 1024 - 1024))
ok $? "fixture: a 2 TiB MBR disk, System Reserved active (the os stub), Windows to 2 TiB - 1 GiB"
boots "control: SeaBIOS starts the installed system from the 2 TiB disk (its MBR code, the active partition)" \
    --firmware bios --disk "$S/pristine-mbr.img" --expect "$OS"

M=$S/mbr.img
cp --sparse=always "$S/pristine-mbr.img" "$M"
provision "2 TiB MBR, menu, --at end" "$M" --at end --menu-timeout 1
is "$(start_of "$M" 3)" $((4294967296 - MIN)) "2 TiB MBR: the recovery partition ends at sector 2^32 - 1"
boots "2 TiB MBR, menu: SeaBIOS -> syslinux MBR -> the partition at the end -> menu -> after 1 s the installed system" \
    --firmware bios --disk "$M" --expect "$OS" --log "$S/menu.log"
# The menu's other entry, chosen without a keyboard: boot-once (syslinux's ADV in ldlinux.sys).
cp --sparse=always "$S/pristine-mbr.img" "$M"
provision "2 TiB MBR, menu, --boot-once, --at end" "$M" --at end --menu-timeout 1 --boot-once
boots "2 TiB MBR, menu, --boot-once: the menu's DaRT Recovery entry starts the recovery image (bootmgr)" \
    --firmware bios --disk "$M" --expect "$BOOTMGR"

cp --sparse=always "$S/pristine-mbr.img" "$M"
provision "2 TiB MBR, --bios-boot active, --at end" "$M" --at end --bios-boot active
boots "2 TiB MBR, --bios-boot active: SeaBIOS starts the recovery image (bootmgr) from the end of the disk" \
    --firmware bios --disk "$M" --expect "$BOOTMGR"
rm -f "$M" "$S/pristine-mbr.img"

# --- UEFI, a 3 TiB GPT disk, the recovery partition past 2^32 sectors ---------------------------
G=$S/gpt.img
bigdisk_gpt "$G" 3T $((2560 * 1024))
ok $? "fixture: a 3 TiB GPT disk (ESP with EFI/Microsoft/Boot only, MSR, Windows to 2.5 TiB)"
run boot_qemu --firmware uefi --disk "$G" --expect "Shell>" --log "$S/uefi0.log"
is "$rc/$(grep -acF "$EFI" "$S/uefi0.log")" "0/0" "control: before dartmk, OVMF finds nothing to boot on the 3 TiB disk (the UEFI shell, no marker)"
provision "3 TiB GPT" "$G"
s=$(start_of "$G" 4)
[ "${s:-0}" -gt 4294967296 ]
ok $? "3 TiB GPT: the recovery partition starts past 2^32 sectors (sector $s)"
boots "3 TiB GPT: OVMF boots the recovery partition's \\EFI\\BOOT\\BOOTX64.EFI at 2.5 TiB" --firmware uefi --disk "$G" --expect "$EFI"
mdir -a -b -i "$G@@$((s * 512))" ::/syslinux 2>/dev/null | grep -qi 'ldlinux\.sys$'
ok $? "3 TiB GPT: syslinux is installed there too (mtools: syslinux/ldlinux.sys)"
used=$(du -sm "$S" | cut -f1)
[ "$used" -lt 256 ]
ok $? "the 3 TiB disk and the logs take $used MiB on disk (sparse; less than 256)"

done_testing
