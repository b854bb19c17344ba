#!/bin/sh
# swdflash read ADDR LEN FILE writes to what the user named: a regular file
# is replaced whole (through symbolic links, which stay links; its mode
# kept), a new file gets 0666 minus the umask, FIFOs, devices and
# /dev/stdout are written through and never replaced, and a failed read
# leaves an existing file as it was.
sim=$1
cli=$2
. "$(dirname "$0")/lib.sh"
need_simulator "$sim"

random_flash_state "$sim" "$tmp/state.bin"
head -c 256 "$tmp/image.bin" >"$tmp/want.bin"

run() {
  "$sim" run --chip stm32f103c8 --state "$tmp/state.bin" -- "$cli" "$@"
}

same() { # same FILE WHAT: FILE holds the first 256 bytes of the flash
  if cmp -s "$1" "$tmp/want.bin"; then pass; else fail "$2: the file does not hold the bytes read"; fi
}

mode_of() {
  stat -c %a "$1"
}

# A symbolic link to a regular file: the file is replaced, the link stays.
printf 'old' >"$tmp/target.bin"
chmod 640 "$tmp/target.bin"
ln -s target.bin "$tmp/link.bin"
expect_exit 0 "read through a symbolic link" -- run -q read 0x08000000 256 "$tmp/link.bin"
[ -L "$tmp/link.bin" ] && pass || fail "the symbolic link was replaced by a file"
same "$tmp/target.bin" "symbolic link"
[ "$(mode_of "$tmp/target.bin")" = 640 ] && pass ||
  fail "the linked file's mode changed to $(mode_of "$tmp/target.bin")"

# A link to a file that does not exist yet: the file appears where it points.
ln -s made.bin "$tmp/dangling.bin"
expect_exit 0 "read through a dangling link" -- run -q read 0x08000000 256 "$tmp/dangling.bin"
[ -L "$tmp/dangling.bin" ] && pass || fail "the dangling link was replaced by a file"
same "$tmp/made.bin" "dangling link"

# An existing file keeps its mode; a new one gets 0666 minus the umask.
printf 'old' >"$tmp/kept.bin"
chmod 604 "$tmp/kept.bin"
expect_exit 0 "read over an existing file" -- run -q read 0x08000000 256 "$tmp/kept.bin"
same "$tmp/kept.bin" "existing file"
[ "$(mode_of "$tmp/kept.bin")" = 604 ] && pass ||
  fail "an existing file's mode changed to $(mode_of "$tmp/kept.bin"), not 604"
for mask in 022 027 000; do
  rm -f "$tmp/new.bin"
  expect_exit 0 "read into a new file (umask $mask)" -- sh -c \
    "umask $mask && exec \"\$@\"" sh "$sim" run --chip stm32f103c8 --state "$tmp/state.bin" -- \
    "$cli" -q read 0x08000000 256 "$tmp/new.bin"
  want=$(printf '%o' $((0666 & ~0$mask)))
  [ "$(mode_of "$tmp/new.bin")" = "$want" ] && pass ||
    fail "umask $mask: a new file has mode $(mode_of "$tmp/new.bin"), expected $want"
done
# (state.bin.board is the simulator's powered board, kept next to its state)
ls "$tmp" | grep -v '^state\.bin\.board$' | grep -q 'XXXXXX\|\.bin\.' &&
  fail "temporary files left behind: $(ls "$tmp")" || pass

# A FIFO is written through, not replaced.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from_fifo.bin" &
reader=$!
expect_exit 0 "read into a FIFO" -- run -q read 0x08000000 256 "$tmp/fifo"
if [ -p "$tmp/fifo" ]; then
  pass
  wait "$reader"
  same "$tmp/from_fifo.bin" "FIFO"
else
  fail "the FIFO was replaced"
  kill "$reader"
fi

# A character device is written through (a private one where mknod works).
if mknod "$tmp/null" c 1 3 2>/dev/null; then
  expect_exit 0 "read into a character device" -- run -q read 0x08000000 256 "$tmp/null"
  [ -c "$tmp/null" ] && pass || fail "the character device was replaced"
fi

# A link to an open descriptor, as /dev/stdout is: written through to the
# pipe, the link stays. Only when that holds are /dev/stdout and /dev/null
# themselves tried (a regression must not replace the machine's devices).
ln -s /proc/self/fd/1 "$tmp/stdout-link"
run -q read 0x08000000 256 "$tmp/stdout-link" | cat >"$tmp/from_link.bin"
if [ -L "$tmp/stdout-link" ]; then
  pass
  same "$tmp/from_link.bin" "link to standard output"
  run -q read 0x08000000 256 /dev/stdout | cat >"$tmp/from_stdout.bin"
  [ -L /dev/stdout ] && pass || fail "/dev/stdout is no longer a symbolic link"
  same "$tmp/from_stdout.bin" "/dev/stdout into a pipe"
  run -q read 0x08000000 256 /dev/stdout >"$tmp/stdout_file.bin"
  same "$tmp/stdout_file.bin" "/dev/stdout into a file"
  expect_exit 0 "read into /dev/null" -- run -q read 0x08000000 256 /dev/null
  [ -c /dev/null ] && pass || fail "/dev/null is no longer a character device"
else
  fail "a link to /proc/self/fd/1 was replaced by a file"
fi

# '-' is standard output, in either format.
run -q read 0x08000000 256 - >"$tmp/dash.bin"
same "$tmp/dash.bin" "'-'"
out=$(run -q read --format hex 0x08000000 16 -)
expect_match "$out" '^:020000040800F2' "'-' with --format hex"

# Failures leave an existing file as it was and say why.
printf 'precious' >"$tmp/precious.bin"
expect_exit 1 "read of unmapped memory over a file" -- run read 0x60000000 16 "$tmp/precious.bin"
[ "$(cat "$tmp/precious.bin")" = precious ] && pass || fail "a failed read changed the file"
# A file that cannot be made is bad input (8), found before the probe is opened.
expect_exit 8 "read into a missing directory" -- run read 0x08000000 16 "$tmp/none/out.bin"
expect_match "$err" "error: .*$tmp/none/out.bin.*No such file" "names the file and the reason"
mkdir "$tmp/dir"
expect_exit 8 "read into a directory" -- run read 0x08000000 16 "$tmp/dir"
expect_match "$err" "Is a directory" "a directory is refused"
[ -d "$tmp/dir" ] && pass || fail "the directory was replaced"

finish
