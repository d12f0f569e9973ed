//! Validation of rolling updates: `workloads[].rollout` (strategy), `workloads[].new_version`
//! (what a `rollout` fault deploys) and pod failure settings shared with `failures`.

use super::super::reader::{Fields, Reader};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, opt, table};
use super::super::yaml::Node;
use super::super::*;

/// `failures: {crash, hang, hang_duration}` at `path`.
pub(super) static POD_FAILURES: Table = table(&[
    opt("crash", Shape::Dist),
    opt("hang", Shape::Dist),
    opt("hang_duration", Shape::Dist),
])
.named("POD_FAILURES");

/// `25%` or a pod count.
const INT_OR_PERCENT: Shape = Shape::AnyOf(&[
    Shape::Percent,
    Shape::Int {
        min: 0,
        max: 1_000_000,
    },
]);

pub(super) static DEPLOYMENT_ROLLOUT: Table = table(&[
    opt("max_surge", INT_OR_PERCENT),
    opt("max_unavailable", INT_OR_PERCENT),
    opt("min_ready", DURATION),
    opt("progress_deadline", POSITIVE),
])
.named("DEPLOYMENT_ROLLOUT");

pub(super) static STATEFULSET_ROLLOUT: Table = table(&[
    opt("min_ready", DURATION),
    opt(
        "partition",
        Shape::Int {
            min: 0,
            max: 1_000_000,
        },
    ),
])
.named("STATEFULSET_ROLLOUT");

pub(super) static NEW_VERSION: Table = table(&[
    opt("start", Shape::Dist),
    opt("failures", Shape::Map(&POD_FAILURES)),
])
.named("NEW_VERSION");

pub(super) fn pod_failures(r: &mut Reader, node: &Node, path: &str) -> Option<PodFailures> {
    let ff = r.fields(node, path, &POD_FAILURES)?;
    let crash = ff.get("crash").map(|n| r.dist(n, &ff.at("crash")));
    let hang = ff.get("hang").map(|n| r.dist(n, &ff.at("hang")));
    let hang_duration = ff
        .get("hang_duration")
        .map(|n| r.dist(n, &ff.at("hang_duration")));
    let ok = |x: &Option<Option<Dist>>| !matches!(x, Some(None));
    if !(ok(&crash) && ok(&hang) && ok(&hang_duration)) {
        return None;
    }
    Some(PodFailures {
        crash: crash.flatten(),
        hang: hang.flatten(),
        hang_duration: hang_duration.flatten(),
    })
}

/// `25%` or a non-negative integer.
fn int_or_percent(r: &mut Reader, node: &Node, path: &str) -> Option<IntOrPercent> {
    if node.scalar().is_some_and(|s| s.trim().ends_with('%')) {
        return r.percent(node, path).map(IntOrPercent::Percent);
    }
    r.int(node, path, 0, 1_000_000)
        .map(|n| IntOrPercent::Int(n as u32))
}

/// `rollout: {max_surge, max_unavailable, min_ready, progress_deadline, partition}`, with the
/// Kubernetes defaults (25 %, 25 %, 0 s, 600 s, 0). Deployments: surge and unavailable may
/// not both be 0; StatefulSets update one pod at a time and take only `min_ready` and
/// `partition`.
pub(super) fn rollout(
    r: &mut Reader,
    f: &Fields,
    kind: Option<WorkloadKind>,
) -> Option<RolloutSpec> {
    let Some(node) = f.get("rollout") else {
        return Some(RolloutSpec::default());
    };
    let path = f.at("rollout");
    let keys = match kind {
        Some(WorkloadKind::StatefulSet) => &STATEFULSET_ROLLOUT,
        _ => &DEPLOYMENT_ROLLOUT,
    };
    let rf = r.fields(node, &path, keys)?;
    let d = RolloutSpec::default();
    let surge = rf.get("max_surge").map_or(Some(d.max_surge), |n| {
        int_or_percent(r, n, &rf.at("max_surge"))
    });
    let unavailable = rf
        .get("max_unavailable")
        .map_or(Some(d.max_unavailable), |n| {
            int_or_percent(r, n, &rf.at("max_unavailable"))
        });
    let min_ready = rf
        .get("min_ready")
        .map_or(Some(d.min_ready), |n| r.duration(n, &rf.at("min_ready")));
    let deadline = rf
        .get("progress_deadline")
        .map_or(Some(d.progress_deadline), |n| {
            r.positive_duration(n, &rf.at("progress_deadline"))
        });
    let partition = rf
        .get("partition")
        .map_or(Some(0), |n| r.int(n, &rf.at("partition"), 0, 1_000_000));
    let (surge, unavailable) = (surge?, unavailable?);
    if let (Some(m), Some(d), Some(n)) = (min_ready, deadline, rf.get("progress_deadline"))
        && d <= m
    {
        r.error(
            n.pos,
            &rf.at("progress_deadline"),
            format!("must be greater than min_ready ({m}), as in Kubernetes"),
        );
        return None;
    }
    if surge.is_zero() && unavailable.is_zero() {
        r.error(
            node.pos,
            &path,
            "max_surge and max_unavailable cannot both be 0 (the rollout could never progress)",
        );
        return None;
    }
    Some(RolloutSpec {
        max_surge: surge,
        max_unavailable: unavailable,
        min_ready: min_ready?,
        progress_deadline: deadline?,
        partition: partition? as u32,
    })
}

/// `new_version: {start, failures}`: what a `rollout` deploys (absent fields: as before).
pub(super) fn new_version(r: &mut Reader, f: &Fields) -> Option<Option<NewVersion>> {
    let Some(node) = f.get("new_version") else {
        return Some(None);
    };
    let path = f.at("new_version");
    let nf = r.fields(node, &path, &NEW_VERSION)?;
    let start = nf.get("start").map(|n| r.dist(n, &nf.at("start")));
    let failures = nf
        .get("failures")
        .map(|n| pod_failures(r, n, &nf.at("failures")));
    if matches!(start, Some(None)) || matches!(failures, Some(None)) {
        return None;
    }
    Some(Some(NewVersion {
        start: start.flatten(),
        failures: failures.flatten(),
    }))
}
