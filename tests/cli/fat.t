#!/bin/bash
# The FAT writer (src/fat/), through the mkfat test tool, judged by tools nobody here wrote:
# fsck.fat -n, mtools (mdir, mcopy), 7z, blkid and the syslinux installer. Also every bad input
# of issue 3: exit code, the one-line message, and that nothing was written.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/fat.sh
. "$(dirname "$0")/../lib/fat.sh"

BUILD_DIR=$(realpath -m --relative-to="$TOP" "$FIXTURES/..")
SAMPLES=$TOP/$BUILD_DIR/samples
for s in dvd dvd.iso udf.iso; do
    if [ ! -e "$SAMPLES/$s" ]; then
        make -C "$TOP" -s BUILD="$BUILD_DIR" fixtures samples >&2 || missing_prerequisite "make samples failed"
        break
    fi
done
need_mkfat
for t in fsck.fat mcopy mdir 7z blkid sfdisk syslinux; do
    command -v "$t" >/dev/null || missing_prerequisite "$t is missing (make deps)"
done

plan 245
scratch
export SOURCE_DATE_EPOCH=1700000000
S=$SCRATCH

# ---------------------------------------------------------------------------------------------
# A tree of every kind of name and size the issue names.
NAMES=$S/names
mkdir -p "$NAMES"
(
    cd "$NAMES" || exit 1
    printf 'accents\n' >'é.txt'
    printf 'umlaut\n' >'über groß.txt'
    printf 'greek\n' >'Ελληνικά.txt'
    printf 'cyrillic\n' >'Кириллица.txt'
    printf 'cjk\n' >'中文文件名.txt'
    long=L$(printf 'o%.0s' $(seq 250)).txt # 255 characters
    printf 'long\n' >"$long"
    mkdir 'Program Files' 'Program Filesystem'
    printf 'pf\n' >'Program Files/readme.txt'
    printf 'pfs\n' >'Program Filesystem/readme.txt'
    for i in $(seq 12); do printf 'file %d\n' "$i" >"longfilename$i.txt"; done
    printf '[boot loader]\n' >Boot.Ini
    printf 'MZ bootmgr stand-in\n' >bootmgr
    printf 'sdi\n' >boot.sdi
    printf 'upper\n' >README.TXT
    : >empty.dat
    mkdir emptydir
    mkdir -p 'a dir/with an empty one'
    printf 'dots\n' >several.dots.in.name.tar.gz
    printf 'spaces\n' >'name with  two  spaces'
    printf 'x\n' >x
    printf 'lfn only\n' >'a+b,c;d=e[f]'
    printf 'dot\n' >.dotfile
    d=.
    for i in $(seq -w 20); do d=$d/level$i; done
    mkdir -p "$d" && printf 'deep\n' >"$d/deep.txt"
    head -c 4096 /dev/urandom >one-cluster.bin
    head -c 4097 /dev/urandom >cluster-plus-one.bin
    head -c 4095 /dev/urandom >cluster-minus-one.bin
    head -c $((5 * 1024 * 1024 + 123)) /dev/urandom >several-mb.bin
) || exit 1

run "$MKFAT" "$NAMES" "$S/names.img" --size 300M --type 32 --cluster 4096 --label Recovery
is "$rc" 0 "names: mkfat writes a 300M FAT32 volume"
[ "$rc" -eq 0 ] || diag "$err"
like "$out" '^FAT32 cluster_size=4096 ' "names: mkfat reports FAT32 with 4096-byte clusters"
ok_fsck "$S/names.img" "names: fsck.fat -n finds nothing"
is "$fsck_used/$fsck_total" "$(fat_field used_clusters)/$(fat_field clusters)" \
    "names: fsck.fat counts the clusters mkfat reports (used/total)"
is "$fsck_files" "$(($(find "$NAMES" -mindepth 1 | wc -l) + 1))" \
    "names: fsck.fat counts every file and directory (and the label entry)"
ok_same_tree "$NAMES" "$S/names.img" "names: mcopy -s reads back every file byte-identical"
ok_same_listing "$NAMES" "$S/names.img" "names: 7z lists the same names and sizes"

# 8.3 names: lower-case ones carry NT case flags and show as written; mixed case needs an LFN.
listing=$(mdir -i "$S/names.img" ::/)
like "$listing" '^bootmgr +[0-9]' "names: mdir shows bootmgr in lower case, no long name"
like "$listing" '^boot +sdi +[0-9]+ [-0-9]+ +[0-9:]+ *$' \
    "names: mdir shows boot.sdi in lower case, no long name"
like "$listing" '^BOOT +INI +[0-9]+ .* Boot\.Ini$' "names: Boot.Ini keeps its case in a long name"
like "$listing" '^README +TXT +[0-9]+ [-0-9]+ +[0-9:]+ *$' \
    "names: README.TXT is a plain 8.3 entry"
like "$listing" '^PROGRA~1 +<DIR>.* Program Files$' "names: Program Files gets PROGRA~1"
like "$listing" '^PROGRA~2 +<DIR>.* Program Filesystem$' \
    "names: Program Filesystem gets PROGRA~2"
tails=$(printf '%s\n' "$listing" | grep -E ' longfilename[0-9]+\.txt$' | awk '{print $1}' | LC_ALL=C sort -u | wc -l)
is "$tails" 12 "names: longfilename1..12.txt get 12 distinct short names"
like "$listing" '^LONGFI~1 +TXT .* longfilename1\.txt$' "names: longfilename1.txt is LONGFI~1.TXT"
like "$(mdir -i "$S/names.img" ::/ 2>&1)" 'Volume in drive : is RECOVERY' "names: mdir shows the label, upper-cased"

blk=$(blkid -p -o export "$S/names.img")
like "$blk" '^TYPE=vfat$' "names: blkid says TYPE=vfat"
like "$blk" '^VERSION=FAT32$' "names: blkid says VERSION=FAT32"
like "$blk" '^LABEL=RECOVERY$' "names: blkid reads the label"
is "$(printf '%s\n' "$blk" | sed -n 's/^UUID=//p')" "$(fat_field serial)" "names: blkid reads the serial mkfat reports"

# Determinism: the same tree and SOURCE_DATE_EPOCH give the same bytes.
run "$MKFAT" "$NAMES" "$S/names2.img" --size 300M --type 32 --cluster 4096 --label Recovery
cmp -s "$S/names.img" "$S/names2.img"
ok $? "determinism: the same tree and SOURCE_DATE_EPOCH make byte-identical images"
SOURCE_DATE_EPOCH=1800000000 run "$MKFAT" "$NAMES" "$S/names3.img" --size 300M --type 32 --cluster 4096 --label Recovery
serial3=$(fat_field serial)
SOURCE_DATE_EPOCH=1700000000 run "$MKFAT" "$NAMES" "$S/names2.img" --size 300M --type 32 --cluster 4096 --label Recovery
[ "$serial3" != "$(fat_field serial)" ]
ok $? "determinism: the serial follows SOURCE_DATE_EPOCH"
rm -f "$S/names2.img" "$S/names3.img"

# The same tree as FAT16, names and all.
run "$MKFAT" "$NAMES" "$S/names16.img" --size 16M --type 16
is "$rc" 0 "names: mkfat writes a 16M FAT16 volume"
ok_fsck "$S/names16.img" "names FAT16: fsck.fat -n finds nothing"
ok_same_tree "$NAMES" "$S/names16.img" "names FAT16: mcopy -s reads back every file"
rm -f "$S/names16.img"

# Characters outside the BMP (UTF-16 surrogate pairs): mtools 4.0 cannot convert them, 7z can.
EMOJI=$S/emoji
mkdir -p "$EMOJI/😀 dir" && printf 'smile\n' >"$EMOJI/😀 smile.txt" &&
    printf 'clef\n' >"$EMOJI/😀 dir/𝄞 music.txt"
run "$MKFAT" "$EMOJI" "$S/emoji.img" --size 2M --type 12
is "$rc" 0 "emoji: mkfat writes names outside the BMP"
ok_fsck "$S/emoji.img" "emoji: fsck.fat -n finds nothing"
mkdir -p "$S/emoji.out" && 7z x -o"$S/emoji.out" "$S/emoji.img" >/dev/null 2>&1
d=$(diff -r "$EMOJI" "$S/emoji.out" 2>&1)
is "$d" "" "emoji: 7z extracts the same names and bytes"

# ---------------------------------------------------------------------------------------------
# Sizes, types and cluster sizes, on the DVD sample (lower-case 8.3 names, directories, ~800K).
DVD=$SAMPLES/dvd
# type size [cluster]
while read -r type size cluster; do
    what="FAT$type $size${cluster:+ cluster $cluster}"
    img=$S/m.img
    rm -f "$img"
    run "$MKFAT" "$DVD" "$img" --type "$type" --size "$size" ${cluster:+--cluster "$cluster"}
    is "$rc" 0 "$what: mkfat writes it"
    [ "$rc" -eq 0 ] || diag "$err"
    ok_fsck "$img" "$what: fsck.fat -n finds nothing"
    counts="fsck.fat ${fsck_used:-?}/${fsck_total:-?}, mkfat $(fat_field used_clusters)/$(fat_field clusters) of $(fat_field cluster_size) bytes"
    [ "$fsck_used/$fsck_total" = "$(fat_field used_clusters)/$(fat_field clusters)" ] &&
        [ "$(fat_field cluster_size)" = "${cluster:-$(fat_field cluster_size)}" ]
    ok $? "$what: clusters as mkfat reports them ($counts)"
    ok_same_tree "$DVD" "$img" "$what: mcopy -s reads back the tree"
    blk=$(blkid -p -o export "$img")
    sec=$(printf '%s\n' "$blk" | sed -n 's/^SEC_TYPE=//p')
    want_sec=$([ "$type" = 32 ] || echo msdos)
    [ "$(printf '%s\n' "$blk" | sed -n 's/^VERSION=//p')" = "FAT$type" ] && [ "$sec" = "$want_sec" ] &&
        printf '%s\n' "$blk" | grep -qx 'TYPE=vfat'
    ok $? "$what: blkid says TYPE=vfat, VERSION=FAT$type${want_sec:+, SEC_TYPE=$want_sec}"
done <<'EOF'
12 4M
12 8M 4096
16 16M
16 64M
16 256M
16 16M 512
16 256M 32768
32 33M
32 64M
32 300M
32 64M 512
32 80M 1024
32 140M 2048
32 600M 8192
32 1100M 16384
32 2100M 32768
EOF
rm -f "$S/m.img"

# Full FAT12 volumes (one file takes every cluster) around the sizes whose FAT ends exactly at a
# sector boundary with an odd entry count (339 clusters in 356 sectors; 339 clusters of 1 KiB in
# 696 sectors): each is written whole, within its region, and clean. ulimit -f stops a writer
# that runs past the region.
mkdir -p "$S/full"
for range in "348 364 0" "688 704 1024"; do
    read -r from to cluster <<<"$range"
    copt=()
    [ "$cluster" = 0 ] || copt=(--cluster "$cluster")
    bad=''
    for ((t = from; t <= to; t++)); do
        rm -f "$S/f12.img" "$S/full/all.bin"
        run "$MKFAT" "$S/full" --dry-run --type 12 --size $((t * 512)) "${copt[@]}"
        truncate -s $(($(fat_field clusters) * $(fat_field cluster_size))) "$S/full/all.bin"
        (
            ulimit -f 4096
            timeout 20 "$MKFAT" "$S/full" "$S/f12.img" --type 12 --size $((t * 512)) "${copt[@]}" \
                >/dev/null 2>&1
        )
        st=$?
        len=$(stat -c %s "$S/f12.img" 2>/dev/null || echo none)
        if [ "$st" -ne 0 ] || [ "$len" != $((t * 512)) ] || ! fsck_clean "$S/f12.img"; then
            bad="$bad $t(exit $st, $len bytes)"
        fi
    done
    is "$bad" "" "full FAT12 of $from..$to sectors${copt[*]:+ ${copt[*]}}: each written whole, within its region, clean"
done
rm -rf "$S/f12.img" "$S/full"

# Default cluster sizes, as Windows format picks them (unambiguous points of its table).
run "$MKFAT" "$DVD" "$S/c.img" --type 32 --size 300M
is "$(fat_field cluster_size)" 4096 "default cluster: 4096 for a 300M FAT32 volume"
run "$MKFAT" "$DVD" "$S/c.img" --type 16 --size 100M
is "$(fat_field cluster_size)" 2048 "default cluster: 2048 for a 100M FAT16 volume"
run "$MKFAT" "$DVD" "$S/c.img" --size 300M
like "$out" '^FAT32 ' "default type: FAT32 for 300M"
run "$MKFAT" "$EMOJI" "$S/c.img" --size 1440K
like "$out" '^FAT12 ' "default type: FAT12 for 1440K"
run "$MKFAT" "$DVD" "$S/c.img" --size 20M
like "$out" '^FAT16 ' "default type: FAT16 for 20M"
rm -f "$S/c.img"

# --min-size: the smallest FAT32 volume that holds the tree is enough, and is written clean.
run "$MKFAT" "$DVD" --min-size --type 32
min=$out
like "$min" '^[0-9]+$' "min-size: prints a byte count ($min)"
run "$MKFAT" "$DVD" "$S/min.img" --type 32 --size "$min"
is "$rc" 0 "min-size: a FAT32 volume of exactly that size takes the tree"
ok_fsck "$S/min.img" "min-size: fsck.fat -n finds nothing"
rm -f "$S/min.img"
run "$MKFAT" "$DVD" --min-size --type 12
min12=$out
run "$MKFAT" "$DVD" "$S/min.img" --type 12 --size "$min12"
is "$rc" 0 "min-size: a FAT12 volume of exactly the minimum ($min12) takes the tree"
ok_same_tree "$DVD" "$S/min.img" "min-size: the tight FAT12 volume reads back"
rm -f "$S/min.img"

# --min-size for a tree no FAT12 volume holds: a failure that says so.
mkdir -p "$S/fat12big" && truncate -s 300M "$S/fat12big/big.bin"
run "$MKFAT" "$S/fat12big" --min-size --type 12
is "$rc" 1 "min-size: a tree too big for any FAT12 volume fails"
like "$err" "fat12big: the tree does not fit any FAT12 volume$" "min-size: and says so in one line"
rm -rf "$S/fat12big"

# --reserve leaves room: a file of that size fits afterwards.
head -c 300000 /dev/urandom >"$S/extra.bin"
run "$MKFAT" "$DVD" --min-size --type 12 --reserve 300000
run "$MKFAT" "$DVD" "$S/res.img" --type 12 --size "$out" --reserve 300000
mcopy -i "$S/res.img" "$S/extra.bin" ::/extra.bin 2>/dev/null
ok $? "reserve: a 300000-byte file fits after the tree"
ok_fsck "$S/res.img" "reserve: fsck.fat -n still finds nothing after mcopy adds it"
rm -f "$S/res.img"
truncate -s 40M "$S/extra40.bin"
run "$MKFAT" "$DVD" --min-size --type 32 --reserve 40M
run "$MKFAT" "$DVD" "$S/res.img" --type 32 --size "$out" --reserve 40M
mcopy -i "$S/res.img" "$S/extra40.bin" ::/extra40.bin 2>/dev/null
ok $? "reserve: a 40M file fits after the tree on the smallest FAT32 volume with --reserve 40M"
ok_fsck "$S/res.img" "reserve: fsck.fat -n still finds nothing after mcopy adds it (FAT32)"
rm -f "$S/res.img" "$S/extra40.bin"

# ---------------------------------------------------------------------------------------------
# Other sources: an ISO (ISO 9660 + Joliet + Rock Ridge) and a UDF-only ISO. Each sample has its
# own boot.wim and the UDF tree also holds README.TXT and boot.catalog, so the reference is what
# 7z extracts from the ISO (less its [BOOT] El Torito folder); the rest is the DVD tree.
for src in dvd.iso udf.iso; do
    ref=$S/ref.$src
    mkdir -p "$ref" && 7z x -o"$ref" "$SAMPLES/$src" >/dev/null 2>&1 && rm -rf "$ref/[BOOT]"
    run "$MKFAT" "$SAMPLES/$src" "$S/iso.img" --type 32 --size 64M
    is "$rc" 0 "$src: mkfat writes a FAT32 volume from it"
    [ "$rc" -eq 0 ] || diag "$err"
    ok_fsck "$S/iso.img" "$src: fsck.fat -n finds nothing"
    ok_same_tree "$ref" "$S/iso.img" "$src: mcopy -s reads back the ISO's tree"
    d=$(diff -rq -x boot.wim -x README.TXT -x boot.catalog "$DVD" "$ref" 2>&1)
    is "$d" "" "$src: which is the DVD tree (but boot.wim)"
    ok_same_listing "$ref" "$S/iso.img" "$src: 7z lists the ISO's tree"
    rm -rf "$S/iso.img" "$ref"
done

# An efisys.bin-style image: FAT12, EFI/BOOT/BOOTX64.EFI.
EFI=$S/efisys
mkdir -p "$EFI/EFI/BOOT" && cp "$FIXTURES/bootx64.efi" "$EFI/EFI/BOOT/BOOTX64.EFI"
run "$MKFAT" "$EFI" "$S/efisys.bin" --type 12 --size 1440K --label efisys
is "$rc" 0 "efisys: mkfat writes a 1.44M FAT12 image"
ok_fsck "$S/efisys.bin" "efisys: fsck.fat -n finds nothing"
ok_same_tree "$EFI" "$S/efisys.bin" "efisys: EFI/BOOT/BOOTX64.EFI reads back byte-identical"
blk=$(blkid -p -o export "$S/efisys.bin")
like "$blk" '^TYPE=vfat$' "efisys: blkid says TYPE=vfat"
like "$blk" '^SEC_TYPE=msdos$' "efisys: blkid says SEC_TYPE=msdos"
like "$blk" '^VERSION=FAT12$' "efisys: blkid says VERSION=FAT12"
like "$blk" '^LABEL=EFISYS$' "efisys: blkid reads the label, upper-cased"
like "$(mdir -i "$S/efisys.bin" ::/EFI/BOOT)" 'BOOTX64 +EFI' "efisys: mdir shows BOOTX64.EFI"

# A directory spanning many clusters, with 150 names sharing a prefix (tails ~1 to ~150).
MANY=$S/many
mkdir -p "$MANY/big dir"
for i in $(seq 150); do printf '%d\n' "$i" >"$MANY/big dir/Common Prefix $i.txt"; done
for i in $(seq 400); do printf 'f%d\n' "$i" >"$MANY/big dir/another rather long file name $i.dat"; done
run "$MKFAT" "$MANY" "$S/many.img" --type 16 --size 16M
is "$rc" 0 "many: mkfat writes a directory of 550 long names"
ok_fsck "$S/many.img" "many: fsck.fat -n finds nothing"
ok_same_tree "$MANY" "$S/many.img" "many: mcopy -s reads back every file"
shorts=$(mdir -i "$S/many.img" "::/big dir" | grep -E ' Common Prefix [0-9]+\.txt$' | awk '{print $1}' |
    LC_ALL=C sort -u | wc -l)
is "$shorts" 150 "many: 150 names with one prefix get 150 distinct short names"
rm -rf "$S/many.img" "$MANY"

# File times: written in UTC, read back by mtools (in UTC here) to the second (the sample's
# times are even: FAT keeps 2-second steps).
run "$MKFAT" "$DVD" "$S/t.img" --type 32 --size 40M
mkdir -p "$S/t.out" && TZ=UTC readback "$S/t.img" "$S/t.out"
d=$(diff <(cd "$DVD" && find . -type f -printf '%P %T@\n' | sed 's/\.0*$//' | LC_ALL=C sort) \
    <(cd "$S/t.out" && find . -type f -printf '%P %T@\n' | sed 's/\.0*$//' | LC_ALL=C sort))
is "$d" "" "times: every file's modification time reads back (UTC)"
rm -rf "$S/t.img" "$S/t.out"

# An empty tree makes an empty, valid volume.
mkdir -p "$S/empty"
for args in "--type 12 --size 1440K" "--type 32 --size 33M"; do
    # shellcheck disable=SC2086  # the options are words
    run "$MKFAT" "$S/empty" "$S/e.img" $args
    is "$rc" 0 "empty tree ($args): mkfat writes it"
    ok_fsck "$S/e.img" "empty tree ($args): fsck.fat -n finds nothing"
    like "$(mdir -i "$S/e.img" ::/ 2>&1)" 'No files|0 files|\b0 bytes' "empty tree ($args): mdir lists no files"
    rm -f "$S/e.img"
done

# Only the region is written: an image with other bytes before and after (offset 63 sectors).
head -c 24M /dev/urandom >"$S/region.img"
before=$(head -c 32256 "$S/region.img" | sha256sum)
after=$(tail -c +$((32256 + 16 * 1048576 + 1)) "$S/region.img" | sha256sum)
run "$MKFAT" "$DVD" "$S/region.img" --offset 32256 --size 16M --type 16 --hidden 63
is "$rc" 0 "region: mkfat writes FAT16 at offset 32256 of a 24M file"
is "$(head -c 32256 "$S/region.img" | sha256sum)" "$before" "region: the bytes before it are unchanged"
is "$(tail -c +$((32256 + 16 * 1048576 + 1)) "$S/region.img" | sha256sum)" "$after" \
    "region: the bytes after it are unchanged"
is "$(stat -c %s "$S/region.img")" $((24 * 1048576)) "region: the file keeps its length"
ok_same_tree "$DVD" "$S/region.img@@32256" "region: mcopy -s reads back the tree at the offset"
rm -f "$S/region.img"

# The largest file FAT32 holds, 4 GiB - 1 (planned only: a synthetic tree, --dry-run).
printf 'sources/install.wim\t4294967295\n' >"$S/max.manifest"
run "$MKFAT" "synth:$S/max.manifest" --dry-run --type 32 --size 5G
is "$rc" 0 "a file of 4 GiB - 1 byte is accepted"
is "$(fat_field used_clusters)" 1048578 "it takes 1048576 clusters of 4 KiB (+ root, sources/)"

# ---------------------------------------------------------------------------------------------
# A stick: MBR, FAT32 partition at 1 MiB; the volume written at that offset, then syslinux.
STICK=$S/stick
cp -a "$DVD" "$STICK" && mkdir -p "$STICK/syslinux"
truncate -s 100M "$S/stick.img"
printf 'label: dos\nstart=2048, type=c, bootable\n' | sfdisk -q "$S/stick.img" >/dev/null 2>&1
start=$(sfdisk --json "$S/stick.img" | jq '.partitiontable.partitions[0].start')
sectors=$(sfdisk --json "$S/stick.img" | jq '.partitiontable.partitions[0].size')
off=$((start * 512))
mbr_before=$(head -c 512 "$S/stick.img" | sha256sum)
run "$MKFAT" "$STICK" "$S/stick.img" --offset "$off" --size $((sectors * 512)) --type 32 \
    --hidden "$start" --label DARTMK
is "$rc" 0 "stick: mkfat writes FAT32 at offset $off of a partitioned image"
[ "$rc" -eq 0 ] || diag "$err"
is "$(head -c 512 "$S/stick.img" | sha256sum)" "$mbr_before" "stick: the MBR is untouched"
is "$(stat -c %s "$S/stick.img")" $((100 * 1024 * 1024)) "stick: the image keeps its size"
is "$(od -An -tu4 -j$((off + 28)) -N4 "$S/stick.img" | tr -d ' ')" "$start" \
    "stick: the BPB's hidden sectors are the partition start"
run syslinux --install --offset "$off" --directory /syslinux "$S/stick.img"
is "$rc" 0 "stick: the syslinux installer accepts the volume"
[ "$rc" -eq 0 ] || diag "syslinux: $err"
dd if="$S/stick.img" of="$S/part.img" bs=512 skip="$start" count="$sectors" conv=sparse status=none
# The syslinux installer writes its boot code and OEM name into the boot sector, not into the
# backup (it does the same on a volume mkfs.fat made): fsck.fat's one remark, and only about
# those bytes, is allowed.
if fsck_clean "$S/part.img"; then
    pass "stick: fsck.fat -n finds nothing after syslinux"
else
    rest=$(printf '%s\n' "$fsck_output" | sed -e 1d -e '/^There are differences between boot sector and its backup\.$/d' \
        -e '/^This is mostly harmless\. Differences: (offset:original\/backup)$/d' \
        -e '/^ *,\? *[0-9]\+:[0-9a-f]\+\/[0-9a-f]\+/d' -e '/^ *Not automatically fixing this\.$/d')
    bad_offsets=$(printf '%s\n' "$fsck_output" | grep -oE '[0-9]+:[0-9a-f]+/[0-9a-f]+' | cut -d: -f1 |
        awk '!($1 <= 10 || ($1 >= 90 && $1 <= 509))' | tr '\n' ' ')
    if [[ $rest =~ ^[^$'\n']*:\ [0-9]+\ files,\ [0-9]+/[0-9]+\ clusters$ ]] && [ -z "$bad_offsets" ]; then
        pass "stick: fsck.fat -n finds nothing after syslinux but its boot code (not in the backup)"
    else
        fail "stick: fsck.fat -n finds nothing after syslinux but its boot code (not in the backup)"
        printf '%s\n' "$fsck_output" | head -20 | while IFS= read -r l; do diag "fsck.fat: $l"; done
        diag "bytes outside the boot code: $bad_offsets"
    fi
fi
like "$(mdir -a -i "$S/stick.img@@$off" ::/syslinux 2>&1)" 'ldlinux +sys' "stick: ldlinux.sys is in /syslinux"
mkdir -p "$S/stick.out" && readback "$S/stick.img@@$off" "$S/stick.out" &&
    rm -f "$S/stick.out/syslinux/ldlinux.sys" "$S/stick.out/syslinux/ldlinux.c32"
d=$(diff -r "$STICK" "$S/stick.out" 2>&1)
is "$d" "" "stick: the tree is unchanged after syslinux"
rm -rf "$S/stick.img" "$S/part.img" "$S/stick.out" "$STICK"

# A block device (a whole-disk loop device), and a region that does not fit it.
truncate -s 40M "$S/dev.img"
if dev=$(losetup -f --show "$S/dev.img" 2>/dev/null); then
    trap 'losetup -d "$dev" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
    run "$MKFAT" "$DVD" "$dev" --size 40M --type 32
    is "$rc" 0 "block device: mkfat writes FAT32 on $dev"
    ok_fsck "$dev" "block device: fsck.fat -n finds nothing"
    sum=$(sha256sum <"$dev")
    run "$MKFAT" "$DVD" "$dev" --size 40M --offset 1M --type 32
    is "$rc" 1 "block device: a region past the end fails"
    like "$err" "$dev" "block device: the message names the device"
    is "$(sha256sum <"$dev")" "$sum" "block device: nothing written"
    losetup -d "$dev"
    trap 'rm -rf "$SCRATCH"' EXIT
else
    for i in 1 2 3 4 5; do pass "# SKIP no loop device"; done
fi
rm -f "$S/dev.img"

# ---------------------------------------------------------------------------------------------
# Bad inputs: exit 1, one line naming the thing, and nothing written — a new image is not
# created, an existing image keeps its bytes.
head -c 1M /dev/urandom >"$S/existing.img"
existing_sum=$(sha256sum <"$S/existing.img")

# refused WHAT REGEX SRC MKFAT-OPTIONS...: three tests.
refused() {
    local what=$1 re=$2 src=$3
    shift 3
    rm -f "$S/new.img"
    run "$MKFAT" "$src" "$S/new.img" "$@"
    is "$rc" 1 "$what: exit 1"
    local lines
    lines=$(printf '%s\n' "$err" | grep -c .)
    if [ "$lines" -eq 1 ] && printf '%s\n' "$err" | grep -Eq -- "$re"; then
        pass "$what: one line naming it"
    else
        fail "$what: one line naming it"
        diag "got: '$err'"
        diag "expected one line matching: '$re'"
    fi
    local created=no
    [ -e "$S/new.img" ] && created=yes
    run "$MKFAT" "$src" "$S/existing.img" "$@"
    if [ $created = no ] && [ "$(sha256sum <"$S/existing.img")" = "$existing_sum" ] &&
        [ "$rc" -eq 1 ]; then
        pass "$what: nothing written (no new image; an existing one unchanged)"
    else
        fail "$what: nothing written (no new image; an existing one unchanged)"
        diag "new image created: $created; existing image rc $rc, sha256 $(sha256sum <"$S/existing.img")"
        head -c 1M /dev/urandom >"$S/existing.img"
        existing_sum=$(sha256sum <"$S/existing.img")
    fi
}

# bad_tree NAME: a fresh small source directory
bad_tree() {
    rm -rf "$S/bad" && mkdir -p "$S/bad/dir" && printf 'ok\n' >"$S/bad/dir/ok.txt" && echo "$S/bad"
}

src=$(bad_tree) && truncate -s 4G "$src/dir/huge.wim"
refused "a 4 GiB file" 'dir/huge\.wim.*4 ?GiB|4 ?GiB.*dir/huge\.wim' "$src" --type 32 --size 8G

src=$(bad_tree) && truncate -s 50M "$src/dir/big.bin"
refused "a tree larger than the region" 'need' "$src" --type 32 --size 40M
refused "a tree larger than a FAT12 region" 'need' "$DVD" --type 12 --size 1440K
refused "a tree larger than a FAT16 region" 'need' "$src" --type 16 --size 30M

src=$(bad_tree) && head -c 3000000 /dev/urandom >"$src/dir/3mb.bin"
refused "a tree larger than the region, any type" 'needs a volume of at least [0-9.]+ MiB \(FAT12\); the region is 1\.0 MiB' "$src" --size 1M

src=$(bad_tree)
refused "a region too small for FAT32" 'minimum' "$src" --type 32 --size 16M
refused "a region too large for FAT12" 'FAT12' "$src" --type 12 --size 1G
refused "a region too large for FAT16" 'FAT16' "$src" --type 16 --size 8G

src=$(bad_tree) && printf 'x\n' >"$src/dir/a:b"
refused "a name with ':'" 'dir/a:b' "$src" --type 16 --size 16M

src=$(bad_tree) && printf 'x\n' >"$src/what?"
refused "a name with '?'" 'what\?' "$src" --type 16 --size 16M

src=$(bad_tree) && printf 'x\n' >"$src/dir/two
lines"
refused "a name with a newline (the message stays one line)" 'dir/two\\x0Alines' "$src" --type 16 --size 16M

src=$(bad_tree) && printf 'x\n' >"$src/dir/README.txt" && printf 'y\n' >"$src/dir/readme.TXT"
refused "two names that collide" 'collid|clash|same name' "$src" --type 16 --size 16M
like "$err" 'dir/README\.txt' "two names that collide: the first one is named"
like "$err" 'dir/readme\.TXT' "two names that collide: the second one is named"

src=$(bad_tree) && printf 'x\n' >"$src/dir/Файл.txt" && printf 'y\n' >"$src/dir/ФАЙЛ.TXT"
refused "two Cyrillic names that collide" 'dir/Файл\.txt.*dir/ФАЙЛ\.TXT|dir/ФАЙЛ\.TXT.*dir/Файл\.txt' \
    "$src" --type 16 --size 16M
src=$(bad_tree) && printf 'x\n' >"$src/École.txt" && printf 'y\n' >"$src/école.txt"
refused "two Latin-1 names that collide" 'École\.txt.*école\.txt|école\.txt.*École\.txt' \
    "$src" --type 16 --size 16M

# The FAT12/16 root directory has 512 entries; 200 long names take 600 (FAT32 has no limit).
src=$(bad_tree) && for i in $(seq 200); do : >"$src/a long file name number $i.txt"; done
refused "a FAT16 root directory over 512 entries" 'root' "$src" --type 16 --size 16M
run "$MKFAT" "$src" "$S/root32.img" --type 32 --size 33M
is "$rc" 0 "the same root directory fits FAT32"
ok_fsck "$S/root32.img" "the same root directory on FAT32: fsck.fat -n finds nothing"
rm -f "$S/root32.img"

# A directory of more than 65536 entries (17000 names of 4 entries each).
for i in $(seq -w 17000); do printf 'd/%s-file-with-long-name.txt\t0\n' "$i"; done >"$S/wide.manifest"
refused "a directory of more than 65536 entries" '(^|[^/])d[:,( ].*(65536|entries)|entries.*\bd\b' \
    "synth:$S/wide.manifest" --type 32 --size 64M

# Linux names stop at 255 bytes, so no directory can hold a 256-character name: a synthetic tree.
name=toolong-$(printf 'x%.0s' $(seq 248))
printf 'dir/ok.txt\t3\ndir/%s\t2\n' "$name" >"$S/long.manifest"
refused "a name of 256 characters" "dir/toolong-x{20}" "synth:$S/long.manifest" --type 16 --size 16M

src=$(bad_tree) && p=$src && for i in $(seq -w 30); do p=$p/dirname$i; done &&
    mkdir -p "$p" && printf 'x\n' >"$p/file.txt"
refused "a path over 256 characters" 'dirname01/dirname02/' "$src" --type 16 --size 16M

src=$(bad_tree)
refused "a label too long" 'TOOLONGLABEL1|label' "$src" --type 16 --size 16M --label TOOLONGLABEL1
refused "a label with a forbidden character" 'label.*\*|\*.*label' "$src" --type 16 --size 16M --label 'A*B'

# ---------------------------------------------------------------------------------------------
# Usage errors (exit 2), one line.
run "$MKFAT" "$DVD"
is "$rc" 2 "usage: IMAGE missing is exit 2"
run "$MKFAT" "$DVD" "$S/u.img" --size 12Q
is "$rc" 2 "usage: a bad size is exit 2"
like "$err" "12Q" "usage: the message names the bad size"
run "$MKFAT" "$DVD" "$S/u.img" --size 16M --type 13
is "$rc" 2 "usage: a bad type is exit 2"
run "$MKFAT" "$DVD" "$S/u.img" --size 16M --cluster 3000
is "$rc" 2 "usage: a cluster size that is not a power of two is exit 2"
[ ! -e "$S/u.img" ]
ok $? "usage: nothing written"

done_testing
