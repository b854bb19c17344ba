#!/bin/sh
# Random images written to the H723 and H743 by st-flash and by OpenOCD's
# `program ... verify`: the state file holds exactly the image, the other
# tool reads it back, and the report charges the timing model (x64: 100 us
# per 256-bit flash word, x8: 290 us; a 128 KiB sector 1 s at x64).
# OpenOCD 0.12 erases at x64 but its loader programs with FLASH_CR = PG
# alone, that is PSIZE x8. st-flash 1.7 programs at x64 but never unlocks
# bank 2 of the H743 (it writes KEYR1 only, then CR2 stays locked): its
# bank-2 erase does nothing and the write fails verification; that is
# checked here too.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool st-flash stlink-tools
need_tool openocd openocd

ocd() { # CHIP STATE REPORT COMMANDS
  "$swdsim" run --chip "$1" --state "$2" --report "$3" -- openocd -c "$ocd_quiet" \
    -f interface/stlink.cfg -c "set DUAL_BANK 1" -f target/stm32h7x.cfg -c "init; reset halt; $4; exit"
}

# expect_costs REPORT WORDS US_PER_WORD SECTORS
expect_costs() {
  expect_equal "$(report_value "$1" flash_program_units)" "$2" "$2 flash words programmed"
  expect_equal "$(report_value "$1" flash_erase_units)" "$4" "$4 sectors erased"
  expect_equal "$(report_value "$1" flash_busy_us)" "$(($2 * $3 + $4 * 1000000))" \
    "flash busy: $2 words at $3 us and $4 sectors at 1 s"
}

# --- st-flash writes, OpenOCD reads back ---
for c in "stm32h723zg 262144" "stm32h743zi 131072"; do
  set -- $c
  chip=$1 bytes=$2
  st="$tmp/$chip.st.state"
  random_image "$tmp/$chip.bin" "$bytes"
  expect_exit 0 "st-flash writes $bytes bytes to the $chip" -- "$swdsim" run --chip "$chip" \
    --state "$st" --report "$tmp/$chip.st.json" -- st-flash write "$tmp/$chip.bin" 0x08000000
  "$swdsim" state dump "$st" 0x08000000 "$bytes" "$tmp/$chip.st.dump"
  expect_same "$tmp/$chip.st.dump" "$tmp/$chip.bin" "st-flash left the exact image in the $chip"
  expect_costs "$tmp/$chip.st.json" $((bytes / 32)) 100 $((bytes / 131072))
  expect_exit 0 "openocd reads the $chip" -- ocd "$chip" "$st" "$tmp/r.json" \
    "dump_image $tmp/$chip.ocd.read 0x08000000 $bytes"
  expect_same "$tmp/$chip.ocd.read" "$tmp/$chip.bin" "openocd reads back what st-flash wrote ($chip)"
done

# --- OpenOCD writes across both H743 banks, st-flash reads back ---
st="$tmp/h743.ocd.state"
random_image "$tmp/span.bin" 262144
expect_exit 0 "openocd programs 256 KiB across the H743 banks" -- ocd stm32h743zi "$st" \
  "$tmp/span.json" "program $tmp/span.bin 0x080E0000 verify"
expect_match "$out$err" "Verified OK" "openocd verifies the span"
"$swdsim" state dump "$st" 0x080E0000 262144 "$tmp/span.dump"
expect_same "$tmp/span.dump" "$tmp/span.bin" "both banks hold the image"
expect_costs "$tmp/span.json" 8192 290 2
expect_exit 0 "st-flash reads the span" -- "$swdsim" run --chip stm32h743zi --state "$st" -- \
  st-flash read "$tmp/span.read" 0x080E0000 262144
expect_same "$tmp/span.read" "$tmp/span.bin" "st-flash reads back both banks"

# --- OpenOCD on the H723 with an image that ends inside a flash word ---
st="$tmp/h723.ocd.state"
random_image "$tmp/odd.bin" 100001
expect_exit 0 "openocd programs 100001 bytes to the H723" -- ocd stm32h723zg "$st" \
  "$tmp/odd.json" "program $tmp/odd.bin 0x08000000 verify"
"$swdsim" state dump "$st" 0x08000000 100001 "$tmp/odd.dump"
expect_same "$tmp/odd.dump" "$tmp/odd.bin" "the H723 holds the image"
"$swdsim" state dump "$st" 0x080186A1 31 "$tmp/odd.tail"
erased_image "$tmp/ff31" 31
expect_same "$tmp/odd.tail" "$tmp/ff31" "the last flash word is padded with 0xFF"
expect_costs "$tmp/odd.json" 3126 290 1
expect_exit 0 "st-flash reads the H723" -- "$swdsim" run --chip stm32h723zg --state "$st" -- \
  st-flash read "$tmp/odd.read" 0x08000000 100001
head -c 100001 "$tmp/odd.read" > "$tmp/odd.read1"
expect_same "$tmp/odd.read1" "$tmp/odd.bin" "st-flash reads back what openocd wrote (H723)"

# --- programming over a programmed flash word: no PROGERR on the H7, but the
# word's ECC no longer fits and every debugger read of it fails (DBECCERR) ---
st="$tmp/ecc.state"
random_image "$tmp/e1.bin" 4096
random_image "$tmp/e2.bin" 4096
"$swdsim" state init "$st" --chip stm32h723zg --load "$tmp/e1.bin@0x08000000"
expect_exit 0 "openocd writes over programmed words without erasing" -- ocd stm32h723zg "$st" \
  "$tmp/ecc.json" "flash write_image $tmp/e2.bin 0x08000000; catch {read_memory 0x08000040 32 1} e; echo \"read: \$e\"; echo \"sr1 [read_memory 0x52002010 32 1] fa1 [read_memory 0x52002060 32 1]\""
expect_match "$out$err" "read: read_memory: failed to read memory" "the read of a word programmed twice fails"
expect_match "$out$err" "sr1 0x40[0-9a-f]{5} fa1 0x2" "SR1 shows DBECCERR, ECC_FA1 the flash word (2)"
expect_exit 0 "st-flash erases and rewrites" -- "$swdsim" run --chip stm32h723zg --state "$st" -- \
  st-flash write "$tmp/e2.bin" 0x08000000
"$swdsim" state dump "$st" 0x08000000 4096 "$tmp/e2.dump"
expect_same "$tmp/e2.dump" "$tmp/e2.bin" "an erase clears the ECC errors"

# --- st-flash 1.7 and bank 2 of the H743 ---
st="$tmp/h743.bank2.state"
expect_exit 255 "st-flash across the H743 banks fails" -- "$swdsim" run --chip stm32h743zi \
  --state "$st" -- st-flash write "$tmp/span.bin" 0x080E0000
expect_match "$err$out" "Verification of flash failed" "st-flash notices at verification"
"$swdsim" state dump "$st" 0x080E0000 131072 "$tmp/b1.dump"
head -c 131072 "$tmp/span.bin" > "$tmp/b1.want"
expect_same "$tmp/b1.dump" "$tmp/b1.want" "bank 1 got its half"
"$swdsim" state dump "$st" 0x08100000 131072 "$tmp/b2.dump"
erased_image "$tmp/b2.want" 131072
expect_same "$tmp/b2.dump" "$tmp/b2.want" "bank 2 stayed erased (locked CR2)"

finish
