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

fn hist_json(h: &hdrhistogram::Histogram<u64>) -> Vec<[u64; 2]> {
    h.iter_recorded()
        .map(|v| [v.value_iterated_to(), v.count_at_value()])
        .collect()
}

fn req_json(r: &RequestStats) -> Value {
    json!({"requests": r.requests, "ok": r.ok, "failed": r.failed, "retries": r.retries,
           "latency_sum_us": r.latency_sum_us, "latency_us": hist_json(&r.latency_us),
           "client_us": r.client_us.as_ref().map(hist_json),
           "incident_requests": r.incident_requests, "incident_ok": r.incident_ok})
}

fn run_json(r: &RunRecord) -> Value {
    let m = &r.metrics;
    json!({
        "variant": r.variant, "run": r.run, "seed": r.seed, "stop": r.stop.as_str(), "end_ns": r.end.0, "events": r.events,
        "window_s": m.window_s, "node_seconds": m.node_seconds, "faults_missed": m.faults_missed,
        "nodes_added": m.nodes_added, "nodes_removed": m.nodes_removed,
        "workloads": m.workloads.iter().map(|w| json!({
            "availability": opt(Some(w.availability)), "downtime_s": w.downtime_s, "incidents": w.incidents,
            "mttr_s": opt(w.mttr_s), "serving_mean": opt(Some(w.serving_mean)), "replicas_mean": opt(Some(w.replicas_mean)),
            "pod_seconds": w.pod_seconds, "cpu_utilization": opt(w.cpu_utilization),
            "rollout_s": opt(w.rollout_s), "rollouts_stalled": w.rollouts_stalled,
            "evictions": w.evictions, "serving_min": opt(w.serving_min),
            "replicas_max": opt(w.replicas_max), "scale_ups": w.scale_ups, "scale_downs": w.scale_downs,
            "forecast_error": opt(w.forecast_error),
            "probe_failures": w.probe_failures, "flaps": w.flaps,
            "pending_pod_seconds": w.pending_pod_seconds,
            "downtime_by_cause": w.downtime_by_cause,
            "incident_s": w.incident_s.map(opt),
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

impl Reader<'_> {
    /// A list of exactly `N` numbers.
    fn floats<const N: usize>(&self, k: &str) -> Result<[f64; N], String> {
        let xs = self.opt_floats::<N>(k)?;
        let mut out = [0.0; N];
        for (o, x) in out.iter_mut().zip(xs) {
            *o = x.ok_or_else(|| format!("{}: `{k}` holds a null, not a number", self.1))?;
        }
        Ok(out)
    }

    /// A list of exactly `N` numbers or nulls.
    fn opt_floats<const N: usize>(&self, k: &str) -> Result<[Option<f64>; N], String> {
        let a = self.0[k]
            .as_array()
            .filter(|a| a.len() == N)
            .ok_or_else(|| format!("{}: `{k}` is not a list of {N}", self.1))?;
        let mut out = [None; N];
        for (o, x) in out.iter_mut().zip(a) {
            *o = match x {
                Value::Null => None,
                _ => Some(
                    x.as_f64()
                        .ok_or_else(|| format!("{}: `{k}` holds {x}, not a number", self.1))?,
                ),
            };
        }
        Ok(out)
    }
}

/// The most requests (or events) one run can record: sums over the at most 10^5 runs of an
/// experiment then stay far below `u64::MAX`, so no count read from a shard can overflow a
/// merge.
pub const MAX_COUNT_PER_RUN: u64 = 10_000_000_000_000;

impl Reader<'_> {
    /// A count of one run, at most `MAX_COUNT_PER_RUN`.
    fn count(&self, k: &str) -> Result<u64, String> {
        let n = self.u(k)?;
        if n > MAX_COUNT_PER_RUN {
            return Err(format!(
                "{}: `{k}` is {n}, more than one run can record ({MAX_COUNT_PER_RUN})",
                self.1
            ));
        }
        Ok(n)
    }
}

fn req_from(v: &Value, file: &str) -> Result<RequestStats, String> {
    let r = Reader(v, file);
    let mut s = RequestStats {
        requests: r.count("requests")?,
        ok: r.count("ok")?,
        retries: r.count("retries")?,
        latency_sum_us: r.f("latency_sum_us")?,
        ..Default::default()
    };
    let failed = v["failed"]
        .as_array()
        .filter(|f| f.len() == s.failed.len())
        .ok_or_else(|| format!("{file}: `failed` is not a list of {}", s.failed.len()))?;
    for (i, x) in failed.iter().enumerate() {
        s.failed[i] = x
            .as_u64()
            .filter(|n| *n <= MAX_COUNT_PER_RUN)
            .ok_or_else(|| {
                format!("{file}: `failed` holds {x}, not a count of at most {MAX_COUNT_PER_RUN}")
            })?;
    }
    hist_from(&v["latency_us"], "latency_us", file, |value, count| {
        s.latency_us.saturating_record_n(value, count);
    })?;
    if !v["client_us"].is_null() {
        hist_from(&v["client_us"], "client_us", file, |value, count| {
            s.client_record_n(value, count)
        })?;
    }
    s.incident_requests = r.count("incident_requests")?;
    s.incident_ok = r.count("incident_ok")?;
    Ok(s)
}

/// Re-records a histogram's (value, count) pairs through `record`.
fn hist_from(
    v: &Value,
    key: &str,
    file: &str,
    mut record: impl FnMut(u64, u64),
) -> Result<(), String> {
    let mut recorded = 0u64;
    let pairs = v
        .as_array()
        .ok_or_else(|| format!("{file}: `{key}` is not a list"))?;
    for pair in pairs {
        let (Some(value), Some(count)) = (pair[0].as_u64(), pair[1].as_u64()) else {
            return Err(format!(
                "{file}: `{key}` holds {pair}, not a [value, count] pair"
            ));
        };
        recorded = recorded.saturating_add(count);
        if recorded > MAX_COUNT_PER_RUN {
            return Err(format!(
                "{file}: `{key}` records more than one run can ({MAX_COUNT_PER_RUN})"
            ));
        }
        record(value, count);
    }
    Ok(())
}

/// `probe_failures`: 3 × 3 counts (kind × cause).
fn probe_failures(w: &Reader, file: &str) -> Result<[[u32; 3]; 3], String> {
    let bad = || format!("{file}: `probe_failures` is not 3 lists of 3 counts");
    let rows = w.0["probe_failures"].as_array().ok_or_else(bad)?;
    let mut out = [[0u32; 3]; 3];
    if rows.len() != 3 {
        return Err(bad());
    }
    for (k, row) in rows.iter().enumerate() {
        let row = row.as_array().filter(|r| r.len() == 3).ok_or_else(bad)?;
        for (c, x) in row.iter().enumerate() {
            out[k][c] = x
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad)?;
        }
    }
    Ok(out)
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
                incidents: u32::try_from(w.u("incidents")?)
                    .map_err(|_| format!("{file}: `incidents` is out of range"))?,
                mttr_s: w.opt("mttr_s"),
                serving_mean: w.opt("serving_mean").unwrap_or(f64::NAN),
                replicas_mean: w.opt("replicas_mean").unwrap_or(f64::NAN),
                pod_seconds: w.f("pod_seconds")?,
                cpu_utilization: w.opt("cpu_utilization"),
                rollout_s: w.opt("rollout_s"),
                rollouts_stalled: u32::try_from(w.u("rollouts_stalled")?)
                    .map_err(|_| format!("{file}: `rollouts_stalled` is out of range"))?,
                evictions: u32::try_from(w.u("evictions")?)
                    .map_err(|_| format!("{file}: `evictions` is out of range"))?,
                serving_min: w.opt("serving_min"),
                replicas_max: w.opt("replicas_max"),
                scale_ups: u32::try_from(w.u("scale_ups")?)
                    .map_err(|_| format!("{file}: `scale_ups` is out of range"))?,
                scale_downs: u32::try_from(w.u("scale_downs")?)
                    .map_err(|_| format!("{file}: `scale_downs` is out of range"))?,
                forecast_error: w.opt("forecast_error"),
                probe_failures: probe_failures(&w, file)?,
                flaps: u32::try_from(w.u("flaps")?)
                    .map_err(|_| format!("{file}: `flaps` is out of range"))?,
                pending_pod_seconds: w.f("pending_pod_seconds")?,
                downtime_by_cause: w.floats("downtime_by_cause")?,
                incident_s: w.opt_floats("incident_s")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let requests = v["requests"]
        .as_array()
        .ok_or_else(|| format!("{file}: `requests` is not a list"))?
        .iter()
        .map(|x| req_from(x, file))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RunRecord {
        variant: usize::try_from(r.u("variant")?)
            .map_err(|_| format!("{file}: `variant` is out of range"))?,
        run: u32::try_from(r.u("run")?).map_err(|_| format!("{file}: `run` is out of range"))?,
        seed: r.u("seed")?,
        metrics: RunMetrics {
            window_s: r.f("window_s")?,
            workloads,
            node_seconds: r.f("node_seconds")?,
            requests,
            faults_missed: u32::try_from(r.u("faults_missed")?)
                .map_err(|_| format!("{file}: `faults_missed` is out of range"))?,
            nodes_added: u32::try_from(r.u("nodes_added")?)
                .map_err(|_| format!("{file}: `nodes_added` is out of range"))?,
            nodes_removed: u32::try_from(r.u("nodes_removed")?)
                .map_err(|_| format!("{file}: `nodes_removed` is out of range"))?,
        },
        stop,
        end: SimTime(r.u("end_ns")?),
        events: r.count("events")?,
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

/// The largest `shard.json` read: far above any real shard, far below memory trouble.
const MAX_SHARD_BYTES: u64 = 1 << 30;

fn read_shard(dir: &Path) -> Result<(Value, String), String> {
    use std::io::Read;
    let file = dir.join(FILE);
    let name = file.display().to_string();
    let mut text = String::new();
    std::fs::File::open(&file)
        .and_then(|f| f.take(MAX_SHARD_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if text.len() as u64 > MAX_SHARD_BYTES {
        return Err(format!("`{name}` is larger than 1 GiB: not a shard"));
    }
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("`{name}` is not a shard: {e}"))?;
    if v["kubesim_version"].as_str() != Some(env!("CARGO_PKG_VERSION")) {
        return Err(format!(
            "`{name}` was written by kubesim {}, this is {}: rerun that shard",
            v["kubesim_version"].as_str().unwrap_or("(unknown)"),
            env!("CARGO_PKG_VERSION")
        ));
    }
    Ok((v, name))
}

/// Which shard of how many `v` is, checked against the first shard's scenario and count.
fn shard_index(v: &Value, first: &Value, name: &str) -> Result<usize, String> {
    let count = first["of"].as_u64().filter(|&n| n >= 1);
    let index = v["shard"].as_u64();
    if v["scenario_text"].as_str().is_none()
        || v["scenario_text"] != first["scenario_text"]
        || v["sets"] != first["sets"]
        || count.is_none()
        || v["of"].as_u64() != count
    {
        return Err(format!(
            "`{name}` belongs to another scenario or shard count"
        ));
    }
    let count = count.unwrap_or(1);
    match index {
        Some(i) if (1..=count).contains(&i) => Ok(i as usize),
        _ => Err(format!(
            "`{name}`: shard number {} is not within 1..={count}",
            v["shard"]
        )),
    }
}

/// The runs of one shard, checked to be exactly the (variant, run, seed) triples that shard
/// covers, each with one entry per workload and per service.
fn shard_runs(
    v: &Value,
    name: &str,
    variants: &[Variant],
    index: usize,
    count: usize,
) -> Result<Vec<RunRecord>, String> {
    let expected = crate::experiment::run_specs(variants, Some((index, count)));
    let runs = v["runs"]
        .as_array()
        .ok_or_else(|| format!("`{name}`: `runs` is not a list"))?;
    if runs.len() != expected.len() {
        return Err(format!(
            "`{name}` holds {} runs; shard {index} of {count} has {}",
            runs.len(),
            expected.len()
        ));
    }
    let mut out = Vec::with_capacity(runs.len());
    for (r, &(variant, run, seed)) in runs.iter().zip(&expected) {
        let rec = run_from(r, name)?;
        if (rec.variant, rec.run) != (variant, run) {
            return Err(format!(
                "`{name}`: found variant {} run {} where shard {index} of {count} has variant {variant} run {run}",
                rec.variant, rec.run
            ));
        }
        let sc = &variants[variant].scenario;
        let m = &rec.metrics;
        if rec.seed != seed
            || m.workloads.len() != sc.workloads.len()
            || m.requests.len() != sc.services.len()
        {
            return Err(format!(
                "`{name}`: variant {variant} run {run} does not match the scenario (seed {}, {} workloads, {} services; expected seed {seed}, {} workloads, {} services)",
                rec.seed,
                m.workloads.len(),
                m.requests.len(),
                sc.workloads.len(),
                sc.services.len()
            ));
        }
        out.push(rec);
    }
    Ok(out)
}

/// Reads shard folders and combines them; every shard of the same scenario must be there,
/// once, holding exactly its runs: anything else is an error naming the file.
pub fn merge(dirs: &[std::path::PathBuf]) -> Result<Merged, String> {
    let shards = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>, _>>()?;
    let Some((first, _)) = shards.first() else {
        return Err("no shard folders given".into());
    };
    let mut indexes = std::collections::BTreeMap::new();
    for (v, name) in &shards {
        let i = shard_index(v, first, name)?;
        if let Some(other) = indexes.insert(i, name) {
            return Err(format!("`{name}` and `{other}` are both shard {i}"));
        }
    }
    let count = first["of"].as_u64().unwrap_or(1);
    // Shard numbers are distinct and within 1..=count: fewer than count means a gap, which
    // lies among the first len + 1 numbers (no allocation of `count` anything).
    if let Some(missing) = (1..=count).find(|i| !indexes.contains_key(&(*i as usize))) {
        return Err(format!("shard {missing} of {count} is missing"));
    }
    let count = count as usize;
    let text = first["scenario_text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let path = first["scenario_file"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sets: Vec<String> = first["sets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let swept = Scenario::variants_from_text(&text, Path::new(&path), &sets)
        .map_err(|e| format!("`{}`: its scenario no longer loads: {e}", shards[0].1))?;
    let variants: Vec<Variant> = swept.into_iter().map(Variant::from).collect();
    let mut runs = Vec::new();
    for (v, name) in &shards {
        let index = shard_index(v, first, name)?;
        runs.extend(shard_runs(v, name, &variants, index, count)?);
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
