#!/usr/bin/env bash
# Starts the seed workflow as a job on a running master and follows it to the end:
#   examples/seed-workflow/run.sh [ourci run options, e.g. --env CI_FAIL=v7]
# Exits 0 when the job succeeds, 1 when a task failed (see README.md).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec "${HERE}/../../bin/ourci" run -t ourci/build/docker --name ci/main.sh --title "seed workflow" --wait "$@" -- \
  "${HERE}/ci/trampoline.sh" docker.cesanta.com/ourci-base:2016-07 ci/main.sh
