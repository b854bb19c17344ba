#!/bin/sh
# The F1-style flash controller of the STM32F0 and STM32F3 end to end against
# swdsim (F072RB, F303RE): identification, option bytes read and written
# (loaded by OBL_LAUNCH, without a power cycle), the nBOOT1 trap explained
# by check-bootloader and repaired by rescue, write protection refused
# first and removed, read protection 1 -> 0 erasing the flash, level 2
# refused without the irreversible flag, and `rescue --yes --write` from a
# protected state. The state file (`swdsim state show/dump`) judges.
#
# usage: fpec_sim.sh SWDSIM SWDFLASH FLASHIMG.py CHIP FIRMWARE_DIR
sim=$1
cli=$2
img=$3
chip=$4
fw=$5
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

case $chip in
stm32f072rb) tag=f072 flash_size=131072 title=STM32F07x ;;
stm32f042k6) tag=f042 flash_size=32768 title=STM32F04x ;;
stm32f303re) tag=f303 flash_size=524288 title="STM32F302/F303xD/E" ;;
*) echo "no test parameters for $chip" >&2; exit 2 ;;
esac
base=0x08000000
if ! "$sim" chips | grep -q "^$chip "; then
  echo "swdsim does not simulate $chip yet: skipping"
  exit 77
fi
image=$fw/klipper_$tag.bin
if [ ! -f "$image" ]; then
  echo "test firmware $image missing (arm-none-eabi-gcc not installed?): skipping"
  exit 77
fi
report=$tmp/report.json

py() { python3 "$img" "$@"; }
run() { st=$1; shift; "$sim" run --chip "$chip" --state "$st" --report "$report" -- "$cli" "$@"; }
state() { # state NAME [init options...]
  f="$tmp/$1.state"
  shift
  "$sim" state init "$f" --chip "$chip" "$@" >/dev/null || fail "state init $*"
  echo "$f"
}
json() {
  printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}
show() { "$sim" state show "$1" --json; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
dump() { "$sim" state dump "$1" $base "${2:-$flash_size}" "$tmp/dump.bin" >/dev/null 2>&1; }
same() { # same WHAT EXPECTED-FILE STATE [SIZE]
  dump "$3" "${4:-$flash_size}"
  if why=$(py same "$2" "$tmp/dump.bin" $base); then pass; else fail "$1: $why"; fi
}
boot_area() { json "$(show "$1")" 'j["boot"]["area"]'; }
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * $flash_size)" >"$tmp/blank.bin"
img_size=$(wc -c <"$image")

# ---- identification and the factory options ------------------------------------------
st=$(state opts --load "$image@$base")
expect_exit 0 "info" -- run "$st" info
expect_match "$out" "$title" "info names the chip"
expect_match "$out" "BOOT0 pin decides" "info explains the boot choice"
expect_exit 0 "options" -- run "$st" options
expect_match "$out" "nboot1 = system" "options decodes nboot1"
expect_match "$out" "rdp = 0" "options decodes read protection level 0 (0xAA)"

# ---- a user-option change is loaded by OBL_LAUNCH and keeps the flash -----------------
expect_exit 0 "options set wdg_sw=hardware nrst_stop=reset" -- \
  run "$st" options set wdg_sw=hardware nrst_stop=reset --yes
expect_match "$out" "read back" "the change is read back after the option load"
s=$(show "$st")
expect_eq "$(json "$s" '(j["options"]["wdg_sw"], j["options"]["nrst_stop"])')" "(0, 0)" \
  "state: the options were programmed"
expect_exit 0 "options --json after the change" -- run "$st" --json options
expect_eq "$(json "$out" '[f["value"] for f in j["fields"] if f["name"]=="wdg_sw"][0]')" hardware \
  "the new value is in force without a power cycle (FLASH_OBR)"
same "a user-option change keeps the flash" "$image" "$st" "$img_size"
expect_exit 0 "options set wdg_sw=software nrst_stop=no-reset" -- \
  run "$st" options set wdg_sw=software nrst_stop=no-reset --yes

# ---- the nBOOT1 trap: BOOT0 high starts the SRAM ----------------------------------------
st=$(state nboot1_high --load "$image@$base" --option nboot1=0 --option boot0=1)
expect_eq "$(boot_area "$st")" sram "nBOOT1=0 with BOOT0 high starts the SRAM"
expect_exit 1 "check-bootloader with BOOT0 high (the chip starts no firmware)" -- \
  run "$st" check-bootloader
expect_match "$out" "nBOOT1=0" "check-bootloader names nBOOT1"
expect_match "$out" "Repair: set nboot1=system" "check-bootloader proposes the repair"
# The board holds BOOT0 low: the program starts, the ROM bootloader cannot.
st=$(state nboot1 --load "$image@$base" --option nboot1=0)
expect_exit 0 "rescue --yes --write in the nBOOT1 trap" -- run "$st" rescue --yes --write "$image"
expect_match "$out" "written and verified" "rescue --write: verified"
expect_match "$out" "options set nboot1=system" "rescue --write names the nBOOT1 repair"
python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.stdout.buffer.write(d + b'\xff' * ($flash_size - len(d)))" \
  "$image" >"$tmp/want.bin"
same "rescue --write: exactly the image" "$tmp/want.bin" "$st"
expect_eq "$(boot_area "$st")" flash "rescue --write: the next reset starts the image"
expect_exit 0 "rescue --yes repairs nBOOT1" -- run "$st" rescue --yes
expect_match "$out" "Done: nboot1 = system" "rescue says what it changed"
expect_eq "$(json "$(show "$st")" 'j["options"]["nboot1"]')" 1 "state: nBOOT1=1"
same "the boot repair keeps the flash" "$tmp/want.bin" "$st"
"$sim" run --chip "$chip" --state "$st" --scenario boot0=1 -- true
expect_eq "$(boot_area "$st")" system-memory "after the repair BOOT0 high reaches the ROM bootloader"

# ---- F04x: BOOT_SEL and nBOOT0, the empty check --------------------------------------
if [ "$chip" = stm32f042k6 ]; then
  st=$(state empty)
  expect_eq "$(boot_area "$st")" system-memory "an erased F04x starts the ROM bootloader (empty check)"
  expect_exit 0 "write to an erased F04x" -- run "$st" -v write "$image" $base
  expect_match "$out$err" "OBL_LAUNCH" "the write says it reloaded the options for the empty check"
  expect_eq "$(json "$(show "$st")" 'j["flash_empty"]')" False "the empty check was made again"
  expect_eq "$(boot_area "$st")" flash "the next reset starts the new program, no power cycle"
  # BOOT0 ignored: BOOT_SEL=0 and nBOOT0=1, the board holds BOOT0 high in vain.
  st=$(state boot0_ignored --load "$image@$base" --option boot_sel=0 --option boot0=1)
  expect_eq "$(boot_area "$st")" flash "BOOT_SEL=0: BOOT0 high still starts the flash"
  expect_exit 0 "check-bootloader with the BOOT0 pin ignored" -- run "$st" check-bootloader
  expect_match "$out" "BOOT0 pin is ignored because BOOT_SEL=0 and nBOOT0=1" \
    "check-bootloader explains why BOOT0 is ignored"
  expect_match "$out" "Repair: set boot_sel=pin" "check-bootloader proposes boot_sel=pin"
  expect_exit 0 "rescue --yes --write with the BOOT0 pin ignored" -- \
    run "$st" rescue --yes --write "$image"
  expect_match "$out" "options set boot_sel=pin" "rescue --write names the BOOT_SEL repair"
  expect_eq "$(json "$(show "$st")" 'j["options"]["boot_sel"]')" 0 \
    "rescue --write leaves BOOT_SEL (with BOOT0 high the image would not start)"
  expect_exit 0 "rescue --yes hands the choice back to the pin" -- run "$st" rescue --yes
  expect_match "$out" "Done: boot_sel = pin" "rescue says what it changed"
  expect_eq "$(boot_area "$st")" system-memory "BOOT0 high reaches the ROM bootloader again"
  # nBOOT0=0 with BOOT_SEL=0: the flash never starts; rescue --write repairs it.
  st=$(state never_flash --load "$image@$base" --option boot_sel=0 --option nboot0=0)
  expect_eq "$(boot_area "$st")" system-memory "BOOT_SEL=0 and nBOOT0=0: the flash never starts"
  expect_exit 0 "rescue --yes --write when the flash never starts" -- \
    run "$st" rescue --yes --write "$image"
  expect_match "$out" "Done: boot_sel = pin" "rescue --write makes the flash start"
  expect_eq "$(boot_area "$st")" flash "after rescue --write the next reset starts the image"
fi

# ---- write protection: refused first, then removed ----------------------------------
st=$(state wrp --load "$image@$base")
expect_exit 0 "options set wrp0=0xFE" -- run "$st" options set wrp0=0xFE --yes
expect_eq "$(json "$(show "$st")" '[(hex(r["start"]), hex(r["end"])) for r in j["wrp_ranges_active"]]')" \
  "[('0x8000000', '0x8001000')]" "state: the first 4 KiB protected"
py random 41 2048 "$tmp/w.bin"
expect_exit 5 "a write into the protected sector is refused" -- run "$st" write "$tmp/w.bin" 0x08000800
same "the refused write changed nothing" "$image" "$st" "$img_size"
expect_exit 0 "unlock removes write protection" -- run "$st" unlock --yes
expect_eq "$(json "$(show "$st")" 'len(j["wrp_ranges_active"])')" 0 "no write protection left"

# ---- read protection: level 2 refused, 1 -> 0 erases ---------------------------------
before=$(json "$(show "$st")" 'j["options"]')
expect_exit 5 "options set rdp=2 without the irreversible flag" -- run "$st" options set rdp=2 --yes
expect_match "$err" "irreversible" "RDP 2 refusal names the flag"
expect_eq "$(json "$(show "$st")" 'j["options"]')" "$before" "the refused change changes nothing"
expect_exit 0 "options set rdp=1" -- run "$st" options set rdp=1 --yes
expect_eq "$(json "$(show "$st")" '(j["rdp_level"], j["rdp_level_active"])')" "(1, 1)" \
  "state: level 1 in force after OBL_LAUNCH"
expect_exit 0 "unlock at level 1" -- run "$st" unlock --yes
expect_match "$out" "ERASING ITS WHOLE FLASH" "unlock says it erases first"
expect_eq "$(json "$(show "$st")" '(j["rdp_level"], j["rdp_level_active"])')" "(0, 0)" "level 0 again"
same "RDP 1 -> 0 erased the flash" "$tmp/blank.bin" "$st"

# ---- rescue from read and write protection at once --------------------------------------
py random 42 $flash_size "$tmp/old.bin"
st=$(state locked --load "$tmp/old.bin@$base" --option wrp0=0 --option rdp=1)
expect_exit 0 "rescue --yes --write from RDP 1 with WRP" -- run "$st" rescue --yes --write "$image"
expect_match "$out" "written and verified" "rescue from protection: verified"
s=$(show "$st")
expect_eq "$(json "$s" '(j["rdp_level"], j["rdp_level_active"], len(j["wrp_ranges_active"]))')" \
  "(0, 0, 0)" "rescue: no protection left"
same "rescue: exactly the image in flash" "$tmp/want.bin" "$st"
expect_eq "$(boot_area "$st")" flash "rescue: the next reset starts the image"
finish
