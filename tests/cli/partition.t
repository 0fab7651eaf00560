#!/bin/bash
# dartmk partition: a hidden recovery partition added to (or updated on) a disk that already
# holds Windows (tests/lib/disks.sh builds them: GPT and MBR, sparse images), judged by readers
# nobody here wrote — sfdisk (type, attributes, name, active flag, 1 MiB alignment, the other
# entries), fsck.fat -n, blkid, minfo, mtools (the tree byte for byte against the sample), the
# syslinux files and its boot-once record (the ADV in ldlinux.sys) — and dartmk verify
# --partition N. Every other partition hashes the same afterwards, and so does every byte
# outside the new partition and the table (stale data left in the free space and the gaps on
# purpose). Idempotence (a second run updates in place: one recovery partition, same number,
# start and size), --replace, a Windows RE partition dartmk did not make (left alone; taken
# over with --force), --dry-run (byte-identical), --json, the old table saved and written back
# with --restore-table, a loop device target, the system disk refused without ever being
# opened for writing (strace), the terminal question, write errors part-way (the table
# restored), damaged tables (partitions overlapping or past the end) and tampered, truncated or
# hostile backups given to --restore-table, and every bad input: its exit code, its one line, and
# the disk byte-identical.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/winpe.sh
. "$(dirname "$0")/../lib/winpe.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
SYSLINUX=${SYSLINUX:-/usr/lib/syslinux}
[ -f "$SAMPLES/dvd.iso" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
for t in sfdisk fsck.fat blkid mcopy mdir minfo jq losetup strace script python3 sha256sum cmp; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
[ -f "$SHIM" ] || make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2
plan 459
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
# shellcheck source=tests/lib/partition.sh
. "$TOP/tests/lib/partition.sh"
writers_scratch
DVD=$SAMPLES/dvd ADK=$SAMPLES/adk
MIB=1048576
ASAN=ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
# The fixtures' geometry (tests/lib/disks.sh), in sectors: where the free space is.
GPT_FREE=2336768 GPT_LAST=4194270 # disk_gpt_windows: free from the end of Windows to last-lba
MBR_FREE=2304000 MBR_END=4194303  # disk_mbr_windows: free from the end of Windows to the end
MIN=921600                        # 450 MiB: the smallest recovery partition (the samples are tiny)
JSON_KEYS=action,after,backup_table,before,bios_boot,change,changed,disk,dry_run,efi_entry,files,fingerprint,fingerprint_before,incomplete,partition,scheme,sha256,source_image,update,verified,whole_media

sha() { sha256sum <"$1" | cut -d' ' -f1; }
tables() { find "$XDG_STATE_HOME/dartmk/tables" -type f 2>/dev/null | wc -l; }
pt() { sfdisk --json "$1" 2>/dev/null | jq -r ".partitiontable | $2"; }
# dump IMG: sfdisk --dump without the lines that name the device.
dump() { sfdisk --dump "$1" 2>/dev/null | grep -v '^device:' | sed -E 's/^[^ ]+ : /: /'; }
untouched() { is "$(sum "$1")" "$2" "$3"; } # IMG SUM DESCRIPTION
absent() { if [ -e "$1" ]; then fail "$2"; else pass "$2"; fi; }
same_tree() { # A B DESCRIPTION [DIFF-OPTIONS...]
    local o
    if o=$(diff -r "${@:4}" "$1" "$2" 2>&1); then pass "$3"; else fail "$3"; printf '%s\n' "$o" | head -10 | sed 's/^/#   /' >&2; fi
}

# --- judges of a disk with a recovery partition --------------------------------------------------
# winre IMG: the numbers of its Windows RE partitions (GPT type DE94BBA4-…, MBR type 0x27).
winre() { disk_parts "$1" | awk -v g="$GPT_WINRE" 'toupper($4) == g || $4 == "27" { print $1 }' | tr '\n' ' ' | sed 's/ $//'; }
# field IMG N JQ: a field of partition N in sfdisk --json.
field() { pt "$1" ".partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .bootable //= false | $3"; }
off() { echo $(($(field "$1" "$2" .start) * 512)); } # IMG N: partition N's first byte
# extract_part IMG N OUT: partition N copied out (sparse), for fsck.fat (it has no --offset).
extract_part() {
    dd if="$1" of="$3" bs=1M iflag=skip_bytes,count_bytes skip="$(off "$1" "$2")" \
        count=$(($(field "$1" "$2" .size) * 512)) conv=sparse status=none
}
# fsck_clean PART: fsck.fat -n exits 0 and says nothing but its banner, its summary and the
# syslinux installer's boot sector/backup difference.
fsck_clean() {
    local o
    o=$(fsck.fat -n "$1" 2>&1) || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
    o=$(printf '%s\n' "$o" | sed -e '/^fsck.fat [0-9]/d' -e '/^There are differences between boot sector and its backup/,/^  Not automatically fixing this\./d' \
        -e "\|^$1: [0-9]* files, [0-9]*/[0-9]* clusters$|d")
    [ -z "$o" ] || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
}
# extract IMG N DIR: every file of partition N's FAT volume, by mtools.
extract() { rm -rf "$3" && mkdir -p "$3" && mcopy -s -n -m -i "$1@@$(off "$1" "$2")" ::/ "$3/" 2>/dev/null; }
manifest_ok() { # DIR: every file the manifest lists has its size and SHA-256 there
    local bad
    bad=$(jq -r '.files[] | "\(.sha256)  \(.path)"' "$1/dartmk-manifest.json" | (cd "$1" && sha256sum -c --quiet 2>&1))
    [ -z "$bad" ] || { printf '%s\n' "$bad" | head -5 | sed 's/^/#   /' >&2; return 1; }
}
# adv LDLINUX: syslinux's auxiliary data (the last two sectors of ldlinux.sys): "TAG=VALUE ..."
# (1 is boot-once), "empty", or "bad" when a copy has a wrong magic or checksum (syslinux would
# ignore it).
adv() {
    python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
if len(d) < 1024:
    print("bad"); sys.exit()
copies = [d[-1024:-512], d[-512:]]
for c in copies:
    m1, csum = struct.unpack_from("<II", c, 0)
    m3, = struct.unpack_from("<I", c, 508)
    s = sum(struct.unpack_from("<125I", c, 8)) + csum
    if m1 != 0x5a2d2fa5 or m3 != 0xdd28bf64 or s & 0xffffffff != 0xa3041767:
        print("bad"); sys.exit()
data, p, out = copies[0][8:508], 0, []
while p + 2 <= len(data) and data[p]:
    out.append("%d=%s" % (data[p], data[p + 2:p + 2 + data[p + 1]].decode("latin-1")))
    p += 2 + data[p + 1]
print(" ".join(out) or "empty")' "$1"
}
# cfg_entry CFG LABEL: the lines of LABEL's entry in a syslinux.cfg (to the next LABEL).
cfg_entry() {
    awk -v l="$2" 'tolower($1) == "label" { on = (tolower($2) == tolower(l)); next } on' "$1"
}
# cfg_default CFG: the label syslinux starts by default (DEFAULT, or MENU DEFAULT in an entry).
cfg_default() {
    awk 'tolower($1) == "label" { l = $2 }
         tolower($1) == "default" && !d { d = $2 }
         tolower($1) == "menu" && tolower($2) == "default" { m = l }
         END { print (m != "" ? m : d) }' "$1"
}
# fresh NAME KIND: $S/NAME.img, a copy of a pristine disk_KIND fixture (sparse).
fresh() { cp --sparse=always "$S/pristine-$2.img" "$S/$1.img"; }
json_parts() { # the before/after arrays of $out as "NUMBER START SIZE" (bytes)
    j "[.$1[] | \"\(.number) \(.start) \(.size)\"] | join(\",\")"
}
sfdisk_parts() { # IMG: the same from sfdisk
    disk_parts "$1" | awk '{ printf "%s%d %d %d", (NR > 1 ? "," : ""), $1, $2 * 512, $3 * 512 }'
}

# --- the fixtures ------------------------------------------------------------------------------
disk_gpt_windows "$S/pristine-gpt.img" && disk_mbr_windows "$S/pristine-mbr.img" &&
    disk_mbr_full "$S/pristine-full.img" && disk_blank "$S/pristine-blank.img"
ok $? "fixtures: a GPT and an MBR Windows disk, an MBR disk with four primaries, a blank disk"
is "$(disk_parts "$S/pristine-gpt.img" | awk '{ print $1 ":" $2 "+" $3 }' | tr '\n' ' ')/$(pt "$S/pristine-gpt.img" .lastlba)" \
    "1:2048+204800 2:206848+32768 3:239616+2097152 /$GPT_LAST" "fixtures: the GPT disk's layout (ESP, MSR, Windows, then free space to last-lba $GPT_LAST)"
is "$(disk_parts "$S/pristine-mbr.img" | awk '{ print $1 ":" $2 "+" $3 ":" $4 }' | tr '\n' ' ')/$(pt "$S/pristine-mbr.img" '.partitions[0].bootable')" \
    "1:2048+204800:7 2:206848+2097152:7 /true" "fixtures: the MBR disk's layout (System Reserved active, Windows, then free space)"
cmp -s -n 512 "$FIXTURES/os.vbr" <(dd if="$S/pristine-mbr.img" bs=512 skip=2048 count=1 status=none)
ok $? "fixtures: the System Reserved partition's boot sector is the os stub"

# === GPT: a new recovery partition =============================================================
G=$S/gpt.img
fresh gpt gpt
g_before=$(disk_parts "$G") g_dump=$(dump "$G") g_hashes=$(part_hashes "$G" 1 2 3)
g_pmbr=$(head -c 440 "$G" | sha256sum)
part "$DVD" "$G" --yes --json --backup-table "$S/gpt.sfdisk"
is "$rc" 0 "gpt: exit 0"
[ "$rc" = 0 ] || diag "$err"
is "$(j 'keys | join(",")')" "$JSON_KEYS" "gpt --json: one object with the keys the spec names"
is "$(j '[.disk, .scheme, .dry_run, .action, .backup_table] | map(tostring) | join(" ")')" "$G gpt false create $S/gpt.sfdisk" \
    "gpt --json: disk, scheme gpt, not a dry run, action create, the backup table"
N=$(winre "$G")
is "$N" 4 "gpt: sfdisk sees one Windows RE partition, number 4 (the first free entry)"
N=${N%% *}
N=${N:-4}
is "$(j .partition.number)" "$N" "gpt --json: partition.number is sfdisk's"
is "$(field "$G" "$N" '[.type, .attrs, .name] | join("|")')" "$GPT_WINRE|RequiredPartition GUID:63|DaRT Recovery" \
    "gpt: sfdisk: type Windows RE, attrs RequiredPartition GUID:63 (0x8000000000000001), name DaRT Recovery"
start=$(field "$G" "$N" .start) size=$(field "$G" "$N" .size)
is "$((start % 2048))/$((size % 2048))" "0/0" "gpt: start ($start) and size ($size sectors) are whole MiB"
is "$size" "$MIN" "gpt: the size is 450 MiB (the tree plus 25% is less)"
[ "$start" -ge "$GPT_FREE" ] && [ $((start + size - 1)) -le "$GPT_LAST" ]
ok $? "gpt: the partition lies in the free extent ($GPT_FREE-$GPT_LAST)"
is "$(j '[.partition.start, .partition.size] | map(tostring) | join(" ")')" "$((start * 512)) $((size * 512))" "gpt --json: partition start and size in bytes, as sfdisk says"
is "$(j '.partition.type | ascii_upcase')/$(j .partition.name)" "$GPT_WINRE/DaRT Recovery" "gpt --json: partition type and name"
like "$(j '.partition.attrs | tostring')" '^(0x8000000000000001|RequiredPartition GUID:63|9223372036854775809|9\.22337203685477[0-9]*e\+18|92233720368547760[0-9]*)$' "gpt --json: partition attrs 0x8000000000000001"
is "$(json_parts before)" "$(printf '%s\n' "$g_before" | awk '{ printf "%s%d %d %d", (NR > 1 ? "," : ""), $1, $2 * 512, $3 * 512 }')" "gpt --json: before lists the three partitions there were (number, start, size in bytes)"
is "$(json_parts after)" "$(sfdisk_parts "$G")" "gpt --json: after lists the four there are now"
is "$(j '[.before[0].type, .before[2].name] | map(ascii_upcase) | join(" ")')" "$GPT_ESP BASIC DATA PARTITION" "gpt --json: before has types and names"
is "$(disk_parts "$G" | head -3)" "$g_before" "gpt: the three old entries are as they were (sfdisk: number, start, size, type)"
is "$(dump "$G" | grep -E '^: start= +(2048|206848|239616),')" "$(printf '%s\n' "$g_dump" | grep -E '^: start=')" "gpt: sfdisk --dump: the old entries keep their UUIDs and names"
is "$(dump "$G" | grep '^label-id')" "$(printf '%s\n' "$g_dump" | grep '^label-id')" "gpt: the disk GUID is kept"
sfdisk --verify "$G" >/dev/null 2>&1
ok $? "gpt: sfdisk --verify finds no problem (both headers, both tables)"
is "$(part_hashes "$G" 1 2 3)" "$g_hashes" "gpt: partitions 1-3 (ESP, MSR, Windows) hash the same"
disk_same_except "$S/pristine-gpt.img" "$G" 0:34 "$start:$size" $((GPT_LAST + 1)):33
ok $? "gpt: every byte outside the tables and the new partition is as it was (the gap, stale free space)"
is "$(head -c 440 "$G" | sha256sum)" "$g_pmbr" "gpt: the protective MBR's boot code is untouched"

is "$(blkid -p -O $((start * 512)) -o export "$G" | grep -E '^(TYPE|LABEL|VERSION)=' | sort | tr '\n' ' ')" "LABEL=DART TYPE=vfat VERSION=FAT32 " \
    "gpt: blkid at the partition: vfat, FAT32, label DART"
extract_part "$G" "$N" "$S/gpt.part"
fsck_clean "$S/gpt.part"
ok $? "gpt: fsck.fat -n on the partition: no errors"
info=$(minfo -i "$G@@$((start * 512))" :: 2>/dev/null)
like "$info" "hidden sectors: $start\$" "gpt: minfo: hidden sectors = the partition's start"
like "$info" 'banner:"SYSLINUX"' "gpt: minfo: syslinux is installed in the partition's boot sector"
X=$S/x
extract "$G" "$N" "$X"
ok $? "gpt: mcopy -s reads every file of the partition"
manifest_ok "$X"
ok $? "gpt: every file the manifest lists has its size and SHA-256 in the partition"
like "$(jq -r .generator "$X/dartmk-manifest.json" 2>/dev/null)" '^dartmk ' "gpt: the manifest's generator is dartmk"
is "$(j .sha256)" "$(sha "$X/dartmk-manifest.json")" "gpt --json: sha256 is the manifest's"
is "$(j '[.files, .verified] | map(tostring) | join(" ")')" "$(jq '.files | length' "$X/dartmk-manifest.json") true" "gpt --json: files (the manifest's count), verified"
r=0
for f in syslinux/ldlinux.sys syslinux/ldlinux.c32 syslinux/chain.c32 syslinux/syslinux.cfg; do [ -s "$X/$f" ] || { r=1; diag "missing: $f"; }; done
ok $r "gpt: syslinux/ldlinux.sys, ldlinux.c32, chain.c32 and syslinux.cfg are there"
cmp -s "$SYSLINUX/modules/bios/chain.c32" "$X/syslinux/chain.c32"
ok $? "gpt: syslinux/chain.c32 is syslinux's, byte for byte"
mcopy -n -i "$G@@$((start * 512))" ::/EFI/BOOT/BOOTX64.EFI "$S/gpt.efi" 2>/dev/null && cmp -s "$DVD/efi/boot/bootx64.efi" "$S/gpt.efi"
ok $? "gpt: /EFI/BOOT/BOOTX64.EFI is the media's loader"
rm -rf "$X/syslinux" "$X/dartmk-manifest.json" "$X/dartmk-record.json"
cp -a "$DVD" "$S/dvd-pe" && winpe_only "$S/dvd-pe" # issue 14: the Windows PE files only
same_tree "$S/dvd-pe" "$X" "gpt: mtools: every Windows PE file of the DVD sample, byte for byte, nothing else but syslinux/ and the manifest" -x boot.wim
is "$(one_image "$X/sources/boot.wim")" "1 1 $(image_name "$DVD/sources/boot.wim" 2)" "gpt: boot.wim holds the DVD's image 2 alone, bootable"
like "$err" "$S/gpt\.sfdisk" "gpt: stderr names where the old table was saved"
is "$(head -1 "$S/gpt.sfdisk" 2>/dev/null)" "label: gpt" "gpt: the old table saved as an sfdisk script"
run "$DARTMK" verify "$G" --partition "$N"
is "$rc" 0 "gpt: dartmk verify --partition $N: exit 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" "$err" | head -5 | sed 's/^/#   /' >&2

# --- idempotent: a second run with the same inputs changes nothing; with another label it
# updates the partition in place --------------------------------------------------------------------
g_after=$(dump "$G")
g_sum=$(sum "$G")
part "$DVD" "$G" --yes --json
is "$rc/$(j '[.action, .change, .changed] | join(" ")')/$(sum "$G")" "0/update none false/$g_sum" "gpt, again with the same inputs: change none, the image byte for byte"
part "$DVD" "$G" --yes --json --label DARTUP
is "$rc/$(j .action)" "0/update" "gpt, again (another --label): exit 0, action update"
is "$(winre "$G")" "$N" "gpt, again: still one Windows RE partition, the same number"
is "$(j '[.partition.number, .partition.start, .partition.size] | map(tostring) | join(" ")')" "$N $((start * 512)) $((size * 512))" \
    "gpt, again --json: the same number, start and size"
is "$(dump "$G")" "$g_after" "gpt, again: the table is as the first run left it (sfdisk --dump)"
parts_same "$S/pristine-gpt.img" "$G" 1 2 3
ok $? "gpt, again: partitions 1-3 the same, byte for byte"
like "$(j .backup_table)" "^$XDG_STATE_HOME/dartmk/tables/gpt\.img-[0-9]{8}T[0-9]{6}Z(-[0-9]+)?\.sfdisk$" "gpt, again: the table saved in \$XDG_STATE_HOME/dartmk/tables/NAME-TIMESTAMP.sfdisk"
part "$ADK" "$G" --yes --json
is "$rc/$(j .action)/$(winre "$G")" "0/update/$N" "gpt, a third run from another source (adk): update, still one partition"
extract "$G" "$N" "$X" && rm -rf "$X/syslinux" "$X/dartmk-manifest.json" "$X/dartmk-record.json"
same_tree "$ADK" "$X" "gpt, third run: the partition now holds the ADK tree, nothing left of the DVD's"
run "$DARTMK" verify "$G" --partition "$N"
is "$rc" 0 "gpt, third run: dartmk verify --partition $N: exit 0"
extract_part "$G" "$N" "$S/gpt.part"
fsck_clean "$S/gpt.part"
ok $? "gpt, third run: fsck.fat -n: no errors"
parts_same "$S/pristine-gpt.img" "$G" 1 2 3
ok $? "gpt, after three runs: partitions 1-3 the same, byte for byte"

# --- an update: in place, or marked incomplete while it is rewritten (issue 15) --------------------
# tests/cli/partition-update.t kills updates at many points; here the plan and the mark itself.
part "$DVD" "$G" --dry-run --json
is "$(j '[.update, .incomplete] | map(tostring) | join(" ")')" "in-place false" "gpt --dry-run --json (update): update in-place (the 450 MiB volume holds both trees), incomplete false"
part "$DVD" "$G" --dry-run
like "$out" "^update: in place, the old image kept until the switch$" "gpt --dry-run (update): says the update is done in place"
# The plan's figures, each for what it is: the partition, the smallest FAT32 volume (32.5 MiB and
# more), the tree (the DVD sample's Windows PE files and syslinux's: under 4 MiB).
like "$(printf '%s\n' "$out" | tr '\n' '|')" "\|update partition 4: 450\.0 MiB at [0-9.]+ MiB, FAT32 \(at least 3[23]\.[0-9] MiB\)\|  with the recovery tree \(3\.[0-9] MiB\)\|" \
    "gpt --dry-run: the partition's size, the FAT32 minimum and the tree's own size, each named"
MK=$S/marked.img
cp --sparse=always "$G" "$MK"
o=$(off "$MK" "$N")
# A run stopped after its first step of a rewrite: the boot sector (and its backup) marked.
python3 -c '
import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2])
f.seek(o); b = bytearray(f.read(512))
b[3:11] = b"DARTINCO"; b[11:13] = b"\0\0"; b[16] = 0; b[90:95] = b"\xcd\x18\xf4\xeb\xfd"
b[256:256 + 40] = b"dartmk: an incomplete update\n".ljust(40, b"\0")
for s in (0, 6):
    f.seek(o + s * 512); f.write(b)' "$MK" "$o"
run "$DARTMK" verify "$MK" --partition "$N"
is "$rc/$(lines "$err")" "1/1" "a marked partition: dartmk verify exits 1, one line"
like "$err" "^dartmk: $MK: partition $N: the recovery partition holds an incomplete update: run dartmk partition again$" "a marked partition: verify says it holds an incomplete update"
part "$DVD" "$MK" --dry-run --json
is "$rc/$(j '[.action, .update, .incomplete, .partition.number] | map(tostring) | join(" ")')" "0/update rewrite true $N" "a marked partition, --dry-run --json: update, rewrite, incomplete, the same partition"
part "$DVD" "$MK" --dry-run
like "$out" "holds an incomplete update: run dartmk partition again" "a marked partition, --dry-run: says so"
part "$DVD" "$MK" --yes --json
is "$rc/$(j '[.action, .update, .incomplete] | map(tostring) | join(" ")')/$(winre "$MK")" "0/update rewrite true/$N" "a marked partition, the next run: exit 0, rewrites it, still one partition"
like "$err" "incomplete update: this run completes it" "a marked partition, the next run: says it completes the update"
is "$(dd if="$MK" bs=1 skip=$((o + 3)) count=8 status=none)" "SYSLINUX" "a marked partition, completed: the boot sector is syslinux's again (the mark gone)"
run "$DARTMK" verify "$MK" --partition "$N"
is "$rc" 0 "a marked partition, completed: dartmk verify passes"
extract_part "$MK" "$N" "$S/mk.part"
fsck_clean "$S/mk.part"
ok $? "a marked partition, completed: fsck.fat -n: no errors"
is "$(dump "$MK")" "$(dump "$G")" "a marked partition, completed: the table as it was (the same number, place, GUID)"

# --- --replace: deleted and planned anew -----------------------------------------------------------
part "$DVD" "$G" --yes --json --replace --size 600M
is "$rc/$(j .action)" "0/replace" "gpt --replace --size 600M: exit 0, action replace"
N2=$(winre "$G")
is "$(echo "$N2" | wc -w)" 1 "gpt --replace: one Windows RE partition"
is "$(field "$G" "${N2:-0}" .size)/$(j .partition.size)" "1228800/$((600 * MIB))" "gpt --replace --size 600M: 600 MiB"
is "$(field "$G" "${N2:-0}" '[.attrs, .name] | join("|")')" "RequiredPartition GUID:63|DaRT Recovery" "gpt --replace: attributes and name"
parts_same "$S/pristine-gpt.img" "$G" 1 2 3
ok $? "gpt --replace: partitions 1-3 the same, byte for byte"
run "$DARTMK" verify "$G" --partition "${N2:-0}"
is "$rc" 0 "gpt --replace: dartmk verify: exit 0"

# --- --dry-run: the plan, nothing written ---------------------------------------------------------
D=$S/dry.img
fresh dry gpt
h=$(sum "$D") t=$(tables)
part "$DVD" "$D" --dry-run
is "$rc" 0 "--dry-run: exit 0 (no --yes needed: nothing is written)"
untouched "$D" "$h" "--dry-run: the disk byte for byte as it was"
is "$(tables)" "$t" "--dry-run: no table saved"
like "$out$err" "DaRT Recovery" "--dry-run: the plan shows the new partition"
like "$out$err" "Basic data partition|$GPT_BASIC|Microsoft basic data" "--dry-run: the plan shows the table before (the Windows partition)"
part "$DVD" "$D" --dry-run --json --yes
is "$rc/$(j '[.dry_run, .action, .backup_table, .verified] | map(tostring) | join(" ")')" "0/true create null false" "--dry-run --json: dry_run, action create, no backup, not verified"
is "$(j 'keys | join(",")')" "$JSON_KEYS" "--dry-run --json: the same keys"
is "$(j '[.partition.number, .partition.start, .partition.size] | map(tostring) | join(" ")')" "4 $((start * 512)) $((MIN * 512))" \
    "--dry-run --json: the partition the real run made (number, start, size)"
is "$(j '.after | length')/$(j '.before | length')" "4/3" "--dry-run --json: before and after"
untouched "$D" "$h" "--dry-run --json: the disk byte for byte as it was"
h=$(sum "$G")
part "$DVD" "$G" --dry-run --json
is "$rc/$(j .action)/$(j .partition.number)" "0/update/${N2:-0}" "--dry-run on a disk with the partition: action update"
untouched "$G" "$h" "--dry-run (update): unchanged"

# --- options: --name, --label, --size, --at -------------------------------------------------------
fresh opt gpt
part "$DVD" "$S/opt.img" --yes --name "Rescue Tools" --label rescue --size 600M --at $((GPT_FREE + 10 * 2048))
is "$rc" 0 "--name --label --size --at: exit 0"
[ "$rc" = 0 ] || diag "$err"
is "$(field "$S/opt.img" 4 '[.name, .start, .size] | map(tostring) | join(" ")')" "Rescue Tools $((GPT_FREE + 20480)) 1228800" \
    "--name 'Rescue Tools' --size 600M --at SECTOR: sfdisk: that name, that start, 600 MiB"
is "$(blkid -p -O $(((GPT_FREE + 20480) * 512)) -s LABEL -o value "$S/opt.img")" "RESCUE" "--label rescue: the FAT label RESCUE"
part "$DVD" "$S/opt.img" --yes --name "Rescue Tools" --json
is "$rc/$(j .action)/$(winre "$S/opt.img")" "0/update/4" "--name: a second run with the same name finds it (update)"
# Two free extents: the largest one is taken, --at end takes the last one.
two() {
    truncate -s 2G "$1" && printf '%s\n' 'label: gpt' 'start=2048, size=204800, type=L' 'start=2254848, size=819200, type=L' |
        sfdisk -q --no-reread --no-tell-kernel "$1" >/dev/null 2>&1
}
two "$S/two.img" && two "$S/two-end.img"
part "$DVD" "$S/two.img" --yes
s=$(field "$S/two.img" 3 .start)
[ "$rc" = 0 ] && [ "${s:-0}" -ge 206848 ] && [ $((s + MIN)) -le 2254848 ]
ok $? "two free extents (1000 MiB, then 547 MiB): the partition goes in the largest (starts at $s)"
part "$DVD" "$S/two-end.img" --yes --at end
s=$(field "$S/two-end.img" 3 .start)
[ "$rc" = 0 ] && [ "${s:-0}" -ge 3074048 ] && [ "$(field "$S/two-end.img" 3 '.start + .size - 1')" -le "$(pt "$S/two-end.img" .lastlba)" ]
ok $? "two free extents, --at end: the partition goes in the last one (starts at $s)"
fresh badg gpt
bad "--at inside the Windows partition (sector 409600, 1 MiB aligned)" 1 "^dartmk: .*409600" "$S/badg.img" "$DVD" "$S/badg.img" --yes --at 409600

# --- a Windows RE partition dartmk did not make -------------------------------------------------
fresh foreign gpt
printf 'start=%d, size=931840, type=%s, name="Recovery", attrs="RequiredPartition GUID:63"\n' "$GPT_FREE" "$GPT_WINRE" |
    sfdisk -q --append --no-reread --no-tell-kernel "$S/foreign.img" >/dev/null 2>&1 &&
    dd if=/dev/urandom of="$S/foreign.img" bs=1M seek=$((GPT_FREE / 2048)) count=4 conv=notrunc status=none
cp --sparse=always "$S/foreign.img" "$S/foreign2.img"
part "$DVD" "$S/foreign.img" --yes --json
is "$rc/$(j .action)/$(winre "$S/foreign.img")" "0/create/4 5" "gpt, a WinRE partition of 455 MiB named 'Recovery' (not dartmk's): a new one (5) beside it"
parts_same "$S/foreign2.img" "$S/foreign.img" 1 2 3 4
ok $? "gpt, foreign WinRE: it and the others are byte for byte as they were"
part "$DVD" "$S/foreign.img" --yes --json
is "$rc/$(j .action)/$(j .partition.number)/$(winre "$S/foreign.img")" "0/update/5/4 5" "gpt, foreign WinRE, again: dartmk's own (5) updated, no third"
part "$DVD" "$S/foreign2.img" --yes --json --force
is "$rc/$(j .partition.number)/$(winre "$S/foreign2.img")" "0/4/4" "gpt, foreign WinRE, --force: taken over (partition 4, no new one)"
is "$(field "$S/foreign2.img" 4 .start)" "$GPT_FREE" "gpt, --force: it keeps its start"
parts_same "$S/pristine-gpt.img" "$S/foreign2.img" 1 2 3
ok $? "gpt, --force: partitions 1-3 the same, byte for byte"
run "$DARTMK" verify "$S/foreign2.img" --partition 4
is "$rc" 0 "gpt, --force: dartmk verify --partition 4: exit 0"
part "$DVD" "$S/foreign2.img" --yes --json
is "$rc/$(j .action)/$(winre "$S/foreign2.img")" "0/update/4" "gpt, taken over, a run without --force: it is dartmk's now (update, still one)"

# --- UEFI boot entry: reported, not added (no UEFI variables here, and an image file) ----------
[ ! -d /sys/firmware/efi/efivars ] || diag "this machine has UEFI variables: the entry tests run against an image file anyway"
fresh efi gpt
part "$DVD" "$S/efi.img" --yes --json --efi-entry
is "$rc/$(j '.efi_entry | type')" "0/object" "--efi-entry on an image: efi_entry is the entry it would add"
like "$(j '.efi_entry | tostring | ascii_upcase')" 'BOOTX64\.EFI' "--efi-entry: the entry names the partition's loader"
part "$DVD" "$S/efi.img" --yes --efi-entry
like "$(printf '%s\n' "$out" "$err" | tr '[:upper:]' '[:lower:]')" "entry.*(would|not added|no uefi|image)|(would|not added|no uefi|image).*entry" "--efi-entry, text: says it only reports the entry it would add"
part "$DVD" "$S/efi.img" --yes --json --no-efi-entry
is "$rc/$(j 'if .efi_entry == null or .efi_entry.added == false then "none" else "added" end')" "0/none" "--no-efi-entry: exit 0, no entry added (efi_entry null, or added false)"

# --- --no-verify -----------------------------------------------------------------------------------
part "$DVD" "$S/efi.img" --yes --json --no-verify
is "$rc/$(j .verified)" "0/false" "--no-verify: exit 0, verified false"

# === MBR: a new recovery partition, the boot menu ==============================================
M=$S/mbr.img
fresh mbr mbr
m_before=$(disk_parts "$M") m_dump=$(dump "$M") m_hashes=$(part_hashes "$M" 1 2)
m_sig=$(od -An -tx1 -j440 -N6 "$M")
part "$DVD" "$M" --yes --json --backup-table "$S/mbr.sfdisk"
is "$rc" 0 "mbr: exit 0"
[ "$rc" = 0 ] || diag "$err"
is "$(j 'keys | join(",")')" "$JSON_KEYS" "mbr --json: the same keys"
is "$(j '[.scheme, .action, .bios_boot, .efi_entry] | map(tostring) | join(" ")')" "mbr create menu null" "mbr --json: scheme mbr, create, bios_boot menu, no EFI entry"
MN=$(winre "$M")
is "$MN" 3 "mbr: one partition of type 0x27, number 3"
MN=${MN%% *}
MN=${MN:-3}
is "$(field "$M" "$MN" '[.type, .bootable] | map(tostring) | join(" ")')" "27 true" "mbr: sfdisk: type 27, active"
mstart=$(field "$M" "$MN" .start) msize=$(field "$M" "$MN" .size)
is "$((mstart % 2048))/$((msize % 2048))/$msize" "0/0/$MIN" "mbr: start and size whole MiB; 450 MiB"
[ "$mstart" -ge "$MBR_FREE" ] && [ $((mstart + msize - 1)) -le "$MBR_END" ]
ok $? "mbr: the partition lies in the free extent"
like "$(j '.partition.type')" '^(0x)?27$' "mbr --json: partition type 0x27"
is "$(j '[.partition.number, .partition.start, .partition.size] | map(tostring) | join(" ")')" "$MN $((mstart * 512)) $((msize * 512))" "mbr --json: number, start, size"
is "$(json_parts before)/$(json_parts after)" "$(printf '%s\n' "$m_before" | awk '{ printf "%s%d %d %d", (NR > 1 ? "," : ""), $1, $2 * 512, $3 * 512 }')/$(sfdisk_parts "$M")" \
    "mbr --json: before and after as sfdisk says"
is "$(field "$M" 1 .bootable)" "false" "mbr: the old active partition is no longer active (the recovery one starts the menu)"
is "$(dump "$M" | grep -E '^: start= +(2048|206848),' | sed 's/, bootable//')" "$(printf '%s\n' "$m_dump" | grep -E '^: start=' | sed 's/, bootable//')" \
    "mbr: the old entries are as they were but for the active flag"
is "$(dump "$M" | grep '^label-id')" "$(printf '%s\n' "$m_dump" | grep '^label-id')" "mbr: the disk signature is kept"
is "$(od -An -tx1 -j440 -N6 "$M")" "$m_sig" "mbr: bytes 440-445 (signature, reserved) untouched"
cmp -s -n 440 "$SYSLINUX/mbr/mbr.bin" "$M"
ok $? "mbr: the first 440 bytes are syslinux's mbr.bin"
is "$(part_hashes "$M" 1 2)" "$(printf '%s\n' "$m_hashes" | head -2)" "mbr: partitions 1-2 (System Reserved, Windows) hash the same"
disk_same_except "$S/pristine-mbr.img" "$M" 0:1 "$mstart:$msize"
ok $? "mbr: every byte outside the MBR and the new partition is as it was"
sfdisk --verify "$M" >/dev/null 2>&1
ok $? "mbr: sfdisk --verify finds no problem"
is "$(blkid -p -O $((mstart * 512)) -o export "$M" | grep -E '^(TYPE|LABEL|VERSION)=' | sort | tr '\n' ' ')" "LABEL=DART TYPE=vfat VERSION=FAT32 " "mbr: blkid: vfat, FAT32, DART"
extract_part "$M" "$MN" "$S/mbr.part"
fsck_clean "$S/mbr.part"
ok $? "mbr: fsck.fat -n on the partition: no errors"
info=$(minfo -i "$M@@$((mstart * 512))" :: 2>/dev/null)
like "$info" "hidden sectors: $mstart\$" "mbr: minfo: hidden sectors = the partition's start (the VBR finds ldlinux.sys with it)"
like "$info" 'banner:"SYSLINUX"' "mbr: minfo: the boot sector is syslinux's"
extract "$M" "$MN" "$X"
manifest_ok "$X"
ok $? "mbr: every file the manifest lists is in the partition"
like "$(jq -r .generator "$X/dartmk-manifest.json" 2>/dev/null)" '^dartmk ' "mbr: the manifest's generator is dartmk"
CFG=$S/mbr.cfg
cp "$X/syslinux/syslinux.cfg" "$CFG" 2>/dev/null
cp "$X/syslinux/ldlinux.sys" "$S/mbr.ldlinux" 2>/dev/null
r=0
for m in chain.c32 libcom32.c32 libutil.c32; do cmp -s "$SYSLINUX/modules/bios/$m" "$X/syslinux/$m" || { r=1; diag "not syslinux's: $m"; }; done
ok $r "mbr: syslinux/chain.c32 and its libraries are syslinux's BIOS modules"
def=$(cfg_default "$CFG")
like "$(cfg_entry "$CFG" "$def")" '(^|[[:space:]])(COM32|KERNEL)[[:space:]]+(/syslinux/)?chain\.c32' "mbr menu: the default entry ($def) runs chain.c32"
like "$(cfg_entry "$CFG" "$def" | grep -iE '^[[:space:]]*APPEND')" '(hd0|boot|mbr:[^ ]+)[[:space:]]+1([[:space:]]|$)' "mbr menu: the default entry chain-loads partition 1 (the one that was active)"
cfg_entry "$CFG" "$def" | grep -qi 'ntldr'
ok $((!$?)) "mbr menu: the default entry is not the recovery image"
rec=$(awk 'tolower($1) == "label" { l = $2 } /ntldr=\/bootmgr/ { print l; exit }' "$CFG")
[ -n "$rec" ] && [ "$rec" != "$def" ]
ok $? "mbr menu: another entry ($rec) chain-loads ntldr=/bootmgr"
grep -q 'DaRT Recovery' "$CFG"
ok $? "mbr menu: an entry is called 'DaRT Recovery'"
is "$(grep -ciE '^[[:space:]]*LABEL[[:space:]]' "$CFG")" 2 "mbr menu: two entries (the installed system, DaRT Recovery)"
like "$(grep -iE '^[[:space:]]*(MENU[[:space:]]+)?TIMEOUT' "$CFG")" '[[:space:]]50$' "mbr menu: TIMEOUT 50 (5 seconds, syslinux counts tenths)"
is "$(adv "$S/mbr.ldlinux")" "empty" "mbr: no boot-once set (syslinux's ADV in ldlinux.sys is valid and empty)"
rm -rf "$X/syslinux" "$X/dartmk-manifest.json" "$X/dartmk-record.json"
same_tree "$S/dvd-pe" "$X" "mbr: mtools: every Windows PE file of the DVD sample" -x boot.wim
run "$DARTMK" verify "$M" --partition "$MN"
is "$rc" 0 "mbr: dartmk verify --partition $MN: exit 0"

# Idempotent: the recovery partition is active now; the menu must still boot partition 1.
m_after=$(dump "$M")
part "$DVD" "$M" --yes --json --menu-timeout 1
is "$rc/$(j .action)/$(winre "$M")" "0/update/$MN" "mbr, again: update, still one type-0x27 partition"
is "$(j '[.partition.start, .partition.size] | map(tostring) | join(" ")')" "$((mstart * 512)) $((msize * 512))" "mbr, again: the same start and size"
is "$(dump "$M")" "$m_after" "mbr, again: the table as the first run left it"
mcopy -o -n -i "$M@@$((mstart * 512))" ::/syslinux/syslinux.cfg "$CFG" 2>/dev/null
def=$(cfg_default "$CFG")
like "$(cfg_entry "$CFG" "$def" | grep -iE '^[[:space:]]*APPEND')" '(hd0|boot|mbr:[^ ]+)[[:space:]]+1([[:space:]]|$)' "mbr, again: the menu still boots partition 1 (not the recovery partition, active now)"
like "$(grep -iE '^[[:space:]]*(MENU[[:space:]]+)?TIMEOUT' "$CFG")" '[[:space:]]10$' "mbr, --menu-timeout 1: TIMEOUT 10"
parts_same "$S/pristine-mbr.img" "$M" 1 2
ok $? "mbr, again: partitions 1-2 the same, byte for byte"
run "$DARTMK" verify "$M" --partition "$MN"
is "$rc" 0 "mbr, again: dartmk verify: exit 0"
# --replace: the old recovery partition (the active one) is deleted; the menu must still boot the
# installed system, not "the partition that was active" (which was dartmk's own).
part "$DVD" "$M" --yes --json --replace
is "$rc/$(j .action)/$(winre "$M")" "0/replace/$MN" "mbr --replace: action replace, one type-0x27 partition"
is "$(field "$M" 1 .bootable)/$(field "$M" "$MN" .bootable)" "false/true" "mbr --replace: the new recovery partition is the active one"
mcopy -o -n -i "$M@@$(off "$M" "$MN")" ::/syslinux/syslinux.cfg "$CFG" 2>/dev/null
like "$(cfg_entry "$CFG" "$(cfg_default "$CFG")" | grep -iE '^[[:space:]]*APPEND')" '(hd0|boot|mbr:[^ ]+)[[:space:]]+1([[:space:]]|$)' "mbr --replace: the menu's default still chain-loads partition 1"
parts_same "$S/pristine-mbr.img" "$M" 1 2
ok $? "mbr --replace: partitions 1-2 the same, byte for byte"

# The system on another partition: the menu follows the active flag.
fresh act2 mbr
sfdisk -q --activate "$S/act2.img" 2 >/dev/null 2>&1
part "$DVD" "$S/act2.img" --yes
mcopy -n -i "$S/act2.img@@$(off "$S/act2.img" 3)" ::/syslinux/syslinux.cfg "$S/act2.cfg" 2>/dev/null
like "$(cfg_entry "$S/act2.cfg" "$(cfg_default "$S/act2.cfg")" | grep -iE '^[[:space:]]*APPEND')" '(hd0|boot|mbr:[^ ]+)[[:space:]]+2([[:space:]]|$)' \
    "mbr, partition 2 active before: the menu's default chain-loads partition 2"

# --bios-boot active, none; --boot-once.
fresh active mbr
part "$DVD" "$S/active.img" --yes --json --bios-boot active
is "$rc/$(j .bios_boot)" "0/active" "--bios-boot active: exit 0"
is "$(field "$S/active.img" 1 .bootable)/$(field "$S/active.img" 3 .bootable)" "false/true" "--bios-boot active: the recovery partition is the active one"
cmp -s -n 440 "$SYSLINUX/mbr/mbr.bin" "$S/active.img"
ok $? "--bios-boot active: syslinux's mbr.bin"
mcopy -n -i "$S/active.img@@$(off "$S/active.img" 3)" ::/syslinux/syslinux.cfg "$S/active.cfg" 2>/dev/null
cfg_entry "$S/active.cfg" "$(cfg_default "$S/active.cfg")" | grep -q 'ntldr=/bootmgr'
ok $? "--bios-boot active: the default entry starts the recovery image"
fresh none mbr
part "$DVD" "$S/none.img" --yes --json --bios-boot none
is "$rc/$(j .bios_boot)" "0/none" "--bios-boot none: exit 0"
cmp -s -n 440 "$S/pristine-mbr.img" "$S/none.img"
ok $? "--bios-boot none: the MBR boot code untouched"
is "$(field "$S/none.img" 1 .bootable)/$(field "$S/none.img" 3 .bootable)" "true/false" "--bios-boot none: the active flags untouched"
fresh once mbr
part "$DVD" "$S/once.img" --yes --boot-once --menu-timeout 1
is "$rc" 0 "--boot-once: exit 0"
o=$(off "$S/once.img" 3)
mcopy -n -i "$S/once.img@@$o" ::/syslinux/ldlinux.sys "$S/once.ldlinux" 2>/dev/null
mcopy -n -i "$S/once.img@@$o" ::/syslinux/syslinux.cfg "$S/once.cfg" 2>/dev/null
a=$(adv "$S/once.ldlinux")
like "$a" '^1=[^ ]+' "--boot-once: syslinux's ADV holds a boot-once command (checksums valid)"
once=$(printf '%s\n' "$a" | sed -nE 's/^1=([^ ]+).*/\1/p')
cfg_entry "$S/once.cfg" "$once" | grep -q 'ntldr=/bootmgr'
ok $? "--boot-once: it names the entry ('$once') that starts the recovery image"
def=$(cfg_default "$S/once.cfg")
cfg_entry "$S/once.cfg" "$def" | grep -q ntldr
ok $((!$?)) "--boot-once: the default stays the installed system"
run "$DARTMK" verify "$S/once.img" --partition 3
is "$rc" 0 "--boot-once: dartmk verify: exit 0 (ldlinux.sys with its ADV is the installer's file)"

# A type-0x27 partition that is not dartmk's (no FAT, no manifest): left alone; --force takes it.
fresh mforeign mbr
printf 'start=%d, size=931840, type=27\n' "$MBR_FREE" | sfdisk -q --append --no-reread --no-tell-kernel "$S/mforeign.img" >/dev/null 2>&1
cp --sparse=always "$S/mforeign.img" "$S/mforeign2.img"
part "$DVD" "$S/mforeign.img" --yes --json
is "$rc/$(j .action)/$(winre "$S/mforeign.img")" "0/create/3 4" "mbr, a 0x27 partition without dartmk's manifest: a new one (4) beside it"
parts_same "$S/mforeign2.img" "$S/mforeign.img" 1 2 3
ok $? "mbr, foreign 0x27: it and the others are byte for byte as they were"
part "$DVD" "$S/mforeign.img" --yes --json
is "$rc/$(j .action)/$(j .partition.number)/$(winre "$S/mforeign.img")" "0/update/4/3 4" "mbr, foreign 0x27, again: dartmk's own (4) updated"
# A 0x27 partition holding FAT and a manifest from another generator: not dartmk's either.
fresh mfat mbr
printf 'start=%d, size=931840, type=27\n' "$MBR_FREE" | sfdisk -q --append --no-reread --no-tell-kernel "$S/mfat.img" >/dev/null 2>&1
mkfs.fat -F 32 -n WINRE -h "$MBR_FREE" --offset "$MBR_FREE" "$S/mfat.img" $((931840 / 2)) >/dev/null 2>&1
printf '{"generator": "imaging-tool 2.0", "files": []}\n' >"$S/other.json"
mcopy -i "$S/mfat.img@@$((MBR_FREE * 512))" "$S/other.json" ::/dartmk-manifest.json 2>/dev/null
cp --sparse=always "$S/mfat.img" "$S/mfat0.img"
part "$DVD" "$S/mfat.img" --yes --json
is "$rc/$(j .action)/$(winre "$S/mfat.img")" "0/create/3 4" "mbr, a 0x27 FAT volume whose manifest's generator is not dartmk: left alone, a new one (4)"
parts_same "$S/mfat0.img" "$S/mfat.img" 1 2 3
ok $? "mbr, the other generator's 0x27 volume: byte for byte as it was"
part "$DVD" "$S/mforeign2.img" --yes --json --force
is "$rc/$(j .partition.number)/$(winre "$S/mforeign2.img")" "0/3/3" "mbr, foreign 0x27, --force: taken over (3, no new one)"
part "$DVD" "$S/mforeign2.img" --yes --json
is "$rc/$(j .action)/$(winre "$S/mforeign2.img")" "0/update/3" "mbr, taken over, a run without --force: it is dartmk's now (update, still one)"

# === bad input: the exit code, one line, the disk byte for byte as it was =========================
bad "four primaries (MBR)" 1 "^dartmk: $S/pristine-full\.img: .*primar" "$S/pristine-full.img" "$DVD" "$S/pristine-full.img" --yes
bad "no partition table" 1 "^dartmk: $S/pristine-blank\.img: .*dartmk usb" "$S/pristine-blank.img" "$DVD" "$S/pristine-blank.img" --yes
# Not enough free space: 200 MiB free between two partitions, none at the end.
truncate -s 2G "$S/nospace.img"
printf '%s\n' 'label: gpt' 'start=2048, size=1433600, type=L' 'start=1845248, type=L' | sfdisk -q --no-reread --no-tell-kernel "$S/nospace.img" >/dev/null 2>&1
bad "not enough free space" 1 "^dartmk: .*450\.0 MiB" "$S/nospace.img" "$DVD" "$S/nospace.img" --yes
like "$err" "200\.0 MiB" "not enough free space: names the largest free extent (200.0 MiB)"
like "$err" "^dartmk: $S/nospace\.img: " "not enough free space: the line names the disk (dartmk: DISK: reason)"
# Damaged tables (issue 15): partitions that overlap or lie past the end of the disk are refused
# when the table is read — before anything is written, --dry-run too — naming the partitions.
# gpt_entry IMG INDEX FIRST LAST: GPT entry INDEX (0-based) given FIRST and LAST LBA in both
# copies of the entries, with both CRC32s recomputed (a table libfdisk reads as valid).
gpt_entry() {
    python3 -c '
import struct, sys, zlib
img, idx, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(img, "r+b") as f:
    f.seek(512 + 32)
    for lba in (1, struct.unpack("<Q", f.read(8))[0]):  # the header, then the backup header
        f.seek(lba * 512)
        h = bytearray(f.read(512))
        hsize, = struct.unpack_from("<I", h, 12)
        elba, n, esize = struct.unpack_from("<QII", h, 72)
        f.seek(elba * 512)
        e = bytearray(f.read(n * esize))
        struct.pack_into("<QQ", e, idx * esize + 32, first, last)
        f.seek(elba * 512)
        f.write(e)
        struct.pack_into("<I", h, 88, zlib.crc32(e))
        struct.pack_into("<I", h, 16, 0)
        struct.pack_into("<I", h, 16, zlib.crc32(bytes(h[:hsize])))
        f.seek(lba * 512)
        f.write(h)' "$@"
}
# mbr_entry IMG SECTOR SLOT START SIZE: the start and size of entry SLOT (0-3) of the MBR or EBR
# at SECTOR (an EBR's start is relative, as the format has it).
mbr_entry() {
    python3 -c '
import struct, sys
img, sector, slot, start, size = sys.argv[1], *map(int, sys.argv[2:])
with open(img, "r+b") as f:
    f.seek(sector * 512 + 446 + 16 * slot + 8)
    f.write(struct.pack("<II", start, size))' "$@"
}
fresh govl gpt
gpt_entry "$S/govl.img" 2 230000 2336767
is "$(disk_parts "$S/govl.img" | awk '$1 == 3 { print $2 }')" 230000 "gpt, overlapping entries: sfdisk reads the table (valid CRCs), partition 3 starting inside 2"
bad "gpt, partitions 2 and 3 overlap" 1 "^dartmk: $S/govl\.img: partitions 2 \(sectors 206848-239615\) and 3 \(sectors 230000-2336767\) overlap" "$S/govl.img" "$DVD" "$S/govl.img" --yes
bad "gpt, overlapping partitions, --dry-run" 1 "^dartmk: $S/govl\.img: partitions 2 .* and 3 .* overlap" "$S/govl.img" "$DVD" "$S/govl.img" --dry-run
fresh gpast gpt
gpt_entry "$S/gpast.img" 2 239616 4194300
bad "gpt, partition 3 past last-lba" 1 "^dartmk: $S/gpast\.img: partition 3 \(sectors 239616-4194300\) lies outside the disk's usable sectors 34-$GPT_LAST" "$S/gpast.img" "$DVD" "$S/gpast.img" --yes
fresh movl mbr
mbr_entry "$S/movl.img" 0 1 200000 2097152
bad "mbr, partitions 1 and 2 overlap" 1 "^dartmk: $S/movl\.img: partitions 1 \(sectors 2048-206847\) and 2 \(sectors 200000-2297151\) overlap" "$S/movl.img" "$DVD" "$S/movl.img" --yes
bad "mbr, overlapping partitions, --dry-run" 1 "^dartmk: $S/movl\.img: partitions 1 .* and 2 .* overlap" "$S/movl.img" "$DVD" "$S/movl.img" --dry-run --json
fresh mpast mbr
mbr_entry "$S/mpast.img" 0 1 206848 4000000
bad "mbr, partition 2 past the end of the disk" 1 "^dartmk: $S/mpast\.img: partition 2 \(sectors 206848-4206847\) lies outside the disk's usable sectors 1-$MBR_END" "$S/mpast.img" "$DVD" "$S/mpast.img" --yes
# An extended partition (2) between two primaries, its logical partition 5 stretched (in its
# EBR) past the extended partition's end over primary 3.
truncate -s 2G "$S/mlog.img"
printf '%s\n' 'label: dos' 'start=2048, size=204800, type=7' 'start=206848, size=1024000, type=5' \
    'start=1435648, size=204800, type=7' 'start=208896, size=204800, type=7' | sfdisk -q --no-reread --no-tell-kernel "$S/mlog.img" >/dev/null 2>&1
is "$(disk_parts "$S/mlog.img" | awk '{ printf "%s:%s+%s ", $1, $2, $3 }')" "1:2048+204800 2:206848+1024000 3:1435648+204800 5:208896+204800 " "mbr with an extended partition: the layout"
mbr_entry "$S/mlog.img" 206848 0 2048 1300000
bad "mbr, a logical partition overlapping a primary" 1 "^dartmk: $S/mlog\.img: partitions 3 \(sectors 1435648-1640447\) and 5 \(sectors 208896-1508895\) overlap" "$S/mlog.img" "$DVD" "$S/mlog.img" --yes --bios-boot none
mbr_entry "$S/mlog.img" 206848 0 2048 1100000
bad "mbr, a logical partition past its extended partition's end" 1 "^dartmk: $S/mlog\.img: logical partition 5 \(sectors 208896-1308895\) lies outside the extended partition" "$S/mlog.img" "$DVD" "$S/mlog.img" --yes --bios-boot none
bad "--size larger than the free space" 1 "^dartmk: .*(1\.0 GiB|1024\.0 MiB).*906\.0 MiB" "$S/badg.img" "$DVD" "$S/badg.img" --yes --size 1G
bad "--size below what the tree needs" 1 "^dartmk: .*need" "$S/badg.img" "$DVD" "$S/badg.img" --yes --size 1M
bad "a missing SOURCE" 1 "^dartmk: $S/nosuch: no such file or directory$" "$S/badg.img" "$S/nosuch" "$S/badg.img" --yes
bad "--backup-table FILE that exists" 1 "^dartmk: $S/gpt\.sfdisk: cannot save the partition table" "$S/badg.img" "$DVD" "$S/badg.img" --yes --backup-table "$S/gpt.sfdisk"
part "$DVD" "$S/nosuch.img" --yes
is "$rc/$(lines "$err")" "1/1" "a DISK that does not exist: exit 1, one line"
absent "$S/nosuch.img" "a DISK that does not exist: not created"

# Usage errors (exit 2), on a small GPT disk.
U=$S/usage.img
truncate -s 8M "$U" && printf 'label: gpt\nsize=2M, type=L\n' | sfdisk -q --no-reread --no-tell-kernel "$U" >/dev/null 2>&1
bad "--bios-boot foo" 2 "^dartmk partition: --bios-boot 'foo'" "$U" "$DVD" "$U" --yes --bios-boot foo
bad "--menu-timeout abc" 2 "^dartmk partition: --menu-timeout 'abc'" "$U" "$DVD" "$U" --yes --menu-timeout abc
bad "--menu-timeout -1" 2 "^dartmk partition: --menu-timeout '-1'" "$U" "$DVD" "$U" --yes --menu-timeout -1
bad "--at foo" 2 "^dartmk partition: --at 'foo'" "$U" "$DVD" "$U" --yes --at foo
bad "--size 10Q" 2 "^dartmk partition: --size '10Q'" "$U" "$DVD" "$U" --yes --size 10Q
bad "--label 'A*B'" 2 "^dartmk partition: --label 'A\*B'" "$U" "$DVD" "$U" --yes --label 'A*B'
bad "--label of 12 characters" 2 "^dartmk partition: --label 'ABCDEFGHIJKL'" "$U" "$DVD" "$U" --yes --label ABCDEFGHIJKL
bad "--name of 37 characters (GPT names hold 36)" 2 "^dartmk partition: --name" "$U" "$DVD" "$U" --yes --name "$(printf 'N%.0s' $(seq 37))"
bad "an unknown option" 2 "^dartmk partition: unknown option '--bogus'" "$U" "$DVD" "$U" --yes --bogus
bad "no DISK" 2 "^dartmk partition: no DISK given" "$U" "$DVD"
bad "--restore-table without DISK" 2 "^dartmk partition: no DISK given" "$U" --restore-table "$S/gpt.sfdisk"

# Confirmation: an existing disk without --yes and without a terminal; the terminal question.
bad "no --yes, no terminal" 3 "^dartmk: $S/badg\.img: .*--yes" "$S/badg.img" "$DVD" "$S/badg.img"
fresh tty gpt
h=$(sum "$S/tty.img")
printf 'wrong\n' | script -qec "$(printf '%q ' "$DARTMK" partition "$DVD" "$S/tty.img")" /dev/null >/dev/null 2>&1
is "$?/$(sum "$S/tty.img")" "3/$h" "terminal, the wrong name typed: exit 3, unchanged"
tty_out=$(printf 'tty.img\n' | script -qec "$(printf '%q ' "$DARTMK" partition "$DVD" "$S/tty.img")" /dev/null)
is "$?/$(winre "$S/tty.img")" "0/4" "terminal, its name typed: exit 0, the partition made"
like "$tty_out" "tty\.img" "terminal: the question names the disk"

# === the old table saved, written back with --restore-table =====================================
R=$S/restore.img
fresh restore mbr
before=$(dump "$R")
part "$DVD" "$R" --yes --backup-table "$S/restore.sfdisk"
is "$rc/$(winre "$R")" "0/3" "restore: the partition made"
like "$err" "$S/restore\.sfdisk" "restore: stderr names the saved table"
cp --sparse=always "$R" "$S/restore-pre.img"
bad "--restore-table without --yes, no terminal" 3 "^dartmk: $R: .*--yes" "$R" --restore-table "$S/restore.sfdisk" "$R"
bad "--restore-table FILE that does not exist" 1 "^dartmk: $S/nosuch\.sfdisk: " "$R" --restore-table "$S/nosuch.sfdisk" "$R" --yes
part --restore-table "$S/restore.sfdisk" "$R" --yes
is "$rc" 0 "--restore-table: exit 0"
is "$(dump "$R")" "$before" "--restore-table: sfdisk --dump is what it was before (the active flag back on partition 1)"
parts_same "$S/pristine-mbr.img" "$R" 1 2
ok $? "--restore-table: partitions 1-2 the same, byte for byte"
disk_same_except "$S/restore-pre.img" "$R" 0:1
ok $? "--restore-table: nothing but the MBR written (every other byte as it was)"
fresh restoreg gpt
before=$(dump "$S/restoreg.img")
part "$DVD" "$S/restoreg.img" --yes --json
saved=$(j .backup_table)
is "$rc/$(head -1 "$saved" 2>/dev/null)" "0/label: gpt" "restore (GPT): the table saved by default is an sfdisk script"
like "$err" "$saved" "restore (GPT): stderr names the saved table"
part --restore-table "$saved" "$S/restoreg.img" --yes
is "$rc/$(dump "$S/restoreg.img" | diff - <(printf '%s\n' "$before") >/dev/null && echo same)" "0/same" "--restore-table (GPT): sfdisk --dump as before (label-id, UUIDs, names)"
sfdisk --verify "$S/restoreg.img" >/dev/null 2>&1
ok $? "--restore-table (GPT): sfdisk --verify (the backup GPT written too)"
# A backup is judged whole before anything is written (issue 15): its raw blocks only where a
# table's sectors are (the first and last MiB, an MBR's extended partition), outside every
# partition and each other, from a disk of this size, all there; its script readable, its
# partitions inside the disk and apart. Each bad file: exit 1, one line naming it, the disk (with
# the recovery partition dartmk made, which the saved table does not have) byte for byte as it
# was. The GPT fixture's saved sectors: PMBR 0+512, header 512+512, entries 1024+16384, backup
# entries 2147466752+16384, backup header 2147483136+512 (last in the file).
H=$S/hostile.img HS=$S/hostile.sfdisk
fresh hostile gpt
part "$DVD" "$H" --yes --backup-table "$HS"
is "$rc/$(grep -c '^# dartmk-raw ' "$HS")/$(grep '^# dartmk-raw ' "$HS" | tail -1 | cut -d' ' -f3-4)" "0/5/2147483136 512" \
    "hostile: the partition made, the saved table holds five raw blocks, the backup GPT header last"
# tamper NAME SED-SCRIPT: $S/NAME.sfdisk, the saved table edited.
tamper() { sed -e "$2" "$HS" >"$S/$1.sfdisk"; }
tamper inpart 's/^# dartmk-raw 1024 16384 /# dartmk-raw 122683392 16384 /'
bad "--restore-table, a raw block inside a data partition" 1 "^dartmk: $S/inpart\\.sfdisk: dartmk-raw block 3 \\(GPT Entries, 16384 bytes at 122683392\\) lies inside partition 3$" "$H" --restore-table "$S/inpart.sfdisk" "$H" --yes
tamper infree "s/^# dartmk-raw 2147466752 16384 /# dartmk-raw $((GPT_FREE * 512)) 16384 /"
bad "--restore-table, a raw block in free space (where the recovery partition is now)" 1 "^dartmk: $S/infree\\.sfdisk: dartmk-raw block 4 .* lies outside the partition table's sectors" "$H" --restore-table "$S/infree.sfdisk" "$H" --yes
tamper pastend 's/^# dartmk-raw 2147483136 512 /# dartmk-raw 2147483648 512 /'
bad "--restore-table, the last raw block past the end of the disk" 1 "^dartmk: $S/pastend\\.sfdisk: dartmk-raw block 5 .* lies past the end of $H" "$H" --restore-table "$S/pastend.sfdisk" "$H" --yes
tamper overlap 's/^# dartmk-raw 512 512 /# dartmk-raw 1536 512 /'
bad "--restore-table, overlapping raw blocks" 1 "^dartmk: $S/overlap\\.sfdisk: dartmk-raw block 3 .* overlaps block 2$" "$H" --restore-table "$S/overlap.sfdisk" "$H" --yes
tamper unaligned 's/^# dartmk-raw 512 512 /# dartmk-raw 500 512 /'
bad "--restore-table, a raw block not on a sector" 1 "^dartmk: $S/unaligned\\.sfdisk: dartmk-raw block 2 .* is not whole sectors$" "$H" --restore-table "$S/unaligned.sfdisk" "$H" --yes
tamper huge 's/^# dartmk-raw 1024 16384 /# dartmk-raw 1024 99999999999999 /'
bad "--restore-table, a huge raw block" 1 "^dartmk: $S/huge\\.sfdisk: line [0-9]+: a damaged dartmk-raw section$" "$H" --restore-table "$S/huge.sfdisk" "$H" --yes
tamper negative 's/^# dartmk-raw 2147483136 512 /# dartmk-raw -512 512 /'
bad "--restore-table, a negative offset" 1 "^dartmk: $S/negative\\.sfdisk: line [0-9]+: a damaged dartmk-raw section$" "$H" --restore-table "$S/negative.sfdisk" "$H" --yes
tamper garbage 's/^# dartmk-raw 512 512 /# dartmk-raw 512x 512 /'
bad "--restore-table, a garbage number" 1 "^dartmk: $S/garbage\\.sfdisk: line [0-9]+: a damaged dartmk-raw section$" "$H" --restore-table "$S/garbage.sfdisk" "$H" --yes
tamper othersize 's/^# dartmk-disk-size .*/# dartmk-disk-size 1073741824/'
bad "--restore-table, saved from a disk of another size" 1 "^dartmk: $S/othersize\\.sfdisk: saved from a disk of 1073741824 bytes; $H has 2147483648" "$H" --restore-table "$S/othersize.sfdisk" "$H" --yes
tamper lastgone '/^# dartmk-raw 2147483136 /,$d'
bad "--restore-table, the last raw block cut off" 1 "^dartmk: $S/lastgone\\.sfdisk: its dartmk-raw blocks do not hold the whole table" "$H" --restore-table "$S/lastgone.sfdisk" "$H" --yes
head -c $(($(stat -c %s "$HS") - 100)) "$HS" >"$S/cut.sfdisk"
bad "--restore-table, a file cut short in a raw block" 1 "^dartmk: $S/cut\\.sfdisk: line [0-9]+: (a truncated dartmk-raw section|cut short)" "$H" --restore-table "$S/cut.sfdisk" "$H" --yes
head -c 600 "$HS" >"$S/cut2.sfdisk"
bad "--restore-table, a file cut short in its script" 1 "^dartmk: $S/cut2\\.sfdisk: line [0-9]+: cut short" "$H" --restore-table "$S/cut2.sfdisk" "$H" --yes
head -n 8 "$HS" >"$S/cut3.sfdisk"
bad "--restore-table, a file cut short before its partitions" 1 "^dartmk: $S/cut3\\.sfdisk: its sfdisk script has no partitions" "$H" --restore-table "$S/cut3.sfdisk" "$H" --yes
tamper scriptovl 's/start=      239616, size=     2097152/start=      230000, size=     2097152/'
bad "--restore-table, the script's partitions overlap" 1 "^dartmk: $S/scriptovl\\.sfdisk: partitions 2 \\(sectors 206848-239615\\) and 3 \\(sectors 230000-2327151\\) overlap" "$H" --restore-table "$S/scriptovl.sfdisk" "$H" --yes
tamper scriptzero 's/start=      239616, size=     2097152/start=      239616, size=0/' # found by fuzz_restore
bad "--restore-table, a script partition of 0 sectors (libfdisk writes it one sector long)" 1 "^dartmk: $S/scriptzero\\.sfdisk: partition 3 has a size of 0 sectors: not a table$" "$H" --restore-table "$S/scriptzero.sfdisk" "$H" --yes
tamper scriptpast 's/start=      239616, size=     2097152/start=      239616, size=     9097152/'
bad "--restore-table, a script partition past the end of the disk" 1 "^dartmk: $S/scriptpast\\.sfdisk: partition 3 \\(sectors 239616-9336767\\) lies outside the disk's usable sectors" "$H" --restore-table "$S/scriptpast.sfdisk" "$H" --yes
printf '%s\n' 'label: dos' 'start=2048, size=204800, type=7' 'start=100000, size=204800, type=7' >"$S/plainovl.sfdisk"
bad "--restore-table, a plain sfdisk script whose partitions overlap" 1 "^dartmk: $S/plainovl\\.sfdisk: partitions 1 .* and 2 .* overlap" "$H" --restore-table "$S/plainovl.sfdisk" "$H" --yes
printf 'garbage\n' >"$S/nolabel.sfdisk"
bad "--restore-table, not an sfdisk script" 1 "^dartmk: $S/nolabel\\.sfdisk: not an sfdisk script" "$H" --restore-table "$S/nolabel.sfdisk" "$H" --yes
sed -e 's/^# dartmk-raw 0 512 MBR/# dartmk-raw 1048576 512 MBR/' "$S/restore.sfdisk" >"$S/mbrinpart.sfdisk"
bad "--restore-table (MBR), the MBR block moved into partition 1" 1 "^dartmk: $S/mbrinpart\\.sfdisk: dartmk-raw block 1 \\(MBR, 512 bytes at 1048576\\) lies inside partition 1$" "$R" --restore-table "$S/mbrinpart.sfdisk" "$R" --yes
# The MBR's raw bytes edited (partition 2 moved to sector 300000), the script left alone.
python3 -c '
import base64, struct, sys
lines, out, blk = open(sys.argv[1]).read().split("\n"), [], None
for l in lines:
    if l.startswith("# dartmk-raw 0 "):
        blk = b""
    elif blk is not None and l.startswith("# >"):
        blk += base64.b64decode(l[3:])
        continue
    out.append(l)
blk = bytearray(blk)
struct.pack_into("<I", blk, 446 + 16 + 8, 300000)
i = out.index(next(l for l in out if l.startswith("# dartmk-raw 0 "))) + 1
out[i:i] = ["# >" + base64.b64encode(bytes(blk[k:k + 48])).decode() for k in range(0, len(blk), 48)]
open(sys.argv[2], "w").write("\n".join(out))' "$S/restore.sfdisk" "$S/mbrbytes.sfdisk"
bad "--restore-table (MBR), the saved MBR's bytes edited" 1 "^dartmk: $S/mbrbytes\\.sfdisk: its dartmk-raw sectors hold another partition table than its sfdisk script" "$R" --restore-table "$S/mbrbytes.sfdisk" "$R" --yes
part --restore-table "$HS" "$H" --yes
is "$rc/$(dump "$H" | diff - <(dump "$S/pristine-gpt.img") >/dev/null && echo same)" "0/same" "hostile: the untampered file still puts the table back (exit 0, sfdisk --dump as before)"

# === write errors: exit 1, the table restored =====================================================
# tests/tools/preload/failwrite.c. A disk with bad sectors where the partition goes
# (FAILWRITE_REGION: writes there fail with EIO after 1 MB, the tables stay writable): the run
# fails part-way and the table must be as it was (restored, or never changed). A disk that stops
# taking any write (after 1 MB, or after 4 KiB: in the table write itself): nothing can be put
# back, so either the tables are as they were, or the message says so and names
# --restore-table, which (the disk working again) puts every byte of the tables back.
shim() { # ROOM REGION IMG ARGS...
    local room=$1 region=$2 img=$3
    shift 3
    run env "$ASAN" LD_PRELOAD="$SHIM" FAILWRITE_PREFIX="$img" FAILWRITE_AFTER="$room" FAILWRITE_REGION="$region" FAILWRITE_ERRNO=EIO "$DARTMK" partition "$@" </dev/null
}
# as_before KIND IMG: every byte but the planned partition's as in the pristine disk (on MBR
# the boot code may be syslinux's: a code that starts the active partition either way).
as_before() {
    if [ "$1" = gpt ]; then
        disk_same_except "$S/pristine-gpt.img" "$2" "$GPT_FREE:$MIN"
    else
        disk_same_except "$S/pristine-mbr.img" "$2" 0:1 "$MBR_FREE:$MIN" && cmp -s -i 440 -n 72 "$S/pristine-mbr.img" "$2"
    fi
}
for kind in gpt mbr; do
    F=$S/fw-$kind.img
    if [ $kind = gpt ]; then first=$GPT_FREE; else first=$MBR_FREE; fi
    fresh "fw-$kind" "$kind"
    before=$(dump "$F")
    shim 1000000 "$((first * 512))-$(((first + MIN) * 512))" "$F" "$DVD" "$F" --yes --backup-table "$S/fw-$kind.sfdisk"
    is "$rc" 1 "$kind, EIO in the partition's region part-way: exit 1"
    like "$err" "^dartmk: $F: .*Input/output error" "$kind, EIO part-way: names the disk and the error"
    printf '%s\n' "$err" | grep -Ei 'restored|put back|unchanged|not changed|as it was' | grep -qviE 'could not|cannot|failed'
    ok $? "$kind, EIO part-way: says the table was restored (or never changed)"
    is "$(dump "$F")" "$before" "$kind, EIO part-way: sfdisk --dump as before"
    as_before "$kind" "$F"
    ok $? "$kind, EIO part-way: every byte outside the planned partition as it was (the tables too)"

    for room in 1000000 4096; do
        fresh "fw-$kind" "$kind"
        rm -f "$S/fw-$kind.sfdisk"
        shim "$room" "" "$F" "$DVD" "$F" --yes --backup-table "$S/fw-$kind.sfdisk"
        is "$rc" 1 "$kind, no write taken after $room bytes: exit 1"
        like "$err" "^dartmk: $F: .*Input/output error" "$kind, no write taken after $room bytes: names the disk and the error"
        if as_before "$kind" "$F" 2>/dev/null; then
            pass "$kind, no write taken after $room bytes: the tables as they were"
            pass "$kind, no write taken after $room bytes: (nothing to restore)"
        else
            like "$err" "--restore-table $S/fw-$kind\.sfdisk $F" "$kind, no write taken after $room bytes: the tables changed, and the message names --restore-table"
            part --restore-table "$S/fw-$kind.sfdisk" "$F" --yes
            is "$rc/$(dump "$F" | diff - <(printf '%s\n' "$before") >/dev/null && echo same)" "0/same" "$kind, then --restore-table (the disk working again): exit 0, sfdisk --dump as before"
        fi
        as_before "$kind" "$F" && ! sfdisk --verify "$F" 2>&1 | grep -qi corrupt
        ok $? "$kind, no write taken after $room bytes: in the end every byte outside the planned partition as it was (sfdisk: nothing corrupt)"
    done
done

# === a loop device (a fixed disk: no --force needed) ==========================================
LI=$S/loop.img
fresh loop gpt
L=$(losetup -f --show "$LI") && LOOPS+=("$L")
lh=$(part_hashes "$LI" 1 2 3)
h=$(sum "$LI")
bad "a loop device, no --yes, no terminal" 3 "^dartmk: $L: .*--yes" "$LI" "$DVD" "$L"
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(30)' "$L" "$S/held" &
PIDS+=("$!")
for _ in $(seq 100); do [ -e "$S/held" ] && break; sleep 0.1; done
bad "a loop device held open (O_EXCL) by another program" 3 "^dartmk: $L: in use" "$LI" "$DVD" "$L" --yes
bad "the file behind that loop device, as an image" 3 "^dartmk: $LI: is the file behind $L, which is in use by another program$" "$LI" "$DVD" "$LI" --yes
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
cp --sparse=always "$LI" "$S/ro.img"
RO=$(losetup -r -f --show "$S/ro.img") && LOOPS+=("$RO")
bad "a read-only loop device" 3 "^dartmk: $RO: .*read-only" "$S/ro.img" "$DVD" "$RO" --yes
part "$DVD" "$L" --yes --json
is "$rc/$(j .action)" "0/create" "loop device, --yes (no --force: fixed disks are the normal target): exit 0"
[ "$rc" = 0 ] || diag "$err"
is "$(winre "$LI")/$(field "$LI" 4 '[.attrs, .name] | join("|")')" "4/RequiredPartition GUID:63|DaRT Recovery" "loop: sfdisk on the backing file: the recovery partition"
is "$(part_hashes "$LI" 1 2 3)" "$lh" "loop: partitions 1-3 hash the same"
run "$DARTMK" verify "$L" --partition 4
is "$rc" 0 "dartmk verify $L --partition 4: exit 0"
part "$DVD" "$L" --yes --json
is "$rc/$(j .action)/$(winre "$LI")" "0/update/4" "loop, again: update, one partition"
losetup -d "$L" "$RO"
LOOPS=()

# === the system disk: refused, never opened for writing =========================================
sysdisk=
src=$(findmnt -no SOURCE / 2>/dev/null)
if [ -b "$src" ]; then
    pk=$(lsblk -dno PKNAME "$src" 2>/dev/null | head -1)
    sysdisk=/dev/${pk:-${src#/dev/}}
elif [ -b /dev/vda ]; then
    sysdisk=/dev/vda
fi
if [ -n "$sysdisk" ] && [ -b "$sysdisk" ]; then
    part "$DVD" "$sysdisk" --yes --force
    is "$rc" 3 "the system disk ($sysdisk), --yes --force: exit 3"
    like "$err" "^dartmk: $sysdisk: (holds the running system|.*mounted)" "the system disk: says why"
    is "$(lines "$err")" 1 "the system disk: one line"
    part --restore-table "$S/gpt.sfdisk" "$sysdisk" --yes
    is "$rc" 3 "--restore-table onto the system disk: exit 3"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=open,openat,creat -o "$S/strace.log" "$DARTMK" partition "$DVD" "$sysdisk" --yes --force </dev/null >/dev/null 2>&1
    is "$?" 3 "under strace: exit 3"
    grep -q "/sys/class/block/${sysdisk#/dev/}\|/proc/self/mountinfo" "$S/strace.log"
    ok $? "strace saw the decision being made (sysfs, mountinfo)"
    is "$(grep -E "\"${sysdisk}[0-9]*\"" "$S/strace.log" | grep -cE 'O_(RDWR|WRONLY)')" 0 "strace: $sysdisk never opened for writing"
    is "$(grep -E 'O_(RDWR|WRONLY|CREAT)' "$S/strace.log" | grep -cvE 'vgdb-pipe|valgrind')" 0 "strace: nothing at all opened for writing"
else
    for _ in $(seq 8); do pass "the system disk # SKIP / is not on a block device here"; done
fi


# --- the partition's life: --status and --remove (tests/cli/partition-lifecycle.t has the rest;
# here so that partition-memcheck.t runs them under valgrind) ---------------------------------------
fresh life mbr
part "$DVD" "$S/life.img" --yes -q
part --status "$S/life.img" --json
is "$rc/$(j '[.recovery.made_by, .recovery.bios_boot, .recovery.verified, .record] | join(" ")')" "0/dartmk menu true true" "--status --json: dartmk's, menu, verified, the record there"
part --status "$S/life.img"
like "$out" "recovery partition 3 \(made by dartmk\)" "--status, text: the partition, dartmk's"
part --remove "$S/life.img" --dry-run --json
is "$rc/$(j '[.mbr_code, .active] | join(" ")')" "0/restored 1" "--remove --dry-run --json: the MBR code restored, partition 1 active"
part --remove "$S/life.img" --yes
is "$rc/$(winre "$S/life.img")/$(pt "$S/life.img" '.partitions[0].bootable')" "0//true" "--remove: no Windows RE partition left, partition 1 active"
fresh life2 gpt
part "$DVD" "$S/life2.img" --yes -q
part --remove "$S/life2.img" --yes --json
is "$rc/$(j '[.mbr_code, .efi_entry.action] | join(" ")')/$(winre "$S/life2.img")" "0/none report/" "--remove on GPT: removed, the UEFI entry reported"
# The UEFI entry through libefivar, against a stand-in for efivarfs (EFIVARFS_PATH: a folder).
fresh life3 gpt
L3=$(losetup -f --show "$S/life3.img") && LOOPS+=("$L3")
mkdir -p "$S/efivars"
EFIVARFS_PATH=$S/efivars/ run "$DARTMK" partition "$DVD" "$L3" --yes --json --efi-entry </dev/null
is "$rc/$(j .efi_entry.number)" "0/0" "a loop device, --efi-entry against the stand-in: Boot0000 added"
EFIVARFS_PATH=$S/efivars/ run "$DARTMK" partition --status "$L3" --json
is "$rc/$(j .recovery.efi_entry)" "0/true" "--status: the entry is there"
EFIVARFS_PATH=$S/efivars/ run "$DARTMK" partition --remove "$L3" --yes --json </dev/null
is "$rc/$(j '[.efi_entry.action, .efi_entry.entry] | join(" ")')/$(ls "$S/efivars" | grep -c '^Boot')" "0/delete Boot0000/0" "--remove: Boot0000 deleted from the stand-in"
losetup -d "$L3"

done_testing
