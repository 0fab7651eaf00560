# shellcheck shell=bash
# Driving a full-screen program in tmux for dartmk's tests (tests/cli/wizard.t, tests/boot/
# wizard.t): a private tmux server per test file, a session of a given size, keys sent, the
# screen read back, and waits that poll the screen (never fixed sleeps). Source after tap.sh.
#
#   tm_start NAME COLS ROWS DIR CMD...  a session running CMD... in DIR; its exit code goes to
#                                        DIR/NAME.rc when it ends (the pane stays)
#   tm_keys NAME KEY...                  tmux send-keys (key names: Enter, Escape, F2, Tab...)
#   tm_type NAME TEXT                    TEXT typed as it is (send-keys -l)
#   tm_screen NAME                       the screen as text (capture-pane -p)
#   tm_wait NAME REGEX [SECS]            until the screen matches REGEX (grep -E; default 10 s);
#                                        on a timeout shows the screen as '#' lines, returns 1
#   tm_text NAME                         the screen's text: box lines taken out, the lines
#                                        joined with single spaces (wrapped text reads whole)
#   tm_wait_text NAME REGEX [SECS]       tm_wait on tm_text
#   tm_wait_joined NAME REGEX [SECS]     tm_wait on the screen with the lines the terminal wrapped
#                                        joined again (a command's long question)
#   tm_exit NAME DIR [SECS]              waits for CMD to end; prints its exit code ("" on timeout)
#   tm_stop                              ends the tmux server (call at exit)
TM_SOCKET=dartmk-test-$$

tm() { tmux -L "$TM_SOCKET" -f /dev/null "$@"; }

tm_start() { # NAME COLS ROWS DIR CMD...
    local name=$1 cols=$2 rows=$3 dir=$4
    shift 4
    rm -f "$dir/$name.rc"
    tm new-session -d -s "$name" -x "$cols" -y "$rows" -c "$dir" \
        "$(printf '%q ' "$@"); echo \$? >$(printf '%q' "$dir/$name.rc"); sleep 3600"
}

tm_keys() { local n=$1; shift; tm send-keys -t "$n" "$@"; }
tm_type() { tm send-keys -t "$1" -l -- "$2"; }
tm_screen() { tm capture-pane -p -t "$1"; }

tm_text() { tm_screen "$1" | sed 's/[│┌┐└┘─┤├↑↓▮▒]//g' | tr -s ' \n' '  '; }

tm_wait() { # NAME REGEX [SECS]
    _tm_poll tm_screen "$@"
}
tm_wait_text() { _tm_poll tm_text "$@"; }
tm_joined() { tm capture-pane -p -J -t "$1"; }
tm_wait_joined() { _tm_poll tm_joined "$@"; }

_tm_poll() { # FN NAME REGEX [SECS]
    local fn=$1 i n=$((${4:-10} * 10))
    shift
    for ((i = 0; i < n; i++)); do
        $fn "$1" | grep -Eq -- "$2" && return 0
        sleep 0.1
    done
    diag "timed out waiting for /$2/ on the screen:"
    tm_screen "$1" | sed 's/^/#   /' >&2
    return 1
}

tm_exit() { # NAME DIR [SECS]
    local i n=$((${3:-60} * 10))
    for ((i = 0; i < n; i++)); do
        [ -s "$2/$1.rc" ] && { cat "$2/$1.rc"; return 0; }
        sleep 0.1
    done
    diag "timed out waiting for $1 to end; the screen:"
    tm_screen "$1" | sed 's/^/#   /' >&2
}

tm_stop() { tm kill-server 2>/dev/null; }
