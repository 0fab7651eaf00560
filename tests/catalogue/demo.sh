AREA_MIN=2
setup() { cp "$SAMPLES/dvd.iso" "$S/dvd.iso"; }
rows() { cat <<'ROWS'
# name | prep | args | exit | pattern
missing | - | inspect nothere.iso | 1 | nothere\.iso: no such file
trunc | cp "$S/dvd.iso" in.iso; truncate -s 40000 in.iso | inspect in.iso | 1 | in\.iso|truncated
usage | - | iso | 2 | no SOURCE given|x
help | - | usb --help | 0 | usage
ROWS
[ -n "${NEG:-}" ] && cat <<'ROWS'
writes | - | iso "$SAMPLES/dvd.iso" -o out.iso | 0 | .
wrongexit | - | iso | 1 | .
ROWS
}
