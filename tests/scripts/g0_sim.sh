#!/bin/sh
# STM32G0 end to end against swdsim (G0B1 dual bank, G071): page, bank and
# mass erase with bank-2 page numbering; option bytes read and written
# (OBL_LAUNCH reload), nboot_sel=pin bringing the BOOT0 pin back, the
# irreversible values refused without the long flag; read protection 1 -> 0
# erasing both banks; the empty check corrected after a write; `rescue
# --yes --write` in every stuck state; and a G0 part known only from a chip
# file (SWDFLASH_CHIPDB). The state file (`swdsim state show/dump`) judges.
#
# usage: g0_sim.sh SWDSIM SWDFLASH FLASHIMG.py FIRMWARE_DIR
sim=$1
cli=$2
img=$3
fw=$4
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

chip=stm32g0b1re
flash_size=524288
base=0x08000000
bank2=0x08040000
simchip=$chip
need_chip_and_firmware "$fw" katapult_g0b1.bin klipper_g0b1.bin klipper_g071.bin
report=$tmp/report.json

py() { python3 "$img" "$@"; }
run() { # run STATE [--chip C] [--scenario S]... -- swdflash args...
  st=$1
  shift
  c=$chip
  extra=""
  while [ "$1" != "--" ]; do
    case $1 in
    --chip) c=$2 ;;
    *) extra="$extra $1 $2" ;;
    esac
    shift 2
  done
  shift
  # shellcheck disable=SC2086
  "$sim" run --chip "$c" --state "$st" --report "$report" $extra -- "$cli" "$@"
}
report_value() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$report"; }
dump() { "$sim" state dump "$1" $base "${2:-$flash_size}" "$tmp/dump.bin" >/dev/null 2>&1; }
same() { # same WHAT EXPECTED-FILE STATE [SIZE]
  dump "$3" "${4:-$flash_size}"
  if why=$(py same "$2" "$tmp/dump.bin" $base); then pass; else fail "$1: $why"; fi
}
boot_area() { json "$(show "$1")" 'j["boot"]["area"]'; }

# ---- erase: page, bank, mass ----------------------------------------------------
py random 31 $flash_size "$tmp/old.bin"
st=$(state erase --load "$tmp/old.bin@$base")
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * 2048)" >"$tmp/page.bin"
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * 262144)" >"$tmp/bank.bin"
# Page 3 of bank 2 (RM0444 page 259, BKER=1).
expect_exit 0 "erase one bank-2 page" -- run "$st" -- erase 0x08041800 0x800
expect_eq "$(report_value flash_erase_units)" 1 "one page erase"
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/page.bin@0x08041800"
same "bank-2 page erase: only page 259 erased" "$tmp/expect.bin" "$st"
# The last page of bank 1 and the first of bank 2 in one range.
expect_exit 0 "erase across the bank boundary" -- run "$st" -- erase 0x0803f800 0x1000
expect_eq "$(report_value flash_erase_units)" 2 "two page erases"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/page.bin@0x0803f800" "$tmp/page.bin@$bank2"
same "erase across the bank boundary" "$tmp/expect.bin" "$st"
# Bank 2 as a whole: one bank erase (MER2), not 128 page erases.
expect_exit 0 "erase bank 2" -- run "$st" -- erase $bank2 0x40000
expect_eq "$(report_value flash_erase_units) $(report_value mass_erases) $(report_value flash_busy_us)" \
  "0 1 22000" "bank 2 erased with one bank erase (MER2, 22 ms), not 128 page erases"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/bank.bin@$bank2"
same "bank erase: bank 1 unchanged" "$tmp/expect.bin" "$st"
# An image over the whole of bank 1 with nothing to keep: one bank erase.
py random 34 262144 "$tmp/bank1.bin"
expect_exit 0 "write all of bank 1" -- run "$st" -- write "$tmp/bank1.bin" $base
expect_eq "$(report_value flash_erase_units) $(report_value mass_erases)" "0 1" \
  "bank 1 erased with one bank erase before the write"
py expect "$tmp/expect.bin" $base "$tmp/expect.bin" "$tmp/bank1.bin@$base"
same "bank-1 image: exactly the image, bank 2 unchanged" "$tmp/expect.bin" "$st"
expect_exit 0 "erase --mass" -- run "$st" -- erase --mass
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * $flash_size)" >"$tmp/blank.bin"
same "mass erase" "$tmp/blank.bin" "$st"
expect_eq "$(report_value flash_busy_us)" 44000 "mass erase: both banks, 2 x 22 ms"

# Banks swapped (nSWAP_BANK=0): the page at 0x08000800 is page 1 of physical
# bank 2, and only it is erased.
st=$(state swapped --load "$tmp/old.bin@$base" --option nswap_bank=0)
expect_exit 0 "erase a page with the banks swapped" -- run "$st" -- erase 0x08000800 0x800
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/page.bin@0x08000800"
same "swapped banks: the page at the address is erased, nothing else" "$tmp/expect.bin" "$st"

# ---- the empty check: a write to an erased chip boots at the next reset -----------
st=$(state empty)
expect_eq "$(boot_area "$st")" system-memory "an erased G0 starts the ROM bootloader"
expect_exit 0 "write Klipper to an erased chip" -- run "$st" -- -v write "$fw/klipper_g0b1.bin" $base
expect_match "$out$err" "EMPTY" "the write says it corrected the empty flag"
expect_eq "$(json "$(show "$st")" 'j["flash_empty"]')" False "FLASH_ACR.EMPTY cleared"
expect_eq "$(boot_area "$st")" flash "the next reset starts the new program, no power cycle"
expect_exit 0 "erase --mass after it" -- run "$st" -- erase --mass
expect_eq "$(json "$(show "$st")" 'j["flash_empty"]')" True "FLASH_ACR.EMPTY set after the erase"
expect_eq "$(boot_area "$st")" system-memory "an erased chip reaches the ROM bootloader again"

# A chip where software cannot correct FLASH_ACR.EMPTY: the write succeeds
# and says plainly (and in the JSON warnings) that a power cycle is needed.
st=$(state empty_stuck)
expect_exit 0 "write with EMPTY stuck" -- \
  run "$st" --scenario g0-empty-stuck -- write "$fw/klipper_g0b1.bin" $base
expect_match "$err" "power it off and on once" "the user is told to power-cycle the board"
expect_eq "$(json "$(show "$st")" 'j["flash_empty"]')" True "FLASH_ACR.EMPTY stayed set"
expect_eq "$(boot_area "$st")" system-memory "the next reset still starts the ROM bootloader"
st=$(state empty_stuck_json)
expect_exit 0 "write --json with EMPTY stuck" -- \
  run "$st" --scenario g0-empty-stuck -- --json write "$fw/klipper_g0b1.bin" $base
expect_eq "$(json "$out" 'any("FLASH_ACR.EMPTY did not change" in w["message"] and "power it off and on" in w["message"] for w in j["warnings"])')" \
  True "the JSON reply warns that a power cycle is needed"

# ---- options: reading and writing ---------------------------------------------------
st=$(state opts --load "$fw/klipper_g0b1.bin@$base" --option boot0=1)
expect_eq "$(boot_area "$st")" flash "factory options: the BOOT0 pin is ignored"
expect_exit 0 "options" -- run "$st" -- options
expect_match "$out" "nboot_sel = option" "options decodes nboot_sel"
expect_match "$out" "dual_bank = dual" "options decodes dual_bank"
expect_exit 0 "options --json" -- run "$st" -- --json options
expect_eq "$(json "$out" '[f["value"] for f in j["fields"] if f["name"]=="nboot0"][0]')" flash \
  "options --json decodes nboot0"
expect_exit 0 "options set iwdg_sw=hardware nrst_stop=reset borr_lev=1" -- \
  run "$st" -- options set iwdg_sw=hardware nrst_stop=reset borr_lev=1 --yes
expect_match "$out" "read back" "the change is read back after OBL_LAUNCH"
s=$(show "$st")
expect_eq "$(json "$s" '(j["options"]["iwdg_sw"], j["options"]["nrst_stop"], j["options"]["borr_lev"])')" \
  "(0, 0, 1)" "state: the options were programmed"
same "a user-option change keeps the flash" "$fw/klipper_g0b1.bin" "$st" "$(wc -c <"$fw/klipper_g0b1.bin")"
expect_exit 0 "options set nboot_sel=pin" -- run "$st" -- options set nboot_sel=pin --yes
expect_eq "$(json "$(show "$st")" 'j["options"]["nboot_sel"]')" 0 "state: nBOOT_SEL=0"
expect_eq "$(boot_area "$st")" system-memory "with BOOT0 high the ROM bootloader is reached again"
expect_match "$(json "$(show "$st")" 'j["boot"]["reason"]')" "BOOT0 pin=1" "the pin decides"

# The irreversible values need the long flag; nothing changes without it.
before=$(json "$(show "$st")" 'j["options"]')
expect_exit 5 "options set rdp=2 without the irreversible flag" -- run "$st" -- options set rdp=2 --yes
expect_match "$err" "irreversible" "RDP 2 refusal names the flag"
expect_exit 5 "options set boot_lock=on without the irreversible flag" -- \
  run "$st" -- options set boot_lock=on --yes
expect_match "$err" "irreversible" "BOOT_LOCK refusal names the flag"
expect_eq "$(json "$(show "$st")" 'j["options"]')" "$before" "refused changes change nothing"
expect_exit 0 "options set boot_lock=on with the irreversible flag" -- \
  run "$st" -- options set boot_lock=on --i-understand-this-is-irreversible --yes
expect_eq "$(json "$(show "$st")" 'j["options"]["boot_lock"]')" 1 "state: BOOT_LOCK set"
expect_eq "$(boot_area "$st")" flash "BOOT_LOCK forces the main flash"
expect_exit 0 "unlock clears BOOT_LOCK at level 0" -- run "$st" -- unlock --yes
expect_eq "$(json "$(show "$st")" 'j["options"]["boot_lock"]')" 0 "state: BOOT_LOCK cleared"

# Write protection in bank 2: placed as addresses, refused first, removed.
expect_exit 0 "options set a bank-2 WRP zone" -- \
  run "$st" -- options set wrp2a_strt=2 wrp2a_end=3 --yes
expect_eq "$(json "$(show "$st")" '[(hex(r["start"]), hex(r["end"])) for r in j["wrp_ranges_active"]]')" \
  "[('0x8041000', '0x8042000')]" "state: pages 2-3 of bank 2 protected"
expect_exit 0 "options --json with the bank-2 zone" -- run "$st" -- --json options
expect_eq "$(json "$out" '[(r["addr"], r["end"]) for r in j["protected_ranges"]]')" \
  "[('0x08041000', '0x08041FFF')]" "the protected range as addresses"
py random 32 4096 "$tmp/w.bin"
expect_exit 5 "a write into the protected zone is refused" -- run "$st" -- write "$tmp/w.bin" 0x08041800
expect_exit 0 "unlock removes the zone" -- run "$st" -- unlock --yes
expect_eq "$(json "$(show "$st")" 'len(j["wrp_ranges_active"])')" 0 "no write protection left"

# With the banks swapped (nSWAP_BANK=0) the bank-2 zone protects pages of
# physical bank 2, which is then the one at 0x08000000 (RM0444 section
# 3.7.8 nSWAP_BANK; WRP2xR, 3.7.20-3.7.21, name bank 2's pages): `options`,
# `info` and the check before a write place it there, not at 0x08040000.
st=$(state wrp_swapped --option nswap_bank=0 --option wrp2ar=0x00030002 \
  --load "$tmp/old.bin@$base")
expect_eq "$(json "$(show "$st")" '[(hex(r["start"]), hex(r["end"])) for r in j["wrp_ranges_active"]]')" \
  "[('0x8001000', '0x8002000')]" "state: swapped banks, bank-2 pages 2-3 at the base"
expect_exit 0 "options --json with the banks swapped" -- run "$st" -- --json options
expect_eq "$(json "$out" '[(r["addr"], r["end"]) for r in j["protected_ranges"]]')" \
  "[('0x08001000', '0x08001FFF')]" "swapped banks: the bank-2 zone at the base"
expect_exit 0 "info with the banks swapped" -- run "$st" -- info
expect_match "$out" "0x08001000-0x08001FFF" "info: the bank-2 zone at the base"
expect_exit 5 "swapped banks: a write into the zone is refused" -- \
  run "$st" -- write "$tmp/w.bin" 0x08001800
expect_match "$err" "page 3 at 0x08001800-0x08001FFF" "the refusal names the protected page"
same "the refused write changed nothing" "$tmp/old.bin" "$st"
expect_exit 0 "swapped banks: the same pages of the other bank are writable" -- \
  run "$st" -- write "$tmp/w.bin" 0x08041800
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/w.bin@0x08041800"
same "swapped banks: exactly the image written at 0x08041800" "$tmp/expect.bin" "$st"

# Read protection 1 -> 0 erases both banks (one option change plus 2 x 22 ms).
expect_exit 0 "options set rdp=1" -- run "$st" -- options set rdp=1 --yes
expect_eq "$(json "$(show "$st")" 'j["rdp_level_active"]')" 1 "state: level 1 in effect"
expect_exit 0 "unlock at level 1" -- run "$st" -- unlock --yes
expect_match "$out" "ERASING ITS WHOLE FLASH" "unlock says it erases first"
s=$(show "$st")
expect_eq "$(json "$s" '(j["rdp_level"], j["rdp_level_active"])')" "(0, 0)" "level 0 again"
same "RDP 1 -> 0 erased both banks" "$tmp/blank.bin" "$st"

# ---- rescue: every stuck state ends with exactly IMAGE, unprotected, booting it ------
image=$fw/katapult_g0b1.bin
rescue_case() { # rescue_case NAME STATE [--scenario S]...
  what=$1
  st=$2
  shift 2
  expect_exit 0 "rescue --yes --write in state $what" -- run "$st" "$@" -- rescue --yes --write "$image"
  expect_match "$out" "written and verified" "rescue in state $what: verified"
  s=$(show "$st")
  expect_eq "$(json "$s" '(j["rdp_level"], j["rdp_level_active"])')" "(0, 0)" "rescue $what: RDP 0"
  expect_eq "$(json "$s" '(len(j["wrp_ranges"]), len(j["wrp_ranges_active"]))')" "(0, 0)" \
    "rescue $what: no WRP"
  python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.stdout.buffer.write(d + b'\xff' * ($flash_size - len(d)))" \
    "$image" >"$tmp/want.bin"
  same "rescue $what: exactly IMAGE in flash" "$tmp/want.bin" "$st"
  expect_eq "$(json "$s" '(j["boot"]["area"], j["boot"]["address"])')" "('flash', 134217728)" \
    "rescue $what: the next reset starts IMAGE"
}
st=$(state boot0_ignored --load "$fw/klipper_g0b1.bin@$base")
rescue_case g0-boot0-ignored "$st" --scenario g0-boot0-ignored
expect_match "$out" "BOOT0 pin is ignored because nBOOT_SEL=1 and nBOOT0=1" \
  "rescue explains why the BOOT0 pin is ignored"
expect_match "$out" "options set nboot_sel=pin" "rescue --write names the boot repair for later"
# Without --write the repair itself: the BOOT0 pin (held high) reaches the ROM again.
st=$(state boot0_repair --load "$fw/klipper_g0b1.bin@$base")
expect_exit 7 "rescue without --yes and without a terminal" -- \
  run "$st" --scenario g0-boot0-ignored -- rescue </dev/null
expect_match "$out" "Proposed repair: set the option nboot_sel = pin" "rescue proposes nboot_sel=pin"
expect_eq "$(boot_area "$st")" flash "nothing changed without --yes"
expect_exit 0 "rescue --yes applies the boot repair" -- run "$st" -- rescue --yes
expect_eq "$(json "$(show "$st")" 'j["options"]["nboot_sel"]')" 0 "state: nBOOT_SEL=0"
expect_eq "$(boot_area "$st")" system-memory "BOOT0 held high now starts the ROM bootloader"
same "the boot repair keeps the flash" "$fw/klipper_g0b1.bin" "$st" "$(wc -c <"$fw/klipper_g0b1.bin")"
st=$(state empty_check --load "$fw/klipper_g0b1.bin@$base")
rescue_case g0-empty-check "$st" --scenario g0-empty-check
st=$(state rdp1 --option rdp=1 --load "$fw/klipper_g0b1.bin@$base")
rescue_case rdp1 "$st"
st=$(state wrp --option wrp1ar=0x00030001 --option wrp2ar=0x00050000 --load "$fw/klipper_g0b1.bin@$base")
rescue_case wrp "$st"
st=$(state swdoff --load "$fw/klipper_g0b1.bin@$base")
rescue_case swd-disabled "$st" --scenario swd-disabled

# ---- nboot_sel on the G071 too -------------------------------------------------------
st=$(state g071 --chip stm32g071rb --load "$fw/klipper_g071.bin@$base" --option boot0=1)
# The G070, G071 and G081 answer with one device id (0x460): info names the
# group and says that only the marking tells them apart.
expect_exit 0 "G071: info" -- run "$st" --chip stm32g071rb -- info
expect_match "$out" "STM32G070/G071/G081" "info names the group of device id 0x460"
expect_match "$out" "share device id 0x460 and no register tells them apart" \
  "info says the parts cannot be told apart"
expect_exit 0 "G071: options set nboot_sel=pin" -- run "$st" --chip stm32g071rb -- options set nboot_sel=pin --yes
expect_eq "$(boot_area "$st")" system-memory "G071: BOOT0 high reaches the ROM bootloader"

# ---- a G0 part known only from a chip file ---------------------------------------------
mkdir -p "$tmp/chips"
cat >"$tmp/chips/g0new.chip" <<'EOF'
# A G0 part described by data alone: the stm32g0 driver does the rest.
# Its revision makes it a closer match than the built-in G0B1 entry.
[stm32g0-newpart]
name = STM32G0 part from a chip file
family = g0
driver = stm32g0
core = Cortex-M0+
cpuid_part = 0xC60
dev_id = 0x467
rev_id = 0x1000
idcode_addr = 0x40015800
flash_size_reg = 0x1FFF75E0
flash_max = 512K
pages = 2K
program_unit = 8
flash_regs = 0x40022000
ram = 0x20000000 144K
sysmem = 0x1FFF0000 28K
options = 0x1FFF7800 128
rdp = 0x40022020 7:0 0xAA=0 0xCC=2 *=1
dual_bank_option = 0x40022020 21
dual_pages = 2K
dual_banks = 2
dual_bank_split = half
dual_bank2_first_index = 256
EOF
st=$(state newpart --load "$tmp/old.bin@$base")
expect_exit 0 "SWDFLASH_CHIPDB: info" -- env SWDFLASH_CHIPDB="$tmp/chips" \
  "$sim" run --chip $chip --state "$st" -- "$cli" info
expect_match "$out" "STM32G0 part from a chip file" "the part from the chip file is used"
py random 33 12000 "$tmp/new.bin"
expect_exit 0 "SWDFLASH_CHIPDB: write across the banks" -- env SWDFLASH_CHIPDB="$tmp/chips" \
  "$sim" run --chip $chip --state "$st" -- "$cli" write "$tmp/new.bin" 0x0803f000
py expect "$tmp/old.bin" $base "$tmp/expect.bin" "$tmp/new.bin@0x0803f000"
same "SWDFLASH_CHIPDB: exactly the image" "$tmp/expect.bin" "$st"

finish
