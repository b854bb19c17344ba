#!/bin/sh
# swdflash write when things are not as they should be, and its less common
# paths: write and read protection, the register method, read-back
# verification, --reset, and files refused before the probe is touched.
#
# usage: flash_errors.sh SWDSIM SWDFLASH FLASHIMG.py
sim=$1
cli=$2
img=$3
. "$(dirname "$0")/lib.sh"

base=0x08000000
state=$tmp/chip.state
report=$tmp/report.json
py() { python3 "$img" "$@"; }
report_value() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$report"; }
swd() {
  chip=$1
  shift
  "$sim" run --chip "$chip" --state "$state" --report "$report" -- "$cli" "$@"
}
# same_flash WHAT CHIP SIZE EXPECTED
same_flash() {
  "$sim" state dump "$state" $base "$3" "$tmp/dump.bin" >/dev/null
  if why=$(py same "$4" "$tmp/dump.bin" $base); then pass; else fail "$1: $why"; fi
}

py random 31 3000 "$tmp/small.bin"
py random 32 0x10000 "$tmp/old64k.bin"
py random 33 0x80000 "$tmp/old512k.bin"

# Write protection on an F103: pages 0-3 (WRP0 bit 0). Nothing else changes.
"$sim" state init "$state" --chip stm32f103c8 --option wrp0=0xFE --load "$tmp/old64k.bin@$base" >/dev/null
expect_exit 5 "F103 write-protected page" -- swd stm32f103c8 write "$tmp/small.bin" 0x08000100
expect_match "$err" "refusing the write: pages 0-3 at 0x08000000-0x08000FFF \(option wrp0\) are write protected" \
  "F103 WRP message names the pages and the option"
expect_match "$err" "unlock" "F103 WRP hint"
same_flash "F103 WRP: flash unchanged" stm32f103c8 0x10000 "$tmp/old64k.bin"

# An image filling the whole F103 flash over old data takes one mass erase
# instead of 64 page erases, but not while a page is write protected.
py random 34 0x10000 "$tmp/new64k.bin"
"$sim" state init "$state" --chip stm32f103c8 --load "$tmp/old64k.bin@$base" >/dev/null
expect_exit 0 "F103 whole-flash plan" -- swd stm32f103c8 write --dry-run --json "$tmp/new64k.bin"
expect_match "$out" '"mass_erase":true' "F103 whole-flash image: one mass erase"
"$sim" state init "$state" --chip stm32f103c8 --option wrp0=0xFE --load "$tmp/old64k.bin@$base" >/dev/null
expect_exit 5 "F103 WRP whole-flash plan" -- swd stm32f103c8 write --dry-run --json "$tmp/new64k.bin"
expect_match "$out" '"mass_erase":false' "F103 WRP whole-flash image: page erases, no mass erase"
expect_match "$out" '"refused":true' "F103 WRP whole-flash plan: refused"
expect_exit 5 "F103 WRP whole-flash write" -- swd stm32f103c8 write "$tmp/new64k.bin"
expect_match "$err" "refusing the write: pages 0-3 at 0x08000000" "F103 WRP whole-flash message"
same_flash "F103 WRP whole-flash: flash unchanged" stm32f103c8 0x10000 "$tmp/old64k.bin"
expect_exit 5 "F103 WRP mass erase" -- swd stm32f103c8 erase --mass
expect_match "$err" "refusing the mass erase: pages 0-3 at 0x08000000" "F103 WRP mass erase message"
same_flash "F103 WRP mass erase: flash unchanged" stm32f103c8 0x10000 "$tmp/old64k.bin"

# Write protection on an F446: sector 0. The erase is refused; nothing changes.
"$sim" state init "$state" --chip stm32f446re --option nwrp=0xFE --load "$tmp/old512k.bin@$base" >/dev/null
expect_exit 5 "F446 write-protected sector" -- swd stm32f446re write "$tmp/small.bin" 0x08000100
expect_match "$err" "refusing the write: sector 0 at 0x08000000-0x08003FFF \(option nwrp\) is write protected" \
  "F446 WRP message"
same_flash "F446 WRP: flash unchanged" stm32f446re 0x80000 "$tmp/old512k.bin"

# Read protection: refused up front, with the way out.
"$sim" state init "$state" --chip stm32f103c8 --option rdp=1 >/dev/null
expect_exit 5 "read protection" -- swd stm32f103c8 write "$tmp/small.bin"
expect_match "$err" "read protection level 1" "RDP message"
expect_match "$err" "swdflash unlock" "RDP hint"

# The register method (no loader), on both controller families, keeping old bytes.
for chip in stm32f103c8 stm32f446re; do
  case $chip in stm32f103c8) old=$tmp/old64k.bin size=0x10000 ;; *) old=$tmp/old512k.bin size=0x80000 ;; esac
  "$sim" state init "$state" --chip $chip --load "$old@$base" >/dev/null
  expect_exit 0 "$chip: write through the registers" -- swd $chip --json write --method registers "$tmp/small.bin" 0x08000402
  expect_match "$out" '"method":"registers"' "$chip: register method used"
  py expect "$old" $base "$tmp/expect.bin" "$tmp/small.bin@0x08000402"
  same_flash "$chip: register method result" $chip $size "$tmp/expect.bin"
done

# Read-back verification and --reset.
"$sim" state init "$state" --chip stm32f446re >/dev/null
expect_exit 0 "verify by reading back" -- swd stm32f446re --json write --verify=readback --reset "$tmp/small.bin"
expect_match "$out" '"verify":"readback","verified":true' "read-back verification reported"
"$sim" state dump "$state" $base 3000 "$tmp/dump.bin" >/dev/null
if cmp -s "$tmp/small.bin" "$tmp/dump.bin"; then pass; else fail "read-back write left other data"; fi
expect_exit 0 "no verification" -- swd stm32f446re write --no-verify "$tmp/small.bin" 0x08010000
expect_match "$out" "not verified" "--no-verify says so"

# Files and arguments refused before the probe is touched.
rm -f "$report"
printf ':020000040800F2\n:0400000001020304F1\n:00000001FF\n' >"$tmp/bad.hex"
expect_exit 8 "bad checksum" -- swd stm32f446re write "$tmp/bad.hex"
expect_match "$err" "bad.hex line 2: checksum is 0xF1, expected 0xF2" "checksum message"
# (no report at all means libusb was never even opened)
if [ ! -f "$report" ] || [ "$(report_value usb_transfers)" = 0 ]; then
  pass
else
  fail "the probe was touched for a bad file"
fi
printf ':020000040800F2\n:04000000010203' >"$tmp/short.hex"
expect_exit 8 "truncated HEX" -- swd stm32f446re write "$tmp/short.hex"
expect_match "$err" "short.hex line 2: length byte says 4 data bytes but the record holds 2 \(truncated" "truncation message"
expect_exit 2 "address with a HEX file" -- swd stm32f446re write "$tmp/bad.hex" 0x08000000
expect_match "$err" "only to a raw binary" "address refused for HEX"
expect_exit 2 "bad verify mode" -- swd stm32f446re write --verify=maybe "$tmp/small.bin"
expect_exit 2 "erase without arguments" -- swd stm32f446re erase
expect_exit 8 "missing file" -- swd stm32f446re write "$tmp/nonexistent.bin"
expect_match "$err" "cannot open" "missing file message"
finish
