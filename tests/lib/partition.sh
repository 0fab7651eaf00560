# partition.sh — what the tests of `dartmk partition` share: running it, reading its JSON, and
# the refusal every one of them checks (exit code, one line, nothing written). Needs tap.sh
# (run, is, like) and disks.sh (sum).
# shellcheck shell=bash disable=SC2154  # run() sets rc, out, err

j() { printf '%s' "$out" | jq -r "$1" 2>/dev/null; }
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
part() { run "$DARTMK" partition "$@" </dev/null; }
# bad DESCRIPTION RC REGEX IMG ARGS...: exit RC, one line on stderr matching REGEX, nothing on
# stdout, IMG byte for byte as it was (ARGS are dartmk partition's arguments).
bad() {
    local d=$1 want=$2 re=$3 img=$4 before
    shift 4
    before=$(sum "$img")
    part "$@"
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: says why"
    is "$(lines "$err")/${#out}" "1/0" "$d: one line on stderr, nothing on stdout"
    is "$(sum "$img")" "$before" "$d: $(basename "$img") byte for byte as it was"
}
