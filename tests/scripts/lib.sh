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
}

# expect_match TEXT PATTERN DESCRIPTION (grep -E pattern)
expect_match() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then
    pass
  else
    fail "$3: '$2' not found in: $1"
  fi
}

finish() {
  echo "$checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
