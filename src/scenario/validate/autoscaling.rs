//! Validation of a workload's `autoscaling`: the HPA (predictive scaling is in
//! `predictive.rs`, the cluster autoscaler's fields in `cluster_autoscaler.rs`).

use super::super::autoscaling::*;
use super::super::reader::{Fields, Reader};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, opt, req, table};
use super::super::yaml::Node;
use super::{items, predictive};
use crate::time::SimDuration;

pub(super) static AUTOSCALING: Table = table(&[
    req("hpa", Shape::Map(&HPA)),
    opt("predictive", Shape::Map(&predictive::PREDICTIVE)),
])
.named("AUTOSCALING");

static HPA: Table = table(&[
    opt(
        "min",
        Shape::Int {
            min: 1,
            max: 100_000,
        },
    ),
    req(
        "max",
        Shape::Int {
            min: 1,
            max: 100_000,
        },
    ),
    req("metrics", Shape::List(&Shape::Map(&METRIC))),
    opt("sync_period", POSITIVE),
    opt(
        "tolerance",
        Shape::Float {
            min: 0.0,
            min_exclusive: false,
            max: 0.99,
        },
    ),
    opt("metric_window", POSITIVE),
    opt("metrics_delay", DURATION),
    opt("cpu_initialization_period", DURATION),
    opt("initial_readiness_delay", DURATION),
    opt("behavior", Shape::Map(&BEHAVIOR)),
])
.named("HPA");

const METRICS: [&str; 3] = ["cpu_utilization", "requests_per_pod", "memory_utilization"];

/// `memory_utilization` is in the table so that its error can say why it is refused.
static METRIC: Table = Table {
    name: "METRIC",
    fields: &[
        opt(METRICS[0], Shape::Utilization),
        opt(METRICS[1], Shape::Rate),
        opt(METRICS[2], Shape::Utilization),
    ],
    exactly_one: &[&METRICS],
};

static BEHAVIOR: Table = table(&[
    opt("scale_up", Shape::Map(&RULES)),
    opt("scale_down", Shape::Map(&RULES)),
])
.named("BEHAVIOR");

const SELECT: [&str; 3] = ["max", "min", "disabled"];

static RULES: Table = table(&[
    opt("stabilization", DURATION),
    opt("select", Shape::Enum(&SELECT)),
    opt("policies", Shape::List(&Shape::Map(&POLICY))),
])
.named("RULES");

static POLICY: Table = Table {
    name: "POLICY",
    fields: &[
        opt(
            "pods",
            Shape::Int {
                min: 1,
                max: 100_000,
            },
        ),
        opt(
            "percent",
            Shape::Int {
                min: 1,
                max: 100_000,
            },
        ),
        req("period", DURATION),
    ],
    exactly_one: &[&["pods", "percent"]],
};

/// A control loop's period: at least 1 s, as Kubernetes' flags and fields (a nanosecond loop
/// would run a billion times a simulated second).
pub(super) fn loop_period(
    r: &mut Reader,
    f: &Fields,
    key: &str,
    default: SimDuration,
) -> Option<SimDuration> {
    let d = dur(r, f, key, default, true)?;
    if d < SimDuration::from_secs(1) {
        let n = f.get(key).expect("a default is at least 1 s");
        r.error(
            n.pos,
            &f.at(key),
            format!("at least 1s (as Kubernetes), found {d}"),
        );
        return None;
    }
    Some(d)
}

/// A duration field with a default.
pub(super) fn dur(
    r: &mut Reader,
    f: &Fields,
    key: &str,
    default: SimDuration,
    positive: bool,
) -> Option<SimDuration> {
    f.get(key).map_or(Some(default), |n| {
        if positive {
            r.positive_duration(n, &f.at(key))
        } else {
            r.duration(n, &f.at(key))
        }
    })
}

/// `workloads[i].autoscaling`: `Some(None)` when absent, `None` after an error.
/// `cpu_request`: the workload's `resources.cpu` (a CPU metric needs one).
pub(super) fn workload_autoscaling(
    r: &mut Reader,
    f: &Fields,
    cpu_request: Option<u64>,
) -> Option<Option<Autoscaling>> {
    let Some(n) = f.get("autoscaling") else {
        return Some(None);
    };
    let path = f.at("autoscaling");
    let af = r.fields(n, &path, &AUTOSCALING)?;
    let Some(hn) = af.get("hpa") else {
        r.error(
            n.pos,
            &path,
            "`autoscaling` needs an `hpa` (its min, max and targets; `predictive` scales through it)",
        );
        return None;
    };
    let hpa = hpa(r, hn, &af.at("hpa"), cpu_request);
    let predictive = match af.get("predictive") {
        None => Some(None),
        Some(pn) => predictive::predictive(r, pn, &af.at("predictive")).map(Some),
    };
    let (hpa, predictive) = (hpa?, predictive?);
    if let (Some(p), Some(pn)) = (&predictive, af.get("predictive")) {
        // A season or window must hold several observations (one per sync) to forecast from.
        let (key, span) = match p.model {
            ForecastSpec::Linear { window } => ("window", window),
            ForecastSpec::SeasonalNaive { period } | ForecastSpec::HoltWinters { period, .. } => {
                ("period", period)
            }
        };
        if span.0 < hpa.sync_period.0.saturating_mul(2) {
            let at = pn.get(key).map_or(pn.pos, |n| n.pos);
            r.error(
                at,
                &format!("{}.{key}", af.at("predictive")),
                format!(
                    "{span} holds fewer than 2 observations (one per sync_period, {})",
                    hpa.sync_period
                ),
            );
            return None;
        }
    }
    Some(Some(Autoscaling { hpa, predictive }))
}

fn hpa(r: &mut Reader, node: &Node, path: &str, cpu_request: Option<u64>) -> Option<Hpa> {
    let f = r.fields(node, path, &HPA)?;
    let min = f
        .get("min")
        .map_or(Some(1), |n| r.int(n, &f.at("min"), 1, 100_000));
    let max = r
        .required(&f, "max")
        .and_then(|n| r.int(n, &f.at("max"), 1, 100_000));
    if let (Some(lo), Some(hi), Some(n)) = (min, max, f.get("max"))
        && hi < lo
    {
        r.error(
            n.pos,
            &f.at("max"),
            format!("max ({hi}) must not be less than min ({lo})"),
        );
    }
    let metrics = r
        .required(&f, "metrics")
        .and_then(|n| metrics(r, n, &f.at("metrics"), cpu_request));
    let sync_period = loop_period(r, &f, "sync_period", SimDuration::from_secs(15));
    let tolerance = f.get("tolerance").map_or(Some(0.1), |n| {
        r.float(n, &f.at("tolerance"), 0.0, false, 0.99)
    });
    let metric_window = loop_period(r, &f, "metric_window", SimDuration::from_secs(15));
    let metrics_delay = dur(r, &f, "metrics_delay", SimDuration::from_secs(15), false);
    let cpu_init = dur(
        r,
        &f,
        "cpu_initialization_period",
        SimDuration::from_secs(300),
        false,
    );
    let readiness_delay = dur(
        r,
        &f,
        "initial_readiness_delay",
        SimDuration::from_secs(30),
        false,
    );
    let behavior = match f.get("behavior") {
        None => Some(Behavior::default()),
        Some(n) => behavior(r, n, &f.at("behavior")),
    };
    let (min, max) = (min?, max?);
    if max < min {
        return None;
    }
    Some(Hpa {
        min: min as u32,
        max: max as u32,
        metrics: metrics?,
        sync_period: sync_period?,
        tolerance: tolerance?,
        metric_window: metric_window?,
        metrics_delay: metrics_delay?,
        cpu_initialization_period: cpu_init?,
        initial_readiness_delay: readiness_delay?,
        behavior: behavior?,
    })
}

fn metrics(
    r: &mut Reader,
    node: &Node,
    path: &str,
    cpu_request: Option<u64>,
) -> Option<Vec<HpaMetric>> {
    let list = items(r, node, path);
    if list.is_empty() {
        r.error(node.pos, path, "at least one metric is required");
        return None;
    }
    let mut out = Some(Vec::new());
    for (p, n) in list {
        let m = metric(r, n, &p, cpu_request);
        out = out.zip(m).map(|(mut v, m)| {
            v.push(m);
            v
        });
    }
    out
}

fn metric(r: &mut Reader, node: &Node, path: &str, cpu_request: Option<u64>) -> Option<HpaMetric> {
    let f = r.fields(node, path, &METRIC)?;
    let given: Vec<&str> = METRICS.into_iter().filter(|k| f.get(k).is_some()).collect();
    let [key] = given[..] else {
        r.error(
            node.pos,
            path,
            "each metric is one of `cpu_utilization: 60%` or `requests_per_pod: 50/s`",
        );
        return None;
    };
    let n = f.get(key).expect("given");
    let at = f.at(key);
    match key {
        "cpu_utilization" => {
            let target = utilization(r, n, &at)?;
            if cpu_request.is_some_and(|c| c == 0) {
                r.error(
                    n.pos,
                    &at,
                    "a CPU utilization target needs the workload's `resources.cpu` (utilization is relative to the request)",
                );
                return None;
            }
            Some(HpaMetric::CpuUtilization(target))
        }
        "requests_per_pod" => {
            let rate = r.rate(n, &at)?;
            if rate <= 0.0 {
                r.error(n.pos, &at, "the target must be greater than zero");
                return None;
            }
            Some(HpaMetric::RequestsPerPod(rate))
        }
        _ => {
            r.error(
                n.pos,
                &at,
                "`memory_utilization` is not supported: kubesim does not model a pod's memory use",
            );
            None
        }
    }
}

/// A utilization target `60%`: above 0, and may exceed 100 % (as `averageUtilization`).
fn utilization(r: &mut Reader, n: &Node, path: &str) -> Option<f64> {
    r.expect(path, "a utilization", &|s| matches!(s, Shape::Utilization));
    let parsed = n
        .scalar()
        .and_then(|s| s.trim().strip_suffix('%'))
        .and_then(|d| d.trim().parse::<f64>().ok())
        .filter(|x| x.is_finite() && *x > 0.0 && *x <= 10_000.0);
    if parsed.is_none() {
        r.error(
            n.pos,
            path,
            "expected a utilization target above 0% like `60%` (at most 10000%)",
        );
    }
    parsed.map(|x| x / 100.0)
}

fn behavior(r: &mut Reader, node: &Node, path: &str) -> Option<Behavior> {
    let f = r.fields(node, path, &BEHAVIOR)?;
    let defaults = Behavior::default();
    let up = match f.get("scale_up") {
        None => Some(defaults.scale_up),
        Some(n) => rules(r, n, &f.at("scale_up"), &defaults.scale_up),
    };
    let down = match f.get("scale_down") {
        None => Some(defaults.scale_down),
        Some(n) => rules(r, n, &f.at("scale_down"), &defaults.scale_down),
    };
    Some(Behavior {
        scale_up: up?,
        scale_down: down?,
    })
}

/// One direction's rules; each field absent takes the default (as the API server fills
/// `behavior` in).
fn rules(r: &mut Reader, node: &Node, path: &str, defaults: &ScalingRules) -> Option<ScalingRules> {
    let f = r.fields(node, path, &RULES)?;
    let stabilization = f
        .get("stabilization")
        .map_or(Some(defaults.stabilization), |n| {
            let d = r.duration(n, &f.at("stabilization"))?;
            if d > SimDuration::from_secs(3600) {
                r.error(
                    n.pos,
                    &f.at("stabilization"),
                    format!("at most 1h (as Kubernetes), found {d}"),
                );
                return None;
            }
            Some(d)
        });
    r.expect_words(&f.at("select"), &SELECT);
    let select = match f.get("select") {
        None => Some(defaults.select),
        Some(n) => match n.scalar() {
            Some("max") => Some(SelectPolicy::Max),
            Some("min") => Some(SelectPolicy::Min),
            Some("disabled") => Some(SelectPolicy::Disabled),
            _ => {
                r.error(
                    n.pos,
                    &f.at("select"),
                    "expected `max`, `min` or `disabled`",
                );
                None
            }
        },
    };
    let policies = match f.get("policies") {
        None => Some(defaults.policies.clone()),
        Some(n) => {
            let list = items(r, n, &f.at("policies"));
            if list.is_empty() {
                r.error(n.pos, &f.at("policies"), "at least one policy is required");
                None
            } else {
                list.into_iter()
                    .map(|(p, pn)| policy(r, pn, &p))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .collect()
            }
        }
    };
    Some(ScalingRules {
        stabilization: stabilization?,
        select: select?,
        policies: policies?,
    })
}

fn policy(r: &mut Reader, node: &Node, path: &str) -> Option<ScalingPolicy> {
    let f = r.fields(node, path, &POLICY)?;
    let amount = match (f.get("pods"), f.get("percent")) {
        (Some(n), None) => r
            .int(n, &f.at("pods"), 1, 100_000)
            .map(|v| PolicyAmount::Pods(v as u32)),
        (None, Some(n)) => r
            .int(n, &f.at("percent"), 1, 100_000)
            .map(|v| PolicyAmount::Percent(v as u32)),
        _ => {
            r.error(
                node.pos,
                path,
                "a policy has one of `pods: 4` or `percent: 100`, and a `period`",
            );
            None
        }
    };
    let period = r.required(&f, "period").and_then(|n| {
        let d = r.duration(n, &f.at("period"))?;
        if d < SimDuration::from_secs(1) || d > SimDuration::from_secs(1800) {
            r.error(
                n.pos,
                &f.at("period"),
                format!("between 1s and 30m (as Kubernetes), found {d}"),
            );
            return None;
        }
        Some(d)
    });
    Some(ScalingPolicy {
        amount: amount?,
        period: period?,
    })
}
