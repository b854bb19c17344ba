#!/bin/sh
# Every command prints exactly one JSON object on standard output with
# --json, on success, on a bad command line and on a failure of the probe,
# the chip or a file; it follows the schema (docs/swdflash.schema.json),
# and its "ok" agrees with the exit status (true exactly when it is 0).
# Bad input (files, ranges) has its own exit status, 8; a change that needs
# --yes without a terminal exits 7. The exit statuses are listed in --help.
# usage: cli_json_status.sh SWDSIM SWDFLASH SCHEMA CHECK_REPLY.py
. "$(dirname "$0")/lib.sh"
json_reply_setup "$@"
head -c 2048 /dev/urandom >"$tmp/other.bin"
printf 'not an image\n' >"$tmp/text.hex"
# Usage errors: exit 2 and a JSON error, for every command and none.
one 2 "no command" nosim --
one 2 "unknown command" nosim -- frobnicate
one 2 "bad global option" nosim -- --freq fast list
for cmd in list info reset options unlock version; do
  one 2 "$cmd with a stray argument" nosim -- "$cmd" stray extra
done
one 2 "read without arguments" nosim -- read
one 2 "read to standard output" nosim -- read 0x08000000 4 -
one 2 "write without a file" nosim -- write
one 2 "erase without a range" nosim -- erase
one 2 "verify without a file" nosim -- verify
one 2 "reset with two kinds" nosim -- reset --hard --soft
one 2 "options set without a value" nosim -- options set rdp
one 2 "help on an unknown command" nosim -- help frobnicate

# Help and version succeed, as JSON too.
one 0 "help" nosim -- help
one 0 "--help" nosim -- --help
for cmd in list info read reset write erase verify options unlock help version; do
  one 0 "$cmd --help" nosim -- "$cmd" --help
done
one 0 "version" nosim -- version
one 0 "--version" nosim -- --version

# Success against the simulated chip.
one 0 "list" -- list
one 0 "info" -- info
one 0 "read" -- read 0x08000000 64 "$tmp/read.bin"
one 0 "reset" -- reset
one 0 "write" -- write "$tmp/app.bin" 0x08000000
one 0 "write --dry-run" -- write --dry-run "$tmp/app.bin" 0x08000000
one 0 "verify" -- verify "$tmp/app.bin" 0x08000000
one 0 "erase a range" -- erase 0x08000000 1K
one 0 "options" -- options
one 0 "unlock" -- unlock --yes
one 0 "options set --yes" -- options set wdg_sw=software --yes

# Failures: the file, the chip, the probe, a mismatch. Bad input (a file
# that cannot be read or is no image, a range the chip refuses) exits 8,
# before anything is changed.
one 8 "write a missing file" -- write "$tmp/none.bin" 0x08000000
expect_eq "$(field 'j["error"]["code"]')" SWDF_ERR_IO "missing file: error code"
one 8 "write a malformed image" -- write "$tmp/text.hex"
one 1 "read unmapped memory" -- read 0x60000000 16 "$tmp/none.bin"
one 8 "read into a missing directory" -- read 0x08000000 16 "$tmp/none/x.bin"
one 6 "verify a different image" -- verify "$tmp/other.bin" 0x08000000
one 8 "erase a misaligned range" -- erase 0x08000010 16
expect_eq "$(field 'j["error"]["code"]')" SWDF_ERR_RANGE "misaligned range: error code"
for cmd in info reset options "unlock --yes" "read 0x08000000 4 $tmp/x.bin" \
  "write $tmp/app.bin 0x08000000" "erase 0x08000000 1K" "verify $tmp/app.bin 0x08000000"; do
  # shellcheck disable=SC2086
  one 4 "$cmd without a target" --scenario no-target -- $cmd
done
one 3 "info with another probe's serial" -- --serial NOSUCHPROBE info
"$sim" state init "$tmp/chip.st" --chip stm32f103c8 --option rdp=1 >/dev/null
one 5 "read under read protection" -- read 0x08000000 16 "$tmp/x.bin"
# The statuses are documented.
help=$("$cli" --help)
for code in 0 1 2 3 4 5 6 7 8; do
  expect_match "$help" "^  $code  " "--help documents exit status $code"
done

finish
