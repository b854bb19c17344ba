#!/bin/sh
# Protection is read before the first erase: a mass erase, a write or an
# erase of a range that would meet a write-protected page or sector is
# refused while the flash is still as it was (the state dump before and
# after proves that no byte changed), naming the protected units and the
# next step; --remove-protection clears the protection first. Also: write
# --dry-run marks protected units, info shows the write protection, the
# write statistics say what was done, and --permanent does not unlock an
# irreversible option value.
#
# usage: protect_first.sh SWDSIM SWDFLASH
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

base=0x08000000
state=$tmp/chip.state
swd() {
  chip=$1
  shift
  "$sim" run --chip "$chip" --state "$state" -- "$cli" "$@"
}
# The option bytes and protection (not the session's traces such as the supply).
options_of() {
  "$sim" state show "$state" --json |
    python3 -c "import json,sys; j=json.load(sys.stdin); print((j['rdp_level'], j['wrp_ranges'], j['options']))"
}
# snapshot SIZE, then unchanged WHAT SIZE: the flash and the option bytes are as before.
snapshot() {
  "$sim" state dump "$state" $base "$1" "$tmp/before.bin" >/dev/null || fail "dump"
  options_of >"$tmp/before.opt" || fail "show"
}
unchanged() {
  "$sim" state dump "$state" $base "$2" "$tmp/after.bin" >/dev/null || fail "dump"
  if cmp -s "$tmp/before.bin" "$tmp/after.bin"; then pass; else fail "$1: the flash changed"; fi
  options_of >"$tmp/after.opt"
  if cmp -s "$tmp/before.opt" "$tmp/after.opt"; then pass; else fail "$1: the option bytes changed"; fi
}
blank() { # blank WHAT SIZE: the whole flash reads erased
  "$sim" state dump "$state" $base "$2" "$tmp/after.bin" >/dev/null || fail "dump"
  if python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(d != b'\xff'*len(d))" \
    "$tmp/after.bin"; then pass; else fail "$1: the flash is not blank"; fi
}
json() { # json TEXT EXPR
  printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}
expect_eq() {
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi
}

head -c 524288 /dev/urandom >"$tmp/old512k.bin"
head -c 65536 /dev/urandom >"$tmp/old64k.bin"
head -c 65536 /dev/urandom >"$tmp/new64k.bin"
head -c 40960 /dev/urandom >"$tmp/img40k.bin"
head -c 53248 /dev/urandom >"$tmp/img52k.bin"

# ---- F446, last sector (7) write protected: mass erase ---------------------
f446() { "$sim" state init "$state" --chip stm32f446re --load "$tmp/old512k.bin@$base" "$@" >/dev/null; }
f446 --option nwrp=0x7F
snapshot 0x80000
expect_exit 5 "F446 sector 7 WRP: erase --mass" -- swd stm32f446re erase --mass
expect_match "$err" "refusing the mass erase: sector 7 at 0x08060000-0x0807FFFF" "names the sector"
expect_match "$err" "nothing was erased" "says nothing was erased"
expect_match "$err" "--remove-protection" "names the next step"
unchanged "F446 erase --mass refused" 0x80000
expect_exit 5 "F446 sector 7 WRP: write --mass-erase" -- swd stm32f446re write --mass-erase "$tmp/img40k.bin"
expect_match "$err" "sector 7 at 0x08060000" "write --mass-erase names the sector"
unchanged "F446 write --mass-erase refused" 0x80000
expect_exit 5 "F446 sector 7 WRP: write --mass-erase --dry-run" -- \
  swd stm32f446re --json write --mass-erase --dry-run "$tmp/img40k.bin"
expect_eq "$(json "$out" '(j["ok"], j["refused"], j["units_protected"], j["error"]["code"])')" \
  "(False, True, 1, 'SWDF_ERR_WRITE_PROTECTED')" "dry run of a mass erase over a protected sector"
unchanged "F446 dry run" 0x80000

# With the explicit flag the protection goes first, then the erase.
expect_exit 0 "F446 erase --mass --remove-protection" -- swd stm32f446re erase --mass --remove-protection
expect_match "$err" "removing the write protection first" "says it removes the protection"
blank "F446 erase --mass --remove-protection" 0x80000
expect_exit 0 "F446 info after removal" -- swd stm32f446re --json info
expect_eq "$(json "$out" 'j["protection"]["write_protected"]')" "[]" "no write protection left"

f446 --option nwrp=0x7F
expect_exit 0 "F446 write --mass-erase --remove-protection" -- \
  swd stm32f446re --json write --mass-erase --remove-protection "$tmp/img40k.bin"
expect_eq "$(json "$out" '(j["protection_removed"], j["verified"], j["units_erased"], j["units_blank"])')" \
  "(True, True, 3, 0)" "write --mass-erase --remove-protection"

# ---- F446, sector 2 write protected: a write and an erase that reach it ----
f446 --option nwrp=0xFB
snapshot 0x80000
expect_exit 5 "F446 sector 2 WRP: write over sectors 0-2" -- swd stm32f446re write "$tmp/img40k.bin"
expect_match "$err" "refusing the write: sector 2 at 0x08008000-0x0800BFFF \(option nwrp\) is write protected" \
  "write names the protected sector"
unchanged "F446 write refused before sector 0 was erased" 0x80000
expect_exit 5 "F446 write --dry-run" -- swd stm32f446re write --dry-run "$tmp/img40k.bin"
expect_match "$out" "sector 2 +0x08008000 .*PROTECTED" "dry run marks sector 2"
expect_match "$out" "would be REFUSED: 1 protected sector in the way" "dry run says it would be refused"
expect_match "$err" "dry run: refusing the write: sector 2" "dry run names the sector"
expect_exit 5 "F446 write --dry-run --json" -- swd stm32f446re --json write --dry-run "$tmp/img40k.bin"
expect_eq "$(json "$out" '([u["protected"] for u in j["plan"]], j["refused"], j["ok"])')" \
  "([False, False, True], True, False)" "JSON plan marks the protected sector"
expect_exit 5 "F446 erase of sectors 0-3" -- swd stm32f446re erase 0x08000000 0x10000
expect_match "$err" "refusing erasing 0x08000000-0x0800FFFF: sector 2" "erase names the sector"
unchanged "F446 erase refused before sector 0 was erased" 0x80000
# Outside the protection everything works as before.
expect_exit 0 "F446 erase of sectors 0-1" -- swd stm32f446re erase 0x08000000 0x8000
expect_exit 0 "F446 write --remove-protection" -- swd stm32f446re --json write --remove-protection "$tmp/img40k.bin"
expect_eq "$(json "$out" '(j["protection_removed"], j["verified"])')" "(True, True)" \
  "write --remove-protection removes the protection, then writes"

# A dry run with --remove-protection says what it would do, and does nothing.
f446 --option nwrp=0xFB
snapshot 0x80000
expect_exit 0 "F446 write --dry-run --remove-protection" -- \
  swd stm32f446re write --dry-run --remove-protection "$tmp/img40k.bin"
expect_match "$out" "PROTECTED" "dry run with --remove-protection still marks sector 2"
expect_match "$out" "with --remove-protection the write protection is removed first" \
  "dry run says the protection would be removed first"
unchanged "F446 write --dry-run --remove-protection" 0x80000

# Read protection: refused before anything is erased, also with --remove-protection
# (only unlock removes it, erasing the whole flash).
f446 --option rdp=1
snapshot 0x80000
for args in "erase --mass" "erase --mass --remove-protection" "write --mass-erase $tmp/img40k.bin" \
  "write --dry-run $tmp/img40k.bin" "write --remove-protection $tmp/img40k.bin"; do
  # shellcheck disable=SC2086
  expect_exit 5 "F446 RDP 1: $args" -- swd stm32f446re $args
  expect_match "$err" "read protection level 1" "F446 RDP 1: $args: names the read protection"
  expect_match "$err" "swdflash unlock" "F446 RDP 1: $args: names the way out"
done
unchanged "F446 RDP 1: every command refused" 0x80000

# ---- F103, WRP per group of four pages ---------------------------------------
f103() { "$sim" state init "$state" --chip stm32f103c8 --load "$tmp/old64k.bin@$base" "$@" >/dev/null; }
f103 --option wrp1=0xEF # pages 48-51 (0x0800C000-0x0800CFFF)
snapshot 0x10000
expect_exit 5 "F103 WRP: erase --mass" -- swd stm32f103c8 erase --mass
expect_match "$err" "refusing the mass erase: pages 48-51 at 0x0800C000-0x0800CFFF \(option wrp1\)" \
  "F103 mass erase names the pages"
unchanged "F103 erase --mass refused" 0x10000
expect_exit 5 "F103 WRP: write --mass-erase" -- swd stm32f103c8 write --mass-erase "$tmp/img40k.bin"
unchanged "F103 write --mass-erase refused" 0x10000
expect_exit 5 "F103 WRP: full-flash image (the engine would mass erase)" -- swd stm32f103c8 write "$tmp/new64k.bin"
expect_match "$err" "pages 48-51" "F103 full-flash write names the pages"
unchanged "F103 full-flash write refused" 0x10000
expect_exit 5 "F103 WRP: write over pages 0-51" -- swd stm32f103c8 write "$tmp/img52k.bin"
expect_match "$err" "refusing the write: pages 48-51" "F103 write names the pages"
unchanged "F103 write refused before page 0 was erased" 0x10000
expect_exit 5 "F103 WRP: erase of pages 40-55" -- swd stm32f103c8 erase 0x0800A000 0x4000
unchanged "F103 erase refused" 0x10000
expect_exit 0 "F103 erase --mass --remove-protection" -- swd stm32f103c8 --json erase --mass --remove-protection
expect_eq "$(json "$out" '(j["ok"], j["protection_removed"])')" "(True, True)" "erase --json says the protection was removed"
blank "F103 erase --mass --remove-protection" 0x10000

# ---- info shows the write protection -----------------------------------------
f103 --option wrp0=0xFE --option wrp1=0xEF
expect_exit 0 "F103 info" -- swd stm32f103c8 info
expect_match "$out" "write protect: pages 0-3 at 0x08000000-0x08000FFF" "info names pages 0-3"
expect_match "$out" "pages 48-51 at 0x0800C000-0x0800CFFF .*write protected \(wrp1\)" "info names pages 48-51"
expect_exit 0 "F103 info --json" -- swd stm32f103c8 --json info
expect_eq "$(json "$out" '[(r["units"], r["addr"], r["field"]) for r in j["protection"]["write_protected"]]')" \
  "[('pages 0-3', '0x08000000', 'wrp0'), ('pages 48-51', '0x0800C000', 'wrp1')]" "info --json write_protected"
f446 --option nwrp=0xF3
expect_exit 0 "F446 info" -- swd stm32f446re info
expect_match "$out" "write protect: sectors 2-3 at 0x08008000-0x0800FFFF" "info names sectors 2-3"
f446
expect_exit 0 "F446 info, nothing protected" -- swd stm32f446re info
expect_match "$out" "write protect: none" "info says nothing is write protected"

# ---- write statistics say what was done ----------------------------------------
f103
expect_exit 0 "F103 full-flash write" -- swd stm32f103c8 write "$tmp/new64k.bin"
expect_match "$out" "the whole flash erased first \(64 KiB\), then 64 of the image's 64 pages programmed" \
  "summary of a full-flash write"
case $out in *"programmed without erase"*) fail "summary still claims pages programmed without erase" ;; *) pass ;; esac
f103
expect_exit 0 "F103 write --mass-erase --json" -- swd stm32f103c8 --json write --mass-erase "$tmp/img40k.bin"
expect_eq "$(json "$out" '(j["mass_erase"], j["units_erased"], j["units_blank"], j["units_programmed"], j["erase_bytes"])')" \
  "(True, 40, 0, 40, 65536)" "mass erase: every page erased, none 'programmed without erase'"
f103
expect_exit 0 "F103 write over old data --json" -- swd stm32f103c8 --json write "$tmp/img40k.bin"
expect_eq "$(json "$out" '(j["mass_erase"], j["units_erased"], j["units_blank"], j["units_programmed"])')" \
  "(False, 40, 0, 40)" "page by page: 40 erased and programmed"

# ---- --permanent does not unlock an irreversible value -----------------------------
f446
snapshot 0x80000
expect_exit 2 "options set rdp=2 --permanent" -- swd stm32f446re options set rdp=2 --yes --permanent
expect_match "$err" "--i-understand-this-is-irreversible" "names the long flag"
unchanged "--permanent refused" 0x80000
expect_exit 0 "options --help" -- "$cli" options --help
case $out in *"same as --i-understand"*) fail "--permanent still documented as an alias" ;; *) pass ;; esac

finish
