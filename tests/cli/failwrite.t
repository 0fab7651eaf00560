#!/bin/bash
# The full-disk shim (tests/tools/preload/failwrite.c), judged before other tests lean on it:
# writes under FAILWRITE_PREFIX stop at FAILWRITE_AFTER bytes with "No space left on device",
# everything else is untouched, and without FAILWRITE_AFTER nothing is.
# shellcheck source=tests/lib/tap.sh disable=SC2154,SC2016  # run() sets rc, out, err; sh -c '$1'
. "$(dirname "$0")/../lib/tap.sh"
TOOLS=${TOOLS:-$TOP/build/tests/tools}
SHIM=$TOOLS/failwrite.so
if [ ! -e "$SHIM" ]; then
    make -C "$TOP" -s "${SHIM#"$TOP"/}" >&2 || { echo "1..1"; echo "not ok 1 - failwrite.so builds (make tools)"; exit 1; }
fi
[ -e "$SHIM" ] || { echo "1..1"; echo "not ok 1 - failwrite.so at $SHIM"; exit 1; }

plan 28
scratch
S=$SCRATCH
mkdir -p "$S/full" "$S/free"
head -c 1048576 /dev/urandom >"$S/src"
LIMIT=100000
size() { stat -c %s "$1"; }

# full CMD...: runs CMD with the shim, the room being LIMIT bytes under $S/full.
full() { LD_PRELOAD=$SHIM FAILWRITE_PREFIX=$S/full FAILWRITE_AFTER=$LIMIT run "$@"; }

full dd if="$S/src" of="$S/full/dd" bs=64k
is "$rc" 1 "dd of 1 MiB into the full folder fails"
like "$err" "No space left on device" "dd says: No space left on device"
is "$(size "$S/full/dd")" "$LIMIT" "dd wrote what fitted, $LIMIT bytes"

full dd if="$S/src" of="$S/full/dd1" bs=1M
is "$rc" 1 "one 1 MiB write: a short write, then ENOSPC"
is "$(size "$S/full/dd1")" "$LIMIT" "the short write took what fitted"

full cp --reflink=never "$S/src" "$S/full/cp"
is "$rc" 1 "cp of 1 MiB into the full folder fails"
like "$err" "No space left on device" "cp says: No space left on device"
[ "$(size "$S/full/cp")" -le "$LIMIT" ]
ok $? "cp wrote at most $LIMIT bytes"

full cp --reflink=never "$S/src" "$S/free/cp"
is "$rc" 0 "cp into another folder succeeds"
cmp -s "$S/src" "$S/free/cp"
ok $? "and copies every byte"

full sh -c 'head -c 300000 /dev/zero | tr "\\0" x >&2'
is "$rc" 0 "300000 bytes to stderr succeed"
is "${#err}" 300000 "stderr got every byte"
full sh -c 'head -c 300000 "$1" | wc -c' sh "$S/src"
is "$out" 300000 "a pipe is untouched"

LD_PRELOAD=$SHIM FAILWRITE_PREFIX=$S/full run dd if="$S/src" of="$S/full/nolimit" bs=64k
is "$rc" 0 "without FAILWRITE_AFTER, dd into the folder succeeds"
is "$(size "$S/full/nolimit")" 1048576 "and writes all 1 MiB"
LD_PRELOAD=$SHIM FAILWRITE_AFTER=$LIMIT run dd if="$S/src" of="$S/full/noprefix" bs=64k
is "$rc" 0 "without FAILWRITE_PREFIX, nothing is affected"

# The room is counted per process, shared by every file under the prefix.
full sh -c 'head -c 60000 "$2" >"$1/a" && head -c 60000 "$2" >"$1/b"' sh "$S/full" "$S/src"
is "$rc" 0 "60000 + 60000 bytes from two processes: each has its own room"
if command -v python3 >/dev/null; then
    full python3 -c '
import os, sys
for name in "a", "b":
    fd = os.open(sys.argv[1] + "/one-" + name, os.O_WRONLY | os.O_CREAT, 0o644)
    data = b"x" * 60000
    while data:
        data = data[os.write(fd, data):]' "$S/full"
    is "$rc" 1 "60000 + 60000 bytes from one process: no room"
    like "$err" "No space left on device" "the second file gets ENOSPC"
    is "$(($(size "$S/full/one-a") + $(size "$S/full/one-b")))" "$LIMIT" "the two files share $LIMIT bytes"
else
    for _ in 1 2 3; do fail "python3 is installed (scripts/install-deps.sh)"; done
fi
full dd if="$S/src" of="$S/full/dd2" bs=1000 count=100 status=none
is "$rc" 0 "exactly $LIMIT bytes fit"

# Each interposed call, through Python's os module (it calls the C library's functions).
calls='
import os, sys
d, which = sys.argv[1], sys.argv[2]
chunk = b"x" * 65536
fd = os.open(d + "/" + which, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
src = os.open(sys.argv[3], os.O_RDONLY)
written = 0
try:
    for i in range(16):
        if which == "pwrite":
            n = os.pwrite(fd, chunk, written)
        elif which == "writev":
            n = os.writev(fd, [chunk[:1000], chunk[1000:]])
        elif which == "pwritev":
            n = os.pwritev(fd, [chunk[:1000], chunk[1000:]], written)
        elif which == "copy_file_range":
            n = os.copy_file_range(src, fd, 65536, written, written)
        elif which == "sendfile":
            n = os.sendfile(fd, src, written, 65536)
        elif which == "posix_fallocate":
            os.posix_fallocate(fd, written, 65536)
            n = os.pwrite(fd, chunk, written)
        if n == 0:
            break
        written += n
except OSError as e:
    print(written, e.strerror)
    sys.exit(1)
print(written, "no error")
'
for c in pwrite writev pwritev copy_file_range sendfile posix_fallocate; do
    if command -v python3 >/dev/null; then
        full python3 -c "$calls" "$S/full" "$c" "$S/src"
        like "$rc $out" "^1 [0-9]+ No space left on device$" "$c: ENOSPC once the room is used"
    else
        pass "$c # SKIP no python3"
    fi
done
[ "$(size "$S/full/posix_fallocate")" -le 131072 ]
ok $? "posix_fallocate: refused once the room is used up"

done_testing
