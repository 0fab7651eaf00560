# shellcheck shell=bash
# shellcheck disable=SC2034 # AREA_MIN, WIN, CASE_DEVICES: read by tests/cli/catalogue.t and the rows
# Partition-table edge cases given to `dartmk partition` (adding or updating the recovery
# partition) and `dartmk usb`, on disk image files built byte by byte by tests/lib/ptgen.py
# (sfdisk will not write damaged tables). Most images are 8 MiB (the runner hashes their
# contents, twice a case); rows that need room for a recovery partition (450 MiB by default) use
# sparse images of 1 GiB or 3 TiB, whose modification time the runner compares.
AREA_MIN=40

# pt gpt|mbr FILE SIZE KEY=VALUE...: a table written by ptgen.py (see its header).
pt() { python3 "$TOP/tests/lib/ptgen.py" "$@"; }
# The start of a Windows GPT disk, small: ESP 2 MiB at 1 MiB, a basic data partition of 2 MiB
# (then 2 MiB free on an 8 MiB disk, whose GPT's usable sectors are 34-16350).
WIN=2048:4096:esp:EFI,6144:4096:basic:Windows
# n_parts COUNT [FIRST]: COUNT partitions of 1 MiB from sector 2048, in ptgen's list form.
n_parts() { python3 -c 'import sys; print(",".join("%d:2048" % (2048 + 2048 * i) for i in range(int(sys.argv[1]))))' "$1"; }
# poke FILE OFFSET: one byte of FILE changed at OFFSET.
poke() { printf '\x5a' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# loop4k FILE: FILE on a loop device of 4096-byte sectors, watched.
loop4k() { CASE_DEVICES=$(case_loop "$1" --sector-size 4096) && [ -n "$CASE_DEVICES" ]; }
# script_to FILE SCRIPT: an sfdisk script (with \n) written to FILE.
script_to() { printf '%b' "$2" >"$1"; }

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- GPT: damaged partition entries ---
gpt-overlap | pt gpt d.img 8M parts=2048:4096:esp,5000:4096 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partitions 1 \(sectors 2048-6143\) and 2 \(sectors 5000-9095\) overlap: the partition table is damaged$
gpt-duplicate-entry | pt gpt d.img 8M parts=2048:2048:esp,4096:2048,4096:2048 | partition "$SAMPLES/dvd" d.img --dry-run | 1 | ^dartmk: d\.img: partitions 2 .* and 3 .* overlap: the partition table is damaged$
gpt-nested | pt gpt d.img 8M parts=2048:8192,4096:1024 | partition "$SAMPLES/dvd" d.img --yes --bios-boot none | 1 | ^dartmk: d\.img: partitions 1 .* and 2 \(sectors 4096-5119\) overlap
gpt-past-end | pt gpt d.img 8M parts=$WIN,12288:8192 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partition 3 \(sectors 12288-20479\) lies outside the disk's usable sectors 34-16350: the partition table is damaged$
gpt-in-entry-array | pt gpt d.img 8M parts=2:2048,4096:2048 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partition 1 \(sectors 2-2049\) lies outside the disk's usable sectors 34-16350
gpt-in-backup-area | pt gpt d.img 8M parts=$WIN,16352:32 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partition 3 \(sectors 16352-16383\) lies outside the disk's usable sectors 34-16350
gpt-first-usable-late | pt gpt d.img 8M parts=$WIN first=4096 | partition "$SAMPLES/dvd" d.img --dry-run | 1 | ^dartmk: d\.img: partition 1 \(sectors 2048-6143\) lies outside the disk's usable sectors 4096-16350
# --- GPT: damaged headers ---
gpt-primary-bad-crc | pt gpt d.img 8M parts=$WIN primary=bad-crc | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: the primary GPT \(sector 1\) is damaged, only its backup is readable: the partition table is damaged$
gpt-primary-bad-signature | pt gpt d.img 8M parts=$WIN primary=bad-sig | partition "$SAMPLES/dvd" d.img --dry-run | 1 | ^dartmk: d\.img: the primary GPT \(sector 1\) is damaged, only its backup
gpt-primary-zeroed | pt gpt d.img 8M parts=$WIN primary=none | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: the primary GPT \(sector 1\) is damaged
gpt-primary-entries-crc | pt gpt d.img 8M parts=$WIN && poke d.img 1100 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: the primary GPT \(sector 1\) is damaged
gpt-both-headers-bad | pt gpt d.img 8M parts=$WIN primary=bad-crc backup=bad-crc | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: a protective MBR \(type 0xee\) without a valid GPT: the partition table is damaged$
gpt-primary-backup-differ | pt gpt d.img 8M parts=$WIN backup_parts=2048:4096:esp | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: the primary GPT \(sector 1\) and its backup \(sector 16383\) hold different tables: the partition table is damaged$
gpt-last-usable-past-end | pt gpt d.img 8M parts=$WIN last=4000000 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: a protective MBR \(type 0xee\) without a valid GPT
gpt-no-entries | pt gpt d.img 8M entries=0 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: a protective MBR \(type 0xee\) without a valid GPT
gpt-entry-size-64 | pt gpt d.img 8M parts=$WIN esize=64 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: GPT partition entries of 64 bytes \(UEFI: 128, 256, 512\.\.\.\): the partition table is damaged$
gpt-entry-size-200 | pt gpt d.img 8M parts=$WIN esize=200 | partition "$SAMPLES/dvd" d.img --dry-run | 1 | ^dartmk: d\.img: GPT partition entries of 200 bytes
gpt-entry-size-256 | pt gpt d.img 1G parts=$WIN esize=256 | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^create partition 3: 450\.0 MiB at 5\.0 MiB
gpt-pmbr-only | pt mbr d.img 8M parts=1:16383:ee | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: a protective MBR \(type 0xee\) without a valid GPT
gpt-no-pmbr | pt gpt d.img 8M parts=$WIN pmbr=none | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: no partition table \(for blank media, dartmk usb writes a whole stick\)$
gpt-pmbr-short | pt gpt d.img 1G parts=$WIN pmbr=short | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^create partition 3: 450\.0 MiB at 5\.0 MiB
gpt-hybrid-mbr | pt gpt d.img 1G parts=$WIN pmbr=hybrid | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^d\.img: gpt, 1024\.0 MiB
gpt-unsorted | pt gpt d.img 1G parts=1126400:204800,2048:20480:esp,22528:40960 | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^create partition 4: 450\.0 MiB at 31\.0 MiB
# --- GPT: full tables, no room ---
gpt-128-used | pt gpt d.img 1G parts=$(n_parts 128) | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: all 128 entries of the GPT are used: there is no slot for a recovery partition$
gpt-200-partitions | pt gpt d.img 1G entries=256 parts=$(n_parts 199),2048:2048 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: 200 partitions: dartmk changes tables of at most 128
gpt-no-free-space | pt gpt d.img 8M parts=2048:4096:esp,6144:10207 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: the recovery partition needs 450\.0 MiB; the largest free extent is 0\.0 MiB$
gpt-free-too-small | pt gpt d.img 8M parts=$WIN | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: the recovery partition needs 450\.0 MiB; the largest free extent is 2\.0 MiB$
gpt-tiny-1mib | pt gpt d.img 1M | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: .* the largest free extent is 0\.0 MiB$
gpt-size-below-need | pt gpt d.img 8M parts=$WIN | partition "$SAMPLES/dvd" d.img --yes --size 10M | 1 | ^dartmk: d\.img: --size 10\.0 MiB: the recovery tree needs at least
gpt-at-unaligned | pt gpt d.img 8M parts=$WIN | partition "$SAMPLES/dvd" d.img --yes --at 10241 | 1 | ^dartmk: d\.img: --at 10241: the start must be on a 1 MiB boundary
gpt-at-in-partition | pt gpt d.img 8M parts=$WIN | partition "$SAMPLES/dvd" d.img --yes --at 4096 | 1 | ^dartmk: d\.img: --at 4096: no free extent of 450\.0 MiB starts there$
gpt-at-past-end | pt gpt d.img 8M parts=$WIN | partition "$SAMPLES/dvd" d.img --yes --at 1048576 | 1 | ^dartmk: d\.img: --at 1048576: no free extent
gpt-4kn | pt gpt d.img 8M sector=4096 parts=256:512:esp && loop4k d.img | partition "$SAMPLES/dvd" "$CASE_DEVICES" --yes | 1 | ^dartmk: /dev/loop[0-9]+: 4096-byte sectors: dartmk writes disks of 512-byte sectors only$
# --- a recovery partition already there ---
ours-too-small | pt gpt d.img 8M "parts=$WIN,10240:4096:winre:DaRT Recovery" | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partition 3 \(2\.0 MiB\) is too small for the recovery tree \(.*\): --replace makes a new one$
ours-other-size | pt gpt d.img 8M "parts=$WIN,10240:4096:winre:DaRT Recovery" | partition "$SAMPLES/dvd" d.img --yes --size 40M | 1 | ^dartmk: d\.img: --size 40\.0 MiB: partition 3, the recovery partition, is 2\.0 MiB and an update keeps its size: --replace makes a new one$
ours-other-place | pt gpt d.img 8M "parts=$WIN,10240:4096:winre:DaRT Recovery" | partition "$SAMPLES/dvd" d.img --dry-run --at 2048 | 1 | ^dartmk: d\.img: --at 2048: partition 3, the recovery partition, starts at sector 10240 and an update keeps its place
foreign-winre-no-room | pt gpt d.img 8M "parts=$WIN,10240:6110:winre:Recovery" | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: the recovery partition needs 450\.0 MiB; the largest free extent is 0\.0 MiB$
# --- MBR ---
mbr-overlap | pt mbr d.img 8M parts=2048:4096:7*,5000:2048:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partitions 1 \(sectors 2048-6143\) and 2 \(sectors 5000-7047\) overlap: the partition table is damaged$
mbr-past-end | pt mbr d.img 8M parts=2048:4096:7*,6144:20000:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partition 2 \(sectors 6144-26143\) lies outside the disk's usable sectors 1-16383
mbr-no-active | pt mbr d.img 8M parts=2048:4096:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: no active partition: the menu has no installed system to start \(--bios-boot active or none\)$
mbr-four-primaries | pt mbr d.img 1G parts=2048:20480:7*,22528:20480:7,43008:20480:7,63488:20480:83 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: all four primary partitions of the MBR are used: there is no slot for a recovery partition$
mbr-logicals | pt mbr d.img 1G parts=2048:20480:7*,22528:204800:5 logical=22528:24576:20480:7,47104:49152:20480:7 | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^create partition 3: 450\.0 MiB at 111\.0 MiB
mbr-logical-outside-extended | pt mbr d.img 8M parts=2048:2048:7*,4096:8192:5 logical=4096:6144:1024:7,8192:14000:1024:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: logical partition 6 \(sectors 14000-15023\) lies outside the extended partition: the partition table is damaged$
mbr-primary-in-extended | pt mbr d.img 8M parts=2048:2048:7*,4096:8192:5,9000:1024:7 logical=4096:6144:1024:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partitions 2 .* and 3 \(sectors 9000-10023\) overlap
mbr-ebr-loop | pt mbr d.img 8M parts=2048:2048:7*,4096:8192:5 logical=4096:6144:1024:7,8192:10240:1024:7 loop=1 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: partitions [0-9]+ .* and [0-9]+ .* overlap: the partition table is damaged$
mbr-extended-fills-free | pt mbr d.img 8M parts=2048:2048:7*,4096:12288:5 logical=4096:6144:1024:7 | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: the recovery partition needs 450\.0 MiB; the largest free extent is 0\.0 MiB$
mbr-unsorted | pt mbr d.img 1G parts=1126400:204800:7,2048:20480:7* | partition "$SAMPLES/dvd" d.img --dry-run | 0 | ^create partition 3: 450\.0 MiB at 11\.0 MiB
mbr-tiny-33-sectors | pt mbr d.img 16896 | partition "$SAMPLES/dvd" d.img --yes --bios-boot none | 1 | ^dartmk: d\.img: not enough free space: .* the largest free extent is 0\.0 MiB$
mbr-3tib-full-below-2tib | pt mbr d.img 3T parts=2048:4294965248:7* | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: not enough free space: the recovery partition needs 450\.0 MiB; the largest free extent is 0\.0 MiB$
mbr-3tib-end-of-2tib | pt mbr d.img 3T parts=2048:4293000000:7* | partition "$SAMPLES/dvd" d.img --dry-run --at end | 0 | ^create partition 2: 450\.0 MiB at 2096702\.0 MiB
# --- no table, other tables ---
no-table | truncate -s 8M d.img | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: no partition table \(for blank media, dartmk usb writes a whole stick\)$
sun-label | truncate -s 8M d.img && printf 'label: sun\n,2048\n' > s && sfdisk -q d.img < s | partition "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: a sun partition table: dartmk adds recovery partitions to GPT and MBR disks only$
# --- putting a saved table back ---
restore-overlap | truncate -s 8M d.img && script_to t.sfdisk 'label: gpt\nstart=2048,size=4096\nstart=4096,size=4096\n' | partition --restore-table t.sfdisk d.img --yes | 1 | ^dartmk: t\.sfdisk: partitions 1 \(sectors 2048-6143\) and 2 \(sectors 4096-8191\) overlap
restore-past-end | pt gpt d.img 8M parts=$WIN && script_to t.sfdisk 'label: gpt\nstart=2048,size=20480\n' | partition --restore-table t.sfdisk d.img --yes | 1 | ^dartmk: t\.sfdisk: partition 1 \(sectors 2048-22527\) lies outside the disk's usable sectors 34-16350
# --- dartmk usb on image files ---
usb-33-sectors | truncate -s 16896 d.img | usb "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: too small \(0\.0 MiB\): the recovery tree needs a disk of at least 34\.0 MiB$
usb-gpt-1mib | pt gpt d.img 1M | usb "$SAMPLES/dvd" d.img --yes --scheme gpt | 1 | ^dartmk: d\.img: too small \(1\.0 MiB\): the recovery tree needs a disk of at least 34\.1 MiB$
usb-gpt-34mib | pt mbr d.img 34M parts=2048:67584:c* | usb "$SAMPLES/dvd" d.img --yes --scheme gpt | 1 | ^dartmk: d\.img: too small \(34\.0 MiB\): the recovery tree needs a disk of at least 34\.1 MiB$
usb-4kn | pt gpt d.img 40M sector=4096 parts=256:512:esp && loop4k d.img | usb "$SAMPLES/dvd" "$CASE_DEVICES" --yes --force | 1 | ^dartmk: /dev/loop[0-9]+: 4096-byte sectors: dartmk writes disks of 512-byte sectors only$
usb-damaged-gpt-unasked | pt gpt d.img 40M parts=$WIN primary=bad-crc backup=bad-crc | usb "$SAMPLES/dvd" d.img | 3 | ^dartmk: d\.img: would be erased; there is no terminal to ask on: --yes confirms$
ROWS
}
