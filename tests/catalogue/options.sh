# Hostile command lines, over every command: numbers out of range or not numbers (overflow, 2^64,
# -1, 1e9, hex, trailing garbage, leading space or '+', empty), sizes with bad suffixes, missing
# and extra operands, missing option values (and values that are options), unknown, abbreviated,
# repeated and contradicting options, bad choices (--scheme, --mode, --bios-boot, --progress),
# options of one command given to another, `--`, 100 kB arguments, control characters, invalid
# UTF-8 and NUL-like bytes (an overlong UTF-8 NUL: a real NUL cannot be in an argument). SOURCE
# is valid sample media, so the option is what is refused; targets are files in $W.
AREA_MIN=100

I=$SAMPLES/dvd.iso
D=$SAMPLES/dvd

setup() {
    # A 2 GiB sparse GPT disk holding a system (an ESP and a data partition), free space after.
    truncate -s 2G gpt.img
    printf 'label: gpt\nstart=2048, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nsize=1G, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' |
        sfdisk -q gpt.img
    # An 80 MiB stick with an old MBR table (what usb saves before writing).
    truncate -s 80M table.img
    printf 'label: dos\nstart=2048, type=c\n' | sfdisk -q table.img
}

long_arg() { head -c 102400 /dev/zero | tr '\0' a; } # 100 kB
chars() { head -c "$1" /dev/zero | tr '\0' "$2"; }
stick() { truncate -s 80M stick.img; } # past 64 MiB: the runner compares it by mtime, not by hashing it
tabled() { cp --sparse=always "$S/table.img" stick.img; }
disk() { cp --sparse=always "$S/gpt.img" disk.img; }
src_iso() { cp "$I" in.iso; }
src_dir() { cp -r "$D" src; }

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- dartmk itself ---------------------------------------------------------------------------
no-command | - | $NO_ARGUMENTS | 2 | ^dartmk: no command given
unknown-command | - | frobnicate "$I" | 2 | ^dartmk: 'frobnicate' is not a dartmk command
command-upper-case | - | INSPECT "$I" | 2 | 'INSPECT' is not a dartmk command
command-empty | - | '' "$I" | 2 | ^dartmk: '' is not a dartmk command
option-before-command | - | --json inspect "$I" | 2 | '--json' is not a dartmk command
help-unknown-command | - | help frobnicate | 2 | 'frobnicate' is not a dartmk command
command-control-chars | - | $'in\x1b[31mspect' | 2 | 'in\\x1B\[31mspect' is not a dartmk command
# --- inspect ---------------------------------------------------------------------------------
inspect-no-source | - | inspect | 2 | ^dartmk inspect: no SOURCE given
inspect-two-sources | - | inspect "$I" "$D" | 2 | ^dartmk inspect: one SOURCE at a time
inspect-index-zero | - | inspect "$I" --image-index 0 | 2 | --image-index: '0' is not an image number
inspect-index-negative | - | inspect "$I" --image-index -1 | 2 | --image-index: '-1' is not an image number
inspect-index-2p64 | - | inspect "$I" --image-index 18446744073709551616 | 2 | '18446744073709551616' is not an image number
inspect-index-above-max | - | inspect "$I" --image-index 1000001 | 2 | '1000001' is not an image number
inspect-index-hex | - | inspect "$I" --image-index 0x2 | 2 | '0x2' is not an image number
inspect-index-exponent | - | inspect "$I" --image-index 1e9 | 2 | '1e9' is not an image number
inspect-index-trailing | - | inspect "$I" --image-index 2x | 2 | '2x' is not an image number
inspect-index-leading-space | - | inspect "$I" --image-index ' 2' | 2 | ' 2' is not an image number
inspect-index-plus | - | inspect "$I" --image-index +2 | 2 | '\+2' is not an image number
inspect-index-missing | - | inspect "$I" --image-index | 2 | option '--image-index' needs a value
inspect-index-empty | - | inspect "$I" --image-index= | 2 | --image-index '': it is empty
inspect-index-eats-option | - | inspect "$I" --image-index --quick | 2 | option '--image-index' needs a value \('--quick' is an option\)
inspect-index-eats-dashdash | - | inspect "$I" --image-index -- | 2 | option '--image-index' needs a value \('--' is an option\)
inspect-index-twice | - | inspect "$I" --image-index 1 --image-index 2 | 2 | --image-index given twice \('1' and '2'\)
inspect-index-not-in-wim | - | inspect "$I" --image-index 3 | 1 | image index 3 does not exist \(the WIM has 2 images\)
inspect-index-ok | - | inspect "$I" --image-index 1 --quick | 0 | Windows PE
inspect-quick-value | - | inspect "$I" --quick=yes | 2 | option '--quick' takes no value
inspect-json-value | - | inspect "$I" --json=1 | 2 | option '--json' takes no value
inspect-unknown-long | - | inspect "$I" --bogus | 2 | ^dartmk inspect: unknown option '--bogus'
inspect-unknown-in-bundle | - | inspect "$I" -Zq | 2 | unknown option '-Z' \(see
inspect-abbreviated | - | inspect "$I" --quic | 2 | unknown option '--quic' \(options are not abbreviated: --quick\?\)
inspect-usb-option | - | inspect "$I" --scheme gpt | 2 | unknown option '--scheme'
inspect-output-option | - | inspect "$I" -o out.iso | 2 | unknown option '-o'
inspect-dashdash-operand | - | inspect -- --image-index | 1 | ^dartmk: --image-index: no such file
inspect-dashdash-extra | - | inspect "$I" -- --quick | 2 | one SOURCE at a time
inspect-empty-source | - | inspect '' | 2 | an empty argument \(''\) where a name goes
inspect-quiet-verbose | - | inspect "$I" -q -v | 2 | --quiet and --verbose: one or the other
inspect-progress-choice | - | inspect "$I" --progress=BAR | 2 | --progress: 'BAR' is not auto, none, bar or json
inspect-progress-missing | - | inspect "$I" --progress | 2 | option '--progress' needs a value
inspect-progress-twice | - | inspect "$I" --progress=json --progress=none | 2 | --progress given twice
inspect-long-source | - | inspect "$(long_arg)" | 1 | ^dartmk: a{1000}.*: File name too long$
inspect-control-source | - | inspect $'dvd\n\x1b.iso' | 1 | ^dartmk: dvd\\x0A\\x1B\.iso: no such file
# --- build -----------------------------------------------------------------------------------
build-no-output | - | build "$D" | 2 | no output folder given \(-o DIR\)
build-output-missing | - | build "$D" -o | 2 | option '-o' needs a value
build-output-empty | - | build "$D" -o '' | 2 | --output '': it is empty
build-output-eats-json | - | build "$D" -o --json | 2 | option '--output' needs a value \('--json' is an option\)
build-output-twice | - | build "$D" -o out -o out2 | 2 | --output given twice \('out' and 'out2'\)
build-output-is-file | truncate -s 1M out | build "$D" -o out | 1 | ^dartmk: out: exists and is not a folder
build-into-source | src_dir | build src -o src/out | 3 | src/out: is the source .* or inside it
build-expire-zero | - | build "$D" -o out --expire-days 0 | 2 | --expire-days: '0' is not a number of days \(1 to 36500\)
build-expire-over | - | build "$D" -o out --expire-days 36501 | 2 | '36501' is not a number of days
build-expire-2p64 | - | build "$D" -o out --expire-days 18446744073709551616 | 2 | '18446744073709551616' is not a number of days
build-expire-garbage | - | build "$D" -o out --expire-days 10x | 2 | '10x' is not a number of days
build-expire-twice | - | build "$D" -o out --expire-days 5 --expire-days 6 | 2 | --expire-days given twice
build-port-over | - | build "$D" -o out --remote --remote-port 70000 | 2 | --remote-port: '70000' is not a TCP port \(1 to 65535\)
build-port-zero | - | build "$D" -o out --remote --remote-port 0 | 2 | --remote-port: '0' is not a TCP port
build-port-without-remote | - | build "$D" -o out --remote-port 3389 | 2 | --remote-port needs --remote
build-remote-without-tool | - | build "$D" -o out --remote | 2 | --remote needs --remote-tool NAME
build-remote-value | - | build "$D" -o out --remote=yes | 2 | option '--remote' takes no value
build-message-2049 | - | build "$D" -o out --remote --remote-message "$(chars 2049 m)" | 2 | --remote-message: 2049 characters; the limit is 2048
build-message-100k | - | build "$D" -o out --remote --remote-message "$(long_arg)" | 2 | --remote-message: 102400 characters
build-message-eats-option | - | build "$D" -o out --remote --remote-message -q | 2 | option '--remote-message' needs a value \('-q' is an option\)
build-tool-no-equals | - | build "$D" -o out --tool noequals | 2 | --tool 'noequals': expected NAME=PATH
build-tool-no-name | - | build "$D" -o out --tool "=$D" | 2 | expected NAME=PATH
build-tool-reserved | - | build "$D" -o out --tool "CON=$D" | 2 | Windows reserves the name 'CON'
build-tool-control | - | build "$D" -o out --tool $'A\x01B='"$D" | 2 | --tool 'A\\x01B=.*': the name holds a control character
build-tool-invalid-utf8 | - | build "$D" -o out --tool $'\xff\xfe='"$D" | 2 | the name is not valid UTF-8
build-tool-nul-like | - | build "$D" -o out --tool $'A\xc0\x80B='"$D" | 2 | the name is not valid UTF-8
build-add-files-dotdot | - | build "$D" -o out --add-files "$D/boot=../up" | 2 | the destination must be a folder inside the image
build-driver-empty | - | build "$D" -o out --driver '' | 2 | --driver '': it is empty
build-recipe-missing | - | build "$D" -o out --recipe nothere.ini | 1 | nothere\.ini: cannot read the recipe
build-recipe-twice | - | build "$D" -o out --recipe a.ini --recipe b.ini | 2 | --recipe given twice
build-print-recipe-value | - | build "$D" -o out --print-recipe=yes | 2 | option '--print-recipe' takes no value
build-iso-option | - | build "$D" -o out --label DART | 2 | unknown option '--label'
build-usb-option | - | build "$D" -o out --yes | 2 | unknown option '--yes'
build-abbreviated-driver | - | build "$D" -o out --drive /dev/sr0 | 2 | unknown option '--drive' \(options are not abbreviated: --driver\?\)
build-dashdash-extra | - | build "$D" -o out -- --force | 2 | one SOURCE at a time
# --- iso -------------------------------------------------------------------------------------
iso-no-source | - | iso -o out.iso | 2 | ^dartmk iso: no SOURCE given
iso-extra-operand | - | iso "$I" extra -o out.iso | 2 | one SOURCE at a time
iso-name-not-iso | - | iso "$I" -o out.img | 2 | out\.img: the name must end in \.iso
iso-output-empty | - | iso "$I" -o '' | 2 | --output '': it is empty
iso-output-eats-force | - | iso "$I" -o --force | 2 | option '--output' needs a value \('--force' is an option\)
iso-output-twice | - | iso "$I" -o a.iso -o b.iso | 2 | --output given twice \('a\.iso' and 'b\.iso'\)
iso-label-33 | - | iso "$I" -o out.iso --label "$(chars 33 A)" | 2 | longer than 32 characters \(the ISO 9660 limit\)
iso-label-100k | - | iso "$I" -o out.iso --label "$(long_arg)" | 2 | --label 'a{1000}.*': longer than 32 characters
iso-label-space | - | iso "$I" -o out.iso --label 'DART X' | 2 | only letters, digits, '_' and '-' are allowed
iso-label-newline | - | iso "$I" -o out.iso --label $'DART\nX' | 2 | --label 'DART\\x0AX': only letters
iso-label-invalid-utf8 | - | iso "$I" -o out.iso --label $'\xc3\x28' | 2 | --label '\\xC3\(': only letters, digits
iso-label-twice | - | iso "$I" -o out.iso --label A --label B | 2 | --label given twice
iso-no-boot-value | - | iso "$I" -o out.iso --no-boot=1 | 2 | option '--no-boot' takes no value
iso-usb-option | - | iso "$I" -o out.iso --size 1G | 2 | unknown option '--size'
iso-burn-option | - | iso "$I" -o out.iso --drive /dev/sr0 | 2 | unknown option '--drive'
iso-index-not-number | - | iso "$I" -o out.iso --image-index x | 2 | --image-index: 'x' is not an image number
iso-over-source | src_iso | iso in.iso -o in.iso --force | 3 | in\.iso: is the source in\.iso or inside it; write the ISO elsewhere
iso-inside-source | src_dir | iso src -o src/x.iso | 3 | src/x\.iso: is the source src or inside it
iso-exists | touch out.iso | iso "$I" -o out.iso | 3 | out\.iso: exists \(--force replaces it\)
iso-dev-null | - | iso "$I" -o /dev/null --force | 3 | /dev/null: exists and is not a regular file
iso-no-folder | - | iso "$I" -o nodir/out.iso | 1 | nodir/out\.iso: cannot write
# --- burn ------------------------------------------------------------------------------------
burn-no-iso | - | burn --drive stdio:out.iso | 2 | no FILE\.iso given
burn-two-isos | - | burn "$I" "$I" --drive stdio:out.iso | 2 | one FILE\.iso at a time
burn-no-drive | - | burn "$I" | 2 | no drive given \(--drive /dev/sr0, or --drive stdio:PATH\)
burn-drive-missing | - | burn "$I" --drive | 2 | option '--drive' needs a value
burn-drive-empty | - | burn "$I" --drive '' | 2 | --drive '': it is empty
burn-drive-twice | - | burn "$I" --drive stdio:a.iso --drive stdio:b.iso | 2 | --drive given twice
burn-speed-zero | - | burn "$I" --drive stdio:out.iso --speed 0 | 2 | --speed: '0' is not a speed in kB/s
burn-speed-negative | - | burn "$I" --drive stdio:out.iso --speed -1 | 2 | --speed: '-1' is not a speed
burn-speed-over | - | burn "$I" --drive stdio:out.iso --speed 1000001 | 2 | '1000001' is not a speed
burn-speed-2p64 | - | burn "$I" --drive stdio:out.iso --speed 18446744073709551616 | 2 | '18446744073709551616' is not a speed
burn-speed-times | - | burn "$I" --drive stdio:out.iso --speed 4x | 2 | '4x' is not a speed
burn-speed-upper-max | - | burn "$I" --drive stdio:out.iso --speed MAX | 2 | 'MAX' is not a speed
burn-speed-hex | - | burn "$I" --drive stdio:out.iso --speed 0x100 | 2 | '0x100' is not a speed
burn-blank-value | - | burn "$I" --drive stdio:out.iso --blank=yes | 2 | option '--blank' takes no value
burn-build-option | - | burn "$I" --drive stdio:out.iso --tool "X=$D" | 2 | unknown option '--tool'
burn-output-option | - | burn "$I" --drive stdio:out.iso -o x.iso | 2 | unknown option '-o'
burn-stdio-nothing | - | burn "$I" --drive stdio: | 1 | stdio:: names no file
burn-stdio-itself | src_iso | burn in.iso --drive stdio:in.iso --blank --yes | 1 | stdio:in\.iso: is in\.iso itself
burn-folder | - | burn "$D" --drive stdio:out.iso | 1 | not an ISO 9660 image \(a folder\)
burn-stdio-new-in-dev | - | burn "$I" --drive stdio:/dev/dartmk-no-such | 3 | stdio:/dev/dartmk-no-such: no such device \(no file is made in /dev\)
# --- usb -------------------------------------------------------------------------------------
usb-no-target | - | usb "$I" | 2 | ^dartmk usb: no TARGET given
usb-target-twice | stick | usb "$I" stick.img stick.img --yes | 2 | ^dartmk: stick\.img: named twice \(as stick\.img too\)$
usb-target-twice-path | stick | usb "$I" stick.img ./stick.img --yes | 2 | ^dartmk: \./stick\.img: named twice \(as stick\.img too\)$
usb-targets-backup-table | stick | usb "$I" stick.img b.img --size 64M --yes --backup-table t.sfdisk | 2 | --backup-table names one file: with several disks each table is saved in the state folder
usb-empty-target | - | usb "$I" '' --yes | 2 | an empty argument \(''\)
usb-scheme-missing | stick | usb "$I" stick.img --yes --scheme | 2 | option '--scheme' needs a value
usb-scheme-upper | stick | usb "$I" stick.img --yes --scheme GPT | 2 | --scheme 'GPT': mbr or gpt
usb-scheme-list | stick | usb "$I" stick.img --yes --scheme mbr,gpt | 2 | --scheme 'mbr,gpt': mbr or gpt
usb-scheme-twice | stick | usb "$I" stick.img --yes --scheme mbr --scheme gpt | 2 | --scheme given twice \('mbr' and 'gpt'\)
usb-mode-raw | stick | usb "$I" stick.img --yes --mode raw | 2 | --mode 'raw': fat or dd
usb-mode-upper | stick | usb "$I" stick.img --yes --mode DD | 2 | --mode 'DD': fat or dd
usb-dd-scheme | stick | usb "$I" stick.img --yes --mode dd --scheme gpt | 2 | --mode dd writes SOURCE as it is: --scheme does not apply
usb-dd-label | stick | usb "$I" stick.img --yes --mode dd --label X | 2 | --mode dd writes SOURCE as it is: --label does not apply
usb-dd-build-option | stick | usb "$I" stick.img --yes --mode dd --expire-days 5 | 2 | build options do not apply \(use --mode fat\)
usb-dd-print-recipe | stick | usb "$I" stick.img --yes --mode dd --print-recipe | 2 | --print-recipe: --mode dd takes no recipe
usb-label-12 | stick | usb "$I" stick.img --yes --label ABCDEFGHIJKL | 2 | --label 'ABCDEFGHIJKL': longer than 11 characters
usb-label-star | stick | usb "$I" stick.img --yes --label 'A*B' | 2 | --label 'A\*B': FAT labels allow only
usb-label-control | stick | usb "$I" stick.img --yes --label $'A\x7f' | 2 | --label 'A\\x7F': FAT labels allow only
usb-label-eats-yes | stick | usb "$I" stick.img --label --yes | 2 | option '--label' needs a value \('--yes' is an option\)
usb-size-zero | - | usb "$I" new.img --yes --size 0 | 2 | --size '0': a size of at least 1M
usb-size-below-1m | - | usb "$I" new.img --yes --size 1023K | 2 | --size '1023K': a size of at least 1M
usb-size-not-512 | - | usb "$I" new.img --yes --size 1048577 | 2 | --size '1048577'
usb-size-lower-suffix | - | usb "$I" new.img --yes --size 1g | 2 | --size '1g'
usb-size-gb | - | usb "$I" new.img --yes --size 1GB | 2 | --size '1GB'
usb-size-gib | - | usb "$I" new.img --yes --size 1GiB | 2 | --size '1GiB'
usb-size-peta | - | usb "$I" new.img --yes --size 1P | 2 | --size '1P'
usb-size-fraction | - | usb "$I" new.img --yes --size 1.5G | 2 | --size '1\.5G'
usb-size-negative | - | usb "$I" new.img --yes --size -1G | 2 | --size '-1G'
usb-size-2p64 | - | usb "$I" new.img --yes --size 18446744073709551616 | 2 | --size '18446744073709551616'
usb-size-shift-overflow | - | usb "$I" new.img --yes --size 16777216T | 2 | --size '16777216T'
usb-size-hex | - | usb "$I" new.img --yes --size 0x100000 | 2 | --size '0x100000'
usb-size-leading-space | - | usb "$I" new.img --yes --size ' 1G' | 2 | --size ' 1G'
usb-size-twice | - | usb "$I" new.img --yes --size 64M --size 128M | 2 | --size given twice
usb-size-8eib | - | usb "$I" new.img --yes --size 9223372036854775808 | 1 | too large for FAT32
usb-new-without-size | - | usb "$I" new.img --yes | 1 | new\.img: no such file or device \(--size SIZE makes a stick image\)
usb-no-yes | stick | usb "$I" stick.img | 3 | stick\.img: would be erased; there is no terminal to ask on: --yes confirms
usb-yes-value | stick | usb "$I" stick.img --yes=1 | 2 | option '--yes' takes no value
usb-backup-empty | tabled | usb "$I" stick.img --yes --backup-table '' | 2 | --backup-table '': it is empty
usb-backup-100k | tabled | usb "$I" stick.img --yes --backup-table "$(long_arg)" | 1 | cannot save the partition table of stick\.img: File name too long
usb-abbreviated-drive | stick | usb "$I" stick.img --yes --drive /dev/sr0 | 2 | unknown option '--drive' \(options are not abbreviated: --driver\?\)
usb-partition-option | stick | usb "$I" stick.img --yes --bios-boot menu | 2 | unknown option '--bios-boot'
usb-output-option | stick | usb "$I" stick.img --yes -o out.img | 2 | unknown option '-o'
usb-target-is-source | src_iso | usb in.iso in.iso --yes | 3 | in\.iso: is the SOURCE
usb-dev-null | - | usb "$I" /dev/null --yes | 3 | /dev/null: not a disk or a regular file
usb-new-in-dev | - | usb "$I" /dev/sdzz9 --yes --size 64M | 3 | /dev/sdzz9: no such device \(no file is made in /dev\)
# --- partition -------------------------------------------------------------------------------
part-no-disk | - | partition "$D" | 2 | ^dartmk partition: no DISK given
part-extra-operand | disk | partition "$D" disk.img disk.img --dry-run | 2 | one SOURCE and one DISK at a time
part-size-zero | disk | partition "$D" disk.img --dry-run --size 0 | 2 | --size '0': a size in bytes or with K, M, G or T
part-size-1k | disk | partition "$D" disk.img --dry-run --size 1K | 2 | --size '1K': at least 1M
part-size-suffix | disk | partition "$D" disk.img --dry-run --size 1X | 2 | --size '1X'
part-size-2p64 | disk | partition "$D" disk.img --dry-run --size 18446744073709551616 | 2 | --size '18446744073709551616'
part-size-no-room | disk | partition "$D" disk.img --dry-run --size 16383T | 1 | not enough free space: the recovery partition needs .* the largest free extent is
part-at-zero | disk | partition "$D" disk.img --dry-run --at 0 | 2 | --at '0': end, or a start sector
part-at-end-upper | disk | partition "$D" disk.img --dry-run --at END | 2 | --at 'END': end, or a start sector
part-at-2p31 | disk | partition "$D" disk.img --dry-run --at 2147483648 | 2 | --at '2147483648'
part-at-unit | disk | partition "$D" disk.img --dry-run --at 2048s | 2 | --at '2048s'
part-at-unaligned | disk | partition "$D" disk.img --dry-run --at 100 | 1 | --at 100: the start must be on a 1 MiB boundary
part-at-twice | disk | partition "$D" disk.img --dry-run --at end --at 4096 | 2 | --at given twice \('end' and '4096'\)
part-name-empty | disk | partition "$D" disk.img --dry-run --name '' | 2 | --name '': it is empty
part-name-37 | disk | partition "$D" disk.img --dry-run --name "$(chars 37 n)" | 2 | the GPT partition name is longer than 36
part-name-control | disk | partition "$D" disk.img --dry-run --name $'Da\x01RT' | 2 | --name 'Da\\x01RT': the GPT partition name holds a control character
part-name-invalid-utf8 | disk | partition "$D" disk.img --dry-run --name $'\xff\xfe' | 2 | the GPT partition name is not valid UTF-8
part-name-nul-like | disk | partition "$D" disk.img --dry-run --name $'Da\xc0\x80RT' | 2 | the GPT partition name is not valid UTF-8
part-label-long | disk | partition "$D" disk.img --dry-run --label 'TOO LONG LABEL' | 2 | --label 'TOO LONG LABEL': longer than 11 characters
part-bios-boot-eats-option | disk | partition "$D" disk.img --bios-boot --dry-run | 2 | option '--bios-boot' needs a value \('--dry-run' is an option\)
part-bios-boot-upper | disk | partition "$D" disk.img --dry-run --bios-boot MENU | 2 | --bios-boot 'MENU': menu, active or none
part-bios-boot-uefi | disk | partition "$D" disk.img --dry-run --bios-boot uefi | 2 | --bios-boot 'uefi': menu, active or none
part-timeout-over | disk | partition "$D" disk.img --dry-run --menu-timeout 601 | 2 | --menu-timeout '601': seconds, 0 to 600
part-timeout-negative | disk | partition "$D" disk.img --dry-run --menu-timeout -1 | 2 | --menu-timeout '-1'
part-timeout-unit | disk | partition "$D" disk.img --dry-run --menu-timeout 5s | 2 | --menu-timeout '5s'
part-timeout-wraps | disk | partition "$D" disk.img --dry-run --menu-timeout 4294967301 | 2 | --menu-timeout '4294967301'
part-efi-both | disk | partition "$D" disk.img --dry-run --efi-entry --no-efi-entry | 2 | --efi-entry and --no-efi-entry: one or the other
part-restore-dry-run | disk | partition --restore-table x.sfdisk disk.img --dry-run --yes | 2 | --restore-table puts a saved table back: --dry-run does not go with it
part-restore-size | disk | partition --restore-table x.sfdisk disk.img --size 1G --yes | 2 | --size does not go with it
part-restore-build-option | disk | partition --restore-table x.sfdisk disk.img --expire-days 5 --yes | 2 | --expire-days does not go with it
part-restore-json | disk | partition --restore-table x.sfdisk disk.img --json --yes | 2 | --json does not go with it
part-restore-no-disk | - | partition --restore-table x.sfdisk | 2 | no DISK given
part-restore-source-too | disk | partition "$D" --restore-table x.sfdisk disk.img --yes | 2 | one DISK at a time
part-restore-missing | disk | partition --restore-table nothere.sfdisk disk.img --yes | 1 | nothere\.sfdisk: No such file or directory
part-restore-empty | disk | partition --restore-table '' disk.img --yes | 2 | --restore-table '': it is empty
part-usb-option | disk | partition "$D" disk.img --dry-run --scheme gpt | 2 | unknown option '--scheme'
part-pxe-option | disk | partition "$D" disk.img --dry-run --update | 2 | unknown option '--update'
part-abbreviated | disk | partition "$D" disk.img --dry --yes | 2 | unknown option '--dry' \(options are not abbreviated: --dry-run\?\)
part-dry-run-value | disk | partition "$D" disk.img --dry-run=1 | 2 | option '--dry-run' takes no value
part-no-yes | disk | partition "$D" disk.img | 3 | disk\.img: would be given a recovery partition; there is no terminal to ask on
part-disk-is-source | src_iso | partition in.iso in.iso --yes | 3 | in\.iso: is the SOURCE
# --- pxe -------------------------------------------------------------------------------------
pxe-no-source | - | pxe -o tree | 2 | ^dartmk pxe: no SOURCE given
pxe-output-empty | - | pxe "$I" -o '' | 2 | --output '': it is empty
pxe-output-twice | - | pxe "$I" -o tree -o tree2 | 2 | --output given twice
pxe-update-force | - | pxe "$I" -o tree --update --force | 2 | --update and --force: one or the other
pxe-loader-name | - | pxe "$I" -o tree --pxe-loader foo.efi | 2 | --pxe-loader foo\.efi: the file's name says which loader it is
pxe-loader-five | - | pxe "$I" -o tree --pxe-loader a/pxeboot.n12 --pxe-loader b/bootmgr.exe --pxe-loader c/bootmgfw.efi --pxe-loader d/pxeboot.n12 --pxe-loader e/bootmgr.exe | 2 | --pxe-loader: at most 4
pxe-root-relative | - | pxe "$I" -o tree --tftp-root srv/tftp | 2 | --tftp-root 'srv/tftp': not an absolute path
pxe-root-newline | - | pxe "$I" -o tree --tftp-root $'/srv/tftp\ndhcp-range=10.0.0.2,10.0.0.9' | 2 | --tftp-root '/srv/tftp\\x0Adhcp-range=.*': holds a control character
pxe-dir-newline | - | pxe "$I" -o $'tree\nenable-tftp' | 2 | tree\\x0Aenable-tftp: the folder's name holds a control character
pxe-menu-value | - | pxe "$I" -o tree --menu=yes | 2 | option '--menu' takes no value
pxe-usb-option | - | pxe "$I" -o tree -y | 2 | unknown option '-y'
pxe-into-source | src_dir | pxe src -o src --force | 3 | src: is the source src or inside it; write the network boot tree elsewhere
pxe-update-nothing | - | pxe "$I" -o tree --update | 1 | tree: no such folder to update
pxe-output-is-file | stick | pxe "$I" -o stick.img | 1 | stick\.img: exists and is not a folder
# --- devices ---------------------------------------------------------------------------------
devices-operand | - | devices sdb | 2 | 'sdb': devices takes no operands
devices-all-optical | - | devices --optical --all | 2 | --all lists fixed disks; it does not go with --optical
devices-all-value | - | devices --all=1 | 2 | option '--all' takes no value
devices-output-option | - | devices -o x | 2 | unknown option '-o'
devices-empty-operand | - | devices '' | 2 | an empty argument \(''\)
devices-dashdash-operand | - | devices -- --all | 2 | '--all': devices takes no operands
devices-quiet-verbose | - | devices --verbose --quiet | 2 | --quiet and --verbose: one or the other
# --- verify ----------------------------------------------------------------------------------
verify-no-target | - | verify | 2 | ^dartmk verify: no TARGET given
verify-two-targets | - | verify "$D" "$I" | 2 | one TARGET at a time
verify-partition-zero | - | verify "$I" --partition 0 | 2 | --partition: '0' is not a partition number
verify-partition-over | - | verify "$I" --partition 100001 | 2 | --partition: '100001' is not a partition number
verify-partition-2p64 | - | verify "$I" --partition 18446744073709551617 | 2 | '18446744073709551617' is not a partition number
verify-partition-hex | - | verify "$I" --partition 0x1 | 2 | '0x1' is not a partition number
verify-partition-twice | - | verify "$I" --partition 1 --partition 2 | 2 | --partition given twice
verify-partition-of-folder | - | verify "$D" --partition 2 | 1 | a directory has no partitions
verify-build-option | - | verify "$I" --image-index 1 | 2 | unknown option '--image-index'
verify-dashdash-operand | - | verify -- --partition | 1 | ^dartmk: --partition: no such file
verify-long-target | - | verify "$(long_arg)" | 1 | File name too long$
ROWS
}
