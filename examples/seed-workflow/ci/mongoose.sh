#!/usr/bin/env bash
# Mongoose: compile the HTTP parser and its tests, run them.
. "$(dirname "$0")/common.sh"

CFLAGS="-O2 -Wall -Wextra -Werror"
if broken mongoose; then CFLAGS="${CFLAGS} -DMG_INJECT_BUG"; echo "mongoose: CI_FAIL=mongoose, building with an injected bug"; fi
mkdir -p build
# shellcheck disable=SC2086
cc ${CFLAGS} -o build/mongoose_test mongoose/mongoose.c mongoose/mongoose_test.c
./build/mongoose_test
