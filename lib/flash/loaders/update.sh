#!/bin/sh
# Copy freshly built loader sources (fresh_loader_NAME.c) over the checked-in
# ones (loader_NAME.c). Run through `ninja -C build update-loaders`.
set -eu
dest=$1
shift
for fresh in "$@"; do
  name=$(basename "$fresh" | sed 's/^fresh_//')
  if cmp -s "$fresh" "$dest/$name"; then
    echo "$name: up to date"
  else
    cp "$fresh" "$dest/$name"
    echo "$name: updated"
  fi
done
