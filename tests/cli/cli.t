#!/bin/bash
# The CLI contract: help, version, the command table, unbuilt commands, usage errors.
. "$(dirname "$0")/../lib/tap.sh"
plan 41

run "$DARTMK" --help
is "$rc" 0 "--help exits 0"
for c in inspect build iso burn usb partition pxe devices verify; do
    like "$out" "^  $c +[a-z]" "--help lists $c with one line"
done

run "$DARTMK" --version
like "$out" '^dartmk [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

run "$DARTMK"
is "$rc" 2 "no command: usage error"

run "$DARTMK" frobnicate
is "$rc" 2 "unknown command: exit 2"
like "$err" "^dartmk: 'frobnicate' is not a dartmk command" "unknown command named"

run "$DARTMK" inspect --help
like "$out" "^usage: dartmk inspect SOURCE" "inspect --help teaches usage"
like "$(echo "$out" | grep -c 'dartmk inspect ')" '^[4-9]$' "inspect --help has examples"

run "$DARTMK" inspect --no-such-option x
is "$rc" 2 "unknown option: exit 2"
like "$err" "^dartmk inspect: unknown option '--no-such-option'" "unknown option named"

# Every usage error is one line, whatever the user typed: control characters in an echoed value,
# operand or option are shown as \xNN, as the library's messages show them.
scratch
V=$'A\nB\e[31m'
one_line() { # one_line DESCRIPTION ARGS...: ARGS follow dartmk
    local d=$1
    shift
    run "$DARTMK" "$@"
    is "$rc/$(printf '%s\n' "$err" | wc -l)/$(printf '%s' "$err" | tr -d -c '\033' | wc -c)" "2/1/0" \
        "$d: exit 2, one line, no raw ESC"
    like "$err" 'A\\x0AB\\x1B\[31m' "$d: the newline and the ESC shown as \\x0A and \\x1B"
}
one_line "iso --label" iso /nonexistent -o "$SCRATCH/x.iso" --label "$V"
one_line "iso -o without .iso" iso /nonexistent -o "$SCRATCH/$V"
one_line "usb --scheme" usb /nonexistent "$SCRATCH/stick.img" --scheme "$V"
one_line "partition --size" partition /nonexistent "$SCRATCH/disk.img" --size "$V"
one_line "inspect --image-index" inspect /nonexistent --image-index "$V"
one_line "verify --partition" verify "$SCRATCH/disk.img" --partition "$V"
one_line "build --progress" build /nonexistent -o "$SCRATCH/out" --progress="$V"
one_line "devices with an operand" devices "$V"
one_line "an unknown option" inspect "--$V"
one_line "an unknown command" "$V"
is "$(find "$SCRATCH" -mindepth 1 | wc -l)" 0 "nothing written by any of them"

make -s -C "$TOP" install PREFIX="$SCRATCH/prefix" >/dev/null 2>&1
ok $? "make install PREFIX=... installs"
run "$SCRATCH/prefix/bin/dartmk" --version
like "$out" '^dartmk [0-9]' "the installed dartmk runs"

done_testing
