#!/bin/sh
# The Debian packages build from a clean copy of the tree with
# dpkg-buildpackage -us -uc -b, lintian finds no errors, and installed into
# a scratch root (dpkg --root) they run: scripts/build-deb does all of it.
# In the `package` suite (and `slow`, so not in the default run): it builds
# the whole tree again, several minutes.
# usage: deb_packages.sh BUILD_DEB
build_deb=$1
. "$(dirname "$0")/lib.sh"
for tool in dpkg-buildpackage dh lintian git; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (apt-get install dpkg-dev debhelper lintian git)"
    exit 77
  fi
done
if "$build_deb" "$tmp/debs" >"$tmp/build.log" 2>&1; then pass; else
  tail -40 "$tmp/build.log" >&2
  fail "scripts/build-deb failed"
fi
for p in libswdflash0 libswdflash-dev swdflash swdflash-sim python3-swdflash; do
  ls "$tmp/debs/${p}_"*.deb >/dev/null 2>&1 && pass || fail "no $p package"
done
if grep -q '^E: ' "$tmp/debs/lintian.log"; then
  fail "lintian errors: $(grep '^E: ' "$tmp/debs/lintian.log")"
else
  pass
fi
finish
