#!/bin/bash
# One source for the options: every option of every command's table (as build/dartmk-tables
# prints the tables) is in its --help, in its man page (rendered by man), and offered by the bash
# completion (its function driven as bash calls it: COMP_WORDS, COMP_CWORD, COMPREPLY); the values
# of options with a fixed list are completed, files and folders by the value's name, disks from
# `dartmk devices --json`. Every man page renders without a warning. scripts/gen-docs makes the
# pages and completion of a command it has never seen (a new command needs no change there).
# Each check covers every command and option, so the plan does not change when they do.
# shellcheck source=tests/lib/tap.sh disable=SC2154  # run sets $rc, $out, $err
. "$(dirname "$0")/../lib/tap.sh"
BUILD=${DARTMK_BUILD:-$(dirname "$FIXTURES")}
TABLES=$BUILD/tables.json MAN=$BUILD/man COMPLETION=$BUILD/completion/dartmk
[ -s "$TABLES" ] && [ -f "$MAN/dartmk.1" ] && [ -f "$COMPLETION" ] ||
    make -C "$TOP" -s docs >/dev/null
for f in "$TABLES" "$MAN/dartmk.1" "$COMPLETION"; do
    [ -s "$f" ] || missing_prerequisite "$f (make docs)"
done
command -v jq >/dev/null && command -v man >/dev/null && command -v groff >/dev/null ||
    missing_prerequisite "jq, man and groff (scripts/install-deps.sh)"
plan 25
scratch

# The tables are dartmk's own: the same commands as its --help, in the same order.
"$BUILD/dartmk-tables" >"$SCRATCH/tables.json"
is "$(cmp -s "$SCRATCH/tables.json" "$TABLES" && echo same)" same \
    "build/tables.json is what dartmk-tables prints now"
COMMANDS=$(jq -r '.commands[].name' "$TABLES")
is "$(echo "$COMMANDS" | paste -sd' ' -)" "$("$DARTMK" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | paste -sd' ' -)" \
    "the tables hold the commands of dartmk --help"
is "$(jq -r .version "$TABLES")" "$("$DARTMK" --version | cut -d' ' -f2)" "the tables' version is dartmk's"

# accepted CMD: every long option the parser takes; choices CMD: "name a b c" for each option
# whose values are a fixed list.
accepted() { jq -r --arg c "$1" '.commands[] | select(.name == $c) | .accepts[]' "$TABLES"; }
choices() {
    jq -r --arg c "$1" '.commands[] | select(.name == $c) | .options[] |
        select(.choices != null) | "\(.name) \(.choices | join(" "))"' "$TABLES"
}
count=$(for c in $COMMANDS; do accepted "$c"; done | wc -l)
like "$count" '^[0-9]{3,}$' "the tables declare the options ($count accepted in all)"

# --help: every accepted option named (the build options of the writing commands in their
# summary), as a whole word (--remote is not found in --remote-tool).
missing=
for c in $COMMANDS; do
    help=$("$DARTMK" "$c" --help) || missing="$missing $c:--help(exit $?)"
    for o in $(accepted "$c"); do
        printf '%s\n' "$help" | grep -Eq -- "(^|[[ ,|])--$o([] =,|]|$)" || missing="$missing $c:--$o"
    done
done
is "$missing" "" "every option of every command is in its --help (which exits 0)"

# Man pages: one per command, and dartmk(1); each renders without a warning, from man and groff.
is "$(cd "$MAN" && ls | paste -sd' ' -)" "$(for c in $COMMANDS; do echo "dartmk-$c.1"; done | sort | paste -sd' ' -) dartmk.1" \
    "build/man holds dartmk.1 and one page per command"
warned=
for page in "$MAN"/*.1; do
    MANWIDTH=80 man --warnings -l "$page" >"$SCRATCH/page.txt" 2>"$SCRATCH/warn" || warned="$warned $page(exit)"
    [ -s "$SCRATCH/warn" ] && warned="$warned $(basename "$page"): $(head -c 200 "$SCRATCH/warn")"
    groff -ww -man -Tutf8 -z "$page" 2>"$SCRATCH/warn"
    [ -s "$SCRATCH/warn" ] && warned="$warned $(basename "$page"): $(head -c 200 "$SCRATCH/warn")"
done
is "$warned" "" "every man page renders without a warning (man --warnings, groff -ww)"

# The rendered OPTIONS section of dartmk-CMD(1): its option lines (-x, --name ...) are exactly
# the command's options, and every option the parser accepts is there.
man_options() {
    MANWIDTH=200 man -l "$MAN/dartmk-$1.1" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' |
        sed -n 's/^ \{7\}\(-[a-zA-Z0-9], \)\{0,1\}--\([a-z0-9-]*\).*/\2/p'
}
missing= extra=
for c in $COMMANDS; do
    man_options "$c" | sort >"$SCRATCH/man"
    accepted "$c" | sort -u >"$SCRATCH/acc"
    missing="$missing$(comm -13 "$SCRATCH/man" "$SCRATCH/acc" | sed "s/^/ $c:--/" | tr -d '\n')"
    extra="$extra$(comm -23 "$SCRATCH/man" "$SCRATCH/acc" | sed "s/^/ $c:--/" | tr -d '\n')"
done
is "$missing" "" "every option of every command is in its man page's OPTIONS"
is "$extra" "" "a man page lists no option its command does not take"
rendered=$(MANWIDTH=80 man -l "$MAN/dartmk-usb.1" 2>/dev/null)
like "$(printf '%s\n' "$rendered" | grep -A1 -- '--scheme mbr|gpt')" 'the partition table' \
    "an option's line carries its values and its help (usb --scheme)"
like "$(printf '%s\n' "$rendered" | sed -n '/^OPTIONS/,/^EXIT/p' | grep -c -- '--dart-config-from')" '^1$' \
    "usb(1) holds the build options in full (--dart-config-from)"

# DESCRIPTION: the README's section of each command (its first prose line, in the rendered page).
missing=
for c in $COMMANDS; do
    first=$(awk -v c="$c" '$0 ~ "^### `dartmk " c "[ `]" {s = 1; next}
        s && /^(#|<!--|```|\||- )/ {if (/^#/) exit; next} s && NF {print; exit}' "$TOP/README.md" |
        sed 's/[`*]//g; s/\[\([^]]*\)\]([^)]*)/\1/g' | cut -d' ' -f1-6)
    [ -n "$first" ] || continue
    MANWIDTH=1000 man -l "$MAN/dartmk-$c.1" 2>/dev/null | sed -n '/^DESCRIPTION/,/^OPTIONS/p' | tr -s ' \n' ' ' |
        grep -qF -- "$first" || missing="$missing $c:'$first'"
done
is "$missing" "" "each command's man page describes it with its README section"
like "$(MANWIDTH=80 man -l "$MAN/dartmk.1" 2>/dev/null | sed -n '/^COMMANDS/,/^OPTIONS/p' | grep -c '^       [a-z]')" \
    "^$(echo $COMMANDS | wc -w)\$" "dartmk(1) lists every command"

# Completion, driven as bash drives it.
complete_words() { # complete_words PROG WORD...: COMPREPLY for the last word, one per line (%q)
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dartmk
        ((${#COMPREPLY[@]} == 0)) || printf "%q\n" "${COMPREPLY[@]}"' completion "$COMPLETION" "$@"
}
is "$(complete_words dartmk '' | paste -sd' ' -)/$(complete_words dartmk help p | paste -sd' ' -)" \
    "$(echo "$COMMANDS" | paste -sd' ' -) --help --version/partition pxe" "completion: the commands (and after help)"
missing=
for c in $COMMANDS; do
    offered=$(complete_words dartmk "$c" --)
    for o in $(accepted "$c"); do
        printf '%s\n' "$offered" | grep -Eqx -- "--$o=?" || missing="$missing $c:--$o"
    done
done
is "$missing" "" "completion offers every option of every command"
wrong=
for c in $COMMANDS; do
    while read -r o values; do
        got=$(complete_words dartmk "$c" "--$o" '' | paste -sd' ' -)
        [ "$got" = "$values" ] || wrong="$wrong $c:--$o($got)"
    done < <(choices "$c")
done
is "$wrong" "" "completion offers the values of every option that has a list"
is "$(complete_words dartmk usb --progress=j | paste -sd' ' -)" json "completion: --progress=j (one word) gives json"
is "$(complete_words dartmk usb --progress = b | paste -sd' ' -)" bar "completion: --progress = b (split at =) gives bar"

# Files and folders, by the value's name: -o DIR of build (folders), -o FILE.iso of iso (files),
# and SOURCE; nothing for a name that is not a path (--label LABEL).
mkdir -p "$SCRATCH/cwd/dir.d" && touch "$SCRATCH/cwd/file.iso"
cd "$SCRATCH/cwd" || exit 1
is "$(complete_words dartmk build src -o '' | paste -sd' ' -)" "dir.d" "completion: build -o DIR offers folders only"
is "$(complete_words dartmk iso src -o '' | sort | paste -sd' ' -)" "dir.d file.iso" \
    "completion: iso -o FILE.iso offers files"
is "$(complete_words dartmk inspect f | paste -sd' ' -)/$(complete_words dartmk usb src --label '' | paste -sd' ' -)" \
    "file.iso/" "completion: inspect SOURCE offers files; --label LABEL nothing"

# Disks: a loop device over a sparse file is in `dartmk devices --all --json`; partition's DISK
# offers it (and files), never the system disk. usb's TARGET asks for removable disks only: a
# stand-in dartmk that answers with this machine's list shows the list is read from devices --json.
truncate -s 2G "$SCRATCH/disk.img"
LOOP=$(losetup -f --show "$SCRATCH/disk.img") || missing_prerequisite "a loop device"
trap 'losetup -d "$LOOP"; rm -rf "$SCRATCH"' EXIT
"$DARTMK" devices --all --json >"$SCRATCH/devices.json" || diag "devices --all --json: exit $?"
expected=$(jq -r '.disks[] | select(.system | not) | .path' "$SCRATCH/devices.json" | sort | paste -sd' ' -)
like "$expected" "(^| )$LOOP( |$)" "devices --all --json lists the loop device $LOOP"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$DARTMK" >"$SCRATCH/dartmk" && chmod +x "$SCRATCH/dartmk"
got=$(complete_words "$SCRATCH/dartmk" partition src '' | grep -Fxf <(jq -r '.disks[].path' "$SCRATCH/devices.json") | sort | paste -sd' ' -)
is "$got" "$expected" "completion: partition DISK offers the disks of devices --json but the system disk"
printf '#!/bin/sh\necho "$*" >%s\ncat %s\n' "$SCRATCH/asked" "$SCRATCH/devices.json" >"$SCRATCH/stand-in"
chmod +x "$SCRATCH/stand-in"
got=$(complete_words "$SCRATCH/stand-in" usb src.iso '' | grep '^/dev/' | sort | paste -sd' ' -)
is "$got ($(cat "$SCRATCH/asked"))" "$expected (devices --json)" \
    "completion: usb TARGET offers what devices --json (removable disks) lists (a stand-in's list)"

# A command gen-docs has never seen (as another issue would add to dm_commands[]): its page and
# its completion come from the tables alone.
jq '.commands += [{"name": "frob", "summary": "frob things", "intro": "usage: dartmk frob SOURCE DISK [--knob a|b]\n\nFrobs.\n",
    "outro": "\nExamples:\n  dartmk frob x /dev/sdz\n\n", "accepts": ["knob"],
    "options": [{"group": "Options:"}, {"name": "knob", "short": null, "arg": null, "choices": ["a", "b"],
    "help": "the knob", "equals": false, "repeat": false}]}]' "$TABLES" >"$SCRATCH/more.json"
"$TOP/scripts/gen-docs" --tables "$SCRATCH/more.json" --readme "$TOP/README.md" --man "$SCRATCH/frob-man" \
    --completion "$SCRATCH/more-completion"
COMPLETION=$SCRATCH/more-completion
page=$(MANWIDTH=80 man -l "$SCRATCH/frob-man/dartmk-frob.1" 2>&1)
found=$(for w in 'dartmk-frob - frob things' 'Frobs.' '--knob a|b' 'the knob' 'dartmk frob x /dev/sdz'; do
    printf '%s\n' "$page" | grep -qF -- "$w" && echo "$w"; done | wc -l)
is "$found/$(complete_words dartmk frob --knob '' | paste -sd' ' -)/$(complete_words "$SCRATCH/stand-in" frob src '' | grep -cx "$LOOP")" \
    "5/a b/1" "a new command gets its man page and its completion with no change to gen-docs"

done_testing
