#!/bin/bash
# The recovery partition's life after provisioning (issue 21): `partition --status` (read only)
# before and after add, update and remove, on a 64 GiB GPT disk image, a Windows-like MBR disk
# image (syslinux's mbr_f.bin, an active "System Reserved" partition) and a loop device (whole
# disk); `--remove` putting back the MBR code and active flag from the record dartmk keeps in the
# partition (and, without it, from the table saved on this host), every other partition byte
# for byte (judged sparse-aware: tests/lib/disks.sh parts_same); the inputs' fingerprint
# (a second run with the same inputs: changed false, change none, the image byte for byte; a
# changed option or tool: update); the UEFI entry found and deleted through libefivar against a
# stand-in efivarfs (EFIVARFS_PATH: a plain folder libefivar then reads and writes as its
# variables); a remove killed mid-write (kill -9 while the slow-write shim holds its GPT writes)
# undone with --restore-table; and every refusal: exit code, one line, the image unchanged.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/disks.sh
. "$TOP/tests/lib/disks.sh"
# shellcheck source=tests/lib/bigdisks.sh
. "$TOP/tests/lib/bigdisks.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SLOW=$TOOLS/slowwrite.so
[ -d "$SAMPLES/dvd" ] || make -C "$TOP" -s samples >/dev/null || missing_prerequisite "no samples (make samples)"
[ -f "$FIXTURES/os.vbr" ] || make -C "$TOP" -s fixtures >/dev/null || missing_prerequisite "no fixtures (make fixtures)"
for t in sfdisk mcopy mdel mkfs.ext4 jq losetup python3 sha256sum cmp; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
[ -f "$SLOW" ] || make -C "$TOP" -s "${SLOW#"$TOP"/}" >&2
plan 101
# shellcheck source=tests/lib/writers.sh
. "$TOP/tests/lib/writers.sh"
# shellcheck source=tests/lib/partition.sh
. "$TOP/tests/lib/partition.sh"
writers_scratch
DVD=$SAMPLES/dvd
CODE=${DISKS_MBR_CODE:-/usr/lib/syslinux/mbr/extra/mbr_f.bin}

status() { part --status "$@" --json; }
code_of() { dd if="$1" bs=440 count=1 status=none | sha256sum | cut -d' ' -f1; }
active_of() { sfdisk --json "$1" | jq -r '[.partitiontable.partitions[] | select(.bootable == true) | .node | capture("(?<n>[0-9]+)$").n] | join(",")'; }
count_parts() { sfdisk --json "$1" | jq '.partitiontable.partitions | length'; }
start_of() { sfdisk --json "$1" | jq ".partitiontable.partitions[] | select(.node | test(\"[^0-9]$2\$\")) | .start"; }

# --- a Windows-like MBR disk: status, add, the same again, update, remove ------------------------
M=$S/mbr.img
disk_mbr_windows "$M"
ok $? "fixture: an MBR disk, mbr_f.bin boot code, partition 1 active"
cp --sparse=always "$M" "$S/mbr-pristine.img"
code0=$(code_of "$M")
status "$M"
is "$rc/$(j '[.scheme, (.recovery | tostring), .record] | join(" ")')" "0/mbr null false" "status before: exit 0, mbr, no recovery partition, no record"
bad "--remove, nothing to remove" 1 "^dartmk: $M: no recovery partition to remove$" "$M" --remove "$M" --yes

part "$DVD" "$M" --dry-run --json
is "$rc/$(j '[.changed, .change, (.fingerprint | length), (.fingerprint_before | tostring)] | join(" ")')" "0/true create 64 null" \
    "dry run before: changed true, change create, a fingerprint, none before"
fp=$(j .fingerprint)
part "$DVD" "$M" --yes --json
is "$rc/$(j '[.changed, .change, .fingerprint] | join(" ")')" "0/true create $fp" "add: changed, create, the same fingerprint as the dry run"
status "$M"
is "$(j '[.recovery.number, .recovery.made_by, .recovery.type, .recovery.bios_boot, .recovery.verified, .record] | join(" ")')" \
    "3 dartmk 0x27 menu true true" "status after add: partition 3, dartmk's, 0x27, menu, verified, the record there"
is "$(j '.recovery.manifest.fingerprint')" "$fp" "status: the manifest's fingerprint is the plan's"
is "$(j '[.recovery.manifest.version, .recovery.manifest.source, (.recovery.manifest.sha256 | length), .recovery.manifest.expired] | join(" ")')" \
    "$(cat "$TOP/VERSION") $DVD 64 false" "status: the manifest's version, source, sha256, not expired"
off=$(($(start_of "$M" 3) * 512))
mcopy -o -n -i "$M@@$off" ::/dartmk-manifest.json "$S/manifest.json" 2>/dev/null
is "$(j '.recovery.manifest.sha256')" "$(sha256sum <"$S/manifest.json" | cut -d' ' -f1)" "status: the sha256 is the manifest's on the partition (mcopy)"
mfree=$(minfo -i "$M@@$off" :: 2>/dev/null | sed -n 's/^free clusters=\([0-9]*\).*/\1/p')
csize=$(minfo -i "$M@@$off" :: 2>/dev/null | sed -n 's/^cluster size: \([0-9]*\) sectors.*/\1/p')
csize=$((csize * 512))
is "$(j .recovery.free)" "$((mfree * csize))" "status: free bytes = mtools' free clusters x cluster size"
mcopy -o -n -i "$M@@$off" ::/dartmk-record.json "$S/record.json" 2>/dev/null
is "$(jq -r .active "$S/record.json")/$(jq -r .mbr_code "$S/record.json" | base64 -d | sha256sum | cut -d' ' -f1)" "1/$code0" \
    "the record in the partition: active 1, the MBR code as it was (base64)"
isnt_code=$(code_of "$M")
[ "$isnt_code" != "$code0" ]
ok $? "after add the MBR code is syslinux's, not the disk's own"

# The same inputs again: nothing to change, nothing written.
before=$(sum "$M")
part "$DVD" "$M" --dry-run --json
is "$rc/$(j '[.changed, .change, .fingerprint_before] | join(" ")')" "0/false none $fp" "dry run, same inputs: changed false, change none, fingerprint_before the recorded one"
part "$DVD" "$M" --yes --json
is "$rc/$(j '[.changed, .change, (.sha256 | tostring), (.backup_table | tostring)] | join(" ")')" "0/false none null null" \
    "second run, same inputs: exit 0, changed false, nothing written (no sha256, no table saved)"
part "$DVD" "$M" --yes
is "$rc" 0 "second run, text: exit 0"
like "$out" "^nothing to change: $M's recovery partition already holds these inputs \(fingerprint ${fp:0:4}…${fp: -4}\)$" "second run, text: says nothing changes, and why"
is "$(sum "$M")" "$before" "second and third runs: the image byte for byte as it was"

# A changed option: an update, the record carried over.
part "$DVD" "$M" --dry-run --json --menu-timeout 3
is "$rc/$(j '[.changed, .change, .fingerprint_before] | join(" ")')" "0/true update $fp" "a changed option (--menu-timeout): changed true, change update"
part "$DVD" "$M" --yes --json --menu-timeout 3
is "$rc/$(j '.change')" "0/update" "the update runs"
fp2=$(j .fingerprint)
[ "$fp2" != "$fp" ]
ok $? "the update's fingerprint differs from the first"
status "$M"
is "$(j '[.recovery.manifest.fingerprint, .recovery.number, .record] | join(" ")')" "$fp2 3 true" "status after update: the new fingerprint, same partition, the record kept"
mcopy -o -n -i "$M@@$off" ::/dartmk-record.json "$S/record2.json" 2>/dev/null
cmp -s "$S/record.json" "$S/record2.json"
ok $? "the update carried the first record over byte for byte (not syslinux's code)"

# A changed tool: an update too.
mkdir -p "$S/tool" && printf 'MZ one\n' >"$S/tool/t.exe"
part "$DVD" "$M" --yes --json --menu-timeout 3 --tool "T=$S/tool/t.exe"
is "$rc/$(j '.change')" "0/update" "a tool added: update"
fp3=$(j .fingerprint)
printf 'MZ two\n' >"$S/tool/t.exe"
part "$DVD" "$M" --dry-run --json --menu-timeout 3 --tool "T=$S/tool/t.exe"
is "$rc/$(j '[.changed, .change] | join(" ")')" "0/true update" "the same tool path, other bytes: changed, update"
[ "$(j .fingerprint)" != "$fp3" ]
ok $? "the tool's bytes are in the fingerprint"

# Remove: dry run, then for real.
before=$(sum "$M")
part --remove "$M" --dry-run --json
is "$rc/$(j '[.dry_run, .changed, .removed.number, .mbr_code, .active, (.efi_entry | tostring), (.backup_table | tostring)] | join(" ")')" \
    "0/true true 3 restored 1 null null" "--remove --dry-run --json: partition 3, the code restored, partition 1 active, no EFI entry (MBR)"
is "$(sum "$M")" "$before" "--remove --dry-run: the image byte for byte as it was"
part --remove "$M" --dry-run
like "$out" "would remove partition 3" "--remove --dry-run, text: says what it would remove"
part --remove "$M" --yes --json
is "$rc/$(j '[.dry_run, .removed.number, .mbr_code, .active] | join(" ")')" "0/false 3 restored 1" "--remove: exit 0, partition 3 removed"
[ -f "$(j .backup_table)" ]
ok $? "--remove: the old table saved first ($(j .backup_table))"
is "$(code_of "$M")" "$code0" "--remove: the MBR boot code as it was before dartmk (mbr_f.bin)"
is "$(active_of "$M")/$(count_parts "$M")" "1/2" "--remove: partition 1 active again, two partitions"
parts_same "$S/mbr-pristine.img" "$M" 1 2
ok $? "--remove: partitions 1 and 2 byte for byte as on the pristine disk"
is "$(dd if="$M" bs=512 count=1 status=none | sha256sum)" "$(dd if="$S/mbr-pristine.img" bs=512 count=1 status=none | sha256sum)" \
    "--remove: the whole MBR sector as on the pristine disk (code, signature, table, flags)"
status "$M"
is "$rc/$(j '(.recovery | tostring) + " " + (.record | tostring)')" "0/null false" "status after remove: no recovery partition"
bad "--remove again" 1 "^dartmk: $M: no recovery partition to remove$" "$M" --remove "$M" --yes

# Without the record (a partition made before dartmk kept one): the table saved on this host.
cp --sparse=always "$S/mbr-pristine.img" "$S/norec.img"
part "$DVD" "$S/norec.img" --yes -q
o=$(($(start_of "$S/norec.img" 3) * 512))
mdel -i "$S/norec.img@@$o" ::/dartmk-record.json 2>/dev/null
ok $? "fixture: the record deleted from a provisioned copy (mdel)"
part --remove "$S/norec.img" --yes --json
is "$rc/$(j '[.record, .mbr_code, .active] | join(" ")')" "0/false restored 1" "no record: the code and active flag still restored"
like "$(j .mbr_code_from)" "/dartmk/tables/[^/]+\.sfdisk$" "no record: taken from a table saved on this host"
is "$(code_of "$S/norec.img")/$(active_of "$S/norec.img")" "$code0/1" "no record: the disk's own MBR code, partition 1 active"

# The MBR code written since by another program (a repair, another boot manager) stays.
cp --sparse=always "$S/mbr-pristine.img" "$S/newer.img"
part "$DVD" "$S/newer.img" --yes -q
printf 'another boot manager %.0s' $(seq 20) | head -c 440 | dd of="$S/newer.img" conv=notrunc status=none
newer=$(code_of "$S/newer.img")
part --remove "$S/newer.img" --yes --json
is "$rc/$(j '[.mbr_code, .active] | join(" ")')" "0/kept 1" "code written since: mbr_code kept, partition 1 active"
is "$(code_of "$S/newer.img")" "$newer" "code written since: left byte for byte, not the record's"
cp --sparse=always "$S/mbr-pristine.img" "$S/newer.img"
part "$DVD" "$S/newer.img" --yes -q
printf 'another boot manager %.0s' $(seq 20) | head -c 440 | dd of="$S/newer.img" conv=notrunc status=none
part --remove "$S/newer.img" --yes
like "$out" "MBR boot code: left as it is \(written since by another program\); active partition: 1" "code written since, text: says it stays and why"

# --- a 64 GiB GPT disk: every other partition byte for byte -------------------------------------
G=$S/gpt64.img
bigdisk_gpt "$G" 64G 40000
ok $? "fixture: a 64 GiB GPT disk (sparse), Windows up to 40000 MiB"
cp --sparse=always "$G" "$S/gpt64-pristine.img"
status "$G"
is "$rc/$(j '[.scheme, .size, (.recovery | tostring)] | join(" ")')" "0/gpt 68719476736 null" "gpt status before: gpt, 64 GiB, none"
part "$DVD" "$G" --yes --json
is "$rc/$(j '[.change, .partition.number] | join(" ")')" "0/create 4" "gpt: partition 4 created"
status "$G"
is "$(j '[.recovery.number, .recovery.made_by, .recovery.name, .recovery.bios_boot, (.recovery.efi_entry | tostring), .recovery.verified] | join(" ")')" \
    "4 dartmk DaRT Recovery none null true" "gpt status: partition 4, named, no BIOS boot, EFI entry unknown (no UEFI variables), verified"
part --remove "$G" --dry-run --json
is "$rc/$(j '[.mbr_code, (.active | tostring), .efi_entry.action, (.efi_entry.entry | tostring)] | join(" ")')" "0/none null report null" \
    "gpt --remove --dry-run on an image: no MBR code, the EFI entry only reported"
like "$(j .efi_entry.device_path)" '^HD\(4,GPT,.*\)/File\(\\EFI\\BOOT\\BOOTX64\.EFI\)$' "gpt --remove --dry-run: the entry's device path"
part --remove "$G" --yes
is "$rc" 0 "gpt --remove: exit 0"
like "$out" "removed partition 4" "gpt --remove, text: says so"
parts_same "$S/gpt64-pristine.img" "$G" 1 2 3
ok $? "gpt --remove: partitions 1-3 byte for byte as before"
is "$(sfdisk --dump "$G" | grep -c '^/\|start=')" "3" "gpt --remove: three partitions left"
is "$(sfdisk --dump "$G" | grep -v '^device\|last-lba\|^$' | sed 's/^[^ ]* : //')" "$(sfdisk --dump "$S/gpt64-pristine.img" | grep -v '^device\|last-lba\|^$' | sed 's/^[^ ]* : //')" \
    "gpt --remove: the table is the pristine one (sfdisk --dump)"

# A Windows RE partition dartmk did not make.
F=$S/foreign.img
disk_gpt_windows "$F"
printf 'size=500MiB, type=%s, name="Recovery"\n' "$GPT_WINRE" | sfdisk -q --append --no-reread --no-tell-kernel "$F" >/dev/null 2>&1
ok $? "fixture: a GPT disk with a Windows RE partition named \"Recovery\" (not dartmk's)"
status "$F"
is "$rc/$(j '[.recovery.number, .recovery.made_by, .recovery.name, (.recovery.manifest | tostring), .record] | join(" ")')" "0/4 other Recovery null false" \
    "status: the foreign Windows RE partition, made by other"
bad "--remove, a Windows RE partition dartmk did not make" 3 "^dartmk: $F: partition 4 is a Windows RE partition dartmk did not make: left alone \(--force removes it\)$" "$F" --remove "$F" --yes
part --remove "$F" --yes --force --json
is "$rc/$(j '.removed.number')/$(count_parts "$F")" "0/4/3" "--remove --force: the foreign one removed"

# Usage: options that do not go with --status or --remove.
bad "--status with --size" 2 "--size does not go with --status" "$M" --status "$M" --size 1G
bad "--remove with a build option" 2 "--tool does not go with --remove" "$M" --remove "$M" --tool "T=$S/tool/t.exe"
bad "--status and --remove" 2 "--status and --remove: one or the other" "$M" --status --remove "$M"

# --- a loop device (whole disk): status, the stand-in UEFI variables, remove ---------------------
LI=$S/loop.img
disk_gpt_windows "$LI"
L=$(losetup -f --show "$LI") && LOOPS+=("$L")
ok $? "fixture: a GPT disk image on a loop device ($L)"
export EFIVARFS_PATH=$S/efivars/
mkdir -p "$EFIVARFS_PATH"
status "$L"
is "$rc/$(j '[.disk, .scheme, (.recovery | tostring)] | join(" ")')" "0/$L gpt null" "loop status before: none"
part "$DVD" "$L" --yes --json --efi-entry
is "$rc/$(j '[.efi_entry.added, .efi_entry.number] | join(" ")')" "0/true 0" "loop: provisioned, the entry added to the stand-in variables (Boot0000)"
ls "$EFIVARFS_PATH" | grep -q '^Boot0000-8be4df61'
ok $? "the stand-in holds Boot0000"
status "$L"
is "$(j '[.recovery.number, .recovery.efi_entry, .recovery.verified] | join(" ")')" "4 true true" "loop status after add: partition 4, the UEFI entry present, verified"
part --remove "$L" --dry-run --json
is "$rc/$(j '[.efi_entry.action, .efi_entry.entry] | join(" ")')" "0/delete Boot0000" "--remove --dry-run names the UEFI entry it would delete"
part --remove "$L" --dry-run
like "$out" "UEFI entry Boot0000 would be deleted" "--remove --dry-run, text: names the entry"
ls "$EFIVARFS_PATH" | grep -q '^Boot0000-'
ok $? "--remove --dry-run: the entry still there"
part --remove "$L" --yes --json
is "$rc/$(j '[.efi_entry.action, .efi_entry.entry, .removed.number] | join(" ")')" "0/delete Boot0000 4" "--remove: the entry deleted, partition 4 removed"
is "$(ls "$EFIVARFS_PATH" | grep -c '^Boot')" "0" "--remove: Boot0000 and BootOrder gone from the stand-in"
status "$L"
is "$rc/$(j '.recovery | tostring')" "0/null" "loop status after remove: none"
unset EFIVARFS_PATH

# --- mounted: status reads, remove is refused -----------------------------------------------------
X=$S/mounted.img
disk_gpt_windows "$X"
part "$DVD" "$X" --yes -q
xo=$(($(start_of "$X" 3) * 512))
_disk_do mkfs.ext4 -q -F -E offset="$xo" "$X" 64M
XL=$(losetup -f --show -o "$xo" --sizelimit $((64 << 20)) "$X") && LOOPS+=("$XL")
mkdir -p "$S/mnt" && mount "$XL" "$S/mnt" && MOUNTS+=("$S/mnt")
ok $? "fixture: partition 3 of a provisioned disk image: ext4 mounted through a loop device"
status "$X"
is "$rc/$(j '.recovery.number')" "0/4" "status of a disk with a mounted partition: reads it (exit 0)"
bad "--remove, a mounted partition" 3 "mounted" "$X" --remove "$X" --yes
umount "$S/mnt" && MOUNTS=()

# --- killed mid-remove: the saved table puts it back --------------------------------------------
K=$S/kill.img
disk_gpt_windows "$K"
part "$DVD" "$K" --yes -q
cp --sparse=always "$K" "$S/kill-before.img"
ksum=$(sum "$K")
rm -rf "$XDG_STATE_HOME/dartmk/tables"
# (verify_asan_link_order=0: under make asan the shim is preloaded before the ASan runtime.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" SLOWWRITE_PREFIX=$K SLOWWRITE_USEC=1500000 LD_PRELOAD=$SLOW "$DARTMK" partition --remove "$K" --yes </dev/null >/dev/null 2>"$S/kill.err" &
pid=$!
PIDS+=("$pid")
# Killed once the first of its slowed GPT writes has landed (the next one waits 1.5 s).
for _ in $(seq 600); do [ "$(sum "$K")" != "$ksum" ] && break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
saved=$(ls "$XDG_STATE_HOME"/dartmk/tables/* 2>/dev/null | head -1)
[ -f "$saved" ]
ok $? "killed mid-remove: the old table had been saved"
[ "$(sum "$K")" != "$ksum" ]
ok $? "killed mid-remove: the table was being written (the image changed)"
part --restore-table "$saved" "$K" --yes
is "$rc" 0 "--restore-table after the kill: exit 0"
is "$(sum "$K")" "$ksum" "--restore-table: the image byte for byte as before the remove"
status "$K"
is "$(j '[.recovery.number, .recovery.verified] | join(" ")')" "4 true" "after --restore-table: the recovery partition is back and verifies"

done_testing
