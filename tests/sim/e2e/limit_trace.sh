#!/bin/sh
# swdsim limit (the physical limit of timing model section 6) and
# swdsim run --trace (one line per USB transfer), from the command line.
swdsim=$1
swdflash=$2
. "$(dirname "$0")/../../scripts/lib.sh"
. "$(dirname "$0")/peer.sh"

expect_exit 0 "help limit" -- "$swdsim" help limit
expect_match "$out" "^usage: swdsim limit" "limit help synopsis"
expect_match "$out" "--state FILE  the chip's flash before the write" "limit help names --state"
expect_match "$out" "default: an erased" "limit help says the default is an erased chip"
expect_exit 0 "main help" -- "$swdsim" --help
expect_match "$out" "^  limit " "main help lists limit"

# an erased chip: 131072 half-words x 52.5 us, in microseconds
expect_exit 0 "write limit" -- "$swdsim" limit --chip stm32f103re --bytes 256K
expect_equal "$out" "6881280" "F103RE 256 KiB write limit to an erased chip"
# over other data (--state): the 128 pages x 40 ms are erased first
head -c 262144 /dev/zero > "$tmp/zeros.bin"
expect_exit 0 "state with data" -- "$swdsim" state init "$tmp/old.state" --chip stm32f103re \
  --load "$tmp/zeros.bin@0x08000000"
expect_exit 0 "write limit over data" -- "$swdsim" limit --state "$tmp/old.state" --bytes 256K --json
expect_match "$out" '"limit_us": 12001280,' "F103RE 256 KiB write limit over data"
expect_match "$out" '"chip": "stm32f103re",' "the chip comes from the state file"
expect_match "$out" '"from": "state",' "the JSON says the flash came from the state"
expect_match "$out" '"erase_units": 128,' "128 pages must be erased"
# the second half of the flash is blank: a write there erases nothing
expect_exit 0 "write limit on blank pages" -- "$swdsim" limit --state "$tmp/old.state" \
  --addr 0x08040000 --bytes 256K
expect_equal "$out" "6881280" "blank pages of a state file are not erased"
expect_exit 2 "state of another chip" -- "$swdsim" limit --state "$tmp/old.state" --chip stm32f446re
expect_match "$err" "holds a stm32f103re, not a stm32f446re" "chip mismatch message"
# 65536 words x 48 cycles at 4 MHz; USB is faster
expect_exit 0 "read limit" -- "$swdsim" limit --chip stm32f446re --op read --bytes 0x40000 --khz 4000
expect_equal "$out" "786432" "F446RE 256 KiB read limit at 4 MHz"
expect_exit 0 "json" -- "$swdsim" limit --chip stm32f446re --probe v3 --op mass-erase --json
expect_match "$out" '"limit_us": 4550000,' "F446RE: its sectors erase faster than a mass erase"
expect_match "$out" '"bound": "flash"' "the bound is named"

expect_exit 2 "limit without chip" -- "$swdsim" limit --bytes 1K
expect_match "$err" "--chip is required" "missing chip message"
expect_exit 2 "limit outside flash" -- "$swdsim" limit --chip stm32f103c8 --bytes 65K
expect_match "$err" "not inside the 64 KiB flash" "range message"
expect_exit 2 "limit bad op" -- "$swdsim" limit --chip stm32f103c8 --op melt
expect_match "$err" "write, read or mass-erase" "op message"
expect_exit 2 "limit unknown probe" -- "$swdsim" limit --chip stm32f103c8 --probe v9
expect_match "$err" "unknown probe 'v9'" "probe message"

# The trace accounts for the run: one line per transfer of the report; the
# bus carries one transfer at a time, so idle and USB times add up to no more
# than the virtual time (probe time may overlap the next command's OUT), and
# every transfer and the command it carried end within it.
expect_exit 0 "traced run" -- "$swdsim" run --chip stm32f103c8 --report "$tmp/report.json" \
  --trace "$tmp/trace.txt" -- "$swdflash" -q erase --mass
transfers=$(report_value "$tmp/report.json" usb_transfers)
expect_equal "$(grep -vc '^#' "$tmp/trace.txt")" "$transfers" "one trace line per USB transfer"
expect_equal "$(report_value "$tmp/report.json" swd_khz)" 4000 "the report has the SWD clock"
virtual=$(report_value "$tmp/report.json" virtual_us)
expect_equal "$(awk -v v="$virtual" '!/^#/ { t += $2 + $5; e = $1 + $5 + $6; if (e > end) end = e }
  END { print (t > 0 && t <= v + 0.01 && end <= v + 0.01) ? "ok" : t " " end " > " v }' \
  "$tmp/trace.txt")" ok "trace times add up within the virtual time"
expect_match "$(sed -n 2p "$tmp/trace.txt")" '^[0-9.]+ [0-9.]+ OUT 16 [0-9.]+ [0-9.]+ [0-9]+ [0-9.]+ F1' \
  "first transfer is the GET_VERSION command"
expect_exit 2 "unwritable trace" -- "$swdsim" run --trace /nonexistent/dir/t.txt -- touch "$tmp/ran"
expect_match "$err" "cannot write /nonexistent/dir/t.txt" "unwritable trace message"
if [ -e "$tmp/ran" ]; then fail "the command ran with an unwritable trace"; else pass; fi

finish
