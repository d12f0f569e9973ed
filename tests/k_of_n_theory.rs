//! Reliability theory: n nodes fail and are repaired independently (an alternating renewal
//! process per node, up with probability p = MTTF / (MTTF + MTTR)); each pod is pinned to its
//! node (one pod per node, no eviction), so the service is up while at least k nodes are:
//! A = Σ_{i≥k} C(n,i) p^i (1−p)^(n−i). The simulated mean must lie within its own 95 % CI.

mod common;
use common::*;
use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::summarize;

fn binom(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

fn k_of_n(n: u32, k: u32, p: f64) -> f64 {
    (k..=n)
        .map(|i| binom(n, i) * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32))
        .sum()
}

/// Pinned pods: one pod slot per node, spread over nodes, no eviction (toleration far beyond
/// the horizon), and no propagation delays, so a pod serves exactly while its node is up.
fn pinned(n: u32, k: u32, ttf: &str, ttr: &str) -> String {
    format!(
        "
horizon: 400d
runs: 30
seed: 11
nodes:
  - pool: w
    count: {n}
    capacity: {{pods: 1}}
    failures: {{time_to_failure: {ttf}, time_to_repair: {ttr}}}
control_plane: {{not_ready_toleration: 100000d, endpoint_delay: 0s, scheduling_delay: 0s}}
workloads:
  - name: web
    replicas: {n}
    spread: nodes
slo: {{min_ready: {k}}}
"
    )
}

fn simulated(yaml: &str) -> (f64, f64) {
    let sc = scenario(yaml);
    let result = run_experiment(
        vec![Variant::single("base", sc)],
        &ExperimentOptions::new(2, SimOptions::default()),
        &|| {},
    )
    .expect("runs");
    summarize(&result)[0].get("availability")
}

#[test]
fn one_of_two_exponential() {
    // p = 24 / (24 + 4) = 0.857; A = 1 − (1 − p)² = 0.97959.
    let theory = k_of_n(2, 1, 24.0 / 28.0);
    assert!((theory - 0.979_59).abs() < 1e-5);
    let (mean, ci) = simulated(&pinned(2, 1, "{exponential: 1d}", "{exponential: 4h}"));
    eprintln!("1-of-2: simulated {mean} ± {ci}, theory {theory}");
    assert!(
        (mean - theory).abs() <= ci,
        "simulated {mean} ± {ci}, theory {theory}"
    );
}

#[test]
fn two_of_three_non_exponential() {
    // Steady-state availability of an alternating renewal process depends only on the means
    // (insensitivity): Weibull(shape 1.5, scale 1d) has mean Γ(1 + 1/1.5)·24 h = 21.665 h;
    // lognormal(median 2h, σ 0.8) has mean 2·e^0.32 = 2.7543 h.
    let mttf = 24.0 * 0.902_745_292_950_933_6;
    let mttr = 2.0 * (0.32f64).exp();
    let theory = k_of_n(3, 2, mttf / (mttf + mttr));
    let (mean, ci) = simulated(&pinned(
        3,
        2,
        "{weibull: {shape: 1.5, scale: 1d}}",
        "{lognormal: {median: 2h, sigma: 0.8}}",
    ));
    assert!(
        (mean - theory).abs() <= ci,
        "simulated {mean} ± {ci}, theory {theory}"
    );
    eprintln!("2-of-3: simulated {mean} ± {ci}, theory {theory}");
    assert!(
        ci < 0.005,
        "the interval is tight enough to mean something: {ci}"
    );
}
