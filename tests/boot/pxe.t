#!/bin/bash
# dartmk pxe trees boot for real, over QEMU's TFTP (user networking, the e1000's iPXE ROM):
# under SeaBIOS, the DHCP boot file pxelinux.0 reads pxelinux.cfg/default and hands over to
# pxeboot.n12 (the sample's PXE stand-in, which prints its marker); under OVMF, bootx64.efi
# (the EFI stand-in) — for trees made from the DVD folder and from the UDF-only ISO; with
# --menu, the default entry starts after the menu's timeout (and not before it).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/boot.sh
. "$TOP/tests/lib/boot.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null
plan 13
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
unset DARTMK_LIBDIR

for s in dvd udf.iso; do
    D=$SCRATCH/$s
    "$DARTMK" pxe "$SAMPLES/$s" -o "$D" -q >/dev/null 2>&1 && [ -f "$D/pxelinux.0" ] && [ -f "$D/bootx64.efi" ]
    ok $? "$s: dartmk pxe wrote a tree with pxelinux.0 and bootx64.efi"
    start=$SECONDS
    boots "$s: BIOS PXE: pxelinux.0 -> pxelinux.cfg/default -> pxeboot.n12 prints its marker" \
        --firmware bios --tftp "$D" --bootfile pxelinux.0 --expect "DARTMK-STUB: pxeboot" --timeout 40
    [ "$s" = dvd ] && plain=$((SECONDS - start)) # how long a BIOS PXE boot takes here without a menu
    boots "$s: UEFI PXE: bootx64.efi prints its marker" \
        --firmware uefi --tftp "$D" --bootfile bootx64.efi --expect "DARTMK-STUB: efi" --timeout 90
done

# --menu: DaRT first, the local disk second, a timeout. The entry that starts when nobody presses a
# key is MENU DEFAULT's, else DEFAULT's, else the first.
M=$SCRATCH/menu
"$DARTMK" pxe "$SAMPLES/dvd" -o "$M" --menu -q >/dev/null 2>&1 && [ -f "$M/menu.c32" ]
ok $? "--menu: dartmk pxe wrote a tree with menu.c32"
C=$M/pxelinux.cfg/default
default=$(awk '
    tolower($1) == "label" { l = $2; if (first == "") first = l }
    tolower($1) == "menu" && tolower($2) == "default" && l != "" { md = l }
    tolower($1) == "default" && l == "" { d = $2 }
    END { print (md != "" ? md : (d != "" ? d : first)) }' "$C")
first=$(awk 'tolower($1) == "label" { print $2; exit }' "$C")
tenths=$(awk 'tolower($1) == "timeout" { print $2; exit }' "$C")
secs=$(( (${tenths:-0} + 9) / 10 ))
[ "$secs" -gt 0 ] && [ "$secs" -le 60 ]
ok $? "--menu: a timeout of ${tenths:-no} tenths of a second (at most a minute, so it can be waited for here)"
start=$SECONDS
if [ -n "$first" ] && [ "$default" = "$first" ]; then
    # The default entry is DaRT: after the timeout it starts pxeboot.n12.
    boots "--menu: nobody at the keyboard: after the timeout the default entry (DaRT, '$default') starts pxeboot.n12" \
        --firmware bios --tftp "$M" --bootfile pxelinux.0 --expect "DARTMK-STUB: pxeboot" --timeout $((secs + 60))
    elapsed=$((SECONDS - start))
    [ "$rc" = 0 ] && [ "$elapsed" -ge "$secs" ] && [ "$elapsed" -ge $((plain + secs / 2)) ]
    ok $? "--menu: the menu waited its timeout ($secs s) before starting DaRT (marker after $elapsed s; $plain s without a menu)"
else
    # The default entry is the local disk (there is none here): DaRT must not start by itself.
    run boot_qemu --firmware bios --tftp "$M" --bootfile pxelinux.0 --expect "DARTMK-STUB: pxeboot" --timeout $((secs + 30))
    is "$rc" 1 "--menu: nobody at the keyboard: the default entry ('$default', the local disk) starts, not DaRT"
    pass "--menu: DaRT is started on demand only (default '$default', first '$first')"
fi
boots "--menu: UEFI PXE of the same tree: bootx64.efi prints its marker" \
    --firmware uefi --tftp "$M" --bootfile bootx64.efi --expect "DARTMK-STUB: efi" --timeout 90

# A tree refreshed with --update (boot.wim customised) still boots.
mkdir -p "$SCRATCH/tool" && cp "$FIXTURES/bootx64.efi" "$SCRATCH/tool/tool.exe"
"$DARTMK" pxe "$SAMPLES/dvd" -o "$SCRATCH/dvd" --update --tool "Tool=$SCRATCH/tool" -q >/dev/null 2>&1
ok $? "dvd: the tree refreshed with --update --tool"
boots "dvd, updated: BIOS PXE still reaches pxeboot.n12" \
    --firmware bios --tftp "$SCRATCH/dvd" --bootfile pxelinux.0 --expect "DARTMK-STUB: pxeboot" --timeout 40

done_testing
