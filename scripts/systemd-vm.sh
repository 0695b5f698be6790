#!/bin/bash
# Runs scripts/host-check.sh (docs/reliability-cases.md D2-D8) under a real systemd as PID 1: a
# Debian bookworm container booted with systemd-nspawn, with mailroom's .deb installed.
# For a developer or a CI machine without systemd as PID 1 (nspawn needs no systemd on
# the host; cgroup v1 or v2 both do). As root.
#   usage: scripts/systemd-vm.sh [BUILD-DIR]        (default: build)
#          scripts/systemd-vm.sh --image            (make the cached image only)
# It makes the .deb (cpack) if BUILD-DIR has none newer than its mailroom binary, keeps a
# debootstrapped image in the cache dir (first run ~5 min with Debian's mirror, then
# reused), boots it with a throwaway overlay (the image is never changed), installs the
# .deb, runs host-check.sh from this source tree, prints its report and the journal of
# the unit, and exits with host-check's status (2 when the container did not finish).
# env: MAILROOM_VM_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/mailroom-systemd-vm),
#      MAILROOM_VM_MIRROR (default http://deb.debian.org/debian),
#      MAILROOM_VM_TIMEOUT seconds for the boot and the checks (default 900)
# Needs: debootstrap and systemd-container (apt-get install debootstrap systemd-container).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "systemd-vm: run as root" >&2; exit 2; }
for tool in debootstrap systemd-nspawn dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "systemd-vm: $tool missing (apt-get install debootstrap systemd-container)" >&2; exit 2; }
done
root="$(cd "$(dirname "$0")/.." && pwd)"
image_only=0
[ "${1:-}" = --image ] && image_only=1
[ $image_only -eq 1 ] && shift
build=$(readlink -m "${1:-build}")
cache=${MAILROOM_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mailroom-systemd-vm}
mirror=${MAILROOM_VM_MIRROR:-http://deb.debian.org/debian}
limit=${MAILROOM_VM_TIMEOUT:-900}
base=$cache/bookworm
t0=$(date +%s)
say() { echo "systemd-vm [$(($(date +%s) - t0)) s]: $*"; }

# --- The image: debootstrapped once, topped up when the .deb needs more ------------------
# Besides systemd: Dovecot and openssl for D5 (tests/support/dovecot.sh), python3 for the
# fake servers of D4.
packages=systemd,systemd-sysv,dbus,ca-certificates,tzdata,procps,iproute2,python3,openssl,dovecot-imapd,passwd
mkdir -p "$cache"
if [ ! -f "$base/.mailroom-vm-ready" ] || [ "$(cat "$base/.mailroom-vm-ready")" != "$packages" ]; then
  say "debootstrap bookworm into $base (once)"
  rm -rf "$base"
  debootstrap --variant=minbase --include="$packages" bookworm "$base" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 2; }
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$base/etc/hosts"
  echo mailroom-vm >"$base/etc/hostname"
  : >"$base/etc/machine-id" # a new one at each boot
  # The test Dovecot is private to host-check; the packaged one is not needed.
  ln -sf /dev/null "$base/etc/systemd/system/dovecot.service"
  # The runner: when the host binds a folder with run.sh on /hostcheck, run it, power off.
  cat >"$base/etc/systemd/system/mailroom-vm-run.service" <<'UNIT'
[Unit]
Description=mailroom systemd-vm.sh runner
ConditionPathExists=/hostcheck/run.sh
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/bash /hostcheck/run.sh
ExecStopPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/mailroom-vm-run.service "$base/etc/systemd/system/multi-user.target.wants/"
  echo "$packages" >"$base/.mailroom-vm-ready"
fi
[ $image_only -eq 1 ] && { say "image ready in $base"; exit 0; }

# --- The .deb ---------------------------------------------------------------------------
[ -x "$build/src/mailroom" ] || { echo "systemd-vm: no $build/src/mailroom; build first" >&2; exit 2; }
deb=$(ls -t "$build"/mailroom_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ] || [ "$build/src/mailroom" -nt "$deb" ]; then
  say "making the .deb in $build"
  rm -f "$build"/mailroom_*.deb
  (cd "$build" && cpack -G DEB >/dev/null)
  deb=$(ls -t "$build"/mailroom_*.deb | head -1)
fi
say "$(basename "$deb"), Depends: $(dpkg-deb -f "$deb" Depends)"

# The .deb's own dependencies go into the image so that the boot needs no network.
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u)
missing=""
for p in $depends; do
  [ "$(chroot "$base" dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing="$missing $p"
done
if [ -n "${missing// /}" ]; then
  say "installing the .deb's dependencies into the image:" $missing
  systemd-nspawn -q -D "$base" --register=no --keep-unit --pipe \
    /bin/sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(echo $missing)" \
    </dev/null >"$cache/apt.log" 2>&1 || { tail -20 "$cache/apt.log" >&2; exit 2; }
fi

# --- One run: a throwaway overlay over the image ------------------------------------------
out=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$out"' EXIT
cp "$deb" "$out/mailroom.deb"
cat >"$out/run.sh" <<'RUN'
# Inside the container, run by mailroom-vm-run.service.
exec >/hostcheck/log 2>&1
echo "systemd $(systemctl --version | head -1 | cut -d' ' -f2) as PID 1 ($(cat /proc/1/comm)); kernel $(uname -r)"
start=$(date +%s)
if DEBIAN_FRONTEND=noninteractive dpkg -i /hostcheck/mailroom.deb >/hostcheck/dpkg.log 2>&1; then
  echo "dpkg -i mailroom.deb: ok"
  bash /usr/src/mailroom/scripts/host-check.sh
  echo $? >/hostcheck/rc
else
  cat /hostcheck/dpkg.log
  echo 2 >/hostcheck/rc
fi
echo "host-check took $(($(date +%s) - start)) s"
journalctl -u 'mailroom@*' --no-pager -o short-monotonic >/hostcheck/journal.txt 2>&1
systemd-analyze security mailroom@hostcheck.service >/hostcheck/security.txt 2>&1
RUN
say "booting the container (nspawn --boot, overlay on $base)"
set +e
timeout "$limit" systemd-nspawn -q -D "$base" --volatile=overlay --boot --register=no --keep-unit \
  --console=passive --machine=mailroom-vm \
  --bind="$out":/hostcheck --bind-ro="$root":/usr/src/mailroom >"$cache/nspawn.log" 2>&1
status=$?
set -e
[ $status -eq 124 ] && say "the container did not finish within $limit s"
[ -f "$out/log" ] && cat "$out/log" || { echo "no report; nspawn said:"; tail -20 "$cache/nspawn.log"; }
if [ -f "$out/security.txt" ]; then
  echo "--- systemd-analyze security mailroom@hostcheck (online, systemd as PID 1): what scores"
  grep -E '^✗|Overall exposure' "$out/security.txt"
fi
for f in log journal.txt security.txt; do [ -f "$out/$f" ] && cp "$out/$f" "$cache/last-$f"; done
say "the report, the unit's journal and the full security table: $cache/last-{log,journal.txt,security.txt}"
rc=$(cat "$out/rc" 2>/dev/null || echo 2)
say "done, host-check exit $rc"
exit "$rc"
