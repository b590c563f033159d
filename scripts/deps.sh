#!/usr/bin/env bash
# The one list of Debian packages Accord needs to build, test and run.
# Installs only what is missing, so a second run costs a dpkg query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git lld
  nlohmann-json3-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev
  libhiredis-dev redis-server redis-tools libssl-dev openssl libjemalloc-dev libzstd-dev
  clang libclang-rt-14-dev
  python3 python3-jsonschema
  libsodium-dev libhowardhinnant-date-dev tzdata
  libcurl4-openssl-dev python3-aiosmtpd
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  chromium fonts-noto-core curl
)
# The web application is built with Node and npm (web/, docs/web.md). Debian's nodejs and npm only
# when the PATH has none: a machine may carry another Node, whose npm conflicts with Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
