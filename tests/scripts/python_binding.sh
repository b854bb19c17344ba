#!/bin/sh
# The Python binding (python/swdflash) against swdsim: the cases of
# tests/python/test_binding.py on a simulated F446 (write, read back and
# check a Katapult-like image; options; cancelling; read protection level 1
# as an exception with its hint; the boot configuration), each judged also by
# the chip's state file, and on a simulated G0B1 (its boot configuration and
# the repair it proposes).
# Usage: python_binding.sh SWDSIM LIBSWDFLASH PYTHON_DIR TEST_BINDING_PY
. "$(dirname "$0")/lib.sh"
sim=$1
lib=$2
pydir=$3
test_py=$4
need_simulator "$sim"
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is not installed"
  exit 77
fi
SWDFLASH_LIBRARY=$lib
PYTHONPATH=$pydir${PYTHONPATH:+:$PYTHONPATH}
PYTHONDONTWRITEBYTECODE=1
export SWDFLASH_LIBRARY PYTHONPATH PYTHONDONTWRITEBYTECODE

# The binding alone: importing it loads the library (under swdsim, which
# preloads the sanitizer runtimes an instrumented build needs).
got=$("$sim" run -- python3 -c 'import swdflash; print(swdflash.version())' 2>&1)
expect_match "$got" "^[0-9]+\.[0-9]+\.[0-9]+$" "import swdflash loads the library"

st=$tmp/f446.state
"$sim" state init "$st" --chip stm32f446re >/dev/null || fail "state init"
out=$("$sim" run --chip stm32f446re --state "$st" -- python3 "$test_py" write "$tmp/katapult.bin" 2>&1)
expect_match "$out" "^write: [0-9]+ checks, 0 failed$" "the write case passes: $out"
# The state file, read without any client, holds what the binding wrote.
"$sim" state dump "$st" 0x08000000 8192 "$tmp/dumped.bin" >/dev/null 2>&1 ||
  fail "swdsim state dump"
if cmp -s "$tmp/katapult.bin" "$tmp/dumped.bin"; then pass; else
  fail "the chip's flash does not hold the image the binding wrote"; fi
opts=$("$sim" state show "$st" --json)
expect_match "$opts" '"wdg_sw": *"?(0|hardware)' "the state has the option the binding wrote"

rdp=$tmp/rdp1.state
"$sim" state init "$rdp" --chip stm32f446re --option rdp=1 --load "$tmp/katapult.bin@0x08000000" \
  >/dev/null || fail "state init at RDP 1"
out=$("$sim" run --chip stm32f446re --state "$rdp" -- python3 "$test_py" rdp1 2>&1)
expect_match "$out" "^rdp1: [0-9]+ checks, 0 failed$" "the RDP 1 case passes: $out"

g0=$tmp/g0.state
"$sim" state init "$g0" --chip stm32g0b1re >/dev/null || fail "state init G0"
out=$("$sim" run --chip stm32g0b1re --state "$g0" -- python3 "$test_py" g0 2>&1)
expect_match "$out" "^g0: [0-9]+ checks, 0 failed$" "the G0 boot configuration case passes: $out"

out=$("$sim" run --chip stm32f446re -- python3 "$test_py" errors "$tmp" 2>&1)
expect_match "$out" "^errors: [0-9]+ checks, 0 failed$" "the error case passes: $out"
finish
