#!/bin/sh
# Install the Debian packages dartmk needs to build, run and test.
# Idempotent: packages already present are skipped; apt-get runs only when something is missing.
set -eu

PKGS="
build-essential pkg-config
debhelper dpkg-dev fakeroot lintian groff man-db
libisofs-dev libburn-dev libudfread-dev libwim-dev libfdisk-dev libblkid-dev
libxml2-dev libinih-dev libjson-c-dev libefiboot-dev libefivar-dev libmspack-dev libcmocka-dev
nasm gnu-efi mingw-w64
qemu-system-x86 ovmf ipxe-qemu seabios
syslinux syslinux-common syslinux-utils pxelinux isolinux
dosfstools mtools xorriso p7zip-full genisoimage wimtools udftools
libssl-dev gcab wine64 python3
libmsi-dev libglib2.0-dev msitools wixl
libnewt-dev tmux
perl jq tftpd-hpa tftp-hpa dnsmasq-base util-linux fdisk valgrind strace
clang clang-format libclang-rt-dev time
openssl sbsigntool osslsigncode pesign shim-signed grub-efi-amd64-signed
ansible-core python3-pytest
"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root (or: sudo $0)" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
