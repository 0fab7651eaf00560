#!/bin/bash
# Expanding .cab files (src/image/cab.c, for `build --tool NAME=TOOL.cab`), through the cabx test tool,
# on cabinets gcab makes at test time: MSZIP and uncompressed, nested folders, an empty file,
# 3 MB of data, UTF-8 and Latin-1 names. Then every bad cabinet: truncated, a flipped data byte,
# names patched to leave the folder or to collide, a cabinet set, a full disk: exit 1, one line
# naming the cabinet, and nothing written outside the destination.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run() sets rc, out, err
. "$(dirname "$0")/../lib/tap.sh"
TOOLS=${TOOLS:-$TOP/build/tests/tools}
CABX=$TOOLS/cabx
if [ ! -x "$CABX" ]; then
    make -C "$TOP" -s tools >&2 || { echo "1..1"; echo "not ok 1 - cabx builds (make tools)"; exit 1; }
fi
[ -x "$CABX" ] || { echo "1..1"; echo "not ok 1 - cabx at $CABX"; exit 1; }
command -v gcab >/dev/null || { echo "1..1"; echo "not ok 1 - gcab is installed (scripts/install-deps.sh)"; exit 1; }
export LC_ALL=C.UTF-8

plan 73
scratch
S=$SCRATCH
umask 022

# mkcab CAB DIR [gcab options] -- FILES...: a cabinet of FILES as named relative to DIR.
mkcab() {
    local cab=$1 dir=$2
    shift 2
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    (cd "$dir" && gcab -c "${opts[@]}" "$cab" "$@")
}

# patch CAB PERL-SUBSTITUTION: edits the cabinet's bytes (names are not checksummed).
patch() { perl -0777 -pi -e "$2" "$1"; }

# expand CAB: a fresh destination $S/x/dest (with $S/x to catch escapes), then cabx CAB into it.
expand() {
    rm -rf "$S/x"
    mkdir -p "$S/x/dest"
    run "$CABX" "$1" "$S/x/dest"
}

lines() { printf '%s\n' "$1" | wc -l; }
# nothing_written: the destination is empty and nothing appeared beside it.
nothing_written() { [ -z "$(ls -A "$S/x/dest")" ] && [ "$(ls -A "$S/x")" = dest ]; }

# ---------------------------------------------------------------------------------------------
# A tree of nested folders, an empty file, a UTF-8 name and 3 MB of half random, half
# compressible bytes (so MSZIP stores some blocks and compresses others).
T=$S/tree
mkdir -p "$T/dir/sub/deeper"
echo hello >"$T/top.txt"
: >"$T/empty"
echo deep >"$T/dir/sub/deeper/deep.txt"
echo "une tasse" >"$T/café.txt"
perl -e 'srand(7); for (1 .. 24) { print pack("N*", map { int(rand(2**32)) } 1 .. 16384);
         print "line $_ of the compressible half\n" x 2048 }' | head -c 3145728 >"$T/dir/big.bin"
FILES=(top.txt empty dir/sub/deeper/deep.txt café.txt dir/big.bin)

mkcab "$S/z.cab" "$T" -z -- "${FILES[@]}"
ok $? "gcab makes an MSZIP cabinet"
expand "$S/z.cab"
is "$rc" 0 "MSZIP cabinet: expands"
is "$err" "" "and says nothing"
diff -r "$T" "$S/x/dest" >&2
ok $? "every file and folder is there with its bytes"
cmp "$T/dir/big.bin" "$S/x/dest/dir/big.bin"
ok $? "the 3 MB file is byte for byte the same"
[ -f "$S/x/dest/empty" ] && [ ! -s "$S/x/dest/empty" ]
ok $? "the empty file is there, empty"
[ -f "$S/x/dest/café.txt" ]
ok $? "the UTF-8 name is a UTF-8 name on the host"
is "$(stat -c %a "$S/x/dest/dir/sub" "$S/x/dest/top.txt" | tr '\n' ' ')" "755 644 " \
    "folders 0755, files 0644"

mkcab "$S/u.cab" "$T" -- "${FILES[@]}"
ok $? "gcab makes an uncompressed cabinet"
expand "$S/u.cab"
is "$rc" 0 "uncompressed cabinet: expands"
diff -r "$T" "$S/x/dest" >&2
ok $? "with every file and its bytes"

run "$CABX" --is-cab "$S/z.cab"
is "$out" 1 "--is-cab: a cabinet is one"
run "$CABX" --is-cab "$T/top.txt"
is "$rc $out" "0 0" "--is-cab: a text file is not"
run "$CABX" --is-cab "$T/empty"
is "$rc $out" "0 0" "--is-cab: an empty file is not"
run "$CABX" --is-cab "$S/missing.cab"
is "$rc" 1 "--is-cab: a missing file fails"
like "$err" "^dartmk: $S/missing.cab: cannot read: No such file" "and says so"

# ---------------------------------------------------------------------------------------------
# Names: Latin-1 without the UTF-8 flag, folder case, the first spelling of a folder winning.
mkdir -p "$S/names/Folder" "$S/names/FOLDER"
echo latin >"$S/names/cafe.txt"
echo a >"$S/names/Folder/a.txt"
echo b >"$S/names/FOLDER/b.txt"
mkcab "$S/names.cab" "$S/names" -- cafe.txt Folder/a.txt FOLDER/b.txt
patch "$S/names.cab" 's/cafe\.txt\0/caf\xE9.txt\0/'
expand "$S/names.cab"
is "$rc" 0 "Latin-1 names and one folder in two cases: expands"
is "$(cat "$S/x/dest/café.txt" 2>&1)" latin "a Latin-1 name becomes UTF-8"
is "$(cd "$S/x/dest" && find . -mindepth 1 | sort | tr '\n' ' ')" \
    "./Folder ./Folder/a.txt ./Folder/b.txt ./café.txt " "FOLDER\\ is Folder\\, as on Windows"

# ---------------------------------------------------------------------------------------------
# Bad cabinets: exit 1, one line naming the cabinet.

# bad CAB MESSAGE-REGEX WHAT: four checks for a cabinet that must be refused.
bad() {
    expand "$1"
    is "$rc" 1 "$3: exit 1"
    is "$(lines "$err")" 1 "$3: one line"
    like "$err" "^dartmk: $1: $2" "$3: names the cabinet and the reason"
    ok "$([ "$(ls -A "$S/x")" = dest ] && echo 0 || echo 1)" "$3: nothing outside the folder"
}

size=$(stat -c %s "$S/z.cab")
head -c $((size / 2)) "$S/z.cab" >"$S/half.cab"
bad "$S/half.cab" ".*corrupt data in the cabinet \(truncated\)" "truncated in the data"
head -c 60 "$S/z.cab" >"$S/head.cab"
bad "$S/head.cab" "not a valid cabinet \(truncated\)" "truncated in the file list"

head -c 102400 "$T/dir/big.bin" >"$S/rand.bin"
mkcab "$S/flip.cab" "$S" -z -- rand.bin
size=$(stat -c %s "$S/flip.cab")
printf '\x55' | dd of="$S/flip.cab" bs=1 seek=$((size - 1000)) conv=notrunc status=none
bad "$S/flip.cab" "rand\.bin: corrupt data in the cabinet \(checksum mismatch\)" "a flipped byte"
mkcab "$S/flipu.cab" "$S" -- rand.bin
printf '\x55' | dd of="$S/flipu.cab" bs=1 seek=$((size - 1000)) conv=notrunc status=none
expand "$S/flipu.cab"
like "$rc $err" "^1 .*checksum mismatch" "a flipped byte, uncompressed: refused too"

bad "$T/top.txt" "not a valid cabinet \(no MSCF signature\)" "not a cabinet"

# Names that leave the folder, patched into a good cabinet (same length).
mkdir -p "$S/evil/aa"
echo evil >"$S/evil/aa/evil.txt"
echo fine >"$S/evil/fine.txt"
mkcab "$S/evil.cab" "$S/evil" -z -- fine.txt aa/evil.txt
# refuse_name WHAT PERL-SUBSTITUTION REASON: the evil cabinet with aa\evil.txt renamed.
refuse_name() {
    cp "$S/evil.cab" "$S/$1.cab"
    patch "$S/$1.cab" "$2"
    expand "$S/$1.cab"
    is "$rc" 1 "member name, $1: exit 1"
    like "$err" "^dartmk: $S/$1.cab: member '[^']*\.txt': refused: $3" \
        "member name, $1: names the cabinet, the member and why"
    nothing_written
    ok $? "member name, $1: nothing written (names are checked first)"
}
refuse_name dotdot 's/aa\\evil/..\\evil/' "name has a '\.' or '\.\.' component"
refuse_name absolute 's/aa\\evil/\\a\\evil/' "absolute name"
refuse_name drive 's/aa\\evil/C:\\evil/' "name has a drive letter"
refuse_name emptydir 's/aa\\evil/a\\\\evil/' "empty folder name"
refuse_name stream 's/aa\\evil/aa\\e:il/' "':' in a name"

# Two members that are one file on Windows.
mkdir -p "$S/dup"
echo 1 >"$S/dup/dup.txt"
echo 2 >"$S/dup/xup.txt"
mkcab "$S/dup.cab" "$S/dup" -- dup.txt xup.txt
patch "$S/dup.cab" 's/xup\.txt/DUP.TXT/'
bad "$S/dup.cab" "member 'DUP.TXT': same name as member 'dup.txt' on Windows" "names differing in case"
nothing_written
ok $? "names differing in case: nothing written"
patch "$S/dup.cab" 's/DUP\.TXT/dup.txt/'
expand "$S/dup.cab"
like "$rc $err" "^1 .*member 'dup.txt': same name as member 'dup.txt'" "the same name twice: refused"

mkdir -p "$S/fd/X"
echo f >"$S/fd/x"
echo y >"$S/fd/X/y.txt"
mkcab "$S/fd.cab" "$S/fd" -- x X/y.txt
expand "$S/fd.cab"
like "$rc $err" "^1 .*member 'X.y\.txt': a folder of it has the name of member 'x'" \
    "a file and a folder of one name: refused"

# The UTF-8 flag on a name that is not UTF-8.
cp "$S/z.cab" "$S/badutf.cab"
patch "$S/badutf.cab" 's/caf\xC3\xA9/caf\xFF\xFE/'
expand "$S/badutf.cab"
like "$rc $err" "^1 .*is marked UTF-8 but is not valid UTF-8" "invalid UTF-8 name: refused"

# The destination: a symbolic link in it leads nowhere, an existing file is not replaced.
mkdir -p "$S/outside"
rm -rf "$S/x" && mkdir -p "$S/x/dest" && ln -s "$S/outside" "$S/x/dest/aa"
run "$CABX" "$S/evil.cab" "$S/x/dest"
is "$rc" 1 "a symbolic link in the destination: exit 1"
like "$err" "^dartmk: $S/x/dest/aa: cannot make the folder for member 'aa.evil\.txt'" \
    "and says which folder"
is "$(ls -A "$S/outside")" "" "nothing written through the link"
rm -rf "$S/x" && mkdir -p "$S/x/dest" && echo mine >"$S/x/dest/fine.txt"
run "$CABX" "$S/evil.cab" "$S/x/dest"
like "$rc $err" "^1 .*fine\.txt: cannot create member 'fine\.txt': File exists" \
    "an existing file: refused"
is "$(cat "$S/x/dest/fine.txt")" mine "and left as it was"

# A cabinet set: the header says a next part exists (strings inserted after the header, the
# offsets after them moved).
cp "$S/evil.cab" "$S/set.cab"
perl -0777 -pi -e '
    my $ins = "part2.cab\0Disk 2\0";
    my $n = length $ins;
    substr($_, 0x1E, 2) = pack "v", unpack("v", substr $_, 0x1E, 2) | 2;
    substr($_, 0x08, 4) = pack "V", length($_) + $n;
    substr($_, 0x10, 4) = pack "V", unpack("V", substr $_, 0x10, 4) + $n;
    substr($_, 0x24, 4) = pack "V", unpack("V", substr $_, 0x24, 4) + $n;
    substr($_, 36, 0) = $ins;' "$S/set.cab"
bad "$S/set.cab" "part of a cabinet set spanning several files \(with 'part2.cab'\)" "a cabinet set"

# A full disk, with the failwrite shim: the host's error, naming the file.
# (An ASan build checks that its runtime comes first; the shim before it is fine.)
if [ -e "$TOOLS/failwrite.so" ]; then
    rm -rf "$S/x" && mkdir -p "$S/x/dest"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
        LD_PRELOAD=$TOOLS/failwrite.so FAILWRITE_PREFIX=$S/x/dest FAILWRITE_AFTER=1000000 \
        run "$CABX" "$S/z.cab" "$S/x/dest"
    is "$rc" 1 "a full disk: exit 1"
    like "$err" "^dartmk: $S/x/dest/dir/big\.bin: No space left on device$" "names the file"
else
    fail "full disk: no failwrite.so (make tools)"
    fail "full disk: no failwrite.so (make tools)"
fi

# ---------------------------------------------------------------------------------------------
# Memory: no invalid access and no leak, on success and on the error paths (valgrind exits 99
# on an error; the sanitizer build, make asan, checks this itself).
if ! command -v valgrind >/dev/null; then
    for _ in 1 2 3; do fail "valgrind is installed (scripts/install-deps.sh)"; done
elif ldd "$CABX" | grep -q libasan; then
    for _ in 1 2 3; do pass "valgrind # SKIP cabx is built with ASan"; done
else
    for c in z.cab:0 flip.cab:1 dotdot.cab:1; do
        rm -rf "$S/x" && mkdir -p "$S/x/dest"
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
            "$CABX" "$S/${c%:*}" "$S/x/dest" 2>"$S/vg.err" >/dev/null
        vrc=$?
        [ "$vrc" = "${c#*:}" ] || cat "$S/vg.err" >&2
        is "$vrc" "${c#*:}" "valgrind: ${c%:*} is clean (exit ${c#*:})"
    done
fi

done_testing
