//! HorizontalPodAutoscalers: the scale target, min/max, the metrics kubesim models (CPU
//! utilization, per-pod request rates) and `behavior`; other metrics are warnings.

use super::context::{Ctx, at};
use super::workload::object_with_spec;
use super::{ImportedHpa, ImportedMetric, ImportedPolicy, ImportedRules, ImportedWorkload, Src};
use crate::scenario::WorkloadKind;
use crate::scenario::yaml::Node;

pub fn read(ctx: &mut Ctx, node: &Node, path: &str, workloads: &mut [ImportedWorkload]) {
    let Some((name, namespace, spec, spath)) = object_with_spec(ctx, node, path) else {
        return;
    };
    ctx.check_keys(
        spec,
        &spath,
        &[
            "scaleTargetRef",
            "minReplicas",
            "maxReplicas",
            "metrics",
            "behavior",
            "targetCPUUtilizationPercentage",
        ],
        &[],
    );
    let Some(i) = scale_target(ctx, spec, &spath, &namespace, &name.value, workloads) else {
        return;
    };
    let tname = workloads[i].name.value.clone();
    let min = ctx.int(spec.get("minReplicas"), &at(&spath, "minReplicas"), 100_000);
    let Some(max) = ctx.int(spec.get("maxReplicas"), &at(&spath, "maxReplicas"), 100_000) else {
        ctx.error(spec.pos, &spath, "an HPA needs `maxReplicas`");
        return;
    };
    let cpu_request = workloads[i].resources.as_ref().map_or(0, |r| r.cpu_milli);
    let (mut metrics, default_metric) = hpa_metrics(ctx, spec, &spath);
    if cpu_request == 0 {
        metrics.retain(|m| {
            let cpu = matches!(m.value, ImportedMetric::CpuUtilization(_));
            if cpu {
                ctx.warn(m.at.into(), &at(&spath, "metrics"), format!("a CPU utilization target needs a CPU request, and `{tname}` has none: metric ignored"));
            }
            !cpu
        });
    }
    if metrics.is_empty() {
        ctx.warn(
            spec.pos,
            &spath,
            format!(
                "HPA `{}` has no metric kubesim models: not imported",
                name.value
            ),
        );
        return;
    }
    let (scale_up, scale_down) = behavior(ctx, spec, &spath);
    if let Some(prev) = &workloads[i].hpa {
        let place = ctx.place(prev.at);
        ctx.warn(
            node.pos,
            path,
            format!("`{tname}` is already scaled by the HPA at {place}: not imported"),
        );
        return;
    }
    workloads[i].hpa = Some(ImportedHpa {
        at: node.pos.into(),
        name: name.value,
        min,
        max,
        metrics,
        default_metric,
        scale_up,
        scale_down,
    });
}

/// The imported workload an HPA's `scaleTargetRef` names, or a warning.
fn scale_target(
    ctx: &mut Ctx,
    spec: &Node,
    spath: &str,
    namespace: &Option<String>,
    name: &str,
    workloads: &[ImportedWorkload],
) -> Option<usize> {
    let tpath = at(spath, "scaleTargetRef");
    let target = spec.get("scaleTargetRef");
    let kind = target
        .and_then(|t| t.get("kind"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let tname = target
        .and_then(|t| t.get("name"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let want = match kind {
        "Deployment" => Some(WorkloadKind::Deployment),
        "StatefulSet" => Some(WorkloadKind::StatefulSet),
        _ => None,
    };
    let found = workloads.iter().position(|w| {
        Some(w.kind) == want
            && w.name.value == tname
            && (namespace.is_none() || w.namespace.is_none() || *namespace == w.namespace)
    });
    let Some(i) = found else {
        ctx.warn(target.map_or(spec.pos, |t| t.pos), &tpath, format!("HPA `{}` scales {kind}/{tname}, which is not among the imported workloads: not imported", name));
        return None;
    };
    Some(i)
}

/// `behavior.scaleUp` and `behavior.scaleDown`.
fn behavior(
    ctx: &mut Ctx,
    spec: &Node,
    spath: &str,
) -> (Option<ImportedRules>, Option<ImportedRules>) {
    let bpath = at(spath, "behavior");
    let behavior = ctx.map(spec.get("behavior"), &bpath);
    if let Some(b) = behavior {
        ctx.check_keys(b, &format!("{bpath}."), &["scaleUp", "scaleDown"], &[]);
    }
    let mut rules = |key: &str| {
        let n = behavior.and_then(|b| b.get(key))?;
        scaling_rules(ctx, n, &format!("{bpath}.{key}."))
    };
    let scale_up = rules("scaleUp");
    let scale_down = rules("scaleDown");
    (scale_up, scale_down)
}

/// The metrics kubesim models; every other one is a warning. No `metrics` at all is the
/// API's default, 80 % CPU.
fn hpa_metrics(ctx: &mut Ctx, spec: &Node, spath: &str) -> (Vec<Src<ImportedMetric>>, bool) {
    if let Some(v1) = ctx.int(
        spec.get("targetCPUUtilizationPercentage"),
        &at(spath, "targetCPUUtilizationPercentage"),
        10_000,
    ) {
        return (
            vec![Src {
                value: ImportedMetric::CpuUtilization(v1.value as u32),
                at: v1.at,
            }],
            false,
        );
    }
    let mpath = at(spath, "metrics");
    let list = ctx.list(spec.get("metrics"), &mpath);
    if list.is_empty() {
        let at = spec.pos.into();
        return (
            vec![Src {
                value: ImportedMetric::CpuUtilization(80),
                at,
            }],
            true,
        );
    }
    let mut out = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let p = format!("{mpath}[{i}]");
        let ty = m.get("type").and_then(Node::scalar).unwrap_or_default();
        let mapped = match ty {
            "Resource" => resource_metric(ctx, m, &p),
            "Pods" | "Object" => {
                let body = m.get(if ty == "Pods" { "pods" } else { "object" });
                rate_metric(ctx, body, &p)
            }
            _ => {
                ctx.warn(
                    m.pos,
                    &p,
                    format!("`{ty}` metrics are not modelled: ignored"),
                );
                None
            }
        };
        out.extend(mapped.map(|value| Src {
            value,
            at: m.pos.into(),
        }));
    }
    (out, false)
}

fn resource_metric(ctx: &mut Ctx, m: &Node, p: &str) -> Option<ImportedMetric> {
    let r = m.get("resource");
    let name = r
        .and_then(|r| r.get("name"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let target = r.and_then(|r| r.get("target"));
    let ty = target
        .and_then(|t| t.get("type"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    if name != "cpu" || ty != "Utilization" {
        ctx.warn(
            m.pos,
            p,
            format!("a {name} {ty} target is not modelled (CPU Utilization is): ignored"),
        );
        return None;
    }
    let u = ctx.int(
        target.and_then(|t| t.get("averageUtilization")),
        &format!("{p}.resource.target.averageUtilization"),
        10_000,
    )?;
    if u.value == 0 {
        ctx.error(
            u.at.into(),
            &format!("{p}.resource.target.averageUtilization"),
            "must be above 0",
        );
        return None;
    }
    Some(ImportedMetric::CpuUtilization(u.value as u32))
}

/// A Pods or Object metric with an `AverageValue` target whose name says it counts requests
/// (a per-pod request rate as a Prometheus adapter serves it).
fn rate_metric(ctx: &mut Ctx, body: Option<&Node>, p: &str) -> Option<ImportedMetric> {
    let name = body
        .and_then(|b| b.get("metric"))
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let target = body.and_then(|b| b.get("target"));
    let value = target
        .and_then(|t| t.get("averageValue"))
        .and_then(Node::scalar);
    let pos = body.map_or(crate::scenario::yaml::Pos::default(), |b| b.pos);
    let (Some(v), true) = (value, name.contains("request")) else {
        ctx.warn(pos, p, format!("metric `{name}` is not modelled (only a per-pod request rate with an AverageValue target is): ignored"));
        return None;
    };
    match quantity(v) {
        Some(x) if x > 0.0 => Some(ImportedMetric::RequestsPerPod(x)),
        _ => {
            ctx.error(
                pos,
                &format!("{p}.target.averageValue"),
                format!("expected a positive quantity, found `{v}`"),
            );
            None
        }
    }
}

/// A Kubernetes quantity as a number: `50`, `500m`, `1.5k`.
fn quantity(text: &str) -> Option<f64> {
    let t = text.trim();
    let (digits, scale) = match t.char_indices().last()? {
        (i, 'm') => (&t[..i], 1e-3),
        (i, 'k') => (&t[..i], 1e3),
        (i, 'M') => (&t[..i], 1e6),
        (i, 'G') => (&t[..i], 1e9),
        _ => (t, 1.0),
    };
    digits
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| x * scale)
}

fn scaling_rules(ctx: &mut Ctx, n: &Node, p: &str) -> Option<ImportedRules> {
    let n = ctx.map(Some(n), p.trim_end_matches('.'))?;
    ctx.check_keys(
        n,
        p,
        &["stabilizationWindowSeconds", "selectPolicy", "policies"],
        &[],
    );
    let stabilization = ctx.int(
        n.get("stabilizationWindowSeconds"),
        &at(p, "stabilizationWindowSeconds"),
        3600,
    );
    let select = n.get("selectPolicy").and_then(|s| {
        let v = match s.scalar() {
            Some("Max") => "max",
            Some("Min") => "min",
            Some("Disabled") => "disabled",
            other => {
                ctx.error(
                    s.pos,
                    &at(p, "selectPolicy"),
                    format!(
                        "expected Max, Min or Disabled, found `{}`",
                        other.unwrap_or_default()
                    ),
                );
                return None;
            }
        };
        Some(Src {
            value: v,
            at: s.pos.into(),
        })
    });
    let ppath = at(p, "policies");
    let list = ctx.list(n.get("policies"), &ppath);
    let policies = (!list.is_empty()).then(|| {
        list.iter()
            .enumerate()
            .filter_map(|(i, q)| {
                let qp = format!("{ppath}[{i}].");
                let value = ctx.int(q.get("value"), &at(&qp, "value"), 100_000)?.value as u32;
                let period = ctx
                    .int(q.get("periodSeconds"), &at(&qp, "periodSeconds"), 1800)?
                    .value;
                let policy = match q.get("type").and_then(Node::scalar) {
                    Some("Pods") => ImportedPolicy::Pods { value, period },
                    Some("Percent") => ImportedPolicy::Percent { value, period },
                    _ => {
                        ctx.error(q.pos, &at(&qp, "type"), "expected `Pods` or `Percent`");
                        return None;
                    }
                };
                Some(Src {
                    value: policy,
                    at: q.pos.into(),
                })
            })
            .collect()
    });
    Some(ImportedRules {
        at: n.pos.into(),
        stabilization,
        select,
        policies,
    })
}
