#!/bin/sh
# A board that stays powered and running between tool runs (issue 12): the
# test application (tests/firmware/run) is started by `swdsim state boot`,
# then swdflash (info, then read), st-flash and OpenOCD attach to it in
# turn, by default (300 virtual ms of firmware between two runs) and with
# --idle-ms, and read its SysTick counter in RAM, which goes on advancing
# from run to run while the application sleeps in WFI between interrupts.
# A core left halted stays halted and one locked up stays locked up from
# run to run (DHCSR says so); a reset keeps the RAM that a power-on
# clears; --reset-each-run starts the firmware again
# from a reset at every run, and a power cycle forgets the running board.
#
# usage: board_running_sim.sh SWDSIM SWDFLASH FIRMWARE_DIR
sim=$1
cli=$2
fw=$3
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"
chip=stm32f446re
for f in bootloader app; do
  if [ ! -f "$fw/run_${f}_$chip.bin" ]; then
    echo "test firmware missing (arm-none-eabi-gcc not installed?): skipping"
    exit 77
  fi
done
st=$tmp/board.state
"$sim" state init "$st" --chip $chip --load "$fw/run_bootloader_$chip.bin@0x08000000" \
  --load "$fw/run_app_$chip.bin@0x08008000" >/dev/null || fail "state init"

counter_after_boot() {
  "$sim" state boot "$st" "$@" --read 0x20000004 --json |
    python3 -c "import json,sys; print(json.load(sys.stdin)['reads'][0]['value'])"
}

word() { # word FILE: the little-endian word in FILE
  od -An -tu4 "$1" | tr -d ' '
}

expect_ge() { # expect_ge GOT MIN WHAT
  if [ -n "$1" ] && [ "$1" -ge "$2" ]; then pass; else fail "$3: got '$1', want at least $2"; fi
}

expect_lt() { # expect_lt GOT MAX WHAT
  if [ -n "$1" ] && [ "$1" -lt "$2" ]; then pass; else fail "$3: got '$1', want less than $2"; fi
}

a=$(counter_after_boot --ms 100)
expect_ge "$a" 70 "the application counts after 100 ms"

"$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug info >/dev/null ||
  fail "swdflash info on a running board"
"$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug read 0x20000004 4 \
  "$tmp/b.bin" || fail "swdflash read of a running board"
b=$(word "$tmp/b.bin")
expect_ge "$b" $((a + 500)) "swdflash sees the counter two default idle times (300 ms) later"

last=$b
if command -v st-flash >/dev/null 2>&1; then
  "$sim" run --chip $chip --state "$st" -- st-flash read "$tmp/c.bin" 0x20000004 4 \
    >/dev/null 2>&1 || fail "st-flash read of a running board"
  c=$(word "$tmp/c.bin")
  expect_ge "$c" $((last + 250)) "st-flash sees it advanced"
  last=$c
else
  echo "st-flash not installed: its part is skipped"
fi
if command -v openocd >/dev/null 2>&1; then
  out=$("$sim" run --chip $chip --state "$st" --idle-ms 1000 -- openocd -f interface/stlink.cfg \
    -f target/stm32f4x.cfg -c init -c "mdw 0x20000004" -c shutdown 2>&1)
  d=$(printf '%s\n' "$out" | sed -n 's/^0x20000004: \([0-9a-f]*\).*/\1/p')
  d=$((0x${d:-0}))
  expect_ge "$d" $((last + 950)) "OpenOCD sees it advanced by --idle-ms 1000"
  # OpenOCD halts the core and leaves: it stays halted from run to run
  "$sim" run --chip $chip --state "$st" -- openocd -f interface/stlink.cfg \
    -f target/stm32f4x.cfg -c init -c halt -c shutdown >/dev/null 2>&1 || fail "OpenOCD halt"
  "$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug read 0x20000004 4 "$tmp/h1.bin"
  "$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug read 0x20000004 4 "$tmp/h2.bin"
  "$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug read 0xE000EDF0 4 "$tmp/dhcsr.bin"
  expect_eq_word() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
  expect_eq_word "$(word "$tmp/h2.bin")" "$(word "$tmp/h1.bin")" "a halted core stays halted between runs"
  if [ $(($(word "$tmp/dhcsr.bin") & 0x20000)) -ne 0 ]; then pass; else fail "DHCSR.S_HALT after runs"; fi
else
  echo "openocd not installed: its part is skipped"
fi

# a reset (NRST) of the powered board keeps the RAM: right after it the
# counter still holds its last value; a power-on starts from cleared RAM
k=$(counter_after_boot --reset --ms 0)
expect_ge "$k" 1000 "a system reset keeps the RAM"
z=$(counter_after_boot --ms 0)
expect_lt "$z" 1 "a power-on clears the RAM"

# --reset-each-run: every run starts the firmware again from a reset
"$sim" run --chip $chip --state "$st" --reset-each-run -- "$cli" -q -c hot-plug read 0x20000004 4 \
  "$tmp/e.bin" || fail "swdflash read after a reset"
expect_lt "$(word "$tmp/e.bin")" 100 "a run with --reset-each-run restarts the firmware"

# an erased chip locks up at its first vector fetch and stays locked up
# between runs: S_RESET_ST (cleared by the first read) does not come back
er=$tmp/erased.state
"$sim" state init "$er" --chip $chip >/dev/null || fail "state init erased"
for i in 1 2; do
  "$sim" run --chip $chip --state "$er" -- "$cli" -q -c hot-plug read 0xE000EDF0 4 "$tmp/l$i.bin" ||
    fail "DHCSR read of an erased chip"
done
l1=$(word "$tmp/l1.bin") l2=$(word "$tmp/l2.bin")
if [ $((l1 & 0x80000)) -ne 0 ] && [ $((l1 & 0x2000000)) -ne 0 ]; then pass; else
  fail "the first run meets a chip locked up since its reset: DHCSR $l1"; fi
if [ $((l2 & 0x80000)) -ne 0 ] && [ $((l2 & 0x2000000)) -eq 0 ]; then pass; else
  fail "the second run meets the same lockup, no new reset: DHCSR $l2"; fi

# a power cycle forgets the running board
counter_after_boot --ms 100 >/dev/null
"$sim" state power-cycle "$st" || fail "power-cycle"
if [ -e "$st.board" ]; then fail "power-cycle left the running board"; else pass; fi
"$sim" run --chip $chip --state "$st" --idle-ms 0 -- "$cli" -q -c hot-plug read 0x20000004 4 \
  "$tmp/p.bin" || fail "swdflash read after a power cycle"
expect_lt "$(word "$tmp/p.bin")" 100 "after a power cycle the firmware starts again"

finish
