#!/bin/bash
# Install the Debian 12 packages needed to build and test libntopcore (idempotent).
# Runs apt-get only for what is missing; needs root (or sudo) when something must be installed.
set -euo pipefail

PKGS=(
  gcc g++ meson ninja-build pkg-config scdoc    # toolchain, man pages
  libpcap-dev libndpi-dev libcmocka-dev         # libraries we build on
  nettle-dev                                    # SHA-1/base64 for Community ID
  libzmq3-dev libjson-c-dev zlib1g-dev          # flow collection and export (lib/collect, lib/export)
  libncurses-dev tmux                           # ntop-top (screen), its tmux tests
  libsqlite3-dev libcurl4-openssl-dev           # storage sinks: SQLite, HTTP (ClickHouse, ES)
  clickhouse-server clickhouse-client           # the ClickHouse sink's test server (loopback)
  libndpi-bin tshark                            # reference tools the tests compare against
  nfdump softflowd                              # IPFIX/NetFlow reference collector and exporter (tests/interop)
  iproute2 iputils-ping                         # network namespaces for live-capture tests
  python3                                       # test scripts (/usr/bin/python3)
  liblua5.4-dev lua5.4                          # Lua module and --script (bindings/lua)
  python3-dev python3-cffi python3-pytest python3-pandas  # Python package (bindings/python)
  clang libclang-rt-14-dev                      # libFuzzer targets (tests/fuzz)
  rsyslog                                       # alert.syslog test (started by the test itself)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
