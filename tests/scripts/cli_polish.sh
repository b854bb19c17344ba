#!/bin/sh
# Everyday behaviour of the tool under the simulator: `write -` and
# `verify -` read the image from standard input (its format from its
# content), and on a terminal each job has one progress bar that never goes
# backwards, with its rate and the time left (erase and program, which
# alternate unit by unit, share one bar); read says time and throughput.
# usage: cli_polish.sh SWDSIM SWDFLASH
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

st=$tmp/f446.st
"$sim" state init "$st" --chip stm32f446re >/dev/null || fail "state init"
head -c 200000 /dev/urandom >"$tmp/one.bin"
head -c 200000 /dev/urandom >"$tmp/two.bin"
run() { "$sim" run --chip stm32f446re --state "$st" -- "$cli" "$@"; }

# ---- standard input ----------------------------------------------------------------
expect_exit 0 "write - (raw binary)" -- sh -c '"$1" run --chip stm32f446re --state "$2" -- "$3" write - 0x08000000 <"$4"' \
  sh "$sim" "$st" "$cli" "$tmp/one.bin"
expect_match "$out" "^wrote standard input to STM32F446" "write - names standard input"
expect_exit 0 "read back as Intel HEX" -- run -q read 0x08000000 200000 "$tmp/back.hex"
expect_exit 0 "verify - (Intel HEX, from its content)" -- \
  sh -c '"$1" run --chip stm32f446re --state "$2" -- "$3" verify - <"$4"' sh "$sim" "$st" "$cli" "$tmp/back.hex"
expect_match "$out" "^standard input matches the flash" "verify - of a HEX stream"
expect_exit 8 "write - of a damaged HEX stream" -- \
  sh -c 'printf ":00000001FF\nzz\n" | "$1" run --chip stm32f446re --state "$2" -- "$3" write -' sh "$sim" "$st" "$cli"
expect_match "$err" "standard input line 2" "the damaged stream is named"

# ---- progress on a terminal ------------------------------------------------------------
# tty_run, bars and monotonic: see lib.sh.
  "$sim" state init "$st" --chip stm32f446re >/dev/null
  tty_run "$tmp/tty1.txt" "$sim" run --chip stm32f446re --state "$st" -- "$cli" write "$tmp/one.bin" 0x08000000
  b=$(bars "$tmp/tty1.txt")
  expect_match "$b" "^programming .* 100 rate$" "write into erased flash: a programming bar with rate and time left"
  expect_match "$b" "^verifying .*100" "then a verifying bar"
  expect_eq_empty=$(monotonic "$b")
  [ -z "$expect_eq_empty" ] && pass || fail "write: $expect_eq_empty"
  tty_run "$tmp/tty2.txt" "$sim" run --chip stm32f446re --state "$st" -- "$cli" write "$tmp/two.bin" 0x08000000
  b=$(bars "$tmp/tty2.txt")
  expect_match "$b" "^writing ([0-9]+ )+100 rate$" "erase and program share one bar, with rate and time left"
  case $b in *"programming "*) fail "a separate programming bar while erasing: $b" ;; *) pass ;; esac
  bad=$(monotonic "$b")
  [ -z "$bad" ] && pass || fail "rewrite: $bad"
  tty_run "$tmp/tty3.txt" "$sim" run --chip stm32f446re --state "$st" -- "$cli" read 0x08000000 200000 "$tmp/r.bin"
  expect_match "$(cat "$tmp/tty3.txt")" "read 195.3 KiB from 0x08000000 into .* in [0-9.]+ s \([0-9.]+ KiB/s\)" \
    "read says time and throughput"

# ---- colour: only on a terminal, never with NO_COLOR -----------------------------------
esc=$(printf '\033')
"$sim" state init "$st" --chip stm32f446re >/dev/null
# An erased chip: the core locks up at reset, which reset marks in colour
# on standard output and the library's warning marks on standard error.
tty_run "$tmp/color.txt" "$sim" run --chip stm32f446re --state "$st" -- "$cli" reset
expect_match "$(cat "$tmp/color.txt")" "${esc}\[33mwarning${esc}\[0m" "a warning in colour on a terminal"
expect_match "$(cat "$tmp/color.txt")" "core: ${esc}\[1;33mlocked up" "reset marks a locked-up core on a terminal"
tty_run "$tmp/nocolor.txt" env NO_COLOR=1 "$sim" run --chip stm32f446re --state "$st" -- "$cli" reset
expect_match "$(cat "$tmp/nocolor.txt")" "core: locked up" "NO_COLOR: the same text"
if grep -q "$esc" "$tmp/nocolor.txt"; then fail "NO_COLOR: escape sequences on a terminal"; else pass; fi
tty_run "$tmp/empty.txt" env NO_COLOR= "$sim" run --chip stm32f446re --state "$st" -- "$cli" reset
expect_match "$(cat "$tmp/empty.txt")" "core: ${esc}\[1;33mlocked up" "an empty NO_COLOR does not count"
expect_exit 0 "reset without a terminal" -- "$sim" run --chip stm32f446re --state "$st" -- "$cli" reset
case "$out$err" in *"$esc"*) fail "escape sequences without a terminal" ;; *) pass ;; esac
expect_match "$out" "^core: locked up" "reset without a terminal: plain text"
# Standard error on a terminal, standard output into a file: colour only
# where the terminal is.
TTY_STDOUT="$tmp/split.out"
tty_run "$tmp/split.txt" "$sim" run --chip stm32f446re --state "$st" -- "$cli" reset
unset TTY_STDOUT
if grep -q "$esc" "$tmp/split.out"; then fail "colour on standard output into a file"; else pass; fi
expect_match "$(cat "$tmp/split.txt")" "${esc}\[33mwarning" "colour on standard error, the terminal"

# ---- text: one hex format (0x and 8 upper-case digits for addresses), plurals ----------
head -c 100 /dev/urandom >"$tmp/small.bin"
expect_exit 0 "write --dry-run of one sector" -- \
  "$sim" run --chip stm32f446re --state "$st" -- "$cli" write --dry-run "$tmp/small.bin" 0x08000000
expect_match "$out" "^    0x08000000-0x08000063  100 bytes$" "plan: the range in upper-case hex"
expect_match "$out" "program 100 bytes; 1 sector blank \(no erase\)" "plan: one sector, singular"
expect_match "$out" "erase 0 sectors" "plan: no sectors, plural"
expect_exit 0 "write of one sector" -- \
  "$sim" run --chip stm32f446re --state "$st" -- "$cli" write "$tmp/small.bin" 0x08000000
expect_match "$out" "^  1 sector: 0 erased, 1 programmed" "write: one sector, singular"
head -c 40000 /dev/urandom >"$tmp/three.bin"
expect_exit 0 "write over three sectors" -- \
  "$sim" run --chip stm32f446re --state "$st" -- "$cli" write "$tmp/three.bin" 0x08000000
expect_match "$out" "^  3 sectors: 1 erased, 2 programmed without erase" "write: three sectors, plural"
expect_exit 0 "erase of a sector range" -- \
  "$sim" run --chip stm32f446re --state "$st" -- "$cli" erase 0x0800C000 0x4000
expect_match "$out" "^erased 0x0800C000-0x0800FFFF of " "erase: the range in upper-case hex"
expect_exit 0 "info" -- "$sim" run --chip stm32f446re --state "$st" -- "$cli" info
expect_match "$out" "512 KiB at 0x08000000" "info: the flash address"
bad=$(printf '%s\n' "$out" | grep -E '0x[0-9A-Fa-f]*[a-f][0-9A-Fa-f]*\b' || true)
[ -z "$bad" ] && pass || fail "info: lower-case hex: $bad"

finish
