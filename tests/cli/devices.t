#!/bin/bash
# dartmk devices: the disks on this machine. There is no USB stick here; the system disk (whole
# /dev/vda mounted at /, unreadable even for root) must show as the system disk, and a loop
# device on an image with a partition table stands in for a fixed disk with partitions (the
# kernel here gives loop devices no partition nodes, so the partitions come from libblkid).
# The refusals themselves are unit-tested on fake sysfs trees (tests/unit/test_disk.c). Nothing
# is mounted or written here but the image file; the loop device is detached at exit.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
plan 37
scratch
LOOP=
cleanup() {
    [ -n "$LOOP" ] && losetup -d "$LOOP"
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

j() { printf '%s' "$out" | jq -r "$1"; }

# --- removable disks (none here) -------------------------------------------------------------
run "$DARTMK" devices </dev/null
is "$rc" 0 "devices: exit 0"
is "$err" "" "devices: nothing on stderr"
like "$out" '^(No removable disks found \(--all lists fixed disks too\)\.|/dev/)' "devices: a list of disks, or says there is none"
removable=$(lsblk -dnro NAME,RM,TRAN,SIZE | awk '($2 == 1 || $3 == "usb" || $3 == "mmc") && $4 != "0B"' | wc -l)
if [ "$removable" -eq 0 ]; then
    is "$out" "No removable disks found (--all lists fixed disks too)." "devices: none here, said on stdout"
else
    pass "devices: none here, said on stdout # SKIP this machine has removable disks"
fi

run "$DARTMK" devices --json </dev/null
is "$rc/$(j '.disks | type')" "0/array" "--json: one object with a disks array"
if [ "$removable" -eq 0 ]; then
    is "$(j '.disks | length')" 0 "--json: no removable disks"
else
    pass "--json: no removable disks # SKIP this machine has removable disks"
fi

# --- --all: the system disk -------------------------------------------------------------------
run "$DARTMK" devices --all --json </dev/null
is "$rc/$err" "0/" "--all --json: exit 0, nothing on stderr"
if printf '%s' "$out" | python3 -m json.tool >/dev/null; then pass "--all --json: valid JSON (python3 -m json.tool)"; else fail "--all --json: valid JSON (python3 -m json.tool)"; fi
root_disk=$(findmnt -nvo SOURCE / 2>/dev/null)
if [ -b /dev/vda ] && [ "$root_disk" = /dev/vda ]; then
    is "$(j '.disks[] | select(.path == "/dev/vda") | [.system, .transport, .removable] | join(" ")')" "true virtio false" "--all --json: /dev/vda is the system disk (virtio, fixed)"
    is "$(j '.disks[] | select(.path == "/dev/vda") | .mounted | join(",")')" "/" "--all --json: /dev/vda is mounted at /"
    is "$(j '.disks[] | select(.path == "/dev/vda") | .size')" "$(blockdev --getsize64 /dev/vda 2>/dev/null || echo $(( $(cat /sys/block/vda/size) * 512 )))" "--all --json: /dev/vda's size in bytes"
else
    for d in "system disk" "mounted at /" "size"; do pass "--all --json: /dev/vda $d # SKIP / is not on /dev/vda here"; done
fi
is "$(j '[.disks[] | keys | sort | join(",")] | unique | join(" ")')" \
    "backing_file,fstype,holders,label,model,mounted,name,partitions,path,readonly,removable,serial,size,swap,system,table,transport,vendor" \
    "--all --json: every disk has the documented keys"
# (Loop devices other programs attached meanwhile are listed, with their file: not counted.)
is "$(j '[.disks[] | select((.path | test("^/dev/(zram|ram)")) or ((.path | test("^/dev/loop")) and .backing_file == null))] | length')" 0 \
    "--all --json: no zram, ram or unattached loop devices"

run "$DARTMK" devices --all </dev/null
is "$rc" 0 "--all: exit 0"
if [ -b /dev/vda ] && [ "$root_disk" = /dev/vda ]; then
    like "$(printf '%s\n' "$out" | grep '^/dev/vda')" '^/dev/vda  [0-9.]+ [KMGT]iB  virtio, fixed  \(system disk\)  \(mounted: /\)$' "--all: /dev/vda marked fixed and (system disk)"
else
    pass "--all: /dev/vda marked fixed and (system disk) # SKIP / is not on /dev/vda here"
fi

# --- a loop device with a partition table -----------------------------------------------------
IMG=$SCRATCH/disk.img
truncate -s 64M "$IMG"
printf 'label: dos\n,16M,c\n,,83\n' | sfdisk -q "$IMG"
mkfs.fat -F 16 -n DARTTEST --offset 2048 "$IMG" 16384 >/dev/null 2>&1
LOOP=$(losetup -f --show -P "$IMG" 2>/dev/null) || LOOP=
if [ -z "$LOOP" ]; then
    for _ in $(seq 17); do pass "loop device # SKIP losetup failed (not root, or no loop devices)"; done
    done_testing
fi
NAME=${LOOP#/dev/}
sel=".disks[] | select(.path == \"$LOOP\")"

run "$DARTMK" devices --json </dev/null
is "$(j "[$sel] | length")" 0 "a loop device is not removable: not listed without --all"

run "$DARTMK" devices --all --json </dev/null
is "$rc" 0 "--all --json with a loop device: exit 0"
is "$(j "$sel | .name")" "$NAME" "the loop device is listed with --all"
is "$(j "$sel | [.transport, .removable, .system] | join(\" \")")" "loop false false" "transport loop, fixed, not the system"
is "$(j "$sel | .backing_file")" "$IMG" "its backing file"
is "$(j "$sel | .size")" 67108864 "its size: 64 MiB"
is "$(j "$sel | .table")" dos "its partition table (libblkid): dos"
is "$(j "$sel | .partitions | length")" 2 "two partitions, whether the kernel scanned them or not"
is "$(j "$sel | .partitions[0] | [.name, .start, .size, .fstype, .label] | join(\" \")")" \
    "${NAME}p1 1048576 16777216 vfat DARTTEST" "partition 1: name, start, size, file system and label"
is "$(j "$sel | .partitions[1] | [.name, .start, .size] | join(\" \")")" \
    "${NAME}p2 17825792 49283072" "partition 2: name, start, size"
is "$(j "$sel | .partitions[1].fstype")" null "partition 2: no file system"
is "$(j "$sel | .mounted | length")" 0 "nothing mounted"

run "$DARTMK" devices --all </dev/null
block=$(printf '%s\n' "$out" | sed -n "\\|^$LOOP |,/^\\//p" | grep -v "^/dev/[^l]")
like "$block" "^$LOOP  64\\.0 MiB  loop, fixed$" "text: the loop device's line"
like "$block" "^    loop device of $IMG, dos partition table$" "text: its details"
like "$block" "    ${NAME}p1 +16\\.0 MiB  vfat +\"DARTTEST\"" "text: partition 1 with its label"

# Listing never opens a disk for writing.
if command -v strace >/dev/null; then
    strace -f -qq -e trace=open,openat -o "$SCRATCH/strace.txt" "$DARTMK" devices --all >/dev/null 2>&1
    is "$(grep -E '"/dev/' "$SCRATCH/strace.txt" | grep -cE 'O_WRONLY|O_RDWR')" 0 "no device is opened for writing"
    like "$(grep -c "\"$LOOP\", O_RDONLY" "$SCRATCH/strace.txt")" '^[1-9]' "the loop device is opened read-only for libblkid"
else
    pass "no device is opened for writing # SKIP no strace"
    pass "the loop device is opened read-only for libblkid # SKIP no strace"
fi

# --- usage ------------------------------------------------------------------------------------
run "$DARTMK" devices --bogus </dev/null
is "$rc/${#out}" "2/0" "unknown option: exit 2, nothing on stdout"
like "$err" "^dartmk devices: .*--bogus" "unknown option: named"
run "$DARTMK" devices /dev/sdb </dev/null
is "$rc" 2 "an operand: exit 2"
run "$DARTMK" devices --all --optical </dev/null
is "$rc/$err" "2/dartmk devices: --all lists fixed disks; it does not go with --optical (see 'dartmk devices --help')" "--all with --optical: exit 2, said why"
run "$DARTMK" devices --help </dev/null
like "$rc/$out" "^0/usage: dartmk devices \[--all\] \[--json\]" "--help: exit 0, usage"
done_testing
