#!/bin/sh
# The F4 program width follows the supply (RM0090 section 3.5.1): x32 from
# 2.7 V, x16 from 2.1 V, x8 below. Under each supply the loader stores
# PSIZE-wide units (4, 2 and 1 bytes), and the image lands exactly, with the
# bytes around it unchanged (compared with `swdsim state dump`).
#
# usage: flash_widths.sh SWDSIM SWDFLASH FLASHIMG.py
sim=$1
cli=$2
img=$3
. "$(dirname "$0")/lib.sh"

chip=stm32f446re
base=0x08000000
size=0x20000 # sectors 0-4
py() { python3 "$img" "$@"; }

for case in 3300:4 2500:2 1800:1; do
  mv=${case%%:*}
  width=${case#*:}
  state=$tmp/chip-$mv.state
  py random 1 $size "$tmp/old.bin"
  "$sim" state init "$state" --chip "$chip" --load "$tmp/old.bin@$base" >/dev/null ||
    { fail "state init"; continue; }
  # 5000 bytes at an odd offset inside sector 1 (0x08004000).
  py random 2 5001 "$tmp/img.bin"
  at=$((0x08004000 + 123))
  expect_exit 0 "write at ${mv} mV" -- "$sim" run --chip "$chip" --state "$state" \
    --scenario "vdd=$mv" -- "$cli" --json write "$tmp/img.bin" "$(printf '0x%08x' $at)"
  expect_match "$out" "\"program_width\":$width," "program width at ${mv} mV"
  "$sim" state dump "$state" $base $size "$tmp/dump.bin" >/dev/null 2>&1
  python3 - "$tmp/old.bin" "$tmp/img.bin" "$tmp/dump.bin" $((at - 0x08000000)) <<'PY' &&
import sys
old = bytearray(open(sys.argv[1], "rb").read())
img = open(sys.argv[2], "rb").read()
dump = open(sys.argv[3], "rb").read()
at = int(sys.argv[4])
old[at:at + len(img)] = img
sys.exit(0 if bytes(old) == dump else 1)
PY
    pass || fail "flash after the write at ${mv} mV is not the old contents with the image"
done
finish
