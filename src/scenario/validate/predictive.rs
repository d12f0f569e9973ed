//! Validation of a workload's `autoscaling.predictive`: the forecaster and its history
//! (season or window), and that traffic reaches the workload to forecast from.

use super::super::autoscaling::*;
use super::super::reader::{Fields, Reader};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, cond, opt, req, table};
use super::super::yaml::{Node, Value};
use super::super::{Service, Traffic, Workload};
use super::autoscaling::dur;
use crate::time::SimDuration;

const MODELS: [&str; 3] = ["linear", "seasonal_naive", "holt_winters"];

pub(super) static PREDICTIVE: Table = table(&[
    req("model", Shape::Enum(&MODELS)),
    cond("period", POSITIVE),
    opt("window", POSITIVE),
    opt("lead", Shape::AnyOf(&[Shape::Enum(&["auto"]), DURATION])),
    opt("smoothing", Shape::Map(&SMOOTHING)),
])
.named("PREDICTIVE");

const SMOOTHING_FACTOR: Shape = Shape::Float {
    min: 0.0,
    min_exclusive: true,
    max: 1.0,
};

static SMOOTHING: Table = table(&[
    opt("alpha", SMOOTHING_FACTOR),
    opt("beta", SMOOTHING_FACTOR),
    opt("gamma", SMOOTHING_FACTOR),
])
.named("SMOOTHING");

pub(super) fn predictive(r: &mut Reader, node: &Node, path: &str) -> Option<Predictive> {
    let f = r.fields(node, path, &PREDICTIVE)?;
    r.expect_words(&f.at("model"), &MODELS);
    let model = r.required(&f, "model").and_then(|n| match n.scalar() {
        Some(m @ ("linear" | "seasonal_naive" | "holt_winters")) => Some(m),
        _ => {
            r.error(
                n.pos,
                &f.at("model"),
                "expected `linear`, `seasonal_naive` or `holt_winters`",
            );
            None
        }
    });
    let lead = match f.get("lead") {
        None => Some(None),
        Some(n) if n.scalar() == Some("auto") => Some(None),
        Some(n) => r.duration(n, &f.at("lead")).map(Some),
    };
    let model = model?;
    let seasonal = model != "linear";
    for (key, wanted) in [
        ("period", seasonal),
        ("window", !seasonal),
        ("smoothing", model == "holt_winters"),
    ] {
        if !wanted && let Some(n) = f.get(key) {
            r.error(
                n.pos,
                &f.at(key),
                format!("`{key}` does not apply to the `{model}` model"),
            );
        }
    }
    let period = if seasonal {
        r.required(&f, "period")
            .and_then(|n| r.positive_duration(n, &f.at("period")))
    } else {
        None
    };
    let spec = match model {
        "linear" => ForecastSpec::Linear {
            window: dur(r, &f, "window", SimDuration::from_secs(3600), true)?,
        },
        "seasonal_naive" => ForecastSpec::SeasonalNaive { period: period? },
        _ => {
            let (alpha, beta, gamma) = smoothing(r, &f)?;
            ForecastSpec::HoltWinters {
                period: period?,
                alpha,
                beta,
                gamma,
            }
        }
    };
    Some(Predictive {
        model: spec,
        lead: lead?,
    })
}

fn smoothing(r: &mut Reader, f: &Fields) -> Option<(f64, f64, f64)> {
    let defaults = [0.3, 0.05, 0.2];
    let Some(n) = f.get("smoothing") else {
        return Some((defaults[0], defaults[1], defaults[2]));
    };
    let sf = r.fields(n, &f.at("smoothing"), &SMOOTHING)?;
    let mut out = [None; 3];
    for (i, key) in ["alpha", "beta", "gamma"].into_iter().enumerate() {
        out[i] = sf.get(key).map_or(Some(defaults[i]), |n| {
            r.float(n, &sf.at(key), 0.0, true, 1.0)
        });
    }
    Some((out[0]?, out[1]?, out[2]?))
}

/// Predictive scaling forecasts the arrival rate (a workload that no traffic reaches has
/// none) from a season or window of history (one longer than the horizon never fills, and
/// the forecaster would silently never act).
pub(super) fn predictive_needs_traffic(
    r: &mut Reader,
    workloads_node: Option<&Node>,
    workloads: &[Workload],
    services: &[Service],
    traffic: &[Traffic],
    horizon: Option<SimDuration>,
) {
    let Some(Value::Seq(list)) = workloads_node.map(|n| &n.value) else {
        return;
    };
    for (i, item) in list.iter().enumerate() {
        let Some(pn) = item.get("autoscaling").and_then(|a| a.get("predictive")) else {
            continue;
        };
        let name = item.get("name").and_then(Node::scalar);
        let Some(w) = workloads.iter().position(|w| Some(w.name.as_str()) == name) else {
            continue;
        };
        if !traffic.iter().any(|t| services[t.service].workload == w) {
            r.error(
                pn.pos,
                &format!("workloads[{i}].autoscaling.predictive"),
                "predictive scaling forecasts the arrival rate, but no `traffic` reaches this workload",
            );
        }
        let Some(p) = workloads[w]
            .autoscaling
            .as_ref()
            .and_then(|a| a.predictive.as_ref())
        else {
            continue;
        };
        // Seasonal models forecast after one full season; linear after half its window.
        let (key, needs) = match p.model {
            ForecastSpec::Linear { window } => ("window", SimDuration(window.0 / 2)),
            ForecastSpec::SeasonalNaive { period } | ForecastSpec::HoltWinters { period, .. } => {
                ("period", period)
            }
        };
        if let Some(h) = horizon
            && needs >= h
        {
            let at = pn.get(key).map_or(pn.pos, |n| n.pos);
            r.error(
                at,
                &format!("workloads[{i}].autoscaling.predictive.{key}"),
                format!(
                    "the forecaster needs {needs} of history before its first forecast, but the horizon is {h}: it would never act"
                ),
            );
        }
    }
}
