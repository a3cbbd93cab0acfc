#!/usr/bin/env bash
# Mongoose IoT for POSIX: build the firmware as a host program and boot it once.
. "$(dirname "$0")/../common.sh"

VERSION=$(cat fw/VERSION)
mkdir -p build
cc -O2 -Wall -Wextra -Werror -DFW_VERSION="\"${VERSION}\"" -DFW_PLATFORM='"posix"' -o build/fw-posix fw/src/main.c
out=$(./build/fw-posix --selftest)
echo "${out}"
if broken fw/posix || ! grep -qx 'selftest: ok' <<<"${out}"; then
  echo "fw/posix: selftest failed" >&2
  exit 1
fi
echo "fw/posix: mongoose-iot v${VERSION} boots"
