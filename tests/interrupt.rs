//! Interrupts: a set cancel flag stops runs (even one long run, inside the engine loop); the
//! finished runs are kept in a clearly marked `<name>.partial` folder whose manifest says so;
//! SIGINT exits 130, SIGTERM 143. Deterministic: signals are raised by a hidden test hook
//! after exactly N runs, or sent once the child says its first run finished.

use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::{SimOptions, simulate};
use kubesim::scenario::Scenario;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const SHORT: &str = "
horizon: 10m
runs: 10
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 2, start: 1s}]
traffic: [{service: web, arrivals: {poisson: 20/s}}]
";

/// Variant 0 is over in a blink; variant 1 (8.6e7 arrivals, under the up-front estimate
/// limit) would run for many seconds if not interrupted.
const LONG: &str = "
horizon: 1h
runs: 1
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 2, start: 1s}]
traffic: [{service: web, arrivals: {poisson: 1000/s}}]
sweep: {horizon: [1s, 1d]}
";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubesim-int-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn variants(yaml: &str) -> Vec<Variant> {
    Scenario::variants_from_text(yaml, Path::new("t.yaml"), &[])
        .unwrap()
        .into_iter()
        .map(Variant::from)
        .collect()
}

fn leak_flag() -> &'static AtomicBool {
    Box::leak(Box::new(AtomicBool::new(false)))
}

#[test]
fn a_cancel_after_n_runs_keeps_exactly_those_runs() {
    let cancel = leak_flag();
    let mut opts = ExperimentOptions::new(1, SimOptions::default());
    opts.cancel = Some(cancel);
    let done = AtomicUsize::new(0);
    let result = run_experiment(variants(SHORT), &opts, &|| {
        if done.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
            cancel.store(true, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert!(!result.complete);
    let runs: Vec<u32> = result.runs.iter().map(|r| r.run).collect();
    assert_eq!(runs, [0, 1, 2, 3]);
}

#[test]
fn a_set_flag_stops_a_long_run_inside_the_engine_loop() {
    let cancel = leak_flag();
    cancel.store(true, Ordering::SeqCst);
    let v = variants(LONG);
    let opts = SimOptions {
        cancel: Some(cancel),
        ..SimOptions::default()
    };
    let out = simulate(&v[1].scenario, 1, opts);
    assert_eq!(out.stop, kubesim::engine::StopReason::Cancelled);
    assert!(out.events <= kubesim::engine::CANCEL_CHECK_EVERY);
    // Through the experiment: nothing is kept of a cancelled run.
    let mut opts = ExperimentOptions::new(1, SimOptions::default());
    opts.cancel = Some(cancel);
    let result = run_experiment(v, &opts, &|| {}).unwrap();
    assert!(!result.complete && result.runs.is_empty());
}

/// Runs the binary on `yaml` in a fresh folder with the test hook set; returns (exit code,
/// folder).
fn run_with_hook(name: &str, yaml: &str, hook: &str) -> (Option<i32>, PathBuf) {
    let dir = scratch(name);
    std::fs::write(dir.join("s.yaml"), yaml).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .env("KUBESIM_TEST_HOOK", hook)
        .args(["run", "s.yaml", "--jobs", "1", "--out", "r", "-q"])
        .status()
        .unwrap();
    (st.code(), dir)
}

/// The partial folder is complete=false with `runs` runs; no results folder that looks
/// complete, and no hidden temporary folder, is left.
fn assert_partial(dir: &Path, runs: usize) {
    assert!(
        !dir.join("r").exists(),
        "no results folder that looks complete"
    );
    let manifest = std::fs::read_to_string(dir.join("r.partial/manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"), "{manifest}");
    assert!(
        manifest.contains(&format!("\"runs_finished\": {runs},")),
        "{manifest}"
    );
    let csv = std::fs::read_to_string(dir.join("r.partial/runs.csv")).unwrap();
    assert_eq!(csv.lines().count() - 1, runs, "{csv}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["r.partial", "s.yaml"]);
}

#[test]
fn sigint_after_three_runs_exits_130_and_keeps_three() {
    let (code, dir) = run_with_hook("int", SHORT, "sigint-after:3");
    assert_eq!(code, Some(130));
    assert_partial(&dir, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigterm_after_two_runs_exits_143_and_keeps_two() {
    let (code, dir) = run_with_hook("term", SHORT, "sigterm-after:2");
    assert_eq!(code, Some(143));
    assert_partial(&dir, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A real SIGTERM from outside, sent once the short first run has finished: the long second
/// run is stopped inside the engine loop (without that check it would run to its event
/// budget and exit 0 with complete results, failing this test).
#[test]
fn sigterm_from_outside_stops_a_long_run() {
    let dir = scratch("kill");
    std::fs::write(dir.join("s.yaml"), LONG).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .env("KUBESIM_TEST_HOOK", "announce")
        .args(["run", "s.yaml", "--jobs", "1", "--out", "r", "-q"])
        .args(["--max-events", "300000000"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "test-hook: run 1 finished");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(143), "{rest}");
    assert_eq!(
        rest.trim(),
        "interrupted: 1 of 2 runs finished, kept in r.partial (not a complete result)"
    );
    assert_partial(&dir, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
