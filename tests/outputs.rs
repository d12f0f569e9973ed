//! `output:` files: the time series samples every interval for the first run of each variant,
//! and the event log names what happened.

use std::path::PathBuf;
use std::process::Command;

/// Writes `yaml` as `s.yaml` in a fresh temporary folder, runs it into `r/` and returns the
/// folder (the caller removes it).
fn run_in(tag: &str, yaml: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.yaml"), yaml).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "s.yaml", "--quiet", "--out", "r"])
        .status()
        .unwrap();
    assert!(st.success());
    dir
}

#[test]
fn timeseries_and_events_are_written() {
    let dir = run_in(
        "kubesim-outputs",
        "
horizon: 1h
runs: 3
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 2, start: 1s}]
traffic: [{service: web, arrivals: {poisson: 50/s}}]
faults: [{at: 20m, kill_pod: web-0}]
output: {timeseries: 5m, events: true}
",
    );
    let ts = std::fs::read_to_string(dir.join("r/timeseries.csv")).unwrap();
    let lines: Vec<&str> = ts.lines().collect();
    assert_eq!(
        lines[0],
        "variant,t_s,service,ready,serving,replicas,requests,success_ratio,latency_ms_p99,desired_replicas,metric_value,offered_rps,nodes_w"
    );
    // Samples at 5, 10, …, 55 min (the one at 60 min is at the horizon), first run only.
    assert_eq!(lines.len(), 1 + 11);
    assert!(lines[1].starts_with("base,300,web,2,2,2,"), "{}", lines[1]);
    let ev = std::fs::read_to_string(dir.join("r/events.csv")).unwrap();
    assert!(ev.starts_with("variant,t_s,kind,entity,detail\n"));
    assert!(ev.contains("base,1200,kill-pod,web-0,"), "kill at 20 min");
    assert!(ev.contains("base,1200,exited,web-0,restart-in 0ns"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hung_pod_timeouts_land_in_the_bin_of_their_own_time() {
    // web-1 hangs from 5 min to 15 min. Readiness (period 10 s, 3 failures) drops it from
    // the endpoints about 30 s into the hang; until then `random` sends it half of 20 req/s,
    // and each of those times out 30 s after arrival, i.e. by ~6 min. Nothing touches the
    // hung pod after it leaves the endpoints, so lazily settled timeouts used to be binned
    // when the hang ended (the 15–16 min bin). They belong to the bins 5–7 min.
    let dir = run_in(
        "kubesim-bins",
        "
horizon: 20m
nodes: [{pool: w, count: 2}]
workloads:
  - {name: web, replicas: 2, start: 1s, spread: nodes,
     probes: {readiness: {period: 10s, failure_threshold: 3}}}
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {poisson: 20/s}, timeout: 30s}]
faults: [{at: 5m, hang_pod: web-1, for: 10m}]
output: {timeseries: 1m, events: true}
",
    );
    let ts = std::fs::read_to_string(dir.join("r/timeseries.csv")).unwrap();
    // Failed requests per bin, from (requests, success_ratio); row k is the bin ending k min.
    let failed: Vec<f64> = ts
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let n: f64 = c[6].parse().unwrap();
            n * (1.0 - c[7].parse::<f64>().unwrap_or(1.0))
        })
        .collect();
    let during: f64 = failed[5..7].iter().sum();
    let later: f64 = failed[7..].iter().sum();
    // ~0.5 × 20/s × ~30 s ≈ 300 timeouts, all resolved before 7 min.
    assert!(
        during > 150.0,
        "timeouts in the 6–7 min bins: {during}\n{ts}"
    );
    assert_eq!(later, 0.0, "no timeouts after 7 min:\n{ts}");
    // Typed event rows: kind, entity and detail in their own columns.
    let ev = std::fs::read_to_string(dir.join("r/events.csv")).unwrap();
    assert!(
        ev.lines().any(|l| l.ends_with(",hang,web-1,")),
        "hang row:\n{ev}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn probe_rows_keep_kind_entity_and_detail_apart() {
    let dir = run_in(
        "kubesim-probe-rows",
        "
horizon: 1m
nodes: [{pool: w, count: 1}]
workloads: [{name: web, replicas: 1, start: 1s, probes: {readiness: {period: 10s}}}]
output: {events: true}
",
    );
    let ev = std::fs::read_to_string(dir.join("r/events.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(ev.as_bytes());
    let probe = rdr
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[2] == "probe")
        .expect("a probe row");
    assert_eq!((&probe[3], &probe[4]), ("web-0", "Readiness success"));
    std::fs::remove_dir_all(&dir).unwrap();
}
