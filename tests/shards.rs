//! Sharding: shards 1/3, 2/3 and 3/3 merged give byte-identical CSV to the unsharded run,
//! for a swept scenario with request traffic (latency histograms travel through the shards).

use std::path::Path;
use std::process::Command;

const SCENARIO: &str = "
horizon: 20m
warmup: 1m
runs: 5
seed: 9
nodes: [{pool: w, count: 3}]
workloads:
  - name: web
    replicas: 3
    failures: {crash: {exponential: 5m}}
    probes: {readiness: {period: 2s}}
    server: {concurrency: 2, service_time: {exponential: 10ms}}
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {poisson: 150/s}, timeout: 1s, retries: {attempts: 1}}]
sweep:
  services.web.balancer: [random, power_of_two]
";

fn kubesim(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn merged_shards_equal_the_single_run() {
    let dir = std::env::temp_dir().join(format!("kubesim-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.yaml"), SCENARIO).unwrap();
    kubesim(&dir, &["run", "s.yaml", "--quiet", "--out", "single"]);
    for i in 1..=3 {
        kubesim(
            &dir,
            &[
                "run",
                "s.yaml",
                "--quiet",
                "--jobs",
                "1",
                "--shard",
                &format!("{i}/3"),
                "--out",
                &format!("shard{i}"),
            ],
        );
    }
    // Order of the shard folders does not matter.
    let msg = kubesim(
        &dir,
        &["merge", "shard3", "shard1", "shard2", "--out", "merged"],
    );
    assert!(msg.starts_with("merged 3 shards, 10 runs"), "{msg}");
    for f in ["runs.csv", "summary.csv"] {
        let (a, b) = (
            std::fs::read(dir.join("single").join(f)).unwrap(),
            std::fs::read(dir.join("merged").join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs after merging");
    }
    let summary = std::fs::read_to_string(dir.join("merged/summary.csv")).unwrap();
    assert!(summary.contains("latency_ms_p99_mean"));
    // A missing shard is an error, not a silently smaller result.
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["merge", "shard1", "shard3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: shard 2 of 3 is missing"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
