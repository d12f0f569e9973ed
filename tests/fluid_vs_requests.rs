//! Fluid traffic against per-request simulation on a month of node failures, crashes and
//! hangs (`scenarios/fluid-month.yaml`): both see the same failure history (common random
//! numbers), so their success ratios must agree within the per-request run's 95 % CI.

use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{SummaryRow, summarize};
use kubesim::scenario::Scenario;
use std::path::Path;

fn run(model: &str) -> SummaryRow {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fluid-month.yaml");
    let (sc, _) =
        Scenario::load(&path, &[format!("traffic.0.model={model}")]).expect("valid scenario");
    let result = run_experiment(
        vec![Variant::single(model, sc)],
        &ExperimentOptions::new(2, SimOptions::default()),
        &|| {},
    )
    .expect("runs");
    summarize(&result).remove(0)
}

#[test]
fn fluid_success_ratio_matches_requests_within_the_ci() {
    let (fluid, requests) = (run("fluid"), run("requests"));
    let (f, _) = fluid.get("success_ratio");
    let (r, ci) = requests.get("success_ratio");
    eprintln!("success ratio: fluid {f:.7}, requests {r:.7} ± {ci:.7}");
    assert!(
        r < 0.9999,
        "the scenario must lose requests for the test to mean something: {r}"
    );
    assert!((f - r).abs() <= ci, "fluid {f} vs requests {r} ± {ci}");
    // Same expected volume, and the same failure causes in about the same proportions.
    let (fr, rr) = (fluid.get("requests").0, requests.get("requests").0);
    assert!((fr - rr).abs() / rr < 0.001, "requests {fr} vs {rr}");
    for cause in ["failed_dead_pod", "failed_timeout"] {
        let (a, b) = (fluid.get(cause).0, requests.get(cause).0);
        assert!(
            (a - b).abs() / b < 0.15,
            "{cause}: fluid {a} vs requests {b}"
        );
    }
    // Light load: latency is the 20 ms exponential service time in both.
    let (fl, rl) = (
        fluid.get("latency_ms_mean").0,
        requests.get("latency_ms_mean").0,
    );
    assert!(
        (fl - 20.0).abs() < 0.2 && (rl - 20.0).abs() < 0.2,
        "latency {fl} / {rl}"
    );
}
