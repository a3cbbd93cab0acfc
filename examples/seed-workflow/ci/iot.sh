#!/usr/bin/env bash
# Mongoose IoT: keeps its build logic together by spawning one task per platform; the ESP8266
# builds run in the SDK image and spawn their hardware tests themselves.
. "$(dirname "$0")/common.sh"

spawn_build fw/posix "${BASE_SDK}" ci/fw/posix.sh
spawn_build fw/esp8266 "${ESP_SDK}" ci/fw/esp8266.sh
spawn_build "fw/esp8266 OTA=1" "${ESP_SDK}" ci/fw/esp8266.sh --env OTA=1
echo "mongoose-iot: 3 platform builds spawned"
