#!/usr/bin/env bash
# The root build script: the master's first task runs it; it spawns one build per component
# and ends. The job completes when every task it spawned (and they spawned) has.
. "$(dirname "$0")/common.sh"

spawn_build v7 "${BASE_SDK}" ci/v7.sh
spawn_build mongoose "${BASE_SDK}" ci/mongoose.sh
spawn_build mongoose-iot "${BASE_SDK}" ci/iot.sh
echo "main: 3 builds spawned"
