#!/bin/sh
# Hardware test driver for ESP-12E boards (the seed's `ci/fw/esp8266_test.sh`). It lives in
# the repository, so a PR can change it, and reaches the test agent through the blob store.
#
#   test_script FW_BLOB [SHA256]
#
# Fetches the firmware tarball from the job's blobs, checks its SHA-256, unpacks it, and
# checks what a bench checks before flashing: the manifest, and the ESP8266 image header,
# segments and checksum (docs/seed-workflow.md), and the version inside the image. Needs
# only sh, curl, tar, od and awk: test hosts have no checkout and no compiler.
set -eu

FW_BLOB=${1:?usage: test_script FW_BLOB [SHA256]}
WANT_SHA=${2:-}

fail() {
  echo "esp-12e: FAIL: $*" >&2
  exit 1
}

echo "esp-12e: fetching ${FW_BLOB}"
curl -fsS --retry 3 --retry-connrefused "${BLOB_URL}/${FW_BLOB}" -o fw.tar.gz
GOT_SHA=$(sha256sum fw.tar.gz | cut -d' ' -f1)
if [ -n "${WANT_SHA}" ] && [ "${GOT_SHA}" != "${WANT_SHA}" ]; then
  fail "${FW_BLOB}: sha256 ${GOT_SHA}, expected ${WANT_SHA}"
fi
echo "esp-12e: ${FW_BLOB} sha256 ${GOT_SHA} ok"

tar xzf fw.tar.gz
MANIFEST=firmware/manifest.json
[ -f "${MANIFEST}" ] || fail "the tarball has no ${MANIFEST}"
field() {
  sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "${MANIFEST}" | head -n 1
}
PLATFORM=$(field platform)
VERSION=$(field version)
[ "${PLATFORM}" = esp8266 ] || fail "manifest platform is '${PLATFORM}', not esp8266"
[ -n "${VERSION}" ] || fail "manifest has no version"
IMAGE=firmware/firmware.bin
[ -f "${IMAGE}" ] || fail "the tarball has no ${IMAGE}"
PART_SHA=$(sed -n 's/.*"cs_sha256": *"\([0-9a-f]*\)".*/\1/p' "${MANIFEST}")
[ "$(sha256sum "${IMAGE}" | cut -d' ' -f1)" = "${PART_SHA}" ] || fail "${IMAGE} does not match the manifest's cs_sha256"

# The image (flashing.md §3.1): magic 0xE9, segment count 1..16, flash mode 0..3, size/freq
# byte, entry point, segments (address, length, data), zero padding, and at the end of the
# last 16-byte line the checksum: 0xEF XOR every segment data byte.
od -An -tu1 -v "${IMAGE}" | awk -v want_size=4 '
  function xor(a, b,   r, bit) {
    r = 0
    for (bit = 1; bit < 256; bit *= 2) {
      if ((int(a / bit) % 2) != (int(b / bit) % 2)) r += bit
    }
    return r
  }
  function u32(i) { return b[i] + b[i + 1] * 256 + b[i + 2] * 65536 + b[i + 3] * 16777216 }
  function die(msg) { print "esp-12e: FAIL: " msg > "/dev/stderr"; bad = 1; exit 1 }
  { for (i = 1; i <= NF; i++) b[n++] = $i }
  END {
    if (bad) exit 1
    if (n < 16) die("image is " n " bytes, shorter than a header")
    if (b[0] != 233) die(sprintf("not an ESP8266 image: magic 0x%02x", b[0]))
    segs = b[1]
    if (segs < 1 || segs > 16) die("segment count " segs " is out of range 1..16")
    if (b[2] > 3) die("flash mode " b[2] " is not one of QIO, QOUT, DIO, DOUT")
    size = int(b[3] / 16); freq = b[3] % 16
    if (size != want_size) die("flash size code " size " in the header, the ESP-12E has 4 MB (code 4)")
    if (freq != 0 && freq != 1 && freq != 2 && freq != 15) die("flash frequency code " freq " is invalid")
    pos = 8; sum = 239
    for (s = 0; s < segs; s++) {
      if (pos + 8 > n) die("segment " s " header truncated")
      addr = u32(pos); len = u32(pos + 4); pos += 8
      if (pos + len > n) die("segment " s " truncated: needs " pos + len " bytes, file has " n)
      if (addr < 1073610752 || addr >= 1075838976) die(sprintf("segment %d loads at 0x%08x, outside RAM", s, addr))
      for (i = pos; i < pos + len; i++) sum = xor(sum, b[i])
      printf "esp-12e: segment %d: 0x%08x, %d bytes\n", s, addr, len
      pos += len
    }
    at = (int(pos / 16) + 1) * 16 - 1
    if (at >= n) die("checksum byte missing")
    if (b[at] != sum) die(sprintf("checksum mismatch: stored 0x%02x, computed 0x%02x", b[at], sum))
    printf "esp-12e: image ok: %d segments, entry 0x%08x, checksum 0x%02x\n", segs, u32(4), sum
  }
' || fail "${IMAGE} is not a valid ESP8266 image"

BANNER=$(tr -c '[:print:]' '\n' <"${IMAGE}" | grep -m 1 "^mongoose-iot v${VERSION} " || true)
[ -n "${BANNER}" ] || fail "${IMAGE} does not contain the version string 'mongoose-iot v${VERSION}'"
echo "esp-12e: version string: ${BANNER}"

# On a bench (OURCI_BENCH_URL and BOARD_ID set), flash the bundle onto the task's board and
# wait for the boot banner naming this version on its serial port. `ourci flash` and
# `ourci console` go through the bench, which owns the port and copies its output into this
# task's log; the console starts at the flash, so the banner cannot be missed.
if [ -n "${OURCI_BENCH_URL:-}" ]; then
  echo "esp-12e: flashing ${FW_BLOB} onto board ${BOARD_ID} (${BOARD_TYPE}, MAC ${BOARD_MAC})"
  ourci flash fw.tar.gz || fail "flashing ${FW_BLOB} onto board ${BOARD_ID} failed"
  ourci console --until "^app: name=mongoose-iot version=${VERSION} " --timeout 30s --no-timestamps >serial.txt \
    || fail "board ${BOARD_ID} did not boot mongoose-iot v${VERSION} within 30 s"
  echo "esp-12e: board ${BOARD_ID} booted: $(grep -m 1 '^app: ' serial.txt)"
else
  echo "esp-12e: not on a bench (no OURCI_BENCH_URL): image checks only"
fi
echo "esp-12e: PASS mongoose-iot v${VERSION} (${FW_BLOB})"
