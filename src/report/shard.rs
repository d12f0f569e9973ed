//! Shards: a share of the (variant, run) pairs run on one machine, saved losslessly
//! (`shard.json`), and merged into the same files a single-machine run writes, byte for byte.
//!
//! A shard records the scenario text, its path and the `--set` overrides, so `merge` rebuilds
//! the variants exactly; floats are written in shortest round-trip form; latency histograms
//! as (bucket value, count) pairs, which re-record into the same buckets.

use crate::experiment::{ExperimentResult, RunRecord, StopReason, Variant};
use crate::metrics::requests::RequestStats;
use crate::metrics::{RunMetrics, WorkloadMetrics};
use crate::scenario::Scenario;
use crate::time::SimTime;
use serde_json::{Value, json};
use std::path::Path;

pub const FILE: &str = "shard.json";

/// What a shard carries besides its runs.
pub struct ShardInfo<'a> {
    pub index: usize,
    pub count: usize,
    pub scenario_path: &'a Path,
    pub scenario_text: &'a str,
    pub sets: &'a [String],
}

fn opt(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

fn req_json(r: &RequestStats) -> Value {
    let hist: Vec<[u64; 2]> = r
        .latency_us
        .iter_recorded()
        .map(|v| [v.value_iterated_to(), v.count_at_value()])
        .collect();
    json!({"requests": r.requests, "ok": r.ok, "failed": r.failed, "retries": r.retries,
           "latency_sum_us": r.latency_sum_us, "latency_us": hist})
}

fn run_json(r: &RunRecord) -> Value {
    let m = &r.metrics;
    json!({
        "variant": r.variant, "run": r.run, "seed": r.seed, "stop": r.stop.as_str(), "end_ns": r.end.0, "events": r.events,
        "window_s": m.window_s, "node_seconds": m.node_seconds, "faults_missed": m.faults_missed,
        "workloads": m.workloads.iter().map(|w| json!({
            "availability": opt(Some(w.availability)), "downtime_s": w.downtime_s, "incidents": w.incidents,
            "mttr_s": opt(w.mttr_s), "serving_mean": opt(Some(w.serving_mean)), "replicas_mean": opt(Some(w.replicas_mean)),
            "pod_seconds": w.pod_seconds, "cpu_utilization": opt(w.cpu_utilization),
        })).collect::<Vec<_>>(),
        "requests": m.requests.iter().map(req_json).collect::<Vec<_>>(),
    })
}

pub fn to_json(result: &ExperimentResult, info: &ShardInfo) -> String {
    let v = json!({
        "kubesim_version": env!("CARGO_PKG_VERSION"),
        "shard": info.index, "of": info.count,
        "scenario_file": info.scenario_path.display().to_string(),
        "scenario_text": info.scenario_text,
        "sets": info.sets,
        "runs": result.runs.iter().map(run_json).collect::<Vec<_>>(),
    });
    serde_json::to_string(&v).expect("JSON of plain values") + "\n"
}

struct Reader<'a>(&'a Value, &'a str);

impl Reader<'_> {
    fn f(&self, k: &str) -> Result<f64, String> {
        self.0[k]
            .as_f64()
            .ok_or_else(|| format!("{}: `{k}` is not a number", self.1))
    }
    fn opt(&self, k: &str) -> Option<f64> {
        self.0[k].as_f64()
    }
    fn u(&self, k: &str) -> Result<u64, String> {
        self.0[k]
            .as_u64()
            .ok_or_else(|| format!("{}: `{k}` is not an integer", self.1))
    }
}

fn req_from(v: &Value, file: &str) -> Result<RequestStats, String> {
    let r = Reader(v, file);
    let mut s = RequestStats {
        requests: r.u("requests")?,
        ok: r.u("ok")?,
        retries: r.u("retries")?,
        latency_sum_us: r.f("latency_sum_us")?,
        ..Default::default()
    };
    let failed = v["failed"]
        .as_array()
        .ok_or_else(|| format!("{file}: `failed` is not a list"))?;
    for (i, x) in failed
        .iter()
        .enumerate()
        .take(crate::metrics::requests::FAILURE_CAUSES)
    {
        s.failed[i] = x.as_u64().unwrap_or(0);
    }
    for pair in v["latency_us"].as_array().into_iter().flatten() {
        let (value, count) = (pair[0].as_u64().unwrap_or(1), pair[1].as_u64().unwrap_or(0));
        s.latency_us.saturating_record_n(value, count);
    }
    Ok(s)
}

fn run_from(v: &Value, file: &str) -> Result<RunRecord, String> {
    let r = Reader(v, file);
    let stop = match v["stop"].as_str() {
        Some("horizon") => StopReason::Horizon,
        Some("event_budget") => StopReason::EventBudget,
        Some("idle") => StopReason::Idle,
        other => return Err(format!("{file}: unknown stop reason {other:?}")),
    };
    let workloads = v["workloads"]
        .as_array()
        .ok_or_else(|| format!("{file}: `workloads` is not a list"))?
        .iter()
        .map(|w| {
            let w = Reader(w, file);
            Ok(WorkloadMetrics {
                availability: w.opt("availability").unwrap_or(f64::NAN),
                downtime_s: w.f("downtime_s")?,
                incidents: w.u("incidents")? as u32,
                mttr_s: w.opt("mttr_s"),
                serving_mean: w.opt("serving_mean").unwrap_or(f64::NAN),
                replicas_mean: w.opt("replicas_mean").unwrap_or(f64::NAN),
                pod_seconds: w.f("pod_seconds")?,
                cpu_utilization: w.opt("cpu_utilization"),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let requests = v["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| req_from(x, file))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RunRecord {
        variant: r.u("variant")? as usize,
        run: r.u("run")? as u32,
        seed: r.u("seed")?,
        metrics: RunMetrics {
            window_s: r.f("window_s")?,
            workloads,
            node_seconds: r.f("node_seconds")?,
            requests,
            faults_missed: u32::try_from(r.u("faults_missed")?)
                .map_err(|_| format!("{file}: `faults_missed` is out of range"))?,
        },
        stop,
        end: SimTime(r.u("end_ns")?),
        events: r.u("events")?,
        samples: Vec::new(),
        trace: Vec::new(),
    })
}

/// A merged experiment, and the scenario it came from (text, path) for the manifest.
pub struct Merged {
    pub result: ExperimentResult,
    pub scenario_text: String,
    pub scenario_path: String,
}

/// Reads shard folders and combines them; every shard of the same scenario must be there.
pub fn merge(dirs: &[std::path::PathBuf]) -> Result<Merged, String> {
    let mut shards: Vec<(Value, String)> = Vec::new();
    for d in dirs {
        let file = d.join(FILE);
        let name = file.display().to_string();
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("cannot read `{name}`: {e}"))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("`{name}` is not a shard: {e}"))?;
        shards.push((v, name));
    }
    let Some((first, _)) = shards.first() else {
        return Err("no shard folders given".into());
    };
    let (text, path, count) = (
        first["scenario_text"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        first["scenario_file"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        first["of"].as_u64().unwrap_or(0) as usize,
    );
    let sets: Vec<String> = first["sets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let mut seen = vec![false; count];
    for (v, name) in &shards {
        if v["scenario_text"].as_str() != Some(&text)
            || v["sets"] != first["sets"]
            || v["of"].as_u64() != Some(count as u64)
        {
            return Err(format!(
                "`{name}` belongs to another scenario or shard count"
            ));
        }
        let i = v["shard"].as_u64().unwrap_or(0) as usize;
        if i == 0 || i > count || seen[i - 1] {
            return Err(format!(
                "`{name}`: shard {i} of {count} is missing or given twice"
            ));
        }
        seen[i - 1] = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!("shard {} of {count} is missing", missing + 1));
    }
    let swept =
        Scenario::variants_from_text(&text, Path::new(&path), &sets).map_err(|e| e.to_string())?;
    let variants: Vec<Variant> = swept.into_iter().map(Variant::from).collect();
    let mut runs = Vec::new();
    for (v, name) in &shards {
        for r in v["runs"].as_array().into_iter().flatten() {
            runs.push(run_from(r, name)?);
        }
    }
    runs.sort_by_key(|r| (r.variant, r.run));
    let events = runs.iter().map(|r| r.events).sum();
    Ok(Merged {
        result: ExperimentResult {
            variants,
            runs,
            events,
            wall_s: 0.0,
            complete: true,
        },
        scenario_text: text,
        scenario_path: path,
    })
}
