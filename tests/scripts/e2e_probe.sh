#!/bin/sh
# Probes and resets against swdsim: listing, serial numbers (binary clone
# serials as hex), choosing a probe, probes found in DFU/SWIM/debug modes,
# and `swdflash reset` in its three kinds.
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

two="--probe v2 --probe v3:V3SERIAL0000000000000001"

expect_exit 0 "list two probes" -- "$sim" run $two -- "$cli" list
expect_match "$out" "^SERIAL +KIND +FIRMWARE +TARGET" "list: header"
# The V2's serial descriptor is 12 binary bytes: shown as 24 hex digits.
expect_match "$out" "^55FF6B064978515430141887 +V2 +V2J37S7 +3\.30 V" "list: the V2 line"
expect_match "$out" "^V3SERIAL0000000000000001 +V3 +V3J7M3B2S1 +3\.30 V" "list: the V3 line"
expect_exit 0 "list --json" -- "$sim" run $two -- "$cli" --json list
expect_match "$out" '^\{"ok":true,"command":"list","probes":\[\{"serial":"55FF6B064978515430141887","kind":"V2"' \
  "list --json: first probe"
expect_match "$out" '"firmware":"V3J7M3B2S1","target_voltage":3\.3' "list --json: V3 firmware"

# The chip behind each probe, read without halting or resetting it.
expect_exit 0 "list with the chips" -- "$sim" run $two -- "$cli" list
expect_match "$out" "^55FF6B064978515430141887 +V2 +V2J37S7 +3\.30 V +STM32F10x medium density +STM32 STLink" \
  "list: the chip behind the V2"
expect_exit 0 "list --json: chips" -- "$sim" run $two -- "$cli" --json list
expect_match "$out" '"busy":false,"chip":\{"id":"stm32f1-md","name":"STM32F10x medium density"' \
  "list --json: the chip behind a probe"
expect_exit 0 "list without a target" -- "$sim" run $two --scenario no-target -- "$cli" list
expect_match "$out" "^V3SERIAL0000000000000001 +V3 +V3J7M3B2S1 +[0-9.]+ V +- +STLINK-V3" \
  "list: no chip behind the probe is no error"
# --serial: the whole serial in any case, or a unique beginning of one; list
# keeps only the probes it names.
expect_exit 0 "list --serial PREFIX" -- "$sim" run $two -- "$cli" --serial v3 list
expect_match "$out" "^V3SERIAL0000000000000001 " "list --serial: the V3"
case $out in *55FF6B064978515430141887*) fail "list --serial v3 shows the V2: $out" ;; *) pass ;; esac
expect_exit 3 "list --serial NOSUCH" -- "$sim" run $two -- "$cli" --serial NOSUCH list
expect_match "$err" "no probe with serial number NOSUCH" "list --serial NOSUCH says so"
expect_exit 3 "list --json --serial NOSUCH" -- "$sim" run $two -- "$cli" --json --serial NOSUCH list
expect_match "$out" '"code":"SWDF_ERR_NO_PROBE"' "list --json --serial NOSUCH: the error"
expect_exit 0 "info --serial PREFIX" -- "$sim" run $two -- "$cli" --serial v3s info
expect_match "$out" "^probe: .*V3SERIAL0000000000000001" "a unique prefix chooses the probe"
expect_exit 3 "an ambiguous prefix" -- \
  "$sim" run --probe v2 --probe v2:55FF00000000000000000001 -- "$cli" --serial 55ff info
expect_match "$err" "2 probes have serial numbers that begin with 55ff" "ambiguous prefix named"

# --freq says which clock the probe actually runs.
expect_exit 0 "--freq the probe offers" -- "$sim" run -- "$cli" --freq 1800 reset
expect_match "$err" "^swdflash: SWD clock 1800 kHz$" "--freq: the clock used"
expect_exit 0 "--freq the probe does not offer" -- "$sim" run -- "$cli" --freq 24M reset
expect_match "$err" "^swdflash: SWD clock 4000 kHz \(asked for 24000 kHz: the nearest" \
  "--freq: the clock used and the one asked for"

expect_exit 3 "two probes and no serial" -- "$sim" run $two -- "$cli" info
expect_match "$err" "2 probes are connected: 55FF6B064978515430141887 .*V3SERIAL0000000000000001" \
  "ambiguity lists the probes"
expect_match "$err" "hint: .*--serial" "ambiguity hint"
expect_exit 0 "choose by serial" -- "$sim" run $two -- "$cli" --serial v3serial0000000000000001 info
expect_match "$out" "^probe: .*V3SERIAL0000000000000001, firmware V3J7M3B2S1" "chosen probe used"
expect_exit 3 "unknown serial" -- "$sim" run $two -- "$cli" --serial 0123 info
expect_match "$err" "no probe with serial number 0123" "unknown serial message"

for mode in dfu debug swim bootloader mass-storage; do
  expect_exit 0 "probe found in $mode mode" -- "$sim" run --probe "v2::$mode" -- "$cli" info
  expect_match "$out" "chip: +STM32F10x medium density" "$mode mode: chip identified"
done

# Resets. Without state the chip has no firmware; with NRST not wired a
# hard reset falls back to a software reset and says so.
for kind in hard soft halt; do
  expect_exit 0 "reset --$kind" -- "$sim" run -- "$cli" reset --"$kind"
done
expect_exit 0 "reset (default)" -- "$sim" run -- "$cli" --json reset
expect_match "$out" '"reset":"hard","requested":"hard","fallback":null,"core":"locked up"' \
  "reset JSON: the reset done and the core's state (no firmware: locked up)"
expect_match "$out" '"halted":false' "reset JSON: not halted"
expect_exit 0 "reset --halt, JSON" -- "$sim" run -- "$cli" --json reset --halt
expect_match "$out" '"halted":true' "reset --halt leaves the core halted"
expect_exit 0 "hard reset without NRST" -- "$sim" run --scenario nrst-not-wired -- "$cli" reset
expect_match "$err" "NRST seems not to be connected.*software reset" "NRST fallback is announced"

finish
