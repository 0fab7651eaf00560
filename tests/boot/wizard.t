#!/bin/bash
# What `dartmk wizard` makes boots for real under QEMU (scripts/qemu-boot, TCG): driven under
# tmux (tests/lib/tmux.sh) at 80x24, to a stick image (the USB stick page: no removable disk
# here, so the image file typed below the list) that boots bootmgr under BIOS; and to a recovery
# partition on a GPT disk image that already holds a stand-in Windows (tests/lib/disks.sh): the
# plan page shows `partition --dry-run`'s plan, Run asks (the partition command's own question,
# the disk's name typed back), and OVMF boots the partition's \EFI\BOOT\BOOTX64.EFI. The other
# pages and their checks are tests/cli/wizard.t.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/tmux.sh
. "$TOP/tests/lib/tmux.sh"
# shellcheck source=tests/lib/wizard.sh
. "$TOP/tests/lib/wizard.sh"
command -v tmux >/dev/null || missing_prerequisite "tmux is installed (scripts/install-deps.sh)"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 9
scratch
trap 'tm_stop; rm -rf "$SCRATCH"' EXIT
S=$SCRATCH
export TMPDIR=$S/tmp XDG_STATE_HOME=$S/state HOME=$S/home LANG=C.UTF-8
# Under ASan, newt's own allocations are not dartmk's leaks (tests/lib/lsan-newt.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP/tests/lib/lsan-newt.supp"
mkdir -p "$TMPDIR" "$HOME" "$S/usb" "$S/part"
DVD=$SAMPLES/dvd.iso

# --- a stick image ---------------------------------------------------------------------------
tm_start usb 80 24 "$S/usb" "$DARTMK" wizard
wz_defaults usb "$DVD"
wz_dest usb 2
wz_at usb "USB stick"
wz_entry usb "$S/usb/stick.img"
tm_keys usb Tab
wz_entry usb 64M
tm_keys usb Enter
wz_at usb "Summary"
like "$(tm_text usb)" "dartmk usb $DVD $S/usb/stick.img --size 64M" "stick: the summary's command line"
tm_keys usb Enter
is "$(tm_exit usb "$S/usb" 60)" 0 "stick: the usb command's exit 0"
boots "stick: the wizard's stick image boots bootmgr under BIOS" --firmware bios \
    --disk "$S/usb/stick.img" --expect "DARTMK-STUB: bootmgr"

# --- a recovery partition on a disk image ------------------------------------------------------
disk_gpt_windows "$S/disk.img" || missing_prerequisite "disk_gpt_windows"
tm_start part 80 24 "$S/part" "$DARTMK" wizard
wz_defaults part "$DVD"
wz_dest part 3
wz_at part "Recovery partition"
wz_entry part "$S/disk.img"
tm_keys part Enter
wz_at part "Recovery partition: the plan"
# At 80x24 the plan scrolls: Shift-Tab twice (Back, then the plan), the arrows.
tm_keys part BTab BTab Down Down Down Down Down Down Down Down
sleep 0.3
like "$(tm_text part)" "after: .* 4 +1141.0 MiB +450.0 MiB +DE94BBA4-06D1-4D40-A16A-BFD50179D6AC DaRT Recovery <- recovery" \
    "partition: the plan page shows partition --dry-run's plan (the new partition 4)"
tm_keys part F12
wz_at part "Summary" && tm_keys part Enter
tm_wait_joined part "The disk $S/disk.img will be given a recovery partition. Type 'disk.img' to go on:" 30
ok $? "partition: Run asks the partition command's own question"
tm_type part disk.img
tm_keys part Enter
is "$(tm_exit part "$S/part" 60)" 0 "partition: the partition command's exit 0"
is "$(sfdisk --json "$S/disk.img" | jq -r '.partitiontable.partitions[3].type')" \
    "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC" "partition: the disk has the Windows RE partition"
boots "partition: OVMF boots the wizard's recovery partition (\\EFI\\BOOT\\BOOTX64.EFI)" \
    --firmware uefi --disk "$S/disk.img" --expect "DARTMK-STUB: efi"
is "$(grep -c '^\[build\]' "$S/part/dartmk-recipe.ini")" 1 "partition: the recipe saved beside"

done_testing
