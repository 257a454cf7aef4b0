#!/bin/sh
# install.sh BUILDDIR BINDIR DATADIR SYSCONFDIR UNITDIR: run `meson install` into a scratch
# DESTDIR and check that the binaries, web client, sample config and systemd unit land where
# the build says, and that the unit starts the installed witnessd. The dirs are absolute.
set -eu
build=$1 bindir=$2 datadir=$3 sysconfdir=$4 unitdir=$5
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if ! meson install -C "$build" --no-rebuild --destdir "$dest" >"$dest/install.log" 2>&1; then
  cat "$dest/install.log"
  echo "meson install failed"
  exit 1
fi
status=0
for f in "$bindir/witnessd" "$bindir/witnessctl" "$datadir/web/index.html" \
  "$datadir/web/hall.html" "$datadir/web/console.html" "$datadir/web/panels/consult-hall.js" \
  "$sysconfdir/witness.conf.sample" "$unitdir/witnessd.service"; do
  if [ -f "$dest$f" ]; then echo "installed $f"; else echo "MISSING $f"; status=1; fi
done
for f in "$bindir/witnessd" "$bindir/witnessctl"; do
  [ -x "$dest$f" ] || { echo "not executable: $f"; status=1; }
done
unit=$dest$unitdir/witnessd.service
if [ -f "$unit" ] && ! grep -q "^ExecStart=$bindir/witnessd " "$unit"; then
  echo "ExecStart in witnessd.service does not name $bindir/witnessd:"
  grep '^ExecStart' "$unit" || true
  status=1
fi
exit $status
