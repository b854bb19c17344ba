#!/bin/sh
# The shared library exports only swdf_-prefixed symbols, and the Debian
# symbols file (SYMBOLS, when given) lists exactly the ones it exports.
lib=$1
symbols=${2:-}
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
if [ -n "$symbols" ]; then
  sort "$tmp/syms" >"$tmp/exported"
  sed -n 's/^ \(swdf_[A-Za-z0-9_]*\)@Base .*/\1/p' "$symbols" | sort >"$tmp/listed"
  missing=$(comm -23 "$tmp/exported" "$tmp/listed")
  extra=$(comm -13 "$tmp/exported" "$tmp/listed")
  [ -z "$missing" ] && pass || fail "exported but not in $(basename "$symbols"): $missing"
  [ -z "$extra" ] && pass || fail "in $(basename "$symbols") but not exported: $extra"
fi
finish
