#!/bin/sh
# STM32H7 option bytes, boot configuration, unlock and rescue against
# swdsim: the boot address options (BOOT_ADD0/BOOT_ADD1) shown as addresses
# and repaired so that the BOOT0 pin reaches the ROM bootloader again, RDP
# level 2 and the secure mode refused without the irreversible flag, RDP
# 1 -> 0 erasing both banks, the program width following the supply, and
# `rescue --yes --write IMAGE` out of every stuck state (h7-boot-add, RDP 1,
# WRP, firmware that switches SWD off) ending with exactly IMAGE in flash,
# unprotected, and the simulator's boot decision starting it at the next
# reset. The state file (read with `swdsim state show/dump`) is the judge.
#
# usage: h7_options_sim.sh SWDSIM SWDFLASH CHIP FIRMWARE_DIR
#   CHIP: h723 or h743 (firmware names), simulated as stm32h723zg / stm32h743zi
. "$(dirname "$0")/lib.sh"
chip_test_args "$@"

case $chip in
  # wpsn1=0xF3 protects sectors 2-3 of bank 1; wpsn2=0x7F the last sector of bank 2.
  h723) simchip=stm32h723zg flash_size=1048576 wrp_field=wpsn1 wrp_value=0xF3
        wrp_start=0x08040000 ;;
  h743) simchip=stm32h743zi flash_size=2097152 wrp_field=wpsn2 wrp_value=0x7F
        wrp_start=0x081E0000 ;;
  *) echo "unknown chip $chip"; exit 2 ;;
esac
need_chip_and_firmware "$fw" katapult_$chip.bin klipper_$chip.bin random_$chip.bin

# Unprotected, and the next reset (BOOT0 low) starts the program at 0x08000000.
expect_rescued() {
  s=$(show "$1")
  expect_eq "$(json "$s" 'j["rdp_level"]')" 0 "$2: read protection level"
  expect_eq "$(json "$s" 'len(j["wrp_ranges"])')" 0 "$2: write-protected ranges"
  expect_eq "$(json "$s" '(j["boot0"], j["boots_from"], j["boot"]["address"])')" \
    "(0, 'flash', $((0x08000000)))" "$2: the next reset starts the flash"
  expect_eq "$(json "$s" '"no program" in j["boot"]["reason"]')" False \
    "$2: a program is there to start"
}

image=$fw/katapult_$chip.bin

# ---- options: the boot addresses as addresses ---------------------------------
st=$(state klipper --load "$fw/klipper_$chip.bin@0x08000000")
expect_exit 0 "options" -- run "$st" options
expect_match "$out" "boot_add0 += flash +0x0800 0000: the program in flash" \
  "boot_add0 shown as the address it selects"
expect_match "$out" "boot_add1 += system-memory +0x1FF0 0000: system memory, the ST ROM bootloader" \
  "boot_add1 shown as the address it selects"
expect_exit 0 "check-bootloader" -- run "$st" check-bootloader
expect_match "$out" "BOOT0 low starts the chip at BOOT_ADD0 = 0x0800 0000 \(user flash\); BOOT0 high at BOOT_ADD1 = 0x1FF0 0000 \(system memory" \
  "the boot configuration in words"
expect_match "$out" "Boots from: main flash \(the core's vector table \(VTOR" \
  "where the chip started, from VTOR (no alias at address 0)"
expect_exit 0 "options --json" -- run "$st" --json options
expect_eq "$(json "$out" '[f["raw"] for f in j["fields"] if f["name"]=="boot_add1"][0]')" \
  0x1FF0 "options --json: boot_add1"
expect_eq "$(json "$out" '[f["value"] for f in j["fields"] if f["name"]=="rdp"][0]')" 0 \
  "options --json: rdp"

# ---- options set: refusals ----------------------------------------------------
before=$(json "$(show "$st")" 'j["options"]')
expect_exit 5 "rdp=2 without the irreversible flag" -- run "$st" options set rdp=2 --yes
expect_match "$err" "irreversible" "RDP 2 refusal names the flag"
expect_exit 5 "security=on without the irreversible flag" -- run "$st" options set security=on --yes
expect_match "$err" "irreversible" "secure mode refusal names the flag"
expect_exit 2 "boot_add0 too wide" -- run "$st" options set boot_add0=0x10000 --yes
expect_eq "$(json "$(show "$st")" 'j["options"]')" "$before" "refused changes leave the options alone"

# ---- OPTCHANGEERR: the chip refuses to shrink a PCROP area without a regression ----
# (RM0433 section 4.4.3, RM0468 section 4.4.3): said in plain words, nothing changed.
st_pcrop=$(state pcrop --option prar1=0x00030000 --load "$fw/klipper_$chip.bin@0x08000000")
before=$(json "$(show "$st_pcrop")" 'j["options"]')
expect_exit 1 "removing the PCROP area at level 0" -- \
  run "$st_pcrop" options set prot_area_start1=0xFFF --yes
expect_match "$err" "refused the option change and kept all its options as they were \(OPTCHANGEERR" \
  "OPTCHANGEERR in plain words"
expect_match "$err" "can only shrink together with a read protection regression" \
  "the refusal says what the chip allows"
expect_eq "$(json "$(show "$st_pcrop")" 'j["options"]')" "$before" "the refused change changed nothing"
expect_flash_is "$st_pcrop" "$fw/klipper_$chip.bin" "the refused change kept the flash"

# ---- options set: a change in effect at once, no reset needed ------------------
expect_exit 0 "options set iwdg1_sw=hardware bor_lev=level2" -- \
  run "$st" options set iwdg1_sw=hardware bor_lev=level2 --yes
expect_match "$out" "iwdg1_sw: software -> hardware" "before/after shown"
s=$(show "$st")
expect_eq "$(json "$s" '(j["options"]["iwdg1_sw"], j["options"]["bor_lev"])')" "(0, 2)" \
  "state: both fields written"
expect_flash_is "$st" "$fw/klipper_$chip.bin" "a user-option change keeps the flash"

# ---- the BOOT0 pin reaches the ROM bootloader again ----------------------------
# BOOT_ADD1 pointed at the flash: BOOT0 high starts the firmware, not the ROM.
st=$(state boot1flash --load "$fw/klipper_$chip.bin@0x08000000" --option boot_add1=0x0800 \
  --option boot0=1)
expect_eq "$(json "$(show "$st")" 'j["boots_from"]')" flash "BOOT0 high starts the flash"
expect_exit 0 "check-bootloader explains BOOT_ADD1" -- run "$st" check-bootloader
expect_match "$out$err" "BOOT_ADD1 = 0x0800 0000" "names where BOOT0 high goes"
expect_exit 0 "options set boot_add1=system-memory" -- \
  run "$st" options set boot_add1=system-memory --yes
s=$(show "$st")
expect_eq "$(json "$s" 'j["options"]["boot_add1"]')" $((0x1FF0)) "state: BOOT_ADD1 = 0x1FF0"
expect_eq "$(json "$s" 'j["boots_from"]')" system-memory \
  "with BOOT0 high the chip now starts the ROM bootloader"
expect_flash_is "$st" "$fw/klipper_$chip.bin" "the boot repair keeps the flash"

# rescue proposes the same repair and applies it on --yes.
st=$(state boot1flash2 --load "$fw/klipper_$chip.bin@0x08000000" --option boot_add1=0x0800 \
  --option boot0=1)
expect_exit 7 "rescue without --yes proposes the repair" -- run "$st" rescue </dev/null
expect_match "$out" "boot_add1" "rescue names boot_add1"
expect_eq "$(json "$(show "$st")" 'j["options"]["boot_add1"]')" $((0x0800)) \
  "nothing changed without --yes"
expect_exit 0 "rescue --yes applies it" -- run "$st" rescue --yes
expect_eq "$(json "$(show "$st")" 'j["boots_from"]')" system-memory \
  "after rescue --yes BOOT0 high starts the ROM bootloader"

# ---- the Cortex-M7 caches the firmware switched on -------------------------------
# The job turns them off (cleaning the D-cache by set and way) before the
# loader runs, and back on afterwards; the simulator counts loader runs with
# the caches unsafe and gives SCB_CCR's cache bits as last set.
st=$(state caches)
expect_exit 0 "write with the caches on" -- "$sim" run --chip "$simchip" --state "$st" \
  --scenario h7-caches-on --report "$tmp/caches.json" -- "$cli" write "$image" 0x08000000
expect_flash_is "$st" "$image" "write with the caches on: exactly the image"
expect_eq "$(json "$(cat "$tmp/caches.json")" '(j["cache_unsafe_runs"], hex(j["cache_ccr"]))')" \
  "(0, '0x30000')" "the loader ran with the caches off and clean, and they were switched back on"

# ---- the program width follows the supply (256-bit words: x64 100 us, x16 180, x8 290) ----
for case in "3300 100" "2400 180" "1900 290"; do
  mv=${case% *}
  us=${case#* }
  st=$(state "width$mv")
  python3 -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 256)" >"$tmp/64k.bin"
  expect_exit 0 "write 64 KiB at $mv mV" -- "$sim" run --chip "$simchip" --state "$st" \
    --scenario "vdd=$mv" --report "$tmp/width.json" -- "$cli" write "$tmp/64k.bin" 0x08000000
  busy=$(sed -n 's/.*"flash_busy_us": *\([0-9]*\).*/\1/p' "$tmp/width.json")
  expect_eq "$busy" $((2048 * us)) "at $mv mV: 2048 flash words of $us us"
done

# ---- mass erase: a bank erase (BER) on each bank, the banks side by side ---------
banks=1
[ "$chip" = h743 ] && banks=2
python3 -c "import random,sys; r=random.Random(9); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($flash_size)))" >"$tmp/full.bin"
st=$(state full --load "$tmp/full.bin@0x08000000")
expect_exit 0 "erase --mass of a full chip" -- "$sim" run --chip "$simchip" --state "$st" \
  --report "$tmp/mass.json" -- "$cli" erase --mass
expect_flash_is "$st" /dev/null "erase --mass left the flash erased"
expect_eq "$(sed -n 's/.*"mass_erases": *\([0-9]*\).*/\1/p' "$tmp/mass.json")" $banks \
  "one bank erase per bank"
expect_eq "$(sed -n 's/.*"flash_busy_us": *\([0-9]*\).*/\1/p' "$tmp/mass.json")" $((8000000 * banks)) \
  "eight 1 s sectors at x64 per bank"
virtual=$(sed -n 's/.*"virtual_us": *\([0-9]*\).*/\1/p' "$tmp/mass.json")
if [ "$virtual" -lt 9000000 ]; then pass; else fail "the banks erased one after the other ($virtual us of simulated time)"; fi

# ---- unlock: RDP 1 -> 0 erases both banks ---------------------------------------
st=$(state rdp1 --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000" \
  --load "$fw/klipper_$chip.bin@$(printf '0x%08x' $((0x08000000 + flash_size - 65536)))")
expect_exit 0 "unlock --yes at RDP 1" -- run "$st" unlock --yes
expect_match "$out" "read protection: level 0" "unlock reports the final state"
expect_eq "$(json "$(show "$st")" 'j["rdp_level"]')" 0 "state: level 0"
expect_flash_is "$st" /dev/null "the regression erased the whole flash"

# ---- a new part of the family is a chip database entry only ---------------------
# A complete entry of its own (no `inherit`), in place of the built-in one.
if [ "$chip" = h723 ]; then
  mkdir "$tmp/chips"
  cat >"$tmp/chips/new.chip" <<'CHIP'
[stm32h7-72x]
name = STM32H7 new part (test entry)
family = h7
driver = stm32h7
core = Cortex-M7F
cpuid_part = 0xC27
dp_idcode = 0x6BA02477
idcode_addr = 0x5C001000
dev_id = 0x483
flash_size_reg = 0x1FF1E880
flash_max = 1M
pages = 128K
program_unit = 32
flash_regs = 0x52002000
uid = 0x1FF1E800
sysmem = 0x1FF00000 128K
option_reg = OPTSR_CUR 0x5200201C
option_reg = WPSN_CUR1 0x52002038
option_reg = BOOT_CUR 0x52002040
rdp = 0x5200201C 15:8 0xAA=0 0xCC=2 *=1
debug_set = 0x5C001004 0x00600007
ram = 0x20000000 128K
CHIP
  st=$(state newpart --load "$fw/random_$chip.bin@0x08000000")
  newrun() { SWDFLASH_CHIPDB=$tmp/chips run "$@"; }
  expect_exit 0 "info with the new entry" -- newrun "$st" info
  expect_match "$out" "STM32H7 new part \(test entry\)" "the chip is the new entry"
  python3 -c "import random,sys; r=random.Random(7); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(200001)))" >"$tmp/new.bin"
  expect_exit 0 "write through the new entry" -- newrun "$st" write "$tmp/new.bin" 0x08010000
  python3 - "$fw/random_$chip.bin" "$tmp/new.bin" "$tmp/want.bin" "$flash_size" <<'PY'
import sys
old = open(sys.argv[1], "rb").read()
new = open(sys.argv[2], "rb").read()
want = bytearray(old + b"\xff" * (int(sys.argv[4]) - len(old)))
want[0x10000:0x10000 + len(new)] = new
open(sys.argv[3], "wb").write(want)
PY
  expect_flash_is "$st" "$tmp/want.bin" "the new entry wrote exactly the image"
  expect_exit 0 "verify through the new entry" -- newrun "$st" verify "$tmp/new.bin" 0x08010000
fi

# ---- rescue --yes --write out of every stuck state -----------------------------
boot_add() { state boot_add --load "$fw/klipper_$chip.bin@0x08000000"; }
rdp1() { state rdp1 --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000"; }
wrp() { state wrp --option "$wrp_field=$wrp_value" --load "$fw/klipper_$chip.bin@0x08000000"; }
both() { state both --option rdp=1 --option "$wrp_field=$wrp_value" --load "$fw/random_$chip.bin@0x08000000"; }
swdoff() { state swdoff --load "$fw/klipper_$chip.bin@0x08000000"; }
rdp1_swdoff() { state rdp1_swdoff --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000"; }
for case in boot_add rdp1 wrp both swdoff rdp1_swdoff; do
  st=$($case)
  scen=""
  case $case in
    boot_add) scen="--scenario h7-boot-add" ;;
    *swdoff) scen="--scenario swd-disabled" ;;
  esac
  # shellcheck disable=SC2086
  expect_exit 0 "rescue --yes --write in state $case" -- run "$st" $scen rescue --yes --write "$image"
  expect_match "$out" "written and verified" "rescue in state $case: verified"
  expect_flash_is "$st" "$image" "rescue in state $case"
  expect_rescued "$st" "rescue in state $case"
  case $case in
    boot_add) expect_match "$out" "BOOT_ADD0 points at 0x1FF0 0000 \(system memory\)" \
      "rescue in state $case explains BOOT_ADD0" ;;
    rdp1*) expect_match "$out" "level 1" "rescue in state $case explains read protection" ;;
  esac
done

finish
