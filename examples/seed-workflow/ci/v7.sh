#!/usr/bin/env bash
# v7: compile the engine and its tests with warnings as errors, run the tests.
. "$(dirname "$0")/common.sh"

CFLAGS="-O2 -Wall -Wextra -Werror"
if broken v7; then CFLAGS="${CFLAGS} -DV7_INJECT_BUG"; echo "v7: CI_FAIL=v7, building with an injected bug"; fi
mkdir -p build
# shellcheck disable=SC2086
cc ${CFLAGS} -o build/v7_test v7/v7.c v7/v7_test.c -lm
./build/v7_test
