//! The tidy tables: one row per (variant, run, service) in `runs.csv`, one per
//! (variant, service) in `summary.csv`, both from one list of metric columns.

use crate::experiment::{ExperimentResult, RunRecord};
use crate::metrics::requests::{Failure, RequestStats};
use crate::stats::mean_ci95;

/// A per-run metric of one service: `None` where undefined (MTTR without incidents).
/// `merged`: for latency, the variant's mean column comes from the histogram merged across
/// runs (a percentile of all requests), not from the mean of per-run percentiles.
struct Metric {
    name: &'static str,
    get: fn(&RunRecord, usize, usize) -> Option<f64>,
    merged: Option<fn(&RequestStats) -> f64>,
}

const fn m(name: &'static str, get: fn(&RunRecord, usize, usize) -> Option<f64>) -> Metric {
    Metric {
        name,
        get,
        merged: None,
    }
}

const fn lat(
    name: &'static str,
    get: fn(&RunRecord, usize, usize) -> Option<f64>,
    merged: fn(&RequestStats) -> f64,
) -> Metric {
    Metric {
        name,
        get,
        merged: Some(merged),
    }
}

fn req(r: &RunRecord, s: usize) -> &RequestStats {
    &r.metrics.requests[s]
}

fn ratio(st: &RequestStats) -> Option<f64> {
    (st.requests > 0).then(|| st.ok as f64 / st.requests as f64)
}

const METRICS: [Metric; 64] = [
    m("availability", |r, _, w| {
        Some(r.metrics.workloads[w].availability)
    }),
    m("downtime_s", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_s)
    }),
    m("incidents", |r, _, w| {
        Some(r.metrics.workloads[w].incidents as f64)
    }),
    m("mttr_s", |r, _, w| r.metrics.workloads[w].mttr_s),
    m("serving_mean", |r, _, w| {
        Some(r.metrics.workloads[w].serving_mean)
    }),
    m("replicas_mean", |r, _, w| {
        Some(r.metrics.workloads[w].replicas_mean)
    }),
    m("pod_seconds", |r, _, w| {
        Some(r.metrics.workloads[w].pod_seconds)
    }),
    m("node_seconds", |r, _, _| Some(r.metrics.node_seconds)),
    m("cpu_utilization", |r, _, w| {
        r.metrics.workloads[w].cpu_utilization
    }),
    m("rollout_s", |r, _, w| r.metrics.workloads[w].rollout_s),
    m("rollouts_stalled", |r, _, w| {
        Some(r.metrics.workloads[w].rollouts_stalled as f64)
    }),
    m("requests", |r, s, _| Some(req(r, s).requests as f64)),
    m("requests_ok", |r, s, _| Some(req(r, s).ok as f64)),
    m("requests_failed", |r, s, _| {
        Some(req(r, s).failed_total() as f64)
    }),
    m("failed_no_endpoint", |r, s, _| {
        Some(req(r, s).failed[Failure::NoEndpoint as usize] as f64)
    }),
    m("failed_dead_pod", |r, s, _| {
        Some(req(r, s).failed[Failure::DeadPod as usize] as f64)
    }),
    m("failed_queue_full", |r, s, _| {
        Some(req(r, s).failed[Failure::QueueFull as usize] as f64)
    }),
    m("failed_timeout", |r, s, _| {
        Some(req(r, s).failed[Failure::Timeout as usize] as f64)
    }),
    m("failed_terminating", |r, s, _| {
        Some(req(r, s).failed[Failure::Terminating as usize] as f64)
    }),
    m("retries", |r, s, _| Some(req(r, s).retries as f64)),
    m("success_ratio", |r, s, _| ratio(req(r, s))),
    lat(
        "latency_ms_mean",
        |r, s, _| Some(req(r, s).latency_ms()[0]),
        |st| st.latency_ms()[0],
    ),
    lat(
        "latency_ms_p50",
        |r, s, _| Some(req(r, s).latency_ms()[1]),
        |st| st.latency_ms()[1],
    ),
    lat(
        "latency_ms_p90",
        |r, s, _| Some(req(r, s).latency_ms()[2]),
        |st| st.latency_ms()[2],
    ),
    lat(
        "latency_ms_p99",
        |r, s, _| Some(req(r, s).latency_ms()[3]),
        |st| st.latency_ms()[3],
    ),
    lat(
        "latency_ms_p999",
        |r, s, _| Some(req(r, s).latency_ms()[4]),
        |st| st.latency_ms()[4],
    ),
    m("evictions", |r, _, w| {
        Some(r.metrics.workloads[w].evictions as f64)
    }),
    m("serving_min", |r, _, w| r.metrics.workloads[w].serving_min),
    m("replicas_max", |r, _, w| {
        r.metrics.workloads[w].replicas_max
    }),
    m("scale_ups", |r, _, w| {
        Some(r.metrics.workloads[w].scale_ups as f64)
    }),
    m("scale_downs", |r, _, w| {
        Some(r.metrics.workloads[w].scale_downs as f64)
    }),
    m("forecast_error", |r, _, w| {
        r.metrics.workloads[w].forecast_error
    }),
    m("pending_pod_seconds", |r, _, w| {
        Some(r.metrics.workloads[w].pending_pod_seconds)
    }),
    m("nodes_added", |r, _, _| Some(r.metrics.nodes_added as f64)),
    m("nodes_removed", |r, _, _| {
        Some(r.metrics.nodes_removed as f64)
    }),
    m("probe_failures_readiness_down", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[0][0] as f64)
    }),
    m("probe_failures_readiness_hang", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[0][1] as f64)
    }),
    m("probe_failures_readiness_load", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[0][2] as f64)
    }),
    m("probe_failures_liveness_down", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[1][0] as f64)
    }),
    m("probe_failures_liveness_hang", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[1][1] as f64)
    }),
    m("probe_failures_liveness_load", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[1][2] as f64)
    }),
    m("probe_failures_startup_down", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[2][0] as f64)
    }),
    m("probe_failures_startup_hang", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[2][1] as f64)
    }),
    m("probe_failures_startup_load", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[2][2] as f64)
    }),
    m("flaps", |r, _, w| Some(r.metrics.workloads[w].flaps as f64)),
    m("liveness_restarts_under_load", |r, _, w| {
        Some(r.metrics.workloads[w].probe_failures[1][2] as f64)
    }),
    // Down time by what started each incident (`DownCause` order); they sum to downtime_s.
    m("downtime_s_startup", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[0])
    }),
    m("downtime_s_node_failure", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[1])
    }),
    m("downtime_s_zone_outage", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[2])
    }),
    m("downtime_s_partition", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[3])
    }),
    m("downtime_s_crash", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[4])
    }),
    m("downtime_s_hang", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[5])
    }),
    m("downtime_s_rollout", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[6])
    }),
    m("downtime_s_drain", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[7])
    }),
    m("downtime_s_scaling", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[8])
    }),
    m("downtime_s_unschedulable", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[9])
    }),
    m("downtime_s_other", |r, _, w| {
        Some(r.metrics.workloads[w].downtime_by_cause[10])
    }),
    m("incident_s_p50", |r, _, w| {
        r.metrics.workloads[w].incident_s[0]
    }),
    m("incident_s_p90", |r, _, w| {
        r.metrics.workloads[w].incident_s[1]
    }),
    m("incident_s_max", |r, _, w| {
        r.metrics.workloads[w].incident_s[2]
    }),
    // Every request as its client saw it: failures at their failure time, timeouts at the
    // timeout (`latency_ms_*` counts successes only).
    lat(
        "client_latency_ms_p50",
        |r, s, _| Some(req(r, s).client_latency_ms()[0]),
        |st| st.client_latency_ms()[0],
    ),
    lat(
        "client_latency_ms_p99",
        |r, s, _| Some(req(r, s).client_latency_ms()[1]),
        |st| st.client_latency_ms()[1],
    ),
    lat(
        "client_latency_ms_p999",
        |r, s, _| Some(req(r, s).client_latency_ms()[2]),
        |st| st.client_latency_ms()[2],
    ),
    m("incident_success_ratio", |r, s, _| {
        req(r, s).incident_success_ratio()
    }),
];

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_nan() => String::new(),
        Some(v) => format!("{v}"),
        None => String::new(),
    }
}

fn to_bytes(rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).expect("writing CSV to memory");
    }
    w.into_inner().expect("flushing CSV to memory")
}

/// Labels of the swept keys: one column each, after `variant`.
fn param_labels(result: &ExperimentResult) -> Vec<String> {
    result.variants[0]
        .params
        .iter()
        .map(|(k, _)| k.clone())
        .collect()
}

fn param_values(result: &ExperimentResult, v: usize) -> Vec<String> {
    result.variants[v]
        .params
        .iter()
        .map(|(_, x)| x.clone())
        .collect()
}

pub fn labels(result: &ExperimentResult) -> Vec<String> {
    param_labels(result)
}

pub fn runs_csv(result: &ExperimentResult) -> Vec<u8> {
    let mut header: Vec<String> = vec!["variant".into()];
    header.extend(param_labels(result));
    header.extend(["run", "seed", "service"].iter().map(|s| s.to_string()));
    header.extend(METRICS.iter().map(|m| m.name.to_string()));
    header.extend(
        ["end_s", "events", "stopped_by"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut rows = vec![header];
    for r in &result.runs {
        let sc = &result.variants[r.variant].scenario;
        for (si, svc) in sc.services.iter().enumerate() {
            let mut row = vec![result.variants[r.variant].name.clone()];
            row.extend(param_values(result, r.variant));
            row.extend([r.run.to_string(), r.seed.to_string(), svc.name.clone()]);
            row.extend(METRICS.iter().map(|m| num((m.get)(r, si, svc.workload))));
            row.extend([
                format!("{}", r.end.as_secs_f64()),
                r.events.to_string(),
                r.stop.as_str().to_string(),
            ]);
            rows.push(row);
        }
    }
    to_bytes(rows)
}

/// One (variant, service) row of `summary.csv`.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    pub variant: String,
    pub params: Vec<String>,
    pub service: String,
    pub runs: usize,
    /// Runs stopped by the event budget before the horizon (their metrics cover less time).
    pub runs_truncated: usize,
    /// Scripted faults, summed over the runs, that found no target.
    pub faults_missed: u64,
    /// (metric name, mean, ci95) in `METRICS` order.
    pub metrics: Vec<(&'static str, f64, f64)>,
    pub nines: f64,
    pub slo_availability: Option<f64>,
    /// `slo.latency_p99` in ms: met when the client-observed p99 of all the variant's
    /// requests (merged over runs) is at most this.
    pub slo_latency_p99_ms: Option<f64>,
    /// Against the first variant, run by run (same seeds): (metric, mean, ci95) of the
    /// difference, for `PAIRED`; empty for the first variant.
    pub paired: Vec<(&'static str, f64, f64)>,
}

/// Metrics with paired differences against the first variant.
const PAIRED: [&str; 2] = ["availability", "success_ratio"];

impl SummaryRow {
    /// Whether the client-observed p99 met `slo.latency_p99` (`None`: no target, or no
    /// requests).
    pub fn slo_latency_met(&self) -> Option<bool> {
        let p99 = self.get("client_latency_ms_p99").0;
        self.slo_latency_p99_ms
            .filter(|_| !p99.is_nan())
            .map(|t| p99 <= t)
    }

    pub fn get(&self, name: &str) -> (f64, f64) {
        self.metrics
            .iter()
            .find(|m| m.0 == name)
            .map(|m| (m.1, m.2))
            .unwrap_or((f64::NAN, f64::NAN))
    }
}

pub fn summarize(result: &ExperimentResult) -> Vec<SummaryRow> {
    let mut out = Vec::new();
    for (v, var) in result.variants.iter().enumerate() {
        let runs: Vec<&RunRecord> = result.runs.iter().filter(|r| r.variant == v).collect();
        for (si, svc) in var.scenario.services.iter().enumerate() {
            let mut merged = RequestStats::default();
            for r in &runs {
                merged.merge(&r.metrics.requests[si]);
            }
            let metrics = METRICS
                .iter()
                .map(|m| {
                    let xs: Vec<f64> = runs
                        .iter()
                        .filter_map(|r| (m.get)(r, si, svc.workload))
                        .filter(|x| !x.is_nan())
                        .collect();
                    let (mean, ci) = mean_ci95(&xs);
                    (m.name, m.merged.map_or(mean, |f| f(&merged)), ci)
                })
                .collect::<Vec<_>>();
            let avail = metrics[0].1;
            let paired = if v == 0 {
                Vec::new()
            } else {
                paired_diffs(result, v, si, &svc.name)
            };
            out.push(SummaryRow {
                variant: var.name.clone(),
                params: param_values(result, v),
                service: svc.name.clone(),
                runs: runs.len(),
                runs_truncated: runs
                    .iter()
                    .filter(|r| r.stop == crate::experiment::StopReason::EventBudget)
                    .count(),
                faults_missed: runs
                    .iter()
                    .map(|r| u64::from(r.metrics.faults_missed))
                    .sum(),
                nines: -(1.0 - avail).log10(),
                metrics,
                slo_availability: var.scenario.slo.availability,
                slo_latency_p99_ms: var.scenario.slo.latency_p99.map(|d| d.as_secs_f64() * 1e3),
                paired,
            });
        }
    }
    out
}

/// Run-by-run differences (variant − first variant) of the `PAIRED` metrics for a service.
/// Runs with the same index share their seed, so the failures and arrivals they see are the
/// same and most of the run-to-run noise cancels (common random numbers).
fn paired_diffs(
    result: &ExperimentResult,
    v: usize,
    si: usize,
    service: &str,
) -> Vec<(&'static str, f64, f64)> {
    let base = &result.variants[0].scenario;
    let Some(bi) = base.services.iter().position(|s| s.name == service) else {
        return Vec::new();
    };
    let (w, bw) = (
        result.variants[v].scenario.services[si].workload,
        base.services[bi].workload,
    );
    PAIRED
        .iter()
        .map(|name| {
            let m = METRICS
                .iter()
                .find(|m| m.name == *name)
                .expect("paired metrics are metrics");
            let diffs: Vec<f64> = result
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .filter_map(|r| {
                    let b = result
                        .runs
                        .iter()
                        .find(|b| b.variant == 0 && b.run == r.run)?;
                    Some((m.get)(r, si, w)? - (m.get)(b, bi, bw)?)
                })
                .filter(|d| !d.is_nan())
                .collect();
            let (mean, ci) = mean_ci95(&diffs);
            (*name, mean, ci)
        })
        .collect()
}

pub fn summary_csv(rows: &[SummaryRow], labels: &[String]) -> Vec<u8> {
    let mut header: Vec<String> = vec!["variant".into()];
    header.extend(labels.iter().cloned());
    header.extend(["service", "runs"].iter().map(|s| s.to_string()));
    for m in &METRICS {
        header.push(format!("{}_mean", m.name));
        header.push(format!("{}_ci95", m.name));
    }
    for name in PAIRED {
        header.push(format!("{name}_diff_mean"));
        header.push(format!("{name}_diff_ci95"));
    }
    header.extend(
        [
            "nines",
            "slo_availability",
            "slo_met",
            "runs_truncated",
            "faults_missed",
            "slo_latency_p99_ms",
            "slo_latency_met",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let mut out = vec![header];
    for r in rows {
        let mut row = vec![r.variant.clone()];
        row.extend(r.params.iter().cloned());
        row.extend([r.service.clone(), r.runs.to_string()]);
        for (_, mean, ci) in &r.metrics {
            row.push(num(Some(*mean)));
            row.push(num(Some(*ci)));
        }
        for name in PAIRED {
            let d = r.paired.iter().find(|p| p.0 == name);
            row.push(num(d.map(|p| p.1)));
            row.push(num(d.map(|p| p.2)));
        }
        row.push(num(Some(r.nines)));
        row.push(num(r.slo_availability));
        let avail = r.metrics[0].1;
        row.push(
            r.slo_availability
                .map(|t| (avail >= t).to_string())
                .unwrap_or_default(),
        );
        row.extend([r.runs_truncated.to_string(), r.faults_missed.to_string()]);
        row.push(num(r.slo_latency_p99_ms));
        row.push(
            r.slo_latency_met()
                .map(|m| m.to_string())
                .unwrap_or_default(),
        );
        out.push(row);
    }
    to_bytes(out)
}

/// `timeseries.csv`: first run of each variant, one row per (sample time, service).
pub fn timeseries_csv(result: &ExperimentResult) -> Vec<u8> {
    let mut header: Vec<String> = vec!["variant".into()];
    header.extend(param_labels(result));
    header.extend(
        [
            "t_s",
            "service",
            "ready",
            "serving",
            "replicas",
            "requests",
            "success_ratio",
            "latency_ms_p99",
            "desired_replicas",
            "metric_value",
            "offered_rps",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    // Per node pool: its registered nodes (pools are the same in every variant).
    if let Some(v) = result.variants.first() {
        header.extend(v.scenario.pools.iter().map(|p| format!("nodes_{}", p.name)));
    }
    let mut rows = vec![header];
    for r in result.runs.iter().filter(|r| !r.samples.is_empty()) {
        let sc = &result.variants[r.variant].scenario;
        for s in &r.samples {
            let mut row = vec![result.variants[r.variant].name.clone()];
            row.extend(param_values(result, r.variant));
            row.extend([
                format!("{}", s.t.as_secs_f64()),
                sc.services[s.service].name.clone(),
                s.ready.to_string(),
                s.serving.to_string(),
                s.replicas.to_string(),
                s.requests.to_string(),
                num(s.success_ratio),
                num(s.latency_ms_p99),
                s.desired_replicas.to_string(),
                num(s.metric_value),
                format!("{}", s.offered_rps),
            ]);
            row.extend(s.nodes.iter().map(|n| n.to_string()));
            rows.push(row);
        }
    }
    to_bytes(rows)
}

/// `events.csv`: the event log of the first run of each variant (`time, kind, entity, detail`).
pub fn events_csv(result: &ExperimentResult) -> Vec<u8> {
    let mut rows = vec![
        ["variant", "t_s", "kind", "entity", "detail"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    ];
    for r in result.runs.iter().filter(|r| !r.trace.is_empty()) {
        for e in &r.trace {
            rows.push(vec![
                result.variants[r.variant].name.clone(),
                format!("{}", e.t.as_secs_f64()),
                e.kind.as_str().to_string(),
                e.entity.clone(),
                e.detail.clone(),
            ]);
        }
    }
    to_bytes(rows)
}
