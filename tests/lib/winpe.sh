# winpe.sh — judging recovery trees as Windows PE media layouts (issue 14), for the CLI tests.
# shellcheck shell=bash

# winpe_only DIR: removes from a copy of media DIR what a recovery tree leaves behind — all but
# the allow-list: bootmgr and bootmgr.efi at the root, root folders holding only .mui files,
# boot/ and efi/ whole, sources/ holding only boot.wim (names compared case-insensitively).
winpe_only() {
    local d=$1 p
    (cd "$d" && find . -mindepth 1 -maxdepth 1 -printf '%P\n') | while IFS= read -r p; do
        case ${p,,} in
        bootmgr | bootmgr.efi | boot | efi) ;;
        sources) find "$d/$p" -mindepth 1 -maxdepth 1 ! -iname boot.wim -exec rm -rf {} + ;;
        *) if [ -f "$d/$p" ] || [ -n "$(find "$d/$p" -mindepth 1 \( -type d -o ! -iname '*.mui' \) -print -quit)" ] ||
            [ -z "$(find "$d/$p" -mindepth 1 -print -quit)" ]; then rm -rf "${d:?}/$p"; fi ;;
        esac
    done
}

# one_image WIM: "COUNT BOOT-INDEX NAME" (a recovery boot.wim: "1 1 <the source image's name>").
one_image() {
    wiminfo "$1" | awk -F': *' '/^Image Count/ { c = $2 } /^Boot Index/ { b = $2 } /^Name/ { n = $2 } END { print c, b, n }'
}
# image_name WIM INDEX: the name of an image.
image_name() { wiminfo "$1" "$2" | awk -F': *' '/^Name/ { print $2 }'; }

# winpe_list DIR: the files a recovery tree keeps of media DIR (winpe_only's allow-list), sorted,
# found by listing alone (no copy of a multi-GiB install.wim).
winpe_list() {
    (cd "$1" && find . -mindepth 1 -printf '%y %P\n') | awk '
        { t = $1; p = substr($0, 3); lp = tolower(p); n = split(lp, a, "/"); r = a[1] }
        n == 1 { if (t == "f" && (lp == "bootmgr" || lp == "bootmgr.efi")) keep[p] = 1; next }
        r == "boot" || r == "efi" { if (t == "f") keep[p] = 1; next }
        r == "sources" { if (lp == "sources/boot.wim") keep[p] = 1; next }
        { if (t != "f" || n > 2 || lp !~ /\.mui$/) bad[r] = 1; else { mui[p] = r } }
        END { for (p in mui) if (!bad[mui[p]]) keep[p] = 1; for (p in keep) print p }' | LC_ALL=C sort
}
# files_of DIR: every file under DIR, sorted (paths relative to it).
files_of() { (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort); }

# kept_resources SOURCE-WIM NEW-WIM: every blob NEW shares with SOURCE (by SHA-1) is stored with
# the same bytes — copied raw, not recompressed (wiminfo --blobs: hash, stored size, offset) —
# and there is at least one.
wim_blobs() { wiminfo --blobs "$1" | awk '/^Hash/ { h = $3 } /^Compressed size/ { c = $4 } /^Offset in WIM/ { print h, c, $5 }'; }
kept_resources() {
    local h c o sc so n=0
    while read -r h c o; do
        read -r sc so < <(wim_blobs "$1" | awk -v h="$h" '$1 == h { print $2, $3 }')
        [ -n "$sc" ] || continue
        [ "$sc" = "$c" ] && cmp -s <(tail -c +$((so + 1)) "$1" | head -c "$c") <(tail -c +$((o + 1)) "$2" | head -c "$c") ||
            { printf '# blob %s: stored differently\n' "$h" >&2; return 1; }
        n=$((n + 1))
    done < <(wim_blobs "$2")
    [ "$n" -gt 0 ]
}
