//! Validation: turns the located YAML tree into a `Scenario`, applying Kubernetes defaults
//! (KUBERNETES.md) and recording every problem with its field path.

use super::reader::{Fields, Reader};
use super::shape::{DURATION, POSITIVE, Shape, Table, opt, req, table};
use super::yaml::{Node, Value};
use super::*;
use crate::time::SimDuration;
use std::path::Path;

mod autoscaling;
mod cluster_autoscaler;
mod disruption;
mod faults;
mod predictive;
mod rollout;
mod traffic;
mod workloads;

use faults::{faults, output, slo};
use traffic::{server, services, traffic};
use workloads::{WorkloadRefs, workloads};

const NOT_YET: &str = "is not supported by this version of kubesim yet";

/// The scenario file's shape (SCENARIO.md): what `kubesim schema` prints.
pub static ROOT: Shape = Shape::Map(&SCENARIO);

static SCENARIO: Table = table(&[
    opt("name", Shape::Name),
    opt("description", Shape::String),
    req("horizon", POSITIVE),
    opt("warmup", DURATION),
    opt(
        "runs",
        Shape::Int {
            min: 1,
            max: 1_000_000,
        },
    ),
    opt(
        "seed",
        Shape::Int {
            min: 0,
            max: u64::MAX,
        },
    ),
    req("nodes", Shape::List(&Shape::Map(&POOL))),
    opt("control_plane", Shape::Map(&CONTROL_PLANE)),
    opt(
        "cluster_autoscaler",
        Shape::Map(&cluster_autoscaler::CLUSTER_AUTOSCALER),
    ),
    req("workloads", Shape::List(&Shape::Map(&workloads::WORKLOAD))),
    opt("services", Shape::List(&Shape::Map(&traffic::SERVICE))),
    opt("traffic", Shape::List(&Shape::Map(&traffic::TRAFFIC))),
    opt("faults", Shape::List(&Shape::Map(&faults::FAULT))),
    opt("slo", Shape::Map(&faults::SLO)),
    opt("sweep", Shape::Dict(&Shape::List(&Shape::Any))),
    opt("output", Shape::Map(&faults::OUTPUT)),
])
.named("SCENARIO");

static POOL: Table = table(&[
    req("pool", Shape::Name),
    req(
        "count",
        Shape::Int {
            min: 0,
            max: 100_000,
        },
    ),
    opt("zones", Shape::List(&Shape::Name)),
    opt("capacity", Shape::Map(&CAPACITY)),
    opt("failures", Shape::Map(&NODE_FAILURES)),
    opt("boot", Shape::Dist),
    opt(
        "autoscaling",
        Shape::Map(&cluster_autoscaler::POOL_AUTOSCALING),
    ),
])
.named("POOL");

static CAPACITY: Table = table(&[
    opt("cpu", Shape::Cpu),
    opt("memory", Shape::Memory),
    opt(
        "pods",
        Shape::Int {
            min: 1,
            max: 10_000,
        },
    ),
])
.named("CAPACITY");

static NODE_FAILURES: Table = table(&[
    req("time_to_failure", Shape::Dist),
    req("time_to_repair", Shape::Dist),
])
.named("NODE_FAILURES");

static CONTROL_PLANE: Table = table(&[
    opt("node_monitor_period", POSITIVE),
    opt("node_monitor_grace_period", POSITIVE),
    opt("not_ready_toleration", DURATION),
    opt("endpoint_delay", Shape::Dist),
    opt("scheduling_delay", Shape::Dist),
    opt("node_eviction_rate", Shape::Rate),
    opt("secondary_node_eviction_rate", Shape::Rate),
    opt(
        "unhealthy_zone_threshold",
        Shape::Float {
            min: 0.0,
            min_exclusive: true,
            max: 1.0,
        },
    ),
    opt(
        "large_cluster_size_threshold",
        Shape::Int {
            min: 0,
            max: u32::MAX as u64,
        },
    ),
])
.named("CONTROL_PLANE");

pub(super) fn scenario(
    root: &Node,
    stem: &str,
    base_dir: &Path,
    errors: &mut error::Errors,
) -> Option<Scenario> {
    let mut r = Reader::checked(errors, base_dir, &ROOT);
    let top = r.fields(root, "", &SCENARIO)?;
    let name = match top.get("name") {
        Some(n) => r.name(n, "name"),
        None => Some(sanitize(stem)),
    };
    let description = top
        .get("description")
        .and_then(|n| r.string(n, "description"))
        .unwrap_or_default();
    let horizon = r
        .required(&top, "horizon")
        .and_then(|n| r.positive_duration(n, "horizon"));
    let warmup = top
        .get("warmup")
        .map_or(Some(SimDuration::ZERO), |n| r.duration(n, "warmup"));
    if let (Some(h), Some(w), Some(n)) = (horizon, warmup, top.get("warmup"))
        && w >= h
    {
        r.error(
            n.pos,
            "warmup",
            format!("warmup ({w}) must be shorter than horizon ({h})"),
        );
    }
    let runs = top
        .get("runs")
        .map_or(Some(1), |n| r.int(n, "runs", 1, 1_000_000));
    let seed = top
        .get("seed")
        .map_or(Some(0), |n| r.int(n, "seed", 0, u64::MAX));

    let (pools, nodes) = r
        .required(&top, "nodes")
        .map(|n| node_pools(&mut r, n))
        .unwrap_or_default();
    let control_plane = control_plane(&mut r, top.get("control_plane"));
    let any_pool_scales = top
        .get("nodes")
        .and_then(|n| match &n.value {
            Value::Seq(items) => Some(items.iter().any(|i| i.get("autoscaling").is_some())),
            _ => None,
        })
        .unwrap_or(false);
    let cluster_autoscaler = cluster_autoscaler::cluster_autoscaler(
        &mut r,
        top.get("cluster_autoscaler"),
        any_pool_scales,
    );
    let (workloads, names) = r
        .required(&top, "workloads")
        .map(|n| workloads(&mut r, n))
        .unwrap_or_default();
    let refs = WorkloadRefs {
        valid: &workloads,
        names: &names,
    };
    let services = services(&mut r, top.get("services"), &refs);
    let service_names: Vec<String> = top
        .get("services")
        .and_then(|n| match &n.value {
            Value::Seq(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.get("name").and_then(Node::scalar))
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default();
    let traffic = top
        .get("traffic")
        .map(|n| traffic(&mut r, n, &services, &service_names))
        .unwrap_or_default();
    predictive::predictive_needs_traffic(
        &mut r,
        top.get("workloads"),
        &workloads,
        &services,
        &traffic,
        horizon,
    );
    let zones = zone_names(&pools);
    let faults = top
        .get("faults")
        .map(|n| faults(&mut r, n, (&pools, &nodes), &zones, &refs, horizon))
        .unwrap_or_default();
    let slo = slo(&mut r, top.get("slo"));
    let output = output(&mut r, top.get("output"));
    fits_some_pool(&mut r, top.get("workloads"), &workloads, &pools);
    useless(
        &mut r,
        &top,
        slo.as_ref(),
        output.as_ref(),
        &services,
        &workloads,
    );
    r.check_missing_reported();

    Some(Scenario {
        name: name?,
        description,
        horizon: horizon?,
        warmup: warmup?,
        runs: runs? as u32,
        seed: seed?,
        pools,
        nodes,
        control_plane: control_plane?,
        workloads,
        services,
        traffic,
        faults,
        slo: slo?,
        output: output?,
        cluster_autoscaler: cluster_autoscaler?,
    })
}

/// A pod that no node of any pool could hold would stay Pending for the whole run (no
/// cluster autoscaler template fits it either): say so instead of reporting 0 % availability.
fn fits_some_pool(r: &mut Reader, node: Option<&Node>, workloads: &[Workload], pools: &[NodePool]) {
    let Some(Value::Seq(items)) = node.map(|n| &n.value) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let name = item.get("name").and_then(Node::scalar);
        let Some(w) = workloads.iter().find(|w| Some(w.name.as_str()) == name) else {
            continue;
        };
        let req = w.resources;
        let fits = |p: &NodePool| {
            req.cpu_milli <= p.capacity.cpu_milli && req.memory_bytes <= p.capacity.memory_bytes
        };
        if !pools.is_empty() && !pools.iter().any(fits) {
            let at = item.get("resources").map_or(item.pos, |n| n.pos);
            r.error(
                at,
                &format!("workloads[{i}].resources"),
                "no node pool's capacity holds one pod of this workload: every pod would stay Pending",
            );
        }
    }
}

/// Settings that are legal one by one but make the run useless together: an SLO that no pod
/// count can meet, plots with nothing to draw.
fn useless(
    r: &mut Reader,
    top: &Fields,
    slo: Option<&Slo>,
    output: Option<&Output>,
    services: &[Service],
    workloads: &[Workload],
) {
    let min_ready_node = top.get("slo").and_then(|n| n.get("min_ready"));
    if let (Some(slo), Some(n)) = (slo, min_ready_node) {
        for s in services {
            let w = &workloads[s.workload];
            if slo.min_ready > w.replicas {
                r.error(
                    n.pos,
                    "slo.min_ready",
                    format!(
                        "{} is more than the {} replicas of workload `{}`: service `{}` would never be available",
                        slo.min_ready, w.replicas, w.name, s.name
                    ),
                );
            }
        }
    }
    if let (Some(out), Some(pn)) = (output, top.get("output").and_then(|n| n.get("plots"))) {
        if let Some(p) = out
            .plots
            .iter()
            .find(|p| *p == "latency" || *p == "success")
            && top
                .get("traffic")
                .is_none_or(|n| matches!(&n.value, Value::Seq(v) if v.is_empty()))
        {
            r.error(
                pn.pos,
                "output.plots",
                format!(
                    "the `{p}` plot needs traffic (a `traffic:` list): without requests there is no {}",
                    if p == "latency" { "latency" } else { "success ratio" }
                ),
            );
        }
        if out.plots.iter().any(|p| p == "availability") && services.is_empty() {
            r.error(
                pn.pos,
                "output.plots",
                "the `availability` plot needs at least one service",
            );
        }
    }
}

/// The file stem as a results-folder name.
/// The file stem as a results-folder name that passes the `name` rule itself (lowercase
/// letters, digits and `-`, at most 63, no `-` at either end: `_x.yaml` must not give a
/// folder `-x` that a shell reads as an option).
fn sanitize(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let s = s.trim_matches('-');
    if s.is_empty() {
        "scenario".into()
    } else {
        s.to_string()
    }
}

fn zone_names(pools: &[NodePool]) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    for z in pools.iter().flat_map(|p| &p.zones) {
        if !zones.contains(z) {
            zones.push(z.clone());
        }
    }
    zones
}

fn items<'a>(r: &mut Reader, node: &'a Node, path: &str) -> Vec<(String, &'a Node)> {
    r.seq(node, path)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("{path}[{i}]"), n))
                .collect()
        })
        .unwrap_or_default()
}

fn node_pools(r: &mut Reader, node: &Node) -> (Vec<NodePool>, Vec<NodeSpec>) {
    let mut pools: Vec<NodePool> = Vec::new();
    let list = items(r, node, "nodes");
    if list.is_empty() && node.scalar().is_none() && matches!(node.value, Value::Seq(_)) {
        r.error(node.pos, "nodes", "at least one node pool is required");
    }
    for (path, n) in list {
        let Some(f) = r.fields(n, &path, &POOL) else {
            continue;
        };
        let name = r
            .required(&f, "pool")
            .and_then(|n| r.name(n, &f.at("pool")));
        if let (Some(nm), Some(pn)) = (&name, f.get("pool"))
            && pools.iter().any(|p| &p.name == nm)
        {
            r.error(pn.pos, &f.at("pool"), format!("duplicate pool name `{nm}`"));
        }
        let count = r
            .required(&f, "count")
            .and_then(|n| r.int(n, &f.at("count"), 0, 100_000));
        // An empty pool is a node group the cluster autoscaler scales from zero (from the
        // pool's template); without `autoscaling` it would stay empty.
        if let (Some(0), Some(n), None) = (count, f.get("count"), f.get("autoscaling")) {
            r.error(
                n.pos,
                &f.at("count"),
                "a pool of 0 nodes needs `autoscaling: {min: 0, max: N}` (scale from zero); without it no node would ever join",
            );
        }
        let zones = match f.get("zones") {
            None => Some(vec!["default".to_string()]),
            Some(zn) => {
                let zs: Vec<Option<String>> = items(r, zn, &f.at("zones"))
                    .into_iter()
                    .map(|(p, z)| r.name(z, &p))
                    .collect();
                if zs.is_empty() {
                    r.error(
                        zn.pos,
                        &f.at("zones"),
                        "at least one zone is required when `zones` is given",
                    );
                    None
                } else {
                    zs.into_iter().collect()
                }
            }
        };
        let (capacity, max_pods) = match f.get("capacity") {
            None => (
                Some(Resources {
                    cpu_milli: 4000,
                    memory_bytes: 16 << 30,
                }),
                Some(110),
            ),
            Some(cn) => match r.fields(cn, &f.at("capacity"), &CAPACITY) {
                None => (None, None),
                Some(c) => {
                    let cpu = c
                        .get("cpu")
                        .map_or(Some(4000), |n| r.cpu_milli(n, &c.at("cpu")));
                    let mem = c
                        .get("memory")
                        .map_or(Some(16 << 30), |n| r.memory_bytes(n, &c.at("memory")));
                    let pods = c
                        .get("pods")
                        .map_or(Some(110), |n| r.int(n, &c.at("pods"), 1, 10_000));
                    let res = cpu.zip(mem).map(|(cpu_milli, memory_bytes)| Resources {
                        cpu_milli,
                        memory_bytes,
                    });
                    (res, pods.map(|p| p as u32))
                }
            },
        };
        let failures = f.get("failures").and_then(|n| {
            let ff = r.fields(n, &f.at("failures"), &NODE_FAILURES)?;
            let ttf = r
                .required(&ff, "time_to_failure")
                .and_then(|n| r.dist(n, &ff.at("time_to_failure")));
            let ttr = r
                .required(&ff, "time_to_repair")
                .and_then(|n| r.dist(n, &ff.at("time_to_repair")));
            Some(NodeFailures {
                time_to_failure: ttf?,
                time_to_repair: ttr?,
            })
        });
        let boot = f
            .get("boot")
            .map_or(Some(Dist::constant(SimDuration::from_secs(90))), |n| {
                r.dist(n, &f.at("boot"))
            });
        let scaling = cluster_autoscaler::pool_autoscaling(r, &f, count);
        if let (
            Some(name),
            Some(count),
            Some(zones),
            Some(capacity),
            Some(max_pods),
            Some(boot),
            Some(scaling),
        ) = (name, count, zones, capacity, max_pods, boot, scaling)
        {
            pools.push(NodePool {
                name,
                count: count as u32,
                zones,
                capacity,
                max_pods,
                failures,
                boot,
                autoscaling: scaling,
            });
        }
    }
    let zones = zone_names(&pools);
    let mut nodes = Vec::new();
    for (pi, p) in pools.iter().enumerate() {
        for i in 0..p.count {
            let zone_name = &p.zones[i as usize % p.zones.len()];
            let zone = zones
                .iter()
                .position(|z| z == zone_name)
                .expect("zone listed");
            nodes.push(NodeSpec {
                name: format!("{}-{i}", p.name),
                pool: pi,
                zone,
            });
        }
    }
    (pools, nodes)
}

fn control_plane(r: &mut Reader, node: Option<&Node>) -> Option<ControlPlane> {
    let empty = Node {
        value: Value::Map(Vec::new()),
        pos: Default::default(),
    };
    let f = r.fields(node.unwrap_or(&empty), "control_plane", &CONTROL_PLANE)?;
    let dur = |r: &mut Reader, key: &str, default_s: u64, positive: bool| match f.get(key) {
        None => Some(SimDuration::from_secs(default_s)),
        Some(n) if positive => r.positive_duration(n, &f.at(key)),
        Some(n) => r.duration(n, &f.at(key)),
    };
    let period = dur(r, "node_monitor_period", 5, true);
    let grace = dur(r, "node_monitor_grace_period", 50, true);
    let toleration = dur(r, "not_ready_toleration", 300, false);
    let endpoint_delay = f
        .get("endpoint_delay")
        .map_or(Some(Dist::constant(SimDuration::from_secs(1))), |n| {
            r.dist(n, &f.at("endpoint_delay"))
        });
    let scheduling_delay = f
        .get("scheduling_delay")
        .map_or(Some(Dist::constant(SimDuration::from_millis(100))), |n| {
            r.dist(n, &f.at("scheduling_delay"))
        });
    let eviction = eviction_rates(r, &f);
    Some(ControlPlane {
        eviction: eviction?,
        node_monitor_period: period?,
        node_monitor_grace_period: grace?,
        not_ready_toleration: toleration?,
        endpoint_delay: endpoint_delay?,
        scheduling_delay: scheduling_delay?,
    })
}

/// The node lifecycle controller's zone settings (Kubernetes defaults when absent).
fn eviction_rates(r: &mut Reader, f: &Fields) -> Option<crate::model::EvictionRates> {
    let d = crate::model::EvictionRates::default();
    let rate = |r: &mut Reader, key: &str, default: f64| {
        f.get(key).map_or(Some(default), |n| r.rate(n, &f.at(key)))
    };
    let primary = rate(r, "node_eviction_rate", d.primary);
    let secondary = rate(r, "secondary_node_eviction_rate", d.secondary);
    let threshold = f
        .get("unhealthy_zone_threshold")
        .map_or(Some(d.unhealthy_threshold), |n| {
            r.float(n, &f.at("unhealthy_zone_threshold"), 0.0, true, 1.0)
        });
    let large = f
        .get("large_cluster_size_threshold")
        .map_or(Some(d.large_cluster as u64), |n| {
            r.int(n, &f.at("large_cluster_size_threshold"), 0, u32::MAX as u64)
        });
    Some(crate::model::EvictionRates {
        primary: primary?,
        secondary: secondary?,
        unhealthy_threshold: threshold?,
        large_cluster: large? as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn file_stems_become_valid_names() {
        assert_eq!(sanitize("Zone_Outage v2"), "zone-outage-v2");
        assert_eq!(sanitize("_x_"), "x");
        assert_eq!(sanitize("___"), "scenario");
        assert_eq!(sanitize("été"), "t");
        assert_eq!(sanitize(&"a".repeat(80)), "a".repeat(63));
        assert_eq!(sanitize(&format!("{}_b", "a".repeat(62))), "a".repeat(62));
    }
}
