//! Validation of the cluster autoscaler: a pool's `autoscaling` bounds and the top-level
//! `cluster_autoscaler` timings.

use super::super::autoscaling::{ClusterAutoscaler, Expander, PoolAutoscaling};
use super::super::reader::{Fields, Reader};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, opt, req, table};
use super::super::yaml::Node;
use super::autoscaling::{dur, loop_period};

pub(super) static POOL_AUTOSCALING: Table = table(&[
    opt(
        "min",
        Shape::Int {
            min: 0,
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
])
.named("POOL_AUTOSCALING");

pub(super) static CLUSTER_AUTOSCALER: Table = table(&[
    opt("scan_interval", POSITIVE),
    opt("unneeded_time", DURATION),
    opt("delay_after_add", DURATION),
    opt(
        "utilization_threshold",
        Shape::Float {
            min: 0.0,
            min_exclusive: false,
            max: 1.0,
        },
    ),
    opt("max_node_provision_time", POSITIVE),
    opt("expander", Shape::Enum(&["random", "least_waste"])),
])
.named("CLUSTER_AUTOSCALER");

/// `nodes[i].autoscaling`: the node group's bounds around the pool's initial `count`.
pub(super) fn pool_autoscaling(
    r: &mut Reader,
    f: &Fields,
    count: Option<u64>,
) -> Option<Option<PoolAutoscaling>> {
    let Some(n) = f.get("autoscaling") else {
        return Some(None);
    };
    let path = f.at("autoscaling");
    let af = r.fields(n, &path, &POOL_AUTOSCALING)?;
    let min = af
        .get("min")
        .map_or(Some(0), |n| r.int(n, &af.at("min"), 0, 100_000));
    let max = r
        .required(&af, "max")
        .and_then(|n| r.int(n, &af.at("max"), 1, 100_000));
    let (min, max) = (min?, max?);
    let mut ok = true;
    if max < min {
        r.error(
            n.pos,
            &af.at("max"),
            format!("max ({max}) must not be less than min ({min})"),
        );
        ok = false;
    }
    if let Some(c) = count {
        if c > max {
            r.error(
                n.pos,
                &af.at("max"),
                format!("max ({max}) is less than the pool's count ({c})"),
            );
            ok = false;
        }
        if c < min {
            r.error(n.pos, &af.at("min"), format!("min ({min}) is more than the pool's count ({c}): the cluster autoscaler does not add nodes to reach min"));
            ok = false;
        }
    }
    ok.then_some(Some(PoolAutoscaling {
        min: min as u32,
        max: max as u32,
    }))
}

/// Top-level `cluster_autoscaler`; `any_pool`: some pool has `autoscaling` (else it would do
/// nothing, which is an error).
pub(super) fn cluster_autoscaler(
    r: &mut Reader,
    node: Option<&Node>,
    any_pool: bool,
) -> Option<ClusterAutoscaler> {
    let d = ClusterAutoscaler::default();
    let Some(node) = node else {
        return Some(d);
    };
    let f = r.fields(node, "cluster_autoscaler", &CLUSTER_AUTOSCALER)?;
    if !any_pool {
        r.error(
            node.pos,
            "cluster_autoscaler",
            "no node pool has `autoscaling: {min, max}`: the cluster autoscaler would have nothing to scale",
        );
    }
    let scan = loop_period(r, &f, "scan_interval", d.scan_interval);
    let unneeded = dur(r, &f, "unneeded_time", d.unneeded_time, false);
    let after_add = dur(r, &f, "delay_after_add", d.delay_after_add, false);
    let threshold = f
        .get("utilization_threshold")
        .map_or(Some(d.utilization_threshold), |n| {
            r.float(n, &f.at("utilization_threshold"), 0.0, false, 1.0)
        });
    let provision = dur(
        r,
        &f,
        "max_node_provision_time",
        d.max_node_provision_time,
        true,
    );
    let expander = match f.get("expander") {
        None => Some(d.expander),
        Some(n) => match n.scalar() {
            Some("random") => Some(Expander::Random),
            Some("least_waste") => Some(Expander::LeastWaste),
            _ => {
                r.error(
                    n.pos,
                    &f.at("expander"),
                    "expected `random` or `least_waste`",
                );
                None
            }
        },
    };
    Some(ClusterAutoscaler {
        scan_interval: scan?,
        unneeded_time: unneeded?,
        delay_after_add: after_add?,
        utilization_threshold: threshold?,
        max_node_provision_time: provision?,
        expander: expander?,
    })
}
