#!/bin/bash
# The inspect tests again, with dartmk under valgrind's memcheck: an invalid read or write, a use
# of uninitialised memory or a leak makes dartmk exit 99, and the exit-code checks fail.
here=$(cd "$(dirname "$0")" && pwd)
DARTMK="$here/../lib/valgrind-dartmk" exec "$here/inspect.t"
