# Helpers for the FAT writer's tests (fat.t, fat-property.t): the mkfat test tool and the judges
# nobody here wrote (fsck.fat, mtools, 7z). Source after tap.sh.
# shellcheck shell=bash disable=SC2154,SC2034  # run() sets rc, out, err; fsck_* are for callers

TOOLS=${TOOLS:-$TOP/build/tests/tools}
MKFAT=${MKFAT:-$TOOLS/mkfat}
# mtools: no drive letters to configure, no geometry checks; names in UTF-8.
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8

# need_mkfat: builds the tool when the test runs outside make check, or skips the whole test.
need_mkfat() {
    if [ ! -x "$MKFAT" ]; then
        make -C "$TOP" -s tools >&2 || missing_prerequisite "mkfat does not build (make tools)"
    fi
    [ -x "$MKFAT" ] || missing_prerequisite "no mkfat at $MKFAT"
}

# fat_field FIELD: a key=value of mkfat's last report line ($out), e.g. fat_field cluster_size.
fat_field() { printf '%s\n' "$out" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p" | tr -d '"'; }

# fsck_clean IMG: fsck.fat -n exits 0 and says nothing but its banner and summary. Sets
# fsck_files, fsck_used, fsck_total from "IMG: N files, USED/TOTAL clusters"; returns 0/1.
fsck_clean() {
    local o
    o=$(fsck.fat -n "$1" 2>&1)
    local status=$?
    local summary
    summary=$(printf '%s\n' "$o" | sed 1d)
    fsck_files='' fsck_used='' fsck_total=''
    fsck_output=$o
    if [ "$status" -ne 0 ] || [ "$(printf '%s\n' "$summary" | wc -l)" -ne 1 ]; then
        return 1
    fi
    summary=${summary#"$1: "}
    [[ $summary =~ ^([0-9]+)\ files,\ ([0-9]+)/([0-9]+)\ clusters$ ]] || return 1
    fsck_files=${BASH_REMATCH[1]} fsck_used=${BASH_REMATCH[2]} fsck_total=${BASH_REMATCH[3]}
}

# ok_fsck IMG DESCRIPTION: one test; shows fsck.fat's words on failure.
ok_fsck() {
    if fsck_clean "$1"; then
        pass "$2"
    else
        fail "$2"
        printf '%s\n' "$fsck_output" | head -20 | while IFS= read -r l; do diag "fsck.fat: $l"; done
    fi
}

# readback IMG[@@OFFSET] OUTDIR: every file and directory of the volume, copied out by mcopy.
readback() {
    rm -rf "$2" && mkdir -p "$2" && mcopy -s -n -m -i "$1" ::/ "$2/" 2>"$2.err"
}

# ok_same_tree SRC IMG[@@OFFSET] DESCRIPTION: mcopy -s brings back a tree equal to SRC (diff -r:
# names, contents, empty files and directories).
ok_same_tree() {
    local outdir=$SCRATCH/readback.$$
    if ! readback "$2" "$outdir"; then
        fail "$3"
        diag "mcopy failed: $(head -5 "$outdir.err")"
        return
    fi
    local d
    d=$(diff -r "$1" "$outdir" 2>&1)
    if [ -z "$d" ]; then
        pass "$3"
    else
        fail "$3"
        printf '%s\n' "$d" | head -20 | while IFS= read -r l; do diag "diff: $l"; done
    fi
    rm -rf "$outdir" "$outdir.err"
}

# tree_listing DIR: "path<TAB>size" for files, "path/" for directories, sorted.
tree_listing() {
    (cd "$1" && find . -mindepth 1 \( -type d -printf '%P/\n' \) -o \( -type f -printf '%P\t%s\n' \)) |
        LC_ALL=C sort
}

# listing_7z IMG: the same listing as 7z sees the volume.
listing_7z() {
    7z l -slt "$1" | awk '
        /^----------$/ { body = 1; next }
        !body { next }
        /^Path = / { path = substr($0, 8) }
        /^Folder = / { folder = substr($0, 10) }
        /^Size = / { size = substr($0, 8) }
        /^$/ && path != "" { print (folder == "+" ? path "/" : path "\t" size); path = "" }
        END { if (path != "") print (folder == "+" ? path "/" : path "\t" size) }' |
        LC_ALL=C sort
}

# ok_same_listing SRC IMG DESCRIPTION: 7z lists the same names and sizes as SRC holds.
ok_same_listing() {
    local d
    d=$(diff <(tree_listing "$1") <(listing_7z "$2") 2>&1)
    if [ -z "$d" ]; then
        pass "$3"
    else
        fail "$3"
        printf '%s\n' "$d" | head -20 | while IFS= read -r l; do diag "7z: $l"; done
    fi
}
