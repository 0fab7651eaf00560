# Hostile recipe files (--recipe FILE): syntax, unknown sections and keys, long lines and values,
# encodings, line ends, repeated keys, values out of range, the recipe against the command line,
# paths, and files that are not recipes — through --print-recipe (writes nothing) and through
# the writing commands (build, iso, usb, pxe, partition --dry-run) into targets under $W.
AREA_MIN=40

setup() {
    mkdir -p tools/Remote tools/two drivers/nvme notadriver
    printf 'MZ' >tools/Remote/Remote.exe
    printf 'MZ' >tools/two/a.exe
    printf 'MZ' >tools/two/b.exe
    printf '[Version]\r\nSignature="$Windows NT$"\r\nClass=SCSIAdapter\r\n' >drivers/nvme/nvme.inf
    printf 'Call the help desk.\n' >message.txt
    : >notadriver/readme.txt
    truncate -s 200M disk.img
    printf 'label: gpt\nsize=100M\n' | sfdisk -q disk.img
}

# rec FORMAT [ARG...]: r.ini written with printf (FORMAT's escapes: \n, \r, \0NNN, \xHH).
rec() {
    # shellcheck disable=SC2059 # the format is the point
    printf "$@" >r.ini
}
# remote KEYS...: a recipe with a working remote connection (the tool in $S), then KEYS lines.
remote() {
    {
        printf '[build]\ntool = Remote=%s/tools/Remote\nremote = yes\nremote-tool = Remote\n' "$S"
        printf '%s\n' "$@"
    } >r.ini
}
# longline N: a recipe whose third line, a comment, is N bytes long.
longline() {
    { printf '[build]\nexpire-days = 5\n;'; head -c "$(($1 - 1))" /dev/zero | tr '\0' x; printf '\n'; } >r.ini
}
# message N: remote-message of N characters over continuation lines of 64.
message() {
    python3 - "$1" "$S" <<'PY' >r.ini
import sys
n, s = int(sys.argv[1]), sys.argv[2]
text = ("y" * 63 + " ") * (n // 64) + "y" * (n % 64)
lines = [text[i:i + 64].strip() for i in range(0, len(text), 64)]
print("[build]\ntool = Remote=%s/tools/Remote\nremote = yes\nremote-tool = Remote" % s)
print("remote-message = " + "\n    ".join(lines))
PY
}

rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
# --- syntax ---
section-unclosed | rec '[build\nexpire-days = 5\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:1: not a recipe line \(key = value\)$
no-equals | rec '[build]\nexpire-days = 5\nwhole-media\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:3: not a recipe line \(key = value\)$
empty-value | rec '[build]\nexpire-days =\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --expire-days: '' is not a number of days \(1 to 36500\)$
empty-key | rec '[build]\n= 5\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:2: unknown key '' \(the keys are the long option names\)$
unknown-key | rec '[build]\nexpire-days = 5\nbogus = 1\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:3: unknown key 'bogus'
key-upper-case | rec '[build]\nEXPIRE-DAYS = 5\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:2: unknown key 'EXPIRE-DAYS'
key-of-another-command | rec '[iso]\nlabel = DART\n' | iso "$SAMPLES/dvd" -o x.iso --recipe r.ini | 2 | ^dartmk: r\.ini:2: unknown key 'label'
include-recipe | rec '[build]\nrecipe = /etc/passwd\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:2: unknown key 'recipe'
print-recipe-key | rec '[build]\nprint-recipe = yes\n' | build "$SAMPLES/dvd" -o out --recipe r.ini | 2 | ^dartmk: r\.ini:2: unknown key 'print-recipe'
unknown-section | rec '[fleet-2026]\nexpire-days = 7\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 7$
no-section | rec 'expire-days = 8\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 8$
colon-separator | rec '[build]\nexpire-days: 9\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 9$
empty-file | : >r.ini | build --recipe r.ini --print-recipe | 0 | ^\[build\]$
comments-only | rec '; nothing\n# here\n' | build --recipe r.ini --print-recipe | 0 | ^\[build\]$
# --- long lines and values ---
line-198 | longline 198 | build --recipe r.ini --print-recipe | 0 | ^expire-days = 5$
line-199 | longline 199 | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:3: longer than 198 bytes, the most a recipe line holds
line-64k | longline 65536 | pxe "$SAMPLES/dvd" -o p --recipe r.ini | 2 | ^dartmk: r\.ini:3: longer than 198 bytes
message-2048 | message 2048 | build --recipe r.ini --print-recipe | 0 | ^remote-message = y{63}$
message-2049 | message 2049 | build "$SAMPLES/dvd" -o out --recipe r.ini | 2 | ^dartmk: --remote-message: 2049 characters; the limit is 2048$
# --- encodings and line ends ---
nul-byte | rec '[build]\nexpire-days = 5\0\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:2: a NUL byte \(a recipe is text\)$
utf16le-bom | printf '\377\376[\0b\0u\0i\0l\0d\0]\0\n\0' >r.ini | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini: UTF-16 text \(a recipe is UTF-8 or ASCII text\)$
utf16be-bom | printf '\376\377\0[\0b\0u\0i\0l\0d\0]\0\n' >r.ini | iso "$SAMPLES/dvd" -o x.iso --recipe r.ini | 2 | ^dartmk: r\.ini: UTF-16 text
utf16-no-bom | printf '[\0b\0u\0i\0l\0d\0]\0\n\0' >r.ini | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:1: a NUL byte
utf8-bom | rec '\357\273\277[build]\nexpire-days = 11\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 11$
invalid-utf8-name | rec '[build]\ntool = R\377=%s/tools/Remote\n' "$S" | build --recipe r.ini --print-recipe | 2 | ^dartmk: --tool 'R\\xFF=.*': the name is not valid UTF-8$
invalid-utf8-comment | rec '[build]\n; caf\351\nexpire-days = 12\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 12$
control-char-name | rec '[build]\ntool = R\033[2J=%s/tools/Remote\n' "$S" | build --recipe r.ini --print-recipe | 2 | ^dartmk: --tool 'R\\x1B\[2J=.*': the name holds a control character$
cr-only | rec '[build]\rexpire-days = 0\r' | build "$SAMPLES/dvd" -o out --recipe r.ini | 2 | ^dartmk: r\.ini:1: a carriage return that does not end a line
cr-inside-value | rec '[build]\nexpire-days = 5\rwhole-media = yes\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:2: a carriage return that does not end a line
crlf | rec '[build]\r\nexpire-days = 13\r\n' | build --recipe r.ini --print-recipe | 0 | ^expire-days = 13$
# --- repeated keys ---
scalar-twice | rec '[build]\nexpire-days = 30\nexpire-days = 1\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:3: expire-days given a second time
scalar-twice-sections | rec '[a]\nimage-index = 1\n[b]\nimage-index = 2\n' | usb "$SAMPLES/dvd" s.img --size 64M --yes --recipe r.ini | 2 | ^dartmk: r\.ini:4: image-index given a second time
message-twice | remote 'remote-message = a' 'remote-message = b' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:6: remote-message given a second time
scalar-continued | rec '[build]\nexpire-days = 30\n    1\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:3: expire-days continues on an indented line \(only remote-message does\)$
tools-same-name | rec '[build]\ntool = remote=%s/tools/Remote\ntool = Remote=%s/tools/Remote\n' "$S" "$S" | build --recipe r.ini --print-recipe | 2 | ^dartmk: --tool: 'remote' and 'Remote' are the same name
# --- values out of range ---
expire-days-zero | rec '[build]\nexpire-days = 0\n' | iso "$SAMPLES/dvd" -o x.iso --recipe r.ini | 2 | ^dartmk: --expire-days: '0' is not a number of days \(1 to 36500\)$
expire-days-huge | rec '[build]\nexpire-days = 99999999999999999999\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --expire-days: '99999999999999999999' is not a number of days
expire-days-words | rec '[build]\nexpire-days = 30 days\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --expire-days: '30 days' is not a number of days
remote-port-zero | remote 'remote-port = 0' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --remote-port: '0' is not
remote-port-65536 | remote 'remote-port = 65536' | pxe "$SAMPLES/dvd" -o p --recipe r.ini | 2 | ^dartmk: --remote-port: '65536' is not
image-index-hex | rec '[build]\nimage-index = 0x2\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --image-index: '0x2' is not an image number
image-index-absent | rec '[build]\nimage-index = 99\n' | build "$SAMPLES/dvd" -o out --recipe r.ini | 1 | ^dartmk: sources/boot\.wim: image index 99 does not exist \(the WIM has 2 images\)$
whole-media-maybe | rec '[build]\nwhole-media = maybe\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --whole-media: 'maybe' is not yes or no$
remote-without-tool | rec '[build]\nremote = yes\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --remote needs --remote-tool NAME
port-without-remote | rec '[build]\nremote-port = 4000\n' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --remote-port needs --remote$
tool-reserved-name | rec '[build]\ntool = CON=%s/tools/Remote\n' "$S" | build --recipe r.ini --print-recipe | 2 | ^dartmk: --tool 'CON=.*': Windows reserves the name 'CON' for a device$
# --- the recipe against the command line ---
cli-wins-bad-value | rec '[build]\nexpire-days = 0\n' | build --recipe r.ini --print-recipe --expire-days 14 | 0 | ^expire-days = 14$
cli-bad-over-good | rec '[build]\nexpire-days = 5\n' | build --recipe r.ini --print-recipe --expire-days 36501 | 2 | ^dartmk: --expire-days: '36501' is not a number of days
cli-list-replaces | rec '[build]\ntool = CON=%s/tools/Remote\n' "$S" | build --recipe r.ini --print-recipe --tool "Remote=$S/tools/Remote" | 0 | ^tool = Remote=.*/tools/Remote$
dd-with-recipe | rec '[build]\nwhole-media = yes\n' | usb "$SAMPLES/dvd.iso" s.img --mode dd --size 16M --yes --recipe r.ini | 2 | ^dartmk usb: --mode dd writes SOURCE as it is: build options do not apply
two-recipes | rec '[build]\nexpire-days = 5\n'; printf '[build]\ndriver = nothere\n' >s.ini | build --recipe r.ini --recipe s.ini --print-recipe | 2 | ^dartmk build: --recipe given twice \('r\.ini' and 's\.ini'\): one at a time
# --- paths in a recipe ---
tool-relative-missing | rec '[build]\ntool = T=tools/T\n' | build "$SAMPLES/dvd" -o out --recipe r.ini | 1 | ^dartmk: --tool T=.*/tools/T: No such file or directory$
tool-two-programs | rec '[build]\ntool = Two=%s/tools/two\n' "$S" | build --recipe r.ini --print-recipe | 1 | ^dartmk: --tool Two=.*/tools/two: the folder holds 2 programs; name the one to start 'Two\.exe'
driver-without-inf | rec '[build]\ndriver = %s/notadriver\n' "$S" ; CASE_WATCH=$S/disk.img | partition "$SAMPLES/dvd" "$S/disk.img" --dry-run --recipe r.ini | 1 | ^dartmk: --driver .*/notadriver: the folder holds no \.inf file$
add-files-dotdot | rec '[build]\nadd-files = %s/drivers=../../Windows\n' "$S" | build --recipe r.ini --print-recipe | 2 | ^dartmk: --add-files '.*': the destination must be a folder inside the image
debugging-tools-file | rec '[build]\ndebugging-tools = r.ini\n' | build --recipe r.ini --print-recipe | 1 | ^dartmk: --debugging-tools .*/r\.ini: not a folder$
message-at-nothing | remote 'remote-message = @' | build --recipe r.ini --print-recipe | 2 | ^dartmk: --remote-message '@': no file named \(@FILE\)$
message-at-folder | remote "remote-message = @$S/tools" | build --recipe r.ini --print-recipe | 1 | ^dartmk: .*/tools: cannot read: Is a directory$
message-at-dev-zero | remote 'remote-message = @/dev/zero' | build --recipe r.ini --print-recipe | 1 | ^dartmk: /dev/zero: larger than 8194 bytes$
# --- files that are not recipes ---
recipe-missing | - | build --recipe none.ini --print-recipe | 1 | ^dartmk: none\.ini: cannot read the recipe: No such file or directory$
recipe-folder | mkdir r.ini | build "$SAMPLES/dvd" -o out --recipe r.ini | 1 | ^dartmk: r\.ini: cannot read the recipe: Is a directory$
recipe-under-file | rec '[build]\n' | build --recipe r.ini/x --print-recipe | 1 | ^dartmk: r\.ini/x: cannot read the recipe: Not a directory$
recipe-symlink-loop | ln -s b.ini a.ini; ln -s a.ini b.ini | build --recipe a.ini --print-recipe | 1 | ^dartmk: a\.ini: cannot read the recipe: Too many levels of symbolic links$
recipe-unreadable | - | build --recipe /proc/self/mem --print-recipe | 1 | ^dartmk: /proc/self/mem: cannot read the recipe: Input/output error$
recipe-binary | cp "$SAMPLES/boot.wim" r.ini | build --recipe r.ini --print-recipe | 2 | ^dartmk: r\.ini:[0-9]+: (a NUL byte|longer than 198)
ROWS
}
