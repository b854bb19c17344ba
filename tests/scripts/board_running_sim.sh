#!/bin/sh
# A board that stays powered and running between tool runs (issue 12): the
# test application (tests/firmware/run) is started by `swdsim state boot`,
# then swdflash, st-flash and OpenOCD attach to it in turn with
# --idle-ms 300 and read its SysTick counter in RAM, which goes on
# advancing from run to run; without --idle-ms a run starts the firmware
# again from a reset, and a power cycle forgets the running board.
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

"$sim" run --chip $chip --state "$st" --idle-ms 300 -- "$cli" -q -c hot-plug read 0x20000004 4 \
  "$tmp/b.bin" || fail "swdflash read of a running board"
b=$(word "$tmp/b.bin")
expect_ge "$b" $((a + 250)) "swdflash sees the counter 300 ms of firmware later"

last=$b
if command -v st-flash >/dev/null 2>&1; then
  "$sim" run --chip $chip --state "$st" --idle-ms 300 -- st-flash read "$tmp/c.bin" 0x20000004 4 \
    >/dev/null 2>&1 || fail "st-flash read of a running board"
  c=$(word "$tmp/c.bin")
  expect_ge "$c" $((last + 250)) "st-flash sees it advanced"
  last=$c
fi
if command -v openocd >/dev/null 2>&1; then
  out=$("$sim" run --chip $chip --state "$st" --idle-ms 300 -- openocd -f interface/stlink.cfg \
    -f target/stm32f4x.cfg -c init -c "mdw 0x20000004" -c shutdown 2>&1)
  d=$(printf '%s\n' "$out" | sed -n 's/^0x20000004: \([0-9a-f]*\).*/\1/p')
  d=$((0x${d:-0}))
  expect_ge "$d" $((last + 250)) "OpenOCD sees it advanced"
fi

# without --idle-ms every run starts the firmware again from a reset
"$sim" run --chip $chip --state "$st" -- "$cli" -q -c hot-plug read 0x20000004 4 "$tmp/e.bin" ||
  fail "swdflash read after a reset"
expect_lt "$(word "$tmp/e.bin")" 100 "a run without --idle-ms restarts the firmware"

# a power cycle forgets the running board
counter_after_boot --ms 100 >/dev/null
"$sim" state power-cycle "$st" || fail "power-cycle"
if [ -e "$st.board" ]; then fail "power-cycle left the running board"; else pass; fi

finish
