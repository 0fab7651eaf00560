#!/bin/bash
# The DaRT tools tests again (cabs, the installer read with libmsi, folders, --dart-config-from,
# a stick and a recovery partition, every refusal), with dartmk under valgrind's memcheck: an
# invalid read or write, a use of uninitialised memory or a leak makes dartmk exit 99, and the
# exit-code checks fail. (libmsi's own leaks are suppressed: tests/lib/valgrind-dartmk.supp.)
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "1..1"; echo "not ok 1 - valgrind is installed (scripts/install-deps.sh)"; exit 1; }
DARTMK="$here/../lib/valgrind-dartmk" exec "$here/dart.t"
