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
