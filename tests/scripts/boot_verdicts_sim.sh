#!/bin/sh
# Boot verdicts and the checks before destroying (issue 16), against swdsim
# for one simulated chip: check-bootloader on placements of the test
# bootloader and applications that do not boot (an application linked for
# another address, one its bootloader never starts, one built for another
# MCU) and on a minimal program that does; rescue refusing, before any
# change, a missing file, a bad address or an image that cannot boot from
# where it goes; rescue without --yes and without a terminal; one JSON
# object on every outcome with "ok" agreeing with the exit status; and
# write saying where a raw binary goes and warning when it cannot run
# there. The state file is the judge of what changed.
#
# usage: boot_verdicts_sim.sh SWDSIM SWDFLASH CHIP FIRMWARE_DIR
#   CHIP: f103 or f446 (firmware names), simulated as stm32f103c8 / stm32f446re
. "$(dirname "$0")/lib.sh"
chip_test_args "$@"

case $chip in
  f103) simchip=stm32f103c8 flash_size=65536 app=0x08002000 far=0x08004000 ;;
  f446) simchip=stm32f446re flash_size=524288 app=0x08008000 far=0x08010000 ;;
  *) echo "unknown chip $chip"; exit 2 ;;
esac
need_chip_and_firmware "$fw" katapult_$chip.bin klipper_$chip.bin klipper_app_$chip.bin \
  klipper_far_$chip.bin klipper_other_mcu_$chip.bin minimal_$chip.bin random_$chip.bin

expect_no_match() { # expect_no_match TEXT PATTERN WHAT
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then fail "$3: '$2' found in: $1"; else pass; fi
}

# The whole flash and the protection, to compare before and after.
snapshot() {
  "$sim" state dump "$1" 0x08000000 "$flash_size" "$tmp/$2.bin" || fail "dump $1"
  json "$("$sim" state show "$1" --json)" '(j["rdp_level"], j["wrp_ranges"], j["options"])' \
    >"$tmp/$2.prot"
}

expect_unchanged() { # expect_unchanged STATE WHAT: as at the last `snapshot STATE before`
  snapshot "$1" after
  if cmp -s "$tmp/before.bin" "$tmp/after.bin" && cmp -s "$tmp/before.prot" "$tmp/after.prot"; then
    pass
  else
    fail "$2: the chip changed"
  fi
}

# ---- check-bootloader: the five wrong verdicts -------------------------------

# 1. An application linked for the application address, written at the base.
st=$(state linked_elsewhere --load "$fw/klipper_app_$chip.bin@0x08000000")
expect_exit 1 "check-bootloader: application linked for $app at the base" -- \
  run "$st" --json check-bootloader
expect_eq "$(json "$out" '(j["ok"], j["runs"], j["images"][0]["linked_for"])')" \
  "(False, False, '$app')" "linked for $app: ok, runs, linked_for"
expect_match "$(json "$out" 'j["verdict"]')" "will not run" "linked elsewhere: verdict"
expect_exit 1 "check-bootloader text: linked elsewhere" -- run "$st" check-bootloader
expect_no_match "$out" "plausible" "linked elsewhere is not called plausible"
expect_match "$out" "linked for: $app" "text names the address it was linked for"

# 2. Katapult built for $app, Klipper linked for and written at $far.
st=$(state katapult_far --load "$fw/katapult_$chip.bin@0x08000000" \
  --load "$fw/klipper_far_$chip.bin@$far")
expect_exit 0 "check-bootloader: Katapult and Klipper at $far" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["images"][0]["app_addr"]')" "$app" "Katapult's application address"
expect_no_match "$(json "$out" 'j["verdict"]')" "then starts" "Katapult does not start $far"
expect_match "$(json "$out" 'j["verdict"]')" "only at $app" "verdict: Katapult starts only $app"
expect_match "$(json "$out" 'j["verdict"]')" "$far is never started" "verdict: $far never starts"

# 3. Klipper linked for the base written behind Katapult.
st=$(state behind_katapult --load "$fw/katapult_$chip.bin@0x08000000" \
  --load "$fw/klipper_$chip.bin@$app")
expect_exit 1 "check-bootloader: Klipper for the base behind Katapult" -- \
  run "$st" --json check-bootloader
expect_eq "$(json "$out" '(j["ok"], len(j["images"]), j["images"][1]["kind"], j["images"][1]["linked_for"])')" \
  "(False, 2, 'klipper', '0x08000000')" "listed, linked for the base"
expect_match "$(json "$out" 'j["verdict"]')" "jumps to the Klipper firmware.*will not run" \
  "verdict: Katapult jumps into it and it fails"

# 4. Built for another MCU: the verdict and the JSON say it will not run.
st=$(state other_mcu --load "$fw/klipper_other_mcu_$chip.bin@0x08000000")
expect_exit 1 "check-bootloader: built for another MCU" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" '(j["ok"], j["runs"], j["images"][0]["mcu_matches_chip"])')" \
  "(False, False, False)" "another MCU: ok, runs, mcu_matches_chip"
expect_match "$(json "$out" 'j["verdict"]')" "not for this chip" "another MCU: verdict"

# 5. A minimal program boots; its short table is a warning.
st=$(state minimal --load "$fw/minimal_$chip.bin@0x08000000")
expect_exit 0 "check-bootloader: minimal program" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" '(j["ok"], j["runs"], j["images"][0]["plausible"], j["images"][0]["vectors"])')" \
  "(True, True, True, 2)" "minimal program runs"
expect_match "$(json "$out" 'j["images"][0]["warning"]')" "only 2 entries" "short table warned"
expect_exit 0 "check-bootloader text: minimal program" -- run "$st" check-bootloader
expect_no_match "$out" "NOT|crash" "minimal program is not said to crash"

# The good placement still runs, and "ok" follows the exit status.
st=$(state good --load "$fw/katapult_$chip.bin@0x08000000" --load "$fw/klipper_app_$chip.bin@$app")
expect_exit 0 "check-bootloader: Katapult + Klipper at $app" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" '(j["ok"], j["runs"])')" "(True, True)" "good placement runs"
expect_match "$(json "$out" 'j["verdict"]')" "which then starts the Klipper firmware" "good verdict"
st=$(state erased)
expect_exit 1 "check-bootloader: erased" -- run "$st" --json check-bootloader
expect_eq "$(json "$out" 'j["ok"]')" False "erased chip: ok is false with exit 1"
expect_exit 0 "check-bootloader --help" -- "$cli" check-bootloader --help
expect_match "$out" "exit status:" "check-bootloader documents its exit statuses"

# ---- rescue: every check before the first change --------------------------------
rdp1=$(state rdp1 --option rdp=1 --load "$fw/klipper_$chip.bin@0x08000000")
good=$(state good2 --load "$fw/katapult_$chip.bin@0x08000000" --load "$fw/klipper_app_$chip.bin@$app")
for st in "$rdp1" "$good"; do
  name=$(basename "$st" .state)
  snapshot "$st" before
  expect_exit 8 "rescue --write of a missing file ($name)" -- \
    run "$st" rescue --yes --write "$tmp/no-such-file.bin"
  expect_match "$err" "no-such-file" "missing file named ($name)"
  expect_unchanged "$st" "rescue with a missing file ($name)"
  expect_exit 2 "rescue --write with a bad address ($name)" -- \
    run "$st" rescue --yes --write "$fw/katapult_$chip.bin" 0x0800zz00
  expect_unchanged "$st" "rescue with a bad address ($name)"
  expect_exit 8 "rescue --write of random data ($name)" -- \
    run "$st" rescue --yes --write "$fw/random_$chip.bin"
  expect_match "$err" "cannot boot" "random data refused ($name)"
  expect_unchanged "$st" "rescue with random data ($name)"
  expect_exit 8 "rescue --write of an application without its bootloader ($name)" -- \
    run "$st" rescue --yes --write "$fw/klipper_app_$chip.bin" "$app"
  expect_match "$err" "Nothing was changed" "application without bootloader refused ($name)"
  expect_unchanged "$st" "rescue with an application without bootloader ($name)"
  expect_exit 8 "rescue --write of an image built for another MCU ($name)" -- \
    run "$st" rescue --yes --write "$fw/klipper_other_mcu_$chip.bin"
  expect_unchanged "$st" "rescue with an image for another MCU ($name)"
done

# --json: one object on every outcome, "ok" agreeing with the exit status.
st=$good
expect_exit 8 "rescue --json refusing random data" -- \
  run "$st" --json rescue --yes --write "$fw/random_$chip.bin"
expect_eq "$(json "$out" '(j["ok"], j["exit_status"], j["error"]["code"], j["changed"], j["image"]["runs"])')" \
  "(False, 8, 'image_unbootable', False, False)" "rescue --json refusal"
expect_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "rescue --json prints one object"
expect_exit 8 "rescue --json with a missing file" -- \
  run "$st" --json rescue --yes --write "$tmp/no-such-file.bin"
expect_eq "$(json "$out" '(j["ok"], j["exit_status"], j["error"]["code"])')" \
  "(False, 8, 'SWDF_ERR_IO')" "rescue --json missing file"

# Without --yes and without a terminal: the diagnosis, the repair, rerun with --yes.
snapshot "$rdp1" before
expect_exit 7 "rescue without --yes and without a terminal" -- run "$rdp1" rescue </dev/null
expect_match "$out" "level 1" "the diagnosis is printed"
expect_match "$out" "Proposed repair: remove the protection" "the repair is proposed"
expect_match "$out" "again with --yes" "says to rerun with --yes"
expect_unchanged "$rdp1" "rescue without --yes"
expect_exit 7 "rescue --json without --yes" -- \
  run "$rdp1" --json rescue --write "$fw/katapult_$chip.bin" </dev/null
expect_eq "$(json "$out" '(j["ok"], j["exit_status"], j["error"]["code"], len(j["proposed"]), j["image"]["runs"])')" \
  "(False, 7, 'needs_confirmation', 2, True)" "rescue --json without --yes"
expect_unchanged "$rdp1" "rescue --json without --yes"
expect_exit 0 "rescue --help" -- "$cli" rescue --help
expect_match "$out" "7  a repair is needed" "rescue documents exit status 7"
expect_match "$out" "8  IMAGE could not be read, is not a valid image, or the chip could not" \
  "rescue documents exit status 8 for an image the chip could not boot"
expect_match "$out" "allow-unbootable" "rescue documents --allow-unbootable"

# The user insists: written, and reported as not booting.
st=$(state insist)
expect_exit 1 "rescue --allow-unbootable of an application without bootloader" -- \
  run "$st" --json rescue --yes --allow-unbootable --write "$fw/klipper_app_$chip.bin" "$app"
expect_eq "$(json "$out" '(j["ok"], j["written"], j["verified"], j["boot"]["runs"])')" \
  "(False, True, True, False)" "written on insistence, said not to boot"

# A good image goes through.
st=$(state rescue_ok --option rdp=1 --load "$fw/random_$chip.bin@0x08000000")
expect_exit 0 "rescue --yes --write Katapult at RDP 1" -- \
  run "$st" --json rescue --yes --write "$fw/katapult_$chip.bin"
expect_eq "$(json "$out" '(j["ok"], j["unlocked"], j["written"], j["boot"]["runs"])')" \
  "(True, True, True, True)" "rescue of a good image"

# ---- write: raw binaries are never placed silently ------------------------------
st=$(state write_linked)
expect_exit 0 "write of an application linked for $app, without an address" -- \
  run "$st" write "$fw/klipper_app_$chip.bin"
expect_match "$err" "no address given.*flash base 0x08000000" "says where it goes and why"
expect_match "$err" "linked for $app" "warns that it was linked elsewhere"
expect_exit 0 "write --json of random data" -- run "$st" --json write "$fw/random_$chip.bin"
expect_eq "$(json "$out" 'j["address_from"]')" default "address from the default"
expect_match "$(json "$out" '" | ".join(w["code"] + ": " + w["message"] for w in j["warnings"])')" \
  "not_a_program: .*not a program" "random data warned"
expect_exit 0 "write --json at its own address" -- \
  run "$st" --json write "$fw/klipper_app_$chip.bin" "$app"
expect_eq "$(json "$out" '(j["address_from"], [w for w in j["warnings"] if w["code"] != "log"])')" \
  "('command line', [])" \
  "no warning at its own address"

finish
