#!/bin/bash
# The Debian package (make check; make package-check runs it alone): built with
# dpkg-buildpackage -b -us -uc in a scratch copy of the tree (it writes to the copy's parent),
# unpacked with dpkg -x, and run from there: --version, inspect of a sample, a build whose time
# limit needs the Windows PE helpers (found beside the binary, ../lib/dartmk, as /usr/lib/dartmk
# is when installed), every man page through man -l, the completion script; then lintian, whose
# tags must all be explained (debian/dartmk.lintian-overrides) — none are today. About 16 s
# (the package builds in 12): within make check's budget, so no CI step of its own.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
SAMPLES=${SAMPLES:-$(dirname "$FIXTURES")/samples}
[ -f "$SAMPLES/install.iso" ] || make -C "$TOP" -s samples >/dev/null
for t in dpkg-buildpackage dh lintian man jq; do
    command -v $t >/dev/null || missing_prerequisite "$t (scripts/install-deps.sh)"
done
plan 16
scratch
VERSION=$(cat "$TOP/VERSION")
SRC=$SCRATCH/dartmk-$VERSION ROOT=$SCRATCH/root
export TMPDIR=$SCRATCH/tmp HOME=$SCRATCH/home XDG_STATE_HOME=$SCRATCH/state
mkdir -p "$SRC" "$ROOT" "$TMPDIR" "$HOME"

# The tree as it is (work not yet committed included), less what builds and runs leave.
tar -C "$TOP" --exclude=./build --exclude=./build-asan --exclude=./build-fuzz --exclude=./demo \
    --exclude=./dartmk --exclude=./.git -cf - . | tar -C "$SRC" -xf -
start=$(date +%s)
# Nothing of the make that runs this test (its flags, variables given on its command line) may
# reach the package's own make.
(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL dpkg-buildpackage -b -us -uc) \
    >"$SCRATCH/build.log" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage -b -us -uc builds ($(($(date +%s) - start)) s)"
[ "$rc" = 0 ] || tail -20 "$SCRATCH/build.log" | sed 's/^/# /' >&2
DEB=$SCRATCH/dartmk_${VERSION}_amd64.deb
ok "$([ -f "$DEB" ]; echo $?)" "it made dartmk_${VERSION}_amd64.deb"
dpkg -x "$DEB" "$ROOT" 2>/dev/null
BIN=$ROOT/usr/bin/dartmk

contents=$(dpkg-deb -c "$DEB" 2>/dev/null | awk '{print $6}' | sed 's,^\./,/,')
missing=
for f in /usr/bin/dartmk /usr/lib/dartmk/dartexpire-amd64.exe /usr/lib/dartmk/dartexpire-x86.exe \
    /usr/share/bash-completion/completions/dartmk /usr/share/man/man1/dartmk.1.gz \
    /usr/share/doc/dartmk/README.md.gz /usr/share/doc/dartmk/copyright \
    /usr/share/doc/dartmk/examples/fleet.ini \
    $(jq -r '.commands[].name | "/usr/share/man/man1/dartmk-\(.).1.gz"' "$(dirname "$FIXTURES")/tables.json"); do
    printf '%s\n' "$contents" | grep -qx -- "$f" || missing="$missing $f"
done
is "$missing" "" "the package holds the program, the helpers, a man page per command, completion, README, examples"
# Build-Depends: the -dev package of every library the Makefile asks pkg-config for (a library
# added there must be added to debian/control too).
builddeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$TOP/debian/control")
missing=
for p in $(sed -n 's/^PKGS *:= *//p' "$TOP/Makefile"); do
    dev=$(dpkg -S "$(pkg-config --path "$p")" 2>/dev/null | cut -d: -f1)
    printf '%s\n' "$builddeps" | grep -qE "(^|[ ,])${dev:-?$p}(,|$| )" || missing="$missing $p(${dev:-no package})"
done
is "$missing" "" "Build-Depends names the package of every pkg-config library of the Makefile"
depends=$(dpkg-deb -f "$DEB" Depends 2>/dev/null)
like "$depends" 'libwim15.*syslinux, syslinux-common' "Depends: the shared libraries (shlibs) and syslinux"

run "$BIN" --version
is "$out" "dartmk $VERSION" "the packaged dartmk --version"
run "$BIN" inspect "$SAMPLES/install.iso"
is "$rc" 0 "the packaged dartmk inspects the sample install ISO"
is "$out" "$("$DARTMK" inspect "$SAMPLES/install.iso")" "the same report as the tree's dartmk"

# --expire-days puts the helper into the image: found at ../lib/dartmk from the binary.
run env -u DARTMK_LIBDIR "$BIN" build "$SAMPLES/adk" -o "$SCRATCH/out" --expire-days 3 -q
is "$rc" 0 "the packaged dartmk builds with --expire-days (helpers found in usr/lib/dartmk)"
[ "$rc" = 0 ] || diag "$err"
like "$(wimdir "$SCRATCH/out/sources/boot.wim" 1 2>/dev/null | grep -ci 'dartexpire.exe')" '^[1-9]' \
    "the image holds the expiry checker"
mv "$ROOT/usr/lib/dartmk" "$ROOT/usr/lib/dartmk.away"
run env -u DARTMK_LIBDIR "$BIN" build "$SAMPLES/adk" -o "$SCRATCH/out2" --expire-days 3 -q
like "$rc/$err" '^1/.*dartexpire' "without usr/lib/dartmk the build fails by name (the helpers came from there)"
mv "$ROOT/usr/lib/dartmk.away" "$ROOT/usr/lib/dartmk"

warned= pages=0
for page in "$ROOT"/usr/share/man/man1/*.1.gz; do
    pages=$((pages + 1))
    MANWIDTH=80 man --warnings -l "$page" >"$SCRATCH/page" 2>"$SCRATCH/warn"
    [ -s "$SCRATCH/warn" ] && warned="$warned $(basename "$page"): $(head -c 200 "$SCRATCH/warn")"
    grep -q '^NAME' "$SCRATCH/page" || warned="$warned $(basename "$page"): no NAME"
done
is "$warned" "" "man -l renders every packaged page ($pages) without a warning"
like "$(MANWIDTH=80 man -l "$ROOT/usr/share/man/man1/dartmk-usb.1.gz" 2>/dev/null | grep -c -- '--scheme')" \
    '^[1-9]' "the packaged dartmk-usb(1) documents --scheme"
got=$(bash -c '. "$1"; COMP_WORDS=(dartmk usb --scheme ""); COMP_CWORD=3; _dartmk; echo "${COMPREPLY[*]}"' \
    completion "$ROOT/usr/share/bash-completion/completions/dartmk")
is "$got" "mbr gpt" "the packaged completion completes usb --scheme"

# lintian: every tag it gives must be explained in an override (with its reason there).
lintian --tag-display-limit 0 -I -E --pedantic --show-overrides "$DEB" >"$SCRATCH/lintian" 2>/dev/null
lrc=$?
tags=$(grep -E '^[EWIPX]: ' "$SCRATCH/lintian" | grep -v '^O: ')
sed 's/^/# lintian: /' "$SCRATCH/lintian" >&2
is "$lrc" 0 "lintian exits 0"
is "$tags" "" "lintian: no tag left unexplained"

done_testing
