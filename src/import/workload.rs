//! Deployment and StatefulSet objects: name, replicas and update strategy; the pod template
//! is read by `pod`.

use super::context::{Ctx, at};
use super::{ImportedRollout, ImportedWorkload, Src, pod};
use crate::scenario::WorkloadKind;
use crate::scenario::yaml::Node;

/// Object fields that carry nothing kubesim models (`status` is what `kubectl get` prints).
pub const OBJECT_INERT: &[&str] = &["apiVersion", "kind", "status"];
const METADATA_INERT: &[&str] = &[
    "labels",
    "annotations",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "ownerReferences",
    "finalizers",
    "generateName",
];

pub fn read(ctx: &mut Ctx, node: &Node, path: &str, kind: &str) -> Option<ImportedWorkload> {
    let kind = if kind == "Deployment" {
        WorkloadKind::Deployment
    } else {
        WorkloadKind::StatefulSet
    };
    ctx.check_keys(node, path, &["metadata", "spec"], OBJECT_INERT);
    let (name, namespace) = metadata(ctx, node, path)?;
    let spec_path = at(path, "spec.");
    let what = format!("{kind:?} `{}`", name.value);
    let spec = ctx.required_map(node, "spec", path, &what)?;
    let (mapped, inert) = spec_keys(kind);
    ctx.check_keys(spec, &spec_path, mapped, inert);
    let replicas = ctx.int(spec.get("replicas"), &at(&spec_path, "replicas"), 100_000);
    let mut rollout = ImportedRollout {
        min_ready: ctx.int(
            spec.get("minReadySeconds"),
            &at(&spec_path, "minReadySeconds"),
            86_400,
        ),
        ..ImportedRollout::default()
    };
    match kind {
        WorkloadKind::Deployment => deployment_strategy(ctx, spec, &spec_path, &mut rollout),
        WorkloadKind::StatefulSet => statefulset_strategy(ctx, spec, &spec_path, &mut rollout),
    }
    let template_path = at(&spec_path, "template");
    let template = ctx.required_map(spec, "template", &spec_path, &what)?;
    let pod = pod::read(ctx, template, &format!("{template_path}."))?;
    Some(ImportedWorkload {
        name,
        kind,
        namespace,
        labels: pod.labels,
        replicas,
        resources: pod.resources,
        spread: pod.spread,
        termination_grace: pod.termination_grace,
        pre_stop: pod.pre_stop,
        readiness: pod.readiness,
        liveness: pod.liveness,
        startup: pod.startup,
        rollout,
        pdb: None,
        hpa: None,
    })
}

/// `metadata.name` (a valid kubesim name) and `metadata.namespace`.
/// An object whose `spec` may be absent (HPA, PDB): its name and namespace, its `spec` map
/// and the spec's path prefix (`…spec.`); `None` when either is missing or malformed.
pub fn object_with_spec<'n>(
    ctx: &mut Ctx,
    node: &'n Node,
    path: &str,
) -> Option<(Src<String>, Option<String>, &'n Node, String)> {
    ctx.check_keys(node, path, &["metadata", "spec"], OBJECT_INERT);
    let (name, namespace) = metadata(ctx, node, path)?;
    let spath = at(path, "spec");
    let spec = ctx.map(node.get("spec"), &spath)?;
    Some((name, namespace, spec, format!("{spath}.")))
}

pub fn metadata(ctx: &mut Ctx, node: &Node, path: &str) -> Option<(Src<String>, Option<String>)> {
    let mpath = at(path, "metadata");
    let meta = ctx.required_map(node, "metadata", path, "the object")?;
    let mpath = format!("{mpath}.");
    ctx.check_keys(meta, &mpath, &["name", "namespace"], METADATA_INERT);
    let namespace = ctx
        .string(meta.get("namespace"), &at(&mpath, "namespace"))
        .map(|s| s.value);
    if meta.get("name").is_none_or(Node::is_null) {
        ctx.error(meta.pos, &mpath, "the object has no `name`");
    }
    let name = ctx.string(meta.get("name"), &at(&mpath, "name"))?;
    let s = &name.value;
    let valid = !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if !valid {
        ctx.error(
            name.at.into(),
            &at(&mpath, "name"),
            format!("`{s}` is not a name kubesim accepts (lowercase letters, digits and `-`, at most 63)"),
        );
    }
    Some((name, namespace))
}

/// The `rollingUpdate` map of a (Deployment or StatefulSet) `strategy_key`, with its path;
/// a strategy type other than RollingUpdate is a warning (`what` names it).
fn rolling_update<'n>(
    ctx: &mut Ctx,
    spec: &'n Node,
    path: &str,
    strategy_key: &str,
    what: &str,
    keys: &[&str],
) -> Option<(&'n Node, String)> {
    let spath = at(path, strategy_key);
    let strategy = ctx.map(spec.get(strategy_key), &spath)?;
    let spath = format!("{spath}.");
    ctx.check_keys(strategy, &spath, &["type", "rollingUpdate"], &[]);
    if let Some(t) = strategy.get("type").and_then(Node::scalar)
        && t != "RollingUpdate"
    {
        ctx.warn(
            strategy.get("type").expect("read").pos,
            &at(&spath, "type"),
            format!("{what} `{t}` is not modelled: kubesim rolls out with RollingUpdate"),
        );
    }
    let rpath = at(&spath, "rollingUpdate");
    let ru = ctx.map(strategy.get("rollingUpdate"), &rpath)?;
    let rpath = format!("{rpath}.");
    ctx.check_keys(ru, &rpath, keys, &[]);
    Some((ru, rpath))
}

fn deployment_strategy(ctx: &mut Ctx, spec: &Node, path: &str, r: &mut ImportedRollout) {
    r.progress_deadline = ctx.int(
        spec.get("progressDeadlineSeconds"),
        &at(path, "progressDeadlineSeconds"),
        1_000_000_000,
    );
    let keys = ["maxSurge", "maxUnavailable"];
    let Some((ru, rpath)) = rolling_update(ctx, spec, path, "strategy", "strategy", &keys) else {
        return;
    };
    r.max_surge = ctx.int_or_pct(ru.get("maxSurge"), &at(&rpath, "maxSurge"));
    r.max_unavailable = ctx.int_or_pct(ru.get("maxUnavailable"), &at(&rpath, "maxUnavailable"));
}

fn statefulset_strategy(ctx: &mut Ctx, spec: &Node, path: &str, r: &mut ImportedRollout) {
    if let Some(p) = spec.get("podManagementPolicy")
        && p.scalar() != Some("OrderedReady")
    {
        ctx.warn(
            p.pos,
            &at(path, "podManagementPolicy"),
            format!(
                "`{}` is not modelled: kubesim creates StatefulSet pods in order (OrderedReady)",
                p.scalar().unwrap_or_default()
            ),
        );
    }
    let keys = ["partition"];
    let what = "update strategy";
    let Some((ru, rpath)) = rolling_update(ctx, spec, path, "updateStrategy", what, &keys) else {
        return;
    };
    r.partition = ctx.int(ru.get("partition"), &at(&rpath, "partition"), 1_000_000);
}

/// Spec fields mapped, and spec fields with no bearing on what kubesim models.
fn spec_keys(kind: WorkloadKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        WorkloadKind::Deployment => (
            &[
                "replicas",
                "template",
                "strategy",
                "minReadySeconds",
                "progressDeadlineSeconds",
            ],
            &["selector", "revisionHistoryLimit"],
        ),
        WorkloadKind::StatefulSet => (
            &[
                "replicas",
                "template",
                "updateStrategy",
                "minReadySeconds",
                "podManagementPolicy",
            ],
            &[
                "selector",
                "serviceName",
                "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy",
            ],
        ),
    }
}
