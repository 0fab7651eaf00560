# ISO 9660 / Joliet / Rock Ridge / UDF images that lie (issue 16): truncated at each structure,
# folders that loop, absurd sizes, extents past the end, trees that disagree, damaged UDF
# descriptors and El Torito catalogs, files that are not ISO images at all. Each is made from
# the sample media by tests/lib/isoedit.py (ISO 9660 and Joliet records), tests/lib/udfedit.py
# (UDF descriptors, with their tags made right unless the tag is the damage) and the helpers
# below. dvd.iso: PVD 16, El Torito record 17 (catalog 50), Joliet 18, root folders 20 and 35;
# udf.iso: an ISO 9660 stub (root 337) beside UDF (anchor 256, VDS 32 and 48, FSD 257).
AREA_MIN=60

isoedit() { python3 "$TOP/tests/lib/isoedit.py" "$@"; }
udfedit() { python3 "$TOP/tests/lib/udfedit.py" "$@"; }

# poke FILE OFFSET HEX: writes the bytes HEX (e.g. "ff00") at OFFSET.
poke() { python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); f.write(bytes.fromhex(sys.argv[3]))' "$@"; }
# noise FILE OFFSET BYTES SEED: BYTES of repeatable garbage at OFFSET.
noise() { python3 -c 'import random,sys; r=random.Random(int(sys.argv[4])); f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); f.write(r.randbytes(int(sys.argv[3],0)))' "$@"; }
# le32/both32 FILE OFFSET VALUE: a little-endian / both-endian (ISO 9660) 32-bit number.
both32() { python3 -c 'import struct,sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); v=int(sys.argv[3],0); f.write(struct.pack("<I",v)+struct.pack(">I",v))' "$@"; }
le32() { python3 -c 'import struct,sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2],0)); f.write(struct.pack("<I",int(sys.argv[3],0)))' "$@"; }
# cut FILE BYTES: truncates FILE and makes every volume descriptor's size agree (so that the
# damage is found where it lies, not by the size check).
cut() {
    python3 -c '
import os, struct, sys
path, size = sys.argv[1], int(sys.argv[2])
os.truncate(path, size)
with open(path, "r+b") as f:
    for b in (16, 17, 18):
        f.seek(b * 2048)
        d = f.read(6)
        if d[1:6] == b"CD001" and d[0] in (1, 2):
            n = (size + 2047) // 2048
            f.seek(b * 2048 + 80)
            f.write(struct.pack("<I", n) + struct.pack(">I", n))
' "$@"
}
# dvd/udf/adk NAME: a private copy of the sample ISO.
dvd() { cp "$SAMPLES/dvd.iso" "${1:-in.iso}"; }
udf() { cp "$SAMPLES/udf.iso" "${1:-in.iso}"; }
adk() { cp "$SAMPLES/adk.iso" "${1:-in.iso}"; }
# bare: udf.iso without its ISO 9660 descriptor, so that libudfread alone reads it: a cut in the
# UDF structures reaches libudfread (with the descriptor, the stub's folders at block 337 would
# be found past the end first).
bare() { udf "$@"; poke "${1:-in.iso}" $((16 * 2048)) 00; }
# rr_cl FILE: dvd.iso's record of SETUP.EXE (in the root folder, block 20) gets a Rock Ridge CL
# entry (over its TF entry, same length) saying it is a folder relocated to block 20: the root.
rr_cl() { poke "$1" $((20 * 2048 + 810 + 80)) "434c1a011400000000000014$(printf '0%.0s' $(seq 28))"; }
# catalog: dvd.iso's El Torito catalog block.
ELT=$((50 * 2048))
# fuzzed NAME BLOCKS: what fuzz_iso found (tests/fuzz/corpus-iso/NAME, an image from its system
# area's end on) as a whole image of BLOCKS blocks.
fuzzed() { { head -c 32768 /dev/zero && cat "$TOP/tests/fuzz/corpus-iso/$1"; } >in.iso && truncate -s $(($2 * 2048)) in.iso; }

setup() {
    xorriso -as mkisofs -quiet -J -o "$S/joliet.iso" "$SAMPLES/dvd" 2>/dev/null
    genisoimage -quiet -udf -J -R -o "$S/bridge.iso" "$SAMPLES/dvd" 2>/dev/null
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- not ISO images at all, named .iso ---
empty-file | : >in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
system-area-only | dvd; truncate -s 20000 in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
half-pvd | dvd; truncate -s $((16 * 2048 + 100)) in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
random-bytes | : >in.iso; noise in.iso 0 262144 1 | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
text-file | printf 'not an image\n%.0s' $(seq 500) >in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
zip-file | python3 -c 'import zipfile; zipfile.ZipFile("in.iso","w").writestr("a.txt","x"*70000)' | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
mbr-without-fat | truncate -s 1M in.iso; poke in.iso 446 000000000c00000000080000000800; poke in.iso 510 55aa | inspect in.iso | 1 | ^dartmk: in\.iso: no FAT partition \(MBR partition table: 1 type 0x0c without a FAT volume\)$
fifo-named-iso | mkfifo in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: not a file, directory or block device$
symlink-loop | ln -s in.iso in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: Too many levels of symbolic links$
folder-named-iso | mkdir in.iso; echo x >in.iso/readme.txt | build in.iso -o out | 1 | ^dartmk: in\.iso: not Windows PE media \(no sources/boot\.wim\)$
terminator-only | truncate -s 1M in.iso; poke in.iso $((16 * 2048)) ff434430303101 | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
sparse-5g-noise | truncate -s 5G in.iso; noise in.iso $((4600 * 1024 * 1024)) 65536 2 | inspect in.iso | 1 | ^dartmk: in\.iso: not an ISO image, WIM file, disk image or directory$
# --- truncated: the volume descriptor says more ---
cut-after-pvd | dvd; truncate -s $((17 * 2048)) in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: truncated ISO image \(34816 bytes, the volume needs [0-9]+\)$
cut-last-byte | dvd; truncate -s -1 in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: truncated ISO image \([0-9]+ bytes, the volume needs [0-9]+\)$
cut-in-root-size-kept | dvd; cut in.iso $((20 * 2048 + 1000)); both32 in.iso $((16 * 2048 + 80)) 1923 | iso in.iso -o out.iso | 1 | ^dartmk: in\.iso: truncated ISO image \(41960 bytes, the volume needs [0-9]+\)$
udf-cut-half | udf; truncate -s 2M in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: truncated ISO image \(2097152 bytes, the volume needs [0-9]+\)$
# --- truncated, and the descriptors' sizes made to agree ---
cut-in-root | dvd; cut in.iso $((20 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: the folder lies past the image's end$
cut-in-path-table | dvd; cut in.iso $((34 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: AUTORUN\.INF lies past the image's end$
joliet-root-past-end | dvd; both32 in.iso $((18 * 2048 + 156 + 2)) 3000000 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: the folder lies past the image's end$
cut-in-boot-wim | dvd; cut in.iso $((1700 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: SOURCES/BOOT\.WIM lies past the image's end$
cut-in-boot-wim-pxe | dvd; cut in.iso $((1700 * 2048)) | pxe in.iso -o tftp | 1 | ^dartmk: in\.iso: SOURCES/BOOT\.WIM lies past the image's end$
udf-cut-at-anchor | bare; cut in.iso $((256 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-cut-at-fsd | bare; cut in.iso $((257 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-cut-at-root-entry | bare; cut in.iso $((259 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-cut-at-root-ids | bare; cut in.iso $((260 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-cut-in-entries | bare; cut in.iso $((290 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: README\.TXT lies past the image's end$
udf-cut-in-files | udf; cut in.iso $((1200 * 2048)) | inspect in.iso | 1 | ^dartmk: in\.iso: efi/boot/bootx64\.efi lies past the image's end$
install-cut-mid | cp --sparse=always "$SAMPLES/install.iso" in.iso; cut in.iso $((40 << 20)) | inspect in.iso | 1 | ^dartmk: in\.iso: [a-z0-9/.]+ lies past the image's end$
# --- folders that loop ---
loop-iso9660 | dvd; isoedit in.iso loop sources | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(SOURCES points back to a folder above it\)$
loop-deep | dvd; isoedit --primary in.iso loop efi/microsoft/boot | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(EFI/MICROSOFT/BOOT points back to a folder above it\)$
loop-joliet-only | cp "$S/joliet.iso" in.iso; isoedit --joliet in.iso loop efi/boot | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(efi/boot points back to a folder above it\)$
loop-primary-not-joliet | dvd; isoedit --primary in.iso loop boot | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(BOOT points back to a folder above it\)$
loop-joliet-not-primary | dvd; isoedit --joliet in.iso loop efi | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(efi points back to a folder above it\)$
loop-rock-ridge-cl | dvd; rr_cl in.iso | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(SETUP\.EXE points back to a folder above it\)$
loop-iso-command | dvd; isoedit in.iso loop efi | iso in.iso -o out.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(EFI points back to a folder above it\)$
loop-build-command | dvd; isoedit in.iso loop boot | build in.iso -o out | 1 | ^dartmk: in\.iso: the folders form a loop \(BOOT points back to a folder above it\)$
loop-verify | dvd; isoedit in.iso loop sources | verify in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(SOURCES points back to a folder above it\)$
udf-loop-to-root | udf; udfedit in.iso loop efi/microsoft/boot | inspect in.iso | 1 | ^dartmk: in\.iso: folders nested more than 128 deep: they form a loop \(/efi/microsoft/boot/efi/microsoft/
udf-loop-to-parent | udf; udfedit in.iso self efi/boot | inspect in.iso | 1 | ^dartmk: in\.iso: folders nested more than 128 deep: they form a loop \(/efi/boot/boot/boot/
udf-loop-usb | udf; udfedit in.iso loop boot | usb in.iso stick.img --size 64M | 1 | ^dartmk: in\.iso: folders nested more than 128 deep: they form a loop \(/boot/boot/
udf-loop-pxe | udf; udfedit in.iso loop efi | pxe in.iso -o tftp | 1 | ^dartmk: in\.iso: folders nested more than 128 deep: they form a loop \(/efi/efi/
# --- absurd sizes, extents past the end ---
file-size-4g | dvd; isoedit in.iso size bootmgr 4294967295 | inspect in.iso | 1 | ^dartmk: in\.iso: BOOTMGR lies past the image's end$
folder-size-4g | dvd; isoedit in.iso size sources 4294965248 | inspect in.iso | 1 | ^dartmk: in\.iso: SOURCES: the folder lies past the image's end$
file-extent-past-end | dvd; isoedit in.iso extent sources/boot.wim 4294967290 | inspect in.iso | 1 | ^dartmk: in\.iso: SOURCES/BOOT\.WIM lies past the image's end$
file-extent-zero | dvd; isoedit in.iso extent sources/boot.wim 0 | inspect in.iso | 1 | ^dartmk: sources/boot\.wim: not a readable WIM file \(The file did not begin with the magic characters
folder-size-whole-image | dvd; isoedit --primary in.iso size boot 3000000 | inspect in.iso | 1 | ^dartmk: in\.iso: BOOT: a damaged folder record$
folder-in-system-area | dvd; isoedit in.iso extent efi 3 | inspect in.iso | 1 | ^dartmk: in\.iso: EFI: the folder lies in the system area \(block 3\)$
boot-wim-empty | adk; isoedit in.iso size sources/boot.wim 0 | inspect in.iso | 1 | ^dartmk: sources/boot\.wim: not a readable WIM file \(Unexpectedly reached the end of the file\)$
record-too-short | dvd; poke in.iso $((20 * 2048 + 810)) 10 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: a damaged folder record$
record-swallows-next | dvd; poke in.iso $((20 * 2048 + 810)) ff | inspect in.iso | 1 | ^dartmk: in\.iso: not Windows PE media \(no sources/boot\.wim\)$
name-longer-than-record | dvd; poke in.iso $((20 * 2048 + 810 + 32)) f0 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: a damaged folder record$
pvd-volume-size-zero | dvd; both32 in.iso $((16 * 2048 + 80)) 0 | inspect in.iso | 1 | ^dartmk: in\.iso: damaged ISO image \(its volume descriptor says the volume holds 0 blocks, fewer than its own descriptors take\)$
pvd-block-size-zero | dvd; poke in.iso $((16 * 2048 + 128)) 00000000 | inspect in.iso | 0 | ^Kind +iso \(ISO 9660\), install DVD layout$
pvd-root-past-end | dvd; both32 in.iso $((16 * 2048 + 156 + 2)) 3000000 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: the folder lies past the image's end$
second-pvd-empty | dvd; poke in.iso $((19 * 2048)) 01 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: the folder lies in the system area \(block 0\)$
big-sparse-boot-wim-far | dvd; isoedit in.iso extent sources/boot.wim 2400000; cut in.iso $((5 << 30)); noise in.iso $((2400000 * 2048)) 400000 3 | inspect in.iso | 1 | ^dartmk: sources/boot\.wim: not a readable WIM file \(The file did not begin with the magic characters
udf-size-2-63 | udf; udfedit in.iso size sources/boot.wim 9223372036854775808 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/boot\.wim: unreadable size in the UDF volume$
udf-size-2-62 | udf; udfedit in.iso size sources/boot.wim 4611686018427387904 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/boot\.wim lies past the image's end$
udf-size-all-ones | udf; udfedit in.iso size bootmgr 18446744073709551615 | inspect in.iso | 1 | ^dartmk: in\.iso: bootmgr: unreadable size in the UDF volume$
udf-extent-past-end | udf; udfedit in.iso extent sources/boot.wim 99999999 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/boot\.wim lies past the image's end$
udf-extent-length-1g | udf; udfedit in.iso length sources/boot.wim 1073741823 | inspect in.iso | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
udf-install-wim-2-63 | cp --sparse=always "$SAMPLES/install.iso" in.iso; udfedit in.iso size sources/install.wim 9223372036854775807 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/install\.wim lies past the image's end$
# --- trees that disagree ---
joliet-size-past-end | dvd; isoedit --joliet in.iso size sources/boot.wim 99999999 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/boot\.wim lies past the image's end$
joliet-other-extent | dvd; isoedit --joliet in.iso extent sources/boot.wim 809 | inspect in.iso | 0 | ^Integrity +every resource of boot\.wim matches its own checksum$
primary-other-extent | dvd; isoedit --primary in.iso extent sources/boot.wim 809 | inspect in.iso | 1 | ^dartmk: sources/boot\.wim: not a readable WIM file \(The file did not begin with the magic characters
udf-no-boot-wim | udf; udfedit in.iso rename sources/boot.wim BOOT.WIX | inspect in.iso | 1 | ^dartmk: in\.iso: not Windows PE media \(no sources/boot\.wim\)$
bridge-udf-damaged | cp "$S/bridge.iso" in.iso; noise in.iso $((256 * 2048)) 2048 4 | inspect in.iso | 0 | ^Kind +iso \(ISO 9660\), install DVD layout$
# --- damaged UDF descriptors ---
udf-avdp-checksum | udf; udfedit in.iso checksum avdp | inspect in.iso | 0 | ^Kind +iso \(UDF\), install DVD layout$
udf-all-anchors-checksum | udf; udfedit in.iso checksum avdp; udfedit in.iso checksum $(( $(stat -c %s in.iso) / 2048 - 1 )) | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-pvd-crc | udf; udfedit in.iso crc pvd | inspect in.iso | 0 | ^Kind +iso \(UDF\), install DVD layout$
udf-pd-tag-id-both | udf; udfedit in.iso tagid 50 7; udfedit in.iso tagid pd 7 | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-lvd-checksum-both | udf; udfedit in.iso checksum lvd; udfedit in.iso checksum 51 | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-both-vds-noise | udf; noise in.iso $((32 * 2048)) $((6 * 2048)) 5; noise in.iso $((48 * 2048)) $((6 * 2048)) 6 | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-fsd-checksum | udf; udfedit in.iso checksum fsd | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-root-entry-checksum | udf; udfedit in.iso checksum / | inspect in.iso | 1 | ^dartmk: in\.iso: no readable UDF volume$
udf-file-entry-tag-id | udf; udfedit in.iso tagid sources/boot.wim 2 | inspect in.iso | 1 | ^dartmk: in\.iso: sources/boot\.wim: cannot open in the UDF volume$
udf-folder-entry-checksum | udf; udfedit in.iso checksum efi/boot | build in.iso -o out | 1 | ^dartmk: in\.iso: cannot list /efi/boot in the UDF volume$
# --- El Torito ---
eltorito-catalog-past-end | dvd; le32 in.iso $((17 * 2048 + 71)) 99999999 | inspect in.iso | 1 | ^dartmk: in\.iso: the El Torito boot catalog lies past the image's end$
eltorito-image-past-end | dvd; le32 in.iso $((ELT + 32 + 8)) 99999999 | iso in.iso -o out.iso | 1 | ^dartmk: in\.iso: El Torito boot image 1 lies past the image's end$
eltorito-second-image-past-end | dvd; le32 in.iso $((ELT + 96 + 8)) 99999999 | inspect in.iso | 1 | ^dartmk: in\.iso: El Torito boot image 2 lies past the image's end$
eltorito-validation-checksum | dvd; poke in.iso $((ELT + 28)) 0000 | inspect in.iso | 0 | ^ISO boot +BIOS yes, UEFI yes \(El Torito\)$
eltorito-catalog-noise | dvd; noise in.iso $ELT 2048 7 | inspect in.iso | 0 | ^ISO boot +BIOS yes, UEFI yes \(El Torito\)$
eltorito-sector-count-huge | dvd; poke in.iso $((ELT + 32 + 6)) ffff | inspect in.iso | 0 | ^ISO boot +BIOS yes, UEFI yes \(El Torito\)$
fuzz-ce-loop | fuzzed timeout-iso-ce-loop 188 | inspect in.iso | 1 | ^dartmk: in\.iso: the root folder: damaged Rock Ridge data \(its continuation areas form a loop\)$
fuzz-dot-size-loop | fuzzed timeout-iso-dot-size-loop 198 | inspect in.iso | 1 | ^dartmk: in\.iso: the folders form a loop \(BOOT/.* points back to a folder above it\)$
fuzz-empty-name | fuzzed crash-iso-empty-name 188 | inspect in.iso | 1 | ^dartmk: in\.iso: / holds an entry named "" \(a damaged ISO image\)$
fuzz-ce-loop-usb | fuzzed timeout-iso-ce-loop 188 | usb in.iso stick.img --size 64M --yes | 1 | ^dartmk: in\.iso: the root folder: damaged Rock Ridge data
ROWS
}
