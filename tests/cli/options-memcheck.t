#!/bin/bash
# The options tests again (every command's --help, made by the same walk of the tables as the
# man pages; devices --json for disk completion), with dartmk under valgrind's memcheck.
here=$(cd "$(dirname "$0")" && pwd)
DARTMK="$here/../lib/valgrind-dartmk" exec "$here/options.t"
