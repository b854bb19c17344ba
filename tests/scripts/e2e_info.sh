#!/bin/sh
# swdflash info against swdsim: every simulated probe personality in every
# connect mode on the F103C8 and F446RE (the other simulated chips through
# every probe in auto mode); then the swd-disabled and nrst-not-wired
# scenarios.
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

chip_name() {
  case $1 in
    stm32f103c8) echo "STM32F10x medium density" ;;
    stm32f103re) echo "STM32F10x high density" ;;
    stm32f446*) echo "STM32F446xC/E" ;;
    stm32f407*) echo "STM32F405/F407/F415/F417" ;;
    stm32f429*) echo "STM32F427/F429/F437/F439" ;;
  esac
}

chip_flash() {
  case $1 in
    stm32f103c8) echo 65536 ;;
    stm32f103re | stm32f446*) echo 524288 ;;
    stm32f407*) echo 1048576 ;;
    stm32f429*) echo 2097152 ;;
  esac
}

probes=$("$sim" probes | awk '{print $1}')
chips=$("$sim" chips | awk '$1 ~ /^stm32f103c8$|^stm32f103re$|^stm32f4(46|07|29)/ {print $1}')
[ -n "$probes" ] || fail "swdsim lists no probes"
echo "$chips" | grep -q '^stm32f103c8$' || fail "swdsim does not simulate the F103C8"

for chip in $chips; do
  modes=auto
  case $chip in stm32f103c8 | stm32f446*) modes="normal hot-plug under-reset auto" ;; esac
  for probe in $probes; do
    for mode in $modes; do
      what="info on $chip through $probe, --connect $mode"
      expect_exit 0 "$what" -- "$sim" run --chip "$chip" --probe "$probe" -- \
        "$cli" --json --connect "$mode" info
      expect_match "$out" "\"name\":\"$(chip_name "$chip")\"" "$what: chip name"
      expect_match "$out" "\"flash\":\\{\"base\":\"0x08000000\",\"size\":$(chip_flash "$chip")," \
        "$what: flash size"
      want_mode=$mode
      [ "$mode" = auto ] && want_mode=normal
      expect_match "$out" "\"mode\":\"$want_mode\"" "$what: mode used"
      expect_match "$out" "\"rdp_level\":0" "$what: protection level"
    done
  done
done

scenario_chips=$(echo "$chips" | grep -E '^stm32f103c8$|^stm32f446')

# Firmware in flash, for the scenarios that need it to run: a vector table
# (stack at 0x20005000, reset handler at 0x08000008) and "b .".
printf '\000\120\000\040\011\000\000\010\376\347\376\347' >"$tmp/fw.bin"

for chip in $scenario_chips; do
  "$sim" state init "$tmp/state.bin" --chip "$chip" --load "$tmp/fw.bin@0x08000000" ||
    fail "cannot create a state for $chip"

  # The firmware turns SWD off: only under reset gets in.
  for mode in normal hot-plug; do
    cp "$tmp/state.bin" "$tmp/run.bin"
    expect_exit 4 "swd-disabled, $chip, --connect $mode" -- "$sim" run --chip "$chip" \
      --state "$tmp/run.bin" --scenario swd-disabled -- "$cli" --connect "$mode" info
    expect_match "$err" "error: .*(no answer|IDCODE)" "swd-disabled, $mode: says nothing answers"
    expect_match "$err" "under-reset" "swd-disabled, $mode: suggests --connect under-reset"
  done
  cp "$tmp/state.bin" "$tmp/run.bin"
  expect_exit 0 "swd-disabled, $chip, --connect under-reset" -- "$sim" run --chip "$chip" \
    --state "$tmp/run.bin" --scenario swd-disabled -- "$cli" --connect under-reset info
  expect_match "$out" "connection: +under-reset" "swd-disabled, under-reset: mode shown"
  expect_match "$out" "chip: +$(chip_name "$chip")" "swd-disabled, under-reset: chip"
  cp "$tmp/state.bin" "$tmp/run.bin"
  expect_exit 0 "swd-disabled, $chip, --connect auto" -- "$sim" run --chip "$chip" \
    --state "$tmp/run.bin" --scenario swd-disabled -- "$cli" info
  expect_match "$out" "connection: +under-reset" "swd-disabled, auto: falls back to under-reset"
  expect_match "$err" "normal connect failed.*connected under reset" \
    "swd-disabled, auto: says which mode worked"
  cp "$tmp/state.bin" "$tmp/run.bin"
  expect_exit 0 "swd-disabled, $chip, auto, JSON" -- "$sim" run --chip "$chip" \
    --state "$tmp/run.bin" --scenario swd-disabled -- "$cli" --json info
  expect_match "$out" '"mode":"under-reset","freq_khz":[0-9]+,"requested_freq_khz":null,"note":"normal connect failed' \
    "swd-disabled, auto, JSON: mode and note"

  # NRST does nothing: under reset fails and says why; the others work.
  expect_exit 4 "nrst-not-wired, $chip, --connect under-reset" -- "$sim" run --chip "$chip" \
    --state "$tmp/state.bin" --scenario nrst-not-wired -- "$cli" --connect under-reset info
  expect_match "$err" "NRST seems unconnected" "nrst-not-wired: the error names NRST"
  expect_match "$err" "hint: .*NRST" "nrst-not-wired: the hint says to wire NRST"
  for mode in normal hot-plug auto; do
    expect_exit 0 "nrst-not-wired, $chip, --connect $mode" -- "$sim" run --chip "$chip" \
      --state "$tmp/state.bin" --scenario nrst-not-wired -- "$cli" --connect "$mode" info
  done

  # Both: no way in, and the message says what to check.
  cp "$tmp/state.bin" "$tmp/run.bin"
  expect_exit 4 "swd-disabled and nrst-not-wired, $chip" -- "$sim" run --chip "$chip" \
    --state "$tmp/run.bin" --scenario swd-disabled --scenario nrst-not-wired -- "$cli" info
  expect_match "$err" "hint: .*NRST" "swd-disabled and nrst-not-wired: NRST in the hint"
done

# A chip database directory adds or replaces chips without a rebuild.
mkdir "$tmp/chips"
printf '[stm32f1-md]\ninherit = stm32f1-md\nname = Board-specific F103\n' >"$tmp/chips/mine.chip"
expect_exit 0 "SWDFLASH_CHIPDB" -- env SWDFLASH_CHIPDB="$tmp/chips" "$sim" run -- "$cli" info
expect_match "$out" "chip: +Board-specific F103" "SWDFLASH_CHIPDB: the entry from the directory"
printf 'nonsense\n' >"$tmp/chips/bad.chip"
expect_exit 1 "SWDFLASH_CHIPDB with a broken file" -- \
  env SWDFLASH_CHIPDB="$tmp/chips" "$sim" run -- "$cli" info
expect_match "$err" "bad.chip:1:" "a broken chip file is named with its line"

# Nothing at the other end of the wires.
expect_exit 4 "no-target" -- "$sim" run --chip stm32f103c8 --scenario no-target -- "$cli" info
expect_match "$err" "error: .*(target voltage|no answer|IDCODE)" "no-target: message"
expect_match "$err" "hint: " "no-target: a hint"

finish
