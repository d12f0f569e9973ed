//! Recurring scripted faults (`every:` instead of `at:`, issue 13): a renewal process from
//! t = 0 on the fault's own random stream, `zone_outage: any` drawing a zone per occurrence,
//! and their bad inputs (exact messages, exit 2, nothing written).

mod common;
use common::catalogue::*;
use common::*;

const DAY: f64 = 86_400.0;

/// `nodes` nodes round-robin over `zones`, one pod per zone, and `faults`.
fn yaml(horizon: &str, zones: &str, nodes: u32, faults: &str) -> String {
    format!(
        "
horizon: {horizon}
nodes: [{{pool: w, count: {nodes}, zones: [{zones}]}}]
workloads:
  - {{name: web, replicas: 1, start: 5s}}
faults: [{faults}]
"
    )
}

fn times(tr: &[(f64, String)], text: &str) -> Vec<f64> {
    tr.iter()
        .filter(|(_, s)| s == text)
        .map(|(t, _)| *t)
        .collect()
}

fn with_prefix<'a>(tr: &'a [(f64, String)], prefix: &str) -> Vec<&'a str> {
    tr.iter()
        .filter(|(_, s)| s.starts_with(prefix))
        .map(|(_, s)| s.as_str())
        .collect()
}

#[test]
fn a_constant_every_1d_over_10d_happens_9_times_at_1d_to_9d() {
    // First occurrence one interval after t = 0, then every day: 1d, 2d, …, 9d. The tenth
    // would be at 10d = the horizon, and nothing happens at the horizon: 9 occurrences.
    let sc = scenario(&yaml(
        "10d",
        "a, b",
        2,
        "{every: 1d, kill_node: w-0, for: 1h}",
    ));
    for seed in [1, 2] {
        let tr = lines(&run_traced(&sc, seed));
        let want: Vec<f64> = (1..=9).map(|k| k as f64 * DAY).collect();
        assert_eq!(times(&tr, "node-failed w-0"), want, "seed {seed}");
        let repaired: Vec<f64> = want.iter().map(|t| t + 3600.0).collect();
        assert_eq!(times(&tr, "node-repaired w-0"), repaired, "seed {seed}");
    }
}

#[test]
fn an_occurrence_does_not_wait_for_the_previous_one_to_end() {
    // Every 40 min, each down for 1 h: occurrences at 40, 80, 120, …, 280 min (300 min is the
    // horizon). The one at 80 finds w-0 still down (since 40, back at 100) and does nothing,
    // as an `at` fault on a dead node would; so do 160 and 240. Failures at 40, 120, 200,
    // 280 min; repairs 1 h after each (the last one, at 340 min, is past the horizon).
    let sc = scenario(&yaml(
        "5h",
        "a, b",
        2,
        "{every: 40m, kill_node: w-0, for: 1h}",
    ));
    let tr = lines(&run_traced(&sc, 3));
    let min = |m: &[f64]| m.iter().map(|x| x * 60.0).collect::<Vec<f64>>();
    assert_eq!(
        times(&tr, "node-failed w-0"),
        min(&[40.0, 120.0, 200.0, 280.0])
    );
    assert_eq!(times(&tr, "node-repaired w-0"), min(&[100.0, 180.0, 260.0]));
}

#[test]
fn an_exponential_every_1d_over_1000d_is_a_poisson_count() {
    // Exponential intervals from t = 0 make a Poisson process of rate 1/day: the count in
    // [0, 1000d) is Poisson(1000), sd √1000 = 31.6. The two-sided 99.9 % interval is
    // 1000 ± 3.29 × 31.6 = 1000 ± 104 (normal approximation; exact Poisson quantiles 898 and
    // 1104): [896, 1104].
    let sc = scenario(&yaml(
        "1000d",
        "a, b",
        2,
        "{every: {exponential: 1d}, kill_node: w-0, for: 1m}",
    ));
    let mut counts = Vec::new();
    for seed in 0..3 {
        let n = times(&lines(&run_traced(&sc, seed)), "node-failed w-0").len();
        assert!((896..=1104).contains(&n), "seed {seed}: {n} occurrences");
        counts.push(n);
    }
    // Different seeds give different histories.
    assert!(
        counts[0] != counts[1] || counts[1] != counts[2],
        "{counts:?}"
    );
}

#[test]
fn zone_outage_any_hits_every_zone_with_binomial_frequencies() {
    // Every 6 h over 1000 d: 3999 occurrences (the 4000th is at the horizon). Each picks one
    // of 3 zones uniformly: per zone Binomial(3999, 1/3), mean 1333, sd √(3999 · 2/9) = 29.8;
    // the 99.9 % interval is 1333 ± 3.29 × 29.8 = 1333 ± 98: [1235, 1431].
    let sc = scenario(&yaml(
        "1000d",
        "a, b, c",
        3,
        "{every: 6h, zone_outage: any, for: 1m}",
    ));
    let tr = lines(&run_traced(&sc, 7));
    let outages = with_prefix(&tr, "zone-outage ");
    assert_eq!(outages.len(), 3999);
    for zone in ["a", "b", "c"] {
        let line = format!("zone-outage {zone} drawn at random (any), for 1m");
        let n = outages.iter().filter(|s| **s == line).count();
        assert!((1235..=1431).contains(&n), "zone {zone}: {n} of 3999");
    }
    // Every outage fails the chosen zone's node (w-0 in a, w-1 in b, w-2 in c) at once.
    let failed = with_prefix(&tr, "node-failed ");
    assert_eq!(failed.len(), 3999);
}

#[test]
fn same_seed_same_history_other_seed_another() {
    let sc = scenario(&yaml(
        "100d",
        "a, b, c",
        3,
        "{every: {exponential: 5d}, zone_outage: any, for: 2h}, {every: {uniform: [1d, 3d]}, kill_pod: web-0}",
    ));
    let a = run_traced(&sc, 11);
    let b = run_traced(&sc, 11);
    let c = run_traced(&sc, 12);
    assert_eq!(a.trace, b.trace);
    assert_eq!(a.metrics, b.metrics);
    assert_ne!(a.trace, c.trace);
    let outages = |o: &kubesim::model::RunOutput| {
        lines(o)
            .into_iter()
            .filter(|(_, s)| s.starts_with("zone-outage "))
            .collect::<Vec<_>>()
    };
    assert_ne!(outages(&a), outages(&c));
}

/// A year (after a 5 min warm-up that leaves out the start-up), one node per zone,
/// `replicas` spread hard over 3 zones, a quarterly 2 h outage of a random zone, and the
/// service up while 3 pods serve.
fn quarterly(replicas: u32) -> kubesim::scenario::Scenario {
    scenario(&format!(
        "
horizon: 365d
warmup: 5m
nodes: [{{pool: w, count: 3, zones: [a, b, c]}}]
workloads:
  - {{name: web, replicas: {replicas}, spread: zones, start: 5s, probes: {{readiness: {{period: 10s}}}}}}
slo: {{min_ready: 3}}
faults: [{{every: {{exponential: 91d}}, zone_outage: any, for: 2h}}]
"
    ))
}

#[test]
fn a_quarterly_zone_outage_costs_2h_each_with_one_pod_per_zone_and_nothing_with_two() {
    // One pod per zone (3 replicas, min_ready 3): every outage takes one pod, whose
    // replacement stays Pending (hard spread) until the zone is back: down for the 2 h plus
    // the restart (node Ready at its next lease and monitor tick, 5 s start, first readiness
    // probe, 1 s endpoints): between 7200 s and 7200 + 120 s per outage. Over a year
    // 365/91 = 4.0 outages are expected, so 8.0 h (28,900 s) a year.
    // Two per zone (6 replicas): an outage leaves 4 ≥ 3 serving: no downtime.
    let one = quarterly(3);
    let two = quarterly(6);
    let (mut outages, mut down) = (0usize, 0.0);
    for seed in 0..8 {
        let out = run_traced(&one, seed);
        let n = with_prefix(&lines(&out), "zone-outage ").len();
        let d = out.metrics.workloads[0].downtime_s;
        let (lo, hi) = (n as f64 * 7200.0, n as f64 * 7320.0);
        assert!(
            (lo..=hi).contains(&d),
            "seed {seed}: {n} outages, {d} s down"
        );
        outages += n;
        down += d;
        let other = run_traced(&two, seed);
        assert_eq!(other.metrics.workloads[0].downtime_s, 0.0, "seed {seed}");
        // Common random numbers: the same outages in both.
        assert_eq!(with_prefix(&lines(&other), "zone-outage ").len(), n);
    }
    // Rough check of the rate: 8 runs expect 32.1 outages (Poisson, sd 5.7); 15..50 is
    // beyond 3 sd either way. Mean downtime ≈ mean count × 2 h.
    assert!((15..=50).contains(&outages), "{outages} outages in 8 runs");
    let per_run_h = down / 8.0 / 3600.0;
    assert!((3.7..=12.5).contains(&per_run_h), "{per_run_h} h a year");
}

// ---- bad input: located errors, exit 2, nothing written ----

fn faults(items: &str) -> String {
    format!("{BASE}faults:\n{items}")
}

#[test]
fn at_and_every_together() {
    let got = reject(
        "recurring-both",
        Some(faults("  - {at: 1h, every: 1d, kill_node: w-0}\n").as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:5: faults[0]: a fault has exactly one of `at` (once) or `every` (recurring) (found both)",
        ]
    );
}

#[test]
fn neither_at_nor_every() {
    let got = reject(
        "recurring-neither",
        Some(faults("  - {zone_outage: a, for: 1h}\n").as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:5: faults[0]: a fault has exactly one of `at` (once) or `every` (recurring) (found neither)",
        ]
    );
}

#[test]
fn every_zero_and_every_past_the_horizon_and_any_elsewhere() {
    // All errors at once: a zero interval, a constant interval that never comes within the
    // horizon (1d), a distribution with mean zero, and `any` on fault kinds other than
    // zone_outage (`rollout: any` would be fine if a workload were named `any`).
    let got = reject(
        "recurring-values",
        Some(
            faults(
                "  - {every: 0s, kill_node: w-0}\n  - {every: 1d, zone_outage: a}\n  - {every: {uniform: [0s, 0s]}, zone_outage: any}\n  - {every: 1h, kill_node: any}\n  - {every: 1h, kill_pod: any}\n  - {every: 1h, rollout: any}\n",
            )
            .as_ref(),
        ),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 6 errors in scenario:",
            "bad.yaml:15:13: faults[0].every: must be greater than zero",
            "bad.yaml:16:13: faults[1].every: 1d is not shorter than the horizon (1d): the fault would never happen",
            "bad.yaml:17:13: faults[2].every: the mean must be greater than zero: the fault would repeat forever at one instant",
            "bad.yaml:18:28: faults[3].kill_node: `any` (a target drawn at random) is only for zone_outage; kill_node needs a named target",
            "bad.yaml:19:27: faults[4].kill_pod: `any` (a target drawn at random) is only for zone_outage; kill_pod needs a named target",
            "bad.yaml:20:26: faults[5].rollout: `any` (a target drawn at random) is only for zone_outage; rollout needs a named target",
        ]
    );
}

#[test]
fn a_zone_named_any_makes_any_ambiguous() {
    let scenario = with("zones: [a, b, c]", "zones: [a, any, c]")
        + "faults:\n  - {every: 1h, zone_outage: any}\n";
    let got = reject("recurring-any-zone", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:30: faults[0].zone_outage: `any` is ambiguous here: a zone is named `any` (rename that zone)",
        ]
    );
}

#[test]
fn every_1ns_is_refused_by_the_work_estimate() {
    // 1d / 1 ns = 8.64e13 occurrences × 8 events (one node per zone) = 6.9e14 events.
    let got = reject(
        "recurring-1ns",
        Some(faults("  - {every: 1ns, zone_outage: any, for: 1m}\n").as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:13: faults[0].every: a run would take about 6.9e14 events over the horizon (1d), above the limit of 2000000000 per run: make this less frequent, shorten the horizon, or raise --max-events",
        ]
    );
}

#[test]
fn the_shipped_quarterly_study_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = temp_dir("quarterly-study");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("run")
        .arg(root.join("scenarios/zone-outage-quarterly.yaml"))
        .args(["--quiet", "--runs", "4", "--out"])
        .arg(out.join("r"))
        .status()
        .unwrap();
    assert!(status.success());
    let summary = std::fs::read_to_string(out.join("r/summary.csv")).unwrap();
    assert_eq!(
        summary.lines().count(),
        3,
        "header and two variants:\n{summary}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
