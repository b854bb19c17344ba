#!/bin/sh
# A 64 KiB write with one fault injected, once per position: a USB fault
# (stall or timeout) at every Nth USB transfer of the write, and an SWD FAULT
# at the same relative place among its SWD transactions; then the probe
# disconnecting for good at three places. Whatever happens,
# swdflash never reports success unless the flash holds the image, never
# changes bytes outside the image, and a plain rerun then succeeds.
#
# usage: flash_faults.sh SWDSIM SWDFLASH FLASHIMG.py [CHIP] [EVERY]
# (CHIP defaults to stm32f103re, EVERY to 50; SWDFLASH_FAULT_CHIP and
# SWDFLASH_FAULT_EVERY override them, e.g. for a longer run on other chips)
sim=$1
cli=$2
img=$3
chip=${SWDFLASH_FAULT_CHIP:-${4:-stm32f103re}}
every=${SWDFLASH_FAULT_EVERY:-${5:-50}}
. "$(dirname "$0")/lib.sh"

base=0x08000000
case $chip in
stm32f103c8) size=0x10000 img_len=0x8000 ;;
stm32f072rb) size=0x20000 img_len=0x8000 ;;
stm32f103re | stm32f446re) size=0x80000 img_len=0x10000 ;;
stm32f407vg) size=0x100000 img_len=0x10000 ;;
stm32f429zi) size=0x200000 img_len=0x10000 ;;
stm32g0b1re) size=0x80000 img_len=0x10000 ;;
stm32h723zg) size=0x100000 img_len=0x10000 unit=0x20000 ;;
*) echo "no test parameters for $chip" >&2; exit 2 ;;
esac
img_addr=$(printf '0x%08x' $((base + 0x200)))
img_end=$((base + 0x200 + img_len))
state=$tmp/chip.state
report=$tmp/report.json

py() { python3 "$img" "$@"; }
report_value() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$report"; }
fresh_chip() {
  "$sim" state init "$state" --chip "$chip" --load "$tmp/old.bin@$base" >/dev/null
}
run_write() {
  "$sim" run --chip "$chip" --state "$state" --report "$report" "$@" -- \
    "$cli" -q write "$tmp/image.bin" "$img_addr"
}
dump() { "$sim" state dump "$state" $base $size "$tmp/dump.bin" >/dev/null; }

py random 11 $size "$tmp/old.bin"
py random 12 $img_len "$tmp/image.bin"
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/image.bin@$img_addr"

# A clean run tells how many transfers and transactions a write takes.
fresh_chip
run_write >/dev/null 2>&1 || { echo "the write fails without faults" >&2; exit 1; }
transfers=$(report_value usb_transfers)
transactions=$(report_value swd_transactions)
echo "clean write: $transfers USB transfers, $transactions SWD transactions"
# At least three positions (start, middle, end) however short the write.
if [ "$every" -gt $((transfers / 3)) ]; then
  every=$((transfers / 3 > 0 ? transfers / 3 : 1))
  echo "every $every transfers"
fi

# check_after WHAT STATUS
check_after() {
  dump
  if [ "$2" -eq 0 ]; then
    if why=$(py same "$tmp/expect.bin" "$tmp/dump.bin" $base); then
      pass
    else
      fail "$1: reported success but the flash is wrong: $why"
    fi
  fi
  # Outside the image's erase units nothing may ever change. Inside them,
  # the bytes kept around the image stay too, unless the link was lost while
  # the unit was being rewritten (CHIP with large units, `unit` set): the
  # simulated chip stops when the client exits, so the loader cannot finish
  # what it holds; the error must then name the journal that keeps them, and
  # the rerun below must put them back.
  kept_from=$img_end
  if [ -n "${unit:-}" ] && [ "$2" -ne 0 ] && grep -q "journal" "$tmp/run.out"; then
    kept_from=$(( (img_end + unit - 1) / unit * unit ))
  fi
  outside_ok=true
  [ "$kept_from" -eq "$img_end" ] &&
    { why=$(py same "$tmp/old.bin" "$tmp/dump.bin" $base $base $((0x200))) || outside_ok=false; }
  if $outside_ok; then
    why=$(py same "$tmp/old.bin" "$tmp/dump.bin" $base $kept_from $((base + size - kept_from))) ||
      outside_ok=false
  fi
  if $outside_ok; then pass; else fail "$1: bytes outside the image changed: $why"; fi
  # A plain rerun succeeds and leaves the image.
  if run_write >"$tmp/rerun.out" 2>&1; then
    pass
  else
    fail "$1: the rerun failed: $(cat "$tmp/rerun.out")"
  fi
  dump
  if why=$(py same "$tmp/expect.bin" "$tmp/dump.bin" $base); then
    pass
  else
    fail "$1: flash wrong after the rerun: $why"
  fi
}

n=$every
i=0
while [ "$n" -le "$transfers" ]; do
  case $((i % 2)) in 0) kind=usb-stall ;; *) kind=usb-timeout ;; esac
  fresh_chip
  run_write --fault "$kind@$n" >"$tmp/run.out" 2>&1
  status=$?
  echo "$kind@$n: exit $status"
  check_after "$kind@$n" $status
  swd_at=$((transactions * n / transfers))
  fresh_chip
  run_write --fault "swd-fault@$swd_at" >"$tmp/run.out" 2>&1
  status=$?
  echo "swd-fault@$swd_at: exit $status"
  check_after "swd-fault@$swd_at" $status
  n=$((n + every))
  i=$((i + 1))
done

# A probe that vanishes for good (USB disconnect) a quarter, half and three
# quarters into the write: the loader finishes only what it holds, and an
# erase whose unit keeps old bytes starts only once those bytes are queued.
for quarter in 1 2 3; do
  at=$((transfers * quarter / 4))
  fresh_chip
  run_write --fault "usb-disconnect@$at" >"$tmp/run.out" 2>&1
  status=$?
  echo "usb-disconnect@$at: exit $status"
  check_after "usb-disconnect@$at" $status
done
finish
