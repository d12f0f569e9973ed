//! Slow oracle versus fast path: probe workers that tick every period (one event per tick)
//! must produce exactly the same history as the event-driven workers that only wake when a
//! container changes state.

mod common;
use common::*;
use kubesim::model::{SimOptions, simulate};

/// Short failure times so that every probe path (startup kill, liveness kill of a hung
/// process, readiness flapping, thresholds > 1, initial delays) happens many times.
const YAML: &str = "
horizon: 3d
nodes:
  - pool: w
    count: 4
    zones: [a, b]
    failures:
      time_to_failure: {exponential: 12h}
      time_to_repair: {exponential: 20m}
workloads:
  - name: web
    replicas: 4
    start: {lognormal: {median: 20s, sigma: 0.8}}
    failures:
      crash: {exponential: 3h}
      hang: {exponential: 2h}
      hang_duration: {exponential: 90s}
    probes:
      startup: {period: 3s, failure_threshold: 10, initial_delay: 2s}
      readiness: {period: 7s, timeout: 2s, failure_threshold: 2, success_threshold: 3, initial_delay: 1s}
      liveness: {period: 11s, timeout: 3s, failure_threshold: 4, initial_delay: 5s}
  - name: bare
    kind: StatefulSet
    replicas: 2
    start: 4s
    failures:
      crash: {exponential: 5h}
      hang: {exponential: 3h}
    probes:
      liveness: {period: 10s}
faults:
  - {at: 6h, partition_node: w-1, for: 7m}
  - {at: 9h, hang_pod: web-2, for: 45s}
";

#[test]
fn event_driven_probes_match_ticking_probes() {
    let sc = scenario(YAML);
    for seed in 0..6 {
        let fast = simulate(
            &sc,
            seed,
            SimOptions {
                trace: true,
                ..SimOptions::default()
            },
        );
        let slow = simulate(
            &sc,
            seed,
            SimOptions {
                trace: true,
                probe_oracle: true,
                ..SimOptions::default()
            },
        );
        let (f, s) = (lines(&fast), lines(&slow));
        let probe_lines = f.iter().filter(|(_, l)| l.starts_with("probe ")).count();
        assert!(
            probe_lines > 100,
            "seed {seed}: the scenario must exercise probes ({probe_lines} flips)"
        );
        if let Some(i) = (0..f.len().min(s.len())).find(|&i| f[i] != s[i]) {
            let lo = i.saturating_sub(8);
            panic!(
                "seed {seed}: traces differ at line {i}\nfast:\n{}\noracle:\n{}",
                dump(&f[lo..(i + 4).min(f.len())]),
                dump(&s[lo..(i + 4).min(s.len())])
            );
        }
        assert_eq!(f.len(), s.len(), "seed {seed}: trace lengths");
        assert_eq!(fast.metrics, slow.metrics, "seed {seed}: metrics");
        // The point of the fast path: far fewer events.
        assert!(
            fast.events * 5 < slow.events,
            "seed {seed}: {} vs {} events",
            fast.events,
            slow.events
        );
    }
}
