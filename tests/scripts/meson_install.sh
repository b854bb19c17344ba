#!/bin/sh
# `meson install` into a scratch directory puts the udev rules, the man
# pages and the completions where udev, man and the shells look, and the
# installed tool runs; the Python binding goes into Python's site directory.
# Usage: meson_install.sh MESON BUILD_DIR PREFIX LIBDIR UDEV_DIR BASH_DIR ZSH_DIR FISH_DIR MANDIR
#        PYTHON_DIR
. "$(dirname "$0")/lib.sh"
meson=$1
build=$2
prefix=$3
libdir=$4
udev_dir=$5
bash_dir=$6
zsh_dir=$7
fish_dir=$8
mandir=$9
python_dir=${10}

# Relative directories are relative to the prefix.
under_prefix() {
  case $1 in
    /*) printf '%s%s' "$tmp/root" "$1" ;;
    *) printf '%s%s/%s' "$tmp/root" "$prefix" "$1" ;;
  esac
}

if ! "$meson" install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
  fail "meson install failed: $(cat "$tmp/install.log")"
  finish
  exit 1
fi
for f in "$(under_prefix "$udev_dir")/60-swdflash.rules" \
         "$(under_prefix "$bash_dir")/swdflash" \
         "$(under_prefix "$zsh_dir")/_swdflash" \
         "$(under_prefix "$fish_dir")/swdflash.fish" \
         "$(under_prefix "$mandir")/man1/swdflash.1" \
         "$(under_prefix "$mandir")/man3/libswdflash.3" \
         "$(under_prefix bin)/swdflash"; do
  if [ -f "$f" ]; then pass; else fail "meson install did not install ${f#"$tmp/root"}"; fi
done
expect_match "$(cat "$(under_prefix "$udev_dir")/60-swdflash.rules")" 'TAG\+="uaccess"' \
  "the installed udev rules tag the probes"
expect_exit 0 "the installed swdflash runs" -- \
  env LD_LIBRARY_PATH="$(under_prefix "$libdir")" "$(under_prefix bin)/swdflash" --version
expect_match "$out" "^swdflash [0-9]" "the installed swdflash prints its version"
py_root=$(under_prefix "${python_dir%/}")
for f in "$py_root/swdflash/__init__.py" "$py_root/swdflash/_native.py"; do
  if [ -f "$f" ]; then pass; else fail "meson install did not install ${f#"$tmp/root"}"; fi
done
# It imports from there (the library itself is loaded at first use).
expect_exit 0 "the installed binding imports" -- \
  env PYTHONPATH="$py_root" PYTHONDONTWRITEBYTECODE=1 python3 -c \
  'import swdflash; print(swdflash.__file__, swdflash.ReadProtectedError.__mro__[1].__name__)'
expect_match "$out" "^$py_root/swdflash/__init__.py Error$" "the binding is imported from the site directory"
finish
