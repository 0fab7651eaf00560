#!/bin/bash
# The syslinux installer reaches a recovery partition anywhere on a disk (issue 14, item 2).
# Debian's installer keeps --offset in 32 bits: a volume at 4 GiB or more was missed ("invalid
# media signature") or — worse — another FAT volume 4 GiB lower got syslinux (the ESP, for a
# partition at 4 GiB + 1 MiB). dartmk runs it past 4 GiB on a loop device over exactly the
# volume's bytes (boot/loop.c) and detaches it.
#
# On sparse Windows-like disks (tests/lib/bigdisks.sh): 8 GiB GPT with the partition placed at
# 4095 MiB (the installer's own --offset), 4096 MiB and 4097 MiB (the loop device; the ESP at
# 1 MiB untouched); 64 GiB GPT, the partition at 58 GiB; 2 TiB MBR, the partition at the very
# end (the last sector MBR can address is 2^32 - 1); 3 TiB GPT, the partition past 2^32
# sectors; the 64 GiB disk again through a loop device (a whole-disk block device). Each is
# judged by fsck.fat -n, mtools (ldlinux.sys and ldlinux.c32 there, ldlinux.sys byte for byte
# the one the installer wrote at offset 0 of a small disk), the boot sector (syslinux's code,
# byte for byte the small disk's; the BPB dartmk wrote), every byte outside the new partition
# and the tables as it was, dartmk verify, and no loop device left attached to the image.
# Failures with the loop device attached — the installer failing (a stand-in that records how
# the loop device was set up), no installer in PATH, no loop device available, a run killed
# while the installer holds the device — leave none attached either.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/bigdisks.sh
. "$TOP/tests/lib/bigdisks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
for t in sfdisk fsck.fat mcopy mdir losetup unshare jq python3 cmp syslinux; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
plan 104
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
writers_scratch
DVD=$SAMPLES/dvd
MIB=1048576 MIN=921600 # 450 MiB, in sectors: the recovery partition's size for the tiny samples

part() { run "$DARTMK" partition "$@" </dev/null; }
pt() { sfdisk --json "$1" 2>/dev/null | jq -r ".partitiontable | $2"; }
field() { pt "$1" ".partitions[] | select(.node | test(\"[^0-9]$2\$\")) | $3"; }
off() { echo $(($(field "$1" "$2" .start) * 512)); }
# winre IMG: the number of its Windows RE partition (GPT type DE94BBA4-…, MBR type 0x27).
winre() { disk_parts "$1" | awk -v g="$GPT_WINRE" 'toupper($4) == g || $4 == "27" { print $1 }' | head -1; }
# attached IMG: the loop devices whose backing file is IMG (none: empty).
attached() { losetup -n -O NAME -j "$1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# fsck_clean PART: fsck.fat -n exits 0 and says nothing but its banner, its summary and the
# syslinux installer's boot sector/backup difference (dartmk copies the boot sector afterwards
# on sticks; fsck reads the volume as written).
fsck_clean() {
    local o
    o=$(fsck.fat -n "$1" 2>&1) || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
    o=$(printf '%s\n' "$o" | sed -e '/^fsck.fat [0-9]/d' -e '/^There are differences between boot sector and its backup/,/^  Not automatically fixing this\./d' \
        -e "\|^$1: [0-9]* files, [0-9]*/[0-9]* clusters$|d")
    [ -z "$o" ] || { printf '%s\n' "$o" | head -5 | sed 's/^/#   /' >&2; return 1; }
}
# code BOOTSECTOR: syslinux's part of a FAT32 boot sector: the jump and OEM name (bytes 0-10)
# and the boot code (90-509), in hex; the BPB between is dartmk's.
code() { { head -c 11 "$1"; tail -c +91 "$1" | head -c 420; } | od -An -v -tx1 | tr -d ' \n'; }
# bpb BOOTSECTOR: the BPB but for the volume serial number (bytes 11-66 and 71-89).
bpb() { { tail -c +12 "$1" | head -c 56; tail -c +72 "$1" | head -c 19; } | od -An -v -tx1 | tr -d ' \n'; }
# error: the first "dartmk: " line of $err (an information line about the saved table may come first).
error() { printf '%s\n' "$err" | grep -m1 '^dartmk: '; }

# judge DESC IMG PRISTINE REF [SKIP...]: the recovery partition of IMG as the installer must
# leave it — fsck.fat -n, ldlinux.sys (the same bytes as REF's: the installer's own, patched
# for the same volume layout) and ldlinux.c32 in /syslinux, the boot sector carrying syslinux's
# code (REF's) over the BPB dartmk wrote, every byte outside the partition and the sector
# ranges SKIP as in PRISTINE, dartmk verify, and no loop device left on IMG. 8 tests.
judge() {
    local d=$1 img=$2 pristine=$3 ref=$4 n o s
    shift 4
    n=$(winre "$img") o=$(off "$img" "$n") s=$(field "$img" "$n" .size)
    dd if="$img" of="$S/part" bs=1M iflag=skip_bytes,count_bytes skip="$o" count=$((s * 512)) conv=sparse status=none
    fsck_clean "$S/part"
    ok $? "$d: fsck.fat -n on the partition: no errors"
    is "$(mdir -a -b -i "$img@@$o" ::/syslinux 2>/dev/null | grep -ciE '/ldlinux\.(sys|c32)$')" 2 \
        "$d: mtools: syslinux/ldlinux.sys and syslinux/ldlinux.c32 are there"
    rm -f "$S/ldlinux.sys"
    mcopy -n -i "$img@@$o" ::/syslinux/ldlinux.sys "$S/ldlinux.sys" 2>/dev/null
    cmp -s "$S/ldlinux.sys" "$ref.ldlinux"
    ok $? "$d: ldlinux.sys is byte for byte the one the installer wrote at offset 0 of a small disk"
    head -c 512 "$S/part" >"$S/bs"
    is "$(code "$S/bs")" "$(code "$ref.bs")" "$d: the boot sector carries syslinux's code (the small disk's, byte for byte)"
    is "$(bpb "$S/bs")" "$(bpb "$S/part.orig.bs")" "$d: the BPB is the one dartmk wrote (the installer only added its code)"
    disk_same_except "$pristine" "$img" "$((o / 512)):$s" "$@"
    ok $? "$d: every byte outside the new partition and the tables is as it was"
    run "$DARTMK" verify "$img" --partition "$n"
    is "$rc" 0 "$d: dartmk verify --partition $n: exit 0"
    is "$(attached "$img")" "" "$d: no loop device left on the image"
    rm -f "$S/part"
}
# provision DESC IMG ARGS...: dartmk partition DVD IMG --yes ARGS..., exit 0. 1 test.
provision() {
    local d=$1 img=$2
    shift 2
    part "$DVD" "$img" --yes "$@"
    is "$rc" 0 "$d: dartmk partition: exit 0"
    [ "$rc" = 0 ] || diag "$err"
}

# A stand-in for the installer: records its arguments and how its device is set up (a loop
# device: offset, size limit, autoclear, read-only, backing file), then does what $FAKE says.
mkdir -p "$S/fake"
cat >"$S/fake/syslinux" <<'EOF'
#!/bin/bash
for dev; do :; done
printf '%s\n' "$*" >"$FAKE_DIR/args"
losetup -n --raw -O OFFSET,SIZELIMIT,AUTOCLEAR,RO,BACK-FILE "$dev" >"$FAKE_DIR/loop" 2>&1
case $FAKE in
fail) echo "syslinux: a stand-in that fails"; exit 1 ;;
kill) exec 3<>"$dev"; echo $$ >"$FAKE_DIR/pid"; kill -KILL "$PPID"; sleep 2; exit 0 ;;
bpb) dd if="$dev" of="$FAKE_DIR/bs" bs=512 count=1 iflag=skip_bytes skip="$3" status=none ;;
esac
EOF
chmod +x "$S/fake/syslinux"
export FAKE_DIR=$S/fake
# orig_bs IMG ARGS...: the boot sector dartmk's FAT writer made for IMG (a copy of it, with the
# same arguments, the installer a stand-in that reads it), as $S/part.orig.bs.
orig_bs() {
    local img=$1
    shift
    cp --sparse=always "$img" "$S/bpb.img"
    FAKE=bpb PATH="$S/fake:$PATH" run "$DARTMK" partition "$DVD" "$S/bpb.img" --yes --no-verify "$@" </dev/null
    cp "$S/fake/bs" "$S/part.orig.bs" 2>/dev/null || : >"$S/part.orig.bs"
    rm -f "$S/bpb.img" "$S/fake/bs"
}

# --- references: the installer at offset 0 of small disks (its own --offset, below 4 GiB) ------
disk_gpt_windows "$S/ref-gpt.img" && disk_mbr_windows "$S/ref-mbr.img" && cp --sparse=always "$S/ref-mbr.img" "$S/ref-active.img"
ok $? "fixtures: the small GPT and MBR disks of tests/lib/disks.sh"
# (--bios-boot active has another syslinux.cfg and no menu.c32: ldlinux.sys lands elsewhere)
for k in gpt mbr active; do
    if [ $k = active ]; then part "$DVD" "$S/ref-$k.img" --yes --bios-boot active; else part "$DVD" "$S/ref-$k.img" --yes; fi
    n=$(winre "$S/ref-$k.img") o=$(off "$S/ref-$k.img" "$n")
    mcopy -n -i "$S/ref-$k.img@@$o" ::/syslinux/ldlinux.sys "$S/ref-$k.ldlinux" 2>/dev/null
    dd if="$S/ref-$k.img" of="$S/ref-$k.bs" bs=512 iflag=skip_bytes skip="$o" count=1 status=none
    [ "$rc" = 0 ] && [ "$o" -lt $((4096 * MIB)) ] && [ -s "$S/ref-$k.ldlinux" ] &&
        [ "$(head -c 11 "$S/ref-$k.bs" | tail -c 8)" = SYSLINUX ]
    ok $? "reference, $k: the recovery partition at byte $o (the installer's own --offset), syslinux's boot sector and ldlinux.sys"
    rm -f "$S/ref-$k.img"
done

# --- around 4 GiB: 8 GiB GPT, the partition at 4095, 4096 and 4097 MiB -------------------------
bigdisk_gpt "$S/p8.img" 8G 3000
ok $? "fixture: an 8 GiB GPT disk (ESP at 1 MiB, MSR, Windows to 3000 MiB, free after)"
GPT8_LAST=$(pt "$S/p8.img" .lastlba)
for mib in 4095 4096 4097; do
    cp --sparse=always "$S/p8.img" "$S/d8.img"
    orig_bs "$S/d8.img" --at $((mib * 2048))
    provision "8 GiB GPT, at $mib MiB" "$S/d8.img" --at $((mib * 2048))
    is "$(off "$S/d8.img" "$(winre "$S/d8.img")")" $((mib * MIB)) "8 GiB GPT, at $mib MiB: sfdisk: the partition starts there"
    judge "8 GiB GPT, at $mib MiB" "$S/d8.img" "$S/p8.img" "$S/ref-gpt" 0:34 $((GPT8_LAST + 1)):33
done
# 4097 MiB is 1 MiB past 2^32 bytes: the installer's own --offset would have become 1 MiB — the ESP.
is "$(mdir -a -b -i "$S/d8.img@@$MIB" ::/ 2>/dev/null | grep -ci ldlinux)" 0 "8 GiB GPT, at 4097 MiB: no ldlinux in the ESP (1 MiB, where a 32-bit offset points)"
rm -f "$S/d8.img"

# --- 64 GiB GPT, the partition at 58 GiB ---------------------------------------------------------
bigdisk_gpt "$S/p64.img" 64G 59392
ok $? "fixture: a 64 GiB GPT disk, Windows to 58 GiB"
GPT64_LAST=$(pt "$S/p64.img" .lastlba)
cp --sparse=always "$S/p64.img" "$S/g64.img"
orig_bs "$S/g64.img"
provision "64 GiB GPT" "$S/g64.img"
is "$(winre "$S/g64.img")/$(off "$S/g64.img" 4)/$(field "$S/g64.img" 4 .size)" "4/$((59392 * MIB))/$MIN" "64 GiB GPT: partition 4, at 58 GiB, 450 MiB"
judge "64 GiB GPT, at 58 GiB" "$S/g64.img" "$S/p64.img" "$S/ref-gpt" 0:34 $((GPT64_LAST + 1)):33

# --- the same disk as a whole-disk block device (a loop device over the image) -------------------
cp --sparse=always "$S/p64.img" "$S/l64.img"
L=$(losetup -f --show "$S/l64.img") && LOOPS+=("$L")
provision "64 GiB GPT through $L" "$L"
is "$(attached "$S/l64.img")/$(attached "$L")" "$L/" "64 GiB GPT through $L: the test's loop device is the only one on the image, none on $L"
losetup -d "$L" && LOOPS=()
# (the plan is the image file's: the same BPB as $S/part.orig.bs)
judge "64 GiB GPT through a loop device" "$S/l64.img" "$S/p64.img" "$S/ref-gpt" 0:34 $((GPT64_LAST + 1)):33
rm -f "$S/l64.img" "$S/g64.img"

# --- 2 TiB MBR, the partition at the very end ------------------------------------------------------
bigdisk_mbr "$S/p2t.img" 2T $((2 * 1024 * 1024 - 1024))
ok $? "fixture: a 2 TiB MBR disk (2^32 sectors), Windows to 2 TiB - 1 GiB"
cp --sparse=always "$S/p2t.img" "$S/m2t.img"
orig_bs "$S/m2t.img" --at end
provision "2 TiB MBR, --at end" "$S/m2t.img" --at end
n=$(winre "$S/m2t.img")
is "$n/$(field "$S/m2t.img" "$n" .start)/$(field "$S/m2t.img" "$n" .size)" "3/$((4294967296 - MIN))/$MIN" \
    "2 TiB MBR, --at end: partition 3 ends at sector 2^32 - 1, the last MBR can address"
judge "2 TiB MBR, at the end" "$S/m2t.img" "$S/p2t.img" "$S/ref-mbr" 0:1
like "$(dd if="$S/m2t.img" bs=1 skip=$((($(field "$S/m2t.img" 3 .start)) * 512 + 28)) count=4 status=none | od -An -tu4 | tr -d ' ')" \
    "^$((4294967296 - MIN))\$" "2 TiB MBR: the BPB's hidden sectors are the partition's start (the VBR loads ldlinux.sys with it)"
cp --sparse=always "$S/p2t.img" "$S/m2t.img"
orig_bs "$S/m2t.img" --at end --bios-boot active
provision "2 TiB MBR, --at end --bios-boot active" "$S/m2t.img" --at end --bios-boot active
judge "2 TiB MBR, --bios-boot active" "$S/m2t.img" "$S/p2t.img" "$S/ref-active" 0:1
rm -f "$S/m2t.img"

# --- 3 TiB GPT, the partition past 2^32 sectors ---------------------------------------------------
bigdisk_gpt "$S/p3t.img" 3T $((2560 * 1024))
ok $? "fixture: a 3 TiB GPT disk, Windows to 2.5 TiB"
GPT3_LAST=$(pt "$S/p3t.img" .lastlba)
cp --sparse=always "$S/p3t.img" "$S/g3t.img"
orig_bs "$S/g3t.img"
provision "3 TiB GPT" "$S/g3t.img"
s3=$(field "$S/g3t.img" 4 .start)
is "$s3" $((2560 * 1024 * 2048)) "3 TiB GPT: the partition starts at 2.5 TiB, sector $s3 (past 2^32)"
judge "3 TiB GPT, past 2^32 sectors" "$S/g3t.img" "$S/p3t.img" "$S/ref-gpt" 0:34 $((GPT3_LAST + 1)):33
rm -f "$S/g3t.img" "$S/p3t.img"

# --- failures with the loop device attached: none is left ------------------------------------------
F=$S/f64.img
cp --sparse=always "$S/p64.img" "$F"
t0=$(sfdisk --dump "$F" 2>/dev/null | grep -v '^device:')
FAKE=fail PATH="$S/fake:$PATH" part "$DVD" "$F" --yes
is "$rc" 1 "the installer fails: exit 1"
like "$(error)" "^dartmk: $F: the syslinux installer failed on /dev/loop[0-9]+ \\(the volume at byte $((59392 * MIB))\\): syslinux: a stand-in that fails\$" \
    "the installer fails: one line naming the image, the loop device, the volume's place and the installer's message"
like "$(cat "$S/fake/args")" '^--install --offset 0 --directory /syslinux /dev/loop[0-9]+$' "the installer was run at offset 0 of the loop device"
is "$(cat "$S/fake/loop")" "$((59392 * MIB)) $((MIN * 512)) 1 0 $F" "the loop device: at the volume's offset, limited to the partition's size, autoclear, read-write, over the image"
is "$(attached "$F")" "" "the installer fails: no loop device left on the image"
is "$(sfdisk --dump "$F" 2>/dev/null | grep -v '^device:')" "$t0" "the installer fails: the partition table is as it was"

mkdir -p "$S/nobin"
ln -sf "$(command -v losetup)" "$S/nobin/losetup"
run env PATH="$S/nobin" "$DARTMK" partition "$DVD" "$F" --yes </dev/null
is "$rc" 1 "no syslinux in PATH: exit 1"
like "$(error)" "^dartmk: $F: the syslinux installer failed on /dev/loop[0-9]+ .*install the syslinux package" "no syslinux in PATH: says so"
is "$(attached "$F")" "" "no syslinux in PATH: no loop device left on the image"

unshare -m sh -c 'mount --bind /dev/null /dev/loop-control && exec "$@"' sh "$DARTMK" partition "$DVD" "$F" --yes </dev/null >/dev/null 2>"$S/noloop.err"
rc=$?
is "$rc" 1 "no loop device available (/dev/loop-control is /dev/null): exit 1"
like "$(grep -m1 '^dartmk: ' "$S/noloop.err")" "^dartmk: $F: no loop device available \(the syslinux installer reaches a volume 4 GiB or more into a disk only through one\): " \
    "no loop device available: one line naming the image, what it was for, and the reason"
is "$(attached "$F")" "" "no loop device available: none left on the image"

rm -f "$S/fake/pid"
# (in a command substitution: bash says nothing of the child killed)
rc=$(FAKE=kill PATH="$S/fake:$PATH" "$DARTMK" partition "$DVD" "$F" --yes </dev/null >/dev/null 2>&1; echo $?)
is "$rc" 137 "killed (SIGKILL) while the installer holds the loop device: dartmk dies"
p=$(cat "$S/fake/pid" 2>/dev/null)
l=$(attached "$F")
like "$l" '^/dev/loop[0-9]+$' "killed: while the installer still holds it, the loop device is there ($l)"
for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
for _ in $(seq 20); do [ -z "$(attached "$F")" ] && break; sleep 0.1; done
is "$(attached "$F")" "" "killed: once the installer is gone, the kernel has detached it (autoclear)"
rm -f "$F" "$S/p64.img" "$S/p8.img" "$S/p2t.img"

done_testing
