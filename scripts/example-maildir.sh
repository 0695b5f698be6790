#!/bin/bash
# usage: example-maildir.sh DEST
# Copies the example Maildir to DEST and sets each mail's modification time (its
# arrival, as Dovecot reads a Maildir) from the Unix time that starts its name;
# git does not keep modification times.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)/examples/maildir"
dest=$1
mkdir -p "$dest"/{new,cur,tmp}
for f in "$src"/new/*.example; do
  name=$(basename "$f")
  cp "$f" "$dest/new/$name"
  touch -d "@${name%%.*}" "$dest/new/$name"
done
