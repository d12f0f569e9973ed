//! Shared by the bad-input catalogues: the base scenario they mutate, alias bombs, and the
//! check that a rejected run exits 2, says why and writes nothing.

use std::path::PathBuf;
use std::process::Command;

pub const BASE: &str = "horizon: 1d
nodes:
  - pool: w
    count: 3
    zones: [a, b, c]
workloads:
  - name: web
    replicas: 3
    probes:
      readiness: {period: 10s}
services:
  - name: web
    workload: web
";

pub fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` not in the base scenario");
    BASE.replacen(from, to, 1)
}

/// "Billion laughs": seven levels of ten aliases each, 10^7 values once expanded.
pub fn bomb_value() -> String {
    let mut s = String::from("[&a [x, x, x, x, x, x, x, x, x, x]");
    for (prev, name) in ["a", "b", "c", "d", "e", "f"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g"])
    {
        s.push_str(&format!(
            ", &{name} [{}]",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    s + "]"
}

pub fn bomb(key: &str) -> String {
    format!("{key}: {}\n", bomb_value())
}

pub fn bomb_set() -> String {
    format!("description={}", bomb_value())
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubesim-bad-scenario-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `kubesim run bad.yaml --out out ARGS` (or `kubesim run ARGS --out out` without a
/// scenario) in a fresh folder holding `files`; checks exit code 2 and that nothing was
/// written; returns stderr's lines, trimmed.
pub fn reject(
    tag: &str,
    scenario: Option<&[u8]>,
    files: &[(&str, &[u8])],
    args: &[&str],
) -> Vec<String> {
    let dir = temp_dir(tag);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubesim"));
    cmd.current_dir(&dir).arg("run");
    let mut written: Vec<String> = Vec::new();
    if let Some(yaml) = scenario {
        std::fs::write(dir.join("bad.yaml"), yaml).unwrap();
        written.push("bad.yaml".into());
        cmd.args(["bad.yaml", "--out", "out"]).args(args);
    } else {
        cmd.args(args).args(["--out", "out"]);
    }
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
        written.push(name.to_string());
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{tag}: exit code; stderr:\n{stderr}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    written.sort();
    assert_eq!(left, written, "{tag}: something was written");
    std::fs::remove_dir_all(&dir).unwrap();
    stderr.lines().map(|l| l.trim().to_string()).collect()
}
