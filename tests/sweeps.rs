//! Sweeps: every combination is a variant with a readable name and one column per swept key;
//! variants share seeds, so paired differences have narrower intervals than unpaired ones;
//! a bad swept value is reported where it is written, before anything runs.

use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{self, summarize};
use kubesim::scenario::Scenario;
use kubesim::stats::t_quantile_975;
use std::path::Path;

const BASE: &str = "
horizon: 2h
warmup: 1m
runs: 12
seed: 3
nodes: [{pool: w, count: 4}]
workloads:
  - name: web
    replicas: 3
    start: 2s
    failures: {crash: {exponential: 20m}, hang: {exponential: 40m}, hang_duration: {exponential: 1m}}
    probes: {readiness: {period: 5s}}
    server: {concurrency: 2, queue: 20, service_time: {exponential: 20ms}}
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {poisson: 100/s}, timeout: 1s}]
";

fn variants(sweep: &str) -> Vec<Variant> {
    let text = format!("{BASE}{sweep}");
    Scenario::variants_from_text(&text, Path::new("s.yaml"), &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(Variant::from)
        .collect()
}

#[test]
fn a_3_by_2_sweep_makes_6_named_variants_with_columns() {
    let vs = variants(
        "sweep:\n  workloads.web.replicas: [2, 3, 4]\n  services.web.balancer: [random, least_connections]\n",
    );
    let names: Vec<&str> = vs.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "replicas=2,balancer=random",
            "replicas=2,balancer=least_connections",
            "replicas=3,balancer=random",
            "replicas=3,balancer=least_connections",
            "replicas=4,balancer=random",
            "replicas=4,balancer=least_connections",
        ]
    );
    assert_eq!(vs[4].scenario.workloads[0].replicas, 4);
    let vs: Vec<Variant> = vs
        .into_iter()
        .map(|mut v| {
            v.scenario.runs = 2;
            v.scenario.horizon = kubesim::time::SimDuration::from_secs(600);
            v
        })
        .collect();
    let result = run_experiment(
        vs,
        &ExperimentOptions::new(2, SimOptions::default()),
        &|| {},
    )
    .unwrap();
    let summary = String::from_utf8(report::summary_csv(&result)).unwrap();
    let runs = String::from_utf8(report::runs_csv(&result)).unwrap();
    assert!(
        summary.starts_with("variant,sweep.replicas,sweep.balancer,service,runs,availability_mean"),
        "{}",
        &summary[..80]
    );
    assert!(runs.starts_with("variant,sweep.replicas,sweep.balancer,run,seed,service,"));
    assert_eq!(summary.lines().count(), 7);
    assert_eq!(runs.lines().count(), 13);
    assert!(
        summary
            .lines()
            .nth(3)
            .unwrap()
            .starts_with("\"replicas=3,balancer=random\",3,random,web,2,")
    );
    // Common random numbers: run i has the same seed in every variant.
    let seeds: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once("\",").unwrap().1.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(seeds[0], seeds[2]);
    assert_eq!(seeds[1], seeds[11]);
}

#[test]
fn paired_differences_are_narrower_than_unpaired() {
    // Variants differ only in the balancer: both see the same crashes, hangs and arrivals.
    let vs = variants("sweep:\n  services.web.balancer: [random, round_robin]\n");
    let result = run_experiment(
        vs,
        &ExperimentOptions::new(2, SimOptions::default()),
        &|| {},
    )
    .unwrap();
    let rows = summarize(&result);
    let (_, paired_ci) = rows[1]
        .paired
        .iter()
        .find(|p| p.0 == "success_ratio")
        .map(|p| (p.1, p.2))
        .unwrap();
    // Unpaired (Welch-style with equal n): t · sqrt(s1²/n + s2²/n) from the two variants' CIs.
    let n: f64 = 12.0;
    let t = t_quantile_975(11);
    let s = |ci: f64| ci / t * n.sqrt();
    let (c1, c2) = (
        rows[0].get("success_ratio").1,
        rows[1].get("success_ratio").1,
    );
    let unpaired_ci = t_quantile_975(22) * ((s(c1).powi(2) + s(c2).powi(2)) / n).sqrt();
    eprintln!("success-ratio difference: paired ± {paired_ci:.6}, unpaired ± {unpaired_ci:.6}");
    assert!(
        paired_ci < unpaired_ci / 2.0,
        "paired {paired_ci} vs unpaired {unpaired_ci}"
    );
    assert!(rows[0].paired.is_empty());
}

#[test]
fn a_bad_swept_value_is_located_before_anything_runs() {
    let text = format!(
        "{BASE}sweep:\n  workloads.web.replicas: [2, -1]\n  services.web.balancer: [random, fastest]\n"
    );
    let err = Scenario::variants_from_text(&text, Path::new("s.yaml"), &[])
        .unwrap_err()
        .to_string();
    let lines: Vec<&str> = err.lines().skip(1).map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "s.yaml:17:31: workloads[0].replicas: must be between 0 and 100000, found -1",
            "s.yaml:18:35: services[0].balancer: unknown balancer (expected one of: random, round_robin, least_connections, power_of_two, weighted_round_robin, ring_hash, maglev)",
        ]
    );
}

#[test]
fn numerically_equal_values_are_duplicates() {
    // `10%` and `10.0%` (or `2` and `2.0`) would run two identical variants under two names.
    let yaml = "horizon: 1h
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 4}]
sweep:
  workloads.web.rollout.max_surge: [10%, 10.0%]
  workloads.web.replicas: [2, 2.0, 3]
";
    let err = match kubesim::scenario::Scenario::variants_from_text(
        yaml,
        std::path::Path::new("s.yaml"),
        &[],
    ) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    for want in [
        "s.yaml:5:42: sweep.workloads.web.rollout.max_surge[1]: duplicate value `10.0%`: two variants would be the same",
        "s.yaml:6:31: sweep.workloads.web.replicas[1]: duplicate value `2.0`: two variants would be the same",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
}
