#!/usr/bin/env bash
# Prints the secret that signs the links in mail, kept in <data dir>/link-secret: made on the
# first call (32 random bytes, base64url), the same on every later one, readable only by this user.
set -euo pipefail
dir="${1:?usage: link-secret.sh <data dir>}"
mkdir -p "$dir"
file="$dir/link-secret"
if [ ! -s "$file" ]; then
  (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' > "$file.tmp")
  mv "$file.tmp" "$file"
fi
cat "$file"
