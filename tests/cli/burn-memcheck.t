#!/bin/bash
# The burn tests again, with dartmk under valgrind's memcheck: an invalid read or write, a use of
# uninitialised memory or a leak makes dartmk exit 99, and the exit-code checks fail. libburn
# runs the write (and the erase) in a thread of its own; dartmk waits for that thread to end
# before it frees the job, so even the failure paths leave nothing "possibly lost" behind.
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "1..1"; echo "not ok 1 - valgrind is installed (scripts/install-deps.sh)"; exit 1; }
DARTMK="$here/../lib/valgrind-dartmk" exec "$here/burn.t"
