#!/bin/bash
# The FAT reader (src/fat/fat_tree.c) and the disk source (src/fat/fat_disk.c): volumes written by
# dartmk's writer (mkfat) and by mkfs.fat + mtools, whole or inside MBR and GPT partition tables,
# read back with the lstree test tool and compared with sha256sum of the original files; every
# bad input (not FAT, truncated, a damaged FAT or directory, a partition that is not there or not
# FAT) with its exit code and one-line message; and `dartmk inspect` / `dartmk verify` of sticks.
# Nothing is mounted.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fat.sh
. "$(dirname "$0")/../lib/fat.sh"

BUILD_DIR=$(realpath -m --relative-to="$TOP" "$FIXTURES/..")
SAMPLES=$TOP/$BUILD_DIR/samples
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s BUILD="$BUILD_DIR" fixtures samples >&2 ||
    missing_prerequisite "make samples failed"
need_mkfat
LSTREE=$TOOLS/lstree
[ -x "$LSTREE" ] || missing_prerequisite "no lstree at $LSTREE (make tools)"
for t in mkfs.fat mcopy mmd mdel mshowfat sfdisk jq sha256sum; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is missing (make deps)"
done

plan 95
scratch
export SOURCE_DATE_EPOCH=1700000000 TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
S=$SCRATCH
MIB=1048576

# expected DIR: what lstree must print for a copy of DIR, sorted.
expected() {
    (
        cd "$1" || exit 1
        find . -mindepth 1 -type d -printf '-  dir  %P/\n'
        find . -type f -printf '%P\n' | while IFS= read -r f; do
            printf '%s  %s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
        done
    ) | LC_ALL=C sort
}

# ok_reads DIR DESCRIPTION LSTREE-ARGS...: lstree reads back exactly DIR (names, sizes, bytes).
ok_reads() {
    local dir=$1 desc=$2 d
    shift 2
    run "$LSTREE" "$@"
    if [ "$rc" -ne 0 ]; then
        fail "$desc"
        diag "lstree exit $rc: $err"
        return
    fi
    d=$(diff <(expected "$dir") <(printf '%s\n' "$out" | LC_ALL=C sort))
    if [ -z "$d" ]; then
        pass "$desc"
    else
        fail "$desc"
        printf '%s\n' "$d" | head -20 | while IFS= read -r l; do diag "diff: $l"; done
    fi
}

# bad DESCRIPTION REGEX LSTREE-ARGS...: lstree exits 1 with one line matching REGEX.
bad() {
    local desc=$1 re=$2
    shift 2
    run "$LSTREE" "$@"
    is "$rc/$(printf '%s\n' "$err" | wc -l)" "1/1" "$desc: exit 1, one line"
    like "$err" "$re" "$desc: the message"
}

# le16 FILE OFFSET / le32 FILE OFFSET: little-endian numbers from a file.
le16() { od -An -tu2 -j "$2" -N2 --endian=little "$1" | tr -d ' '; }
le32() { od -An -tu4 -j "$2" -N4 --endian=little "$1" | tr -d ' '; }
# poke16 FILE OFFSET VALUE: writes a little-endian 16-bit number in place.
poke16() {
    printf '%b' "\\x$(printf %02x $(($3 & 255)))\\x$(printf %02x $(($3 >> 8 & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
poke8() { printf '%b' "\\x$(printf %02x "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# entry_at IMG 'NAME    EXT': byte offset of the first directory entry with that 11-byte name.
entry_at() { grep -obUa -- "$2" "$1" | head -1 | cut -d: -f1; }
# first_cluster IMG NAME11 [FAT32]: the start cluster of that entry.
first_cluster() {
    local e
    e=$(entry_at "$1" "$2")
    echo $(($(le16 "$1" $((e + 26))) + $(le16 "$1" $((e + 20))) * 65536))
}

# ---------------------------------------------------------------------------------------------
# A tree of every kind of name and size: Unicode (an emoji takes a surrogate pair), 255
# characters, 8.3 names in lower case (NT case flags), mixed case, empty files and directories,
# 20 levels deep, sizes around a cluster, several megabytes.
NAMES=$S/names
mkdir -p "$NAMES"
(
    cd "$NAMES" || exit 1
    printf 'accents\n' >'é.txt'
    printf 'umlaut\n' >'über groß.txt'
    printf 'greek\n' >'Ελληνικά.txt'
    printf 'cjk\n' >'中文文件名.txt'
    printf 'emoji\n' >'smile 😀.txt'
    printf 'long\n' >"L$(printf 'o%.0s' $(seq 250)).txt"
    printf 'MZ\n' >bootmgr
    printf 'lower\n' >readme.txt
    printf 'upper\n' >UPPER.TXT
    printf 'mixed\n' >Boot.Ini
    printf 'ext\n' >NAME.txt
    : >empty.dat
    mkdir emptydir 'Program Files'
    printf 'pf\n' >'Program Files/setup.exe'
    d=.
    for i in $(seq -w 20); do d=$d/level$i; done
    mkdir -p "$d" && printf 'deep\n' >"$d/deep.txt"
    head -c 4096 /dev/urandom >one-cluster.bin
    head -c 4097 /dev/urandom >cluster-plus-one.bin
    head -c $((3 * MIB + 123)) /dev/urandom >several-mb.bin
) || exit 1
# mtools cannot write characters outside the BMP: its copy of the tree leaves the emoji out.
NAMES_BMP=$S/names-bmp
cp -a "$NAMES" "$NAMES_BMP" && rm "$NAMES_BMP/smile 😀.txt"

# --- volumes dartmk's writer made ------------------------------------------------------------
for type in 12 16 32; do
    size=$([ $type = 12 ] && echo 12M || echo 64M)
    run "$MKFAT" "$NAMES" "$S/w$type.img" --size "$size" --type $type
    is "$rc" 0 "mkfat FAT$type: written"
    ok_reads "$NAMES" "mkfat FAT$type: lstree reads every name and byte back" "$S/w$type.img"
done
run "$MKFAT" "$NAMES" "$S/w16k.img" --size 1200M --type 32 --cluster 16K
ok_reads "$NAMES" "mkfat FAT32, 16K clusters: read back" "$S/w16k.img"
run "$LSTREE" "$S/w32.img"
like "$out" "  L$(printf 'o%.0s' $(seq 250)).txt$" "a 255-character name comes back whole"
like "$out" "  bootmgr$" "an 8.3 name in lower case (NT flags, no long name) stays lower case"
like "$out" "  Boot.Ini$" "a mixed-case name keeps its case"
like "$out" "  smile 😀.txt$" "a character outside the BMP (a surrogate pair) comes back"

# --- volumes mkfs.fat and mtools made --------------------------------------------------------
for type in 12 16 32; do
    blocks=$([ $type = 32 ] && echo 65536 || echo 16384)
    rm -f "$S/m$type.img"
    mkfs.fat -C -F $type "$S/m$type.img" "$blocks" >/dev/null &&
        mcopy -s -i "$S/m$type.img" "$NAMES_BMP"/* ::/
    ok $? "mkfs.fat -F $type + mcopy: written"
    ok_reads "$NAMES_BMP" "mkfs.fat FAT$type: lstree reads the mtools copy back" "$S/m$type.img"
done

# NT case flags set by hand on a name mtools wrote in upper case without a long name.
rm -f "$S/nt.img"
mkfs.fat -C -F 12 "$S/nt.img" 1440 >/dev/null
printf 'x' >"$S/PLAIN.TXT"
mcopy -i "$S/nt.img" "$S/PLAIN.TXT" ::/
e=$(entry_at "$S/nt.img" 'PLAIN   TXT')
for flags in 0:PLAIN.TXT 8:plain.TXT 16:PLAIN.txt 24:plain.txt; do
    poke8 "$S/nt.img" $((e + 12)) "${flags%%:*}"
    run "$LSTREE" "$S/nt.img"
    like "$out" "  ${flags#*:}$" "NT case flags ${flags%%:*}: the name reads ${flags#*:}"
done

# A long name whose checksum no longer matches its short entry: the short name is used.
rm -f "$S/cs.img"
mkfs.fat -C -F 16 "$S/cs.img" 16384 >/dev/null
printf 'y' >"$S/A Long File Name.txt"
mcopy -i "$S/cs.img" "$S/A Long File Name.txt" ::/
run "$LSTREE" "$S/cs.img"
like "$out" "  A Long File Name.txt$" "long name: read while its checksum matches"
e=$(entry_at "$S/cs.img" 'ALONGF~1TXT')
poke8 "$S/cs.img" $((e + 7)) 50 # ~1 -> ~2
run "$LSTREE" "$S/cs.img"
like "$out" "  ALONGF~2.TXT$" "long name with a wrong checksum: the short name is used"

# A fragmented file: small files, every other one deleted, then a large file fills the holes.
rm -f "$S/frag.img"
mkfs.fat -C -F 16 -s 4 "$S/frag.img" 16384 >/dev/null
FRAG=$S/frag
mkdir -p "$FRAG"
for i in $(seq 10 29); do head -c 5000 /dev/urandom >"$FRAG/f$i.bin"; done
mcopy -i "$S/frag.img" "$FRAG"/f*.bin ::/
for i in $(seq 10 2 29); do mdel -i "$S/frag.img" "::/f$i.bin" && rm "$FRAG/f$i.bin"; done
head -c $((200 * 1024)) /dev/urandom >"$FRAG/big.bin"
mcopy -i "$S/frag.img" "$FRAG/big.bin" ::/
runs=$(mshowfat -i "$S/frag.img" ::/big.bin | grep -o '<[0-9-]*>' | wc -l)
[ "$runs" -ge 5 ]
ok $? "fragmented: big.bin lies in $runs pieces"
ok_reads "$FRAG" "fragmented: lstree follows the chain through every piece" "$S/frag.img"

# --- partition tables ------------------------------------------------------------------------
# MBR: 1 Linux (nothing in it), 2 FAT32 LBA (mkfs.fat), 3 FAT16 LBA (mkfat).
DISK=$S/mbr.img
truncate -s 120M "$DISK"
printf 'label: dos\nstart=2048, size=8M, type=83\nstart=18432, size=48M, type=c\nstart=116736, type=e\n' |
    sfdisk -q "$DISK"
mkfs.fat -F 32 --offset 18432 "$DISK" $((48 * 1024)) >/dev/null 2>&1
mcopy -s -i "$DISK@@$((18432 * 512))" "$NAMES_BMP"/* ::/
run "$MKFAT" "$FRAG" "$DISK" --offset $((116736 * 512)) --size $((120 * MIB - 116736 * 512)) \
    --type 16 --hidden 116736
ok_reads "$NAMES_BMP" "MBR: the first FAT partition (2) is found and read" "$DISK"
ok_reads "$FRAG" "MBR: --partition 3 reads the FAT16 partition mkfat wrote" --partition 3 "$DISK"
ok_reads "$NAMES_BMP" "MBR: --partition 2" --partition 2 "$DISK"
bad "MBR: --partition 1 (Linux, empty)" \
    "^dartmk: $DISK: partition 1 is not a FAT volume \(type 0x83; no x86 jump at the start of the boot sector\)$" \
    --partition 1 "$DISK"
bad "MBR: --partition 5" "^dartmk: $DISK: partition 5 does not exist \(the disk has 3\)$" \
    --partition 5 "$DISK"

# GPT: 1 Linux filesystem holding FAT (not chosen by type), 2 EFI System (mkfat), 3 basic data.
GPT=$S/gpt.img
truncate -s 100M "$GPT"
printf 'label: gpt\nstart=2048, size=16M, type=L\nstart=34816, size=40M, type=U\nstart=116736, size=16M, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' |
    sfdisk -q "$GPT"
run "$MKFAT" "$NAMES" "$GPT" --offset $MIB --size 16M --type 16 --hidden 2048
run "$MKFAT" "$NAMES" "$GPT" --offset $((34816 * 512)) --size 40M --type 32 --hidden 34816
run "$MKFAT" "$FRAG" "$GPT" --offset $((116736 * 512)) --size 16M --hidden 116736
ok_reads "$NAMES" "GPT: the EFI System partition (2) is found and read" "$GPT"
ok_reads "$FRAG" "GPT: --partition 3 (Microsoft basic data)" --partition 3 "$GPT"
ok_reads "$NAMES" "GPT: --partition 1 reads FAT in a Linux-type partition" --partition 1 "$GPT"

# Windows RE type on MBR (0x27) and a GPT disk whose only FAT is in a Linux-type partition.
RE=$S/re.img
truncate -s 40M "$RE"
printf 'label: dos\nstart=2048, type=27\n' | sfdisk -q "$RE"
run "$MKFAT" "$FRAG" "$RE" --offset $MIB --size 39M --hidden 2048
ok_reads "$FRAG" "MBR type 0x27 (Windows RE) is a FAT kind" "$RE"
LX=$S/linux.img
truncate -s 40M "$LX"
printf 'label: gpt\nstart=2048, size=30M, type=L\n' | sfdisk -q "$LX"
run "$MKFAT" "$FRAG" "$LX" --offset $MIB --size 30M --hidden 2048
bad "GPT with no FAT-type partition" \
    "^dartmk: $LX: no FAT partition \(gpt partition table: 1 type 0fc63daf-8483-4772-8e79-3d69d8477de4\)$" "$LX"

# A FAT-type partition that holds no FAT, and a disk with a table but nothing FAT.
NF=$S/nofat.img
truncate -s 20M "$NF"
printf 'label: dos\nstart=2048, size=8M, type=83\nstart=18432, type=c\n' | sfdisk -q "$NF"
bad "MBR with no FAT partition" \
    "^dartmk: $NF: no FAT partition \(MBR partition table: 1 type 0x83, 2 type 0x0c without a FAT volume\)$" "$NF"

# --- a superfloppy: FAT from byte 0, no partition table --------------------------------------
ok_reads "$NAMES_BMP" "superfloppy (mkfs.fat): the whole image is the volume" "$S/m32.img"
bad "superfloppy: --partition 1" \
    "^dartmk: $S/m32.img: partition 1 does not exist \(the disk has no partition table\)$" \
    --partition 1 "$S/m32.img"

# --- bad inputs ------------------------------------------------------------------------------
head -c 100000 /dev/urandom >"$S/random.bin"
bad "random bytes" "^dartmk: $S/random.bin: not an ISO image, WIM file, disk image or directory$" \
    "$S/random.bin"
bad "--partition on a directory" "^dartmk: $NAMES: a directory has no partitions$" \
    --partition 1 "$NAMES"

# Truncated: a superfloppy cut in half, a partitioned image cut inside its FAT partition.
head -c $((32 * MIB)) "$S/m32.img" >"$S/half.img"
bad "truncated superfloppy" \
    "^dartmk: $S/half.img: truncated FAT volume \($((32 * MIB)) bytes, the volume needs $((64 * MIB))\)$" \
    "$S/half.img"
head -c $((40 * MIB)) "$DISK" >"$S/cut.img"
bad "image cut inside its FAT partition" \
    "^dartmk: $S/cut.img: truncated FAT volume \([0-9]+ bytes, the volume needs [0-9]+\)$" "$S/cut.img"

# Boot sectors that are not FAT: bytes per sector, sectors per cluster, no FAT.
cp "$S/w16.img" "$S/bps.img" && poke16 "$S/bps.img" 11 3000
bad "bytes per sector 3000" \
    "^dartmk: $S/bps.img: not a FAT volume \(bytes per sector 3000 is not a power of two from 512 to 4096\) and no partition table$" \
    "$S/bps.img"
cp "$S/w16.img" "$S/spc.img" && poke8 "$S/spc.img" 13 3
bad "sectors per cluster 3" "^dartmk: $S/spc.img: not a FAT volume \(sectors per cluster 3 is not a power of two\)" \
    "$S/spc.img"
cp "$S/w16.img" "$S/nofats.img" && poke8 "$S/nofats.img" 16 0
bad "no FAT" "^dartmk: $S/nofats.img: not a FAT volume \(no FAT\)" "$S/nofats.img"
cp "$S/w16.img" "$S/bigfat.img" && poke16 "$S/bigfat.img" 22 65535
bad "FATs larger than the volume" "^dartmk: $S/bigfat.img: not a FAT volume \(no data area" \
    "$S/bigfat.img"

# A damaged FAT (FAT16 from mkfat: several-mb.bin is one contiguous run from cluster c).
fat16_entry() { # fat16_entry IMG CLUSTER: byte offset of its entry in the first FAT
    echo $(($(le16 "$1" 14) * $(le16 "$1" 11) + 2 * $2))
}
c=$(first_cluster "$S/w16.img" 'SEVERA~1BIN')
size=$((3 * MIB + 123))
cp "$S/w16.img" "$S/loop.img" && poke16 "$S/loop.img" "$(fat16_entry "$S/loop.img" $((c + 5)))" $((c + 1))
bad "a cluster chain that loops" \
    "^dartmk: several-mb.bin: the cluster chain goes on past the file's $size bytes \(a loop or a damaged FAT\)$" \
    "$S/loop.img"
cp "$S/w16.img" "$S/range.img" && poke16 "$S/range.img" "$(fat16_entry "$S/range.img" $((c + 1)))" 65520
bad "a chain pointing outside the volume" \
    "^dartmk: several-mb.bin: the cluster chain points to cluster 65520 \(the volume has clusters 2 to [0-9]+\)$" \
    "$S/range.img"
cp "$S/w16.img" "$S/short.img" && poke16 "$S/short.img" "$(fat16_entry "$S/short.img" $((c + 1)))" 65535
cs=$(($(le16 "$S/w16.img" 11) * $(od -An -tu1 -j13 -N1 "$S/w16.img")))
bad "a chain shorter than the file" \
    "^dartmk: several-mb.bin: the cluster chain ends after $((2 * cs)) bytes; the file has $size$" \
    "$S/short.img"
cp "$S/w16.img" "$S/free.img" && poke16 "$S/free.img" "$(fat16_entry "$S/free.img" $((c + 1)))" 0
bad "a chain running into a free cluster" \
    "^dartmk: several-mb.bin: the cluster chain runs into a free cluster$" "$S/free.img"
cp "$S/w16.img" "$S/start.img"
e=$(entry_at "$S/start.img" 'SEVERA~1BIN')
poke16 "$S/start.img" $((e + 26)) 65530
bad "a file starting outside the volume" \
    "^dartmk: $S/start.img: several-mb.bin: starts at cluster 65530 \(the volume has clusters 2 to [0-9]+\)$" \
    "$S/start.img"

# A directory loop: on FAT32 a subdirectory that points back at the root directory's cluster.
cp "$S/w32.img" "$S/dirloop.img"
e=$(entry_at "$S/dirloop.img" 'LEVEL01    ')
root=$(le32 "$S/dirloop.img" 44)
poke16 "$S/dirloop.img" $((e + 26)) "$root" && poke16 "$S/dirloop.img" $((e + 20)) 0
bad "a directory loop" \
    "^dartmk: $S/dirloop.img: level01/: cluster $root belongs to another directory too \(a directory loop or a damaged FAT\)$" \
    "$S/dirloop.img"
# A directory whose chain leaves the volume.
cp "$S/w16.img" "$S/dirrange.img"
dc=$(first_cluster "$S/dirrange.img" 'PROGRA~1   ')
poke16 "$S/dirrange.img" "$(fat16_entry "$S/dirrange.img" "$dc")" 65520
bad "a directory chain pointing outside the volume" \
    "^dartmk: $S/dirrange.img: Program Files/: the cluster chain points to cluster 65520" "$S/dirrange.img"

sum=$(sha256sum <"$S/loop.img")
run "$LSTREE" "$S/loop.img"
is "$(sha256sum <"$S/loop.img")" "$sum" "a failed read writes nothing"

# --- dartmk inspect of a stick image holding the sample install DVD ---------------------------
STICK=$S/stick.img
truncate -s 100M "$STICK"
printf 'label: dos\nstart=2048, type=c, bootable\n' | sfdisk -q "$STICK"
run "$MKFAT" "$SAMPLES/dvd" "$STICK" --offset $MIB --size 99M --type 32 --hidden 2048
is "$rc" 0 "stick: mkfat writes the sample DVD into a FAT32 partition"
run "$DARTMK" inspect --json "$SAMPLES/dvd"
dir_files=$(printf '%s' "$out" | jq -c '[.files, .bios, .uefi, .layout, .arch, .wim.boot_index]')
run "$DARTMK" inspect --json "$STICK"
is "$rc/$(printf '%s' "$out" | jq -r '.kind + "/" + .filesystem')" "0/disk/FAT" "inspect stick: kind disk, filesystem FAT"
is "$(printf '%s' "$out" | jq -c '[.files, .bios, .uefi, .layout, .arch, .wim.boot_index]')" \
    "$dir_files" "inspect stick: the same boot files, firmware, layout and images as the folder"
is "$(printf '%s' "$out" | jq -r '.files.bootmgr + " " + .files.efi_loader')" \
    "bootmgr efi/boot/bootx64.efi" "inspect stick: bootmgr and the EFI loader found"
run "$DARTMK" inspect "$STICK"
like "$out" "^Kind +disk \(FAT\), install DVD layout$" "inspect stick (text): kind disk (FAT)"
# The same media written by mtools into a superfloppy.
rm -f "$S/mstick.img"
mkfs.fat -C -F 32 "$S/mstick.img" 65536 >/dev/null && mcopy -s -i "$S/mstick.img" "$SAMPLES/dvd"/* ::/
run "$DARTMK" inspect --json "$S/mstick.img"
is "$rc/$(printf '%s' "$out" | jq -c '[.files, .bios, .uefi, .layout, .arch, .wim.boot_index]')" \
    "0/$dir_files" "inspect of an mtools superfloppy: the same as the folder"

# --- dartmk verify of a stick made from a `dartmk build` output ------------------------------
"$DARTMK" build "$SAMPLES/dvd" -o "$S/dart" -q
ok $? "verify: a recovery tree built from the sample DVD"
n=$(jq '.files | length' "$S/dart/dartmk-manifest.json")
VS=$S/vstick.img
truncate -s 100M "$VS"
printf 'label: dos\nstart=2048, type=c, bootable\n' | sfdisk -q "$VS"
run "$MKFAT" "$S/dart" "$VS" --offset $MIB --size 99M --type 32 --hidden 2048
report=$out
run "$DARTMK" verify "$VS"
is "$rc/$out" "0/$VS: $n of $n files verified, nothing extra" "verify stick: every file verified"
run "$DARTMK" verify "$VS" --partition 1 --json
is "$rc/$(printf '%s' "$out" | jq -c '[.files, .verified, .ok]')" "0/[$n,$n,true]" \
    "verify stick --partition 1 --json: ok"
run "$DARTMK" verify "$VS" --partition 2
like "$rc/$err" "^1/dartmk: $VS: partition 2 does not exist \(the disk has 1\)$" \
    "verify --partition 2 of a one-partition stick: exit 1, says so"
run "$DARTMK" verify "$VS" --partition 0
is "$rc" 2 "verify --partition 0: usage error"
run "$DARTMK" verify "$S/dart" --partition 1
like "$rc/$err" "^1/dartmk: $S/dart: a directory has no partitions$" "verify --partition of a folder: exit 1"
run "$DARTMK" verify "$SAMPLES/dvd.iso" --partition 1
like "$rc/$err" "^1/dartmk: .*dvd.iso: an ISO 9660 or UDF volume has no partitions$" \
    "verify --partition of an ISO: exit 1"

if loop=$(losetup -r -f --show "$VS" 2>/dev/null); then
    run "$DARTMK" verify "$loop"
    v=$rc
    run "$DARTMK" inspect --json "$loop"
    losetup -d "$loop"
    is "$v" 0 "verify a stick as a block device (whole-disk loop device): exit 0"
    is "$rc/$(printf '%s' "$out" | jq -r .kind)" "0/device" "inspect a stick as a block device: kind device"
else
    fail "a stick as a block device: losetup failed (root and /dev/loop* are needed)"
    fail "a stick as a block device: inspect"
fi

# One byte changed inside bootmgr's data in the image: verify names it.
cluster=$(mshowfat -i "$VS@@$MIB" ::/bootmgr | grep -o '<[0-9]*' | head -1 | tr -d '<')
data=$(printf '%s\n' "$report" | tail -1 | tr ' ' '\n' | sed -n 's/^data_offset=//p')
csize=$(printf '%s\n' "$report" | tail -1 | tr ' ' '\n' | sed -n 's/^cluster_size=//p')
at=$((MIB + data + (cluster - 2) * csize + 100))
old=$(od -An -tx1 -j "$at" -N1 "$VS" | tr -d ' ')
poke8 "$VS" "$at" $((0x$old ^ 0xFF))
run "$DARTMK" verify "$VS"
is "$rc" 1 "verify stick with one byte changed: exit 1"
like "$out" "^different +bootmgr$" "verify stick with one byte changed: bootmgr is different"
like "$out" "$((n - 1)) of $n files verified" "verify stick with one byte changed: the rest verified"

# A damaged chain under a file: verify says why on stderr and counts the file as different.
c=$(mshowfat -i "$VS@@$MIB" ::/sources/boot.wim | grep -o '<[0-9]*' | head -1 | tr -d '<')
reserved=$(le16 "$VS" $((MIB + 14)))
printf '\x00\x00\x00\x00' | dd of="$VS" bs=1 seek=$((MIB + reserved * 512 + 4 * (c + 1))) conv=notrunc status=none
run "$DARTMK" verify "$VS"
is "$rc" 1 "verify stick with a damaged FAT: exit 1"
like "$out" "^different +sources/boot.wim$" "verify stick with a damaged FAT: boot.wim is different"
like "$err" "^dartmk: sources/boot.wim: the cluster chain runs into a free cluster$" \
    "verify stick with a damaged FAT: the reason, naming the file"

done_testing
