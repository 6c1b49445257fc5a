#!/usr/bin/env bash
# Installs the Debian packages dseek needs to build and test (run as root or with sudo).
# `--browser`: also Chromium, the headless browser the web chat's test drives (scripts/test.sh).
# `--fuzz`: also clang and its libFuzzer runtime (scripts/fuzz.sh).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake pkg-config git
  nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libspdlog-dev libfmt-dev
  libpcre2-dev libhwy-dev libgtest-dev libgmock-dev libbenchmark-dev
  libnuma-dev bubblewrap bc python3 util-linux
  libvalijson-dev
  libopenmpi-dev openmpi-bin
)
for opt in "$@"; do
  case "$opt" in
    --browser) PKGS+=(chromium) ;;
    --fuzz) PKGS+=(clang libclang-rt-dev) ;;  # libFuzzer's runtime is not a dependency of clang
    *) echo "install-deps.sh: unknown option $opt (--browser, --fuzz)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
