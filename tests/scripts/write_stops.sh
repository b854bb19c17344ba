#!/bin/sh
# How a write stops when it must: Ctrl-C (SIGINT at a known flash operation,
# sent by the simulator inside the tool's process), a target that answers
# WAIT for good, a board that loses power, a journal directory that cannot
# be written, and a rerun with another image after a power loss.
#
# usage: write_stops.sh SWDSIM SWDFLASH FLASHIMG.py
sim=$1
cli=$2
img=$3
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

chip=stm32f103re
base=0x08000000
size=0x80000
state=$tmp/chip.state
py() { python3 "$img" "$@"; }
fresh_chip() { "$sim" state init "$state" --chip $chip --load "$tmp/old.bin@$base" >/dev/null; }
dump() { "$sim" state dump "$state" $base $size "$tmp/dump.bin" >/dev/null; }
# outside ADDR LEN: every byte outside [ADDR, ADDR + LEN) as before
outside() {
  py same "$tmp/old.bin" "$tmp/dump.bin" $base $base $(($1 - base)) &&
    py same "$tmp/old.bin" "$tmp/dump.bin" $base $(($1 + $2)) $((base + size - $1 - $2))
}
swd() { "$sim" run --chip $chip --state "$state" "$@"; }

py random 31 $size "$tmp/old.bin"
py random 32 0x20000 "$tmp/a.bin"
py random 33 0x800 "$tmp/b.bin"
a_addr=0x08000200
a_len=0x20000
py expect "$tmp/old.bin" $base "$tmp/expect_a.bin" "$tmp/a.bin@$a_addr"

# ---- Ctrl-C in the middle of the write: 65 pages, SIGINT at the 20000th
# of about 66000 flash operations.
fresh_chip
expect_exit 130 "write interrupted" -- swd --fault interrupt@20000 -- "$cli" write "$tmp/a.bin" $a_addr
expect_match "$err" "stopped as asked at a safe point: [0-9]+ of 65 units written" \
  "the interrupted write says how far it got"
expect_match "$err" "run the same write again" "the interrupted write says how to finish"
expect_match "$err" "core is left halted" "the interrupted write says what the core does"
dump
if why=$(outside $a_addr $a_len); then pass; else fail "interrupt: bytes around the image: $why"; fi
if py same "$tmp/expect_a.bin" "$tmp/dump.bin" $base >/dev/null; then
  fail "interrupt: the whole image was written: the stop came too late to show anything"
else
  pass
fi
expect_exit 0 "write after the interrupt" -- swd -- "$cli" write "$tmp/a.bin" $a_addr
dump
if why=$(py same "$tmp/expect_a.bin" "$tmp/dump.bin" $base); then pass; else fail "after interrupt: $why"; fi

# ---- Ctrl-C while a range is erased: stops between pages, says where.
fresh_chip
expect_exit 130 "erase interrupted" -- swd --fault interrupt@5 -- "$cli" erase 0x08010000 0x10000
expect_match "$err" "stopped as asked: 0x08010000-0x[0-9A-F]+ is erased, 0x[0-9A-F]+-0x0801FFFF is as it was" \
  "the interrupted erase says what is erased"

# ---- A target that answers WAIT for good (the bus never frees): a clear
# error, no endless retrying (meson's timeout would catch a hang); the
# journal then lets a rerun finish.
fresh_chip
expect_exit 4 "write against a stuck bus" -- swd --fault swd-stuck@25000 -- "$cli" write "$tmp/a.bin" $a_addr
expect_match "$err" "SWD_AP_WAIT" "the stuck bus is named"
expect_exit 0 "write after the stuck bus" -- swd -- "$cli" write "$tmp/a.bin" $a_addr
dump
if why=$(py same "$tmp/expect_a.bin" "$tmp/dump.bin" $base); then pass; else fail "after stuck bus: $why"; fi

# ---- Power lost while the last page (which keeps bytes after the image)
# is programmed: said as such, without stepping the clock down or blaming
# the wiring; the journal is named; the rerun restores and finishes.
fresh_chip
expect_exit 4 "write with a power loss" -- swd --fault power-loss@66000 -- "$cli" write "$tmp/a.bin" $a_addr
expect_match "$err" "the board lost power" "the power loss is named"
expect_match "$err" "saved in the journal .*/swdflash/[0-9a-f]{24}\.journal" "the journal is named"
expect_match "$err" "power the board and run the same write again" "the hint says what a rerun does"
if printf '%s\n' "$err" | grep -Eq "slowing the SWD clock|lower the clock|--freq"; then
  fail "a power loss is taken for a wiring problem: $err"
else
  pass
fi
expect_exit 0 "write after the power loss" -- swd -- "$cli" write "$tmp/a.bin" $a_addr
expect_match "$out" "restored the bytes an interrupted write had erased around its image in 1 page" \
  "the rerun says it restored the bytes"
dump
if why=$(py same "$tmp/expect_a.bin" "$tmp/dump.bin" $base); then pass; else fail "after power loss: $why"; fi

# ---- Another image after the power loss: the journal still brings the
# bytes back (the first image's part of that page stays erased).
fresh_chip
expect_exit 4 "write with a power loss (2)" -- swd --fault power-loss@66000 -- "$cli" write "$tmp/a.bin" $a_addr
expect_exit 0 "another image after the power loss" -- swd -- "$cli" write "$tmp/b.bin" 0x08040000
dump
last_page=$(( (a_addr + a_len) / 2048 * 2048 ))
if why=$(py same "$tmp/old.bin" "$tmp/dump.bin" $base $((a_addr + a_len)) $((last_page + 2048 - a_addr - a_len))); then
  pass
else
  fail "another image: the bytes after the first image were not restored: $why"
fi
if [ -z "$(ls -A "$XDG_STATE_HOME/swdflash")" ]; then pass; else fail "the journal is left"; fi

# ---- The journal cannot be written: refused before anything is erased.
fresh_chip
expect_exit 1 "write without a usable journal directory" -- \
  swd -- "$cli" write --journal-dir /proc/no-such-dir "$tmp/a.bin" $a_addr
expect_match "$err" "cannot write the kept-bytes journal" "the journal failure is named"
expect_match "$err" "nothing was erased" "the journal failure says nothing changed"
dump
if why=$(py same "$tmp/old.bin" "$tmp/dump.bin" $base); then pass; else fail "flash changed: $why"; fi

finish
