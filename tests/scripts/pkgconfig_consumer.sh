#!/bin/sh
# Install into a staging directory, then build and run a program with the
# flags pkg-config gives for the installed library.
builddir=$1
source=$2
compiler=$3
sanitize=$4
. "$(dirname "$0")/lib.sh"

dest="$tmp/stage"
if meson install -C "$builddir" --destdir "$dest" --no-rebuild >"$tmp/install.log" 2>&1; then
  pass
else
  fail "meson install failed: $(cat "$tmp/install.log")"
  finish
  exit 1
fi

pcfile=$(find "$dest" -name swdflash.pc | head -n 1)
if [ -z "$pcfile" ]; then
  fail "swdflash.pc was not installed"
  finish
  exit 1
fi
pass

export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags swdflash) || fail "pkg-config --cflags"
libs=$(pkg-config --libs swdflash) || fail "pkg-config --libs"

san=""
if [ -n "$sanitize" ] && [ "$sanitize" != "none" ]; then
  san="-fsanitize=$sanitize"
fi
# shellcheck disable=SC2086
if "$compiler" $san -o "$tmp/consumer" "$source" $cflags $libs 2>"$tmp/cc.log"; then
  pass
else
  fail "building the consumer failed: $(cat "$tmp/cc.log")"
  finish
  exit 1
fi

libdir=$(dirname "$(find "$dest" -name 'libswdflash.so.0' | head -n 1)")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/consumer")
if [ $? -eq 0 ]; then pass; else fail "consumer failed: $out"; fi
expect_match "$out" "^consumer ok" "consumer output"
if [ -x "$(find "$dest" -path "*/bin/swdflash" -type f | head -n 1)" ]; then pass; else fail "CLI not installed"; fi
if [ -f "$(find "$dest" -path '*include/swdflash/version.h' | head -n 1)" ]; then pass; else fail "version.h not installed"; fi
finish
