#!/bin/sh
# The command-line tool knows no chip family: what a family needs (boot
# rules, DFU, option writers) is library data reached through the public
# API. Fails when a source file under cli/ names a family, a flash driver,
# or decides by the device ID or family field.
# Usage: cli_names_no_family.sh CLI_SOURCE_DIR
dir=$1
. "$(dirname "$0")/lib.sh"
check() {
  what=$1
  pattern=$2
  hits=$(grep -nE $3 "$pattern" "$dir"/*.c "$dir"/*.h)
  if [ -n "$hits" ]; then
    fail "cli/ $what:
$hits"
  else
    pass
  fi
}
# Family and driver names: "f1" or "stm32g0" as strings, STM32F4 or G0 as words.
check "names a chip family or flash driver" \
  '"(stm32)?(f[0-7]|g[0-4]|h[57]|l[0-5]|c0|u5)"|stm32[a-z][0-9]' -i
check "names a chip family" '(^|[^A-Za-z0-9_])(F[0-7]|G[0-4]|H[57]|L[0-5])([0-9x]*)([^A-Za-z0-9_]|$)'
# Decisions by identity: comparing the device ID or the family field.
check "decides by the device ID" 'dev_id[[:space:]]*([!=<>]=|[<>])|[!=<>]=[[:space:]]*[a-z_.>-]*dev_id' -i
check "decides by the family or driver field" \
  'strn?cmp[[:space:]]*\([^)]*(family|driver)|(family|driver)[[:space:]]*\[[[:space:]]*0[[:space:]]*\][[:space:]]*[!=]=' -i
finish
