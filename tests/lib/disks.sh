# shellcheck shell=bash
# Scratch disk images for the recovery-partition tests (tests/cli/partition.t,
# tests/boot/partition.t): disks that already hold "Windows", built with sfdisk, mkfs.fat
# --offset, mtools and dd — never mounted (the kernel here has no vfat driver and loop devices
# get no partition nodes). Source after tap.sh. Images are sparse: a 2 GiB disk costs a few MiB.
#
#   disk_gpt_windows OUT       GPT, 2 GiB, like a UEFI Windows install:
#                                1 EFI system partition, 100 MiB, FAT32 (EFI/Microsoft/Boot,
#                                  no EFI/BOOT/BOOTX64.EFI: firmware falls through to other
#                                  FAT volumes for the removable-media path)
#                                2 Microsoft reserved, 16 MiB
#                                3 "Basic data partition" (Windows), 1 GiB, random MiBs at its
#                                  start and end
#                              then about 906 MiB free (stale random bytes at its start and end),
#                              random protective-MBR boot code and random bytes in the gap
#                              before the first partition (to catch writes outside the plan)
#   disk_mbr_windows OUT       MBR, 2 GiB, like a BIOS Windows install: boot code that starts the
#                              active partition (syslinux's mbr_f.bin), disk signature
#                              0x0da27e57,
#                                1 "System Reserved", 100 MiB, type 0x07, active; its boot
#                                  sector is the os stub ($FIXTURES/os.vbr, "DARTMK-STUB: os")
#                                2 Windows, 1 GiB, type 0x07, random MiBs at its start and end
#                              then about 923 MiB free (stale random bytes at its start)
#   disk_mbr_full OUT          MBR, 1 GiB, four primaries of 64 MiB (about 767 MiB still free)
#   disk_blank OUT             1 GiB, no partition table (zeros, random bytes from 1 MiB on)
#
#   disk_parts IMG             one line per partition: NUMBER START SIZE TYPE (sectors; sfdisk)
#   part_hashes IMG [N...]     one line per partition (or only those numbered N...): NUMBER and
#                              the SHA-256 of its bytes (offsets from sfdisk --json)
#   disk_hash_except IMG [START:COUNT...]
#                              SHA-256 of the whole image except the given sector ranges: what
#                              must not change when only those ranges may be written
#   disk_same_except A B [START:COUNT...]
#                              true when A and B have the same size and the same bytes outside
#                              the given sector ranges (else a '#' line with the first
#                              difference); fast on sparse images: ranges that are holes in
#                              both (zeros) are not read
#   parts_same A B N...        true when partitions N... (A's table; B holds them at the same
#                              offsets) have the same bytes in A and B
# Each builder returns non-zero (with a '#' diagnostic) when a step fails.

DISKS_OS_VBR=${DISKS_OS_VBR:-$FIXTURES/os.vbr}
DISKS_MBR_CODE=${DISKS_MBR_CODE:-/usr/lib/syslinux/mbr/extra/mbr_f.bin}
export MTOOLS_SKIP_CHECK=1

# The GPT type GUIDs of a Windows disk (for the tests, too).
# shellcheck disable=SC2034
GPT_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B GPT_MSR=E3C9E316-0B5C-4DB8-817D-F92DF00215AE \
    GPT_BASIC=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 GPT_WINRE=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC

# _disk_do CMD...: run a step quietly; on failure show its output as diagnostics.
_disk_do() {
    local o
    if ! o=$("$@" 2>&1); then
        printf '# disks.sh: failed: %s\n' "$*" >&2
        [ -n "$o" ] && printf '%s\n' "$o" | head -10 | sed 's/^/#   /' >&2
        return 1
    fi
}

# _disk_random IMG SECTOR COUNT: COUNT sectors of random bytes at SECTOR (the rest untouched).
_disk_random() {
    _disk_do dd if=/dev/urandom of="$1" bs=512 seek="$2" count="$3" conv=notrunc status=none
}

# _disk_table IMG SCRIPT: an sfdisk script written to IMG (no kernel involved).
_disk_table() {
    printf '%s\n' "$2" | _disk_do sfdisk --no-reread --no-tell-kernel -q "$1"
}

disk_gpt_windows() { # OUT
    local out=$1 esp=2048 espn=204800 msr=206848 msrn=32768 win=239616 winn=2097152 free img
    rm -f "$out"
    _disk_do truncate -s 2G "$out" || return 1
    _disk_table "$out" "label: gpt
first-lba: 34
start=$esp, size=$espn, type=$GPT_ESP, name=\"EFI system partition\"
start=$msr, size=$msrn, type=$GPT_MSR, name=\"Microsoft reserved partition\"
start=$win, size=$winn, type=$GPT_BASIC, name=\"Basic data partition\"" || return 1
    # The ESP: FAT32 (512-byte clusters, as Windows formats 100 MiB), Windows Boot Manager's
    # folder. bootmgfw.efi is not a real EFI program: only the partition's loader may print.
    _disk_do mkfs.fat -F 32 -s 1 -n SYSTEM -h "$esp" --offset "$esp" "$out" $((espn / 2)) || return 1
    img="$out@@$((esp * 512))"
    _disk_do mmd -i "$img" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot || return 1
    if ! { head -c 65536 /dev/urandom >"$out.tmp" &&
        _disk_do mcopy -i "$img" "$out.tmp" ::/EFI/Microsoft/Boot/bootmgfw.efi &&
        head -c 32768 /dev/urandom >"$out.tmp" &&
        _disk_do mcopy -i "$img" "$out.tmp" ::/EFI/Microsoft/Boot/BCD; }; then
        rm -f "$out.tmp"
        return 1
    fi
    rm -f "$out.tmp"
    # "Windows": data at both ends of the partition.
    _disk_random "$out" "$win" 8192 && _disk_random "$out" $((win + winn - 8192)) 8192 || return 1
    # Bytes no plan may touch: the protective MBR's boot code, the gap before partition 1, and
    # stale data at both ends of the free space (the free space ends before the backup GPT).
    _disk_do dd if=/dev/urandom of="$out" bs=440 count=1 conv=notrunc status=none || return 1
    free=$((win + winn))
    _disk_random "$out" 1024 1024 && _disk_random "$out" "$free" 16384 &&
        _disk_random "$out" $((4194304 - 34 - 2000)) 2000
}

disk_mbr_windows() { # OUT
    local out=$1 sr=2048 srn=204800 win=206848 winn=2097152
    [ -f "$DISKS_OS_VBR" ] || { printf '# disks.sh: %s: no such file (make fixtures)\n' "$DISKS_OS_VBR" >&2; return 1; }
    [ -f "$DISKS_MBR_CODE" ] || { printf '# disks.sh: %s: no such file (syslinux-common)\n' "$DISKS_MBR_CODE" >&2; return 1; }
    rm -f "$out"
    _disk_do truncate -s 2G "$out" || return 1
    _disk_table "$out" "label: dos
label-id: 0x0da27e57
start=$sr, size=$srn, type=7, bootable
start=$win, size=$winn, type=7" || return 1
    # sfdisk leaves the boot code area alone; write it after the table anyway.
    _disk_do dd if="$DISKS_MBR_CODE" of="$out" bs=440 count=1 conv=notrunc status=none || return 1
    # System Reserved: the os stub as its boot sector, then data.
    _disk_do dd if="$DISKS_OS_VBR" of="$out" bs=512 seek="$sr" count=1 conv=notrunc status=none &&
        _disk_random "$out" $((sr + 1)) 2047 || return 1
    _disk_random "$out" "$win" 8192 && _disk_random "$out" $((win + winn - 8192)) 8192 || return 1
    _disk_random "$out" 1024 1024 && _disk_random "$out" $((win + winn)) 16384
}

disk_mbr_full() { # OUT
    local out=$1 n s=2048
    rm -f "$out"
    _disk_do truncate -s 1G "$out" || return 1
    _disk_table "$out" "label: dos
label-id: 0x0f0f0f0f
start=2048, size=131072, type=7, bootable
start=133120, size=131072, type=7
start=264192, size=131072, type=83
start=395264, size=131072, type=b" || return 1
    _disk_do dd if="$DISKS_MBR_CODE" of="$out" bs=440 count=1 conv=notrunc status=none || return 1
    for n in 1 2 3 4; do
        _disk_random "$out" "$s" 2048 || return 1
        s=$((s + 131072))
    done
}

disk_blank() { # OUT
    rm -f "$1"
    _disk_do truncate -s 1G "$1" && _disk_random "$1" 2048 2048
}

# disk_parts IMG: NUMBER START SIZE TYPE per partition (sectors, sfdisk's type as it prints it).
disk_parts() {
    sfdisk --json "$1" 2>/dev/null |
        jq -r '.partitiontable.partitions[]? | "\(.node | capture("(?<n>[0-9]+)$").n) \(.start) \(.size) \(.type)"'
}

# part_hashes IMG [N...]: NUMBER SHA-256 per partition, read at the offsets sfdisk --json gives
# (python's hashlib: sha256sum over dd takes 4 s a GiB here, this 1 s).
part_hashes() {
    local img=$1
    shift
    disk_parts "$img" | python3 -c '
import hashlib, sys
img, want = sys.argv[1], set(sys.argv[2:])
with open(img, "rb") as f:
    for line in sys.stdin:
        n, start, size = line.split()[:3]
        if want and n not in want:
            continue
        f.seek(int(start) * 512)
        left, h = int(size) * 512, hashlib.sha256()
        while left:
            b = f.read(min(left, 1 << 22))
            if not b:
                break
            h.update(b)
            left -= len(b)
        print(n, h.hexdigest() + ("" if not left else " (short read)"))
' "$img" "$@"
}

# disk_hash_except IMG [START:COUNT...]: SHA-256 of every byte of IMG outside the sector ranges.
disk_hash_except() {
    python3 -c '
import hashlib, os, sys
img = sys.argv[1]
skip = sorted((int(a) * 512, (int(a) + int(b)) * 512) for a, b in (r.split(":") for r in sys.argv[2:]))
size, pos, h = os.path.getsize(img), 0, hashlib.sha256()
with open(img, "rb") as f:
    for lo, hi in skip + [(size, size)]:
        f.seek(pos)
        while pos < lo:
            b = f.read(min(lo - pos, 1 << 22))
            if not b:
                break
            h.update(b)
            pos += len(b)
        pos = max(pos, hi)
print(h.hexdigest())
' "$@"
}

# disk_same_except A B [START:COUNT...] (see the top of this file).
disk_same_except() {
    python3 -c '
import os, sys
a, b = sys.argv[1], sys.argv[2]
skip = sorted((int(x) * 512, (int(x) + int(y)) * 512) for x, y in (r.split(":") for r in sys.argv[3:]))
fa, fb = os.open(a, os.O_RDONLY), os.open(b, os.O_RDONLY)
size = os.fstat(fa).st_size
if os.fstat(fb).st_size != size:
    print("# %s: %d bytes, %s: %d" % (a, size, b, os.fstat(fb).st_size)); sys.exit(1)
def data(fd):  # the data extents of a file (the rest are holes: zeros)
    out, pos = [], 0
    while pos < size:
        try:
            pos = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(fd, pos, os.SEEK_HOLE)
        out.append((pos, end))
        pos = end
    return out
keep, pos = [], 0  # the ranges to compare: everything but skip
for lo, hi in skip + [(size, size)]:
    if lo > pos:
        keep.append((pos, min(lo, size)))
    pos = max(pos, hi)
for lo, hi in sorted(data(fa) + data(fb)):
    for klo, khi in keep:
        s, e = max(lo, klo), min(hi, khi)
        while s < e:
            n = min(e - s, 1 << 22)
            x, y = os.pread(fa, n, s), os.pread(fb, n, s)
            if x != y:
                i = next(i for i in range(n) if x[i:i + 1] != y[i:i + 1])
                print("# %s and %s differ at byte %d (sector %d)" % (a, b, s + i, (s + i) // 512)); sys.exit(1)
            s += n
' "$@" >&2
}

# parts_same A B N...: partitions N... of A (offsets from A's table) the same in B.
parts_same() {
    local a=$1 b=$2 n ranges=() all
    shift 2
    all=$(disk_parts "$a")
    for n in "$@"; do
        printf '%s\n' "$all" | awk -v n="$n" '$1 == n { f = 1 } END { exit !f }' ||
            { printf '# %s: no partition %s\n' "$a" "$n" >&2; return 1; }
    done
    # Everything but the wanted partitions is skipped.
    mapfile -t ranges < <(printf '%s\n' "$all" | awk -v want=" $* " 'index(want, " " $1 " ") { print $2, $3 }' | sort -n |
        awk -v size=$(( $(stat -c %s "$a") / 512 )) 'BEGIN { p = 0 } { if ($1 > p) print p ":" $1 - p; p = $1 + $2 } END { if (size > p) print p ":" size - p }')
    disk_same_except "$a" "$b" "${ranges[@]}"
}

# sum IMG: a fingerprint of every byte of a sparse image, fast: its size and each data extent
# (SEEK_DATA/SEEK_HOLE) with its bytes. Any write changes it (even zeros written into a hole).
sum() {
    python3 -c '
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size, pos, h = os.fstat(fd).st_size, 0, hashlib.sha256()
h.update(b"%d;" % size)
while pos < size:
    try:
        pos = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        break
    end = os.lseek(fd, pos, os.SEEK_HOLE)
    h.update(b"%d+%d;" % (pos, end - pos))
    while pos < end:
        b = os.pread(fd, min(end - pos, 1 << 22), pos)
        h.update(b)
        pos += len(b)
print(h.hexdigest())' "$1"
}
