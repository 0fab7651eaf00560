#!/bin/bash
# dartmk burn and dartmk devices --optical. There is no optical recorder here: the burns go to
# libburn's stdio: pseudo drive (a file), which takes the same path through libburn as a disc —
# the same write job, the same read-back through burn_read_data — and cmp, sha256sum and jq
# judge the result. Every refusal the issue names is checked for its exit code, its one line,
# and that nothing was written. What needs a real disc (no disc in the drive, a written CD-R, a
# CD-RW erased) cannot be made here; "too small" can, with a sparse image larger than the file
# system's free space, and tests/unit/test_burn.c checks the comparison itself.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$TOP/build/samples}
TOOLS=${TOOLS:-$TOP/build/tests/tools}
[ -f "$SAMPLES/adk.iso" ] || make -C "$TOP" -s samples >/dev/null || { echo "1..0 # no samples"; exit 1; }
plan 164
scratch
export TMPDIR=$SCRATCH/tmp
mkdir -p "$TMPDIR"

j() { printf '%s' "$out" | jq -r "$1"; }
ISO=$SAMPLES/adk.iso BIG=$SAMPLES/dvd.iso
SHA=$(sha256sum "$ISO" | cut -d' ' -f1)
SIZE=$(stat -c %s "$ISO")

# bad DESCRIPTION EXPECTED-RC REGEX ARGS...: exit code, one line on stderr, nothing on stdout.
bad() {
    local d=$1 want=$2 re=$3
    shift 3
    run "$DARTMK" burn "$@" </dev/null
    is "$rc" "$want" "$d: exit $want"
    like "$err" "$re" "$d: message"
    is "$(printf '%s\n' "$err" | wc -l)/${#out}" "1/0" "$d: one line on stderr, nothing on stdout"
}

# --- a burn to a new file: the exact bytes, the hash, verified ----------------------------
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/new.iso" </dev/null
is "$rc" 0 "burn to stdio:NEW: exit 0"
if cmp -s "$ISO" "$SCRATCH/new.iso"; then pass "the file holds exactly the ISO's bytes"; else fail "the file holds exactly the ISO's bytes"; fi
is "$out" "$SHA  $ISO" "stdout: the SHA-256 in sha256sum format, equal to sha256sum's"
is "$err" "burned $ISO to stdio:$SCRATCH/new.iso (3.0 MiB, read back and verified)" "stderr: one line, verified"

run "$DARTMK" burn -q "$ISO" --drive "stdio:$SCRATCH/quiet.iso" </dev/null
is "$rc/$err" "0/" "-q: nothing on stderr"

# --- --json ----------------------------------------------------------------------------------
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/json.iso" --json </dev/null
is "$rc" 0 "--json: exit 0"
is "$(printf '%s' "$out" | jq -c 'keys')" '["blanked","bytes","drive","iso","sha256","verified"]' "--json: one object with its fields"
is "$(j .iso)|$(j .drive)" "$ISO|stdio:$SCRATCH/json.iso" "--json: iso and drive"
is "$(j .bytes)" "$SIZE" "--json: bytes is the ISO's size"
is "$(j .sha256)" "$SHA" "--json: sha256 equals sha256sum's"
is "$(j .verified)/$(j .blanked)" "true/false" "--json: verified, not blanked"

# --- verification is on by default: it reads the written copy back --------------------------
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/progress.iso" --progress=json </dev/null
is "$rc" 0 "--progress=json: exit 0"
tasks=$(printf '%s\n' "$err" | grep '^{' | jq -r 'select(.event != "update") | .event + " " + .task + " " + (.done == .total | tostring)' | tr '\n' ',')
is "$tasks" "begin burning false,end burning true,begin verifying false,end verifying true," "progress: burning, then verifying every byte"
is "$(printf '%s\n' "$err" | grep '^{' | jq -r 'select(.event == "end") | .total' | sort -u)" "$SIZE" "progress: both tasks count the ISO's bytes"

# What is read back is the written file: strace shows the file opened again after the write and
# every byte of it read (libburn's stdio drive serves burn_read_data with read(2)).
if command -v strace >/dev/null; then
    strace -f -qq -e trace=openat,read -o "$SCRATCH/strace.txt" "$DARTMK" burn -q "$ISO" --drive "stdio:$SCRATCH/traced.iso" </dev/null >/dev/null 2>&1
    fd=$(grep -E 'openat\(.*traced\.iso", O_RDONLY' "$SCRATCH/strace.txt" | tail -1 | sed -E 's/.*= ([0-9]+)$/\1/')
    back=$(awk -v fd="$fd" '/traced\.iso", O_RDONLY/ {on = 1; next} on && $2 ~ "^read\\(" fd "," {sub(/.*= /, ""); s += $0} END {print s + 0}' "$SCRATCH/strace.txt")
    is "$back" "$SIZE" "verification reads every written byte back from the target"
    rm -f "$SCRATCH/strace.txt"
else
    pass "verification reads every written byte back from the target # SKIP no strace"
fi

run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/noverify.iso" --no-verify --json --progress=json </dev/null
is "$rc/$(j .verified)/$(j .sha256)" "0/false/$SHA" "--no-verify: exit 0, verified false, the hash still printed"
like "$err" '"task":"hashing"' "--no-verify: the ISO is hashed"
if printf '%s' "$err" | grep -q '"task":"verifying"'; then fail "--no-verify: nothing is read back"; else pass "--no-verify: nothing is read back"; fi
if cmp -s "$ISO" "$SCRATCH/noverify.iso"; then pass "--no-verify: the bytes are written all the same"; else fail "--no-verify: the bytes are written all the same"; fi
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/noverify-text.iso" --no-verify </dev/null
like "$err" "\(3.0 MiB, not verified\)$" "--no-verify: the text says not verified"

# --- a target that holds data: refused without --blank, asked with it --------------------------
: > "$SCRATCH/empty.iso"
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/empty.iso" </dev/null
if [ "$rc" = 0 ] && cmp -s "$ISO" "$SCRATCH/empty.iso"; then pass "an empty file is blank: written without --blank"; else fail "an empty file is blank: written without --blank"; fi

cp "$BIG" "$SCRATCH/full.iso"
before=$(stat -c '%s %Y' "$SCRATCH/full.iso")
bad "a file with data, no --blank" 3 "^dartmk: stdio:$SCRATCH/full.iso: holds data \(a file of 3.8 MiB\); --blank erases it \(asks first\)$" "$ISO" --drive "stdio:$SCRATCH/full.iso"
if cmp -s "$BIG" "$SCRATCH/full.iso" && [ "$(stat -c '%s %Y' "$SCRATCH/full.iso")" = "$before" ]; then pass "a file with data, no --blank: untouched"; else fail "a file with data, no --blank: untouched"; fi

bad "--blank without a terminal or --yes" 3 "^dartmk: stdio:$SCRATCH/full.iso: holds data \(a file of 3.8 MiB\); not blanked without confirmation \(--yes confirms when there is no terminal\)$" "$ISO" --drive "stdio:$SCRATCH/full.iso" --blank
if cmp -s "$BIG" "$SCRATCH/full.iso"; then pass "--blank without a terminal or --yes: untouched"; else fail "--blank without a terminal or --yes: untouched"; fi

tty_out=$(printf 'n\n' | script -qec "$DARTMK burn $ISO --drive stdio:$SCRATCH/full.iso --blank" /dev/null)
is "$?" 3 "--blank on a terminal, answered no: exit 3"
like "$tty_out" "stdio:$SCRATCH/full.iso holds data \(a file of 3.8 MiB\). Blank it and burn $ISO\? \[y/N\]" "--blank on a terminal: asks, naming the drive, what it holds and the ISO"
like "$tty_out" "dartmk: stdio:$SCRATCH/full.iso: not blanked \(not confirmed\)" "--blank, answered no: says so"
if cmp -s "$BIG" "$SCRATCH/full.iso"; then pass "--blank, answered no: untouched"; else fail "--blank, answered no: untouched"; fi

tty_out=$(printf 'y\n' | script -qec "$DARTMK burn $ISO --drive stdio:$SCRATCH/full.iso --blank --progress=none" /dev/null)
is "$?" 0 "--blank on a terminal, answered yes: exit 0"
like "$tty_out" "burned $ISO to stdio:$SCRATCH/full.iso \(3.0 MiB, after blanking, read back and verified\)" "--blank, answered yes: burned after blanking"
if cmp -s "$ISO" "$SCRATCH/full.iso"; then pass "--blank, yes: the file is the ISO exactly (the longer old content is gone)"; else fail "--blank, yes: the file is the ISO exactly (the longer old content is gone)"; fi

cp "$BIG" "$SCRATCH/full2.iso"
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/full2.iso" --blank --yes --json </dev/null
is "$rc/$(j .blanked)/$(j .verified)" "0/true/true" "--blank --yes: exit 0, blanked, verified"
is "$(stat -c %s "$SCRATCH/full2.iso")" "$SIZE" "--blank --yes: the file has the ISO's size"
if cmp -s "$ISO" "$SCRATCH/full2.iso"; then pass "--blank --yes: the ISO's bytes"; else fail "--blank --yes: the ISO's bytes"; fi
cp "$BIG" "$SCRATCH/full3.iso"
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/full3.iso" --blank -y </dev/null
is "$rc" 0 "-y is --yes"

# --- bad input: refused before any drive is touched -----------------------------------------
bad "missing input" 1 "^dartmk: $SCRATCH/nope.iso: no such file or directory$" "$SCRATCH/nope.iso" --drive "stdio:$SCRATCH/t1.iso"
[ ! -e "$SCRATCH/t1.iso" ]; ok $? "missing input: nothing written"

head -c 100000 /dev/urandom > "$SCRATCH/random.bin"
bad "not whole sectors" 1 "^dartmk: $SCRATCH/random.bin: not an ISO 9660 image \(100000 bytes is not a whole number of 2048-byte sectors\)$" "$SCRATCH/random.bin" --drive "stdio:$SCRATCH/t2.iso"
head -c 65536 /dev/zero > "$SCRATCH/zeros.bin"
bad "no volume descriptor" 1 "^dartmk: $SCRATCH/zeros.bin: not an ISO 9660 image \(no primary volume descriptor at byte 32768\)$" "$SCRATCH/zeros.bin" --drive "stdio:$SCRATCH/t2.iso"
head -c 2048 "$ISO" > "$SCRATCH/tiny.iso"
bad "too small" 1 "^dartmk: $SCRATCH/tiny.iso: not an ISO 9660 image \(2048 bytes; an image has at least 34816\)$" "$SCRATCH/tiny.iso" --drive "stdio:$SCRATCH/t2.iso"
cp "$SAMPLES/boot.wim" "$SCRATCH/boot.iso"
bad "a WIM named .iso" 1 "^dartmk: $SCRATCH/boot.iso: not an ISO 9660 image \(" "$SCRATCH/boot.iso" --drive "stdio:$SCRATCH/t2.iso"
bad "a folder" 1 "^dartmk: $SAMPLES/dvd: not an ISO 9660 image \(a folder\)$" "$SAMPLES/dvd" --drive "stdio:$SCRATCH/t2.iso"
# Inputs that are not regular files: judged before they are opened (a FIFO would wait for a
# writer for ever) and before any drive is grabbed.
mkfifo "$SCRATCH/in.fifo"
timeout 10 "$DARTMK" burn "$SCRATCH/in.fifo" --drive "stdio:$SCRATCH/t4.iso" </dev/null >"$SCRATCH/fifo.out" 2>"$SCRATCH/fifo.err"
rc=$? out=$(cat "$SCRATCH/fifo.out") err=$(cat "$SCRATCH/fifo.err")
is "$rc" 1 "a FIFO as FILE: exit 1 (not a hang)"
like "$err" "^dartmk: $SCRATCH/in.fifo: not an ISO 9660 image \(not a regular file\)$" "a FIFO as FILE: message"
is "$(printf '%s\n' "$err" | wc -l)/${#out}" "1/0" "a FIFO as FILE: one line on stderr, nothing on stdout"
bad "a device as FILE" 1 "^dartmk: /dev/zero: not an ISO 9660 image \(not a regular file\)$" /dev/zero --drive "stdio:$SCRATCH/t4.iso"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SCRATCH/in.sock"
bad "a socket as FILE" 1 "^dartmk: $SCRATCH/in.sock: not an ISO 9660 image \(not a regular file\)$" "$SCRATCH/in.sock" --drive "stdio:$SCRATCH/t4.iso"
[ ! -e "$SCRATCH/t4.iso" ]; ok $? "inputs that are not files: nothing written"

half=$(( $(stat -c %s "$BIG") / 2 / 2048 * 2048 ))
head -c $half "$BIG" > "$SCRATCH/half.iso"
bad "truncated ISO" 1 "^dartmk: $SCRATCH/half.iso: truncated ISO image \($half bytes, the volume needs [0-9]+\)$" "$SCRATCH/half.iso" --drive "stdio:$SCRATCH/t2.iso"
head -c $((half + 1000)) "$BIG" > "$SCRATCH/cut.iso"
bad "ISO cut mid-sector" 1 "^dartmk: $SCRATCH/cut.iso: not an ISO 9660 image \($((half + 1000)) bytes is not a whole number" "$SCRATCH/cut.iso" --drive "stdio:$SCRATCH/t2.iso"

# Too small: a stdio: drive's room is its file system's free space (plus what the file holds).
# A sparse image 1 GiB larger than that free space takes no room itself, and does not fit.
avail=$(df --output=avail -B1 "$SCRATCH" | tail -1)
cp "$ISO" "$SCRATCH/huge.iso"
if truncate -s $(((avail / 2048 + 524288) * 2048)) "$SCRATCH/huge.iso"; then
    bad "a disc too small" 1 "^dartmk: stdio:$SCRATCH/t2.iso: no room for $SCRATCH/huge.iso \(it needs [0-9.]+ [KMGT]iB, the file system has [0-9.]+ [KMGT]iB free\)$" "$SCRATCH/huge.iso" --drive "stdio:$SCRATCH/t2.iso"
else
    for _ in 1 2 3; do pass "a disc too small # SKIP no sparse file of $avail bytes here"; done
fi
rm -f "$SCRATCH/huge.iso"
[ ! -e "$SCRATCH/t2.iso" ]; ok $? "bad images, too small: nothing written"

# --- usage ------------------------------------------------------------------------------------
bad "no --drive" 2 "^dartmk burn: no drive given \(--drive /dev/sr0, or --drive stdio:PATH\)" "$ISO"
bad "no FILE" 2 "^dartmk burn: no FILE.iso given" --drive "stdio:$SCRATCH/t3.iso"
bad "two FILEs" 2 "^dartmk burn: one FILE.iso at a time" "$ISO" "$ISO" --drive "stdio:$SCRATCH/t3.iso"
bad "bad --speed" 2 "^dartmk burn: --speed: 'fast' is not a speed in kB/s \(1-1000000\) or 'max'" "$ISO" --drive "stdio:$SCRATCH/t3.iso" --speed fast
bad "--speed 0" 2 "^dartmk burn: --speed: '0' is not a speed" "$ISO" --drive "stdio:$SCRATCH/t3.iso" --speed 0
bad "unknown option" 2 "^dartmk burn: unknown option '--fast'" "$ISO" --drive "stdio:$SCRATCH/t3.iso" --fast
[ ! -e "$SCRATCH/t3.iso" ]; ok $? "usage errors: nothing written"
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/speed.iso" --speed max </dev/null
is "$rc" 0 "--speed max: exit 0"
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/speed2.iso" --speed 100000 --eject </dev/null
is "$rc" 0 "--speed 100000 --eject: exit 0 (a file has nothing to eject)"

# --- drives -------------------------------------------------------------------------------------
bad "no drive at the address" 1 "^dartmk: /dev/sr9: no drive at this address \(.+\)$" "$ISO" --drive /dev/sr9
bad "a file without stdio:" 1 "^dartmk: $SCRATCH/new.iso: not an optical drive \(to write a file, use stdio:$SCRATCH/new.iso\)$" "$ISO" --drive "$SCRATCH/new.iso"
bad "stdio: in a missing folder" 1 "^dartmk: stdio:$SCRATCH/no/such/x.iso: no drive at this address \(Neither stdio-path nor its directory exist\)$" "$ISO" --drive "stdio:$SCRATCH/no/such/x.iso"
bad "stdio: a folder" 1 "^dartmk: stdio:$SCRATCH: is a folder \(name a file in it\)$" "$ISO" --drive "stdio:$SCRATCH"
bad "stdio: nothing" 1 "^dartmk: stdio:: names no file \(stdio:PATH\)$" "$ISO" --drive "stdio:"
bad "stdio: the ISO itself" 1 "^dartmk: stdio:$SCRATCH/new.iso: is $SCRATCH/new.iso itself$" "$SCRATCH/new.iso" --drive "stdio:$SCRATCH/new.iso" --blank --yes
if cmp -s "$ISO" "$SCRATCH/new.iso"; then pass "stdio: the ISO itself: untouched"; else fail "stdio: the ISO itself: untouched"; fi
bad "stdio: a new name in /dev" 3 "^dartmk: stdio:/dev/dartmk-test-nothing: no such device \(no file is made in /dev\)$" "$ISO" --drive "stdio:/dev/dartmk-test-nothing"
[ ! -e /dev/dartmk-test-nothing ]; ok $? "stdio: a new name in /dev: no file made there"

# Device nodes made here, never opened: the refusal comes from stat alone.
if [ "$(id -u)" = 0 ] && mknod "$SCRATCH/disk" b 7 250 2>/dev/null && mknod "$SCRATCH/sg" c 21 250 2>/dev/null; then
    bad "stdio: a disk" 3 "^dartmk: stdio:$SCRATCH/disk: is a disk; not written \(burn writes discs and files; dartmk usb writes disks\)$" "$ISO" --drive "stdio:$SCRATCH/disk"
    bad "stdio: a SCSI generic device" 3 "^dartmk: stdio:$SCRATCH/sg: is a device that is neither a file nor /dev/null; not written$" "$ISO" --drive "stdio:$SCRATCH/sg"
else
    for _ in 1 2 3 4 5 6; do pass "device nodes # SKIP mknod needs root"; done
fi

bad "stdio:/dev/null, verifying" 1 "^dartmk: stdio:/dev/null: cannot be read back to verify it; --no-verify writes without verifying$" "$ISO" --drive stdio:/dev/null
run "$DARTMK" burn "$ISO" --drive stdio:/dev/null --no-verify </dev/null
is "$rc/$out" "0/$SHA  $ISO" "stdio:/dev/null --no-verify: exit 0, the hash"
bad "stdio:/dev/full" 1 "^dartmk: stdio:/dev/full: burning $ISO failed \(.*No space left on device\)$" "$ISO" --drive stdio:/dev/full --no-verify

mkfifo "$SCRATCH/pipe"
sha256sum < "$SCRATCH/pipe" > "$SCRATCH/pipe.sha" &
reader=$!
run "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/pipe" --no-verify </dev/null
wait $reader
is "$rc/$(cut -d' ' -f1 "$SCRATCH/pipe.sha")" "0/$SHA" "stdio: a pipe, --no-verify: the reader gets the ISO"

# A disk that fills up during the burn: libburn's write error, one line; the new file removed.
# (verify_asan_link_order=0: under make asan the shim is preloaded before the ASan runtime.)
if [ -f "$TOOLS/failwrite.so" ]; then
    mkdir -p "$SCRATCH/small"
    fullenv=(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD="$TOOLS/failwrite.so"
        FAILWRITE_PREFIX="$SCRATCH/small" FAILWRITE_AFTER=1000000)
    run env "${fullenv[@]}" "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/small/x.iso" </dev/null
    is "$rc" 1 "disk full during the burn: exit 1"
    like "$err" "^dartmk: stdio:$SCRATCH/small/x.iso: burning $ISO failed \(Cannot write desired amount of [0-9]+ bytes. write\(2\) returned -1: No space left on device\)$" "disk full: libburn's reason in one line"
    is "$(ls -A "$SCRATCH/small")" "" "disk full: the half-written file is removed"
    cp "$BIG" "$SCRATCH/small/old.iso"
    run env "${fullenv[@]}" "$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/small/old.iso" --blank --yes </dev/null
    is "$rc/$(ls -A "$SCRATCH/small")" "1/old.iso" "disk full, a file that existed: exit 1, the file stays (it was blanked on request)"
else
    for _ in 1 2 3 4; do fail "failwrite.so not built (make tools)"; done
fi

# Interrupted (Ctrl+C) while burning: libburn ends the job, the new file is removed. The speed
# (1000 kB/s, which libburn's stdio drive honours) makes the burn last three seconds.
"$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/int.iso" --speed 1000 </dev/null >"$SCRATCH/int.out" 2>"$SCRATCH/int.err" &
burner=$!
for _ in $(seq 100); do [ -s "$SCRATCH/int.iso" ] && break; sleep 0.05; done
sleep 0.5
kill -INT $burner
wait $burner
is "$?" 1 "interrupted: exit 1"
like "$(tail -1 "$SCRATCH/int.err")" "^dartmk: stdio:$SCRATCH/int.iso: interrupted while burning $ISO \(the file is removed\)$" "interrupted: the last line says so"
[ ! -e "$SCRATCH/int.iso" ]; ok $? "interrupted: the half-written file is removed"
is "$(wc -l <"$SCRATCH/int.err")" 1 "interrupted: one line on stderr (none of libburn's)"
rm -f "$SCRATCH/int.out" "$SCRATCH/int.err"

# Terminated (SIGTERM) while burning: the same, and dartmk's line is the only one (libburn's own
# "UNIX-SIGNAL" and "ABORT : ..." lines are not printed).
"$DARTMK" burn "$ISO" --drive "stdio:$SCRATCH/term.iso" --speed 1000 </dev/null >"$SCRATCH/term.out" 2>"$SCRATCH/term.err" &
burner=$!
for _ in $(seq 100); do [ -s "$SCRATCH/term.iso" ] && break; sleep 0.05; done
sleep 0.5
kill -TERM $burner
wait $burner
is "$?" 1 "terminated: exit 1"
is "$(cat "$SCRATCH/term.err")" "dartmk: stdio:$SCRATCH/term.iso: interrupted while burning $ISO (the file is removed)" "terminated: exactly one line on stderr, dartmk's"
[ ! -e "$SCRATCH/term.iso" ]; ok $? "terminated: the half-written file is removed"
rm -f "$SCRATCH/term.out" "$SCRATCH/term.err"

# --- help ---------------------------------------------------------------------------------------
run "$DARTMK" burn --help
is "$rc" 0 "burn --help: exit 0"
like "$out" "^usage: dartmk burn FILE.iso --drive DRIVE" "burn --help: usage line"
like "$out" "stdio:PATH" "burn --help: explains stdio:PATH"
like "$out" "--blank .*--yes|--yes" "burn --help: --yes"
like "$out" "^  dartmk burn dart.iso --drive /dev/sr0" "burn --help: an example"
like "$out" "^Exit codes: 0 done, 1 failed, 2 usage error, 3 refused for safety.$" "burn --help: exit codes"
run "$DARTMK" --help
like "$out" "^  burn +burn an ISO to a CD/DVD and verify it$" "dartmk --help: burn is built"

# --- devices --optical ----------------------------------------------------------------------
if ls /dev/sr* >/dev/null 2>&1; then
    for _ in 1 2 3 4 5; do pass "devices --optical # SKIP this machine has optical drives"; done
else
    run "$DARTMK" devices --optical
    is "$rc/$out/$err" "0/no optical recorders found/" "devices --optical: none here, said on stdout"
    run "$DARTMK" devices --optical --json
    is "$rc/$(j 'type')/$(j 'length')" "0/array/0" "devices --optical --json: an empty array"
    is "$err" "" "devices --optical --json: nothing on stderr"
    run "$DARTMK" devices --json --optical -q
    is "$rc/$(j 'length')" "0/0" "devices: options in any order"
    run "$DARTMK" devices --optical extra
    is "$rc" 2 "devices: an operand is a usage error"
fi
run "$DARTMK" devices
is "$rc/$err" "0/" "devices without --optical: lists disks instead (tests/cli/devices.t)"
run "$DARTMK" devices --help
is "$rc" 0 "devices --help: exit 0"
like "$out" "^       dartmk devices --optical \[--json\]" "devices --help: usage"

is "$(ls -A "$TMPDIR" | wc -l)" 0 "nothing left in TMPDIR"
done_testing
