#!/bin/sh
# The --json replies of the cases cli_json_status.sh does not provoke follow
# the schema (docs/swdflash.schema.json): check-bootloader and rescue, a
# change that needs --yes without a terminal (exit 7), bad input found
# before the probe is touched (exit 8), a verify that finds differences
# (every differing range), `list` without a probe (an empty list), and the
# "warnings" that say what the text output warns about.
# usage: cli_json_schema.sh SWDSIM SWDFLASH SCHEMA CHECK_REPLY.py
. "$(dirname "$0")/lib.sh"
json_reply_setup "$@"
# A program the boot checks accept: a vector table (stack at the top of the
# RAM, every handler a `b .` at 0x08000040).
python3 -c "
import struct, sys
table = struct.pack('<16I', 0x20005000, *[0x08000041] * 15)
open(sys.argv[1], 'wb').write(table + struct.pack('<H', 0xE7FE) * 512)" "$tmp/prog.bin"

one 0 "write a program" -- write "$tmp/prog.bin" 0x08000000
one 0 "check-bootloader" -- check-bootloader
one 0 "rescue of a healthy chip" -- rescue

# No probe: an empty list, not an error (without the simulator there is no
# probe on a test machine).
one 0 "list without a probe" nosim -- list

# Bad input: exit 8 and nothing touched.
one 8 "verify a missing file" -- verify "$tmp/none.bin" 0x08000000
one 8 "rescue --write a missing file" -- rescue --write "$tmp/none.bin"
one 8 "write outside the flash" -- write "$tmp/app.bin" 0x08800000
one 8 "read into a directory that does not exist" -- read 0x08000000 16 "$tmp/no/such/dir/r.bin"
expect_match "$(field 'j["error"]["message"]')" "no/such/dir/r.bin" "read: the file is named"
one 8 "read into a directory" -- read 0x08000000 16 "$tmp"
one 8 "check-bootloader --base outside the flash" -- check-bootloader --base 0x09000000

# verify names every differing range: here three.
python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for at in (100, 101, 500, 1000):
    d[at] ^= 0x5A
open(sys.argv[2], 'wb').write(d)" "$tmp/prog.bin" "$tmp/changed.bin"
one 6 "verify an image that differs in three places" -- verify "$tmp/changed.bin" 0x08000000
expect_eq "$(field '(j["match"], j["difference_count"], j["differing_bytes"], j["differences"])')" \
  "(False, 3, 4, [{'addr': '0x08000064', 'size': 2}, {'addr': '0x080001F4', 'size': 1}, {'addr': '0x080003E8', 'size': 1}])" \
  "verify: the differing ranges"
expect_exit 6 "verify in text" -- "$sim" run --state "$tmp/chip.st" -- "$cli" verify "$tmp/changed.bin" 0x08000000
expect_match "$err" "3 ranges differ \(4 bytes in all\)" "verify text: the count"
expect_match "$err" "0x080001F4-0x080001F4  1 byte$" "verify text: a range"
expect_exit 0 "verify in text, matching" -- "$sim" run --state "$tmp/chip.st" -- "$cli" verify "$tmp/prog.bin" 0x08000000
expect_match "$out" "matches the flash .* in [0-9.]+ s, [0-9.]+ KiB/s" "verify: time and throughput"

expect_exit 0 "read in text" -- "$sim" run --state "$tmp/chip.st" -- "$cli" read 0x08000000 1K "$tmp/r.bin"
expect_match "$err" "^read 1 KiB from 0x08000000 into .* in [0-9.]+ s \([0-9.]+ KiB/s\)$" \
  "read: time and throughput"

# A change without --yes and without a terminal to ask on: 7, nothing changed.
one 7 "options set without --yes" -- options set wdg_sw=hardware
expect_eq "$(field 'j["error"]["code"]')" needs_confirmation "options set: error code"
one 0 "write data" -- write "$tmp/app.bin" 0x08000000
one 1 "check-bootloader of data" -- check-bootloader
expect_eq "$(field 'j["error"]["code"]')" not_bootable "check-bootloader: error code"
# What the text output warns about is in "warnings": a hard reset without
# NRST wired, a slower clock than asked for.
one 0 "reset without NRST" --scenario nrst-not-wired -- reset
expect_eq "$(field '[w["code"] for w in j["warnings"]].count("nrst_fallback")')" 1 \
  "reset: the NRST fallback is a warning"
one 0 "info at a clock the probe cannot run" -- --freq 24000 info
expect_eq "$(field '[w["code"] for w in j["warnings"]].count("slower_clock")')" 1 \
  "info: the slower clock is a warning"
expect_eq "$(field 'j["connection"]["requested_freq_khz"] > j["connection"]["freq_khz"]')" True \
  "info: the clock used and the clock asked for"

"$sim" state init "$tmp/chip.st" --chip stm32f103c8 --option rdp=1 >/dev/null
one 5 "write --dry-run under read protection" -- write --dry-run "$tmp/app.bin" 0x08000000
one 7 "unlock without --yes" -- unlock
one 7 "rescue without --yes" -- rescue
one 0 "rescue --yes" -- rescue --yes

# The boot configuration (info, check-bootloader, rescue) and the boot
# source (options) on the families that have boot option bits: G0 (nBOOT0,
# nBOOT_SEL, the empty check) and H7 (BOOT_ADD0/1).
for json_chip in stm32g0b1re stm32h723zg; do
  "$sim" state init "$tmp/chip.st" --chip "$json_chip" >/dev/null || fail "state init $json_chip"
  one 0 "$json_chip: info" -- info
  expect_eq "$(field 'sorted(j["boot_config"])')" \
    "['boot_pin_high', 'boot_pin_low', 'dfu_needs', 'empty_check', 'explain', 'pin_honoured', 'repairs', 'rom_has_dfu', 'rom_reachable']" \
    "$json_chip: info: the boot configuration"
  one 0 "$json_chip: options" -- options
  expect_eq "$(field '"boot" in j')" False "$json_chip: options: no second name for the boot source"
  one 0 "$json_chip: write data" -- write "$tmp/app.bin" 0x08000000
  one 1 "$json_chip: check-bootloader of data" -- check-bootloader
  expect_eq "$(field '(j["error"]["code"], j["boot_config"]["rom_reachable"])')" "('not_bootable', True)" \
    "$json_chip: check-bootloader: error code and boot configuration"
  one 8 "$json_chip: rescue --write of data" -- rescue --write "$tmp/app.bin"
  expect_eq "$(field 'j["error"]["code"]')" image_unbootable "$json_chip: rescue --write of data: error code"
  one 0 "$json_chip: write a program" -- write "$tmp/prog.bin" 0x08000000
  one 0 "$json_chip: check-bootloader" -- check-bootloader
  # The G0 leaves the BOOT0 pin ignored from the factory: rescue proposes
  # to honour it again and asks first.
  want=0
  [ "$json_chip" = stm32g0b1re ] && want=7
  one $want "$json_chip: rescue of a chip with a program" -- rescue
  expect_eq "$(field '(type(j["boot_config"]["pin_honoured"]), j["boot"]["runs"])')" "(<class 'bool'>, True)" \
    "$json_chip: rescue: boot configuration and boot report"
  "$sim" state init "$tmp/chip.st" --chip "$json_chip" --option rdp=1 >/dev/null
  one 0 "$json_chip: info at RDP 1" -- info
  one 5 "$json_chip: check-bootloader at RDP 1" -- check-bootloader
  one 7 "$json_chip: rescue at RDP 1 without --yes" -- rescue
  one 0 "$json_chip: rescue --yes --write at RDP 1" -- rescue --yes --write "$tmp/prog.bin"
  expect_eq "$(field '(j["image"]["file"] != "", j["unlocked"], j["written"], j["verified"])')" \
    "(True, True, True, True)" "$json_chip: rescue --write: unlocked, written, verified"
done

finish
