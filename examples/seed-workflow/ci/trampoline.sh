#!/usr/bin/env bash
# The trampoline every build task runs (the seed's `ci/ourci.sh`): check out the repository,
# then run the build script the task names, in the image it names.
#
#   trampoline.sh IMAGE SCRIPT [ARGS…]
#
# The seed clones the branch with `git clone --reference /data/srcfs`; this example's
# "repository" is the directory around ci/, copied into the task's fresh working directory.
# There is no docker here: IMAGE is recorded and the script runs on the agent's host.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: trampoline.sh IMAGE SCRIPT [ARGS...]" >&2
  exit 2
fi
IMAGE=$1
SCRIPT=$2
shift 2

# Absolute, so child tasks can run it too (they pass it as their first argument).
CI_TRAMPOLINE="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
REPO=$(dirname "$(dirname "$CI_TRAMPOLINE")")
export CI_TRAMPOLINE

echo "[trampoline] job ${BUILD_JOB:-?} task ${BUILD_TASK:-?} attempt ${BUILD_ATTEMPT:-?} on ${BUILD_TOPIC:-?}"
echo "[trampoline] image ${IMAGE} (no docker in this example: running on $(uname -sm))"
echo "[trampoline] blobs: ${BLOB_URL:-unset}"

CHECKOUT=$(mktemp -d "${PWD}/src.XXXXXX")
cleanup() {
  rm -rf "${CHECKOUT}"
}
trap cleanup EXIT
cp -R "${REPO}/." "${CHECKOUT}/"
rm -rf "${CHECKOUT}/build" "${CHECKOUT}/firmware"
cd "${CHECKOUT}"

if [ ! -f "ci/${SCRIPT#ci/}" ]; then
  echo "[trampoline] no such build script: ${SCRIPT}" >&2
  exit 2
fi
echo "[trampoline] running ci/${SCRIPT#ci/} $*"
bash "ci/${SCRIPT#ci/}" "$@"
