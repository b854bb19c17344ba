# Helpers for the end-to-end tests that drive peer tools under swdsim.
# Source after lib.sh; $swdsim is the launcher.

# need_tool TOOL PACKAGE: skip the test (exit 77) when TOOL is not installed.
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "SKIP: $1 is not installed (Debian package $2); CI installs it"
    exit 77
  fi
}

# random_image FILE BYTES
random_image() {
  head -c "$2" /dev/urandom > "$1"
}

# erased_image FILE BYTES: all 0xFF
erased_image() {
  head -c "$2" /dev/zero | tr '\000' '\377' > "$1"
}

# report_value FILE KEY: a number from a swdsim JSON report
report_value() {
  sed -n "s/^ *\"$2\": \([0-9.]*\),*\$/\1/p" "$1"
}

# expect_same FILE1 FILE2 DESCRIPTION
expect_same() {
  if cmp -s "$1" "$2"; then
    pass
  else
    fail "$3: $(cmp "$1" "$2" 2>&1 | head -1)"
  fi
}

# expect_equal GOT WANT DESCRIPTION
expect_equal() {
  if [ "$1" = "$2" ]; then
    pass
  else
    fail "$3: got '$1', expected '$2'"
  fi
}

# openocd without its TCP servers (tests run in parallel, also with others'
# openocd instances on the machine): ocd STATE-ARGS... -- OPENOCD-ARGS...
ocd_quiet='gdb_port disabled; tcl_port disabled; telnet_port disabled'
