#!/usr/bin/env bash
# Golden outputs: run every shipped scenario (plus a few scaled-up cases that exercise
# pod churn, StatefulSet ordinals and scheduling order at size) with the release binary
# and keep runs.csv, summary.csv, events.csv and timeseries.csv.
#
#   scripts/golden.sh make  DIR    # write the outputs under DIR (run on the old code)
#   scripts/golden.sh check DIR    # run again into a temp folder, compare byte for byte
#
# manifest.json is not compared (it holds wall_s and the command line).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: golden.sh make|check DIR}
golden=${2:?usage: golden.sh make|check DIR}
cargo build --release -q
bin=target/release/kubesim

# name | scenario | extra args (the output fields are added below)
cases=(
  "detection-time|scenarios/detection-time.yaml|--set output.timeseries=1h"
  "fluid-month|scenarios/fluid-month.yaml|--set output.timeseries=1h"
  "quickstart|scenarios/quickstart.yaml|--set output.timeseries=1h"
  "requests-10-pods|scenarios/requests-10-pods.yaml|--runs 2 --set output.timeseries=10s"
  "statefulset-vs-deployment|scenarios/statefulset-vs-deployment.yaml|--set output.timeseries=1h"
  "year-100-pods|scenarios/year-100-pods.yaml|--set output.timeseries=1h"
  "zone-outage|scenarios/zone-outage.yaml|--set output.timeseries=10s"
  "sts-200|scenarios/statefulset-vs-deployment.yaml|--runs 3 --set workloads.db.replicas=200 --set workloads.web.replicas=50 --set nodes.workers.count=40 --set output.timeseries=1h"
  "year-1000-pods-90d|scenarios/year-100-pods.yaml|--runs 2 --set horizon=90d --set workloads.api.replicas=1000 --set nodes.workers.count=250 --set output.timeseries=1h"
  "pods-10k-3d|scenarios/year-100-pods.yaml|--runs 1 --set horizon=3d --set workloads.api.replicas=10000 --set nodes.workers.count=2500 --set output.timeseries=1h"
)

case $mode in
  make) out=$golden ;;
  check) out=$(mktemp -d) ;;
  *) echo "mode must be make or check" >&2; exit 2 ;;
esac
mkdir -p "$out"

fail=0
for c in "${cases[@]}"; do
  IFS='|' read -r name scenario extra <<<"$c"
  # shellcheck disable=SC2086
  $bin run "$scenario" -q -j 2 --out "$out/$name.tmp" --set output.events=true $extra
  mkdir -p "$out/$name"
  for f in runs.csv summary.csv events.csv timeseries.csv; do
    [[ -f "$out/$name.tmp/$f" ]] && mv "$out/$name.tmp/$f" "$out/$name/$f"
  done
  rm -rf "$out/$name.tmp"
  if [[ $mode == check ]]; then
    if diff -rq "$golden/$name" "$out/$name" >/dev/null; then
      echo "same      $name"
    else
      echo "DIFFERENT $name"; diff -rq "$golden/$name" "$out/$name" || true; fail=1
    fi
  fi
done
[[ $mode == check ]] && rm -rf "$out"
exit $fail
