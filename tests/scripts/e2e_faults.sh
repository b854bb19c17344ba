#!/bin/sh
# Every fault swdsim can inject on USB and SWD, at positions spread over a
# `swdflash info` and a 64 KiB `swdflash read`: the run either fails with a
# clear error and a non-zero exit (leaving no partial output file), or
# recovers and gives exactly the fault-free result; it never hangs or
# crashes; and the next run without the fault works.
#
# usage: e2e_faults.sh SWDSIM SWDFLASH [SPREAD]
# (SPREAD positions per fault kind besides the first three, default 24;
# SWDFLASH_FAULT_SPREAD overrides it. The default suite runs a short sweep,
# the `slow` suite the full one.)
sim=$1
cli=$2
spread=${SWDFLASH_FAULT_SPREAD:-${3:-24}}
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

random_flash_state "$sim" "$tmp/state.bin"

sim_run() { # sim_run [--fault SPEC] -- ARGS...
  "$sim" run --chip stm32f103c8 --state "$tmp/state.bin" "$@"
}

count() { # count KEY REPORT: a number from a swdsim report
  sed -n "s/.*\"$1\": *\\([0-9]*\\).*/\\1/p" "$2"
}

# Reference runs, and how many USB transfers and SWD transactions they make.
sim_run --report "$tmp/info.json" -- "$cli" info >"$tmp/info_ref.txt" 2>"$tmp/stderr" ||
  fail "reference info failed: $(cat "$tmp/stderr")"
sim_run --report "$tmp/read.json" -- "$cli" -q read 0x08000000 64K "$tmp/read_ref.bin" ||
  fail "reference read failed"
cmp -s "$tmp/read_ref.bin" "$tmp/image.bin" || fail "reference read differs from the image"

# check_run WHAT RC: judge one faulted run from $tmp/out, $tmp/err (and the output file).
check_run() {
  what=$1
  rc=$2
  if grep -Eq 'Sanitizer|runtime error|Segmentation|Aborted' "$tmp/err"; then
    fail "$what: crashed: $(head -n 3 "$tmp/err")"
  elif [ "$rc" -eq 0 ]; then
    if [ "$command" = info ] && ! cmp -s "$tmp/out" "$tmp/info_ref.txt"; then
      fail "$what: exit 0 but the output differs from the fault-free run"
    elif [ "$command" = read ] && ! cmp -s "$tmp/read.bin" "$tmp/read_ref.bin"; then
      fail "$what: exit 0 but the data read differs"
    else
      pass
    fi
  elif [ "$rc" -gt 6 ]; then
    fail "$what: exit $rc is not one of swdflash's codes: $(head -n 2 "$tmp/err")"
  elif ! grep -Eq '^swdflash: error: [a-zA-Z].{10,}' "$tmp/err"; then
    fail "$what: exit $rc without a clear message: $(head -n 2 "$tmp/err")"
  elif grep -q 'internal' "$tmp/err"; then
    fail "$what: reported an internal error: $(head -n 2 "$tmp/err")"
  elif [ "$command" = read ] && [ -e "$tmp/read.bin" ]; then
    fail "$what: a failed read left an output file"
  else
    pass
  fi
}

# run_faulted COMMAND SPEC: COMMAND with the fault, then without.
run_faulted() {
  command=$1
  spec=$2
  rm -f "$tmp/read.bin"
  if [ "$command" = info ]; then
    sim_run --fault "$spec" -- "$cli" info >"$tmp/out" 2>"$tmp/err"
  else
    sim_run --fault "$spec" -- "$cli" -q read 0x08000000 64K "$tmp/read.bin" >"$tmp/out" 2>"$tmp/err"
  fi
  check_run "$command with $spec" $?
  if [ "$command" = info ]; then
    sim_run -- "$cli" info >"$tmp/out" 2>"$tmp/err"
    rc=$?
    cmp -s "$tmp/out" "$tmp/info_ref.txt" && [ $rc -eq 0 ] && pass ||
      fail "info after $spec: exit $rc, $(head -n 1 "$tmp/err")"
  else
    rm -f "$tmp/read.bin"
    sim_run -- "$cli" -q read 0x08000000 64K "$tmp/read.bin" 2>"$tmp/err"
    rc=$?
    cmp -s "$tmp/read.bin" "$tmp/read_ref.bin" && [ $rc -eq 0 ] && pass ||
      fail "read after $spec: exit $rc, $(head -n 1 "$tmp/err")"
  fi
}

# positions COUNT: 1, 2, 3, then about SPREAD more spread up to COUNT.
positions() {
  awk -v n="$1" -v spread="$spread" 'BEGIN {
    for (i = 1; i <= 3 && i <= n; i++) print i
    step = n / spread; if (step < 1) step = 1
    for (x = 4; x <= n; x += step) print int(x)
  }' | uniq
}

for command in info read; do
  usb=$(count usb_transfers "$tmp/$command.json")
  swd=$(count swd_transactions "$tmp/$command.json")
  [ -n "$usb" ] && [ "$usb" -gt 10 ] || fail "$command: no USB transfer count in the report"
  [ -n "$swd" ] && [ "$swd" -gt 10 ] || fail "$command: no SWD transaction count in the report"
  for kind in usb-stall usb-timeout usb-disconnect; do
    for n in $(positions "$usb"); do
      run_faulted "$command" "$kind@$n"
    done
  done
  for kind in swd-fault swd-wait; do
    for n in $(positions "$swd"); do
      run_faulted "$command" "$kind@$n"
    done
  done
done

finish
