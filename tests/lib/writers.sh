# shellcheck shell=bash
# The set-up the tests of the disk-writing commands (usb, partition) share. Source after tap.sh.
#
#   writers_scratch   a scratch folder S with its own TMPDIR, HOME and XDG_STATE_HOME (saved
#                     partition tables stay in it), the arrays LOOPS, PIDS, MOUNTS and SWAPS,
#                     whose loop devices are detached, processes killed, mounts unmounted and
#                     swap files swapped off on exit (mounts first), and no settings from
#                     the caller's environment that change what dartmk writes

writers_scratch() {
    scratch
    S=$SCRATCH
    LOOPS=() PIDS=() MOUNTS=() SWAPS=()
    trap _writers_cleanup EXIT
    export TMPDIR=$S/tmp XDG_STATE_HOME=$S/state HOME=$S/home MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8
    mkdir -p "$TMPDIR" "$HOME"
    unset DARTMK_SYSLINUX_DIR SOURCE_DATE_EPOCH
}

# shellcheck disable=SC2317  # called by the trap
_writers_cleanup() {
    local p l
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${MOUNTS[@]}"; do umount "$p" 2>/dev/null; done
    for p in "${SWAPS[@]}"; do swapoff "$p" 2>/dev/null; done
    for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
    rm -rf "$S"
}
