#!/bin/sh
# swdflash read against swdsim: 64 KiB of flash equals `swdsim state dump`,
# through every probe personality; standard output, Intel HEX, unaligned
# ranges, RAM, read protection and unmapped memory.
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

random_flash_state "$sim" "$tmp/state.bin"
"$sim" state dump "$tmp/state.bin" 0x08000000 65536 "$tmp/dump.bin" ||
  fail "swdsim state dump failed"
cmp -s "$tmp/dump.bin" "$tmp/image.bin" || fail "the state does not hold the image"

run() { # run PROBE ARGS...: swdflash under the simulator with the state
  probe=$1
  shift
  "$sim" run --chip stm32f103c8 --probe "$probe" --state "$tmp/state.bin" -- "$cli" "$@"
}

for probe in $("$sim" probes | awk '{print $1}'); do
  rm -f "$tmp/out.bin"
  expect_exit 0 "read 64 KiB through $probe" -- run "$probe" read 0x08000000 64K "$tmp/out.bin"
  if cmp -s "$tmp/out.bin" "$tmp/dump.bin"; then pass; else fail "$probe: read differs from the dump"; fi
done

# The F446 (and any other F4 the simulator has) reads the same way.
for chip in $("$sim" chips | awk '$1 ~ /^stm32f4/ {print $1}'); do
  "$sim" state init "$tmp/f4.bin" --chip "$chip" --load "$tmp/image.bin@0x08000000" ||
    fail "cannot create a $chip state"
  "$sim" state dump "$tmp/f4.bin" 0x08000000 65536 "$tmp/f4_dump.bin" || fail "$chip dump failed"
  rm -f "$tmp/f4_out.bin"
  expect_exit 0 "read 64 KiB of $chip" -- "$sim" run --chip "$chip" --state "$tmp/f4.bin" -- \
    "$cli" read 0x08000000 64K "$tmp/f4_out.bin"
  if cmp -s "$tmp/f4_out.bin" "$tmp/f4_dump.bin"; then pass; else fail "$chip: read differs"; fi
done

expect_exit 0 "read to standard output" -- run v2 -q read 0x08000000 0x10000 -
run v2 -q read 0x08000000 0x10000 - >"$tmp/stdout.bin"
if cmp -s "$tmp/stdout.bin" "$tmp/dump.bin"; then pass; else fail "standard output differs"; fi

# Any alignment and length.
expect_exit 0 "unaligned read" -- run v2 read 0x08000403 13 "$tmp/odd.bin"
dd if="$tmp/dump.bin" of="$tmp/odd_ref.bin" bs=1 skip=1027 count=13 2>/dev/null
if cmp -s "$tmp/odd.bin" "$tmp/odd_ref.bin"; then pass; else fail "unaligned read differs"; fi

# Intel HEX: extended linear address, 16-byte data records, end record.
expect_exit 0 "read as Intel HEX" -- run v2 read --format hex 0x08000000 64K "$tmp/out.hex"
expect_match "$(head -n 1 "$tmp/out.hex")" '^:020000040800F2$' "HEX: extended linear address"
expect_match "$(tail -n 1 "$tmp/out.hex")" '^:00000001FF$' "HEX: end record"
records=$(grep -c '^:10' "$tmp/out.hex")
[ "$records" -eq 4096 ] && pass || fail "HEX: $records data records, expected 4096"
second=$(sed -n 3p "$tmp/out.hex" | cut -c10-41)
want=$(dd if="$tmp/dump.bin" bs=1 skip=16 count=16 2>/dev/null | od -An -v -tx1 | tr -d ' \n' |
  tr 'a-f' 'A-F')
[ "$second" = "$want" ] && pass || fail "HEX: record at 0x08000010 holds $second, not $want"
run v2 -q read 0x08000000 32 "$tmp/auto.hex"
expect_match "$(head -n 1 "$tmp/auto.hex")" '^:02000004' "a .hex file name selects Intel HEX"
expect_exit 2 "unknown format" -- run v2 read --format srec 0x08000000 4 "$tmp/x"

# RAM is memory too; nothing is mapped at 0x60000000.
expect_exit 0 "read RAM" -- run v2 read 0x20000000 20K "$tmp/ram.bin"
[ "$(wc -c <"$tmp/ram.bin")" -eq 20480 ] && pass || fail "RAM read has the wrong size"
rm -f "$tmp/none.bin"
expect_exit 1 "read unmapped memory" -- run v2 read 0x60000000 16 "$tmp/none.bin"
expect_match "$err" "error: .*0x60000000" "unmapped: names the address"
[ ! -e "$tmp/none.bin" ] && pass || fail "a failed read left a file behind"

# Read protection: a clear error, exit 5, and what unlock does.
"$sim" state init "$tmp/rdp.bin" --chip stm32f103c8 --load "$tmp/image.bin@0x08000000" \
  --option rdp=1 || fail "cannot create the RDP state"
expect_exit 5 "read under RDP level 1" -- "$sim" run --chip stm32f103c8 --state "$tmp/rdp.bin" \
  -- "$cli" read 0x08000000 64K "$tmp/rdp_out.bin"
expect_match "$err" "read protection level 1" "RDP: says protection is active"
expect_match "$err" "swdflash unlock.*erase" "RDP: explains what unlock will do"
expect_exit 0 "info under RDP level 1" -- "$sim" run --chip stm32f103c8 --state "$tmp/rdp.bin" \
  -- "$cli" info
expect_match "$out" "protection: +level 1" "RDP: info shows the level in words"

# Long reads keep several commands in flight (pipelined through the probe);
# the bytes must be the same through either probe. How fast that is lives in
# bench/run, not here.
head -c 262144 /dev/urandom >"$tmp/random256k.bin"
"$sim" state init "$tmp/random.bin" --chip stm32f446re --load "$tmp/random256k.bin@0x08000000" \
  >/dev/null || fail "state init with a random 256 KiB image"
for probe in v2 v3; do
  expect_exit 0 "read 256 KiB through $probe" -- "$sim" run --probe "$probe" --state "$tmp/random.bin" \
    -- "$cli" -q read 0x08000000 256K "$tmp/big_$probe.bin"
  if cmp -s "$tmp/big_$probe.bin" "$tmp/random256k.bin"; then
    pass
  else
    fail "pipelined 256 KiB read through $probe differs from the image in the chip"
  fi
done

finish
