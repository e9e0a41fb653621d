#!/usr/bin/env sh
# Installs the Debian/Ubuntu packages vramcalc needs, and only those missing (a no-op when all
# are present). Runs apt-get directly as root, through sudo otherwise.
#   scripts/install-deps.sh          build and test: compiler, cmake, libraries, test tools
#   scripts/install-deps.sh --fuzz   also clang and its fuzzer/sanitizer runtime (CI fuzzing)
#   scripts/install-deps.sh --deb-check
#                                    also debootstrap, for CI's check that the .deb installs in a
#                                    fresh Debian 12 root (scripts/check-deb-debootstrap.sh)
set -eu

# g++ cmake make              compiler and build
# libcli11-dev                command-line parsing (CLI11)
# nlohmann-json3-dev          JSON (nlohmann_json)
# libfmt-dev                  formatting (fmt)
# catch2                      unit tests (Catch2 2.13 on Debian 12, 3.x on Ubuntu 24.04)
# libbenchmark-dev            benchmark target (Google Benchmark; skipped when absent)
# jq                          the README's CI example, run by the tests
# libcurl4-openssl-dev        curl/curl.h for remote models (--hf, --url); the library itself
#                             (libcurl4, which it depends on) is loaded with dlopen at run time
# nginx                       the loopback Hugging Face Hub the remote-model tests start
# dpkg-dev                    dpkg-shlibdeps: the Depends of the .deb that cpack -G DEB builds
# python3-jsonschema          the test that validates every --format json document against
#                             the published schemas (docs/schema/, tests/schema/validate.py)
# lld                         the Release link: the start-up code laid out together
#                             (cmake/StartupLayout.cmake)
# file                        CI prints what kind of binary the Release build made
packages="g++ cmake make libcli11-dev nlohmann-json3-dev libfmt-dev catch2 libbenchmark-dev jq \
libcurl4-openssl-dev nginx dpkg-dev python3-jsonschema lld file"
if [ "${1:-}" = "--fuzz" ]; then
  # clang + the libFuzzer/ASan/UBSan runtimes (only "recommended" by clang, so named here).
  runtime=libclang-rt-dev
  if apt-cache show libclang-rt-14-dev >/dev/null 2>&1; then
    runtime=libclang-rt-14-dev
  fi
  packages="$packages clang $runtime"
fi
if [ "${1:-}" = "--deb-check" ]; then
  # debian-archive-keyring: debootstrap checks bookworm's Release file with it (already there
  # on Debian; a separate package on Ubuntu).
  packages="$packages debootstrap debian-archive-keyring"
fi

missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $package"
  fi
done
if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "install-deps: need root or sudo to install:$missing" >&2
  exit 1
fi
echo "install-deps: installing$missing" >&2
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
