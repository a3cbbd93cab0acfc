# Sourced by every build script (the seed's `ourci/scripts/common.sh`): the OurCI shell
# library plus this repository's images and a helper that spawns a build through the
# trampoline.
# shellcheck shell=bash
set -euo pipefail

if [ -z "${OURCI_SH:-}" ]; then
  echo "OURCI_SH is not set: run this script as an OurCI task (see examples/seed-workflow/README.md)" >&2
  exit 2
fi
# shellcheck source=/dev/null
. "${OURCI_SH}"

BASE_SDK=docker.cesanta.com/ourci-base:2016-07
ESP_SDK=$(cat fw/platforms/esp8266/sdk.version)
export BASE_SDK ESP_SDK

# spawn_build NAME IMAGE SCRIPT [spawn options…]
# Publishes a build request to ourci/build/docker; the new task joins this job as a child of
# this task. CI_FAIL (a build name to break on purpose, for demos) is passed along.
spawn_build() {
  local name=$1 image=$2 script=$3
  shift 3
  local pass=()
  if [ -n "${CI_FAIL:-}" ]; then pass=(--env "CI_FAIL=${CI_FAIL}"); fi
  local id
  id=$(spawn_task -t ourci/build/docker --name "${name}" --image "${image}" --timeout 10m "${pass[@]}" "$@" \
    "${CI_TRAMPOLINE}" "${image}" "${script}")
  echo "spawned task ${id}: ${name} (${script} in ${image})"
}

# Fails the build on purpose when CI_FAIL names it (the failing-job demo).
broken() {
  [ "${CI_FAIL:-}" = "$1" ]
}
