//! CrashLoopBackOff: the exit → restart delays are exactly the kubelet's sequence
//! 0, 10, 20, 40, 80, 160, 300, 300 … s, and a container that ran longer than 10 min starts
//! the sequence over.

mod common;
use common::*;

fn restart_delays(yaml: &str) -> Vec<String> {
    let out = run_traced(&scenario(yaml), 3);
    lines(&out)
        .into_iter()
        .filter_map(|(_, s)| {
            s.strip_prefix("exited web-0 restart-in ")
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn crash_loop_delays_double_to_the_cap() {
    // Listens at once and crashes 1 s later, every time: the back-off never expires.
    let delays = restart_delays(
        "
horizon: 1h
nodes: [{pool: w, count: 1}]
workloads:
  - name: web
    failures: {crash: 1s}
",
    );
    // Exits at 1, 2, 13, 34, 75, 156, 317, 618, 919, … s: restart delay = back-off.
    assert_eq!(
        delays[..10],
        [
            "0ns", "10s", "20s", "40s", "80s", "160s", "5m", "5m", "5m", "5m"
        ]
    );
}

#[test]
fn long_runs_reset_the_backoff() {
    // Runs 11 min (> reset_after 10 min) before each crash: every restart is immediate.
    let delays = restart_delays(
        "
horizon: 2h
nodes: [{pool: w, count: 1}]
workloads:
  - name: web
    failures: {crash: 11m}
",
    );
    assert!(delays.len() >= 10);
    assert!(delays.iter().all(|d| d == "0ns"), "{delays:?}");
}

#[test]
fn custom_backoff_settings_apply() {
    // initial 1 s, cap 4 s: 0, 1, 2, 4, 4.
    let delays = restart_delays(
        "
horizon: 1m
nodes: [{pool: w, count: 1}]
workloads:
  - name: web
    failures: {crash: 1s}
    restart_backoff: {initial: 1s, max: 4s, reset_after: 10m}
",
    );
    assert_eq!(delays[..5], ["0ns", "1s", "2s", "4s", "4s"]);
}

#[test]
fn liveness_failures_feed_the_same_backoff() {
    // The process hangs 1 s after listening and never recovers; liveness (period 10 s,
    // threshold 3, timeout 1 s) kills it; a hung process ignores SIGTERM, so it dies at the
    // 30 s grace. Each kill is an exit under the same back-off: 0, 10, 20, …
    let out = run_traced(
        &scenario(
            "
horizon: 1h
nodes: [{pool: w, count: 1}]
workloads:
  - name: web
    failures: {hang: 1s}
    probes:
      liveness: {period: 10s}
",
        ),
        5,
    );
    let tr = lines(&out);
    let hang = at(&tr, "hang web-0", 0.0);
    let kill = at(&tr, "probe-kill web-0", 0.0);
    // Third failing tick at or after the hang, plus the 1 s timeout.
    assert!(
        kill >= hang + 20.0 + 1.0 && kill < hang + 30.0 + 1.0,
        "kill at {kill}, hang at {hang}"
    );
    let (exit_t, exit) = at_prefix(&tr, "exited web-0", 0.0);
    assert_close(exit_t, kill + 30.0, "SIGKILL at the grace period");
    assert_eq!(exit, "exited web-0 restart-in 0ns");
    let (_, second) = at_prefix(&tr, "exited web-0", exit_t + 1.0);
    assert_eq!(second, "exited web-0 restart-in 10s");
}
