#!/bin/sh
# The boot configuration (swdf_boot_config_read) of simulated F1 and F4
# chips as info, check-bootloader and rescue show it: the BOOT0 pin always
# decides on these families (no option overrides it, so no repairs), the
# addresses each pin level starts, and whether the ROM bootloader offers
# USB DFU (not on an F103, AN2606) with what it needs (F446: the crystal).
#
# usage: boot_config_sim.sh SWDSIM SWDFLASH
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"

json() { # json TEXT EXPR: a Python expression on the JSON `j`
  printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}

expect_eq() { # expect_eq GOT WANT WHAT
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi
}

check_chip() { # check_chip SIMCHIP SYSMEM HAS_DFU NEEDS_PATTERN
  simchip=$1 sysmem=$2 dfu=$3 needs=$4
  st="$tmp/$simchip.state"
  "$sim" state init "$st" --chip "$simchip" >/dev/null || fail "state init $simchip"
  expect_exit 0 "$simchip: info --json" -- "$sim" run --chip "$simchip" --state "$st" -- \
    "$cli" --json info
  b='j["boot_config"]'
  expect_eq "$(json "$out" "$b['pin_honoured']")" True "$simchip: BOOT0 pin honoured"
  expect_eq "$(json "$out" "$b['rom_reachable']")" True "$simchip: ROM bootloader reachable"
  expect_eq "$(json "$out" "$b['boot_pin_low']")" 0x08000000 "$simchip: BOOT0 low starts flash"
  expect_eq "$(json "$out" "$b['boot_pin_high']")" "$sysmem" "$simchip: BOOT0 high starts ROM"
  expect_eq "$(json "$out" "$b['rom_has_dfu']")" "$dfu" "$simchip: ROM DFU"
  expect_eq "$(json "$out" "$b['empty_check']")" None "$simchip: no empty check"
  expect_eq "$(json "$out" "len($b['repairs'])")" 0 "$simchip: nothing to repair"
  expect_match "$(json "$out" "$b['explain']")" "BOOT0 pin decides" "$simchip: explanation"
  expect_match "$(json "$out" "$b['dfu_needs']")" "$needs" "$simchip: what DFU needs"

  expect_exit 0 "$simchip: info" -- "$sim" run --chip "$simchip" --state "$st" -- "$cli" info
  expect_match "$out" "boot:" "$simchip: info shows the boot configuration"

  "$sim" run --chip "$simchip" --state "$st" -- "$cli" --json check-bootloader >"$tmp/cb.json"
  out=$(cat "$tmp/cb.json")
  expect_eq "$(json "$out" "j['boot_config']['rom_has_dfu']")" "$dfu" \
    "$simchip: check-bootloader shows the boot configuration"

  "$sim" run --chip "$simchip" --state "$st" -- "$cli" --json rescue </dev/null >"$tmp/r.json"
  out=$(cat "$tmp/r.json")
  expect_eq "$(json "$out" "j['boot_config']['pin_honoured']")" True \
    "$simchip: rescue shows the boot configuration"
  expect_eq "$(json "$out" "j['changed']")" False "$simchip: rescue without repairs changes nothing"
}

check_chip stm32f103c8 0x1FFFF000 False None
check_chip stm32f446re 0x1FFF0000 True "whole number of MHz between 4 and 26"
finish
