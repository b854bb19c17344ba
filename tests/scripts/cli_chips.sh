#!/bin/sh
# swdflash chips: the chip database without a probe, filtered by a part of
# the id or name, as text and as JSON, with the chips of SWDFLASH_CHIPDB.
# Usage: cli_chips.sh SWDFLASH
. "$(dirname "$0")/lib.sh"
cli=$1

expect_exit 0 "chips lists the database" -- "$cli" chips
expect_match "$out" "^ID +DEV_ID +FLASH +RAM +NAME$" "a header line"
expect_match "$out" "^stm32f4-446 +0x421 +512 KiB +128 KiB +STM32F446xC/E$" "the F446 line"
expect_match "$out" "^stm32g0-0bx " "the G0B1 line"
expect_match "$out" "^gd32f30x-hd " "clone parts are listed"
expect_exit 0 "chips F446 filters" -- "$cli" chips F446
expect_match "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" "^1$" "one chip names F446"
expect_exit 0 "chips with no match" -- "$cli" chips no-such-part
expect_match "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "^1$" "only the header"
expect_exit 2 "chips takes one pattern" -- "$cli" chips f4 f1

expect_exit 0 "--json chips" -- "$cli" --json chips 446
got=$(printf '%s' "$out" | python3 -c 'import json, sys
j = json.load(sys.stdin)
c = j["chips"]
print(j["ok"], len(c), c[0]["id"], c[0]["dev_id"], c[0]["flash_size"], c[0]["ram_size"])')
expect_match "$got" "^True 1 stm32f4-446 0x421 524288 131072$" "the JSON listing: $out"

# Chips of SWDFLASH_CHIPDB are listed too (what completions offer).
mkdir "$tmp/chips"
cat >"$tmp/chips/mine.chip" <<'EOC'
[stm32f4-testpart]
inherit = stm32f4-446
name = STM32F4 test part
dev_id = 0x4AB
flash_max = 256K
EOC
expect_exit 0 "chips with SWDFLASH_CHIPDB" -- env SWDFLASH_CHIPDB="$tmp/chips" "$cli" chips testpart
expect_match "$out" "^stm32f4-testpart +0x4AB +256 KiB +128 KiB +STM32F4 test part$" "the extra chip"
echo "[broken" >"$tmp/chips/bad.chip"
expect_exit 1 "a chip file that does not parse" -- env SWDFLASH_CHIPDB="$tmp/chips" "$cli" chips
expect_match "$err" "bad.chip" "the error names the file"
finish
