#!/usr/bin/env bash
# Peer comparison: the same balancer model in SimPy and in kubesim, same simulated work, one
# core each; prints both wall times and the ratio. Skips cleanly without Python or SimPy.
#   bash benches/peers/compare.sh [HORIZON_S]
set -euo pipefail
cd "$(dirname "$0")/../.."
horizon="${1:-3000}"
if ! command -v python3 >/dev/null; then echo "skipped: no python3"; exit 0; fi
if ! python3 -c "import simpy" 2>/dev/null; then
  python3 -m pip install --quiet simpy >/dev/null 2>&1 || true
fi
if ! python3 -c "import simpy" 2>/dev/null; then echo "skipped: simpy not installable"; exit 0; fi
cargo build --release --quiet
simpy_json=$(python3 benches/peers/simpy_balancer.py "$horizon")
out=$(mktemp -d)
start=$(date +%s.%N)
./target/release/kubesim run benches/peers/balancer.yaml --jobs 1 --quiet --set "horizon=${horizon}s" --out "$out/r"
end=$(date +%s.%N)
# Both times cover the simulation only (SimPy: env.run; kubesim: manifest wall_s, the runs
# without process start-up and file output); the whole CLI run is shown too.
python3 - "$simpy_json" "$out/r" "$start" "$end" <<'PY'
import csv, json, sys
simpy = json.loads(sys.argv[1])
row = next(csv.DictReader(open(sys.argv[2] + "/summary.csv")))
sim_s = json.load(open(sys.argv[2] + "/manifest.json"))["wall_s"]
cli_s = float(sys.argv[4]) - float(sys.argv[3])
print(f"simpy:   {simpy['requests']:>10} requests, mean latency {simpy['latency_ms_mean']:.2f} ms, {simpy['wall_s']:.2f} s")
print(f"kubesim: {float(row['requests_mean']):>10.0f} requests, mean latency {float(row['latency_ms_mean_mean']):.2f} ms, {sim_s:.3f} s ({cli_s:.3f} s whole CLI run)")
print(f"kubesim is {simpy['wall_s'] / sim_s:.0f}x faster on the same simulated work ({simpy['wall_s'] / cli_s:.0f}x counting process start-up and output)")
PY
rm -rf "$out"
