//! `output:` files: the time series samples every interval for the first run of each variant,
//! and the event log names what happened.

use std::process::Command;

#[test]
fn timeseries_and_events_are_written() {
    let dir = std::env::temp_dir().join(format!("kubesim-outputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s.yaml"),
        "
horizon: 1h
runs: 3
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 2, start: 1s}]
traffic: [{service: web, arrivals: {poisson: 50/s}}]
faults: [{at: 20m, kill_pod: web-0}]
output: {timeseries: 5m, events: true}
",
    )
    .unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "s.yaml", "--quiet", "--out", "r"])
        .status()
        .unwrap();
    assert!(st.success());
    let ts = std::fs::read_to_string(dir.join("r/timeseries.csv")).unwrap();
    let lines: Vec<&str> = ts.lines().collect();
    assert_eq!(
        lines[0],
        "variant,t_s,service,ready,serving,replicas,requests,success_ratio,latency_ms_p99"
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
