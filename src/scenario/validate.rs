//! Validation: turns the located YAML tree into a `Scenario`, applying Kubernetes defaults
//! (KUBERNETES.md) and recording every problem with its field path.

use super::reader::{Fields, Reader};
use super::yaml::{Node, Value};
use super::*;
use crate::time::SimDuration;

mod faults;
mod traffic;

use faults::{faults, output, slo};
use traffic::{server, services, traffic};

const NOT_YET: &str = "is not supported by this version of kubesim yet";

pub(super) fn scenario(
    root: &Node,
    stem: &str,
    base_dir: &Path,
    errors: &mut error::Errors,
) -> Option<Scenario> {
    let mut r = Reader { errors, base_dir };
    let top = r.fields(
        root,
        "",
        &[
            "name",
            "description",
            "horizon",
            "warmup",
            "runs",
            "seed",
            "nodes",
            "control_plane",
            "workloads",
            "services",
            "traffic",
            "faults",
            "slo",
            "sweep",
            "output",
        ],
    )?;
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
    let zones = zone_names(&pools);
    let faults = top
        .get("faults")
        .map(|n| faults(&mut r, n, &nodes, &zones, &refs, horizon))
        .unwrap_or_default();
    let slo = slo(&mut r, top.get("slo"));
    let output = output(&mut r, top.get("output"));
    useless(
        &mut r,
        &top,
        slo.as_ref(),
        output.as_ref(),
        &services,
        &workloads,
    );

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
    })
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
        if out.plots.iter().any(|p| p == "latency")
            && top
                .get("traffic")
                .is_none_or(|n| matches!(&n.value, Value::Seq(v) if v.is_empty()))
        {
            r.error(
                pn.pos,
                "output.plots",
                "the `latency` plot needs traffic (a `traffic:` list): without requests there is no latency",
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
        .collect();
    if s.is_empty() { "scenario".into() } else { s }
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
        let Some(f) = r.fields(
            n,
            &path,
            &["pool", "count", "zones", "capacity", "failures", "boot"],
        ) else {
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
            .and_then(|n| r.int(n, &f.at("count"), 1, 100_000));
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
            Some(cn) => match r.fields(cn, &f.at("capacity"), &["cpu", "memory", "pods"]) {
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
            let ff = r.fields(n, &f.at("failures"), &["time_to_failure", "time_to_repair"])?;
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
        if let (Some(name), Some(count), Some(zones), Some(capacity), Some(max_pods), Some(boot)) =
            (name, count, zones, capacity, max_pods, boot)
        {
            pools.push(NodePool {
                name,
                count: count as u32,
                zones,
                capacity,
                max_pods,
                failures,
                boot,
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
    let f = r.fields(
        node.unwrap_or(&empty),
        "control_plane",
        &[
            "node_monitor_period",
            "node_monitor_grace_period",
            "not_ready_toleration",
            "endpoint_delay",
            "scheduling_delay",
            "node_eviction_rate",
            "secondary_node_eviction_rate",
            "unhealthy_zone_threshold",
            "large_cluster_size_threshold",
        ],
    )?;
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

/// `pre_stop` (a duration) and `shutdown` (a dist), both 0 by default: an app that exits at
/// once on SIGTERM, with no preStop hook.
fn shutdown_fields(r: &mut Reader, f: &Fields) -> (Option<SimDuration>, Option<Dist>) {
    let pre_stop = f.get("pre_stop").map_or(Some(SimDuration::ZERO), |n| {
        r.duration(n, &f.at("pre_stop"))
    });
    let shutdown = f
        .get("shutdown")
        .map_or(Some(Dist::constant(SimDuration::ZERO)), |n| {
            r.dist(n, &f.at("shutdown"))
        });
    (pre_stop, shutdown)
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

/// Workloads as references see them: a workload whose name is valid but has other errors is
/// still known by name, so references to it do not add a second, misleading error.
struct WorkloadRefs<'a> {
    valid: &'a [Workload],
    names: &'a [String],
}

impl WorkloadRefs<'_> {
    /// `Err(())` if no workload has that name; `Ok(None)` if it has errors of its own.
    fn find(&self, name: &str) -> Result<Option<usize>, ()> {
        match self.valid.iter().position(|w| w.name == name) {
            Some(i) => Ok(Some(i)),
            None if self.names.iter().any(|n| n == name) => Ok(None),
            None => Err(()),
        }
    }
}

fn workloads(r: &mut Reader, node: &Node) -> (Vec<Workload>, Vec<String>) {
    let mut out: Vec<Workload> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let list = items(r, node, "workloads");
    if list.is_empty() && matches!(node.value, Value::Seq(_)) {
        r.error(node.pos, "workloads", "at least one workload is required");
    }
    for (path, n) in list {
        let Some(f) = r.fields(
            n,
            &path,
            &[
                "name",
                "kind",
                "replicas",
                "resources",
                "spread",
                "start",
                "termination_grace",
                "pre_stop",
                "shutdown",
                "failures",
                "restart_backoff",
                "probes",
                "server",
                "rollout",
                "autoscaling",
            ],
        ) else {
            continue;
        };
        for later in ["rollout", "autoscaling"] {
            if let Some(n) = f.get(later) {
                r.error(n.pos, &f.at(later), format!("`{later}` {NOT_YET}"));
            }
        }
        let name = r
            .required(&f, "name")
            .and_then(|n| r.name(n, &f.at("name")));
        if let (Some(nm), Some(pn)) = (&name, f.get("name")) {
            if names.contains(nm) {
                r.error(
                    pn.pos,
                    &f.at("name"),
                    format!("duplicate workload name `{nm}`"),
                );
            }
            names.push(nm.clone());
        }
        let kind = match f.get("kind") {
            None => Some(WorkloadKind::Deployment),
            Some(k) => match k.scalar() {
                Some("Deployment") => Some(WorkloadKind::Deployment),
                Some("StatefulSet") => Some(WorkloadKind::StatefulSet),
                _ => {
                    r.error(
                        k.pos,
                        &f.at("kind"),
                        "expected `Deployment` or `StatefulSet`",
                    );
                    None
                }
            },
        };
        let replicas = f
            .get("replicas")
            .map_or(Some(1), |n| r.int(n, &f.at("replicas"), 0, 100_000));
        let resources = match f.get("resources") {
            None => Some(Resources::default()),
            Some(rn) => r
                .fields(rn, &f.at("resources"), &["cpu", "memory"])
                .and_then(|rf| {
                    let cpu = rf
                        .get("cpu")
                        .map_or(Some(0), |n| r.cpu_milli(n, &rf.at("cpu")));
                    let mem = rf
                        .get("memory")
                        .map_or(Some(0), |n| r.memory_bytes(n, &rf.at("memory")));
                    Some(Resources {
                        cpu_milli: cpu?,
                        memory_bytes: mem?,
                    })
                }),
        };
        let spread = match f.get("spread") {
            None => Some(Spread::None),
            Some(s) => match s.scalar() {
                Some("zones") => Some(Spread::Zones),
                Some("nodes") => Some(Spread::Nodes),
                Some("none") => Some(Spread::None),
                _ => {
                    r.error(
                        s.pos,
                        &f.at("spread"),
                        "expected `zones`, `nodes` or `none`",
                    );
                    None
                }
            },
        };
        let start = f
            .get("start")
            .map_or(Some(Dist::constant(SimDuration::ZERO)), |n| {
                r.dist(n, &f.at("start"))
            });
        let grace = f
            .get("termination_grace")
            .map_or(Some(SimDuration::from_secs(30)), |n| {
                r.duration(n, &f.at("termination_grace"))
            });
        let (pre_stop, shutdown) = shutdown_fields(r, &f);
        let failures = match f.get("failures") {
            None => Some(PodFailures::default()),
            Some(fnode) => r
                .fields(
                    fnode,
                    &f.at("failures"),
                    &["crash", "hang", "hang_duration"],
                )
                .map(|ff| PodFailures {
                    crash: ff.get("crash").and_then(|n| r.dist(n, &ff.at("crash"))),
                    hang: ff.get("hang").and_then(|n| r.dist(n, &ff.at("hang"))),
                    hang_duration: ff
                        .get("hang_duration")
                        .and_then(|n| r.dist(n, &ff.at("hang_duration"))),
                }),
        };
        let backoff = backoff(r, &f);
        let server = server(r, f.get("server"), &f.at("server"));
        let probes = f
            .get("probes")
            .map_or(Some(Probes::default()), |n| probes(r, n, &f.at("probes")));
        if let (
            Some(name),
            Some(kind),
            Some(replicas),
            Some(resources),
            Some(spread),
            Some(start),
            Some(grace),
            Some(failures),
            Some(backoff),
            Some(server),
            Some(probes),
            Some(pre_stop),
            Some(shutdown),
        ) = (
            name, kind, replicas, resources, spread, start, grace, failures, backoff, server,
            probes, pre_stop, shutdown,
        ) {
            out.push(Workload {
                name,
                kind,
                replicas: replicas as u32,
                resources,
                spread,
                start,
                termination_grace: grace,
                pre_stop,
                shutdown,
                failures,
                restart_backoff: backoff,
                probes,
                server,
            });
        }
    }
    (out, names)
}

fn backoff(r: &mut Reader, f: &Fields) -> Option<Backoff> {
    let defaults = Backoff {
        initial: SimDuration::from_secs(10),
        max: SimDuration::from_secs(300),
        reset_after: SimDuration::from_secs(600),
    };
    let Some(n) = f.get("restart_backoff") else {
        return Some(defaults);
    };
    let path = f.at("restart_backoff");
    let bf = r.fields(n, &path, &["initial", "max", "reset_after"])?;
    let initial = bf.get("initial").map_or(Some(defaults.initial), |n| {
        r.positive_duration(n, &bf.at("initial"))
    });
    let max = bf.get("max").map_or(Some(defaults.max), |n| {
        r.positive_duration(n, &bf.at("max"))
    });
    let reset_after = bf
        .get("reset_after")
        .map_or(Some(defaults.reset_after), |n| {
            r.positive_duration(n, &bf.at("reset_after"))
        });
    let b = Backoff {
        initial: initial?,
        max: max?,
        reset_after: reset_after?,
    };
    if b.initial > b.max {
        r.error(
            n.pos,
            &path,
            format!("initial ({}) must not exceed max ({})", b.initial, b.max),
        );
        return None;
    }
    Some(b)
}

fn probes(r: &mut Reader, node: &Node, path: &str) -> Option<Probes> {
    let f = r.fields(node, path, &["readiness", "liveness", "startup"])?;
    let readiness = f
        .get("readiness")
        .map(|n| probe(r, n, &f.at("readiness"), true));
    let liveness = f
        .get("liveness")
        .map(|n| probe(r, n, &f.at("liveness"), false));
    let startup = f
        .get("startup")
        .map(|n| probe(r, n, &f.at("startup"), false));
    let lift = |p: Option<Option<Probe>>| match p {
        None => Some(None),
        Some(Some(p)) => Some(Some(p)),
        Some(None) => None,
    };
    Some(Probes {
        readiness: lift(readiness)?,
        liveness: lift(liveness)?,
        startup: lift(startup)?,
    })
}

fn probe(r: &mut Reader, node: &Node, path: &str, is_readiness: bool) -> Option<Probe> {
    let f = r.fields(
        node,
        path,
        &[
            "period",
            "timeout",
            "failure_threshold",
            "success_threshold",
            "initial_delay",
        ],
    )?;
    let period = f
        .get("period")
        .map_or(Some(SimDuration::from_secs(10)), |n| {
            r.positive_duration(n, &f.at("period"))
        });
    let timeout = f
        .get("timeout")
        .map_or(Some(SimDuration::from_secs(1)), |n| {
            r.positive_duration(n, &f.at("timeout"))
        });
    let failure_threshold = f
        .get("failure_threshold")
        .map_or(Some(3), |n| r.int(n, &f.at("failure_threshold"), 1, 10_000));
    let success_threshold = f
        .get("success_threshold")
        .map_or(Some(1), |n| r.int(n, &f.at("success_threshold"), 1, 10_000));
    let initial_delay = f.get("initial_delay").map_or(Some(SimDuration::ZERO), |n| {
        r.duration(n, &f.at("initial_delay"))
    });
    if let (Some(st), Some(n)) = (success_threshold, f.get("success_threshold"))
        && st != 1
        && !is_readiness
    {
        r.error(
            n.pos,
            &f.at("success_threshold"),
            "must be 1 for liveness and startup probes (as in Kubernetes)",
        );
    }
    if let (Some(p), Some(t)) = (period, timeout)
        && t >= p
    {
        let pos = f
            .get("timeout")
            .or(f.get("period"))
            .map_or(node.pos, |n| n.pos);
        r.error(pos, &f.at("timeout"), format!("timeout ({t}) must be shorter than period ({p}): kubesim models one probe in flight per worker"));
        return None;
    }
    Some(Probe {
        period: period?,
        timeout: timeout?,
        failure_threshold: failure_threshold? as u32,
        success_threshold: success_threshold? as u32,
        initial_delay: initial_delay?,
    })
}
