#!/bin/bash
# The recovery tree is Windows PE (issue 14), for every command: from the install-ISO-shaped
# sample (946 files, a 4.6 GiB sparse sources/install.wim) build, iso, usb, partition and pxe
# hold exactly the allow-listed files (the boot managers and their language folders, boot/,
# efi/, sources/boot.wim) — so usb and partition now fit on 1 GiB — and sources/boot.wim holds
# one image, bootable: the source's bootable image (or --image-index N) exported alone, its
# compressed resources copied raw (a source compressed at another LZX level keeps its bytes).
# --whole-media keeps every file; on a stick a WIM of the split size or more becomes .swm parts
# that wimlib reads as one WIM (DARTMK_SPLIT_SIZE lowers the size for the test). inspect says
# what a recovery image will hold and leave out.
# Judges: wiminfo, wimverify, xorriso, mtools, sfdisk, jq.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/writers.sh"
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/winpe.sh
. "$TOP/tests/lib/winpe.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/install" ] || make -C "$TOP" -s samples >/dev/null
for t in jq sfdisk mcopy xorriso wiminfo wimverify wimcapture wimappend; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is needed"
done
plan 54
writers_scratch
INST=$SAMPLES/install DVD=$SAMPLES/dvd
MIB=1048576
j() { printf '%s' "$out" | jq -r "$1"; }
boot_name() { image_name "$1" "$(wiminfo "$1" | awk -F': *' '/^Boot Index/ { print $2 }')"; }
WANT=$(winpe_list "$INST")
SETUP=$(image_name "$INST/sources/boot.wim" 2)
# tree_files DIR: the recovery files of an extracted tree (not its manifest, not syslinux's).
tree_files() { files_of "$1" | grep -v -e '^dartmk-manifest.json$' -e '^syslinux/'; }

# --- build, iso, usb, partition, pxe from the install medium ---------------------------------
run "$DARTMK" build "$INST" -o "$S/tree" --json
is "$rc" 0 "build: exit 0"
is "$(tree_files "$S/tree")" "$WANT" "build: exactly the allow-listed files ($(printf '%s\n' "$WANT" | wc -l) of $(files_of "$INST" | wc -l))"
is "$(one_image "$S/tree/sources/boot.wim")" "1 1 $SETUP" "build: boot.wim holds one image, bootable: the source's image 2"
is "$(j '"\(.source_image.index) \(.source_image.name) \(.source_image.exported)"')" "2 $SETUP true" "build --json: source_image"
is "$(jq -r '"\(.source.image_index) \(.source.image_name)"' "$S/tree/dartmk-manifest.json")" "2 $SETUP" \
    "build: the manifest's source names the image"

run "$DARTMK" iso "$INST" -o "$S/r.iso" --json
is "$rc" 0 "iso: exit 0"
rm -rf "$S/x" && xorriso -osirrox on -indev "$S/r.iso" -extract / "$S/x" >/dev/null 2>&1 && chmod -R u+w "$S/x"
is "$(tree_files "$S/x")" "$WANT" "iso: exactly the allow-listed files (xorriso)"
is "$(one_image "$S/x/sources/boot.wim")" "1 1 $SETUP" "iso: boot.wim holds the source's image 2 alone, bootable"
is "$(j .source_image.index)" 2 "iso --json: source_image.index"
run "$DARTMK" verify "$S/r.iso" --json
is "$rc/$(j .files)" "0/$(printf '%s\n' "$WANT" | wc -l)" "iso: dartmk verify: every file the manifest lists, nothing else"

run "$DARTMK" usb "$INST" "$S/stick.img" --size 1G --yes --json
is "$rc" 0 "usb: exit 0 on a 1 GiB image (install.wim left behind)"
rm -rf "$S/x" && mkdir -p "$S/x" && mcopy -s -n -m -i "$S/stick.img@@$MIB" ::/ "$S/x/" 2>/dev/null
is "$(tree_files "$S/x")" "$WANT" "usb: exactly the allow-listed files (mtools), besides syslinux/ and the manifest"
is "$(one_image "$S/x/sources/boot.wim")" "1 1 $SETUP" "usb: boot.wim holds the source's image 2 alone, bootable"
is "$(j '"\(.source_image.index) \(.whole_media)"')" "2 false" "usb --json: source_image, whole_media"

disk_gpt_windows "$S/disk.img"
run "$DARTMK" partition "$INST" "$S/disk.img" --yes --json
is "$rc" 0 "partition: exit 0 on a 2 GiB disk with 1 GiB free"
start=$(sfdisk --json "$S/disk.img" | jq -r '.partitiontable.partitions[3].start')
rm -rf "$S/x" && mkdir -p "$S/x" && mcopy -s -n -m -i "$S/disk.img@@$((start * 512))" ::/ "$S/x/" 2>/dev/null
is "$(tree_files "$S/x" | grep -vx 'dartmk-record.json')" "$WANT" "partition: exactly the allow-listed files (mtools), besides the record of how the disk booted"
is "$(one_image "$S/x/sources/boot.wim")" "1 1 $SETUP" "partition: boot.wim holds the source's image 2 alone, bootable"
is "$(j .source_image.index)" 2 "partition --json: source_image.index"

run "$DARTMK" pxe "$INST" -o "$S/pxe" --json
is "$rc" 0 "pxe: exit 0"
is "$(files_of "$S/pxe" | grep -Eic 'install|setup|support/|autorun')" 0 "pxe: nothing of Setup or install.wim"
is "$(one_image "$S/pxe/sources/boot.wim")" "1 1 $SETUP" "pxe: boot.wim holds the source's image 2 alone, bootable"
is "$(j .source_image.index)" 2 "pxe --json: source_image.index"

# --- one image from every kind of source -------------------------------------------------------
for s in dvd install adk boot.wim; do
    src=$SAMPLES/$s
    wim=$src/sources/boot.wim
    [ -f "$src" ] && wim=$src
    rm -rf "$S/one"
    run "$DARTMK" build "$src" -o "$S/one"
    is "$rc/$(one_image "$S/one/sources/boot.wim")" "0/1 1 $(boot_name "$wim")" "$s: boot.wim holds the source's bootable image alone, bootable"
done
rm -rf "$S/one"
run "$DARTMK" build "$INST" -o "$S/one" --image-index 1 --json
is "$rc/$(one_image "$S/one/sources/boot.wim")" "0/1 1 $(image_name "$INST/sources/boot.wim" 1)" "--image-index 1: image 1 exported alone, bootable"
is "$(j .image_index)/$(jq -r .source.image_index "$S/one/dartmk-manifest.json")" "1/1" "--image-index 1: --json and the manifest say image 1"

# Raw copy: a source compressed at another LZX level than wimlib's default keeps its bytes.
mkdir -p "$S/pe" && seq 1 300000 >"$S/pe/data.txt" && head -c 100000 /dev/urandom >"$S/pe/random.bin"
wimcapture "$S/pe" "$S/lzx20.wim" "Windows PE" --compress=LZX:20 >/dev/null 2>&1 &&
    echo setup >"$S/pe/setup.txt" && wimappend "$S/pe" "$S/lzx20.wim" "Windows Setup" --boot >/dev/null 2>&1
rm -rf "$S/one"
run "$DARTMK" build "$S/lzx20.wim" -o "$S/one"
kept_resources "$S/lzx20.wim" "$S/one/sources/boot.wim"
ok $? "export: the compressed resources are the source's bytes (LZX level 20 kept, not recompressed)"
is "$(one_image "$S/one/sources/boot.wim")" "1 1 Windows Setup" "export: a bare boot.wim's image 2 alone, bootable"
rm -rf "$S/one2"
run "$DARTMK" build "$S/lzx20.wim" -o "$S/one2" --add-files "$S/pe=Extra"
kept_resources "$S/lzx20.wim" "$S/one2/sources/boot.wim"
ok $? "export, customised: the source's resources kept as they were"

# A boot.wim that already is one bootable image is streamed as it is.
rm -rf "$S/one"
run "$DARTMK" build "$SAMPLES/adk" -o "$S/one" --json
cmp -s "$SAMPLES/adk/sources/boot.wim" "$S/one/sources/boot.wim"
ok $? "adk: one bootable image already: boot.wim copied as it is"
is "$(j .source_image.exported)" false "adk --json: source_image.exported false"

# --- --whole-media ------------------------------------------------------------------------------
run "$DARTMK" iso "$DVD" -o "$S/whole.iso" --whole-media --json
rm -rf "$S/x" && xorriso -osirrox on -indev "$S/whole.iso" -extract / "$S/x" >/dev/null 2>&1 && chmod -R u+w "$S/x"
is "$rc/$(tree_files "$S/x")" "0/$(files_of "$DVD")" "--whole-media iso: every file of the media"
is "$(one_image "$S/x/sources/boot.wim" | cut -d' ' -f1,2)/$(j .whole_media)" "1 1/true" "--whole-media iso: boot.wim still the one image; --json whole_media"
# A real install.wim of a few MB, split on a stick into parts of at most 1 MiB.
cp -a "$DVD" "$S/media"
mkdir -p "$S/inst" && for i in 1 2 3 4 5; do head -c 700000 /dev/urandom >"$S/inst/f$i.bin"; done
wimcapture "$S/inst" "$S/media/sources/install.wim" "Windows 11 Pro" >/dev/null 2>&1
DARTMK_SPLIT_SIZE=1M run "$DARTMK" usb "$S/media" "$S/whole.img" --size 256M --yes --whole-media --json
is "$rc" 0 "--whole-media usb: exit 0"
like "$(printf '%s\n' "$err" | tr '\n' '|')" "sources/install.wim: [^|]*split into \.swm parts of 1\.0 MiB at most \(FAT32\)\|  staged in [^|]* \(about [0-9.]+ MiB\)\|" "--whole-media usb: says it splits install.wim, and the room it takes"
rm -rf "$S/x" && mkdir -p "$S/x" && mcopy -s -n -m -i "$S/whole.img@@$MIB" ::/ "$S/x/" 2>/dev/null
parts=$(cd "$S/x/sources" && ls install*.swm | wc -l)
[ "$parts" -ge 3 ] && [ ! -e "$S/x/sources/install.wim" ]
ok $? "--whole-media usb: install.wim is $parts .swm parts (install.swm, install2.swm...), no install.wim"
is "$(j '.split[0].path + " " + (.split[0].parts | length | tostring)')" "sources/install.wim $parts" "--whole-media usb --json: split"
(cd "$S/x/sources" && wimverify install.swm --ref 'install*.swm' >/dev/null 2>&1)
ok $? "wimverify install.swm --ref 'install*.swm': the parts are one sound WIM"
is "$(cd "$S/x/sources" && wiminfo install.swm | awk -F': *' '/^Part Number/ { print $2 }')/$(cd "$S/x/sources" && wiminfo install.swm 1 | awk -F': *' '/^Name/ { print $2 }')" \
    "1/$parts/Windows 11 Pro" "wiminfo install.swm: part 1 of $parts, the image"
is "$(files_of "$S/x" | grep -v -e '^syslinux/' -e '^dartmk-manifest.json$' -e '^sources/install.*\.swm$')" \
    "$(files_of "$S/media" | grep -v '^sources/install.wim$')" "--whole-media usb: every other file of the media"
run "$DARTMK" verify "$S/whole.img"
is "$rc" 0 "--whole-media usb: dartmk verify passes"
# No room in TMPDIR for the parts: refused before anything is written, naming the WIM, the room
# needed and the folder (a 1 MiB tmpfs: the exported boot.wim fits, install.wim's parts do not).
mkdir -p "$S/tiny" && mount -t tmpfs -o size=1M tmpfs "$S/tiny"
TMPDIR=$S/tiny DARTMK_SPLIT_SIZE=1M run "$DARTMK" usb "$S/media" "$S/nospace.img" --size 256M --yes --whole-media
is "$rc/$(printf '%s\n' "$err" | grep -c .)" "1/1" "--whole-media, no room in TMPDIR for the parts: exit 1, one line"
like "$err" "^dartmk: sources/install\.wim: splitting it into \.swm parts for FAT32 needs .* in $S/tiny/.*, which has .* free \(set TMPDIR to a folder with room\)$" \
    "no room in TMPDIR: names the WIM, the room needed and the folder"
is "$(ls -A "$S/tiny" | wc -l)/$(test -e "$S/nospace.img" && echo kept || echo none)" "0/none" "no room in TMPDIR: nothing left there, no stick image"
umount "$S/tiny"
run "$DARTMK" iso "$S/media" -o "$S/whole2.iso" --whole-media --json
is "$rc/$(j '.split // "none"')" "0/none" "--whole-media iso: nothing split (ISO holds large files)"
printf '[build]\nwhole-media = yes\n' >"$S/whole.ini"
run "$DARTMK" build --print-recipe --recipe "$S/whole.ini"
like "$out" '^whole-media = yes$' "recipe key whole-media: read and printed"
rm -rf "$S/one"
run "$DARTMK" build "$DVD" -o "$S/one" --recipe "$S/whole.ini"
is "$rc/$(tree_files "$S/one")" "0/$(files_of "$DVD")" "recipe whole-media = yes: every file"
run "$DARTMK" build "$DVD" -o "$S/bad" --whole-media=maybe
is "$rc" 2 "--whole-media takes no value: usage error"

# --- inspect ------------------------------------------------------------------------------------
run "$DARTMK" inspect "$INST"
like "$out" "^Recovery      $(printf '%s\n' "$WANT" | wc -l) files, .*; boot.wim: image 2 alone \(exported, ~.*\)$" "inspect: what the recovery image holds"
like "$(printf '%s\n' "$out" | grep -A1 '^Left out' | tr '\n' '|')" "^Left out      sources/install.wim \(4\.6 GiB\) and [0-9]+ more, 4\.6 GiB in all\|              not Windows PE \(--whole-media keeps them\)\|$" \
    "inspect: what is left out and why"
run "$DARTMK" inspect "$INST" --json
all=$(files_of "$INST" | wc -l) kept=$(printf '%s\n' "$WANT" | wc -l)
is "$(j '[.recovery.files, .recovery.left_out.files, .recovery.left_out.largest, .recovery.boot_wim.image, .recovery.boot_wim.exported, (.recovery.bytes > 0), (.recovery.left_out.bytes > 4900000000)] | map(tostring) | join(" ")')" \
    "$kept $((all - kept)) sources/install.wim 2 true true true" "inspect --json: recovery files, bytes, boot_wim, left_out"
is "$(j '[.kind, .layout, .wim.boot_index] | map(tostring) | join(" ")')" "directory install-dvd 2" "inspect --json: the existing keys are kept"
