//! Results on disk: `runs.csv`, `summary.csv`, `manifest.json`, written into a temporary
//! folder and renamed into place (`outdir`), so a failed run never leaves a half-written
//! results folder and never replaces a folder kubesim did not write.

pub mod outdir;
pub mod plots;
pub mod shard;
pub mod table;
mod tables;

use crate::experiment::ExperimentResult;
use std::path::Path;
pub use tables::{SummaryRow, summarize};

/// What the manifest records besides the results.
pub struct ManifestInfo<'a> {
    pub scenario_path: &'a Path,
    pub scenario_text: &'a str,
    pub command_line: Vec<String>,
    pub jobs: usize,
}

pub use outdir::{Refusal, WriteError};

/// The bytes of `runs.csv`.
pub fn runs_csv(result: &ExperimentResult) -> Vec<u8> {
    tables::runs_csv(result)
}

/// The bytes of `summary.csv`.
pub fn summary_csv(result: &ExperimentResult) -> Vec<u8> {
    tables::summary_csv(&summarize(result), &tables::labels(result))
}

/// Runs that the event budget stopped before the horizon: their metrics cover `[0, end)`.
pub fn runs_truncated(result: &ExperimentResult) -> usize {
    result
        .runs
        .iter()
        .filter(|r| r.stop == crate::experiment::StopReason::EventBudget)
        .count()
}

/// Scripted faults, over all runs, that found no target (a pod without a running
/// container, a node the cluster autoscaler removed).
pub fn faults_missed(result: &ExperimentResult) -> u64 {
    result
        .runs
        .iter()
        .map(|r| u64::from(r.metrics.faults_missed))
        .sum()
}

pub fn manifest_json(result: &ExperimentResult, info: &ManifestInfo) -> String {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(info.scenario_text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let first = &result.variants[0].scenario;
    let seeds: Vec<u64> = result
        .runs
        .iter()
        .filter(|r| r.variant == 0)
        .map(|r| r.seed)
        .collect();
    let mut stopped = serde_json::Map::new();
    for r in &result.runs {
        let e = stopped
            .entry(r.stop.as_str())
            .or_insert(serde_json::json!(0));
        *e = serde_json::json!(e.as_u64().unwrap_or(0) + 1);
    }
    let v = serde_json::json!({
        "kubesim_version": env!("CARGO_PKG_VERSION"),
        "scenario": first.name,
        "scenario_file": info.scenario_path.display().to_string(),
        "scenario_sha256": hash,
        "command_line": info.command_line,
        "base_seed": first.seed,
        "runs": first.runs,
        "variants": result.variants.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        "run_seeds": seeds,
        "horizon_s": first.horizon.as_secs_f64(),
        "warmup_s": first.warmup.as_secs_f64(),
        "events": result.events,
        "stopped_by": stopped,
        "jobs": info.jobs,
        "wall_s": result.wall_s,
        "complete": result.complete,
        "runs_finished": result.runs.len(),
        "runs_truncated": runs_truncated(result),
        "faults_missed": faults_missed(result),
    });
    serde_json::to_string_pretty(&v).expect("JSON of plain values") + "\n"
}

/// Writes every output file into `dir` atomically (temporary sibling, then rename).
pub fn write_results(
    dir: &Path,
    result: &ExperimentResult,
    info: &ManifestInfo,
) -> Result<(), WriteError> {
    let mut files = vec![
        ("runs.csv", runs_csv(result)),
        ("summary.csv", summary_csv(result)),
        ("manifest.json", manifest_json(result, info).into_bytes()),
    ];
    if result.runs.iter().any(|r| !r.samples.is_empty()) {
        files.push(("timeseries.csv", tables::timeseries_csv(result)));
    }
    if result.variants.iter().any(|v| v.scenario.output.events) {
        files.push(("events.csv", tables::events_csv(result)));
    }
    write_atomically(dir, files)
}

/// Writes a shard folder (`shard.json` and the shard's own manifest) atomically.
pub fn write_shard(
    dir: &Path,
    result: &ExperimentResult,
    info: &ManifestInfo,
    shard: &shard::ShardInfo,
) -> Result<(), WriteError> {
    write_atomically(
        dir,
        vec![
            (shard::FILE, shard::to_json(result, shard).into_bytes()),
            ("manifest.json", manifest_json(result, info).into_bytes()),
        ],
    )
}

fn write_atomically(dir: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<(), WriteError> {
    outdir::write_atomically(dir, files)
}
