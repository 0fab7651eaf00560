#!/bin/bash
# The QEMU boot harness and the stub boot programs, on hand-built media:
# an El Torito ISO, a syslinux USB stick image and a TFTP root, under SeaBIOS and OVMF.
# Also: the harness fails when the marker does not come, and rejects bad usage.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"

plan 28
scratch

# boots DESC EXPECTED-RC ARGS...: run the harness, check its exit status.
boots_rc() { # DESC WANT ARGS...: boot_qemu ARGS... ends with exit code WANT
    local desc=$1 want=$2
    shift 2
    run boot_qemu "$@"
    is "$rc" "$want" "$desc"
    if [ "$rc" != "$want" ] && [ -n "$err" ]; then printf '%s\n' "$err" | sed 's/^#*/#/' >&2; fi
}

# Media built from the stubs.
boot_iso "$SCRATCH/test.iso" "$FIXTURES/etfsboot.com" "$FIXTURES/bootx64.efi"
ok $? "hand-built ISO (El Torito BIOS + UEFI entries)"
boot_stick "$SCRATCH/stick.img" "$FIXTURES/bootmgr" "$FIXTURES/bootx64.efi"
ok $? "hand-built USB stick image (syslinux MBR, FAT32, chain.c32 ntldr=/bootmgr, BOOTX64.EFI)"
mkdir -p "$SCRATCH/tftp" && cp "$FIXTURES/pxeboot.n12" "$FIXTURES/bootx64.efi" "$SCRATCH/tftp/"
ok $? "TFTP root with pxeboot.n12 and bootx64.efi"
truncate -s 8M "$SCRATCH/blank.img"
ok $? "blank disk image (no boot code)"
before=$(sha256sum <"$SCRATCH/stick.img")

# (a) ISO
boots_rc "ISO boots etfsboot under SeaBIOS" 0 \
    --firmware bios --cdrom "$SCRATCH/test.iso" --expect "DARTMK-STUB: etfsboot" --timeout 20
boots_rc "ISO boots the EFI loader under OVMF" 0 \
    --firmware uefi --cdrom "$SCRATCH/test.iso" --expect "DARTMK-STUB: efi" --timeout 60

# (b) USB stick image
boots_rc "stick boots bootmgr under SeaBIOS (MBR -> syslinux -> chain.c32)" 0 \
    --firmware bios --disk "$SCRATCH/stick.img" --expect "DARTMK-STUB: bootmgr" \
    --timeout 20 --log "$SCRATCH/stick-bios.log"
grep -aqF "DARTMK-STUB: bootmgr" "$SCRATCH/stick-bios.log"
ok $? "--log keeps the serial log, marker in it"
grep -aqF "SYSLINUX" "$SCRATCH/stick-bios.log"
ok $? "the chain went through syslinux"
boots_rc "stick boots /EFI/BOOT/BOOTX64.EFI under OVMF" 0 \
    --firmware uefi --disk "$SCRATCH/stick.img" --expect "DARTMK-STUB: efi" --timeout 60
is "$(sha256sum <"$SCRATCH/stick.img")" "$before" "booting did not change the disk image"

# (c) TFTP
boots_rc "PXE boots pxeboot.n12 under SeaBIOS (iPXE ROM)" 0 \
    --firmware bios --tftp "$SCRATCH/tftp" --bootfile pxeboot.n12 \
    --expect "DARTMK-STUB: pxeboot" --timeout 30
boots_rc "PXE boots bootx64.efi under OVMF" 0 \
    --firmware uefi --tftp "$SCRATCH/tftp" --bootfile bootx64.efi \
    --expect "DARTMK-STUB: efi" --timeout 60

# (d) the harness fails when the marker does not come
boots_rc "missing marker: ISO under SeaBIOS does not print the bootmgr marker" 1 \
    --firmware bios --cdrom "$SCRATCH/test.iso" --expect "DARTMK-STUB: bootmgr" --timeout 15
like "$err" "without printing 'DARTMK-STUB: bootmgr'" "  ... and says so"
like "$err" "DARTMK-STUB: etfsboot" "  ... showing the end of the serial log"
boots_rc "missing marker: blank disk under SeaBIOS" 1 \
    --firmware bios --disk "$SCRATCH/blank.img" --expect "DARTMK-STUB: bootmgr" --timeout 10
t0=$SECONDS
boots_rc "missing marker: blank disk under OVMF (timeout path)" 1 \
    --firmware uefi --disk "$SCRATCH/blank.img" --expect "DARTMK-STUB: efi" --timeout 8
el=$((SECONDS - t0))
[ "$el" -ge 8 ] && [ "$el" -le 14 ]
ok $? "  ... gave up at its timeout (took ${el}s for --timeout 8)"
like "$err" "did not appear within 8 s" "  ... and says so"
pgrep -f "$SCRATCH/" >/dev/null
ok $((!$?)) "no QEMU left running"

# usage errors
boots_rc "usage: no arguments" 2
boots_rc "usage: bad firmware" 2 --firmware coreboot --disk "$SCRATCH/blank.img" --expect x
boots_rc "usage: two boot sources" 2 \
    --firmware bios --disk "$SCRATCH/blank.img" --cdrom "$SCRATCH/test.iso" --expect x
boots_rc "usage: --tftp without --bootfile" 2 --firmware bios --tftp "$SCRATCH/tftp" --expect x
boots_rc "usage: missing --expect" 2 --firmware bios --disk "$SCRATCH/blank.img"
boots_rc "usage: bad timeout" 2 --firmware bios --disk "$SCRATCH/blank.img" --expect x --timeout 5s
boots_rc "usage: image does not exist" 2 --firmware bios --disk "$SCRATCH/nope.img" --expect x

done_testing
