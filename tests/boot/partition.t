#!/bin/bash
# Recovery partitions written by `dartmk partition` boot for real under QEMU (scripts/qemu-boot:
# SeaBIOS, OVMF, TCG), on disks that already hold a stand-in Windows (tests/lib/disks.sh).
#
# BIOS, MBR: the fixture's own boot code (syslinux's mbr_f.bin) starts the active "System
# Reserved" partition, whose boot sector is the os stub ("DARTMK-STUB: os"): the control. After
# dartmk partition (menu, --menu-timeout 1) the recovery partition is the active one and the MBR
# code is syslinux's, so the os marker can only come through the recovery partition's syslinux
# menu, its default entry (after the timeout, nobody at the keyboard) chain-loading partition 1;
# a second run (update) must keep that. --bios-boot active starts the bootmgr stand-in.
# --boot-once (a writable copy, two boots): the first boot reaches bootmgr, syslinux clears the
# flag on the disk (read back from ldlinux.sys between the boots), the second reaches the os.
# --bios-boot none leaves the machine starting the os as before.
#
# UEFI, GPT: the fixture's ESP holds only EFI/Microsoft/Boot (no \EFI\BOOT\BOOTX64.EFI), so
# OVMF, with no boot entries of its own, tries the removable-media path on each FAT volume of
# the disk and finds the recovery partition's loader ("DARTMK-STUB: efi"). Controls: the disk
# before dartmk, and the disk with that one file deleted from the recovery partition, reach the
# UEFI shell instead. What this proves: the partition is a FAT volume firmware reads and boots
# from. On a real Windows disk the ESP has its own \EFI\BOOT\BOOTX64.EFI and comes first; there
# the way in is the firmware boot entry (--efi-entry, only reported on disk images: the CLI
# tests check the report) or the firmware's boot menu — not tested here.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null
[ -f "$FIXTURES/os.vbr" ] || missing_prerequisite "no $FIXTURES/os.vbr (make fixtures)"
plan 40
scratch
export TMPDIR=$SCRATCH/tmp XDG_STATE_HOME=$SCRATCH/state HOME=$SCRATCH/home
mkdir -p "$TMPDIR" "$HOME"
S=$SCRATCH DVD=$SAMPLES/dvd
OS="DARTMK-STUB: os" BOOTMGR="DARTMK-STUB: bootmgr" EFI="DARTMK-STUB: efi"

provision() { # DESC IMG ARGS...: dartmk partition DVD IMG --yes ARGS...
    local desc=$1 img=$2
    shift 2
    run "$DARTMK" partition "$DVD" "$img" --yes -q "$@" </dev/null
    is "$rc" 0 "$desc: exit 0"
    [ "$rc" = 0 ] || diag "$err"
}
# adv IMG N: syslinux's ADV in partition N's ldlinux.sys: "empty", "1=COMMAND" (boot-once) or bad.
adv() {
    local o
    o=$(( $(sfdisk --json "$1" | jq ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start") * 512 ))
    mcopy -o -n -i "$1@@$o" ::/syslinux/ldlinux.sys "$S/ldlinux.sys" 2>/dev/null || { echo "no ldlinux.sys"; return; }
    python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
c = d[-1024:-512]
ok = all(struct.unpack_from("<I", x, 0)[0] == 0x5a2d2fa5 and struct.unpack_from("<I", x, 508)[0] == 0xdd28bf64 and
         sum(struct.unpack_from("<126I", x, 4)) & 0xffffffff == 0xa3041767 for x in (d[-1024:-512], d[-512:]))
data, p, out = c[8:508], 0, []
while ok and p + 2 <= len(data) and data[p]:
    out.append("%d=%s" % (data[p], data[p + 2:p + 2 + data[p + 1]].decode("latin-1")))
    p += 2 + data[p + 1]
print((" ".join(out) or "empty") if ok else "bad")' "$S/ldlinux.sys"
}

# --- BIOS, MBR ---------------------------------------------------------------------------------
M=$S/mbr.img
disk_mbr_windows "$S/pristine-mbr.img"
ok $? "fixture: an MBR disk with an active System Reserved partition (the os stub as its boot sector)"
boots "control: the fixture starts the installed system (its MBR code, the active partition)" \
    --firmware bios --disk "$S/pristine-mbr.img" --expect "$OS"

cp --sparse=always "$S/pristine-mbr.img" "$M"
provision "menu" "$M" --menu-timeout 1
boots "menu: SeaBIOS -> syslinux MBR -> recovery partition -> menu -> after 1 s the installed system" \
    --firmware bios --disk "$M" --expect "$OS" --log "$S/menu.log"
provision "menu, a second run (update)" "$M" --menu-timeout 1
boots "menu, after the update: still the installed system by default" --firmware bios --disk "$M" --expect "$OS"
# The same image with the recovery partition's syslinux.cfg removed cannot start anything: the
# os marker above came through the menu, not around it.
cp --sparse=always "$M" "$S/nocfg.img"
o=$(( $(sfdisk --json "$M" | jq '.partitiontable.partitions[2].start') * 512 ))
mdel -i "$S/nocfg.img@@$o" ::/syslinux/syslinux.cfg 2>/dev/null
ok $? "control: syslinux.cfg deleted from a copy (mdel)"
run boot_qemu --firmware bios --disk "$S/nocfg.img" --expect "$OS" --timeout 10
is "$rc" 1 "control: without the menu's configuration the installed system is not reached"

cp --sparse=always "$S/pristine-mbr.img" "$S/active.img"
provision "--bios-boot active" "$S/active.img" --bios-boot active
boots "--bios-boot active: the machine starts the recovery image (bootmgr)" --firmware bios --disk "$S/active.img" --expect "$BOOTMGR"

cp --sparse=always "$S/pristine-mbr.img" "$S/none.img"
provision "--bios-boot none" "$S/none.img" --bios-boot none
boots "--bios-boot none: the machine starts the installed system as before" --firmware bios --disk "$S/none.img" --expect "$OS"

# --remove (issue 21) of the menu disk: the MBR code and the active flag back from the record in
# the partition; the installed system starts through the disk's own boot code again (the
# recovery partition, and its menu, are gone from the table).
R=$S/removed.img
cp --sparse=always "$M" "$R"
run "$DARTMK" partition --remove "$R" --yes -q </dev/null
is "$rc/$(sfdisk --json "$R" | jq '[.partitiontable.partitions[] | select(.bootable == true)] | length')" "0/1" "--remove (a copy of the menu disk): exit 0, one active partition"
cmp -s <(dd if="$R" bs=440 count=1 status=none) <(dd if="$S/pristine-mbr.img" bs=440 count=1 status=none)
ok $? "--remove: the fixture's own MBR code (mbr_f.bin) is back"
boots "--remove: SeaBIOS -> the disk's own MBR code -> the active partition -> the installed system" --firmware bios --disk "$R" --expect "$OS"

# --boot-once: two boots of one writable image.
cp --sparse=always "$S/pristine-mbr.img" "$S/once.img"
provision "--boot-once" "$S/once.img" --boot-once --menu-timeout 1
like "$(adv "$S/once.img" 3)" '^1=' "--boot-once: syslinux's boot-once is set in ldlinux.sys"
boots "--boot-once, a boot on a snapshot (qemu-boot's default): the recovery image" --firmware bios --disk "$S/once.img" --expect "$BOOTMGR"
like "$(adv "$S/once.img" 3)" '^1=' "--boot-once: after a snapshot boot the flag is still set (the image was not written)"
boots "--boot-once, first boot: the recovery image (bootmgr)" --firmware bios --disk "$S/once.img" --writable --expect "$BOOTMGR"
is "$(adv "$S/once.img" 3)" "empty" "--boot-once: syslinux cleared it on the disk during the first boot"
boots "--boot-once, second boot: the installed system" --firmware bios --disk "$S/once.img" --writable --expect "$OS"
boots "--boot-once, third boot: still the installed system" --firmware bios --disk "$S/once.img" --writable --expect "$OS"

# --- UEFI, GPT ---------------------------------------------------------------------------------
G=$S/gpt.img
disk_gpt_windows "$S/pristine-gpt.img"
ok $? "fixture: a GPT disk (ESP with EFI/Microsoft/Boot only, MSR, Windows)"
run boot_qemu --firmware uefi --disk "$S/pristine-gpt.img" --expect "Shell>" --log "$S/uefi0.log"
is "$rc/$(grep -acF "$EFI" "$S/uefi0.log")" "0/0" "control: before dartmk, OVMF finds nothing to boot on the disk (the UEFI shell, no marker)"
cp --sparse=always "$S/pristine-gpt.img" "$G"
provision "gpt" "$G"
boots "gpt: OVMF boots the recovery partition's \\EFI\\BOOT\\BOOTX64.EFI" --firmware uefi --disk "$G" --expect "$EFI"
cp --sparse=always "$G" "$S/noefi.img"
o=$(( $(sfdisk --json "$G" | jq '.partitiontable.partitions[3].start') * 512 ))
mdel -i "$S/noefi.img@@$o" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null
ok $? "control: BOOTX64.EFI deleted from the recovery partition of a copy (mdel)"
run boot_qemu --firmware uefi --disk "$S/noefi.img" --expect "Shell>" --log "$S/uefi1.log"
is "$rc/$(grep -acF "$EFI" "$S/uefi1.log")" "0/0" "control: without it, the UEFI shell and no marker (the marker came from the recovery partition)"
cp --sparse=always "$G" "$S/gpt-removed.img"
run "$DARTMK" partition --remove "$S/gpt-removed.img" --yes -q </dev/null
is "$rc" 0 "gpt --remove (a copy): exit 0"
run boot_qemu --firmware uefi --disk "$S/gpt-removed.img" --expect "Shell>" --log "$S/uefi2.log"
is "$rc/$(grep -acF "$EFI" "$S/uefi2.log")" "0/0" "gpt --remove: OVMF finds nothing to boot again (the UEFI shell, no marker), as before dartmk"

# --- an update killed as by kill -9 (issue 15; tests/cli/partition-update.t runs many more) -------
# tests/tools/preload/failwrite.c kills dartmk at a byte of its writes to the disk. Near the end of
# an in-place update (the old chains being freed, after the switch) the partition is marked: BIOS
# boot of it runs int 18h, so neither the installed system nor the half-updated recovery image is
# started; the next run completes it and the menu starts the installed system again. Early in an
# update (the new tree going into free clusters) the old image is intact: OVMF boots it; the next
# run completes the update and OVMF boots the new one.
SHIM=${TOOLS:-$TOP/build/tests/tools}/failwrite.so
[ -f "$SHIM" ] || make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2
killed() { # IMG BYTES: dartmk partition ADK IMG --yes, killed after BYTES of its writes to IMG
    bash -c '"$@"; exit $?' - env LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$1" FAILWRITE_AFTER="$2" FAILWRITE_KILL=dartmk \
        FAILWRITE_REPORT="$S/count" "$DARTMK" partition "$SAMPLES/adk" "$1" --yes -q </dev/null >/dev/null 2>&1
}
oem() { dd if="$1" bs=1 skip=$(($(sfdisk --json "$1" | jq ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start") * 512 + 3)) count=8 status=none; }
cp --sparse=always "$M" "$S/ref.img"
killed "$S/ref.img" 999999999999
T=$(cat "$S/count" 2>/dev/null || echo 0)
cp --sparse=always "$M" "$S/kill-mbr.img"
killed "$S/kill-mbr.img" $((T - 300000))
is "$?/$(oem "$S/kill-mbr.img" 3)" "137/DARTINCO" "mbr, an update killed at byte $((T - 300000)) of $T: the partition is marked incomplete"
run boot_qemu --firmware bios --disk "$S/kill-mbr.img" --expect "$OS" --timeout 15 --log "$S/kill-mbr.log"
is "$rc/$(grep -acF "$BOOTMGR" "$S/kill-mbr.log")" "1/0" "mbr, marked: BIOS boot starts neither the installed system nor the half-updated recovery image (int 18h)"
run "$DARTMK" partition "$SAMPLES/adk" "$S/kill-mbr.img" --yes -q --menu-timeout 1 </dev/null
is "$rc/$(oem "$S/kill-mbr.img" 3)" "0/SYSLINUX" "mbr, marked: the next run completes the update (the mark gone)"
boots "mbr, completed: the menu starts the installed system again" --firmware bios --disk "$S/kill-mbr.img" --expect "$OS"

cp --sparse=always "$G" "$S/kill-gpt.img"
killed "$S/kill-gpt.img" 100000
run "$DARTMK" verify "$S/kill-gpt.img" --partition 4
is "$rc/$(oem "$S/kill-gpt.img" 4)" "0/SYSLINUX" "gpt, an update killed at byte 100000 (the new tree going into free clusters): the old image verifies, unmarked"
boots "gpt, killed early: OVMF boots the old image's loader" --firmware uefi --disk "$S/kill-gpt.img" --expect "$EFI"
run "$DARTMK" partition "$SAMPLES/adk" "$S/kill-gpt.img" --yes -q </dev/null
is "$rc" 0 "gpt, killed early: the next run completes the update"
boots "gpt, completed: OVMF boots the new image's loader" --firmware uefi --disk "$S/kill-gpt.img" --expect "$EFI"

run boot_qemu --firmware bios --cdrom "$S/gpt.img" --writable --expect "$EFI"
is "$rc" 2 "qemu-boot: --writable goes with --disk only (usage error)"

done_testing
