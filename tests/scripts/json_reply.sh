# Helpers for the tests of --json replies; source after lib.sh, with $sim,
# $cli, $schema (docs/swdflash.schema.json) and $check_reply
# (check_reply.py) set and the chip state in $tmp/chip.st (of the chip
# $json_chip, stm32f103c8 when unset).

# one WANT DESCRIPTION [SIMOPTS...] -- ARGS...: run swdflash --json ARGS
# under the simulator (SIMOPTS "nosim": without it, for what needs no
# probe); check the exit status and the one JSON object.
one() {
  want=$1
  what=$2
  shift 2
  sim_opts=""
  while [ "$1" != "--" ]; do
    sim_opts="$sim_opts $1"
    shift
  done
  shift
  if [ "$sim_opts" = " nosim" ]; then
    "$cli" --json "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  else
    # shellcheck disable=SC2086
    "$sim" run --chip "${json_chip:-stm32f103c8}" --state "$tmp/chip.st" $sim_opts -- "$cli" --json "$@" \
      >"$tmp/out" 2>"$tmp/err" </dev/null
  fi
  got=$?
  [ "$got" -eq "$want" ] && pass || fail "$what: exit $got, expected $want ($(cat "$tmp/err"))"
  verdict=$(python3 "$check_reply" "$schema" "$tmp/out" "$got")
  [ "$verdict" = good ] && pass || fail "$what: $verdict"
}

# field EXPR: a Python expression on the last reply `j`.
field() {
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$tmp/out"
}
