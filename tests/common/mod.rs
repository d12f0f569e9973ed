//! Helpers shared by the integration tests: scenarios from inline YAML and event traces.
#![allow(dead_code)]

pub mod catalogue;
pub mod jsonschema;

use kubesim::model::{RunOutput, SimOptions, simulate};
use kubesim::scenario::Scenario;
use std::path::Path;

pub fn scenario(yaml: &str) -> Scenario {
    match Scenario::from_text(yaml, Path::new("test.yaml"), &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario invalid: {e}"),
    }
}

pub fn run_traced(sc: &Scenario, seed: u64) -> RunOutput {
    simulate(
        sc,
        seed,
        SimOptions {
            trace: true,
            ..SimOptions::default()
        },
    )
}

/// Trace lines as (seconds, text).
pub fn lines(out: &RunOutput) -> Vec<(f64, String)> {
    out.trace
        .iter()
        .map(|e| (e.t.as_secs_f64(), e.to_string()))
        .collect()
}

/// Time of the first line equal to `text` at or after `after` seconds.
pub fn at(trace: &[(f64, String)], text: &str, after: f64) -> f64 {
    trace
        .iter()
        .find(|(t, s)| *t >= after && s == text)
        .map(|(t, _)| *t)
        .unwrap_or_else(|| {
            panic!(
                "no `{text}` at or after {after}s in trace:\n{}",
                dump(trace)
            )
        })
}

/// Time of the first line starting with `prefix` at or after `after` seconds.
pub fn at_prefix(trace: &[(f64, String)], prefix: &str, after: f64) -> (f64, String) {
    trace
        .iter()
        .find(|(t, s)| *t >= after && s.starts_with(prefix))
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no `{prefix}…` at or after {after}s in trace:\n{}",
                dump(trace)
            )
        })
}

pub fn dump(trace: &[(f64, String)]) -> String {
    trace
        .iter()
        .map(|(t, s)| format!("{t:>12.3}  {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts two times are equal to the nanosecond (times are integers underneath).
pub fn assert_close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() < 1e-6, "{what}: got {got}, want {want}");
}
