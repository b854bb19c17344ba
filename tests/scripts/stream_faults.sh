#!/bin/sh
# Faults inside the writes that go out without status reads. Over a V2
# probe an H723's flash is faster than the link, so program slots stream
# to the loader unchecked and the loader checks each slot's data against
# the CRC in its trailer (lib/flash/loader_backend.c). An SWD FAULT ends
# the probe's memory command there: the rest of the block never reaches
# the SRAM, and the ring slot keeps the data of an earlier slot. Whichever
# block it hits, swdflash must fail (or succeed with the image in flash),
# never program data it did not send, never touch bytes outside the image,
# and a plain rerun must succeed. Both ways the loader learns of a lost
# block are seen: damaged data (the CRC) and a trailer that never came.
#
# usage: stream_faults.sh SWDSIM SWDFLASH FLASHIMG.py
sim=$1
cli=$2
img=$3
. "$(dirname "$0")/lib.sh"

chip=stm32h723zg
base=0x08000000
size=0x40000
img_addr=0x08000200
img_len=0x10000
word=32
state=$tmp/chip.state
report=$tmp/report.json
py() { python3 "$img" "$@"; }
report_value() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$report"; }
run_write() {
  "$sim" run --chip "$chip" --probe v2 --state "$state" --report "$report" "$@" -- \
    "$cli" -q write "$tmp/image.bin" "$img_addr"
}
dump() { "$sim" state dump "$state" $base $size "$tmp/dump.bin" >/dev/null; }

# An erased chip: nothing to erase, so every program slot streams.
"$sim" state init "$tmp/erased.state" --chip "$chip" >/dev/null
dump_of() { "$sim" state dump "$1" $base $size "$2" >/dev/null; }
dump_of "$tmp/erased.state" "$tmp/old.bin"
py random 22 $img_len "$tmp/image.bin"
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/image.bin@$img_addr"
# A fresh chip is a new board: the powered board kept next to the state file
# (FILE.board, swdsim's default) from the run before must not carry over, or
# the fault would land on another transaction than the clean run's trace says.
fresh_chip() { cp "$tmp/erased.state" "$state" && rm -f "$state.board"; }

# A clean run's trace tells which SWD transactions carry which USB block:
# its swd_transactions column counts them up to the end of each command.
fresh_chip
run_write --trace "$tmp/trace.txt" >/dev/null 2>&1 || { echo "the write fails without faults" >&2; exit 1; }
# The middle transaction of the large blocks 3, 4, 7 and 8 (slot data, each
# slot a block without and a block with its trailer).
places=$(awk 'NR > 1 { if ($3 == "OUT" && $4 > 1000) { n++; if (n == 3 || n == 4 || n == 7 ||
  n == 8) print int((prev + $7) / 2) } prev = $7 }' "$tmp/trace.txt")
[ -n "$places" ] || { echo "no slot data in the trace" >&2; exit 1; }

damaged=0
lost=0
for at in $places; do
  fresh_chip
  run_write --fault "swd-fault@$at" >"$tmp/run.out" 2>&1
  status=$?
  echo "swd-fault@$at: exit $status: $(grep -v warning "$tmp/run.out" | head -c 300)"
  dump
  if [ $status -eq 0 ]; then
    fail "swd-fault@$at: a block of slot data was lost, yet the write reported success"
  fi
  if grep -q "arrived damaged" "$tmp/run.out"; then
    damaged=$((damaged + 1))
  elif grep -q "never reached the flash loader" "$tmp/run.out"; then
    lost=$((lost + 1))
  else
    fail "swd-fault@$at: the error does not say the data were lost on the link"
  fi
  # Every flash word holds what was asked for or is erased: nothing from a
  # stale ring slot was programmed.
  if why=$(py partial "$tmp/expect.bin" "$tmp/dump.bin" $base $word); then pass; else
    fail "swd-fault@$at: $why"
  fi
  if run_write >"$tmp/rerun.out" 2>&1; then pass; else
    fail "swd-fault@$at: the rerun failed: $(cat "$tmp/rerun.out")"
  fi
  dump
  if why=$(py same "$tmp/expect.bin" "$tmp/dump.bin" $base); then pass; else
    fail "swd-fault@$at: flash wrong after the rerun: $why"
  fi
done
echo "damaged data caught $damaged times, lost trailers $lost times"
[ $damaged -gt 0 ] && pass || fail "no fault hit a block before a slot's trailer"
[ $lost -gt 0 ] && pass || fail "no fault hit a block holding a slot's trailer"
finish
