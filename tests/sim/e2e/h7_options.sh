#!/bin/sh
# H7 option bytes through OpenOCD (`stm32h7x option_write`, `lock`,
# `unlock`): they persist in the state file and change the boot decision
# that `swdsim state show` reports as RM0433 §2.6 says (BOOT0 low: BOOT_ADD0,
# high: BOOT_ADD1; an address where no memory is falls back to flash or
# ITCM); the core really starts there. RDP 1 -> 0 erases the flash as on
# silicon. Also the h7-boot-add scenario, RDP and WRP from `state init
# --option`, and the board scenarios on an H7.
swdsim=$1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"
need_tool openocd openocd
need_tool st-info stlink-tools
need_tool st-flash stlink-tools

ocd() { # CHIP STATE COMMANDS [SCENARIO]
  "$swdsim" run --chip "$1" --state "$2" ${4:+--scenario "$4"} -- openocd -c "$ocd_quiet" \
    -f interface/stlink.cfg -f target/stm32h7x.cfg -c "init; reset halt; $3; exit"
}
# field STATE KEY: a value of `state show --json` (read once per state change)
shown_for=
field() {
  if [ "$shown_for" != "$1:$(cksum < "$1")" ]; then
    "$swdsim" state show "$1" --json > "$tmp/shown.json"
    shown_for="$1:$(cksum < "$1")"
  fi
  python3 -c "import json,sys; v=json.load(sys.stdin)$2; print(str(v).lower() if isinstance(v,bool) else v)" < "$tmp/shown.json"
}

random_image "$tmp/fw.bin" 65536

# --- factory options: BOOT_ADD0 0x0800 (flash), BOOT_ADD1 0x1FF0 (system memory) ---
st="$tmp/h743.state"
"$swdsim" state init "$st" --chip stm32h743zi --load "$tmp/fw.bin@0x08000000"
expect_equal "$(field "$st" '["boots_from"]')" flash "factory H743 boots from flash"
expect_equal "$(field "$st" '["boot"]["address"]')" $((0x08000000)) "at 0x08000000"
if field "$st" '["boot"]["reason"]' | grep -q "no program"; then fail "the image is there"; else pass; fi

# --- BOOT_ADD0 -> system memory through openocd ---
expect_exit 0 "openocd option_write BOOT_PRG" -- ocd stm32h743zi "$st" \
  "stm32h7x option_write 0 0x44 0x1FF01FF0"
expect_equal "$(field "$st" '["options"]["boot_add0"]')" $((0x1FF0)) "BOOT_ADD0 persists in the state"
expect_equal "$(field "$st" '["boots_from"]')" system-memory "BOOT0 low now boots the ROM bootloader"
expect_match "$(field "$st" '["boot"]["reason"]')" "BOOT_ADD0" "because of BOOT_ADD0"
expect_exit 0 "openocd reset halt" -- ocd stm32h743zi "$st" "reg pc"
expect_match "$out$err" "pc: 0x1ff00[0-9a-f]{3}" "the core starts in system memory"
# and back, with BOOT_ADD1 pointing at flash: BOOT0 high now boots the image
expect_exit 0 "openocd option_write BOOT_PRG back" -- ocd stm32h743zi "$st" \
  "stm32h7x option_write 0 0x44 0x08000800"
expect_equal "$(field "$st" '["boots_from"]')" flash "BOOT_ADD0 back at flash"
expect_exit 0 "BOOT0 high" -- "$swdsim" run --chip stm32h743zi --state "$st" --scenario boot0=1 -- true
expect_equal "$(field "$st" '["boots_from"]')" flash "BOOT0 high with BOOT_ADD1 = 0x0800 boots flash"
expect_match "$(field "$st" '["boot"]["reason"]')" "BOOT_ADD1" "because of BOOT_ADD1"

# --- an address where no memory is (0x0810 on the 1 MiB H723): flash ---
st="$tmp/h723.state"
"$swdsim" state init "$st" --chip stm32h723zg
expect_exit 0 "openocd BOOT_ADD0 0x0810 on the H723" -- ocd stm32h723zg "$st" \
  "stm32h7x option_write 0 0x44 0x1FF00810"
expect_equal "$(field "$st" '["boot"]["address"]')" $((0x08000000)) "falls back to flash"
expect_match "$(field "$st" '["boot"]["reason"]')" "no memory" "and says why"
expect_match "$(field "$st" '["boot"]["reason"]')" "erased: no program" "where nothing is programmed"

# --- the h7-boot-add scenario ---
st="$tmp/scen.state"
expect_exit 0 "h7-boot-add" -- ocd stm32h723zg "$st" "reg pc" h7-boot-add
expect_match "$out$err" "pc: 0x1ff00[0-9a-f]{3}" "h7-boot-add: the core starts in the ROM bootloader"
expect_equal "$(field "$st" '["boots_from"]')" system-memory "state show agrees"
st="$tmp/scen2.state"
expect_exit 0 "h7-boot-add=0x2400" -- "$swdsim" run --chip stm32h743zi --state "$st" \
  --scenario h7-boot-add=0x2400 -- true
expect_equal "$(field "$st" '["boots_from"]')" sram "h7-boot-add=0x2400: AXI SRAM"
expect_match "$(field "$st" '["boot"]["reason"]')" "no program" "where no program is"
expect_exit 2 "h7-boot-add on an F4" -- "$swdsim" run --chip stm32f446re --scenario h7-boot-add -- true

# --- WRP through openocd: sector 0 of bank 1 protected ---
st="$tmp/wrp.state"
"$swdsim" state init "$st" --chip stm32h743zi
expect_exit 0 "openocd WPSN_PRG1" -- ocd stm32h743zi "$st" "stm32h7x option_write 0 0x3c 0xFE 0xFF"
expect_equal "$(field "$st" '["wrp_ranges"]')" "[{'start': 134217728, 'end': 134348800}]" \
  "sector 0 is write protected"
expect_exit 255 "st-flash cannot write a protected sector" -- "$swdsim" run --chip stm32h743zi \
  --state "$st" -- st-flash write "$tmp/fw.bin" 0x08000000
"$swdsim" state dump "$st" 0x08000000 65536 "$tmp/wrp.dump"
erased_image "$tmp/ff64k" 65536
expect_same "$tmp/wrp.dump" "$tmp/ff64k" "the protected sector is untouched"

# --- WRP and RDP from state init --option, RDP 1 -> 0 through openocd ---
st="$tmp/rdp.state"
"$swdsim" state init "$st" --chip stm32h743zi --load "$tmp/fw.bin@0x08000000" \
  --load "$tmp/fw.bin@0x08100000" --option rdp=1 --option wpsn2=0x7F
expect_equal "$(field "$st" '["rdp_level"]')" 1 "state init --option rdp=1"
expect_equal "$(field "$st" '["wrp_ranges"]')" "[{'start': 136183808, 'end': 136314880}]" \
  "state init --option wpsn2=0x7F protects the last sector"
expect_exit 0 "st-info still identifies the protected chip" -- "$swdsim" run --chip stm32h743zi \
  --state "$st" -- st-info --probe
expect_match "$out" "chipid: +0x0450" "RDP 1 leaves DBGMCU readable"
expect_exit 0 "openocd stm32h7x unlock" -- "$swdsim" run --chip stm32h743zi --state "$st" \
  --report "$tmp/rdp.json" -- openocd -c "$ocd_quiet" -f interface/stlink.cfg \
  -f target/stm32h7x.cfg -c "init; reset halt; stm32h7x unlock 0; exit"
expect_equal "$(field "$st" '["rdp_level"]')" 0 "RDP back at level 0"
"$swdsim" state dump "$st" 0x08000000 65536 "$tmp/rdp1.dump"
expect_same "$tmp/rdp1.dump" "$tmp/ff64k" "bank 1 erased by the regression"
"$swdsim" state dump "$st" 0x08100000 65536 "$tmp/rdp2.dump"
expect_same "$tmp/rdp2.dump" "$tmp/ff64k" "bank 2 erased by the regression"
expect_equal "$(report_value "$tmp/rdp.json" mass_erases)" 1 "one mass erase"
expect_equal "$(report_value "$tmp/rdp.json" flash_busy_us)" 9000000 \
  "option change (1 s) and the banks erased side by side (8 s)"

# --- the board scenarios on an H7 ---
st="$tmp/board.state"
"$swdsim" state init "$st" --chip stm32h723zg --load "$tmp/fw.bin@0x08000000"
expect_exit 0 "no-target" -- "$swdsim" run --chip stm32h723zg --state "$st" --scenario no-target -- \
  st-info --probe
expect_match "$out" "chipid: +0x0000" "no-target: no chip"
expect_exit 0 "swd-disabled" -- "$swdsim" run --chip stm32h723zg --state "$st" \
  --scenario swd-disabled -- st-info --probe
expect_match "$out" "chipid: +0x0000" "swd-disabled: the firmware took the pins"
expect_exit 0 "swd-disabled, connect under reset" -- "$swdsim" run --chip stm32h723zg --state "$st" \
  --scenario swd-disabled -- st-info --probe --connect-under-reset
expect_match "$out" "chipid: +0x0483" "connect under reset gets in"
for sc in nrst-not-wired sleep; do
  expect_exit 0 "$sc" -- "$swdsim" run --chip stm32h723zg --state "$st" --scenario "$sc" -- \
    st-info --probe
  expect_match "$out" "chipid: +0x0483" "$sc: identified"
done

finish
