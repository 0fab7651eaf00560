#!/bin/bash
# The staged copy of an ISO's boot.wim ($TMPDIR, so that wimlib can open it) is never left
# behind: inspect, iso, build, usb and pxe on the ISO samples (ISO 9660, UDF, the install
# layout), stopped by SIGTERM, SIGINT and SIGHUP at a few moments (0.05 s, 0.2 s, and while
# the copy is being written) and by SIGKILL while it is written, leave $TMPDIR empty (after
# SIGKILL nothing can be cleaned: the copy has no name while it is written, so none remains),
# and dartmk ends within 20 s (the cleanup is async-signal-safe: a signal that comes during a
# fork or a malloc does not deadlock it).
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
for t in xorriso wimupdate timeout; do
    command -v $t >/dev/null || missing_prerequisite "$t is installed (scripts/install-deps.sh)"
done
ISOS=(dvd.iso udf.iso install.iso)
CMDS=(inspect iso build usb pxe)
plan $(( ${#ISOS[@]} * ${#CMDS[@]} * 7 + ${#CMDS[@]} * 5 + 1 ))
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"
unset SOURCE_DATE_EPOCH
O=$SCRATCH/o

# args CMD SOURCE: the command line of CMD, its output in a fresh $O.
args() {
    rm -rf "$O" && mkdir -p "$O"
    case $1 in
    inspect) A=(inspect "$2") ;;
    iso) A=(iso "$2" -o "$O/x.iso") ;;
    build) A=(build "$2" -o "$O/dir") ;;
    usb) A=(usb "$2" "$O/stick.img" --size 64M --yes) ;;
    pxe) A=(pxe "$2" -o "$O/pxe") ;;
    esac
}

# staging PID: true while PID holds a file open in $TMPDIR (the staged copy being written,
# named or not: /proc/PID/fd/N of a nameless file reads "$TMPDIR/#N (deleted)").
staging() {
    local f
    for f in /proc/"$1"/fd/*; do
        case $(readlink "$f" 2>/dev/null) in "$TMPDIR"/*) return 0 ;; esac
    done
    return 1
}

# stop SIG WHEN CMD SOURCE: starts dartmk, sends SIG at WHEN (seconds, or "staging": when the
# copy is open), waits, and passes when $TMPDIR is empty (for KILL: holds no dartmk-wim.*).
stop() {
    local sig=$1 when=$2 cmd=$3 src=$4 pid left
    args "$cmd" "$src"
    setsid "$DARTMK" "${A[@]}" -q >/dev/null 2>&1 </dev/null & # its own session: see below
    pid=$!
    if [ "$when" = staging ]; then
        for _ in $(seq 20000); do staging $pid && break; kill -0 $pid 2>/dev/null || break; done
    else
        sleep "$when"
    fi
    kill -s "$sig" $pid 2>/dev/null
    if ! timeout 20 tail --pid=$pid -f /dev/null; then # it must end, not hang
        kill -s KILL $pid
        wait $pid 2>/dev/null
        fail "$cmd ${src##*/}, SIG$sig at $when: dartmk ends (it hung)"
        find "$TMPDIR" -mindepth 1 -delete
        return
    fi
    wait $pid 2>/dev/null
    # The programs it started (the syslinux installer, with its own temporary file in $TMPDIR)
    # end on their own; wait for them.
    for _ in $(seq 200); do pgrep -s $pid >/dev/null || break; sleep 0.1; done
    if [ "$sig" = KILL ]; then
        left=$(cd "$TMPDIR" && ls -A | grep '^dartmk-wim')
        find "$TMPDIR" -mindepth 1 -delete # the staging folder SIGKILL leaves (registered ones)
    else
        left=$(ls -A "$TMPDIR")
    fi
    is "$left" "" "$cmd ${src##*/}, SIG$sig at $when: nothing left in TMPDIR"
    find "$TMPDIR" -mindepth 1 -delete
}

for iso in "${ISOS[@]}"; do
    for cmd in "${CMDS[@]}"; do
        for sig in TERM INT HUP; do
            for when in 0.05 0.2 staging; do
                [ "$when" = 0.2 ] && [ "$sig" != TERM ] && continue
                stop $sig $when "$cmd" "$SAMPLES/$iso"
            done
        done
    done
done

# A boot.wim large enough (64 MiB that do not compress) that every command is surely caught
# while the copy is written, by each signal and by SIGKILL.
BIG=$SCRATCH/big.iso
cp -a "$SAMPLES/dvd" "$SCRATCH/bigdvd"
chmod -R u+w "$SCRATCH/bigdvd"
head -c 64M /dev/urandom >"$SCRATCH/filler.bin"
printf 'add %s /filler.bin\n' "$SCRATCH/filler.bin" |
    wimupdate "$SCRATCH/bigdvd/sources/boot.wim" 1 >/dev/null 2>&1
rm -f "$SCRATCH/filler.bin"
xorriso -as mkisofs -quiet -R -J -o "$BIG" "$SCRATCH/bigdvd" >/dev/null 2>&1
rm -rf "$SCRATCH/bigdvd"
[ "$(stat -c %s "$BIG" 2>/dev/null || echo 0)" -gt $((64 << 20)) ]
ok $? "a 64 MiB boot.wim in an ISO"
for cmd in "${CMDS[@]}"; do
    for sig in TERM INT HUP KILL; do
        stop $sig staging "$cmd" "$BIG"
    done
    stop KILL 0.2 "$cmd" "$BIG"
done
done_testing
