#!/bin/bash
# The sample media boot for real: its El Torito entries, a stick built from its files, and a
# TFTP root holding the PXE loaders taken out of its boot.wim — under SeaBIOS and OVMF.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 14
scratch

boots "dvd.iso boots etfsboot under BIOS" --firmware bios --cdrom "$SAMPLES/dvd.iso" --expect "DARTMK-STUB: etfsboot"
boots "dvd.iso boots its EFI loader under UEFI" --firmware uefi --cdrom "$SAMPLES/dvd.iso" --expect "DARTMK-STUB: efi"
boots "adk.iso (El Torito images hidden) boots under BIOS" --firmware bios --cdrom "$SAMPLES/adk.iso" --expect "DARTMK-STUB: etfsboot"
boots "udf.iso (UDF-only media) boots under BIOS" --firmware bios --cdrom "$SAMPLES/udf.iso" --expect "DARTMK-STUB: etfsboot"

boot_stick "$SCRATCH/adk.img" "$SAMPLES/adk/bootmgr" "$SAMPLES/adk/EFI/Boot/bootx64.efi"
ok $? "stick image built from the ADK sample's bootmgr and EFI loader"
boots "stick from the sample boots bootmgr under BIOS (syslinux chain.c32 ntldr=)" --firmware bios --disk "$SCRATCH/adk.img" --expect "DARTMK-STUB: bootmgr"
boots "stick from the sample boots BOOTX64.EFI under UEFI" --firmware uefi --disk "$SCRATCH/adk.img" --expect "DARTMK-STUB: efi"

mkdir -p "$SCRATCH/tftp"
wimextract "$SAMPLES/boot.wim" 1 /Windows/Boot/PXE/pxeboot.n12 /Windows/Boot/EFI/bootmgfw.efi \
    --dest-dir="$SCRATCH/tftp" >/dev/null
ok $? "PXE loaders taken out of the sample boot.wim"
cmp -s "$SCRATCH/tftp/pxeboot.n12" "$FIXTURES/pxeboot.n12"
ok $? "the sample's pxeboot.n12 is the PXE stand-in"
boots "pxeboot.n12 from boot.wim PXE-boots under BIOS" --firmware bios --tftp "$SCRATCH/tftp" --bootfile pxeboot.n12 --expect "DARTMK-STUB: pxeboot"
boots "bootmgfw.efi from boot.wim PXE-boots under UEFI" --firmware uefi --tftp "$SCRATCH/tftp" --bootfile bootmgfw.efi --expect "DARTMK-STUB: efi"

# A recovery tree written by `dartmk build` (boot.wim customised) is still bootable media: its
# own El Torito images, mastered as they are, boot both ways.
mkdir -p "$SCRATCH/tool"
cp "$FIXTURES/bootx64.efi" "$SCRATCH/tool/tool.exe"
"$DARTMK" build "$SAMPLES/dvd" -o "$SCRATCH/dart" -q --tool "Tool=$SCRATCH/tool" --expire-days 7 &&
    xorriso -as mkisofs -quiet -iso-level 3 -J -joliet-long -V DART -o "$SCRATCH/dart.iso" \
        -b boot/etfsboot.com -no-emul-boot -boot-load-size 8 \
        -eltorito-alt-boot -e efi/microsoft/boot/efisys.bin -no-emul-boot "$SCRATCH/dart" 2>/dev/null
ok $? "dartmk build of the DVD sample, mastered with its own El Torito images"
boots "the built recovery tree boots etfsboot under BIOS" --firmware bios --cdrom "$SCRATCH/dart.iso" --expect "DARTMK-STUB: etfsboot"
boots "the built recovery tree boots its EFI loader under UEFI" --firmware uefi --cdrom "$SCRATCH/dart.iso" --expect "DARTMK-STUB: efi"

done_testing
