#!/bin/sh
# The shared library exports only swdf_-prefixed symbols.
lib=$1
. "$(dirname "$0")/lib.sh"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' >"$tmp/syms"
count=$(wc -l <"$tmp/syms")
if [ "$count" -lt 5 ]; then
  fail "expected public symbols, found $count"
else
  pass
fi
bad=$(grep -v '^swdf_' "$tmp/syms")
if [ -n "$bad" ]; then
  fail "symbols without the swdf_ prefix: $bad"
else
  pass
fi
if readelf -d "$lib" | grep -q 'SONAME.*libswdflash\.so\.0\]'; then
  pass
else
  fail "SONAME is not libswdflash.so.0"
fi
finish
