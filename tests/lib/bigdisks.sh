# shellcheck shell=bash
# Windows-like disks of any size, for the tests of recovery partitions far into a disk
# (tests/cli/syslinux-offset.t, tests/boot/syslinux-offset.t): sparse images that cost a few
# MiB whatever their size (64 GiB, 2 TiB, 3 TiB), built like tests/lib/disks.sh's 2 GiB ones
# (sfdisk, mkfs.fat --offset, mtools, dd; nothing mounted). Source after tap.sh and disks.sh.
#
#   bigdisk_gpt OUT SIZE WIN_END   GPT, SIZE (truncate's syntax), like a UEFI Windows install:
#                                    1 EFI system partition, 100 MiB at 1 MiB, FAT32 holding
#                                      EFI/Microsoft/Boot only (firmware falls through to the
#                                      other FAT volumes for \EFI\BOOT\BOOTX64.EFI)
#                                    2 Microsoft reserved, 16 MiB
#                                    3 "Basic data partition" (Windows) up to WIN_END (MiB),
#                                      random MiBs at both ends
#                                  the rest free (stale random bytes at its start)
#   bigdisk_mbr OUT SIZE WIN_END   MBR, SIZE, like a BIOS Windows install: syslinux's mbr_f.bin
#                                  (starts the active partition), disk signature 0x0b16d15c,
#                                    1 "System Reserved", 100 MiB at 1 MiB, type 0x07, active;
#                                      its boot sector is the os stub ($FIXTURES/os.vbr)
#                                    2 Windows, type 0x07, up to WIN_END (MiB), random MiBs at
#                                      both ends
#                                  the rest free up to the disk's end or 2^32 sectors, the last
#                                  sector MBR can address
# Each returns non-zero (with a '#' diagnostic) when a step fails.

bigdisk_gpt() { # OUT SIZE WIN_END
    local out=$1 size=$2 wend=$(($3 * 2048)) esp=2048 espn=204800 msr=206848 msrn=32768 win=239616
    rm -f "$out"
    _disk_do truncate -s "$size" "$out" || return 1
    _disk_table "$out" "label: gpt
start=$esp, size=$espn, type=$GPT_ESP, name=\"EFI system partition\"
start=$msr, size=$msrn, type=$GPT_MSR, name=\"Microsoft reserved partition\"
start=$win, size=$((wend - win)), type=$GPT_BASIC, name=\"Basic data partition\"" || return 1
    _disk_do mkfs.fat -F 32 -s 1 -n SYSTEM -h "$esp" --offset "$esp" "$out" $((espn / 2)) || return 1
    _disk_do mmd -i "$out@@$((esp * 512))" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot || return 1
    _disk_random "$out" "$win" 2048 && _disk_random "$out" $((wend - 2048)) 2048 &&
        _disk_random "$out" "$wend" 2048
}

bigdisk_mbr() { # OUT SIZE WIN_END
    local out=$1 size=$2 wend=$(($3 * 2048)) sr=2048 srn=204800 win=206848
    [ -f "$DISKS_OS_VBR" ] || { printf '# bigdisks.sh: %s: no such file (make fixtures)\n' "$DISKS_OS_VBR" >&2; return 1; }
    rm -f "$out"
    _disk_do truncate -s "$size" "$out" || return 1
    _disk_table "$out" "label: dos
label-id: 0x0b16d15c
start=$sr, size=$srn, type=7, bootable
start=$win, size=$((wend - win)), type=7" || return 1
    _disk_do dd if="$DISKS_MBR_CODE" of="$out" bs=440 count=1 conv=notrunc status=none || return 1
    _disk_do dd if="$DISKS_OS_VBR" of="$out" bs=512 seek="$sr" count=1 conv=notrunc status=none &&
        _disk_random "$out" $((sr + 1)) 2047 || return 1
    _disk_random "$out" "$win" 2048 && _disk_random "$out" $((wend - 2048)) 2048
}
