//! Objects that attach to workloads: Services (selector → workload, session affinity),
//! HorizontalPodAutoscalers (scale target, metrics, behavior) and PodDisruptionBudgets.

use super::context::{Ctx, at, selects};
use super::workload::metadata;
use super::{
    ImportedHpa, ImportedMetric, ImportedPolicy, ImportedRules, ImportedService, ImportedWorkload,
    IntOrPct, Src,
};
use crate::scenario::yaml::Node;
use crate::scenario::{Pdb, PdbValue, WorkloadKind};

const OBJECT_INERT: &[&str] = &["apiVersion", "kind", "status"];

/// The workloads whose pod labels `selector` selects, in the object's namespace (a missing
/// namespace, as `helm template` prints, matches any).
fn matching(
    workloads: &[ImportedWorkload],
    selector: &[(String, String)],
    namespace: &Option<String>,
) -> Vec<usize> {
    workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            (namespace.is_none() || w.namespace.is_none() || *namespace == w.namespace)
                && selects(selector, &w.labels)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Exactly one selected workload, or a warning saying why the object is not imported.
fn one(
    ctx: &mut Ctx,
    found: &[usize],
    ws: &[ImportedWorkload],
    node: &Node,
    path: &str,
    what: &str,
) -> Option<usize> {
    match found {
        [i] => Some(*i),
        [] => {
            ctx.warn(
                node.pos,
                path,
                format!("{what} selects none of the imported workloads' pods: not imported"),
            );
            None
        }
        many => {
            let names: Vec<&str> = many.iter().map(|&i| ws[i].name.value.as_str()).collect();
            ctx.warn(
                node.pos,
                path,
                format!("{what} selects the pods of several workloads ({}); kubesim ties it to one: not imported", names.join(", ")),
            );
            None
        }
    }
}

pub fn service(
    ctx: &mut Ctx,
    node: &Node,
    path: &str,
    workloads: &[ImportedWorkload],
    services: &[ImportedService],
) -> Option<ImportedService> {
    ctx.check_keys(node, path, &["metadata", "spec"], OBJECT_INERT);
    let (name, namespace) = metadata(ctx, node, path)?;
    if let Some(prev) = services.iter().find(|s| s.name.value == name.value) {
        let place = ctx.place(prev.name.at);
        ctx.error(
            name.at.into(),
            &at(path, "metadata.name"),
            format!(
                "`{}` is also the name of the Service at {place}: kubesim names must be unique",
                name.value
            ),
        );
        return None;
    }
    let spath = at(path, "spec");
    let spec = ctx.map(node.get("spec"), &spath)?;
    let spath = format!("{spath}.");
    ctx.check_keys(
        spec,
        &spath,
        &["selector", "sessionAffinity", "sessionAffinityConfig"],
        &[
            "ports",
            "type",
            "clusterIP",
            "clusterIPs",
            "ipFamilies",
            "ipFamilyPolicy",
            "externalTrafficPolicy",
            "internalTrafficPolicy",
            "allocateLoadBalancerNodePorts",
            "loadBalancerClass",
            "loadBalancerSourceRanges",
            "healthCheckNodePort",
        ],
    );
    for key in ["externalTrafficPolicy", "internalTrafficPolicy"] {
        if let Some(n) = spec.get(key).filter(|n| n.scalar() == Some("Local")) {
            ctx.warn(n.pos, &at(&spath, key), "`Local` traffic policy is not modelled: kubesim balances over all ready endpoints (Cluster)");
        }
    }
    if let Some(n) = spec.get("clusterIP").filter(|n| n.scalar() == Some("None")) {
        ctx.warn(n.pos, &at(&spath, "clusterIP"), "a headless Service has no kube-proxy balancing; kubesim models it as a ClusterIP Service");
    }
    let selector = ctx.labels(spec.get("selector"), &at(&spath, "selector"));
    if selector.is_empty() {
        ctx.warn(
            spec.pos,
            &spath,
            "a Service without selector (endpoints managed by hand) is not modelled: not imported",
        );
        return None;
    }
    let found = matching(workloads, &selector, &namespace);
    let what = format!("Service `{}`", name.value);
    let workload = one(
        ctx,
        &found,
        workloads,
        spec.get("selector").unwrap_or(spec),
        &at(&spath, "selector"),
        &what,
    )?;
    let client_ip = match spec.get("sessionAffinity") {
        Some(a) if a.scalar() == Some("ClientIP") => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"));
            let t = ctx.int(
                timeout,
                &at(&spath, "sessionAffinityConfig.clientIP.timeoutSeconds"),
                86_400,
            );
            Some(Src {
                value: t.as_ref().map(|t| t.value),
                at: t.map_or(a.pos.into(), |t| t.at),
            })
        }
        _ => None,
    };
    Some(ImportedService {
        name,
        workload,
        client_ip,
    })
}

pub fn pdb(ctx: &mut Ctx, node: &Node, path: &str, workloads: &mut [ImportedWorkload]) {
    ctx.check_keys(node, path, &["metadata", "spec"], OBJECT_INERT);
    let Some((name, namespace)) = metadata(ctx, node, path) else {
        return;
    };
    let spath = at(path, "spec");
    let Some(spec) = ctx.map(node.get("spec"), &spath) else {
        return;
    };
    let spath = format!("{spath}.");
    ctx.check_keys(
        spec,
        &spath,
        &["selector", "minAvailable", "maxUnavailable"],
        &[],
    );
    let sel_path = at(&spath, "selector");
    let sel = ctx.map(spec.get("selector"), &sel_path);
    if let Some(e) = sel
        .and_then(|s| s.get("matchExpressions"))
        .filter(|n| !n.is_null())
    {
        ctx.warn(
            e.pos,
            &at(&sel_path, ".matchExpressions"),
            "matchExpressions are not modelled: the PDB is not imported",
        );
        return;
    }
    let selector = ctx.labels(
        sel.and_then(|s| s.get("matchLabels")),
        &at(&sel_path, ".matchLabels"),
    );
    let min = ctx.int_or_pct(spec.get("minAvailable"), &at(&spath, "minAvailable"));
    let max = ctx.int_or_pct(spec.get("maxUnavailable"), &at(&spath, "maxUnavailable"));
    let value = |v: IntOrPct| match v {
        IntOrPct::Int(n) => PdbValue::Count(n),
        IntOrPct::Percent(p) => PdbValue::Percent(p),
    };
    let bound = match (min, max) {
        (Some(m), None) => Src {
            value: Pdb::MinAvailable(value(m.value)),
            at: m.at,
        },
        (None, Some(m)) => Src {
            value: Pdb::MaxUnavailable(value(m.value)),
            at: m.at,
        },
        (Some(_), Some(_)) => {
            ctx.error(
                spec.pos,
                &spath,
                "a PodDisruptionBudget has minAvailable or maxUnavailable, not both",
            );
            return;
        }
        (None, None) => {
            ctx.warn(
                spec.pos,
                &spath,
                "a PodDisruptionBudget without minAvailable or maxUnavailable: not imported",
            );
            return;
        }
    };
    let found = matching(workloads, &selector, &namespace);
    let what = format!("PodDisruptionBudget `{}`", name.value);
    let Some(i) = one(
        ctx,
        &found,
        workloads,
        sel.unwrap_or(spec),
        &sel_path,
        &what,
    ) else {
        return;
    };
    if let Some(prev) = &workloads[i].pdb {
        let place = ctx.place(prev.at);
        ctx.warn(node.pos, path, format!("{what}: workload `{}` already has the PDB at {place} (Kubernetes refuses evictions under several PDBs): not imported", workloads[i].name.value));
        return;
    }
    workloads[i].pdb = Some(bound);
}

pub fn hpa(ctx: &mut Ctx, node: &Node, path: &str, workloads: &mut [ImportedWorkload]) {
    ctx.check_keys(node, path, &["metadata", "spec"], OBJECT_INERT);
    let Some((name, namespace)) = metadata(ctx, node, path) else {
        return;
    };
    let spath = at(path, "spec");
    let Some(spec) = ctx.map(node.get("spec"), &spath) else {
        return;
    };
    let spath = format!("{spath}.");
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
    let tpath = at(&spath, "scaleTargetRef");
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
            && (namespace.is_none() || w.namespace.is_none() || namespace == w.namespace)
    });
    let Some(i) = found else {
        ctx.warn(target.map_or(spec.pos, |t| t.pos), &tpath, format!("HPA `{}` scales {kind}/{tname}, which is not among the imported workloads: not imported", name.value));
        return;
    };
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
    let bpath = at(&spath, "behavior");
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
