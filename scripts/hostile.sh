#!/usr/bin/env bash
# Runs the release binary over hostile inputs and prints, for each, the exit code, wall time
# and peak RSS (GNU time). The promise (issue 8): every one exits 2 with a located error,
# within the time limit, with peak RSS under 1 GB, and writes no results folder.
#
#   scripts/hostile.sh                 # builds target/release/kubesim first
#   KUBESIM_BIN=path/to/kubesim scripts/hostile.sh
#   HOSTILE_TIMEOUT=60 scripts/hostile.sh    # seconds per case (default 30)
#
# Exit status: 0 when every case held the promise, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [[ -z "${KUBESIM_BIN:-}" ]]; then
  cargo build --release --locked -q || exit 1
  KUBESIM_BIN="$root/target/release/kubesim"
fi
bin=$(realpath "$KUBESIM_BIN")
limit=${HOSTILE_TIMEOUT:-30}
rss_limit_kb=$((1000 * 1000)) # 1 GB
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (apt-get install time)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-hostile.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

base() { # a valid scenario; $1 is appended (more top-level keys, or a traffic section)
  cat <<EOF
horizon: 1d
nodes:
  - pool: w
    count: 3
    zones: [a, b, c]
workloads:
  - name: web
    replicas: 3
    probes:
      readiness: {period: 10s}
    server: {concurrency: 2, service_time: {exponential: 10ms}}
services:
  - name: web
    workload: web
$1
EOF
}
traffic() { # $1: arrivals, $2: extra service settings
  base "traffic: [{service: web, arrivals: $1, timeout: 1s}]" | sed "s|    workload: web|    workload: web\n    $2|"
}
alias_bomb() { # $1: the key that receives the bomb
  echo 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
  for i in $(seq 1 9); do
    p=$((i - 1))
    echo "a$i: &a$i [*a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p]"
  done
  echo "$1: *a9"
}

set_bomb() { # the same bomb as a flow list for `--set`
  local b='[&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]'
  for i in $(seq 1 8); do
    p=$((i - 1))
    b="$b, &a$i [*a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p, *a$p]"
  done
  echo "$b, *a8]"
}

# --- the inputs -----------------------------------------------------------------------------
alias_bomb x > alias-bomb.yaml
{ base ""; alias_bomb "sweep"; } > alias-bomb-sweep.yaml
python3 -c 'print("x:\n" + "- " * 100000 + "1")' > nest-seq.yaml
python3 -c 'print("x: " + "[" * 100000 + "]" * 100000)' > nest-flow.yaml
python3 -c 'print("x: " + "{a: " * 100000 + "1" + "}" * 100000)' > nest-map.yaml
python3 -c 'print("".join(f"k{i}: {i}\n" for i in range(100000)))' > keys-100k.yaml
{ base ""; python3 -c 'print("".join(f"k{i}: {i}\n" for i in range(100000)))'; } > unknown-keys-100k.yaml
printf 'horizon: 1d\n\xff\xfe\x00nodes: []\n' > non-utf8.yaml
base "" | sed 's/start: .*//' | sed 's|    replicas: 3|    replicas: 3\n    start: {empirical: /dev/zero}|' > empirical-devzero.yaml
traffic "{trace: {file: /dev/zero}}" "" > trace-devzero.yaml
traffic "{poisson: 1e9/s}" "" > rate-1e9.yaml
traffic "{poisson: 1e308/s}" "" > rate-1e308.yaml
traffic "{poisson: 1e10/s}" "" > rate-zero-gap.yaml
base "" | sed 's/replicas: 3/replicas: 100000/' > replicas-100k.yaml
traffic "{poisson: 10/s}" "balancer: {ring_hash: {vnodes: 10000000}}" > vnodes-1e7.yaml
traffic "{poisson: 10/s}" "balancer: {maglev: {table: 10000019}}" > maglev-1e7.yaml
base "output: {timeseries: 1ns}" > timeseries-1ns.yaml
base "runs: 1000000" > runs-1e6.yaml
base "$(printf 'sweep:\n  seed: [%s]\n  workloads.web.replicas: [%s]\n' \
  "$(seq -s, 1 1000)" "$(seq -s, 1 1000)")" > sweep-1e6.yaml
base "seed: 18446744073709551616" > seed-overflow.yaml
base "" | sed 's/horizon: 1d/horizon: 1e308d/' > horizon-huge.yaml
base "" > ok.yaml
mkdir -p shard-huge && printf '{"shard": 1, "of": 1000000000000000000, "scenario_text": "x", "sets": [], "runs": []}' > shard-huge/shard.json
mkdir -p plot-empty plot-header plot-nan
: > plot-empty/summary.csv
echo 'variant,service,availability_mean,availability_ci95' > plot-header/summary.csv
printf 'variant,service,availability_mean,availability_ci95\nbase,web,NaN,NaN\n' > plot-nan/summary.csv

# --- the cases: name, then the kubesim arguments, separated by `|` --------------------------------------------
cases=(
  "alias-bomb|validate|alias-bomb.yaml"
  "alias-bomb-sweep|validate|alias-bomb-sweep.yaml"
  "alias-bomb-set|validate|ok.yaml|--set|workloads.web.replicas=$(set_bomb)"
  "nest-seq-100k|validate|nest-seq.yaml"
  "nest-flow-100k|validate|nest-flow.yaml"
  "nest-map-100k|validate|nest-map.yaml"
  "keys-100k|validate|keys-100k.yaml"
  "unknown-keys-100k|validate|unknown-keys-100k.yaml"
  "non-utf8|validate|non-utf8.yaml"
  "devzero-scenario|validate|/dev/zero"
  "devzero-empirical|validate|empirical-devzero.yaml"
  "devzero-trace|validate|trace-devzero.yaml"
  "rate-1e9|run|rate-1e9.yaml|--out|out"
  "rate-1e308|run|rate-1e308.yaml|--out|out"
  "rate-zero-gap|run|rate-zero-gap.yaml|--out|out"
  "replicas-100k|run|replicas-100k.yaml|--out|out"
  "vnodes-1e7|run|vnodes-1e7.yaml|--out|out"
  "maglev-1e7|run|maglev-1e7.yaml|--out|out"
  "timeseries-1ns|run|timeseries-1ns.yaml|--out|out"
  "runs-1e6|run|runs-1e6.yaml|--out|out"
  "runs-flag-1e6|run|ok.yaml|--runs|1000000|--out|out"
  "sweep-1e6|run|sweep-1e6.yaml|--out|out"
  "jobs-100k|run|ok.yaml|--jobs|100000|--runs|2|--set|horizon=1h|--out|out"
  "shard-1e18|run|ok.yaml|--shard|1/1000000000000000000|--out|out"
  "merge-of-1e18|merge|shard-huge|--out|out"
  "seed-overflow|validate|seed-overflow.yaml"
  "horizon-1e308d|validate|horizon-huge.yaml"
  "plot-empty|plot|plot-empty"
  "plot-header-only|plot|plot-header"
  "plot-nan|plot|plot-nan"
)

printf '%-20s %5s %8s %10s  %s\n' case exit wall_s max_rss_mb verdict
failed=0
for c in "${cases[@]}"; do
  IFS='|' read -r -a parts <<< "$c"
  name=${parts[0]}
  args=("${parts[@]:1}")
  rm -rf out results
  # The address-space cap only protects the machine (4 GiB): past 1 GB the case fails anyway.
  # SIGKILL, not SIGTERM: kubesim treats SIGTERM as "finish up", and a case past its time is
  # already a failure. Per-case files, so a straggler cannot write into the next case's.
  { (ulimit -v $((4 * 1024 * 1024))
     exec timeout -s KILL "$limit" /usr/bin/time -v -o "time-$name.txt" "$bin" "${args[@]}" \
       > "stdout-$name.txt" 2> "stderr-$name.txt" < /dev/null); } 2> /dev/null
  code=$?
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "time-$name.txt" 2>/dev/null)
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "time-$name.txt" 2>/dev/null)
  # m:ss.ss (or h:mm:ss) to seconds
  secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<< "${wall:-0}")
  verdict=ok
  if [[ $code -eq 124 || $code -eq 137 ]]; then
    rss_kb=""
    verdict="TIMEOUT (> ${limit} s)"; secs=">$limit"
  elif [[ $code -ne 2 ]]; then
    verdict="exit $code, expected 2: $(grep -m1 -v '^$' "stderr-$name.txt" | cut -c1-90)"
  elif [[ -n "$rss_kb" && $rss_kb -ge $rss_limit_kb ]]; then
    verdict="peak RSS over 1 GB"
  elif [[ -e out || -e results ]]; then
    verdict="wrote a results folder"
  fi
  if [[ $verdict == ok ]]; then
    verdict="ok: $(grep -v -e "^$" -e "errors\? in scenario:$" "stderr-$name.txt" | head -1 | sed "s/^ *//" | cut -c1-90)"
  else
    failed=$((failed + 1))
  fi
  printf '%-20s %5s %8s %10s  %s\n' "$name" "$code" "$secs" \
    "$(awk '{printf "%.0f", $1 / 1024}' <<< "${rss_kb:-0}")" "$verdict"
done
echo "${#cases[@]} cases, $failed broke the promise"
[[ $failed -eq 0 ]]
