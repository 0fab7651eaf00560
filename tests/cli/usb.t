#!/bin/bash
# dartmk usb: sticks and stick images as readers nobody here wrote see them — sfdisk (the
# partition table, its type, flag and 1 MiB alignment), fsck.fat -n, blkid, minfo, mtools
# (every file byte for byte against the sample), syslinux's MBR code and modules — and dartmk
# verify; the old partition table saved and restored with sfdisk; dd mode (cmp against the
# ISO); a loop device standing in for a stick (detached at exit; never mounted: the kernel here
# has no vfat and gives loop devices no partition nodes); the system disk refused without ever
# being opened for writing (strace); the terminal question (script); write errors
# (tests/tools/preload/failwrite.c: a full disk, an I/O error on the device); and every bad
# input: its exit code, its one line, and that nothing was written (an existing image's
# sha256sum unchanged, a new file not created).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/winpe.sh
. "$(dirname "$0")/../lib/winpe.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
SYSLINUX=${SYSLINUX:-/usr/lib/syslinux}
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in sfdisk fsck.fat blkid wipefs mcopy mdir minfo mshowfat jq losetup strace script syslinux python3 sha256sum cmp; do
    command -v $t >/dev/null || { echo "1..1"; echo "not ok 1 - $t is installed (scripts/install-deps.sh)"; exit 1; }
done
[ -f "$SHIM" ] || make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2
plan 347
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
DVD=$SAMPLES/dvd ADK=$SAMPLES/adk ISO=$SAMPLES/dvd.iso
ISO_SHA=$(sha256sum <"$ISO" | cut -d' ' -f1) ISO_SIZE=$(stat -c %s "$ISO")
# What a stick keeps of the DVD sample: its Windows PE files (issue 14; before, every file), its
# boot.wim holding image 2 alone (judged apart: -x boot.wim).
DVD_PE=$S/dvd-pe
cp -a "$DVD" "$DVD_PE" && winpe_only "$DVD_PE"
MIB=1048576
# With the shim preloaded under an ASan build (verify_asan_link_order=0, as failwrite.t says).
ASAN=ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

j() { printf '%s' "$out" | jq -r "$1"; }
size() { stat -c %s "$1"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
tables() { find "$XDG_STATE_HOME/dartmk/tables" -type f 2>/dev/null | wc -l; } # saved tables
usb() { run "$DARTMK" usb "$@" </dev/null; }

# bad DESCRIPTION RC REGEX ARGS...: exit RC, one line on stderr matching REGEX, nothing on stdout.
bad() {
    local d=$1 want=$2 re=$3
    shift 3
    usb "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: says why"
    is "$(lines "$err")/${#out}" "1/0" "$d: one line on stderr, nothing on stdout"
}
# untouched FILE SHA DESCRIPTION / absent FILE DESCRIPTION
untouched() { is "$(sha "$1")" "$2" "$3"; }
absent() { if [ -e "$1" ]; then fail "$2"; else pass "$2"; fi; }
same_tree() { # A B DESCRIPTION [DIFF-OPTIONS...]
    local o
    if o=$(diff -r "${@:4}" "$1" "$2" 2>&1); then pass "$3"; else fail "$3"; printf '%s\n' "$o" | head -10 | sed 's/^/#   /' >&2; fi
}

# --- judges of a stick image ---------------------------------------------------------------------
pt() { sfdisk --json "$1" 2>/dev/null | jq -r ".partitiontable | $2"; }
# part IMG OUT: the FAT partition (the first) extracted to OUT (fsck.fat here has no --offset).
part() {
    local start sectors
    start=$(pt "$1" '.partitions[0].start') sectors=$(pt "$1" '.partitions[0].size')
    dd if="$1" of="$2" bs=512 skip="$start" count="$sectors" status=none
}
# fsck_clean PART: fsck.fat -n exits 0 and reports nothing but its banner, its summary and (the
# syslinux installer's doing, checked on its own) a boot sector that differs from its backup.
fsck_clean() {
    local o
    o=$(fsck.fat -n "$1" 2>&1) || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
    o=$(printf '%s\n' "$o" | sed -e '/^fsck.fat [0-9]/d' -e '/^There are differences between boot sector and its backup/,/^  Not automatically fixing this\./d' \
        -e "\|^$1: [0-9]* files, [0-9]*/[0-9]* clusters$|d")
    [ -z "$o" ] || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
}
# extract IMG DIR: every file of the FAT volume at 1 MiB, by mtools.
extract() { rm -rf "$2" && mkdir -p "$2" && mcopy -s -n -m -i "$1@@$MIB" ::/ "$2/" 2>/dev/null; }
# manifest_ok DIR: every file the manifest lists has its size and SHA-256 in DIR.
manifest_ok() {
    local bad
    bad=$(jq -r '.files[] | "\(.sha256)  \(.path)"' "$1/dartmk-manifest.json" | (cd "$1" && sha256sum -c --quiet 2>&1))
    [ -z "$bad" ] || { printf '%s\n' "$bad" | head -5 | sed 's/^/#   /' >&2; return 1; }
}
# offset_of IMG PATH: the image offset of the first byte of PATH's data (minfo, mshowfat).
offset_of() {
    local info res fats fatlen spc clus
    info=$(minfo -i "$1@@$MIB" ::)
    res=$(printf '%s\n' "$info" | sed -n 's/^reserved (boot) sectors: //p')
    fats=$(printf '%s\n' "$info" | sed -n 's/^fats: //p')
    fatlen=$(printf '%s\n' "$info" | sed -n 's/^Big fatlen=//p')
    spc=$(printf '%s\n' "$info" | sed -n 's/^cluster size: \([0-9]*\) sectors/\1/p')
    clus=$(mshowfat -i "$1@@$MIB" "::/$2" | sed -E 's/.*<([0-9]+).*/\1/')
    echo $((MIB + (res + fats * fatlen + (clus - 2) * spc) * 512))
}
# dump IMG: sfdisk --dump without the lines that name the device.
dump() { sfdisk --dump "$1" 2>/dev/null | grep -v '^device:' | sed -E 's/^[^ ]+ : /: /'; }

# --- an MBR stick from the install-DVD layout, a new image ------------------------------------
M=$S/mbr.img
usb "$DVD" "$M" --size 64M
is "$rc" 0 "mbr: exit 0"
like "$err" "^wrote $M: mbr, FAT32 'DART', [0-9.]+ MiB; boots BIOS\+UEFI; verified$" "mbr: stderr: what was written, verified"
is "$(size "$M")" $((64 * MIB)) "mbr: --size 64M made a file of 64 MiB"
is "$(tables)" 0 "mbr: a new file has no old table: nothing saved"

is "$(pt "$M" '[.label, (.partitions | length)] | map(tostring) | join(" ")')" "dos 1" "sfdisk --json: a dos label with one partition"
is "$(pt "$M" '.partitions[0] | [.type, .bootable] | map(tostring) | join(" ")')" "c true" "sfdisk --json: type 0x0C (FAT32 LBA), bootable (active)"
is "$(pt "$M" '.partitions[0] | [.start, .size % 2048, .start + .size] | map(tostring) | join(" ")')" "2048 0 131072" \
    "sfdisk --json: starts at sector 2048, a whole number of MiB, ends at the disk's end"
cmp -s -n 440 "$SYSLINUX/mbr/mbr.bin" "$M"
ok $? "the first 440 bytes are syslinux's mbr.bin"
is "$(od -An -tx1 -j510 -N2 "$M" | tr -d ' ')" 55aa "the MBR ends in 55 AA"
sfdisk --verify "$M" >/dev/null 2>&1
ok $? "sfdisk --verify finds no problem"

is "$(blkid -p -O $MIB -o export "$M" | grep -E '^(TYPE|LABEL|VERSION)=' | sort | tr '\n' ' ')" "LABEL=DART TYPE=vfat VERSION=FAT32 " \
    "blkid -p -O 1048576: vfat, FAT32, label DART"
part "$M" "$S/mbr.part"
is "$(blkid -o export "$S/mbr.part" | grep -E '^(TYPE|LABEL)=' | sort | tr '\n' ' ')" "LABEL=DART TYPE=vfat " "blkid on the extracted partition: vfat, label DART"
fsck_clean "$S/mbr.part"
ok $? "fsck.fat -n on the partition: no errors"
fsck.fat -n "$S/mbr.part" 2>&1 | grep -q 'differences between boot sector and its backup'
ok $((!$?)) "fsck.fat -n: the backup boot sector is the boot sector (sector 6 is updated after the syslinux installer)"
info=$(minfo -i "$M@@$MIB" ::)
like "$info" 'hidden sectors: 2048' "minfo: hidden sectors 2048 (the partition's start: the VBR finds ldlinux.sys with it)"
like "$info" 'banner:"SYSLINUX"' "minfo: the boot sector is syslinux's"
like "$info" 'disk type="FAT32   "' "minfo: FAT32"

X=$S/x
extract "$M" "$X"
ok $? "mcopy -s reads every file of the stick"
is "$out" "$(sha "$X/dartmk-manifest.json")  $M" "stdout: the manifest's SHA-256 and the target (sha256sum's format)"
manifest_ok "$X"
ok $? "every file the manifest lists has its size and SHA-256 on the stick"
is "$(jq -c '.installed_after' "$X/dartmk-manifest.json")" '["syslinux/ldlinux.sys","syslinux/ldlinux.c32"]' "manifest: installed_after names the installer's two files"
listed=$( (jq -r '.files[].path, .installed_after[]' "$X/dartmk-manifest.json"; echo dartmk-manifest.json) | sort)
is "$(cd "$X" && find . -type f -printf '%P\n' | sort)" "$listed" "manifest: lists every file on the stick (the installer's two under installed_after)"
is "$(ls "$X/syslinux" | tr '\n' ' ')" "chain.c32 ldlinux.c32 ldlinux.sys libcom32.c32 libutil.c32 syslinux.cfg " "syslinux/: chain.c32, its libraries, the config, ldlinux.sys and ldlinux.c32"
r=0
for m in chain.c32 libcom32.c32 libutil.c32; do cmp -s "$SYSLINUX/modules/bios/$m" "$X/syslinux/$m" || r=1; done
ok $r "syslinux/chain.c32, libcom32.c32, libutil.c32 are syslinux's BIOS modules, byte for byte"
# ldlinux.c32 is the installer's own copy (it carries one), not necessarily the package's.
grep -q '^ *COM32 chain.c32' "$X/syslinux/syslinux.cfg" && grep -q '^ *APPEND fs ntldr=/bootmgr' "$X/syslinux/syslinux.cfg"
ok $? "syslinux.cfg: chain.c32 fs ntldr=/bootmgr"
rm -rf "$X/syslinux" "$X/dartmk-manifest.json"
same_tree "$DVD_PE" "$X" "mtools: every Windows PE file of the DVD sample, byte for byte, nothing else but syslinux/ and the manifest" -x boot.wim
is "$(one_image "$X/sources/boot.wim")" "1 1 $(image_name "$DVD/sources/boot.wim" 2)" "mtools: boot.wim holds the DVD's image 2 alone, bootable"

run "$DARTMK" verify "$M"
is "$rc" 0 "dartmk verify on the stick image: exit 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" | head -5 | sed 's/^/#   /' >&2
run "$DARTMK" verify "$M" --json
is "$(j '[.ok, (.missing | length), (.different | length), (.extra | length)] | map(tostring) | join(" ")')" "true 0 0 0" \
    "dartmk verify --json: ok, nothing missing, different or extra"

# One byte of bootmgr's data changed inside the image (its cluster found with minfo and
# mshowfat): verify names it.
cp "$M" "$S/bad.img"
off=$(offset_of "$S/bad.img" bootmgr)
is "$(od -An -tx1 -j"$off" -N4 "$S/bad.img")" "$(od -An -tx1 -N4 "$DVD/bootmgr")" "bootmgr's data found in the image at byte $off"
printf '\xff' | dd of="$S/bad.img" bs=1 seek=$((off + 7)) conv=notrunc status=none
mcopy -n -i "$S/bad.img@@$MIB" ::/bootmgr "$S/bootmgr.changed" 2>/dev/null
is "$(size "$S/bootmgr.changed")/$(cmp -s "$DVD/bootmgr" "$S/bootmgr.changed"; echo $?)" "$(size "$DVD/bootmgr")/1" "mtools: bootmgr has its size, one byte different"
run "$DARTMK" verify "$S/bad.img"
is "$rc" 1 "verify after one byte changed: exit 1"
like "$out" "^different +bootmgr$" "verify names the changed file"

# --- the bar drawn where stderr is no terminal (--progress=bar, COLUMNS=60): every draw fits 59
# columns, every stage ends with a line of its own (under valgrind too: usb-memcheck.t) -----------
COLUMNS=60 usb "$DVD" "$S/bar.img" --size 64M --progress=bar
is "$rc" 0 "--progress=bar, COLUMNS=60: exit 0"
draws=$(printf '%s\n' "$err" | tr '\r' '\n' | grep -a $'\x1b\\[K' | sed $'s/\x1b\\[K//')
[ "$(printf '%s\n' "$draws" | grep -c 'writing the FAT volume')" -ge 1 ] &&
    [ "$(printf '%s\n' "$draws" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 59 ]
ok $? "--progress=bar, COLUMNS=60: the bar drawn, no draw longer than 59 columns"

# --- GPT, --label, --json ------------------------------------------------------------------------
G=$S/gpt.img
usb "$DVD" "$G" --size 64M --scheme gpt --label RESCUE --json
is "$rc" 0 "gpt: exit 0"
is "$(j 'keys | join(",")')" "backup_table,bios,bytes,files,files_verified,label,mode,partition,scheme,sha256,source_image,target,uefi,verified,whole_media" "--json: one object with its keys"
is "$(j '"\(.source_image.index) \(.source_image.name) \(.source_image.exported) \(.whole_media)"')" "2 $(image_name "$DVD/sources/boot.wim" 2) true false" \
    "--json: source_image (the source's image 2, exported), whole_media false"
is "$(j '[.target, .mode, .scheme, .label, .verified, .bios, .uefi, .backup_table] | map(tostring) | join(" ")')" \
    "$G fat gpt RESCUE true true true null" "--json: target, mode, scheme, label, verified, bios, uefi, no backup table"
extract "$G" "$X"
n=$(jq '.files | length' "$X/dartmk-manifest.json")
is "$(j '[.files, .files_verified] | map(tostring) | join(" ")')" "$n $n" "--json: files and files_verified: the $n files the manifest lists"
is "$(j .sha256)" "$(sha "$X/dartmk-manifest.json")" "--json: sha256 is the manifest's"
listed_bytes=$(jq '[.files[].size] | add' "$X/dartmk-manifest.json")
[ "$(j .bytes)" -ge "$listed_bytes" ] && [ "$(j .bytes)" -lt $((listed_bytes + 8 * MIB)) ]
ok $? "--json: bytes ($(j .bytes)) is what the files take ($listed_bytes bytes of files)"
is "$(pt "$G" '[.label, (.partitions | length)] | map(tostring) | join(" ")')" "gpt 1" "gpt: sfdisk --json: a gpt label with one partition"
is "$(pt "$G" '.partitions[0] | [.type, .attrs] | join(" ")')" "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 LegacyBIOSBootable" \
    "gpt: Microsoft basic data, LegacyBIOSBootable"
is "$(pt "$G" '.partitions[0] | [.start, .size % 2048] | map(tostring) | join(" ")')" "2048 0" "gpt: starts at sector 2048, a whole number of MiB"
is "$(pt "$G" '.partitions[0].start + .partitions[0].size <= .lastlba + 1')" true "gpt: ends before the backup table"
is "$(j '[.partition.start, .partition.size] | map(tostring) | join(" ")')" "$MIB $(($(pt "$G" '.partitions[0].size') * 512))" "--json: partition start and size are sfdisk's"
sfdisk --verify "$G" >/dev/null 2>&1
ok $? "gpt: sfdisk --verify finds no problem (both headers, both tables)"
cmp -s -n 440 "$SYSLINUX/mbr/gptmbr.bin" "$G"
ok $? "gpt: the first 440 bytes are syslinux's gptmbr.bin"
is "$(blkid -p -O $MIB -o export "$G" | grep -E '^(TYPE|LABEL)=' | sort | tr '\n' ' ')" "LABEL=RESCUE TYPE=vfat " "gpt: blkid: vfat, label RESCUE"
part "$G" "$S/gpt.part"
fsck_clean "$S/gpt.part"
ok $? "gpt: fsck.fat -n on the partition: no errors"
manifest_ok "$X"
ok $? "gpt: every file the manifest lists is on the stick"
rm -rf "$X/syslinux" "$X/dartmk-manifest.json"
same_tree "$DVD_PE" "$X" "gpt: mtools: every Windows PE file of the DVD sample, byte for byte" -x boot.wim
run "$DARTMK" verify "$G"
is "$rc" 0 "gpt: dartmk verify: exit 0"

# Writing MBR over GPT leaves no GPT signature behind (the backup header at the end is cleared).
cp "$G" "$S/regpt.img"
usb "$DVD" "$S/regpt.img" --yes
is "$rc/$(wipefs -n -O TYPE --noheadings "$S/regpt.img" 2>/dev/null | sort -u | tr '\n' ' ')" "0/dos " "MBR over GPT: wipefs sees only the dos table (no stale GPT)"

# The ADK layout (capitalised names) and the labels.
usb "$ADK" "$S/adk.img" --size 64M
extract "$S/adk.img" "$X" && rm -rf "$X/syslinux" "$X/dartmk-manifest.json"
is "$rc" 0 "adk: exit 0"
same_tree "$ADK" "$X" "adk: mtools: every file of the ADK sample, names as they are (long names, case)"
usb "$DVD" "$S/lower.img" --size 64M --label rescue --json
is "$rc/$(blkid -p -O $MIB -s LABEL -o value "$S/lower.img")" "0/RESCUE" "--label rescue: FAT labels are upper case: RESCUE"
is "$(j .label)" RESCUE "--label rescue: --json says the label the stick has"
usb "$DVD" "$S/eleven.img" --size 64M --label 'MY RESCUE 1'
is "$rc/$(blkid -p -O $MIB -s LABEL -o value "$S/eleven.img")" "0/MY RESCUE 1" "--label of 11 characters with spaces"

# --no-verify: nothing read back; the same stick.
usb "$DVD" "$S/nv.img" --size 64M --no-verify --json --progress=json
is "$rc/$(j .verified)" "0/false" "--no-verify: exit 0, verified false"
is "$(j '[.files, .files_verified] | map(tostring) | join(" ")')" "$n 0" "--no-verify: files counts the $n files written, none verified"
like "$(printf '%s\n' "$err" | grep '^{' | jq -r 'select(.event == "begin") | .task' | tr '\n' ',')" "^reading boot\.wim,exporting boot\.wim's image,writing the FAT volume,(checking boot\.wim,)?$" "--no-verify: progress: boot.wim's image exported, writing (the check beside it; shown after only if it is not done), no verifying"
usb "$DVD" "$S/v.img" --size 64M --progress=json
like "$(printf '%s\n' "$err" | grep '^{' | jq -r 'select(.event == "begin") | .task' | tr '\n' ',')" "^reading boot\.wim,exporting boot\.wim's image,writing the FAT volume,(checking boot\.wim,)?verifying,$" "by default: progress: boot.wim's image exported, writing (the check beside it), then verifying"
usb "$DVD" "$S/nv2.img" --size 64M --no-verify
like "$err" "; boots BIOS\+UEFI$" "--no-verify: the summary does not say verified"
run "$DARTMK" verify "$S/nv2.img"
like "$out" "files verified" "--no-verify: the stick is still whole (dartmk verify reads it)"
usb "$DVD" "$S/q.img" --size 64M -q
is "$rc/$err/$(lines "$out")" "0//1" "-q: nothing on stderr, the SHA-256 line on stdout"

# Build options customise boot.wim first; --print-recipe writes nothing.
mkdir -p "$S/tool" && cp "$FIXTURES/bootx64.efi" "$S/tool/tool.exe"
usb "$DVD" "$S/tool.img" --size 64M --tool "Tool=$S/tool"
mcopy -n -i "$S/tool.img@@$MIB" ::/dartmk-manifest.json "$S/tool.json" 2>/dev/null
is "$rc/$(jq -r '.customised' "$S/tool.json" 2>/dev/null)" "0/true" "--tool: exit 0, the manifest says customised"
usb "$DVD" "$S/recipe.img" --size 64M --print-recipe
is "$rc" 0 "--print-recipe: exit 0"
like "$out" '^\[build\]' "--print-recipe: the recipe on stdout"
absent "$S/recipe.img" "--print-recipe: nothing written"

# --- too small: refused before anything is written, with the size needed --------------------
bad "too small (new file)" 1 "^dartmk: $S/small.img: too small \(8\.0 MiB\): the recovery tree needs a disk of at least [0-9]+\.[0-9] MiB$" "$DVD" "$S/small.img" --size 8M
absent "$S/small.img" "too small: no file made"
need=$(printf '%s\n' "$err" | sed -E 's/.*at least ([0-9.]+) MiB$/\1/')
needm=$(awk -v n="$need" 'BEGIN { m = int(n); if (m < n) m++; print m }')
usb "$DVD" "$S/need.img" --size "${needm}M"
is "$rc" 0 "mbr: a disk of the size named (${needm} MiB) is enough"
usb "$DVD" "$S/need1.img" --size "$((needm - 1))M"
is "$rc" 1 "mbr: 1 MiB less is refused"
usb "$DVD" "$S/gneed.img" --size "${needm}M" --scheme gpt
gneed=$(printf '%s\n' "$err" | sed -nE 's/.*at least ([0-9.]+) MiB$/\1/p')
gneedm=$(awk -v n="${gneed:-0}" 'BEGIN { m = int(n); if (m < n) m++; print m }')
if [ "$rc" = 1 ]; then
    rm -f "$S/gneed.img"
    usb "$DVD" "$S/gneed.img" --size "${gneedm}M" --scheme gpt
    is "$rc" 0 "gpt: a disk of the size the message names (${gneed} MiB, ${gneedm}M) is enough"
    [ "$rc" = 0 ] || diag "$err"
else
    pass "gpt: a disk of the size the message names is enough # SKIP ${needm} MiB was enough for GPT too"
fi
head -c $((16 * MIB)) /dev/zero >"$S/small16.img"
h=$(sha "$S/small16.img")
bad "too small (existing file)" 1 "^dartmk: $S/small16.img: too small \(16\.0 MiB\): the recovery tree needs a disk of at least" "$DVD" "$S/small16.img" --yes
untouched "$S/small16.img" "$h" "too small (existing file): unchanged"

# --- existing targets: confirmation, the old table saved and restorable --------------------------
E=$S/existing.img
head -c $((64 * MIB)) /dev/zero >"$E"
export XDG_STATE_HOME=$S/state0
h=$(sha "$E")
bad "existing file, no --yes, no terminal" 3 "^dartmk: $E: would be erased; there is no terminal to ask on: --yes confirms$" "$DVD" "$E"
untouched "$E" "$h" "no --yes, no terminal: unchanged"
usb "$DVD" "$E" --yes --json
is "$rc/$(j .backup_table)" "0/null" "existing file without a partition table, --yes: exit 0, nothing saved"
is "$(tables)/$(size "$E")" "0/$((64 * MIB))" "no table: no backup file; the file keeps its size"
usb "$DVD" "$E" -y
is "$rc" 0 "-y is --yes (as --help says)"
export XDG_STATE_HOME=$S/state

# An MBR table with two partitions: saved to the default place, restored by sfdisk.
T=$S/table.img
truncate -s 64M "$T"
printf 'label: dos\nstart=2048, size=20480, type=83\nstart=22528, size=40960, type=7, bootable\n' | sfdisk -q "$T" >/dev/null 2>&1
before=$(dump "$T")
usb "$DVD" "$T" --yes --json
saved=$(j .backup_table)
is "$rc" 0 "a disk with a table, --yes: exit 0"
like "$saved" "^$XDG_STATE_HOME/dartmk/tables/table\.img-[0-9]{8}T[0-9]{6}Z\.sfdisk$" "the old table saved in \$XDG_STATE_HOME/dartmk/tables/NAME-TIMESTAMP.sfdisk"
like "$err" "^saved the old table as $saved$" "stderr: where the old table was saved"
like "$err" "^  restore it: dartmk partition --restore-table FILE $T$" "stderr: how to restore it, on a line of its own"
is "$(head -1 "$saved" 2>/dev/null)" "label: dos" "the backup is an sfdisk script"
is "$(pt "$T" '.partitions | length')" 1 "the table was replaced"
sfdisk -q "$T" <"$saved" >/dev/null 2>&1
is "$(dump "$T")" "$before" "sfdisk IMG < FILE restores the old table exactly (sfdisk --dump)"

# A GPT with three partitions, --backup-table FILE.
truncate -s 64M "$S/gpt3.img"
printf 'label: gpt\nsize=10M, type=L, name=one\nsize=20M, type=S\ntype=L\n' | sfdisk -q "$S/gpt3.img" >/dev/null 2>&1
before=$(dump "$S/gpt3.img")
usb "$DVD" "$S/gpt3.img" --yes --json --backup-table "$S/gpt3.sfdisk"
is "$rc/$(j .backup_table)" "0/$S/gpt3.sfdisk" "--backup-table FILE: exit 0, saved there"
sfdisk -q "$S/gpt3.img" <"$S/gpt3.sfdisk" >/dev/null 2>&1
is "$(dump "$S/gpt3.img")" "$before" "GPT: sfdisk restores the old table exactly (label-id, UUIDs, names)"

# Two runs keep two tables (even within one second).
export XDG_STATE_HOME=$S/state2
usb "$DVD" "$S/gpt3.img" --yes
usb "$DVD" "$S/gpt3.img" --yes
is "$rc/$(tables)" "0/2" "two runs: two backup files"
is "$(cat "$XDG_STATE_HOME"/dartmk/tables/* | grep -c '^label: ')" 2 "two runs: both are sfdisk scripts"
# Without XDG_STATE_HOME: ~/.local/state/dartmk/tables.
run env -u XDG_STATE_HOME "$DARTMK" usb "$DVD" "$S/gpt3.img" --yes </dev/null
is "$rc/$(find "$HOME/.local/state/dartmk/tables" -name 'gpt3.img-*.sfdisk' 2>/dev/null | wc -l)" "0/1" "no XDG_STATE_HOME: the table saved in ~/.local/state/dartmk/tables"
export XDG_STATE_HOME=$S/state
h=$(sha "$S/gpt3.img")
run env -u XDG_STATE_HOME -u HOME "$DARTMK" usb "$DVD" "$S/gpt3.img" --yes </dev/null
is "$rc/$(lines "$err")" "1/1" "neither XDG_STATE_HOME nor HOME: exit 1, one line"
like "$err" "^dartmk: $S/gpt3.img: nowhere to save the old partition table \(HOME is not set\): --backup-table FILE$" "neither: says to use --backup-table"
untouched "$S/gpt3.img" "$h" "neither: unchanged"

: >"$S/taken.sfdisk"
bad "--backup-table FILE that exists" 1 "^dartmk: $S/taken.sfdisk: cannot save the partition table of $S/gpt3.img: File exists$" "$DVD" "$S/gpt3.img" --yes --backup-table "$S/taken.sfdisk"
untouched "$S/gpt3.img" "$h" "--backup-table FILE that exists: unchanged"
bad "--backup-table in a missing folder" 1 "^dartmk: $S/no/t.sfdisk: cannot save the partition table of $S/gpt3.img: No such file or directory$" "$DVD" "$S/gpt3.img" --yes --backup-table "$S/no/t.sfdisk"
untouched "$S/gpt3.img" "$h" "--backup-table in a missing folder: unchanged"
bad "--size 128M, the table cannot be saved" 1 "^dartmk: $S/taken.sfdisk: cannot save" "$DVD" "$S/gpt3.img" --yes --size 128M --backup-table "$S/taken.sfdisk"
is "$(size "$S/gpt3.img")/$(sha "$S/gpt3.img")" "$((64 * MIB))/$h" "--size on a run that fails before writing: the file keeps its size and bytes"
usb "$DVD" "$S/gpt3.img" --yes --size 128M
is "$rc/$(size "$S/gpt3.img")" "0/$((128 * MIB))" "--size 128M on an existing file: resized"
is "$(pt "$S/gpt3.img" '.partitions[0] | .start + .size')" $((128 * 2048)) "resized: the partition reaches the new end"

# On a terminal: the name typed back, or nothing happens.
h=$(sha "$E")
tty_out=$(printf 'wrong\n' | script -qec "$(printf '%q ' "$DARTMK" usb "$DVD" "$E")" /dev/null)
is "$?" 3 "terminal, the wrong name typed: exit 3"
like "$tty_out" "Everything on $E will be erased\. Type 'existing\.img' to go on:" "terminal: asks for the name"
like "$tty_out" "dartmk: $E: not confirmed; nothing was written" "terminal, wrong name: says nothing was written"
untouched "$E" "$h" "terminal, wrong name: unchanged"
tty_out=$(printf '\n' | script -qec "$(printf '%q ' "$DARTMK" usb "$DVD" "$E")" /dev/null)
is "$?/$(sha "$E")" "3/$h" "terminal, just Enter: exit 3, unchanged"
tty_out=$(printf 'existing.img\n' | script -qec "$(printf '%q ' "$DARTMK" usb "$DVD" "$E" --progress=none)" /dev/null)
is "$?" 0 "terminal, the right name typed: exit 0"
like "$tty_out" "wrote $E: mbr, FAT32 'DART'" "terminal, right name: written"
run "$DARTMK" verify "$E"
like "$out" "files verified" "terminal, right name: the stick is whole"

# --- refusals and bad input: nothing written ----------------------------------------------------
bad "/dev/null" 3 "^dartmk: /dev/null: not a disk or a regular file$" "$DVD" /dev/null --yes
mkdir -p "$S/folder"
bad "a folder" 3 "^dartmk: $S/folder: not a disk or a regular file$" "$DVD" "$S/folder" --yes
is "$(ls -A "$S/folder")" "" "a folder: nothing written in it"
cp "$ISO" "$S/self.iso"
bad "TARGET is SOURCE" 3 "^dartmk: $S/self.iso: is the SOURCE$" "$S/self.iso" "$S/self.iso" --yes
untouched "$S/self.iso" "$ISO_SHA" "TARGET is SOURCE: unchanged"
bad "TARGET is SOURCE, dd" 3 "^dartmk: $S/self.iso: is the SOURCE$" "$S/self.iso" "$S/self.iso" --yes --mode dd
untouched "$S/self.iso" "$ISO_SHA" "TARGET is SOURCE, dd: unchanged"
bad "a new file without --size" 1 "^dartmk: $S/new.img: no such file or device \(--size SIZE makes a stick image\)$" "$DVD" "$S/new.img" --yes
absent "$S/new.img" "without --size: no file made"
: >"$S/empty.img"
bad "an empty file" 1 "^dartmk: $S/empty.img: an empty file \(--size SIZE gives it a size\)$" "$DVD" "$S/empty.img" --yes
is "$(size "$S/empty.img")" 0 "an empty file: still empty"
bad "a missing SOURCE" 1 "^dartmk: $S/nosuch: no such file or directory$" "$S/nosuch" "$S/t.img" --size 64M
mkdir -p "$S/notpe" && echo hello >"$S/notpe/readme.txt"
bad "not Windows PE media" 1 "^dartmk: $S/notpe: not Windows PE media" "$S/notpe" "$S/t.img" --size 64M
cp -a "$DVD" "$S/huge" && truncate -s 4G "$S/huge/boot/huge.bin"
bad "a file of 4 GiB" 1 "^dartmk: boot/huge.bin: 4\.0 GiB: FAT32 cannot hold a file of 4 GiB or more$" "$S/huge" "$S/t.img" --size 64M
# Left behind, it is no matter; kept (--whole-media), it is refused by name: only WIMs are split.
mv "$S/huge/boot/huge.bin" "$S/huge/sources/huge.bin"
bad "--whole-media, a file of 4 GiB that is no WIM" 1 "^dartmk: sources/huge.bin: 4\.0 GiB: FAT32 cannot hold a file of 4 GiB or more$" \
    "$S/huge" "$S/t.img" --size 64M --whole-media
absent "$S/t.img" "a file of 4 GiB: no file made"
rm -rf "$S/huge"
mkdir -p "$S/nosys"
DARTMK_SYSLINUX_DIR=$S/nosys bad "syslinux's modules missing" 1 "^dartmk: $S/nosys/modules/bios/chain.c32: syslinux's chain.c32 is needed for BIOS boot \(install syslinux-common\): No such file or directory$" "$DVD" "$S/t.img" --size 64M
absent "$S/t.img" "bad sources, missing syslinux: no file made"

# The syslinux installer fails (a stand-in first in PATH): exit 1, the new file removed.
mkdir -p "$S/fakebin"
printf '#!/bin/sh\necho "syslinux: something went wrong" >&2\nexit 1\n' >"$S/fakebin/syslinux"
chmod +x "$S/fakebin/syslinux"
PATH=$S/fakebin:$PATH usb "$DVD" "$S/t.img" --size 64M
is "$rc" 1 "the syslinux installer fails: exit 1"
like "$err" "^dartmk: $S/t.img: the syslinux installer failed: syslinux: something went wrong$" "the installer's last line in the error"
absent "$S/t.img" "the installer fails: the new file removed"
cp "$M" "$S/t2.img"
PATH=$S/fakebin:$PATH usb "$DVD" "$S/t2.img" --yes
is "$rc" 1 "the installer fails on an existing image: exit 1"
like "$err" "dartmk: warning: $S/t2.img: writing did not complete: it is unusable until it is written again" "the installer fails on an existing image: says it is unusable"

# Interrupted (SIGTERM while the installer runs): the new file removed.
printf '#!/bin/sh\necho $$ >"%s"\nexec sleep 20\n' "$S/fake.pid" >"$S/fakebin/syslinux"
PATH=$S/fakebin:$PATH "$DARTMK" usb "$DVD" "$S/int.img" --size 64M -q </dev/null >/dev/null 2>&1 &
dpid=$!
PIDS+=("$dpid")
for _ in $(seq 100); do [ -s "$S/fake.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$S/fake.pid" 2>/dev/null)")
kill -TERM "$dpid"
wait "$dpid"
is "$?" 143 "SIGTERM during the run: dies of the signal"
absent "$S/int.img" "SIGTERM: the new file removed"
kill "$(cat "$S/fake.pid" 2>/dev/null)" 2>/dev/null

# --- usage errors: exit 2, nothing made --------------------------------------------------------
bad "--label of 12 characters" 2 "^dartmk usb: --label 'ABCDEFGHIJKL': longer than 11 characters" "$DVD" "$S/u.img" --size 64M --label ABCDEFGHIJKL
bad "--label with '*'" 2 "^dartmk usb: --label 'A\*B': FAT labels allow only" "$DVD" "$S/u.img" --size 64M --label 'A*B'
bad "--scheme foo" 2 "^dartmk usb: --scheme 'foo': mbr or gpt" "$DVD" "$S/u.img" --size 64M --scheme foo
bad "--mode foo" 2 "^dartmk usb: --mode 'foo': fat or dd" "$DVD" "$S/u.img" --size 64M --mode foo
bad "--size 10Q" 2 "^dartmk usb: --size '10Q': a size of at least 1M" "$DVD" "$S/u.img" --size 10Q
bad "--size 1000" 2 "^dartmk usb: --size '1000': a size of at least 1M" "$DVD" "$S/u.img" --size 1000
bad "--size -64M" 2 "^dartmk usb: --size '-64M': a size" "$DVD" "$S/u.img" --size -64M
bad "--size 0" 2 "^dartmk usb: --size '0': a size" "$DVD" "$S/u.img" --size 0
bad "--size 1048577 (not whole sectors)" 2 "^dartmk usb: --size '1048577': a size" "$DVD" "$S/u.img" --size 1048577
bad "--mode dd with --tool" 2 "^dartmk usb: --mode dd writes SOURCE as it is: build options do not apply \(use --mode fat\)" "$ISO" "$S/u.img" --size 64M --mode dd --tool "Tool=$S/tool"
bad "--mode dd with --label" 2 "^dartmk usb: --mode dd writes SOURCE as it is: --label does not apply" "$ISO" "$S/u.img" --size 64M --mode dd --label X
bad "--mode dd with --print-recipe" 2 "^dartmk usb: --print-recipe: --mode dd takes no recipe" "$ISO" "$S/u.img" --size 64M --mode dd --print-recipe
bad "--mode dd with --scheme" 2 "^dartmk usb: --mode dd writes SOURCE as it is: --scheme does not apply" "$ISO" "$S/u2.img" --size 64M --mode dd --scheme gpt
rm -f "$S/u2.img"
bad "an unknown option" 2 "^dartmk usb: unknown option '--bogus'" "$DVD" "$S/u.img" --size 64M --bogus
bad "no TARGET" 2 "^dartmk usb: no TARGET given" "$DVD"
bad "no SOURCE" 2 "^dartmk usb: no SOURCE given"
absent "$S/u.img" "usage errors: no file made"

# --- dd mode ---------------------------------------------------------------------------------------
D=$S/dd.img
usb "$ISO" "$D" --mode dd --size 8M --json
is "$rc" 0 "dd: exit 0"
cmp -s -n "$ISO_SIZE" "$ISO" "$D"
ok $? "dd: cmp: the image starts with the ISO's bytes"
is "$(head -c "$ISO_SIZE" "$D" | sha256sum | cut -d' ' -f1)" "$ISO_SHA" "dd: the ISO's SHA-256 over its length"
is "$(j '[.mode, .bytes, .sha256, .verified, .scheme, .label, .files, .partition] | map(tostring) | join(" ")')" \
    "dd $ISO_SIZE $ISO_SHA true null null null null" "dd --json: mode dd, the ISO's size and SHA-256, verified"
usb "$ISO" "$S/dd2.img" --mode dd --size 8M
is "$out" "$ISO_SHA  $S/dd2.img" "dd: stdout: the image's SHA-256 and the target"
like "$err" "^wrote $S/dd2.img \(3\.8 MiB\), read back and verified$" "dd: stderr: written, verified"
usb "$ISO" "$S/dd3.img" --mode dd --size 8M --no-verify --json
is "$rc/$(j .verified)/$(j .sha256)" "0/false/$ISO_SHA" "dd --no-verify: exit 0, not verified, the hash"
bad "dd, too small" 1 "^dartmk: $S/dd4.img: too small \(2\.0 MiB\) for $ISO \(3\.8 MiB\)$" "$ISO" "$S/dd4.img" --mode dd --size 2M
absent "$S/dd4.img" "dd, too small: no file made"
head -c $((2 * MIB)) /dev/urandom >"$S/dd5.img"
h=$(sha "$S/dd5.img")
bad "dd, existing file too small" 1 "^dartmk: $S/dd5.img: too small \(2\.0 MiB\) for $ISO" "$ISO" "$S/dd5.img" --mode dd --yes
untouched "$S/dd5.img" "$h" "dd, existing file too small: unchanged"
bad "dd from a folder" 1 "^dartmk: $DVD: --mode dd needs an image file \(an ISO\)$" "$DVD" "$S/dd6.img" --mode dd --size 8M
absent "$S/dd6.img" "dd from a folder: no file made"

# --- write errors (the shim): a full disk, the new file removed ---------------------------------
mkdir -p "$S/full"
shim() { # ROOM ERRNO PREFIX ARGS...
    local room=$1 e=$2 p=$3
    shift 3
    run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$p" FAILWRITE_AFTER="$room" FAILWRITE_ERRNO="$e" "$DARTMK" usb "$@" </dev/null
}
run env LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/full" FAILWRITE_AFTER=1000 FAILWRITE_ERRNO=EIO dd if=/dev/zero of="$S/full/probe" bs=4k count=2 </dev/null
like "$rc $err" "^1 .*Input/output error" "the shim: FAILWRITE_ERRNO=EIO makes writes fail with EIO"
rm -f "$S/full/probe"
shim 1000 ENOSPC "$S/full" "$DVD" "$S/full/a.img" --size 64M
is "$rc" 1 "disk full while the table is written: exit 1"
like "$err" "^dartmk: $S/full/a.img: cannot write at byte 1000: No space left on device$" "disk full: names the image, the byte and the reason"
absent "$S/full/a.img" "disk full: the new file removed"
shim 3000000 ENOSPC "$S/full" "$DVD" "$S/full/b.img" --size 64M
is "$rc" 1 "disk full while the FAT volume is written: exit 1"
like "$(printf '%s\n' "$err" | head -1)" "^dartmk: $S/full/b.img: .*No space left on device$" "disk full in the FAT volume: the error names the image"
absent "$S/full/b.img" "disk full in the FAT volume: the new file removed"
shim 1000000 ENOSPC "$S/full" "$ISO" "$S/full/c.img" --size 8M --mode dd
is "$rc" 1 "dd, disk full: exit 1"
like "$err" "^dartmk: $S/full/c.img: cannot write at byte 1000000: No space left on device" "dd, disk full: names the image and the byte"
absent "$S/full/c.img" "dd, disk full: the new file removed"
cp "$M" "$S/full/old.img"
shim 1000 ENOSPC "$S/full" "$DVD" "$S/full/old.img" --yes
is "$rc/$(ls "$S/full")" "1/old.img" "disk full, an existing image: exit 1, the file stays"
like "$err" "dartmk: warning: $S/full/old.img: writing did not complete: it is unusable until it is written again$" "disk full, an existing image: says it is unusable"

# An fsync error (EIO) while libfdisk writes the table: libfdisk syncs as it writes and does not
# always look at the result; the error must still reach the user (the shim's FAILWRITE_FSYNC: a
# writeback error each open descriptor of the file reports once, as the kernel does).
run env LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/full" FAILWRITE_FSYNC=EIO dd if=/dev/zero of="$S/full/probe" bs=4k count=1 conv=fsync </dev/null
like "$rc $err" "^1 .*Input/output error" "the shim: FAILWRITE_FSYNC=EIO makes fsync fail with EIO"
rm -f "$S/full/probe"
fsync_eio() { run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$1" FAILWRITE_FSYNC=EIO "$DARTMK" usb "${@:2}" </dev/null; }
fsync_eio "$S/full" "$DVD" "$S/full/f.img" --size 64M
is "$rc" 1 "fsync EIO under the table, a new image: exit 1"
like "$err" "^dartmk: $S/full/f.img: cannot write the partition table: Input/output error$" "fsync EIO, a new image: one line naming the image"
absent "$S/full/f.img" "fsync EIO, a new image: the new file removed"
cp "$M" "$S/full/g.img"
fsync_eio "$S/full" "$DVD" "$S/full/g.img" --scheme gpt --yes
is "$rc" 1 "fsync EIO under a GPT, an existing image: exit 1"
like "$(printf '%s\n' "$err" | grep -v '^saved \|^  restore it: ' | head -1)" "^dartmk: $S/full/g.img: cannot write the partition table: Input/output error$" "fsync EIO, GPT: the error names the image"

# --- targets that are not a stick to write (issue 15) --------------------------------------------
# An active swap file: refused from /proc/swaps before it is opened (the kernel would refuse
# the writes: nothing written, nothing said to be unusable), by usb and partition alike.
SW=$S/swapfile
if head -c $((32 * MIB)) /dev/zero >"$SW" && chmod 600 "$SW" && mkswap "$SW" >/dev/null 2>&1 && swapon "$SW" 2>/dev/null; then
    SWAPS+=("$SW")
    SW_SHA=$(sha "$SW")
    bad "an active swap file" 3 "^dartmk: $SW: is used as swap; swapoff it first$" "$DVD" "$SW" --yes
    bad "an active swap file, --size" 3 "^dartmk: $SW: is used as swap; swapoff it first$" "$DVD" "$SW" --size 64M --yes
    bad "an active swap file, --mode dd" 3 "^dartmk: $SW: is used as swap; swapoff it first$" "$ISO" "$SW" --mode dd --yes
    run "$DARTMK" partition "$DVD" "$SW" --yes </dev/null
    is "$rc/$(lines "$err")/${#out}" "3/1/0" "partition, an active swap file: exit 3, one line, nothing on stdout"
    like "$err" "^dartmk: $SW: is used as swap; swapoff it first$" "partition, an active swap file: says why"
    untouched "$SW" "$SW_SHA" "an active swap file: not a byte changed"
    swapoff "$SW"
else
    for _ in $(seq 12); do pass "an active swap file # SKIP no swapon here"; done
fi
# A new name in /dev would be a regular file in devtmpfs: refused, nothing made.
bad "a new name in /dev" 3 "^dartmk: /dev/dartmk-test-new: no such device \(no file is made in /dev\)$" "$DVD" /dev/dartmk-test-new --size 64M --yes
absent /dev/dartmk-test-new "a new name in /dev: no file made there"
bad "a new name in /dev, --mode dd" 3 "^dartmk: /dev/dartmk-test-new: no such device \(no file is made in /dev\)$" "$ISO" /dev/dartmk-test-new --size 64M --mode dd --yes
run "$DARTMK" partition "$DVD" /dev/dartmk-test-new --yes </dev/null
is "$rc/$(lines "$err")/${#out}" "3/1/0" "partition, a new name in /dev: exit 3, one line, nothing on stdout"
like "$err" "^dartmk: /dev/dartmk-test-new: no such device \(no file is made in /dev\)$" "partition, a new name in /dev: says why"
absent /dev/dartmk-test-new "a new name in /dev: still no file there"
[ ! -f /dev/dartmk-test-new ] || rm -f /dev/dartmk-test-new # a failing run leaves nothing in devtmpfs

# --- the system disk: refused (3) even with --force --yes, never opened for writing -------------
sysdisk=
src=$(findmnt -no SOURCE / 2>/dev/null)
if [ -b "$src" ]; then
    pk=$(lsblk -dno PKNAME "$src" 2>/dev/null | head -1)
    sysdisk=/dev/${pk:-${src#/dev/}}
elif [ -b /dev/vda ]; then
    sysdisk=/dev/vda
fi
if [ -n "$sysdisk" ] && [ -b "$sysdisk" ]; then
    bad "the system disk, --force --yes" 3 "^dartmk: $sysdisk: holds the running system \(.*\); refused even with --force$" "$DVD" "$sysdisk" --force --yes
    bad "the system disk, dd" 3 "^dartmk: $sysdisk: holds the running system" "$ISO" "$sysdisk" --mode dd --force --yes
    # (LeakSanitizer cannot run under ptrace: off for this run of an ASan build.)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=open,openat,creat -o "$S/strace.log" "$DARTMK" usb "$DVD" "$sysdisk" --force --yes </dev/null >/dev/null 2>&1
    is "$?" 3 "under strace: exit 3"
    grep -q "/sys/class/block/${sysdisk#/dev/}" "$S/strace.log"
    ok $? "strace saw the decision being made (sysfs read)"
    is "$(grep -E "\"$sysdisk\"" "$S/strace.log" | grep -cE 'O_(RDWR|WRONLY)')" 0 "strace: $sysdisk never opened for writing"
    # (valgrind's own pipes, when dartmk runs under it, are not dartmk's doing)
    is "$(grep -E 'O_(RDWR|WRONLY|CREAT)' "$S/strace.log" | grep -cvE 'vgdb-pipe|valgrind')" 0 "strace: nothing at all opened for writing"
else
    for _ in $(seq 10); do pass "the system disk # SKIP / is not on a block device here"; done
fi

# --- a loop device stands in for a stick -------------------------------------------------------
LI=$S/loop.img
head -c $((64 * MIB)) /dev/zero >"$LI"
L=$(losetup -f --show "$LI") && LOOPS+=("$L")
h=$(sha "$LI")
bad "a loop device without --force" 3 "^dartmk: $L: not a removable disk \(a loop device on $LI, 64\.0 MiB\); --force writes to it anyway$" "$DVD" "$L" --yes
untouched "$LI" "$h" "without --force: unchanged"
bad "a loop device, --force, no --yes, no terminal" 3 "^dartmk: $L: would be erased; there is no terminal to ask on: --yes confirms$" "$DVD" "$L" --force
untouched "$LI" "$h" "no --yes: unchanged"
bad "--size with a disk" 2 "^dartmk.*: --size is for image files; a disk has its own size" "$DVD" "$L" --force --yes --size 64M
untouched "$LI" "$h" "--size with a disk: unchanged"
# Opened O_EXCL by another program: refused.
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(30)' "$L" "$S/held" &
PIDS+=("$!")
for _ in $(seq 100); do [ -e "$S/held" ] && break; sleep 0.1; done
bad "a loop device held open (O_EXCL) by another program" 3 "^dartmk: $L: in use \(mounted, or opened by another program\)$" "$DVD" "$L" --force --yes
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
untouched "$LI" "$h" "held open: unchanged"
# Read-only.
cp "$LI" "$S/ro.img"
R=$(losetup -r -f --show "$S/ro.img") && LOOPS+=("$R")
bad "a read-only loop device" 3 "^dartmk: $R: is read-only" "$DVD" "$R" --force --yes
untouched "$S/ro.img" "$h" "read-only: unchanged"
# The source's own loop device: TARGET is SOURCE by another name.
cp "$ISO" "$S/backing.iso" && truncate -s 40M "$S/backing.iso"
hb=$(sha "$S/backing.iso")
B=$(losetup -f --show "$S/backing.iso") && LOOPS+=("$B")
bad "TARGET is the loop device SOURCE lives on" 3 "^dartmk: $B: " "$S/backing.iso" "$B" --force --yes
untouched "$S/backing.iso" "$hb" "TARGET is the loop device of SOURCE: SOURCE unchanged"
# The file behind a loop device whose ext4 is mounted, given as an image TARGET: refused like the
# device, the file system untouched; the same file once unmounted is an image like any other.
MI=$S/mounted.img
truncate -s 64M "$MI" && mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$MI"
M=$(losetup -f --show "$MI") && LOOPS+=("$M")
mkdir -p "$S/mnt" && mount "$M" "$S/mnt" && MOUNTS+=("$S/mnt") && echo kept >"$S/mnt/kept.txt" && sync
hm=$(sha "$MI")
bad "the file behind a mounted loop device" 3 "^dartmk: $MI: is the file behind $M \($M: $M is mounted at $S/mnt; unmount it first\)$" "$DVD" "$MI" --yes
untouched "$MI" "$hm" "the file behind a mounted loop device: unchanged"
is "$(cat "$S/mnt/kept.txt")" kept "the mounted file system still reads"
umount "$S/mnt" && MOUNTS=()
usb "$DVD" "$MI" --yes --json
is "$rc/$(j .files_verified)" "0/$n" "the same file behind an unused loop device: written and verified"

usb "$DVD" "$L" --force --yes --json
is "$rc/$(j .backup_table)" "0/null" "a loop device, --force --yes: exit 0 (no table before: nothing saved)"
is "$(j '[.files, .files_verified] | map(tostring) | join(" ")')" "$n $n" "loop: every file read back and verified"
is "$(pt "$LI" '[.label, .partitions[0].start, .partitions[0].type, .partitions[0].bootable] | map(tostring) | join(" ")')" "dos 2048 c true" \
    "loop: sfdisk on the backing file: dos, 2048, type c, active"
run "$DARTMK" verify "$L"
is "$rc" 0 "dartmk verify $L: exit 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" | head -5 | sed 's/^/#   /' >&2
extract "$LI" "$X" && rm -rf "$X/syslinux" "$X/dartmk-manifest.json"
same_tree "$DVD_PE" "$X" "loop: mtools on the backing file: every Windows PE file of the DVD sample" -x boot.wim
usb "$DVD" "$L" --force --yes --scheme gpt --json
like "$rc $(j .backup_table)" "^0 $XDG_STATE_HOME/dartmk/tables/${L#/dev/}-[0-9]{8}T[0-9]{6}Z(-[0-9]+)?\.sfdisk$" "loop, again: the old table saved as ${L#/dev/}-TIMESTAMP.sfdisk"
is "$(pt "$LI" '.label')" gpt "loop, --scheme gpt: a GPT"
# On a terminal, the device's name typed back.
tty_out=$(printf '%s\n' "${L#/dev/}" | script -qec "$(printf '%q ' "$DARTMK" usb "$DVD" "$L" --force --progress=none)" /dev/null)
is "$?" 0 "loop on a terminal, its name typed: exit 0"
like "$tty_out" "Type '${L#/dev/}' to go on" "loop on a terminal: asks for the device's name"
# dd onto the loop device.
usb "$ISO" "$L" --mode dd --force --yes
is "$rc/$out" "0/$ISO_SHA  $L" "dd onto the loop device: exit 0, the ISO's SHA-256"
cmp -s -n "$ISO_SIZE" "$ISO" "$LI"
ok $? "dd onto the loop device: cmp: the ISO's bytes"

# An I/O error on the device (the shim, FAILWRITE_ERRNO=EIO): exit 1, where it failed.
shim 1000 EIO "$L" "$DVD" "$L" --force --yes
is "$rc" 1 "EIO on the device while the table is written: exit 1"
like "$err" "dartmk: $L: cannot write at byte 1000: Input/output error" "EIO: names the device, the byte and the error"
like "$err" "dartmk: warning: $L: writing did not complete: it is unusable until it is written again" "EIO: says the stick is unusable"
shim 3000000 EIO "$L" "$DVD" "$L" --force --yes
is "$rc" 1 "EIO on the device while the FAT volume is written: exit 1"
like "$(printf '%s\n' "$err" | grep -v '^saved \|^  restore it: ' | head -1)" "^dartmk: $L: .*Input/output error$" "EIO in the FAT volume: the error names the device"
shim 1000000 EIO "$L" "$ISO" "$L" --mode dd --force --yes
is "$rc" 1 "dd, EIO on the device: exit 1"
like "$err" "dartmk: $L: cannot write at byte 1000000: Input/output error" "dd, EIO: names the device and the byte"
# An fsync error (EIO) on the device while libfdisk writes the table: exit 1, the device named.
fsync_eio "$L" "$DVD" "$L" --force --yes
is "$rc" 1 "fsync EIO on the device under the table: exit 1"
like "$(printf '%s\n' "$err" | grep -v '^saved \|^  restore it: ' | head -1)" "^dartmk: $L: cannot write the partition table: Input/output error$" "fsync EIO on the device: the error names the device"

# Several sticks in one run (usb-multi.t judges them; here for usb-memcheck.t's valgrind): the
# loop device and a new image verified, then one of two made to fail while the other goes on.
usb "$DVD" "$L" "$S/multi.img" --size 64M --force --yes
is "$rc" 0 "two sticks in one run: exit 0"
like "$out" "$S/multi.img +image file +verified +-" "two sticks: the summary says verified"
run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$S/full" FAILWRITE_AFTER=2000000 "$DARTMK" usb "$DVD" "$L" "$S/full/multi.img" --size 64M --force --yes </dev/null
is "$rc" 1 "two sticks, one full while writing: exit 1"
like "$out" "$L +\(loop\) +verified" "two sticks, one full: the other is verified"

losetup -d "$L" "$R" "$B" "$M"
LOOPS=()
# The staged files are removed once the FAT volume is written, before the syslinux installer,
# whose sync() would otherwise write the exported boot.wim to the disk for nothing.
mkdir -p "$S/spy"
printf '#!/bin/sh\nfind "%s" -path "%s/dartmk-*" -type f >"%s/spy/seen"\nexec /usr/bin/syslinux "$@"\n' "$TMPDIR" "$TMPDIR" "$S" >"$S/spy/syslinux"
chmod +x "$S/spy/syslinux"
PATH=$S/spy:$PATH run "$DARTMK" usb "$SAMPLES/dvd" "$S/spied.img" --size 64M --yes -q
is "$rc/$(wc -l <"$S/spy/seen")" "0/0" "usb: nothing staged is left in TMPDIR when the syslinux installer runs"
run "$DARTMK" verify "$S/spied.img"
is "$rc" 0 "usb: that stick verifies"
rm -rf "$S/spy" "$S/spied.img"
done_testing
