#!/bin/sh
# The checked-in flash loader blobs (lib/flash/loaders/loader_*.c) must be
# what the loader sources build to. Usage: loader_blobs.sh SRCDIR FRESH...
srcdir=$1
shift
. "$(dirname "$0")/lib.sh"
for fresh in "$@"; do
  name=$(basename "$fresh" | sed 's/^fresh_//')
  if cmp -s "$fresh" "$srcdir/$name"; then
    pass
  else
    fail "$name is stale: rebuild it with 'ninja -C build update-loaders' and commit it"
    diff -u "$srcdir/$name" "$fresh" | head -20 >&2
  fi
done
finish
