# OurCI shell library for task scripts (DESIGN.md §5). Source it:
#   . "$OURCI_SH"
# and use the seed's helpers:
#   spawn_task -t TOPIC [--timeout 30m] [--env K=V] [--name NAME] ARGS…   prints the new task's id
#   blob_upload FILE NAME                                                  stores FILE as NAME in this job's blobs
#   blob_download NAME FILE                                                fetches NAME into FILE
# They need only what the agent puts in the environment (OURCI_URL, OURCI_TOKEN, BLOB_URL).
# spawn_task uses the `ourci` command the agent puts on PATH; the blob helpers need only curl.

spawn_task() {
  ourci spawn "$@"
}

blob_upload() {
  if [ "$#" -ne 2 ]; then echo "usage: blob_upload FILE NAME" >&2; return 2; fi
  curl -fsS --retry 3 --retry-connrefused -T "$1" "$BLOB_URL/$2" >/dev/null
}

blob_download() {
  if [ "$#" -ne 2 ]; then echo "usage: blob_download NAME FILE" >&2; return 2; fi
  curl -fsS --retry 3 --retry-connrefused -o "$2" "$BLOB_URL/$1"
}
