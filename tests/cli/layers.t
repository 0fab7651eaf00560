#!/bin/bash
# The shape of the code (docs/architecture.md), judged by scripts/check-layers: no #include points
# up the pipeline, only src/cli/ prints, every C file is formatted as .clang-format says. And the
# judge itself: each rule fails on a tree that breaks it.
. "$(dirname "$0")/../lib/tap.sh"
plan 11
scratch
CHECK=$TOP/scripts/check-layers

run "$CHECK"
is "$rc" 0 "no include points up the pipeline and only src/cli prints"
[ "$rc" = 0 ] || diag "$out"
run "$CHECK" --format
is "$rc" 0 "every C file is formatted as .clang-format says"
[ "$rc" = 0 ] || diag "$out"
# The objects of this build: no call points up the pipeline either.
OBJ=${TOOLS:+${TOOLS%/tests/tools}}
OBJ=${OBJ:-$TOP/build}
run "$CHECK" --format --objects "$OBJ" --count
is "$out" "$(printf 'up 0\nprint 0\nformat 0\nlink 0')" "--count: no breach of any kind (objects of $OBJ)"

# A copy of the tree with one breach of each kind planted in turn.
copy() {
    rm -rf "$SCRATCH/t" && mkdir -p "$SCRATCH/t" &&
        cp -r "$TOP/src" "$TOP/partition" "$TOP/boot" "$TOP/winpe" "$TOP/.clang-format" "$SCRATCH/t/" &&
        mkdir -p "$SCRATCH/t/tests"
}
copy
LAYERS_ROOT=$SCRATCH/t run "$CHECK" --format
is "$rc" 0 "the copy of the tree passes"
sed -i '0,/#include "util\/tree.h"/s//#include "util\/tree.h"\n#include "target\/usb.h"/' "$SCRATCH/t/src/fat/fat.h"
LAYERS_ROOT=$SCRATCH/t run "$CHECK"
is "$rc/$out" "1/up src/fat/fat.h: target/usb.h (src/target is above src/fat)" "an include pointing up is found"
copy
printf '#include "tree.h"\n' >>"$SCRATCH/t/src/source/source.c"
LAYERS_ROOT=$SCRATCH/t run "$CHECK"
like "$out" '^up src/source/source.c: "tree.h" \(a project header is named with its folder\)$' \
    "a header named without its folder is found"
copy
printf 'static void f(void) { fprintf(stderr, "x"); }\n' >>"$SCRATCH/t/partition/plan.c"
LAYERS_ROOT=$SCRATCH/t run "$CHECK"
like "$out" '^print partition/plan.c:[0-9]+:static void f' "printing to stderr below the CLI is found"
copy
printf 'int g(void){return puts("x");}\n' >>"$SCRATCH/t/src/util/tree.c"
LAYERS_ROOT=$SCRATCH/t run "$CHECK" --format
like "$out" '^format src/util/tree.c$' "an unformatted file is found"
like "$out" '^print src/util/tree.c:' "puts below the CLI is found"
# A call up the pipeline that no include shows: util calling a function the CLI defines.
# (A tree of two sources and their objects; an object whose source is gone is a leftover.)
O=$SCRATCH/o
mkdir -p "$O/src/util" "$O/src/cli"
printf 'int dm_up(void);\nint dm_low(void) { return dm_up(); }\n' >"$O/src/util/low.c"
printf 'int dm_up(void) { return 1; }\n' >"$O/src/cli/up.c"
cc -c -o "$O/src/util/low.o" "$O/src/util/low.c" && cc -c -o "$O/src/cli/up.o" "$O/src/cli/up.c"
LAYERS_ROOT=$O run "$CHECK" --objects "$O"
is "$rc/$out" "1/link src/util/low.o: calls dm_up, defined in src/cli (above src/util)" "a call up the pipeline is found in the objects"
rm -f "$O/src/util/low.c"
LAYERS_ROOT=$O run "$CHECK" --objects "$O"
is "$rc" 0 "the object of a source that is gone is not judged (a leftover of an earlier build)"
done_testing
