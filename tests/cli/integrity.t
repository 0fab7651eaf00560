#!/bin/bash
# A damaged boot.wim (a resource that fails its own SHA-1) never goes onto media: inspect, build,
# iso, usb, partition and pxe exit 1 with one line naming boot.wim and what failed, and write
# nothing (no output, the disk image unchanged, nothing left in TMPDIR). Both ways boot.wim
# reaches a target are covered: exported (an install DVD's image 2) and streamed as it is (an
# ADK boot.wim that already holds the one bootable image).
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/writers.sh"
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
plan 26
writers_scratch
damage() { # WIM: four bytes of its first resource overwritten
    printf '\377\377\377\377' | dd of="$1" bs=1 seek=2000 conv=notrunc status=none
}
for layout in dvd adk; do
    M=$S/$layout-damaged
    cp -r "$SAMPLES/$layout" "$M"
    wim=$(cd "$M" && find . -iname boot.wim | sed 's|^\./||')
    damage "$M/$wim"
    disk_gpt_windows "$S/disk.img"
    before=$(sha256sum <"$S/disk.img")
    for cmd in "build $M -o $S/out" "iso $M -o $S/out.iso" "usb $M $S/out.img --size 64M --yes" \
        "partition $M $S/disk.img --yes" "pxe $M -o $S/outp"; do
        # shellcheck disable=SC2086
        run "$DARTMK" $cmd
        is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "$layout: ${cmd%% *}: exit 1, one line"
        like "$err" "^dartmk: $wim: damaged: .*does not match its own checksums\)$" \
            "$layout: ${cmd%% *}: names boot.wim and what failed"
    done
    ls "$S/out" "$S/out.iso" "$S/out.img" "$S/outp" >/dev/null 2>&1
    is "$?" 2 "$layout: nothing written"
    is "$(sha256sum <"$S/disk.img")" "$before" "$layout: the disk image is unchanged"
done
run "$DARTMK" inspect "$S/dvd-damaged"
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "inspect: exit 1, one line"
is "$(ls -A "$TMPDIR" | wc -l)" 0 "nothing left in TMPDIR"
done_testing
