#!/bin/bash
# Files of any size on every target: a medium holding empty files (at the root, in folders, in a
# folder of its own) and a file of exactly one FAT cluster makes a recovery tree, an ISO, a stick,
# a recovery partition and a PXE tree (which holds only the network boot files) that `dartmk
# verify` passes, each empty file of the media listed in the manifest with the SHA-256 of no
# bytes. (A FAT volume gives an empty file no cluster, so nothing reads it: the manifest must not
# wait for it.)
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/writers.sh"
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null
for t in jq sfdisk mkfs.fat mcopy; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is needed"
done
plan 11
writers_scratch
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
M=$S/media
cp -r "$SAMPLES/dvd" "$M"
# (Where a recovery tree keeps them: boot/ and efi/ are Windows PE's; the root's and support/'s
# files stay behind since issue 14.)
: >"$M/boot/empty.txt"
mkdir -p "$M/efi/empty-folder" "$M/boot/extras"
: >"$M/boot/extras/zero.bin"
: >"$M/efi/empty-folder/nothing.dat"
head -c 4096 /dev/urandom >"$M/boot/extras/one-cluster.bin"

# verified DESCRIPTION TARGET [--partition N]: verify exits 0 and lists the empty files with the
# empty checksum.
verified() {
    local d=$1
    shift
    run "$DARTMK" verify "$@" --json
    is "$rc/$(printf '%s' "$out" | jq -r '.ok')" "0/true" "$d: dartmk verify passes"
    [ "$rc" = 0 ] || diag "$err"
}
in_manifest() { # MANIFEST DESCRIPTION
    is "$(jq -r --arg e "$EMPTY" '[.files[] | select(.size == 0 and .sha256 == $e) | .path] | sort | join(" ")' "$1")" \
        "boot/empty.txt boot/extras/zero.bin efi/empty-folder/nothing.dat" "$2: the empty files are listed with the empty checksum"
}

run "$DARTMK" build "$M" -o "$S/tree" -q
is "$rc/$err" "0/" "build: exit 0, nothing on stderr"
in_manifest "$S/tree/dartmk-manifest.json" build
verified build "$S/tree"

run "$DARTMK" iso "$M" -o "$S/r.iso" -q
is "$rc/$err" "0/" "iso: exit 0, nothing on stderr"
verified iso "$S/r.iso"

run "$DARTMK" usb "$M" "$S/stick.img" --size 256M --yes -q
is "$rc/$err" "0/" "usb: exit 0, nothing on stderr (the manifest did not wait for the empty files)"
verified usb "$S/stick.img"

disk_gpt_windows "$S/disk.img"
run "$DARTMK" partition "$M" "$S/disk.img" --yes -q
is "$rc/$err" "0/" "partition: exit 0, nothing on stderr"
verified partition "$S/disk.img" --partition 4

run "$DARTMK" pxe "$M" -o "$S/pxe" -q
is "$rc/$err" "0/" "pxe: exit 0, nothing on stderr"
verified pxe "$S/pxe"
done_testing
