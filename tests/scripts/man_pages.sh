#!/bin/sh
# swdflash(1) and libswdflash(3) render with man -l (or groff) without
# warnings, and swdflash(1) names every command and every option that
# `swdflash --help` and `swdflash help COMMAND` show.
# Usage: man_pages.sh SWDFLASH SWDFLASH.1 LIBSWDFLASH.3
. "$(dirname "$0")/lib.sh"
cli=$1
man1=$2
man3=$3

# Wide, unhyphenated ASCII text, so that option names stay whole.
render() {
  if command -v man >/dev/null 2>&1; then
    LC_ALL=C MANWIDTH=250 MANROFFOPT="-rHY=0 -ww" man -l "$1" 2>"$tmp/render.err" | col -b
  else
    LC_ALL=C groff -man -Tascii -rHY=0 -rLL=250n -ww "$1" 2>"$tmp/render.err" | col -b
  fi
}

if ! command -v man >/dev/null 2>&1 && ! command -v groff >/dev/null 2>&1; then
  echo "SKIP: neither man nor groff is installed"
  exit 77
fi

for page in "$man1" "$man3"; do
  render "$page" >"$tmp/page.txt"
  if [ ! -s "$tmp/page.txt" ]; then
    fail "$page renders to nothing"
  elif [ -s "$tmp/render.err" ]; then
    fail "$page: warnings while rendering: $(cat "$tmp/render.err")"
  else
    pass
  fi
done

render "$man1" >"$tmp/swdflash.txt"
page=$(cat "$tmp/swdflash.txt")
"$cli" --help >"$tmp/help.txt" || fail "swdflash --help failed"
# The command names: the indented first words of the "commands:" section.
commands=$(sed -n '/^commands:/,/^$/p' "$tmp/help.txt" | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p')
[ -n "$commands" ] || fail "no commands found in swdflash --help"
for c in $commands; do
  expect_match "$page" "swdflash $c( |$)" "swdflash(1) documents the command $c"
  "$cli" help "$c" >>"$tmp/help.txt" || fail "swdflash help $c failed"
done
# Every option spelled in an option column (long and short forms).
options=$(grep -E '^  +(-[a-zA-Z], )?--[a-z]' "$tmp/help.txt" |
  grep -oE -- '(^| )(-[a-zA-Z]|--[a-z][a-z0-9-]*)' | tr -d ' ' | sort -u)
[ "$(printf '%s\n' "$options" | wc -l)" -ge 20 ] || fail "too few options found in the help: $options"
for o in $options; do
  if grep -qF -- "$o" "$tmp/swdflash.txt"; then
    pass
  else
    fail "swdflash(1) does not mention the option $o"
  fi
done
# Exit statuses and environment variables.
for code in $(sed -n '/^exit status:/,/^$/p' "$tmp/help.txt" | sed -n 's/^  \([0-9][0-9]*\) .*/\1/p'); do
  expect_match "$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$tmp/swdflash.txt")" "^ +$code( |$)" \
    "swdflash(1) documents exit status $code"
done
for var in $(sed -n '/^environment:/,/^$/p' "$tmp/help.txt" | sed -n 's/^  \([A-Z_][A-Z_]*\) .*/\1/p'); do
  expect_match "$page" "$var" "swdflash(1) documents the environment variable $var"
done
expect_match "$page" "60-swdflash.rules" "swdflash(1) names the udev rules"
page3=$(render "$man3")
expect_match "$page3" "swdf_flash_write_image" "libswdflash(3) lists the API"
expect_match "$page3" "<swdflash/probe.h>" "libswdflash(3) points at the headers"
finish
