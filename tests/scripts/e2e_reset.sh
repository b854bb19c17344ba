#!/bin/sh
# swdflash reset reports the reset that was done (a hard reset without NRST
# falls back to a software reset, and says why) and what the core did
# afterwards, observed without halting it: running, sleeping, locked up
# (erased flash), in a fault handler, halted (--halt). Text and JSON.
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

# Tiny programs: a vector table (SP, reset, NMI, HardFault...) and code at
# 0x40. "loop": the reset handler spins (b .). "fault": it executes an
# undefined instruction (udf) and the HardFault handler spins.
python3 - "$tmp" <<'PY'
import struct, sys
def image(reset, handler, code):
    v = [0x20005000, reset] + [handler] * 14
    return struct.pack('<16I', *v) + code
loop = image(0x08000041, 0x08000041, struct.pack('<HH', 0xE7FE, 0xBF00))
fault = image(0x08000041, 0x08000045, struct.pack('<HHHH', 0xDE00, 0xBF00, 0xE7FE, 0xBF00))
open(sys.argv[1] + '/loop.bin', 'wb').write(loop)
open(sys.argv[1] + '/fault.bin', 'wb').write(fault)
PY
"$sim" state init "$tmp/erased.st" --chip stm32f103c8 >/dev/null || fail "state init (erased)"
"$sim" state init "$tmp/loop.st" --chip stm32f103c8 --load "$tmp/loop.bin@0x08000000" \
  >/dev/null || fail "state init (loop)"
"$sim" state init "$tmp/fault.st" --chip stm32f103c8 --load "$tmp/fault.bin@0x08000000" \
  >/dev/null || fail "state init (fault)"

run() { # run STATE [--scenario S] -- ARGS...
  state=$1
  shift
  sim_opts=""
  while [ "$1" != "--" ]; do
    sim_opts="$sim_opts $1"
    shift
  done
  shift
  # shellcheck disable=SC2086
  "$sim" run --chip stm32f103c8 --state "$state" $sim_opts -- "$cli" "$@"
}

json_field() { # json_field JSON KEY: the value of a top-level key
  printf '%s' "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("null" if v is None else v)' "$2"
}

# Erased flash: the core locks up; never "the firmware is running".
expect_exit 0 "reset with erased flash" -- run "$tmp/erased.st" -- reset
expect_match "$out" "^hard reset \(NRST\)" "erased: the reset done"
expect_match "$out" "core: locked up" "erased: the core locked up"
printf '%s' "$out" | grep -q "running" && fail "erased: says something runs: $out" || pass
expect_exit 0 "reset --json with erased flash" -- run "$tmp/erased.st" -- --json reset
[ "$(json_field "$out" core)" = "locked up" ] && pass || fail "erased JSON: $out"
[ "$(json_field "$out" reset)" = "hard" ] && pass || fail "erased JSON reset: $out"

# A valid program runs.
expect_exit 0 "reset with a program" -- run "$tmp/loop.st" -- reset
expect_match "$out" "core: running" "program: the core runs"
expect_exit 0 "reset --json with a program" -- run "$tmp/loop.st" -- --json reset
[ "$(json_field "$out" core)" = "running" ] && pass || fail "program JSON: $out"
[ "$(json_field "$out" fallback)" = "null" ] && pass || fail "program JSON fallback: $out"

# NRST not wired: a software reset, reported as such, with the reason.
expect_exit 0 "reset --hard without NRST" -- run "$tmp/loop.st" --scenario nrst-not-wired -- \
  reset --hard
expect_match "$out" "^software reset \(SYSRESETREQ\) instead of a hard reset: NRST" \
  "no NRST: says a software reset was done and why"
expect_match "$out" "core: running" "no NRST: the core runs"
expect_exit 0 "reset --hard --json without NRST" -- run "$tmp/loop.st" \
  --scenario nrst-not-wired -- --json reset --hard
[ "$(json_field "$out" reset)" = "soft" ] && pass || fail "no NRST JSON reset: $out"
[ "$(json_field "$out" requested)" = "hard" ] && pass || fail "no NRST JSON requested: $out"
expect_match "$(json_field "$out" fallback)" "NRST" "no NRST JSON: the reason"
expect_exit 0 "reset --hard without NRST, erased" -- run "$tmp/erased.st" \
  --scenario nrst-not-wired -- --json reset --hard
[ "$(json_field "$out" reset)" = "soft" ] && pass || fail "no NRST, erased: $out"
[ "$(json_field "$out" core)" = "locked up" ] && pass || fail "no NRST, erased core: $out"

# A program that faults: seen in its HardFault handler, without halting it.
expect_exit 0 "reset with a faulting program" -- run "$tmp/fault.st" -- --json reset
[ "$(json_field "$out" core)" = "in a fault handler" ] && pass || fail "fault JSON: $out"
[ "$(json_field "$out" exception)" = 3 ] && pass || fail "fault: HardFault is exception 3: $out"
expect_exit 0 "reset (text) with a faulting program" -- run "$tmp/fault.st" -- reset
expect_match "$out" "HardFault handler" "fault: names the handler"

# --halt: halted at the reset vector; --soft: a software reset.
expect_exit 0 "reset --halt" -- run "$tmp/loop.st" -- --json reset --halt
[ "$(json_field "$out" core)" = "halted" ] && pass || fail "halt JSON: $out"
[ "$(json_field "$out" halted)" = "True" ] && pass || fail "halt JSON halted: $out"
expect_exit 0 "reset --soft" -- run "$tmp/loop.st" -- reset --soft
expect_match "$out" "^software reset \(SYSRESETREQ\)$" "soft: the reset done, no fallback"

# Firmware that sleeps (Stop mode) is seen sleeping.
expect_exit 0 "reset with sleeping firmware" -- run "$tmp/loop.st" --scenario sleep -- reset
expect_match "$out" "core: sleeping" "sleep: the core sleeps"

finish
