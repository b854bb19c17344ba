#!/bin/sh
# Option bytes, unlock, check-bootloader and rescue against swdsim, for one
# simulated chip, in the stuck states of issue 7: read protection level 1,
# write protection, both, firmware that switches SWD off (alone and behind
# read protection), a Katapult-like bootloader, a Klipper-like firmware, an
# erased chip and random data. The state file (read with `swdsim state
# show/dump`, no client involved) is the judge of what each command did.
#
# usage: options_sim.sh SWDSIM SWDFLASH CHIP FIRMWARE_DIR
#   CHIP: f103 or f446 (firmware names), simulated as stm32f103c8 / stm32f446re
. "$(dirname "$0")/lib.sh"
chip_test_args "$@"

case $chip in
  # wrp1=0xF0 protects 32-48 KiB (4 KiB per bit); nwrp=0xF3 protects sectors 2-3.
  f103) simchip=stm32f103c8 flash_size=65536 app=0x08002000 wrp_field=wrp1 wrp_value=0xF0
        wrp_start=0x08008000 ;;
  f446) simchip=stm32f446re flash_size=524288 app=0x08008000 wrp_field=nwrp wrp_value=0xF3
        wrp_start=0x08008000 ;;
  *) echo "unknown chip $chip"; exit 2 ;;
esac
need_chip_and_firmware "$fw" katapult_$chip.bin klipper_$chip.bin klipper_app_$chip.bin \
  random_$chip.bin

# What the option bytes and protection are (not the session's traces such
# as the supply or the debugger latch).
protection() {
  json "$(show "$1")" '(j["rdp_level"], j["wrp_ranges"], j["options"])'
}

# Programmed and in effect: the commands reset the chip to load the options,
# so the state file must hold them as loaded too.
expect_unprotected() {
  s=$(show "$1")
  expect_eq "$(json "$s" '(j["rdp_level"], j["rdp_level_active"])')" "(0, 0)" "$2: rdp level"
  expect_eq "$(json "$s" '(len(j["wrp_ranges"]), len(j["wrp_ranges_active"]))')" "(0, 0)" \
    "$2: write-protected ranges"
}

# ---- the stuck states ------------------------------------------------------
rdp1() { state rdp1 --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000"; }
wrp() { state wrp --option "$wrp_field=$wrp_value" --load "$fw/klipper_$chip.bin@0x08000000"; }
both() { state both --option rdp=1 --option "$wrp_field=$wrp_value" --load "$fw/random_$chip.bin@0x08000000"; }
swdoff() { state swdoff --load "$fw/klipper_$chip.bin@0x08000000"; }
# Read protection and firmware that switches SWD off (run with swd-disabled).
rdp1_swdoff() { state rdp1_swdoff --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000"; }
katapult() { state katapult --load "$fw/katapult_$chip.bin@0x08000000"; }
katapult_klipper() { state katapult_klipper --load "$fw/katapult_$chip.bin@0x08000000" --load "$fw/klipper_app_$chip.bin@$app"; }
klipper() { state klipper --load "$fw/klipper_$chip.bin@0x08000000"; }
erased() { state erased; }
random() { state random --load "$fw/random_$chip.bin@0x08000000"; }

# ---- options: reading ------------------------------------------------------
st=$(rdp1)
before=$(protection "$st")
expect_exit 0 "options at RDP 1" -- run "$st" options
expect_match "$out" "rdp = 1 +level 1" "options shows RDP level 1 in words"
expect_match "$out" "Boot configuration" "options shows the boot configuration"
expect_exit 0 "options --json --raw at RDP 1" -- run "$st" --json options --raw
expect_eq "$(json "$out" 'j["rdp_level"]')" 1 "options --json rdp_level"
expect_eq "$(json "$out" 'len(j["words"]) > 0')" True "options --raw has the raw words"
expect_eq "$(json "$out" '[f["value"] for f in j["fields"] if f["name"]=="wdg_sw"][0]')" software \
  "options --json decodes wdg_sw"
expect_eq "$(protection "$st")" "$before" "reading options changes nothing"

st=$(wrp)
expect_exit 0 "options --json with WRP" -- run "$st" --json options
ranges=$(json "$out" '[(r["addr"], r["end"]) for r in j["protected_ranges"]]')
want=$(json "$(show "$st")" '[("0x%08X" % r["start"], "0x%08X" % (r["end"] - 1)) for r in j["wrp_ranges"]]')
expect_eq "$ranges" "$want" "protected ranges agree with the state file"
expect_eq "$(json "$out" 'j["protected_ranges"][0]["addr"]')" "$wrp_start" "first protected address"
expect_exit 0 "options text with WRP" -- run "$st" options
expect_match "$out" "write protected: $wrp_start" "options shows the protected range as addresses"

# ---- options set: refusals change nothing -----------------------------------
st=$(klipper)
before=$(protection "$st")
"$sim" state dump "$st" 0x08000000 "$flash_size" "$tmp/before.bin"
expect_exit 2 "options set unknown name" -- run "$st" options set frobnicate=1 --yes
expect_match "$err" "unknown option 'frobnicate'" "unknown name message"
expect_exit 2 "options set bad value" -- run "$st" options set wdg_sw=maybe --yes
expect_match "$err" "allowed: software, hardware" "bad value message lists the allowed values"
expect_exit 2 "options set value too wide" -- run "$st" options set data0=0x100 --yes 2>/dev/null
[ "$chip" = f103 ] || expect_exit 2 "options set too wide" -- run "$st" options set nwrp=0x1FF --yes
expect_exit 2 "options set status field" -- run "$st" options set rdprt=0 --yes 2>/dev/null
if [ "$chip" = f103 ]; then
  # The F1 has no level 2 at all.
  expect_exit 2 "options set rdp=2 on an F1" -- run "$st" options set rdp=2 --yes
  expect_match "$err" "allowed: 0, 1$" "F1 read protection has levels 0 and 1 only"
else
  expect_exit 5 "options set rdp=2 without the irreversible flag" -- run "$st" options set rdp=2 --yes
  expect_match "$err" "irreversible" "RDP 2 refusal names the flag"
  expect_exit 2 "RDP 2 as a raw code" -- run "$st" options set rdp=0xCC --yes --permanent
fi
expect_exit 7 "a valid change without --yes and without a terminal" -- \
  run "$st" options set wdg_sw=hardware </dev/null
expect_match "$err" "--yes" "asks for --yes without a terminal"
expect_exit 2 "one bad assignment among good ones" -- run "$st" options set wdg_sw=hardware data0=zzz --yes
expect_eq "$(protection "$st")" "$before" "refused changes leave the option bytes alone"
"$sim" state dump "$st" 0x08000000 "$flash_size" "$tmp/after.bin"
if cmp -s "$tmp/before.bin" "$tmp/after.bin"; then pass; else fail "refused changes altered the flash"; fi

# ---- options set: a real change, read back ----------------------------------
expect_exit 0 "options set wdg_sw=hardware nrst_stop=reset" -- \
  run "$st" options set wdg_sw=hardware nrst_stop=reset --yes
expect_match "$out" "wdg_sw: software -> hardware" "before/after shown"
expect_match "$out" "read back" "confirms the read-back"
s=$(show "$st")
expect_eq "$(json "$s" 'j["options"]["wdg_sw"]')" 0 "state: wdg_sw written"
expect_eq "$(json "$s" 'j["options"]["nrst_stop"]')" 0 "state: nrst_stop written"
expect_flash_is "$st" "$fw/klipper_$chip.bin" "a user-option change keeps the flash"
expect_exit 0 "options set --json of an unchanged value" -- run "$st" --json options set wdg_sw=hardware
expect_eq "$(json "$out" 'j["written"]')" False "nothing to write"

# RDP 0 -> 1 -> 0 through options set and unlock.
expect_exit 0 "options set rdp=1" -- run "$st" --json options set rdp=1 --yes
expect_eq "$(json "$out" 'j["options"]["rdp_level"]')" 1 "read back at level 1"
expect_eq "$(json "$(show "$st")" 'j["rdp_level"]')" 1 "state: level 1"

# ---- unlock ------------------------------------------------------------------
expect_exit 0 "unlock --yes at RDP 1" -- run "$st" unlock --yes
expect_match "$out" "ERASING ITS WHOLE FLASH" "unlock explains the erase first"
expect_match "$out" "read protection: level 0" "unlock reports the final state"
expect_unprotected "$st" "unlock at RDP 1"
expect_flash_is "$st" /dev/null "unlock at RDP 1 erased the flash"
# The next session on the still-powered board finds the chip unprotected.
expect_exit 0 "unlock of an unprotected chip" -- run "$st" unlock
expect_match "$out" "not protected" "nothing to do"

# Read protection behind firmware that switches SWD off: at first only
# under reset gets in. From then on (the board stays powered, the debugger
# was seen) the core cannot fetch its vectors and locks up at every reset,
# so that firmware never runs again: the next session connects normally and
# halts the locked-up core.
st=$(rdp1_swdoff)
expect_exit 0 "options at RDP 1 with SWD switched off" -- run "$st" --scenario swd-disabled options
expect_match "$err" "connected under reset" "options with SWD off: connected under reset"
expect_exit 0 "unlock --yes at RDP 1 with SWD switched off" -- \
  run "$st" --scenario swd-disabled unlock --yes
expect_match "$err" "core is locked up: read protection" \
  "unlock at RDP 1 after a session: halts the locked-up core and says why"
expect_unprotected "$st" "unlock at RDP 1 with SWD off"
expect_flash_is "$st" /dev/null "unlock at RDP 1 with SWD off erased the flash"
expect_exit 0 "the next session at RDP 1 with SWD off" -- \
  run "$st" --scenario swd-disabled unlock
expect_match "$out" "not protected" "the next session finds it unprotected"

st=$(wrp)
expect_exit 7 "unlock without --yes and without a terminal" -- run "$st" unlock </dev/null
expect_eq "$(json "$(show "$st")" 'len(j["wrp_ranges"])')" 1 "unlock refused: still protected"
expect_exit 0 "unlock --yes with WRP" -- run "$st" --json unlock --yes
expect_eq "$(json "$out" 'j["flash_erased"]')" False "removing WRP alone keeps the flash"
expect_unprotected "$st" "unlock with WRP"
expect_flash_is "$st" "$fw/klipper_$chip.bin" "removing WRP keeps the firmware"

st=$(both)
expect_exit 0 "unlock --yes with RDP 1 and WRP" -- run "$st" unlock --yes
expect_unprotected "$st" "unlock with RDP 1 and WRP"

if [ "$chip" != f103 ]; then
  st=$(klipper)
  expect_exit 0 "options set rdp=2 with the irreversible flag" -- \
    run "$st" options set rdp=2 --i-understand-this-is-irreversible --yes
  expect_match "$out" "off for good" "says what level 2 does"
  expect_eq "$(json "$(show "$st")" 'j["rdp_level"]')" 2 "state: level 2 programmed"
  "$sim" state power-cycle "$st" # level 2 takes effect at the next reset, left to the user
  expect_exit 4 "nothing answers at level 2" -- run "$st" options
  st=$(state rdp2 --option rdp=2)
  expect_exit 4 "unlock at RDP 2" -- run "$st" unlock --yes
  expect_match "$err" "level 2" "RDP 2: says why"
  expect_match "$err" "cannot be recovered" "RDP 2: says it cannot be recovered"
  expect_exit 4 "rescue at RDP 2" -- run "$st" rescue --yes --write "$fw/katapult_$chip.bin"
  expect_match "$err" "cannot be recovered" "rescue at RDP 2 says it cannot be recovered"
fi

# ---- check-bootloader --------------------------------------------------------
st=$(katapult_klipper)
expect_exit 0 "check-bootloader: Katapult + Klipper" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["kind"]')" katapult "Katapult at the base"
expect_eq "$(json "$out" 'j["images"][1]["kind"]+" "+j["images"][1]["addr"]')" "klipper $app" \
  "Klipper behind it"
expect_eq "$(json "$out" 'j["images"][1]["version"]')" v0.12.0-42-g5eed123 "Klipper's version"
expect_eq "$(json "$out" 'j["boot_source"]')" "main flash" "boots from flash"
expect_exit 0 "check-bootloader text" -- run "$st" check-bootloader
expect_match "$out" "which then starts the Klipper firmware" "verdict names both"

st=$(katapult)
expect_exit 0 "check-bootloader: Katapult alone" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["kind"]+" "+str(j["images"][0]["bootloader"])')" \
  "katapult True" "Katapult recognised as a bootloader"
expect_match "$(json "$out" 'j["verdict"]')" "no application" "waits for an application"

st=$(klipper)
expect_exit 0 "check-bootloader: Klipper alone" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["kind"]')" klipper "Klipper at the base"
expect_exit 0 "check-bootloader --base" -- run "$st" --json check-bootloader --base 0x08000000
expect_exit 8 "check-bootloader --base outside the flash" -- run "$st" check-bootloader --base 0x20000000

st=$(erased)
expect_exit 1 "check-bootloader: erased chip" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["kind"]+" "+str(j["bootable"])')" "erased False" "erased"

st=$(random)
expect_exit 1 "check-bootloader: random data" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["kind"]')" invalid "random data is no program"
expect_match "$(json "$out" 'j["images"][0]["problem"]')" "not a stack address" "says why"

st=$(rdp1)
expect_exit 5 "check-bootloader under read protection" -- run "$st" check-bootloader
expect_match "$err" "read protected" "says the flash is read protected"

st=$(state boot0 --load "$fw/klipper_$chip.bin@0x08000000" --option boot0=1)
expect_exit 0 "check-bootloader with BOOT0 high" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["boot_source"]')" "system memory (ST ROM bootloader)" \
  "BOOT0 high: boots the ROM"
expect_eq "$(json "$(show "$st")" 'j["boots_from"]')" system-memory "state agrees on the boot source"
expect_eq "$(json "$out" 'j["images"][-1]["kind"]+" "+str(j["images"][-1]["plausible"])')" \
  "st-rom True" "the ST ROM bootloader is recognised"
expect_match "$(json "$out" 'j["verdict"]')" "ST ROM bootloader" "verdict: the ROM runs"

# ---- rescue: every stuck state ends holding exactly IMAGE, unprotected --------
for case in rdp1 wrp both swdoff rdp1_swdoff katapult klipper erased random; do
  st=$($case)
  scen=""
  case $case in *swdoff) scen="--scenario swd-disabled" ;; esac
  image="$fw/katapult_$chip.bin"
  [ "$case" = katapult ] && image="$fw/klipper_$chip.bin"
  # shellcheck disable=SC2086
  expect_exit 0 "rescue --yes --write in state $case" -- \
    run "$st" $scen rescue --yes --write "$image"
  expect_match "$out" "written and verified" "rescue in state $case: verified"
  expect_unprotected "$st" "rescue in state $case"
  expect_flash_is "$st" "$image" "rescue in state $case"
  case $case in
    *swdoff) expect_match "$out" "holding the chip in reset through the NRST wire" \
      "rescue in state $case tells about the NRST wire" ;;
  esac
  case $case in
    rdp1*) expect_match "$out" "level 1" "rescue in state $case explains read protection" ;;
  esac
done

st=$(klipper)
expect_exit 0 "rescue without --write only diagnoses" -- run "$st" rescue
expect_match "$out" "Klipper" "rescue says what is in flash"
expect_flash_is "$st" "$fw/klipper_$chip.bin" "a diagnosis changes nothing"
st=$(rdp1)
expect_exit 7 "rescue that needs a change, without --yes and without a terminal" -- \
  run "$st" rescue </dev/null
expect_eq "$(json "$(show "$st")" 'j["rdp_level"]')" 1 "nothing changed without --yes"

finish
