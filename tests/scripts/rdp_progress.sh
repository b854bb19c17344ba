#!/bin/sh
# Progress during a read protection regression: `unlock` of a level 1 chip
# makes the chip erase its whole flash, which it does on its own for up to
# seconds with nothing to show; on a terminal one "erasing" bar advances
# with the time elapsed against the datasheet time, never goes backwards and
# ends at 100%. Without a terminal there is no bar.
# usage: rdp_progress.sh SWDSIM SWDFLASH CHIP
sim=$1
cli=$2
chip=$3
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
head -c 4096 /dev/urandom >"$tmp/fw.bin"
# erased STATE WHAT: the first 4 KiB of the flash read erased.
erased() {
  "$sim" state dump "$1" 0x08000000 4096 "$tmp/dump.bin" || fail "dump $1"
  if [ "$(od -An -tx1 -v "$tmp/dump.bin" | tr -d ' \n' | tr -d f)" = "" ]; then pass; else fail "$2"; fi
}

st=$tmp/rdp1.st
"$sim" state init "$st" --chip "$chip" --option rdp=1 --load "$tmp/fw.bin@0x08000000" >/dev/null || fail "state init"
tty_run "$tmp/tty.txt" "$sim" run --chip "$chip" --state "$st" -- "$cli" unlock --yes
b=$(bars "$tmp/tty.txt")
expect_match "$b" "^erasing ([0-9]+ )+100 (no)?rate$" "an erasing bar that ends at 100%"
steps=$(printf '%s\n' "$b" | awk '/^erasing/ { n = 0; for (i = 2; i < NF; i++) if ($i > 0 && $i < 100) n++; print n }')
if [ "${steps:-0}" -ge 2 ]; then pass; else fail "the bar did not advance while the chip erased: $b"; fi
bad=$(monotonic "$b")
[ -z "$bad" ] && pass || fail "unlock: $bad"
expect_eq "$(printf '%s\n' "$b" | grep -c .)" 1 "one bar for the whole erase"
expect_match "$(cat "$tmp/tty.txt")" "read protection: level 0" "unlock finished"
erased "$st" "the regression erased the flash"

# Not on a terminal: the same job without a bar.
"$sim" state init "$st" --chip "$chip" --option rdp=1 --load "$tmp/fw.bin@0x08000000" >/dev/null || fail "state init"
expect_exit 0 "unlock --yes without a terminal" -- \
  "$sim" run --chip "$chip" --state "$st" -- "$cli" unlock --yes
case $err in *"erasing "*"%"*) fail "a bar without a terminal: $err" ;; *) pass ;; esac

finish
