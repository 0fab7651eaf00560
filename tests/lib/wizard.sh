# shellcheck shell=bash
# Walking `dartmk wizard`'s pages under tmux (tests/lib/tmux.sh). Source after tap.sh and tmux.sh.
#
#   wz_at NAME TITLE [SECS]       waits for the page titled TITLE (its window's top border;
#                                 default 10 s)
#   wz_add NAME TEXT              on a list page: TEXT typed, Enter (Add), until the list shows it
#   wz_entry NAME TEXT            clears the focused entry (Ctrl-U) and types TEXT
#   wz_defaults NAME SOURCE       from the first page to "Where it goes", SOURCE typed and every
#                                 other page left as it is (Enter on each)
#   wz_dest NAME N                picks the Nth destination (0 ISO, 1 disc, 2 stick,
#                                 3 partition, 4 PXE) on "Where it goes"
WZ_PAGES=("Source media" "Windows PE image" "Tools" "Remote connection" "Debugging tools"
    "Drivers" "Additional files" "Time limit" "Where it goes")

# newt discards keys typed before a window opens (newtOpenWindow flushes the input): a page is
# given a moment to settle once its title shows, or the next keys could be lost.
wz_at() { tm_wait "$1" "┤ $2 ├" "${3:-10}" && sleep 0.25; }

wz_entry() { tm_keys "$1" C-u; tm_type "$1" "$2"; }

wz_add() { wz_entry "$1" "$2"; tm_keys "$1" Enter; tm_wait "$1" "│ +$2" 5 && sleep 0.3; }

wz_defaults() { # NAME SOURCE
    local p
    wz_at "$1" "Source media" || return 1
    wz_entry "$1" "$2"
    tm_keys "$1" Enter
    for p in "${WZ_PAGES[@]:1}"; do
        wz_at "$1" "$p" || return 1
        [ "$p" = "Where it goes" ] || tm_keys "$1" Enter
    done
}

wz_dest() { # NAME N
    local i
    for ((i = 0; i < $2; i++)); do tm_keys "$1" Down; done
    tm_keys "$1" Enter
}
