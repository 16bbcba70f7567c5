#!/usr/bin/env bash
# Installs the Debian packages codesim needs, only those missing (idempotent).
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config libsystemc-dev libfmt-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev libmpfr-dev libgmp-dev gnuplot-nox
          clang-14 libclang-rt-14-dev)  # clang and its libFuzzer runtime: scripts/fuzz.sh
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
