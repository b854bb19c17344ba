# Helpers for the shell tests. Source it; every test ends with `finish`.
failures=0
checks=0

fail() {
  failures=$((failures + 1))
  echo "FAIL: $*" >&2
}

pass() {
  checks=$((checks + 1))
}

# expect_exit CODE DESCRIPTION -- COMMAND...
# Runs COMMAND with stdout/stderr captured in $out / $err.
expect_exit() {
  want=$1
  what=$2
  shift 3
  out=$("$@" 2>"$tmp/stderr")
  got=$?
  err=$(cat "$tmp/stderr")
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit $got, expected $want (stdout: $out; stderr: $err)"
  else
    pass
  fi
  check_json_reply "$what" "$got"
}

# check_json_reply DESCRIPTION STATUS: when $out is a swdflash --json reply,
# it must follow docs/swdflash.schema.json and its "ok" agree with STATUS.
# (Without python3-jsonschema the check is left out.)
lib_dir=$(dirname "$0")
check_json_reply() {
  case $out in
  '{"ok":'*) ;;
  *) return 0 ;;
  esac
  if [ -z "${json_schema_ok:-}" ]; then
    python3 -c 'import jsonschema' 2>/dev/null && json_schema_ok=yes || json_schema_ok=no
  fi
  [ "$json_schema_ok" = yes ] || return 0
  printf '%s\n' "$out" >"$tmp/reply.json"
  cjr_verdict=$(python3 "$lib_dir/check_reply.py" "$lib_dir/../../docs/swdflash.schema.json" \
    "$tmp/reply.json" "$2")
  [ "$cjr_verdict" = good ] && pass || fail "$1: $cjr_verdict"
}

# expect_match TEXT PATTERN DESCRIPTION (grep -E pattern)
expect_match() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then
    pass
  else
    fail "$3: '$2' not found in: $1"
  fi
}

# need_simulator SWDSIM: skip the test (exit 77) when swdsim is not built.
need_simulator() {
  if [ -z "$1" ] || [ ! -x "$1" ]; then
    echo "SKIP: swdsim is not built (it needs libunicorn-dev and the simulator sources)"
    exit 77
  fi
}

# random_flash_state SWDSIM STATE [OPTION...]: an F103C8 state whose flash
# holds 64 KiB of random bytes, also left in $tmp/image.bin.
random_flash_state() {
  rfs_sim=$1
  rfs_state=$2
  shift 2
  head -c 65536 /dev/urandom >"$tmp/image.bin"
  "$rfs_sim" state init "$rfs_state" --chip stm32f103c8 --load "$tmp/image.bin@0x08000000" "$@" ||
    fail "cannot create the chip state $rfs_state"
}

# ---- a terminal ------------------------------------------------------------------
# tty_run OUT COMMAND...: run with standard output and error on a
# pseudo-terminal, keeping what it printed in OUT. With TTY_STDOUT=FILE set,
# standard output goes into FILE instead and only standard error is on the
# terminal.
tty_run() {
  tty_out=$1
  shift
  python3 - "$tty_out" "${TTY_STDOUT:-}" "$@" <<'PY'
import os, subprocess, sys
master, slave = os.openpty()
out = open(sys.argv[2], "wb") if sys.argv[2] else None
child = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=out or slave, stderr=slave)
os.close(slave)
chunks = []
while True:
    try:
        data = os.read(master, 65536)
    except OSError:
        break
    if not data:
        break
    chunks.append(data)
child.wait()
if out:
    out.close()
open(sys.argv[1], "wb").write(b"".join(chunks))
PY
}
# bars FILE: one line per bar: its name and the percentages it showed.
bars() {
  python3 - "$1" <<'PY'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read())
for line in text.replace("\r\n", "\n").split("\n"):
    frames = [f for f in line.split("\r") if re.search(r"\] +\d+%", f)]
    if frames:
        name = frames[-1].split()[0]
        print(name, " ".join(re.search(r"\] +(\d+)%", f).group(1) for f in frames),
              "rate" if any("KiB/s" in f and " left" in f for f in frames) else "norate")
PY
}
# monotonic BARS: every bar's percentages never go down.
monotonic() {
  printf '%s\n' "$1" | python3 -c "
import sys
for line in sys.stdin:
    parts = line.split()
    values = [int(v) for v in parts[1:-1]]
    if values != sorted(values):
        print('backwards:', line.strip())"
}

expect_eq() { # expect_eq GOT WANT WHAT
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi
}

# json TEXT EXPR: a Python expression on the JSON `j` of TEXT.
json() {
  printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}

# ---- tests of one simulated chip ----------------------------------------------
# They set $sim (swdsim), $cli (swdflash), $simchip (what swdsim simulates)
# and $flash_size.

# chip_test_args SWDSIM SWDFLASH CHIP FIRMWARE_DIR: sets $sim, $cli, $chip, $fw.
chip_test_args() {
  sim=$1
  cli=$2
  chip=$3
  fw=$4
}

# need_chip_and_firmware FIRMWARE_DIR FILE...: skip (exit 77) when swdsim
# does not simulate $simchip or a test firmware file is missing.
need_chip_and_firmware() {
  need_simulator "$sim"
  if ! "$sim" chips | grep -q "^$simchip "; then
    echo "swdsim does not simulate $simchip yet: skipping"
    exit 77
  fi
  ncf_dir=$1
  shift
  for ncf_file in "$@"; do
    if [ ! -f "$ncf_dir/$ncf_file" ]; then
      echo "test firmware $ncf_dir/$ncf_file missing (arm-none-eabi-gcc not installed?): skipping"
      exit 77
    fi
  done
}

# run STATE [--scenario S]... [--] swdflash args...: swdflash against $simchip.
run() {
  st=$1
  shift
  scen=""
  while [ "$1" = "--scenario" ]; do
    scen="$scen --scenario $2"
    shift 2
  done
  [ "$1" = "--" ] && shift
  # shellcheck disable=SC2086
  "$sim" run --chip "$simchip" --state "$st" $scen -- "$cli" "$@"
}

# state NAME [init options...]: a fresh state file of $simchip; prints its path.
state() {
  f="$tmp/$1.state"
  shift
  "$sim" state init "$f" --chip "$simchip" "$@" >/dev/null || fail "state init $*"
  echo "$f"
}

# show STATE: what the simulator holds, as JSON.
show() { "$sim" state show "$1" --json; }

# expect_flash_is STATE IMAGE WHAT: the flash holds exactly IMAGE at the
# base and erased bytes after it.
expect_flash_is() {
  "$sim" state dump "$1" 0x08000000 "$flash_size" "$tmp/dump.bin" || fail "dump $1"
  python3 - "$tmp/dump.bin" "$2" "$flash_size" <<'EOF' || fail "$3: flash does not hold exactly $2"
import sys
dump = open(sys.argv[1], "rb").read()
img = open(sys.argv[2], "rb").read()
want = img + b"\xff" * (int(sys.argv[3]) - len(img))
sys.exit(0 if dump == want else 1)
EOF
  pass
}

# ---- tests of the --json replies (cli_json_status.sh, cli_json_schema.sh) ----
# json_reply_setup SWDSIM SWDFLASH SCHEMA CHECK_REPLY.py: sets $sim, $cli,
# $schema and $check_reply, loads json_reply.sh, skips without the simulator
# or python3-jsonschema, and makes an F103C8 state $tmp/chip.st and a
# random 2 KiB $tmp/app.bin.
json_reply_setup() {
  sim=$1
  cli=$2
  schema=$3
  check_reply=$4
  . "$lib_dir/json_reply.sh"
  need_simulator "$sim"
  python3 -c 'import jsonschema' 2>/dev/null || {
    echo "SKIP: python3-jsonschema is not installed"
    exit 77
  }
  "$sim" state init "$tmp/chip.st" --chip stm32f103c8 >/dev/null || fail "state init"
  head -c 2048 /dev/urandom >"$tmp/app.bin"
}

finish() {
  echo "$checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# swdflash keeps its write journal under XDG_STATE_HOME: one per test, never
# the user's own.
XDG_STATE_HOME=$tmp/state
export XDG_STATE_HOME
