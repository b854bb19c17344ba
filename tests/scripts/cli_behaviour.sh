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
expect_match "$out" '^\{"ok":true,"command":"version","tool":"[0-9.]+","library":"[0-9.]+","warnings":\[\]\}$' "version JSON"

expect_exit 2 "no command" -- "$cli"
expect_match "$err" "usage:" "no command prints usage"

expect_exit 2 "unknown command" -- "$cli" frobnicate
expect_match "$err" "unknown command 'frobnicate'" "unknown command message"

# An unknown command suggests the nearest one: another tool's word for it,
# or a typo.
expect_exit 2 "st-flash's word" -- "$cli" flash app.bin
expect_match "$err" "unknown command 'flash': did you mean 'write'\?" "flash suggests write"
expect_exit 2 "a typo" -- "$cli" wirte app.bin
expect_match "$err" "did you mean 'write'\?" "wirte suggests write"
expect_exit 2 "a typo in help" -- "$cli" help opitons
expect_match "$err" "did you mean 'options'\?" "help opitons suggests options"
expect_exit 2 "nothing near" -- "$cli" frobnicate
case $err in *"did you mean"*) fail "frobnicate suggests a command: $err" ;; *) pass ;; esac

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

# Argument errors of the probe commands are found before any USB access.
expect_exit 2 "read without arguments" -- "$cli" read
expect_match "$err" "missing ADDR, LEN and FILE" "read: missing arguments named"
expect_exit 2 "read without FILE" -- "$cli" read 0x08000000 16
expect_match "$err" "missing FILE" "read: missing FILE named"
expect_exit 2 "read with a bad address" -- "$cli" read 0x8000000G 16 out.bin
expect_match "$err" "not a valid number" "read: bad address"
expect_exit 2 "read past 4 GiB" -- "$cli" read 0xFFFFFFF0 32 out.bin
expect_match "$err" "past the end" "read: range overflow"
expect_exit 2 "read with a bad format" -- "$cli" read --format elf 0x08000000 16 out.bin
expect_match "$err" "unknown format 'elf'" "read: bad format"
expect_exit 2 "read to stdout with --json" -- "$cli" --json read 0x08000000 16 -
expect_match "$out" '"code":"usage"' "read: --json and - conflict"
expect_exit 2 "reset with two kinds" -- "$cli" reset --hard --soft
expect_match "$err" "choose one of" "reset: one kind only"
expect_exit 2 "reset with an argument" -- "$cli" reset now
expect_exit 2 "info with an argument" -- "$cli" info extra
expect_exit 2 "list with an argument" -- "$cli" list extra
expect_exit 0 "help read" -- "$cli" help read
expect_match "$out" "--format" "help read lists --format"
expect_exit 0 "reset --help" -- "$cli" reset --help
expect_match "$out" "--halt" "reset help lists --halt"
expect_exit 0 "main help lists the probe commands" -- "$cli" --help
expect_match "$out" "info" "help lists info"
expect_match "$out" "read ADDR LEN FILE" "help lists read"

NO_COLOR=1 expect_exit 2 "NO_COLOR" -- "$cli" frobnicate
case "$err" in
  *"$(printf '\033')"*) fail "escape codes despite NO_COLOR" ;;
  *) pass ;;
esac

finish
