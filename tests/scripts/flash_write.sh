#!/bin/sh
# swdflash write | verify | erase against the simulator, for one chip.
# Raw binary, Intel HEX, S-record and ELF images land where they belong
# (compared with `swdsim state dump`), bytes outside the image keep their old
# contents, a second write erases nothing, blank flash is programmed
# without an erase, --dry-run and failed commands change nothing.
#
# usage: flash_write.sh SWDSIM SWDFLASH FLASHIMG.py CHIP [ELF]
sim=$1
cli=$2
img=$3
chip=$4
elf=${5:-}
. "$(dirname "$0")/lib.sh"

base=0x08000000
first=16384 # bytes of the first erase units that `erase` clears
case $chip in
stm32f103c8) size=0x10000 ;;
stm32f103re) size=0x80000 ;;
stm32f072rb) size=0x20000 ;;
stm32f042k6) size=0x8000 ;;
stm32f303re) size=0x80000 ;;
stm32f446re) size=0x80000 ;;
stm32f407vg) size=0x100000 ;;
stm32f429zi) size=0x200000 ;;
stm32g071rb) size=0x20000 ;;
stm32g0b1re) size=0x80000 ;;
stm32h723zg) size=0x100000 first=131072 ;;
stm32h743zi) size=0x200000 first=131072 ;;
*) echo "no test parameters for $chip" >&2; exit 2 ;;
esac
if ! "$sim" chips | grep -q "^$chip"; then
  echo "the simulator has no $chip yet: skipping"
  exit 77
fi
state=$tmp/chip.state
report=$tmp/report.json

py() { python3 "$img" "$@"; }
swd() { "$sim" run --chip "$chip" --state "$state" --report "$report" -- "$cli" "$@"; }
hex() { printf '0x%08x' "$1"; }
report_value() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$report"; }

dump() { "$sim" state dump "$state" $base $size "$1" >/dev/null 2>"$tmp/dump.err" || cat "$tmp/dump.err" >&2; }

# check_flash WHAT EXPECTED: the whole flash must equal EXPECTED.
check_flash() {
  dump "$tmp/dump.bin"
  if why=$(py same "$2" "$tmp/dump.bin" $base); then
    pass
  else
    fail "$1: flash differs from the expected contents: $why"
  fi
}

# Old contents everywhere, so that "unchanged" means something.
py random 1 $size "$tmp/old.bin"
"$sim" state init "$state" --chip "$chip" --load "$tmp/old.bin@$base" >/dev/null ||
  { echo "cannot create the chip state" >&2; exit 1; }
cp "$tmp/old.bin" "$tmp/expect.bin"
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * $size)" >"$tmp/blank.bin"

# Raw binary at an address in the middle of an erase unit, odd length.
bin_addr=$(hex $((base + 0x300)))
py random 2 5123 "$tmp/a.bin"
expect_exit 0 "write raw binary" -- swd write "$tmp/a.bin" "$bin_addr"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/a.bin@$bin_addr"
check_flash "raw binary" "$tmp/expect.bin"

# The same again: nothing to erase or program.
expect_exit 0 "rewrite the same binary" -- swd --json write "$tmp/a.bin" "$bin_addr"
expect_match "$out" '"units_erased":0,' "second write erases nothing"
expect_match "$out" '"program_bytes":0,' "second write programs nothing"
expect_match "$out" '"verified":true' "second write is verified"
[ "$(report_value flash_erase_units)" = 0 ] && pass || fail "simulator saw erases on the rewrite"
[ "$(report_value flash_program_units)" = 0 ] && pass || fail "simulator saw programming on the rewrite"
check_flash "rewrite" "$tmp/expect.bin"

# Intel HEX across the end of the first 16 KiB (a page or sector boundary).
hex_addr=$(hex $((base + 0x3800)))
py random 3 9000 "$tmp/b.bin"
py ihex "$tmp/b.bin" "$hex_addr" "$tmp/b.hex"
expect_exit 0 "write Intel HEX" -- swd write "$tmp/b.hex"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/b.bin@$hex_addr"
check_flash "Intel HEX" "$tmp/expect.bin"

# S-record near the end of the flash, into the last unit.
srec_addr=$(hex $((base + size - 0x1180)))
py random 4 4222 "$tmp/c.bin"
py srec "$tmp/c.bin" "$srec_addr" "$tmp/c.srec"
expect_exit 0 "write S-record" -- swd write "$tmp/c.srec"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/c.bin@$srec_addr"
check_flash "S-record" "$tmp/expect.bin"

# ELF built by the ARM toolchain: initialised data at its load address.
if [ -n "$elf" ] && [ -f "$elf" ]; then
  expect_exit 0 "write ELF" -- swd write "$elf"
  py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "elf:$elf"
  check_flash "ELF" "$tmp/expect.bin"
else
  echo "no test firmware (ARM toolchain missing): ELF case skipped"
fi

# Dual-bank parts: one image across the bank boundary.
bank_addr=
case $chip in
stm32f429zi) bank_addr=0x080ff000 ;;
stm32g0b1re) bank_addr=0x0803f000 ;;
stm32h743zi) bank_addr=0x080ff000 ;;
esac
if [ -n "$bank_addr" ]; then
  py random 5 8192 "$tmp/d.bin"
  expect_exit 0 "write across the bank boundary" -- swd write "$tmp/d.bin" $bank_addr
  py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/d.bin@$bank_addr"
  check_flash "bank boundary" "$tmp/expect.bin"
fi

# verify: the HEX matches, other data at the same place does not.
expect_exit 0 "verify a matching image" -- swd verify "$tmp/b.hex"
expect_match "$out" "matches" "verify says it matches"
py random 6 9000 "$tmp/other.bin"
expect_exit 6 "verify other data" -- swd verify "$tmp/other.bin" "$hex_addr"
expect_match "$err" "verification failed" "verify names the difference"
expect_exit 0 "verify by reading back" -- swd verify --verify=readback "$tmp/b.hex"

# --dry-run prints the plan and changes nothing.
expect_exit 0 "dry run" -- swd write --dry-run "$tmp/other.bin" "$hex_addr"
expect_match "$out" "plan for" "dry run prints a plan"
expect_match "$out" "expected time" "dry run gives the expected time"
[ "$(report_value flash_program_units)" = 0 ] && pass || fail "dry run programmed"
check_flash "dry run" "$tmp/expect.bin"

# An image outside the flash is refused before anything happens.
expect_exit 8 "image past the end of the flash" -- swd write "$tmp/a.bin" "$(hex $((base + size - 16)))"
expect_match "$err" "outside" "range error message"
check_flash "refused image" "$tmp/expect.bin"

# erase: a range that does not end on a unit boundary is refused; one that does is erased.
expect_exit 8 "erase a partial unit" -- swd erase $base 0x100
expect_match "$err" "boundaries" "partial erase message"
check_flash "refused erase" "$tmp/expect.bin"
expect_exit 0 "erase the first $((first / 1024)) KiB" -- swd erase $base $first
head -c $first "$tmp/blank.bin" >"$tmp/ff16k"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/ff16k@$base"
check_flash "erase range" "$tmp/expect.bin"

# Blank flash is programmed without an erase.
expect_exit 0 "write into erased flash" -- swd --json write "$tmp/a.bin" "$bin_addr"
expect_match "$out" '"units_erased":0,' "no erase needed on blank flash"
[ "$(report_value flash_erase_units)" = 0 ] && pass || fail "simulator saw erases on blank flash"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/a.bin@$bin_addr"
check_flash "blank flash" "$tmp/expect.bin"

# --mass-erase: the image, and nothing else.
expect_exit 0 "mass erase and write" -- swd write --mass-erase "$tmp/a.bin" "$bin_addr"
py expect "$tmp/blank.bin" $base "$tmp/expect.bin" "$tmp/a.bin@$bin_addr"
check_flash "mass erase" "$tmp/expect.bin"
expect_exit 0 "erase --mass" -- swd erase --mass
check_flash "erase --mass" "$tmp/blank.bin"

finish
