#!/bin/sh
# Nothing lost around an image: a write whose image shares its first and
# last page/sector with other data fails on purpose, with a flash error
# (the family's own flag: F1 PGERR, F4 OPERR) or a power loss (the unit in
# progress left half done, the board silent) at POINTS places spread over
# its flash operations. Whatever happens: exit 0 only when the flash holds
# the image and everything else as before; then one plain rerun exits 0,
# and every byte outside the image is as it was before the first run.
#
# usage: kept_bytes.sh SWDSIM SWDFLASH FLASHIMG.py CHIP [POINTS]
# (POINTS defaults to 5 per fault kind; SWDFLASH_KEPT_POINTS overrides it
# for a longer sweep, e.g. SWDFLASH_KEPT_POINTS=60 meson test kept_bytes_...)
sim=$1
cli=$2
img=$3
chip=$4
points=${SWDFLASH_KEPT_POINTS:-${5:-5}}
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

base=0x08000000
case $chip in
# pages of 1 KiB: half of page 1, page 2, half of page 3
stm32f103c8) size=0x10000 img_addr=0x08000600 img_len=0x800 ;;
# sectors of 16 KiB: the last 4 KiB of sector 1, the first 4 KiB of sector 2
stm32f446re) size=0x80000 img_addr=0x08007000 img_len=0x2000 ;;
# the case of the report: 64 KiB at 0x08004000 keeps 48 KiB of sector 4
stm32f446re-64k) chip=stm32f446re size=0x80000 img_addr=0x08004000 img_len=0x10000 ;;
*) echo "no test parameters for $chip" >&2; exit 2 ;;
esac
img_end=$((img_addr + img_len))
state=$tmp/chip.state
report=$tmp/report.json

py() { python3 "$img" "$@"; }
fresh_chip() { "$sim" state init "$state" --chip "$chip" --load "$tmp/old.bin@$base" >/dev/null; }
run_write() {
  "$sim" run --chip "$chip" --state "$state" --report "$report" "$@" -- \
    "$cli" write "$tmp/image.bin" "$img_addr"
}
dump() { "$sim" state dump "$state" $base $size "$tmp/dump.bin" >/dev/null; }
outside_kept() {
  py same "$tmp/old.bin" "$tmp/dump.bin" $base $base $((img_addr - base)) &&
    py same "$tmp/old.bin" "$tmp/dump.bin" $base $img_end $((base + size - img_end))
}

py random 21 $size "$tmp/old.bin"
py random 22 $img_len "$tmp/image.bin"
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/image.bin@$img_addr"

fresh_chip
run_write >/dev/null 2>&1 || { echo "the write fails without faults" >&2; exit 1; }
ops=$(sed -n 's/.*"flash_program_units": *\([0-9]*\).*/\1/p' "$report")
erases=$(sed -n 's/.*"flash_erase_units": *\([0-9]*\).*/\1/p' "$report")
ops=$((ops + erases))
echo "clean write: $ops flash operations"

# check KIND N
check() {
  fresh_chip
  run_write --fault "$1@$2" >"$tmp/run.out" 2>&1
  status=$?
  echo "$1@$2: exit $status"
  dump
  if [ $status -eq 0 ]; then
    if why=$(py same "$tmp/expect.bin" "$tmp/dump.bin" $base); then
      pass
    else
      fail "$1@$2: reported success, but the flash is wrong: $why"
    fi
  else
    # The report says what the flash holds: restored, or where the journal is.
    expect_match "$(cat "$tmp/run.out")" \
      "no byte outside it was at stake|as it was|saved in the journal" \
      "$1@$2: the failure says what became of the bytes around the image"
  fi
  if [ "$1" = flash-error ] && [ $status -ne 0 ]; then
    # Written back at once: nothing waits for a rerun.
    if why=$(outside_kept); then pass; else fail "$1@$2: bytes around the image lost: $why"; fi
  fi
  if run_write >"$tmp/rerun.out" 2>&1; then
    pass
  else
    fail "$1@$2: the rerun failed: $(cat "$tmp/rerun.out")"
  fi
  dump
  if why=$(outside_kept); then
    pass
  else
    fail "$1@$2: after the rerun, bytes outside the image differ: $why ($(cat "$tmp/run.out"))"
  fi
  if why=$(py same "$tmp/expect.bin" "$tmp/dump.bin" $base); then
    pass
  else
    fail "$1@$2: the image is wrong after the rerun: $why"
  fi
  if [ -n "$(ls -A "$XDG_STATE_HOME/swdflash" 2>/dev/null)" ]; then
    fail "$1@$2: a journal is left after the successful rerun"
  fi
}

i=1
while [ $i -le "$points" ]; do
  # Spread over the operations, the first and the last included; both
  # kinds at the same places.
  n=$(( (ops - 1) * (i - 1) / (points > 1 ? points - 1 : 1) + 1 ))
  check flash-error $n
  check power-loss $n
  i=$((i + 1))
done
finish
