# shellcheck shell=bash
# shellcheck disable=SC2034 # AREA_MIN, WIN, CASE_DEVICES: read by tests/cli/catalogue.t and the rows
# Safety refusals (exit 3) of the writing commands — usb, partition (and --restore-table), iso,
# pxe, build, burn — against targets that are in use or are not what they look like: a mounted
# file system, swap (a device and a file), a device another program holds open O_EXCL, the
# system disk, a partition node, the file behind a loop device in use, a new name in /dev,
# character devices, folders, read-only devices. Loop devices come from case_loop (detached
# after each case, ours only); what a prep starts that outlives it (a mount, a swap, a holder
# process, an immutable flag) is undone by teardown, from the commands `undo` recorded.
AREA_MIN=30

# undo CMD: a command teardown runs after the case (the last recorded first).
undo() { printf '%s\n' "$*" >>"$W/.undo"; }
teardown() {
    [ -f .undo ] || return 0
    tac .undo | while IFS= read -r c; do eval "$c"; done
    rm -f .undo
}

# mounted: an ext4 image on a loop device, mounted read-only on mnt (nothing writes to it while
# it is mounted); sets L (the loop device) and CASE_DEVICES.
mounted() {
    truncate -s 8M fs.img && mkfs.ext4 -q -F fs.img && L=$(case_loop fs.img) && mkdir mnt &&
        mount -o ro "$L" mnt && undo "umount $W/mnt" && CASE_DEVICES=$L
}
# swapdev: a swap area on a loop device, swapon'd; sets L.
swapdev() {
    truncate -s 8M sw.img && mkswap -q sw.img >/dev/null && L=$(case_loop sw.img) &&
        swapon "$L" && undo "swapoff $L"
}
# swapfile FILE: FILE made a swap file in use.
swapfile() {
    dd if=/dev/zero of="$1" bs=1M count=8 status=none && chmod 600 "$1" &&
        mkswap -q "$1" >/dev/null && swapon "$1" && undo "swapoff $W/$1"
}
# disk FILE SIZE: a GPT with one partition of 1 MiB at 1 MiB (36M: room for a stick, or for
# --size 33M), on a loop device: L.
disk() {
    python3 "$TOP/tests/lib/ptgen.py" gpt "$1" "$2" parts=2048:2048:esp && L=$(case_loop "$1") &&
        CASE_DEVICES=$L
}
# hold DEV: a process holding DEV open with O_EXCL (as a mount or a partitioner does) until
# teardown; returns once it holds it.
hold() {
    python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(120)' "$1" "$W/.held" >/dev/null 2>&1 &
    undo "kill $!"
    for _ in $(seq 100); do [ -e "$W/.held" ] && return 0; sleep 0.05; done
    return 1
}
# partnode: a loop device whose partition 1 the kernel knows (partx), its node /dev/loopNp1: P
# (a partition an earlier user of the loop device left is dropped first; teardown drops ours).
partnode() {
    disk d.img 8M && { partx -d "$L" 2>/dev/null || :; } && partx -a "$L" && undo "partx -d $L" &&
        P=${L}p1 && [ -b "$P" ]
}
# sysdisk: the disk holding / (the whole disk of its partition).
sysdisk() {
    local s p
    s=$(findmnt -no SOURCE /) && p=$(lsblk -no PKNAME "$s" 2>/dev/null | head -1)
    echo "/dev/${p:-${s#/dev/}}"
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- a mounted file system ---
usb-mounted | mounted | usb "$SAMPLES/dvd" "$L" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: /dev/loop[0-9]+ is mounted at .*/mnt; unmount it first$
partition-mounted | mounted | partition "$SAMPLES/dvd" "$L" --yes | 3 | ^dartmk: /dev/loop[0-9]+: /dev/loop[0-9]+ is mounted at .*/mnt; unmount it first$
restore-table-mounted | mounted && printf 'label: dos\nstart=2048,size=2048\n' > t.sfdisk | partition --restore-table t.sfdisk "$L" --yes | 3 | ^dartmk: /dev/loop[0-9]+: /dev/loop[0-9]+ is mounted at .*/mnt; unmount it first$
usb-mounted-symlink | mounted && ln -s "$L" stick | usb "$SAMPLES/dvd" stick --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: /dev/loop[0-9]+ is mounted at .*/mnt
usb-mounted-backing-file | mounted | usb "$SAMPLES/dvd" fs.img --yes | 3 | ^dartmk: fs\.img: is the file behind /dev/loop[0-9]+ \(/dev/loop[0-9]+: /dev/loop[0-9]+ is mounted at .*/mnt; unmount it first\)$
partition-mounted-backing-file | mounted | partition "$SAMPLES/dvd" fs.img --yes | 3 | ^dartmk: fs\.img: is the file behind /dev/loop[0-9]+ \(.*mounted at
usb-mountpoint-folder | mounted | usb "$SAMPLES/dvd" mnt --yes | 3 | ^dartmk: mnt: not a disk or a regular file$
# --- swap ---
usb-swap-device | swapdev | usb "$SAMPLES/dvd" "$L" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: is used as swap; swapoff it first$
partition-swap-device | swapdev | partition "$SAMPLES/dvd" "$L" --yes | 3 | ^dartmk: /dev/loop[0-9]+: is used as swap; swapoff it first$
usb-swap-backing-file | swapdev | usb "$SAMPLES/dvd" sw.img --yes | 3 | ^dartmk: sw\.img: is the file behind /dev/loop[0-9]+ \(/dev/loop[0-9]+: is used as swap; swapoff it first\)$
usb-swap-file | swapfile sw | usb "$SAMPLES/dvd" sw --yes | 3 | ^dartmk: sw: is used as swap; swapoff it first$
partition-swap-file-hardlink | swapfile sw && ln sw other | partition "$SAMPLES/dvd" other --yes | 3 | ^dartmk: other: is used as swap; swapoff it first$
usb-swap-file-symlink | swapfile sw && ln -s sw link | usb "$SAMPLES/dvd" link --yes | 3 | ^dartmk: link: is used as swap; swapoff it first$
restore-table-swap-file | swapfile sw && printf 'label: dos\nstart=2048,size=2048\n' > t.sfdisk | partition --restore-table t.sfdisk sw --yes | 3 | ^dartmk: sw: is used as swap; swapoff it first$
# --- held open O_EXCL by another program ---
usb-held | disk d.img 36M && hold "$L" | usb "$SAMPLES/dvd" "$L" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: in use \(mounted, or opened by another program\)$
partition-held | disk d.img 36M && hold "$L" | partition "$SAMPLES/dvd" "$L" --yes --size 33M --bios-boot none | 3 | ^dartmk: /dev/loop[0-9]+: in use \(mounted, or opened by another program\)$
usb-held-backing-file | disk d.img 8M && hold "$L" | usb "$SAMPLES/dvd" d.img --yes | 3 | ^dartmk: d\.img: is the file behind /dev/loop[0-9]+, which is in use by another program$
# --- the system disk ---
usb-system-disk | [ -b "$(sysdisk)" ] | usb "$SAMPLES/dvd" "$(sysdisk)" --yes --force | 3 | ^dartmk: /dev/[a-z0-9]+: holds the running system .*refused even with --force$
partition-system-disk | [ -b "$(sysdisk)" ] | partition "$SAMPLES/dvd" "$(sysdisk)" --yes --force | 3 | ^dartmk: /dev/[a-z0-9]+: holds the running system .*refused even with --force$
restore-table-system-disk | [ -b "$(sysdisk)" ] && printf 'label: dos\nstart=2048,size=2048\n' > t.sfdisk | partition --restore-table t.sfdisk "$(sysdisk)" --yes | 3 | ^dartmk: /dev/[a-z0-9]+: holds the running system
usb-system-disk-symlink | [ -b "$(sysdisk)" ] && ln -s "$(sysdisk)" disk | usb "$SAMPLES/dvd" disk --yes --force | 3 | ^dartmk: /dev/[a-z0-9]+: holds the running system
burn-system-disk | [ -b "$(sysdisk)" ] | burn "$SAMPLES/dvd.iso" --drive "stdio:$(sysdisk)" --no-verify | 3 | ^dartmk: stdio:/dev/[a-z0-9]+: is a disk; not written \(burn writes discs and files; dartmk usb writes disks\)$
# --- partitions ---
usb-partition-node | partnode | usb "$SAMPLES/dvd" "$P" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+p1: is a partition; give the whole disk \(/dev/loop[0-9]+\)$
partition-partition-node | partnode | partition "$SAMPLES/dvd" "$P" --yes | 3 | ^dartmk: /dev/loop[0-9]+p1: is a partition; give the whole disk \(/dev/loop[0-9]+\)$
usb-partition-node-elsewhere | partnode && mknod part b $(stat -c '0x%t 0x%T' "$P") | usb "$SAMPLES/dvd" part --yes --force | 3 | ^dartmk: part: is a partition; give the whole disk \(/dev/loop[0-9]+\)$
# --- new names in /dev ---
usb-new-in-dev | - | usb "$SAMPLES/dvd" /dev/sdz-not-there --size 64M --yes | 3 | ^dartmk: /dev/sdz-not-there: no such device \(no file is made in /dev\)$
partition-new-in-dev | - | partition "$SAMPLES/dvd" /dev/sdz9 --yes | 3 | ^dartmk: /dev/sdz9: no such device \(no file is made in /dev\)$
iso-new-in-dev | - | iso "$SAMPLES/dvd" -o /dev/dartmk-not-there.iso | 3 | ^dartmk: /dev/dartmk-not-there\.iso: no such device \(no file is made in /dev\)$
pxe-new-in-dev | - | pxe "$SAMPLES/dvd" -o /dev/dartmk-tftp-not-there | 3 | ^dartmk: /dev/dartmk-tftp-not-there: no such folder \(no folder is made in /dev\)$
build-new-in-dev | - | build "$SAMPLES/dvd" -o /dev/dartmk-tree-not-there | 3 | ^dartmk: /dev/dartmk-tree-not-there: no such folder \(no folder is made in /dev\)$
burn-new-in-dev | - | burn "$SAMPLES/dvd.iso" --drive stdio:/dev/dartmk-not-there | 3 | ^dartmk: stdio:/dev/dartmk-not-there: no such device \(no file is made in /dev\)$
# --- not disks: character devices, folders, FIFOs ---
usb-dev-null | - | usb "$SAMPLES/dvd" /dev/null --yes --force | 3 | ^dartmk: /dev/null: not a disk or a regular file$
partition-dev-zero | - | partition "$SAMPLES/dvd" /dev/zero --yes | 3 | ^dartmk: /dev/zero: not a disk or a regular file$
usb-char-device | mknod cdev c 1 7 | usb "$SAMPLES/dvd" cdev --yes --force | 3 | ^dartmk: cdev: not a disk or a regular file$
iso-dev-null | - | iso "$SAMPLES/dvd" -o /dev/null --force | 3 | ^dartmk: /dev/null: exists and is not a regular file; an ISO is written only as a file
usb-folder | mkdir stick | usb "$SAMPLES/dvd" stick --yes | 3 | ^dartmk: stick: not a disk or a regular file$
usb-fifo | mkfifo stick | usb "$SAMPLES/dvd" stick --yes | 3 | ^dartmk: stick: not a disk or a regular file$
burn-loop-device | disk d.img 8M | burn "$SAMPLES/dvd.iso" --drive "stdio:$L" | 3 | ^dartmk: stdio:/dev/loop[0-9]+: is a disk; not written
# --- read-only, fixed, not confirmed, the source itself ---
usb-readonly-loop | truncate -s 8M d.img && L=$(case_loop d.img -r) && CASE_DEVICES=$L | usb "$SAMPLES/dvd" "$L" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: is read-only \(a write-protect switch, or the kernel's read-only flag\)$
partition-readonly-loop | python3 "$TOP/tests/lib/ptgen.py" gpt d.img 8M parts=2048:2048:esp && L=$(case_loop d.img -r) && CASE_DEVICES=$L | partition "$SAMPLES/dvd" "$L" --yes --size 33M | 3 | ^dartmk: /dev/loop[0-9]+: is read-only
usb-immutable-file | truncate -s 36M d.img && chattr +i d.img && undo "chattr -i $W/d.img" | usb "$SAMPLES/dvd" d.img --yes | 1 | ^dartmk: d\.img: cannot open for writing: Operation not permitted$
usb-fixed-disk | disk d.img 8M | usb "$SAMPLES/dvd" "$L" --yes | 3 | ^dartmk: /dev/loop[0-9]+: not a removable disk \(a loop device on .*/d\.img, 8\.0 MiB\); --force writes to it anyway$
partition-unconfirmed | disk d.img 36M | partition "$SAMPLES/dvd" "$L" --size 33M --bios-boot none | 3 | ^dartmk: /dev/loop[0-9]+: would be given a recovery partition; there is no terminal to ask on: --yes confirms$
usb-loop-over-source | cp "$SAMPLES/dvd.iso" src.iso && L=$(case_loop src.iso) && CASE_DEVICES=$L | usb src.iso "$L" --yes --force | 3 | ^dartmk: /dev/loop[0-9]+: its file .*/src\.iso is the SOURCE$
usb-target-is-source | cp "$SAMPLES/dvd.iso" src.iso | usb src.iso src.iso --yes | 3 | ^dartmk: src\.iso: is the SOURCE$
# --- folders and files that hold something ---
pxe-symlinked-folder | mkdir tftp elsewhere && ln -s "$W/elsewhere" tftp/Boot | pxe "$SAMPLES/dvd" -o tftp --force | 3 | ^dartmk: tftp/Boot: not a folder \(a symbolic link\?\): dartmk writes only inside tftp$
pxe-update-not-ours | mkdir tftp && echo x > tftp/file | pxe "$SAMPLES/dvd" -o tftp --update | 3 | ^dartmk: tftp: not a network boot tree dartmk wrote
burn-file-holds-data | echo data > disc.bin | burn "$SAMPLES/dvd.iso" --drive stdio:disc.bin | 3 | ^dartmk: stdio:disc\.bin: holds data \(a file of 5 B\); --blank erases it \(asks first\)$
burn-blank-unasked | echo data > disc.bin | burn "$SAMPLES/dvd.iso" --drive stdio:disc.bin --blank | 3 | ^dartmk: stdio:disc\.bin: holds data \(a file of 5 B\); not blanked without confirmation
ROWS
}
