#!/bin/bash
# Installs every Debian bookworm package mailroom needs to build, test and run.
# As root it runs apt-get; otherwise it prints the exact command to run.
# usage: install-deps.sh [--test | --bench]
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libcurl4-openssl-dev libssl-dev libmimetic-dev libpoco-dev libhowardhinnant-date-dev
  libtomlplusplus-dev libkainjow-mustache-dev libcli11-dev libspdlog-dev libfmt-dev
  libsystemd-dev libgtest-dev tzdata clang clang-format python3
  libpoppler-cpp-dev libzip-dev
)
if [ "${1:-}" = "--test" ]; then
  # Real servers for the integration tests, and the fuzzer's compiler runtime.
  PACKAGES+=(dovecot-imapd dovecot-lmtpd python3-aiosmtpd openssl libclang-rt-14-dev systemd)
  # A real MTA in front of that Dovecot (tests/support/postfix.sh): a private instance,
  # the system's own is left unconfigured and not started.
  PACKAGES+=(postfix)
  # PDFs for the content checks' tests (encrypted, page trees that loop).
  PACKAGES+=(qpdf)
  # A real browser for the report page (tests/app/cli/report_test.cpp): headless Chromium.
  PACKAGES+=(chromium)
  # scripts/tidy.sh: clang-tidy 16 (bookworm's default 14 cannot parse <expected>).
  PACKAGES+=(clang-tidy-16)
fi
if [ "${1:-}" = "--bench" ]; then
  # tests/bench/imap_ingest_bench.py: Dovecot, and mbsync as the yardstick;
  # ../shared/bench/imap-baseline.sh checks for all of its tools before it runs any.
  PACKAGES+=(dovecot-imapd openssl isync fetchmail getmail6 curl)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "mailroom needs these packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix's package asks what kind of mail server this is: none (the tests run their own).
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
