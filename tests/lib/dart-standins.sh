#!/bin/bash
# dart-standins.sh — stand-ins for Microsoft DaRT's files (nothing of DaRT can be shipped or
# downloaded): DaRT-shaped cabinets made with gcab of the fixture programs (build/fixtures/dart:
# mingw-w64 programs with a VERSIONINFO resource), installers made with wixl that carry a tools
# cab, a fake DartConfig.dat. Sourced by tests/cli/dart.t for its functions; run as
#   tests/lib/dart-standins.sh FIXTURES OUT
# it makes the README's set: OUT/Toolsx64.cab (DaRT 7's mount\ layout, amd64), OUT/MSDaRT70.msi
# (that cab in its embedded cabinet) and OUT/DartConfig.dat.

# stand_in DIR STUB PREFIX [ENCODING]: DaRT's files under DIR/PREFIX (PREFIX "mount" for DaRT 7,
# "." for DaRT 8/10), every program a copy of the fixture STUB; winpeshl.ini in ENCODING (utf8 or
# utf16, as Windows' own tools write it).
stand_in() {
    local d=$1/$3 stub=$FIXTURES/dart/$2.exe enc=${4:-utf8}
    mkdir -p "$d/Windows/System32" "$d/sources/recovery/tools"
    for p in Windows/System32/RemoteRecovery.exe Windows/System32/WaitForConnection.exe \
        Windows/System32/netstart.exe sources/recovery/tools/MSDartTools.exe \
        Windows/System32/en-us/RemoteRecovery.exe.mui; do
        mkdir -p "$(dirname "$d/$p")"
        cp "$stub" "$d/$p"
    done
    local ini='[LaunchApps]\r\n%%windir%%\\system32\\netstart.exe, -prompt\r\n%%SYSTEMDRIVE%%\\sources\\recovery\\recenv.exe\r\n'
    if [ "$enc" = utf16 ]; then
        # shellcheck disable=SC2059
        { printf '\xff\xfe'; printf "$ini" | iconv -f UTF-8 -t UTF-16LE; } >"$d/Windows/System32/winpeshl.ini"
    else
        # shellcheck disable=SC2059
        printf "$ini" >"$d/Windows/System32/winpeshl.ini"
    fi
}
mkcab() { # CAB DIR: every file under DIR, named relative to it
    (cd "$2" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs gcab -c -z "$1")
}
winre_xml() { printf '<Recovery>\r\n <RecoveryTools>\r\n  <RelativeFilePath>MSDartTools.exe</RelativeFilePath>\r\n </RecoveryTools>\r\n</Recovery>\r\n' >"$1"; }

# mkmsi MSI CAB-OR-NONE: an installer made with wixl holding ERDC.exe and (unless "none") the
# tools cab, both in its embedded cabinet.
mkmsi() {
    local msi=$1 cab=$2 w embed=${3:-yes}
    w=$(dirname "$msi")/.wxs-$$-$RANDOM
    mkdir -p "$w" && cp "$FIXTURES/dart/7-amd64.exe" "$w/ERDC.exe"
    local tools=""
    if [ "$cab" != none ]; then
        cp "$cab" "$w/Toolsx64.cab"
        tools='<Component Id="Tools" Guid="1e8c7b1f-1c62-4b70-8b1f-3a4d5c6b7e82"><File Id="Toolsx64.cab" Name="Toolsx64.cab" Source="Toolsx64.cab" KeyPath="yes"/></Component>'
    fi
    cat >"$w/dart.wxs" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="DaRT stand-in" Language="1033" Version="7.0.1010.0" Manufacturer="dartmk tests"
           UpgradeCode="6b1f3f4e-5c2a-4f7e-9a51-3d2c1b0a9e88">
    <Package InstallerVersion="200" Compressed="yes" />
    <Media Id="1" Cabinet="dart.cab" EmbedCab="$embed" />
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="INSTALLDIR" Name="DaRT">
      <Component Id="Wizard" Guid="0d9b6a0e-0b51-4a6f-9a0e-2f3c4b5a6d71"><File Id="ERDC.exe" Name="ERDC.exe" Source="ERDC.exe" KeyPath="yes"/></Component>
      $tools
    </Directory></Directory></Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="Wizard"/>$([ "$cab" != none ] && echo '<ComponentRef Id="Tools"/>')</Feature>
  </Product>
</Wix>
EOF
    (cd "$w" && wixl -o "$msi" dart.wxs)
    local r=$?
    rm -rf "$w"
    return $r
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -e
    FIXTURES=$(cd "$1" && pwd)
    mkdir -p "$2"
    out=$(cd "$2" && pwd)
    tree=$(mktemp -d "$out/.tree-XXXXXX")
    stand_in "$tree" 7-amd64 mount
    winre_xml "$tree/mount/sources/recovery/tools/WinREConfig.xml"
    mkcab "$out/Toolsx64.cab" "$tree" >/dev/null
    rm -rf "$tree"
    mkmsi "$out/MSDaRT70.msi" "$out/Toolsx64.cab"
    head -c 2310 /dev/urandom >"$out/DartConfig.dat"
fi
