#!/bin/sh
# swdsim's own surface: help, listings, argument errors, running a command
# with the simulator and virtual time in place.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"

expect_exit 0 "--help" -- "$swdsim" --help
expect_match "$out" "^usage: swdsim COMMAND" "help synopsis"
main_help=$out
for cmd in run chips probes state; do
  expect_match "$main_help" "^  $cmd" "help lists $cmd"
  expect_exit 0 "help $cmd" -- "$swdsim" help "$cmd"
  expect_match "$out" "^usage: swdsim $cmd" "help $cmd synopsis"
done
expect_exit 0 "run --help" -- "$swdsim" run --help
expect_match "$out" "SWDSIM_PROBE" "run help names the environment variables"
expect_exit 0 "probes --help" -- "$swdsim" probes --help
expect_match "$out" "^usage: swdsim probes" "probes help"

expect_exit 2 "no command" -- "$swdsim"
expect_match "$err" "swdsim help" "no command points to help"
expect_exit 2 "unknown command" -- "$swdsim" frobnicate
expect_match "$err" "unknown command 'frobnicate'" "unknown command message"

expect_exit 0 "chips" -- "$swdsim" chips
expect_match "$out" "^stm32f103c8 " "chips lists the F103C8"
expect_exit 0 "probes" -- "$swdsim" probes
for kind in v2 v2-1 v3 clone-j29s7 clone-j37s7 clone-slow; do
  expect_match "$out" "^$kind " "probes lists $kind"
done
expect_match "$out" "0483:3748" "probes show the USB ids"

# Bad arguments: a clear message and exit 2, and the command never runs.
expect_exit 2 "unknown chip" -- "$swdsim" run --chip stm32f999 -- touch "$tmp/ran"
expect_match "$err" "unknown chip 'stm32f999'.*swdsim chips" "unknown chip message"
expect_exit 2 "unknown probe" -- "$swdsim" run --probe v9 -- touch "$tmp/ran"
expect_match "$err" "unknown probe kind 'v9'" "unknown probe message"
expect_exit 2 "bad serial" -- "$swdsim" run --probe v2:XYZ -- touch "$tmp/ran"
expect_match "$err" "24 hex digits" "bad serial message"
expect_exit 2 "bad fault" -- "$swdsim" run --fault usb-stall -- touch "$tmp/ran"
expect_match "$err" "KIND@N" "bad fault message"
expect_exit 2 "unknown fault" -- "$swdsim" run --fault usb-melt@3 -- touch "$tmp/ran"
expect_match "$err" "usb-melt" "unknown fault message"
expect_exit 2 "unknown scenario" -- "$swdsim" run --scenario moonlight -- touch "$tmp/ran"
expect_match "$err" "moonlight" "unknown scenario message"
printf 'this is not a chip state\n' > "$tmp/garbage.state"
expect_exit 2 "unreadable state" -- "$swdsim" run --state "$tmp/garbage.state" -- touch "$tmp/ran"
expect_match "$err" "garbage.state" "unreadable state names the file"
expect_exit 2 "unknown option" -- "$swdsim" run --frob -- touch "$tmp/ran"
expect_match "$err" "unknown option '--frob'" "unknown option message"
expect_exit 2 "no command to run" -- "$swdsim" run --chip stm32f103c8
expect_match "$err" "no command" "missing command message"
if [ -e "$tmp/ran" ]; then fail "a command ran despite bad arguments"; else pass; fi

# The command's exit status is swdsim's.
expect_exit 3 "exit status passes through" -- "$swdsim" run -- sh -c 'exit 3'
expect_exit 127 "missing program" -- "$swdsim" run -- "$tmp/no-such-program"

# The simulator is in place and exports its settings.
expect_exit 0 "environment" -- "$swdsim" run --chip stm32f103c8 --probe v2-1:ABC --state s.bin \
  --fault usb-stall@9 --scenario nrst-not-wired -- sh -c 'echo "$SWDSIM_CHIP|$SWDSIM_PROBE|$SWDSIM_STATE|$SWDSIM_FAULT|$SWDSIM_SCENARIO|$LD_PRELOAD"'
expect_match "$out" "^stm32f103c8\|v2-1:ABC\|/.*/s\.bin\|usb-stall@9\|nrst-not-wired\|.*libusb-1\.0\.so\.0" \
  "settings exported, state path made absolute, simulator preloaded"

# The physical limit, computed by the simulator from its own figures.
expect_exit 0 "help limit" -- "$swdsim" help limit
expect_match "$out" "^usage: swdsim limit" "limit help synopsis"
# an erased chip: 51200 words x 16 us, in microseconds (the wire, 614.4 ms
# of SWD at 4 MHz, is shorter)
expect_exit 0 "write limit" -- "$swdsim" limit --chip stm32f446re --bytes 200K
expect_match "$out" "^819200$" "F446 200 KiB write limit"
expect_match "$err" "SWD clock 4000 kHz" "the clock used is named"
# 4096 words x 48 cycles at 1.8 MHz (109.227 ms) beat 16 KiB of USB (13.9 ms)
expect_exit 0 "read limit" -- "$swdsim" limit --chip stm32f446re --read --freq 1800 --bytes 16K
expect_match "$out" "^109226\.667$" "F446 16 KiB read limit at 1.8 MHz"
expect_exit 2 "limit without chip" -- "$swdsim" limit --bytes 1K
expect_match "$err" "--chip is required" "missing chip message"

# Sleeps and clocks are virtual: a 1000 s sleep is seen to take exactly 1000 s.
if command -v python3 >/dev/null 2>&1; then
  expect_exit 0 "virtual sleep" -- "$swdsim" run -- python3 -c '
import time
a = time.monotonic(); time.sleep(1000); b = time.monotonic()
print(round(b - a, 6))'
  expect_match "$out" "^1000\.0$" "python sleep of 1000 s advances the clock by exactly 1000 s"
fi

finish
