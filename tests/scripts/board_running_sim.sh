#!/bin/sh
# A board that stays powered and running between tool runs (issue 12): the
# test application (tests/firmware/run) is started by `swdsim state boot`,
# then swdflash (info, then read), st-flash and OpenOCD attach to it in
# turn, by default (300 virtual ms of firmware between two runs) and with
# --idle-ms, and read its SysTick counter in RAM, which goes on advancing
# from run to run while the application sleeps in WFI between interrupts.
# A core left halted stays halted and one locked up stays locked up from
# run to run (DHCSR says so). A firmware feeding its watchdog is left
# alone by an OpenOCD halt with the DBGMCU freeze bit that OpenOCD's config
# sets, and reset by it without that bit. A reset keeps the RAM that a power-on
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
  # a firmware that feeds its watchdog from SysTick (RCC_CSR.IWDGRSTF is
  # bit 29, RMVF bit 24, DBGMCU_APB1_FZ.DBG_IWDG_STOP bit 12: RM0390 §6.3.21,
  # §33.16.4): OpenOCD's stm32f4x.cfg sets the freeze bit when it examines
  # the chip, so a halt of 1.5 s leaves the chip alone; with the bit cleared
  # the watchdog resets the halted chip, as on silicon
  wd=$tmp/wdg.state
  "$sim" state init "$wd" --chip $chip --load "$fw/run_bootloader_$chip.bin@0x08000000" \
    --load "$fw/run_app_wdg_$chip.bin@0x08008000" >/dev/null || fail "state init wdg"
  wd_flags() { # wd_flags [openocd -c ...]: RCC_CSR after a halt of 1.5 s
    "$sim" run --chip $chip --state "$wd" -- openocd -f interface/stlink.cfg \
      -f target/stm32f4x.cfg -c init -c "mww 0x40023874 0x01000000" "$@" -c halt \
      -c "sleep 1500" -c "mdw 0x40023874" -c resume -c shutdown 2>&1 |
      sed -n 's/^0x40023874: \([0-9a-f]*\).*/\1/p'
  }
  wd_boot_flags() { # RCC_CSR after the watchdog firmware ran 2 s, fed
    "$sim" state boot "$wd" --ms 2000 --read 0x40023874 --json |
      python3 -c "import json,sys; print(json.load(sys.stdin)['reads'][0]['value'])"
  }
  f=$(wd_boot_flags)
  if [ -n "$f" ] && [ $((f & 0x20000000)) -eq 0 ]; then pass; else fail "a fed watchdog reset the chip"; fi
  f=$(wd_flags)
  if [ -n "$f" ] && [ $((0x$f & 0x20000000)) -eq 0 ]; then pass; else
    fail "halted by OpenOCD with DBG_IWDG_STOP set, the chip was reset by its watchdog: CSR $f"; fi
  f=$(wd_flags -c "mww 0xE0042008 0")
  if [ -n "$f" ] && [ $((0x$f & 0x20000000)) -ne 0 ]; then pass; else
    fail "halted by OpenOCD without the freeze bit, the watchdog did not reset the chip: CSR $f"; fi
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
