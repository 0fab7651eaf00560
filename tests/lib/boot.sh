# shellcheck shell=bash
# Image-building helpers for dartmk's QEMU boot tests. Source after tap.sh.
#
# Everything is built in image files with mkfs.fat --offset, mtools and sfdisk: nothing is
# mounted (the kernel here has no vfat driver and loop devices get no partition nodes).
#
#   boot_efisys OUT EFI_LOADER               FAT12 image holding EFI/BOOT/BOOTX64.EFI
#   boot_iso OUT ETFSBOOT EFI_LOADER [DIR]   El Torito ISO: BIOS no-emulation entry (8 sectors)
#                                            + UEFI entry (platform 0xEF, FAT image); DIR's
#                                            files are added to the ISO root
#   boot_stick OUT BOOTMGR EFI_LOADER [MIB]  USB stick image: syslinux MBR, one active FAT32
#                                            LBA partition at 1 MiB, syslinux -> chain.c32
#                                            ntldr=/bootmgr, and /EFI/BOOT/BOOTX64.EFI
#   boot_qemu ARGS...                        scripts/qemu-boot ARGS...
#   boots DESC ARGS...                       a TAP test: boot_qemu ARGS... reaches its marker
# Each returns non-zero (with a '#' diagnostic) when a step fails.

SYSLINUX_BIOS=${SYSLINUX_BIOS:-/usr/lib/syslinux/modules/bios}
SYSLINUX_MBR=${SYSLINUX_MBR:-/usr/lib/syslinux/mbr/mbr.bin}
export MTOOLS_SKIP_CHECK=1

# _boot_do CMD...: run a step quietly; on failure show its output as diagnostics.
_boot_do() {
    local o
    if ! o=$("$@" 2>&1); then
        diag "failed: $*"
        [ -n "$o" ] && printf '%s\n' "$o" | sed 's/^/#   /' >&2
        return 1
    fi
}

boot_efisys() { # OUT EFI_LOADER
    local out=$1 efi=$2 kib
    [ -f "$efi" ] || { diag "$efi: no such file"; return 1; }
    # Room for the loader plus FAT overhead; never below a 1.44 MB floppy's size.
    kib=$(( $(stat -c %s "$efi") * 11 / 10240 + 128 ))
    [ "$kib" -ge 1440 ] || kib=1440
    rm -f "$out"
    _boot_do mkfs.fat -C -F 12 -n EFISYS "$out" "$kib" &&
        _boot_do mmd -i "$out" ::/EFI ::/EFI/BOOT &&
        _boot_do mcopy -i "$out" "$efi" ::/EFI/BOOT/BOOTX64.EFI
}

boot_iso() { # OUT ETFSBOOT EFI_LOADER [DIR]
    local out=$1 etfs=$2 efi=$3 extra=${4:-} tree
    [ -f "$etfs" ] || { diag "$etfs: no such file"; return 1; }
    tree=$(mktemp -d "${TMPDIR:-/tmp}/boot-iso.XXXXXX") || return 1
    mkdir -p "$tree/boot" "$tree/efi/boot" "$tree/efi/microsoft/boot"
    [ -z "$extra" ] || cp -r "$extra"/. "$tree"/
    cp "$etfs" "$tree/boot/etfsboot.com"
    cp "$efi" "$tree/efi/boot/bootx64.efi"
    if ! boot_efisys "$tree/efi/microsoft/boot/efisys.bin" "$efi"; then
        rm -rf "$tree"; return 1
    fi
    rm -f "$out"
    # No -boot-info-table: it would patch bytes 8..63 of the boot image.
    _boot_do xorriso -as mkisofs -quiet -iso-level 3 -J -joliet-long -V DARTMK_TEST \
        -o "$out" \
        -b boot/etfsboot.com -no-emul-boot -boot-load-size 8 \
        -eltorito-alt-boot -e efi/microsoft/boot/efisys.bin -no-emul-boot \
        "$tree"
    local st=$?
    rm -rf "$tree"
    return $st
}

boot_stick() { # OUT BOOTMGR EFI_LOADER [MIB]
    local out=$1 bootmgr=$2 efi=$3 mib=${4:-64} start=2048 sectors img cfg m
    [ -f "$bootmgr" ] || { diag "$bootmgr: no such file"; return 1; }
    [ -f "$efi" ] || { diag "$efi: no such file"; return 1; }
    rm -f "$out"
    _boot_do truncate -s "${mib}M" "$out" || return 1
    sectors=$(( mib * 2048 - start ))
    # sfdisk first: writing a new label may clear the boot code area.
    printf 'label: dos\nstart=%d, size=%d, type=c, bootable\n' "$start" "$sectors" |
        _boot_do sfdisk --no-reread --no-tell-kernel -q "$out" || return 1
    _boot_do dd if="$SYSLINUX_MBR" of="$out" bs=440 count=1 conv=notrunc status=none || return 1
    # FAT32 at the partition; hidden sectors = partition start, which the syslinux VBR uses.
    _boot_do mkfs.fat -F 32 -n DARTMK -h "$start" --offset "$start" "$out" $(( sectors / 2 )) ||
        return 1
    img="$out@@$(( start * 512 ))"
    _boot_do mmd -i "$img" ::/syslinux ::/EFI ::/EFI/BOOT || return 1
    _boot_do syslinux --install --offset $(( start * 512 )) --directory /syslinux "$out" || return 1
    for m in chain.c32 libcom32.c32 libutil.c32; do
        _boot_do mcopy -i "$img" "$SYSLINUX_BIOS/$m" "::/syslinux/$m" || return 1
    done
    cfg=$(mktemp "${TMPDIR:-/tmp}/boot-cfg.XXXXXX") || return 1
    printf '%s\n' 'SERIAL 0 115200' 'DEFAULT windows' 'PROMPT 0' 'TIMEOUT 0' \
        'LABEL windows' '  COM32 chain.c32' '  APPEND fs ntldr=/bootmgr' >"$cfg"
    _boot_do mcopy -i "$img" "$cfg" ::/syslinux/syslinux.cfg
    local st=$?
    rm -f "$cfg"
    [ $st -eq 0 ] || return 1
    _boot_do mcopy -i "$img" "$bootmgr" ::/bootmgr &&
        _boot_do mcopy -i "$img" "$efi" ::/EFI/BOOT/BOOTX64.EFI
}

boot_qemu() {
    "$TOP/scripts/qemu-boot" "$@"
}

# boots DESC ARGS...: one TAP test that qemu-boot ARGS... reaches its marker (the end of the
# serial log goes to the diagnostics when it does not).
boots() {
    local desc=$1
    shift
    run boot_qemu "$@"
    is "$rc" 0 "$desc"
    [ "$rc" = 0 ] || printf '%s\n' "$err" | sed 's/^#*/#/' >&2
}
