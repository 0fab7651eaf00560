# bench.sh — what the benchmark scripts share (sourced; they set TOP, PROG, BENCH_DIR and OUT).
#
# A method is timed by `once` after `prepare` gave every run the same start (dirty pages
# written out; the page cache dropped for "cold", the source read into it for "warm"); the runs
# of a method are summarised as medians; the report replaces its section of BENCHMARKS.md.

# media SIZE [LAYOUT]: the cached media directory of about SIZE in LAYOUT (default dvd; see
# scripts/mksample --help), made once; a stamp beside it says done.
media() {
    local layout=${2:-dvd} dir=$BENCH_DIR/media-$1
    [ "$layout" = dvd ] || dir=$dir-$layout
    if [ ! -e "$dir.done" ]; then
        echo "$PROG: making $1 $layout sample media in $dir" >&2
        rm -rf "$dir"
        GENDATA=${GENDATA:-$TOP/build/fixtures/gendata} "$TOP/scripts/mksample" \
            --fixtures "$TOP/build/fixtures" --layout "$layout" --format dir --size "$1" -o "$dir" >&2
        touch "$dir.done"
    fi
    echo "$dir"
}

# tree_files DIR: its files in tree order (a directory before its contents, siblings in byte
# order, '/' sorting first), NUL-terminated, relative to DIR.
tree_files() {
    (cd "$1" && find . -type f -printf '%P\0') | perl -0 -ne '
        chomp; push @f, $_;
        END { print map { "$_\0" } sort { (my $x = $a) =~ tr{/}{\001}; (my $y = $b) =~ tr{/}{\001}; $x cmp $y } @f }'
}

# windows_pe LIST: the entries of a tree_files list that a recovery tree keeps (the allow-list:
# bootmgr, bootmgr.efi, the root language folders, boot/, efi/, sources/boot.wim).
windows_pe() {
    perl -0 -ne 'print if m{^(bootmgr(\.efi)?|[a-z]{2}-[a-z]{2}/[^/]*|boot/.*|efi/.*|sources/boot\.wim)\0$}si' "$1"
}

# bytes_of DIR LIST: the total size of the listed files.
bytes_of() { (cd "$1" && xargs -0 -a "$2" stat -c %s) | awk '{ s += $1 } END { print s }'; }

# calc EXPR [DECIMALS]: arithmetic on decimals.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# median N...: the median of numbers.
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

can_drop=0
if sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then can_drop=1; fi

# prepare SRC LIST CACHE: the same start for every run: dirty pages written out, then the page
# cache dropped (cold) or the tree read into it (warm).
prepare() {
    sync
    if [ "$3" = cold ]; then
        echo 3 >/proc/sys/vm/drop_caches
    else
        (cd "$1" && xargs -0 -a "$2" cat >/dev/null)
    fi
}

# once KEY SRC LIST CACHE CMD: one timed run of CMD (a shell string) after `prepare`, with no
# output file yet; appends to T[KEY] (wall s), C[KEY] (user + system s), M[KEY] (max RSS, KiB).
declare -A T C M SECS BEST CPU RSS
once() {
    local key=$1 t0 t1 r u s
    rm -rf "$OUT"
    prepare "$2" "$3" "$4"
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M %U %S' -o "$BENCH_DIR/time" bash -c "$5" >/dev/null 2>"$BENCH_DIR/err" ||
        { echo "$PROG: $key failed: $(tail -3 "$BENCH_DIR/err")" >&2; exit 1; }
    t1=$EPOCHREALTIME
    read -r r u s < <(tail -1 "$BENCH_DIR/time")
    T[$key]+=" $(calc "$t1 - $t0" 3)" C[$key]+=" $(calc "$u + $s")" M[$key]+=" $r"
}

# summarise KEY: SECS and CPU (medians) and RSS (the largest) of its runs.
summarise() {
    # shellcheck disable=SC2086  # the runs are words
    SECS[$1]=$(median ${T[$1]}) CPU[$1]=$(median ${C[$1]})
    # shellcheck disable=SC2086
    BEST[$1]=$(printf '%s\n' ${T[$1]} | sort -g | head -1)
    # shellcheck disable=SC2086
    RSS[$1]=$(printf '%s\n' ${M[$1]} | sort -n | tail -1)
    echo "$PROG: $1:${T[$1]} s" >&2
}

# mb BYTES: in MiB, one decimal.
mb() { calc "$1 / 1048576" 1; }

# machine_line: the code and the machine a report was measured on.
machine_line() {
    local mem_kib cpu fs
    mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    fs=$(df -T "$BENCH_DIR" | awk 'NR == 2 { print $2 " on " $1 }')
    # BENCHMARKS.md itself changes as the sections are written: it does not make the code dirty.
    local code
    code=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$TOP" status --porcelain -- . ':(exclude)BENCHMARKS.md' 2>/dev/null)" ] ||
        code+=-dirty
    echo "Code: $code." \
        "Machine: $(nproc) CPUs ($cpu), $(mb $((mem_kib * 1024))) MiB memory, $fs, Linux $(uname -r)."
}

# write_section TITLE REPORT: REPORT (which starts with "## TITLE") replaces that section of
# BENCHMARKS.md (up to the next "## " heading), or is appended.
write_section() {
    local md=$TOP/BENCHMARKS.md
    if [ ! -e "$md" ]; then
        printf '%s\n' "# Benchmarks" "" \
            "What \`make bench\` measured, with the command that produced it. The limit is streaming the same" \
            "files into one synced file (docs/architecture.md, Performance)." >"$md"
    fi
    TITLE=$1 REPORT=$2 perl -0 -i -pe '
        my $r = $ENV{REPORT} . "\n";
        my $t = quotemeta $ENV{TITLE};
        s/^## $t\n.*?(?=^## |\z)/$r\n/ms or $_ .= "\n" . $r;
        s/\n+\z/\n/;
    ' "$md"
    echo "$PROG: wrote the $1 section of $md" >&2
}
