#!/bin/bash
# The CLI contract: help, version, the command table, unbuilt commands, usage errors.
. "$(dirname "$0")/../lib/tap.sh"
plan 20

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

scratch
make -s -C "$TOP" install PREFIX="$SCRATCH/prefix" >/dev/null 2>&1
ok $? "make install PREFIX=... installs"
run "$SCRATCH/prefix/bin/dartmk" --version
like "$out" '^dartmk [0-9]' "the installed dartmk runs"

done_testing
