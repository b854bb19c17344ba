#!/bin/sh
# The command-line surface that exists without a probe: help, version,
# dispatch, global options and argument errors.
cli=$1
. "$(dirname "$0")/lib.sh"

expect_exit 0 "--help" -- "$cli" --help
expect_match "$out" "^usage: swdflash" "help synopsis"
expect_match "$out" "exit status" "help lists exit codes"
expect_match "$out" "--json" "help lists --json"

expect_exit 0 "--version" -- "$cli" --version
expect_match "$out" "^swdflash [0-9]+\.[0-9]+\.[0-9]+" "version line"

expect_exit 0 "version --json" -- "$cli" --json version
expect_match "$out" '^\{"ok":true,"tool":"[0-9.]+","library":"[0-9.]+"\}$' "version JSON"

expect_exit 2 "no command" -- "$cli"
expect_match "$err" "usage:" "no command prints usage"

expect_exit 2 "unknown command" -- "$cli" frobnicate
expect_match "$err" "unknown command 'frobnicate'" "unknown command message"

expect_exit 2 "unknown command, JSON" -- "$cli" --json frobnicate
expect_match "$out" '"ok":false' "JSON error object"
expect_match "$out" '"code":"usage"' "JSON usage code"

expect_exit 2 "unknown global option" -- "$cli" --frob version
expect_match "$err" "unknown option --frob" "unknown option message"

expect_exit 2 "missing option value" -- "$cli" version --serial
expect_match "$err" "needs a value" "missing value message"

expect_exit 2 "bad frequency" -- "$cli" --freq 0x8000000G version
expect_match "$err" "not a valid" "bad number message"

expect_exit 2 "bad connect mode" -- "$cli" --connect sideways version
expect_match "$err" "unknown connect mode" "bad connect message"

expect_exit 2 "extra argument" -- "$cli" version extra
expect_match "$err" "unexpected argument 'extra'" "extra argument message"

expect_exit 0 "help for a command" -- "$cli" help version
expect_match "$out" "usage: swdflash version" "command help"

expect_exit 2 "help for an unknown command" -- "$cli" help frobnicate

expect_exit 0 "global options after the command" -- "$cli" version -q -vv --json
expect_match "$out" '"ok":true' "options after the command"

NO_COLOR=1 expect_exit 2 "NO_COLOR" -- "$cli" frobnicate
case "$err" in
  *"$(printf '\033')"*) fail "escape codes despite NO_COLOR" ;;
  *) pass ;;
esac

finish
