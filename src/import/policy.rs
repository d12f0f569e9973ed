//! Objects that select a workload's pods: Services (selector → workload, session affinity)
//! and PodDisruptionBudgets.

use super::context::{Ctx, at, selects};
use super::workload::{OBJECT_INERT, metadata, object_with_spec};
use super::{ImportedService, ImportedWorkload, IntOrPct, Src};
use crate::scenario::yaml::Node;
use crate::scenario::{Pdb, PdbValue};

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
    spec_warnings(ctx, spec, &spath);
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
    let client_ip = client_ip(ctx, spec, &spath);
    Some(ImportedService {
        name,
        workload,
        client_ip,
    })
}

pub fn pdb(ctx: &mut Ctx, node: &Node, path: &str, workloads: &mut [ImportedWorkload]) {
    let Some((name, namespace, spec, spath)) = object_with_spec(ctx, node, path) else {
        return;
    };
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
    let Some(bound) = bound(ctx, spec, &spath) else {
        return;
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

/// Service fields that change balancing in ways kubesim does not model.
fn spec_warnings(ctx: &mut Ctx, spec: &Node, spath: &str) {
    ctx.check_keys(
        spec,
        spath,
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
            ctx.warn(n.pos, &at(spath, key), "`Local` traffic policy is not modelled: kubesim balances over all ready endpoints (Cluster)");
        }
    }
    if let Some(n) = spec.get("clusterIP").filter(|n| n.scalar() == Some("None")) {
        ctx.warn(n.pos, &at(spath, "clusterIP"), "a headless Service has no kube-proxy balancing; kubesim models it as a ClusterIP Service");
    }
}

/// `sessionAffinity: ClientIP` and its timeout (`None`: the 3 h default).
fn client_ip(ctx: &mut Ctx, spec: &Node, spath: &str) -> Option<Src<Option<u64>>> {
    match spec.get("sessionAffinity") {
        Some(a) if a.scalar() == Some("ClientIP") => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"));
            let t = ctx.int(
                timeout,
                &at(spath, "sessionAffinityConfig.clientIP.timeoutSeconds"),
                86_400,
            );
            Some(Src {
                value: t.as_ref().map(|t| t.value),
                at: t.map_or(a.pos.into(), |t| t.at),
            })
        }
        _ => None,
    }
}

/// A PDB's one bound: `minAvailable` or `maxUnavailable`.
fn bound(ctx: &mut Ctx, spec: &Node, spath: &str) -> Option<Src<Pdb>> {
    let min = ctx.int_or_pct(spec.get("minAvailable"), &at(spath, "minAvailable"));
    let max = ctx.int_or_pct(spec.get("maxUnavailable"), &at(spath, "maxUnavailable"));
    let value = |v: IntOrPct| match v {
        IntOrPct::Int(n) => PdbValue::Count(n),
        IntOrPct::Percent(p) => PdbValue::Percent(p),
    };
    match (min, max) {
        (Some(m), None) => Some(Src {
            value: Pdb::MinAvailable(value(m.value)),
            at: m.at,
        }),
        (None, Some(m)) => Some(Src {
            value: Pdb::MaxUnavailable(value(m.value)),
            at: m.at,
        }),
        (Some(_), Some(_)) => {
            ctx.error(
                spec.pos,
                spath,
                "a PodDisruptionBudget has minAvailable or maxUnavailable, not both",
            );
            None
        }
        (None, None) => {
            ctx.warn(
                spec.pos,
                spath,
                "a PodDisruptionBudget without minAvailable or maxUnavailable: not imported",
            );
            None
        }
    }
}
