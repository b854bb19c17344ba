#!/bin/sh
# The command lines of options, unlock, check-bootloader and rescue that are
# refused before any probe is touched.
cli=$1
. "$(dirname "$0")/lib.sh"

for cmd in options unlock check-bootloader rescue; do
  expect_exit 0 "help $cmd" -- "$cli" help "$cmd"
  expect_match "$out" "usage: swdflash $cmd" "help of $cmd"
done
expect_exit 0 "options --help" -- "$cli" options --help
expect_match "$out" "i-understand-this-is-irreversible" "the irreversible flag is documented"

expect_exit 2 "options set without assignments" -- "$cli" options set
expect_match "$err" "at least one NAME=VALUE" "says what is missing"
expect_exit 2 "options set without =" -- "$cli" options set rdp
expect_match "$err" "'rdp' is not NAME=VALUE" "names the bad assignment"
expect_exit 2 "options set with an empty name" -- "$cli" options set =1
expect_exit 2 "options with a stray argument" -- "$cli" options rdp=1
expect_match "$err" "did you mean 'options set rdp=1'" "suggests options set"
expect_exit 2 "--yes without set" -- "$cli" options --yes
expect_exit 2 "--permanent without set" -- "$cli" options --permanent
expect_exit 2 "unlock with an argument" -- "$cli" unlock now
expect_exit 2 "check-bootloader with a bad --base" -- "$cli" check-bootloader --base 0xZZ
expect_exit 2 "check-bootloader with an argument" -- "$cli" check-bootloader extra
expect_exit 2 "rescue with an argument but no --write" -- "$cli" rescue image.bin
expect_exit 2 "rescue with too many arguments" -- "$cli" rescue --write a.bin 0x08000000 extra
expect_exit 2 "rescue --write without a file" -- "$cli" rescue --write
expect_exit 2 "JSON usage errors" -- "$cli" --json options set
expect_match "$out" '"ok":false' "JSON error object"

finish
