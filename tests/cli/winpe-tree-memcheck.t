#!/bin/bash
# The Windows PE tree tests again (build, iso, usb, partition and pxe from the Windows-11-shaped
# install medium, the boot image exported, --whole-media and its .swm parts), with dartmk under
# valgrind's memcheck: an invalid read or write, a use of uninitialised memory or a leak makes
# dartmk exit 99, and the exit-code checks fail.
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "1..1"; echo "not ok 1 - valgrind is installed (scripts/install-deps.sh)"; exit 1; }
DARTMK="$here/../lib/valgrind-dartmk" exec "$here/winpe-tree.t"
