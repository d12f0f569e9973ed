//! The tidy tables: one row per (variant, run, service) in `runs.csv`, one per
//! (variant, service) in `summary.csv`, both from one list of metric columns.

use crate::experiment::{ExperimentResult, RunRecord};
use crate::stats::mean_ci95;

/// A per-run metric of one service: `None` where undefined (MTTR without incidents).
struct Metric {
    name: &'static str,
    get: fn(&RunRecord, usize) -> Option<f64>,
}

const METRICS: [Metric; 8] = [
    Metric {
        name: "availability",
        get: |r, w| Some(r.metrics.workloads[w].availability),
    },
    Metric {
        name: "downtime_s",
        get: |r, w| Some(r.metrics.workloads[w].downtime_s),
    },
    Metric {
        name: "incidents",
        get: |r, w| Some(r.metrics.workloads[w].incidents as f64),
    },
    Metric {
        name: "mttr_s",
        get: |r, w| r.metrics.workloads[w].mttr_s,
    },
    Metric {
        name: "serving_mean",
        get: |r, w| Some(r.metrics.workloads[w].serving_mean),
    },
    Metric {
        name: "replicas_mean",
        get: |r, w| Some(r.metrics.workloads[w].replicas_mean),
    },
    Metric {
        name: "pod_seconds",
        get: |r, w| Some(r.metrics.workloads[w].pod_seconds),
    },
    Metric {
        name: "node_seconds",
        get: |r, _| Some(r.metrics.node_seconds),
    },
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

pub fn runs_csv(result: &ExperimentResult) -> Vec<u8> {
    let mut header: Vec<String> = ["variant", "run", "seed", "service"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(METRICS.iter().map(|m| m.name.to_string()));
    header.extend(
        ["end_s", "events", "stopped_by"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut rows = vec![header];
    for r in &result.runs {
        let sc = &result.variants[r.variant].scenario;
        for svc in &sc.services {
            let mut row = vec![
                result.variants[r.variant].name.clone(),
                r.run.to_string(),
                r.seed.to_string(),
                svc.name.clone(),
            ];
            row.extend(METRICS.iter().map(|m| num((m.get)(r, svc.workload))));
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
    pub service: String,
    pub runs: usize,
    /// (metric name, mean, ci95) in `METRICS` order.
    pub metrics: Vec<(&'static str, f64, f64)>,
    pub nines: f64,
    pub slo_availability: Option<f64>,
}

impl SummaryRow {
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
        for svc in &var.scenario.services {
            let metrics = METRICS
                .iter()
                .map(|m| {
                    let xs: Vec<f64> = runs
                        .iter()
                        .filter_map(|r| (m.get)(r, svc.workload))
                        .filter(|x| !x.is_nan())
                        .collect();
                    let (mean, ci) = mean_ci95(&xs);
                    (m.name, mean, ci)
                })
                .collect::<Vec<_>>();
            let avail = metrics[0].1;
            out.push(SummaryRow {
                variant: var.name.clone(),
                service: svc.name.clone(),
                runs: runs.len(),
                nines: -(1.0 - avail).log10(),
                metrics,
                slo_availability: var.scenario.slo.availability,
            });
        }
    }
    out
}

pub fn summary_csv(rows: &[SummaryRow]) -> Vec<u8> {
    let mut header: Vec<String> = ["variant", "service", "runs"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for m in &METRICS {
        header.push(format!("{}_mean", m.name));
        header.push(format!("{}_ci95", m.name));
    }
    header.extend(
        ["nines", "slo_availability", "slo_met"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut out = vec![header];
    for r in rows {
        let mut row = vec![r.variant.clone(), r.service.clone(), r.runs.to_string()];
        for (_, mean, ci) in &r.metrics {
            row.push(num(Some(*mean)));
            row.push(num(Some(*ci)));
        }
        row.push(num(Some(r.nines)));
        row.push(num(r.slo_availability));
        let avail = r.metrics[0].1;
        row.push(
            r.slo_availability
                .map(|t| (avail >= t).to_string())
                .unwrap_or_default(),
        );
        out.push(row);
    }
    to_bytes(out)
}
