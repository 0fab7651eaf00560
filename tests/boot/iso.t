#!/bin/bash
# ISOs mastered by `dartmk iso` boot for real: from each sample layout (install DVD folder, ADK
# folder, UDF-only ISO) the El Torito stand-in under SeaBIOS and the EFI stand-in under OVMF; the
# ISO whose efisys.bin dartmk generated, under OVMF; and a customised (--tool) ISO both ways.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 14
scratch
export TMPDIR=$SCRATCH
unset SOURCE_DATE_EPOCH

# both NAME: the ISO $SCRATCH/NAME.iso boots etfsboot under BIOS and the EFI loader under UEFI.
both() {
    boots "$1: boots etfsboot under BIOS" --firmware bios --cdrom "$SCRATCH/$1.iso" --expect "DARTMK-STUB: etfsboot"
    boots "$1: boots its EFI loader under UEFI" --firmware uefi --cdrom "$SCRATCH/$1.iso" --expect "DARTMK-STUB: efi"
}
master() { # NAME SOURCE ARGS...
    local n=$1 s=$2
    shift 2
    run "$DARTMK" iso "$s" -o "$SCRATCH/$n.iso" -q "$@"
    is "$rc" 0 "dartmk iso $(basename "$s") $* -> $n.iso"
    [ "$rc" = 0 ] || diag "$err"
}

master dvd "$SAMPLES/dvd"
both dvd
master adk "$SAMPLES/adk"
both adk
master udf "$SAMPLES/udf.iso"
both udf

# efisys.bin generated from the EFI loader: a copy of the DVD without one on the media or in
# boot.wim.
cp -a "$SAMPLES/dvd" "$SCRATCH/gen"
rm "$SCRATCH/gen/efi/microsoft/boot/efisys.bin"
wimupdate "$SCRATCH/gen/sources/boot.wim" 2 --command "delete /Windows/Boot/DVD/EFI/en-US/efisys.bin" >/dev/null
master gen "$SCRATCH/gen" --json
boots "gen: the generated efisys.bin boots the EFI loader under UEFI" --firmware uefi --cdrom "$SCRATCH/gen.iso" --expect "DARTMK-STUB: efi"

mkdir -p "$SCRATCH/tool"
cp "$FIXTURES/bootx64.efi" "$SCRATCH/tool/tool.exe"
master custom "$SAMPLES/dvd" --tool "Tool=$SCRATCH/tool" --expire-days 7
both custom

done_testing
