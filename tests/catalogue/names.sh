# Names and paths: hostile entries in a directory source (a copy of the DVD sample) — names FAT
# forbids, invalid UTF-8, control characters, paths past FAT's limit, names that differ only in
# case, symbolic links in and out of the tree, loops, FIFOs and devices —, in the names the build
# options put into the image (tools, drivers, files), and in target paths. What the README
# refuses is refused with its exit code and one line quoting the name escaped; what it accepts
# is shown by `inspect` (exit 0), escaped where it is printed.
AREA_MIN=40

setup() {
    cp -r "$SAMPLES/dvd" dvd
    mkdir -p tools/ok drivers/nvme files
    printf 'MZ' >tools/ok/ok.exe
    printf '[Version]\r\nClass=SCSIAdapter\r\n' >drivers/nvme/nvme.inf
    : >files/readme.txt
    truncate -s 200M disk.img
    printf 'label: gpt\nsize=100M\n' | sfdisk -q disk.img
}

# src CMD: the DVD sample copied to m/, then CMD run inside it.
src() {
    cp -r "$S/dvd" m && (cd m && eval "$1")
}
# hostile KIND DIR CMD: a copy of the tools/drivers/files folder KIND as DIR, then CMD inside it.
hostile() {
    cp -r "$S/$1" "$2" && (cd "$2" && eval "$3")
}
# longname N C: N times the letter C.
longname() {
    printf "%${1}s" '' | tr ' ' "$2"
}
# deep N: a file under N nested 8-letter folders in boot/.
deep() {
    local p=boot i
    for ((i = 0; i < $1; i++)); do p=$p/dddddddd; done
    mkdir -p "$p" && : >"$p/f"
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- names FAT forbids, refused by usb and partition before anything is written ---
fat-colon | src ': >"boot/a:b"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/a:b: FAT does not allow the characters " \* / : < > \? \\ \| or control characters in names$
fat-backslash | src ': >"efi/a\\b"' | usb m s.img --size 64M --yes | 1 | ^dartmk: efi/a\\b: FAT does not allow the characters
fat-pipe-folder | src 'mkdir "boot/x|y"; : >"boot/x|y/f"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/x\|y: FAT does not allow the characters
fat-tab | src ': >"boot/$(printf "a\tb")"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/a\\x09b: FAT does not allow the characters
fat-newline-folder | src 'mkdir "efi/$(printf "new\nline")"; : >"efi/$(printf "new\nline")/f"' | usb m s.img --size 64M --yes | 1 | ^dartmk: efi/new\\x0Aline: FAT does not allow
fat-escape-sequence | src ': >"boot/$(printf "\033[2J\033[31mred")"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/\\x1B\[2J\\x1B\[31mred: FAT does not allow
fat-invalid-utf8 | src ': >"boot/$(printf "caf\351")"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/caf\\xE9: the name is not valid UTF-8$
fat-overlong-utf8 | src ': >"boot/$(printf "a\300\257b")"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/a\\xC0\\xAFb: the name is not valid UTF-8$
fat-surrogate-utf8 | src ': >"boot/$(printf "a\355\240\200b")"' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/a\\xED\\xA0\\x80b: the name is not valid UTF-8$
fat-trailing-dot | src ': >boot/abc.' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/abc\.: the name ends with a dot or a space, which Windows drops$
fat-trailing-space | src 'mkdir "efi/dir "; : >"efi/dir /f"' | usb m s.img --size 64M --yes | 1 | ^dartmk: efi/dir : the name ends with a dot or a space, which Windows drops$
fat-name-255 | src ': >"efi/$(longname 255 n)"' | usb m s.img --size 64M --yes | 1 | ^dartmk: efi/n{255}: the path is 259 characters long
fat-deep-path | src 'deep 30' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot(/dddddddd){29}: the path is 265 characters long; on FAT, Windows reaches paths of at most 256
fat-case-files | src ': >boot/BCD2; : >boot/bcd2' | usb m s.img --size 64M --yes | 1 | ^dartmk: boot/BCD2 and boot/bcd2 collide on FAT \(names that differ only in case are the same name there\)$
fat-case-top-folders | src 'mkdir Boot; : >Boot/x' | usb m s.img --size 64M --yes | 1 | ^dartmk: Boot and boot collide on FAT
fat-case-boot-file | src 'cp boot/bcd boot/BCD' | partition m "$S/disk.img" --dry-run | 1 | ^dartmk: boot/BCD and boot/bcd collide on FAT
fat-partition-colon | src ': >"efi/boot/x:y"' | partition m "$S/disk.img" --dry-run | 1 | ^dartmk: efi/boot/x:y: FAT does not allow
whole-media-colon | src ': >"sources/$(printf "ei\ncfg")"' | usb m s.img --size 64M --yes --whole-media | 1 | ^dartmk: sources/ei\\x0Acfg: FAT does not allow
# --- accepted: inspect reads them (exit 0); what it prints is escaped ---
inspect-colon | src ': >"boot/a:b"' | inspect m | 0 | ^Recovery +42 files
inspect-case-files | src ': >boot/BCD2; : >boot/bcd2' | inspect m | 0 | ^Recovery +43 files
inspect-deep-path | src 'deep 30' | inspect m | 0 | ^Recovery +42 files
inspect-symlink-inside | src 'ln -s ../bootmgr boot/bm' | inspect m | 0 | ^Recovery +42 files
inspect-symlink-out | src 'ln -s /etc/passwd boot/pw; ln -s /etc boot/etc' | inspect m | 0 | ^Recovery +41 files
inspect-symlink-loops | src 'ln -s . boot/self; ln -s b boot/a; ln -s a boot/b; ln -s .. efi/up' | inspect m | 0 | ^Recovery +41 files
inspect-fifo-device-socket | src 'mkfifo boot/fifo; mknod boot/null c 1 3; python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"boot/sock\")"' | inspect m | 0 | ^Recovery +41 files
inspect-newline-left-out | src 'truncate -s 10M "$(printf "big\nInjected line")"' | inspect m | 0 | ^Left out +big\\x0AInjected line \(10\.0 MiB\)
inspect-source-newline | cp -r "$S/dvd" "$(printf "m\ny")" | inspect "$(printf "m\ny")" | 0 | ^Source +m\\x0Ay$
inspect-source-symlink | ln -s "$S/dvd" m | inspect m/ | 0 | ^Recovery +41 files
# --- names the build options put into the image ---
tool-colon | - | build --print-recipe --tool "a:b=$S/tools/ok" | 2 | ^dartmk: --tool 'a:b=.*': a tool's name cannot hold ':'$
tool-control | - | build --print-recipe --tool "$(printf "a\033b")=$S/tools/ok" | 2 | ^dartmk: --tool 'a\\x1Bb=.*': the name holds a control character$
tool-reserved | - | build --print-recipe --tool "con.txt=$S/tools/ok" | 2 | ^dartmk: --tool 'con\.txt=.*': Windows reserves the name 'con\.txt' for a device$
tool-trailing-dot | - | build --print-recipe --tool "ok.=$S/tools/ok" | 2 | ^dartmk: --tool 'ok\.=.*': a tool's name cannot begin with a space or end with a space or a dot$
tool-long-name | - | build --print-recipe --tool "$(longname 300 t)=$S/tools/ok" | 2 | ^dartmk: --tool 't{300}=.*': the name must be 1 to [0-9]+ characters$
tool-empty-name | - | build --print-recipe --tool "=$S/tools/ok" | 2 | ^dartmk: --tool '=.*': expected NAME=PATH\[:helpdesk\]$
tool-inside-control | hostile tools t ': >"ok/$(printf "bell\007")"' | build --print-recipe --tool "T=$W/t/ok" | 2 | ^dartmk: --tool T=.*/t/ok: the name 'bell\\x07' holds a control character$
driver-inside-invalid-utf8 | hostile drivers d 'mkdir nvme/sub; : >"nvme/sub/$(printf "x\377")"' | iso "$S/dvd" -o x.iso --driver d/nvme | 2 | ^dartmk: --driver .*/d/nvme: the name 'sub/x\\xFF' is not valid UTF-8$
files-inside-newline | hostile files f ': >"$(printf "a\nb")"' | usb "$S/dvd" s.img --size 64M --yes --add-files f | 2 | ^dartmk: --add-files .*/f: the name 'a\\x0Ab' holds a control character$
files-dest-invalid-utf8 | - | build "$S/dvd" -o out --add-files "$S/files=$(printf 'x\377y')" | 2 | ^dartmk: --add-files '.*=x\\xFFy': the destination is not valid UTF-8$
files-dest-dotdot | - | pxe "$S/dvd" -o p --add-files "$S/files=Windows/../../x" | 2 | ^dartmk: --add-files '.*': the destination must be a folder inside the image
debuggers-inside-escape | hostile files dbg ': >"$(printf "\033]0;title\007")"' | build --print-recipe --debugging-tools dbg | 2 | ^dartmk: --debugging-tools .*/dbg: the name '\\x1B\]0;title\\x07' holds a control character$
# --- target paths ---
build-into-symlink | mkdir real; ln -s real link | build "$S/dvd" -o link | 1 | ^dartmk: link: a symbolic link \(a folder is written only at its own name, not through a link\)$
pxe-into-symlink | mkdir real; ln -s real link | pxe "$S/dvd" -o link | 1 | ^dartmk: link: a symbolic link
pxe-under-symlink | mkdir -p real sub; ln -s ../real sub/l | pxe "$S/dvd" -o sub/l/p | 3 | ^dartmk: sub/l: not a folder \(a symbolic link\?\): dartmk writes only inside sub/l/p$
usb-dangling-symlink | ln -s nothere s.img | usb "$S/dvd" s.img --size 64M --yes | 1 | ^dartmk: s\.img: a symbolic link to nothing
iso-symlink-to-nothing | ln -s nothere x.iso | iso "$S/dvd" -o x.iso | 3 | ^dartmk: x\.iso: exists and is not a regular file
iso-name-newline | - | iso "$S/dvd" -o "$(printf 'a\nb')" | 2 | ^dartmk iso: a\\x0Ab: the name must end in \.iso
iso-missing-folder | - | iso "$S/dvd" -o "$(printf 'no\tdir')/x.iso" | 1 | ^dartmk: no\\x09dir/x\.iso: cannot write: No such file or directory$
build-under-file | : >afile | build "$S/dvd" -o afile/out | 1 | ^dartmk: afile/out: cannot make the folder: Not a directory$
usb-dev-newline | - | usb "$S/dvd" "$(printf '/dev/sd\nq')" --yes | 3 | ^dartmk: /dev/sd\\x0Aq: no such device \(no file is made in /dev\)$
ROWS
}
