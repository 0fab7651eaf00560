#!/bin/bash
# dartmk inspect: every kind of source and layout, text and JSON, and every bad input the
# foundation issue names (exit code, one-line message, nothing written).
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -f "$SAMPLES/udf.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
plan 151
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"

j() { printf '%s' "$out" | jq -r "$1"; }

# --- install DVD layout, as a directory ---------------------------------------------------
run "$DARTMK" inspect --json "$SAMPLES/dvd"
is "$rc" 0 "dvd dir: exit 0"
is "$(j .kind)/$(j .layout)" "directory/install-dvd" "dvd dir: kind and layout"
is "$(j .bios)/$(j .uefi)" "true/true" "dvd dir: boots BIOS and UEFI"
is "$(j '.el_torito.bios')/$(j '.el_torito.uefi')" "true/true" "dvd dir: El Torito both ways"
is "$(j .files.bootmgr)" "bootmgr" "dvd dir: bootmgr on the media"
is "$(j .files.bcd)" "boot/bcd" "dvd dir: bcd"
is "$(j .files.boot_sdi)" "boot/boot.sdi" "dvd dir: boot.sdi"
is "$(j .files.etfsboot)" "boot/etfsboot.com" "dvd dir: etfsboot on the media"
is "$(j .files.efi_loader)" "efi/boot/bootx64.efi" "dvd dir: EFI loader"
is "$(j .files.efisys)" "efi/microsoft/boot/efisys.bin" "dvd dir: efisys on the media"
is "$(j .files.boot_wim)" "sources/boot.wim" "dvd dir: boot.wim"
is "$(j '.wim.images | length')" 2 "dvd dir: two images"
is "$(j '.wim.images[0].name')" "Microsoft Windows PE (amd64)" "dvd dir: image 1 name"
is "$(j '.wim.images[1].name')" "Microsoft Windows Setup (amd64)" "dvd dir: image 2 name"
is "$(j '.wim.images[0].bootable')/$(j '.wim.images[1].bootable')" "false/true" "dvd dir: image 2 bootable"
is "$(j .wim.boot_index)/$(j .wim.image)" "2/2" "dvd dir: boot index 2 chosen by default"
is "$(j .arch)/$(j .arch_source)" "amd64/wim-xml" "dvd dir: arch from the WIM XML"
is "$(j .expires)/$(j .expired)" "null/false" "dvd dir: no expiry"
is "$(j '.missing.bios | length')/$(j '.missing.uefi | length')" "0/0" "dvd dir: nothing missing"

run "$DARTMK" inspect --json --image-index 1 "$SAMPLES/dvd"
is "$rc/$(j .wim.image)" "0/1" "--image-index 1 chooses image 1"

run "$DARTMK" inspect "$SAMPLES/dvd"
is "$rc" 0 "dvd dir text: exit 0"
like "$out" "^Kind +directory, install DVD layout$" "text: kind and layout"
like "$out" "^Architecture +amd64" "text: architecture"
like "$out" "^ +\* 2 +Microsoft Windows Setup \(amd64\) +\[bootable\]" "text: chosen bootable image"
like "$out" "^BIOS boot +yes" "text: BIOS yes"
like "$out" "^UEFI boot +yes" "text: UEFI yes"

# --- ADK copype layout: El Torito images only inside boot.wim ------------------------------
run "$DARTMK" inspect --json "$SAMPLES/adk"
is "$rc/$(j .layout)" "0/adk" "adk dir: layout"
is "$(j '.wim.images | length')/$(j .wim.boot_index)" "1/1" "adk dir: one bootable image"
is "$(j .files.bcd)" "Boot/BCD" "adk dir: capitalised names kept"
is "$(j .files.etfsboot)" "sources/boot.wim:Windows/Boot/DVD/PCAT/etfsboot.com" "adk dir: etfsboot inside boot.wim"
is "$(j .files.efisys)" "sources/boot.wim:Windows/Boot/DVD/EFI/en-US/efisys.bin" "adk dir: efisys inside boot.wim"
is "$(j .bios)/$(j .uefi)" "true/true" "adk dir: boots BIOS and UEFI"

run "$DARTMK" inspect --json "$SAMPLES/adk-noarch"
is "$rc/$(j .arch)/$(j .arch_source)" "0/amd64/pe-header" "no ARCH in the XML: arch from the PE header"

# --- ISO, UDF-only ISO, bare WIM, optical device --------------------------------------------
run "$DARTMK" inspect --json "$SAMPLES/dvd.iso"
is "$rc/$(j .kind)/$(j .filesystem)" "0/iso/ISO 9660" "dvd.iso: ISO 9660"
is "$(j .bios)/$(j .uefi)/$(j .layout)" "true/true/install-dvd" "dvd.iso: boots, install-dvd"
is "$(j .wim.boot_index)/$(j '.wim.images | length')" "2/2" "dvd.iso: images read through the ISO"

run "$DARTMK" inspect --json "$SAMPLES/adk.iso"
is "$rc/$(j .layout)/$(j .files.etfsboot)" "0/adk/sources/boot.wim:Windows/Boot/DVD/PCAT/etfsboot.com" "adk.iso: etfsboot inside boot.wim"

run "$DARTMK" inspect --json "$SAMPLES/udf.iso"
is "$rc/$(j .kind)/$(j .filesystem)" "0/iso/UDF" "udf.iso: read through UDF"
is "$(j .files.boot_wim)/$(j .bios)/$(j .uefi)" "sources/boot.wim/true/true" "udf.iso: media found in UDF"
is "$(j .arch)" "amd64" "udf.iso: arch"

run "$DARTMK" inspect --json "$SAMPLES/boot.wim"
is "$rc/$(j .kind)/$(j .layout)" "0/wim/wim" "bare WIM: kind wim"
is "$(j .files.bootmgr)" "$SAMPLES/boot.wim:Windows/Boot/PCAT/bootmgr" "bare WIM: bootmgr from inside"
is "$(j .files.efi_loader)" "$SAMPLES/boot.wim:Windows/Boot/EFI/bootmgfw.efi" "bare WIM: EFI loader from inside"
is "$(j .files.boot_wim)" "$SAMPLES/boot.wim" "bare WIM: boot_wim is the file itself"
is "$(j .bios)/$(j .uefi)" "true/true" "bare WIM: boots both ways"

if loop=$(losetup -r -f --show "$SAMPLES/dvd.iso" 2>/dev/null); then
    run "$DARTMK" inspect --json "$loop"
    losetup -d "$loop"
    is "$rc/$(j .kind)/$(j .layout)" "0/device/install-dvd" "a block device holding the disc: kind device"
else
    fail "a block device holding the disc: losetup failed (root and /dev/loop* are needed)"
fi

# --- the ISO name flavours: Joliet only, plain ISO 9660 (upper-case names) ----------------------
xorriso -as mkisofs -quiet -iso-level 3 -J -joliet-long -o "$SCRATCH/joliet.iso" "$SAMPLES/dvd" 2>/dev/null
run "$DARTMK" inspect --json "$SCRATCH/joliet.iso"
is "$rc/$(j .files.efisys)/$(j .bios)/$(j .uefi)" "0/efi/microsoft/boot/efisys.bin/true/true" "Joliet-only ISO: long names read"
xorriso -as mkisofs -quiet -iso-level 3 -o "$SCRATCH/plain.iso" "$SAMPLES/dvd" 2>/dev/null
run "$DARTMK" inspect --json "$SCRATCH/plain.iso"
is "$rc/$(j .files.bcd)/$(j .files.boot_wim)/$(j .bios)/$(j .uefi)" "0/boot/bcd/sources/boot.wim/true/true" "plain ISO 9660: versions and trailing dots stripped, names found"

# --- text output of the other kinds ---------------------------------------------------------
run "$DARTMK" inspect "$SAMPLES/udf.iso"
like "$out" "^Kind +iso \(UDF\), install DVD layout$" "udf.iso text: UDF named"
run "$DARTMK" inspect "$SAMPLES/boot.wim"
like "$out" "^  bootmgr +$SAMPLES/boot.wim:Windows/Boot/PCAT/bootmgr$" "boot.wim text: bootmgr inside the WIM"
like "$out" "^Kind +wim, a bare boot.wim$" "boot.wim text: kind"
run "$DARTMK" inspect "$SAMPLES/adk-noarch"
like "$out" "^Architecture +amd64 \(from the EFI loader's PE header\)$" "text: arch from the PE header"

# --- -v, -q and the progress bar on a terminal ----------------------------------------------
run "$DARTMK" inspect -v "$SAMPLES/udf.iso"
like "$err" "the ISO 9660 tree holds no sources/boot.wim; reading the UDF volume" "-v says why UDF is read"
run "$DARTMK" inspect -q "$SAMPLES/udf.iso"
is "$rc/$err" "0/" "-q: nothing on stderr"
tty_out=$(script -qec "$DARTMK inspect $SAMPLES/dvd.iso" /dev/null)
like "$tty_out" "reading sources/boot.wim \[#+\] 100% +[0-9.]+ / [0-9.]+ KiB" "a terminal gets a progress bar"
tty_out=$(script -qec "$DARTMK inspect -q $SAMPLES/dvd.iso" /dev/null)
if printf '%s' "$tty_out" | grep -q "reading sources/boot.wim"; then fail "-q: no bar on a terminal"; else pass "-q: no bar on a terminal"; fi

# --- what is missing is said ---------------------------------------------------------------
# Media whose boot.wim holds only the BIOS boot manager and BCD: no boot.sdi, no EFI files.
mkdir -p "$SCRATCH/thin/Windows/Boot/PCAT" "$SCRATCH/thin/Windows/Boot/DVD/PCAT" "$SCRATCH/partial/sources"
cp "$FIXTURES/bootmgr" "$SCRATCH/thin/Windows/Boot/PCAT/bootmgr"
echo regf > "$SCRATCH/thin/Windows/Boot/DVD/PCAT/BCD"
wimcapture "$SCRATCH/thin" "$SCRATCH/partial/sources/boot.wim" "Thin PE" --boot >/dev/null
run "$DARTMK" inspect "$SCRATCH/partial"
is "$rc" 0 "media that cannot boot: inspect still succeeds"
like "$out" "^BIOS boot +no, missing boot_sdi \(boot/boot.sdi\)$" "text names what BIOS boot is missing"
like "$out" "^UEFI boot +no, missing efi_loader \(efi/boot/bootx64.efi\), efi_bcd \(efi/microsoft/boot/bcd\), boot_sdi \(boot/boot.sdi\)$" "text names what UEFI boot is missing"
run "$DARTMK" inspect --json "$SCRATCH/partial"
is "$(j .bios)/$(j '.missing.bios | join(",")')" "false/boot_sdi" "JSON: bios false, missing boot_sdi"
is "$(j .uefi)/$(j '.missing.uefi | join(",")')" "false/efi_loader,efi_bcd,boot_sdi" "JSON: uefi false, missing the EFI files"
is "$(j .files.bootmgr)/$(j .files.efi_loader)/$(j .arch)" "sources/boot.wim:Windows/Boot/PCAT/bootmgr/null/null" "JSON: bootmgr found inside, no loader, arch unknown"

# --- bad input: exit code, one line naming the thing and the reason, nothing written -------
bad() { # bad DESCRIPTION EXPECTED-RC REGEX ARGS...
    local d=$1 want=$2 re=$3
    shift 3
    run "$DARTMK" inspect "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: message"
    is "$(printf '%s\n' "$err" | wc -l)/${#out}" "1/0" "$d: one line on stderr, nothing on stdout"
}

bad "missing path" 1 "^dartmk: $SCRATCH/nope.iso: no such file or directory$" "$SCRATCH/nope.iso"

echo data > "$SCRATCH/secret.iso"
chmod 000 "$SCRATCH/secret.iso"
chmod 755 "$SCRATCH"
if [ "$(id -u)" = 0 ]; then
    run env TMPDIR=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups "$DARTMK" inspect "$SCRATCH/secret.iso"
else
    run "$DARTMK" inspect "$SCRATCH/secret.iso"
fi
is "$rc" 1 "unreadable file: exit 1"
is "$err" "dartmk: $SCRATCH/secret.iso: cannot open: Permission denied" "unreadable file: message"

head -c $(( $(stat -c %s "$SAMPLES/dvd.iso") / 2 )) "$SAMPLES/dvd.iso" > "$SCRATCH/half.iso"
bad "truncated ISO" 1 "^dartmk: $SCRATCH/half.iso: truncated ISO image \([0-9]+ bytes, the volume needs [0-9]+\)$" "$SCRATCH/half.iso"

# Hostile directory records (tests/lib/isoedit.py): folders that loop, in every tree and in
# Joliet alone (the tree libisofs reads without Rock Ridge); a folder and a file that lie past
# the image's end. inspect, iso and verify end (timeout: a regression fails, not hangs) with
# exit 1 and one line naming the image and the problem; nothing is left behind.
ISOEDIT=$TOP/tests/lib/isoedit.py
hostile() { # hostile DESCRIPTION REGEX ISO
    local c a
    for c in inspect iso verify; do
        a=("$c" "$3")
        [ "$c" = iso ] && a+=(-o "$SCRATCH/h.iso")
        run timeout 20 "$DARTMK" "${a[@]}"
        is "$rc/$(printf '%s\n' "$err" | wc -l)/${#out}" "1/1/0" "$1: $c exits 1 with one line"
        like "$err" "$2" "$1: $c's message"
    done
    is "$(ls -A "$TMPDIR" | wc -l)/$(find "$SCRATCH" -maxdepth 1 -name 'h.iso*' | wc -l)" "0/0" \
        "$1: nothing left"
}
cp "$SAMPLES/dvd.iso" "$SCRATCH/loop.iso" && python3 "$ISOEDIT" "$SCRATCH/loop.iso" loop efi/boot
hostile "folders that loop" "^dartmk: $SCRATCH/loop\.iso: the folders form a loop \(EFI/BOOT points back to a folder above it\)$" "$SCRATCH/loop.iso"
xorriso -as mkisofs -quiet -J -o "$SCRATCH/joliet.iso" "$SAMPLES/dvd" 2>/dev/null
python3 "$ISOEDIT" "$SCRATCH/joliet.iso" loop efi/microsoft
hostile "Joliet folders that loop" "^dartmk: $SCRATCH/joliet\.iso: the folders form a loop \(efi/microsoft points back to a folder above it\)$" "$SCRATCH/joliet.iso"
cp "$SAMPLES/dvd.iso" "$SCRATCH/fardir.iso" && python3 "$ISOEDIT" "$SCRATCH/fardir.iso" extent sources 999999
hostile "a folder past the end" "^dartmk: $SCRATCH/fardir\.iso: SOURCES: the folder lies past the image's end$" "$SCRATCH/fardir.iso"
blocks=$(( $(stat -c %s "$SAMPLES/dvd.iso") / 2048 ))
cp "$SAMPLES/dvd.iso" "$SCRATCH/far.iso" && python3 "$ISOEDIT" "$SCRATCH/far.iso" extent bootmgr $((blocks + 1))
hostile "bootmgr past the end" "^dartmk: $SCRATCH/far\.iso: BOOTMGR lies past the image's end$" "$SCRATCH/far.iso"

# Rock Ridge continuation areas (SUSP CE) that point back to themselves: libisofs followed them
# forever (found by fuzz_iso; the image is its seed, after the 32 KiB system area).
{ head -c 32768 /dev/zero && cat "$TOP/tests/fuzz/corpus-iso/timeout-iso-ce-loop"; } >"$SCRATCH/ce.iso"
truncate -s $((188 * 2048)) "$SCRATCH/ce.iso"
hostile "Rock Ridge continuation areas that loop" "^dartmk: $SCRATCH/ce\.iso: the root folder: damaged Rock Ridge data \(its continuation areas form a loop\)$" "$SCRATCH/ce.iso"

# A folder whose "." record claims more than its parent's record (libisofs reads that much, into
# the folders after it) and a third record named ".." pointing back to the root: libisofs built
# an endless tree (found by fuzz_iso).
{ head -c 32768 /dev/zero && cat "$TOP/tests/fuzz/corpus-iso/timeout-iso-dot-size-loop"; } >"$SCRATCH/dot.iso"
truncate -s $((198 * 2048)) "$SCRATCH/dot.iso"
hostile "a folder's own size reaching into others" "^dartmk: $SCRATCH/dot\.iso: the folders form a loop \(BOOT/.* points back to a folder above it\)$" "$SCRATCH/dot.iso"

head -c 100000 /dev/urandom > "$SCRATCH/random.bin"
bad "not an ISO or WIM" 1 "^dartmk: $SCRATCH/random.bin: not an ISO image, WIM file, disk image or directory$" "$SCRATCH/random.bin"

# A corrupt WIM: a valid header, the rest overwritten.
cp "$SAMPLES/boot.wim" "$SCRATCH/corrupt.wim"
size=$(stat -c %s "$SCRATCH/corrupt.wim")
dd if=/dev/zero of="$SCRATCH/corrupt.wim" bs=1 seek=208 count=$((size - 208)) conv=notrunc status=none
bad "corrupt WIM" 1 "^dartmk: $SCRATCH/corrupt.wim: not a readable WIM file \(.+\)$" "$SCRATCH/corrupt.wim"

# A corrupt WIM whose header and XML are sound but whose image metadata is garbage.
cp "$SAMPLES/boot.wim" "$SCRATCH/badmeta.wim"
hdr=$(wiminfo --header "$SCRATCH/badmeta.wim")
off=$(printf '%s\n' "$hdr" | awk '/^Boot Metadata Offset/ {print $NF}')
len=$(printf '%s\n' "$hdr" | awk '/^Boot Metadata Size/ {print $NF}')
head -c $((len - 32)) /dev/urandom | dd of="$SCRATCH/badmeta.wim" bs=1 seek=$((off + 16)) conv=notrunc status=none
bad "corrupt WIM metadata" 1 "^dartmk: $SCRATCH/badmeta.wim: cannot read the image's directory tree \(.+\)$" "$SCRATCH/badmeta.wim"

mkdir -p "$SCRATCH/notmedia/docs" && echo hi > "$SCRATCH/notmedia/docs/a.txt"
bad "directory that is not Windows media" 1 "^dartmk: $SCRATCH/notmedia: not Windows PE media \(no sources/boot.wim\)$" "$SCRATCH/notmedia"

bad "WIM index that does not exist" 1 "^dartmk: sources/boot.wim: image index 3 does not exist \(the WIM has 2 images\)$" --image-index 3 "$SAMPLES/dvd"

bad "no SOURCE" 2 "^dartmk inspect: no SOURCE given" 
bad "bad --image-index" 2 "^dartmk inspect: --image-index: 'two' is not an image number" --image-index two "$SAMPLES/dvd"

bad "bad --progress" 2 "^dartmk inspect: --progress: 'loud' is not auto, none, bar or json" --progress=loud "$SAMPLES/dvd"

# Progress: JSON lines on stderr while an ISO's boot.wim is read; nothing in a pipe otherwise.
run "$DARTMK" inspect --json --progress=json "$SAMPLES/dvd.iso"
is "$rc/$(j .kind)" "0/iso" "--progress=json keeps stdout one JSON object"
first=$(printf '%s\n' "$err" | head -1) last=$(printf '%s\n' "$err" | tail -1)
is "$(printf '%s' "$first" | jq -r '.event + " " + .task')" "begin reading sources/boot.wim" "progress: begin line"
is "$(printf '%s' "$last" | jq -r '.event + " " + (.done == .total | tostring)')" "end true" "progress: end line, all bytes"
run "$DARTMK" inspect "$SAMPLES/dvd.iso"
is "$err" "" "no progress output in a pipe"

# A damaged UDF volume: libudfread writes its own "udfread ERROR" lines to stderr; the user sees
# dartmk's one line, and libudfread's only with -v (as dartmk's debug lines).
for lba in 257 260 261; do
    cp "$SAMPLES/udf.iso" "$SCRATCH/udfbad.iso"
    head -c 2048 /dev/urandom | dd of="$SCRATCH/udfbad.iso" bs=2048 seek=$lba conv=notrunc status=none
    run "$DARTMK" inspect "$SCRATCH/udfbad.iso"
    is "$rc/$(printf '%s\n' "$err" | grep -c .)/$(printf '%s' "$err" | grep -c udfread)" "1/1/0" \
        "damaged UDF (block $lba): exit 1, dartmk's one line, none of libudfread's"
done
run "$DARTMK" inspect "$SCRATCH/udfbad.iso" -v
like "$err" "dartmk: udfread ERROR: " "with -v, libudfread's lines come as dartmk's debug lines"

# boot.wim's data is checked against its own SHA-1s by default (--quick skips it, saying so): a
# damaged WIM, bare or inside media, fails inspect with one line.
cp "$SAMPLES/boot.wim" "$SCRATCH/damaged.wim"
printf '\377\377\377\377' | dd of="$SCRATCH/damaged.wim" bs=1 seek=2000 conv=notrunc status=none
run "$DARTMK" inspect "$SCRATCH/damaged.wim"
is "$rc/$(printf '%s\n' "$err" | grep -c .)/${#out}" "1/1/0" "a damaged boot.wim: exit 1, one line, nothing on stdout"
like "$err" "^dartmk: .*damaged\.wim: damaged: .*does not match its own checksums\)$" "a damaged boot.wim: named, and what failed"
run "$DARTMK" inspect "$SCRATCH/damaged.wim" --quick
is "$rc/$(printf '%s\n' "$out" | grep '^Integrity')" "0/Integrity     not checked (--quick)" "--quick: not checked, and says so"
cp -r "$SAMPLES/adk" "$SCRATCH/adk-damaged" && cp "$SCRATCH/damaged.wim" "$SCRATCH/adk-damaged/sources/boot.wim"
run "$DARTMK" inspect "$SCRATCH/adk-damaged"
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "media holding a damaged boot.wim: exit 1, one line"
run "$DARTMK" inspect "$SAMPLES/dvd" --json
is "$rc/$(j .wim.checked)" "0/true" "--json: wim.checked is true when checked"
run "$DARTMK" inspect "$SAMPLES/dvd" --json --quick
is "$rc/$(j .wim.checked)" "0/false" "--json --quick: wim.checked is false"

is "$(ls -A "$TMPDIR" | wc -l)" 0 "nothing left in TMPDIR"
done_testing
