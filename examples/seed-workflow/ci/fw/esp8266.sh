#!/usr/bin/env bash
# Mongoose IoT for ESP8266 (OTA=1 for the over-the-air variant): build a flashable image and
# its manifest, pack them as a tarball, upload it with the test driver to the job's blobs,
# and spawn the hardware test on ourci/test/esp-12e.
#
# There is no xtensa toolchain in this example: the application is compiled with the host cc
# and its machine code becomes the image's IRAM segment. Everything else is what a real
# build produces: an ESP8266 v1 image (magic 0xE9, 4 MB flash, checksum) with the version
# inside, and a mos-style manifest.
. "$(dirname "$0")/../common.sh"

OTA=${OTA:-0}
VARIANT=esp8266
OTA_FLAG=()
if [ "${OTA}" = 1 ]; then VARIANT=esp8266-ota; OTA_FLAG=(--ota); fi
VERSION=$(cat fw/VERSION)
BUILD_ID="$(date -u +%Y%m%d%H%M%S)-job${BUILD_JOB}-task${BUILD_TASK}"
FW_BLOB="fw-${VARIANT}.tar.gz"
SCRIPT_BLOB="test-${VARIANT}.sh"

mkdir -p build firmware
cc -O2 -Wall -Wextra -Werror -o build/mkimage fw/tools/mkimage.c
cc -O2 -Wall -Wextra -Werror -DFW_VERSION="\"${VERSION}\"" -DFW_PLATFORM='"esp8266"' -DFW_OTA="${OTA}" \
  -o build/app fw/src/main.c
objcopy -O binary -j .text build/app build/app.text
build/mkimage --name mongoose-iot --version "${VERSION}" --text build/app.text --build-id "${BUILD_ID}" \
  "${OTA_FLAG[@]}" -o firmware/firmware.bin
if broken "fw/${VARIANT}"; then
  # Flip the checksum byte: the hardware test must catch a corrupt image.
  last=$(($(stat -c %s firmware/firmware.bin) - 1))
  printf '\x00' | dd of=firmware/firmware.bin bs=1 seek="${last}" conv=notrunc status=none
  echo "fw/${VARIANT}: CI_FAIL=fw/${VARIANT}, corrupted the image checksum"
fi

SIZE=$(stat -c %s firmware/firmware.bin)
SHA=$(sha256sum firmware/firmware.bin | cut -d' ' -f1)
cat >firmware/manifest.json <<JSON
{
  "name": "mongoose-iot",
  "platform": "esp8266",
  "version": "${VERSION}",
  "build_id": "${BUILD_ID}",
  "build_timestamp": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "ota": $([ "${OTA}" = 1 ] && echo true || echo false),
  "parts": {
    "fw": { "type": "app", "src": "firmware.bin", "addr": 0, "size": ${SIZE}, "cs_sha256": "${SHA}" }
  }
}
JSON
tar cvfz fw.tar.gz firmware
FW_SHA=$(sha256sum fw.tar.gz | cut -d' ' -f1)
echo "fw/${VARIANT}: ${FW_BLOB} sha256 ${FW_SHA}"

blob_upload fw.tar.gz "${FW_BLOB}"
blob_upload ci/fw/esp8266-test.sh "${SCRIPT_BLOB}"
echo "fw/${VARIANT}: uploaded ${FW_BLOB} and ${SCRIPT_BLOB}"

# The test agent has no checkout and no credentials beyond its task's environment: it
# fetches the driver and runs it, exactly like the seed's Agent B script.
RUNNER='curl -fsS "$BLOB_URL/$2" -o test_script && chmod +x test_script && exec ./test_script "$1" "$3"'
id=$(spawn_task -t ourci/test/esp-12e --name "test/esp-12e ${VARIANT}" --timeout 10m \
  sh -c "${RUNNER}" esp-12e-test "${FW_BLOB}" "${SCRIPT_BLOB}" "${FW_SHA}")
echo "spawned task ${id}: test/esp-12e ${VARIANT}"
