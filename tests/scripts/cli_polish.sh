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

finish
