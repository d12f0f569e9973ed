//! Validation: turns the located YAML tree into a `Scenario`, applying Kubernetes defaults
//! (KUBERNETES.md) and recording every problem with its field path.

use super::reader::{Fields, Reader, join};
use super::yaml::{Node, Value};
use super::*;
use crate::time::SimDuration;

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
        .map(|n| faults(&mut r, n, &nodes, &zones, &refs))
        .unwrap_or_default();
    let slo = slo(&mut r, top.get("slo"));
    let output = output(&mut r, top.get("output"));

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
        ) = (
            name, kind, replicas, resources, spread, start, grace, failures, backoff, server,
            probes,
        ) {
            out.push(Workload {
                name,
                kind,
                replicas: replicas as u32,
                resources,
                spread,
                start,
                termination_grace: grace,
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

fn services(r: &mut Reader, node: Option<&Node>, refs: &WorkloadRefs) -> Vec<Service> {
    let workloads = refs.valid;
    let Some(node) = node else {
        // No services: one implicit service per workload, so availability is still reported.
        return workloads
            .iter()
            .enumerate()
            .map(|(i, w)| Service {
                name: w.name.clone(),
                workload: i,
                balancer: Balancer::Random,
                session_affinity: None,
                outlier_detection: None,
            })
            .collect();
    };
    let mut out: Vec<Service> = Vec::new();
    for (path, n) in items(r, node, "services") {
        let Some(f) = r.fields(
            n,
            &path,
            &[
                "name",
                "workload",
                "balancer",
                "session_affinity",
                "outlier_detection",
            ],
        ) else {
            continue;
        };
        let affinity = match f.get("session_affinity") {
            None => Some(None),
            Some(a) => session_affinity(r, a, &f.at("session_affinity")).map(Some),
        };
        let outlier = match f.get("outlier_detection") {
            None => Some(None),
            Some(o) => outlier_detection(r, o, &f.at("outlier_detection")).map(Some),
        };
        let name = r
            .required(&f, "name")
            .and_then(|n| r.name(n, &f.at("name")));
        if let (Some(nm), Some(pn)) = (&name, f.get("name"))
            && out.iter().any(|s| &s.name == nm)
        {
            r.error(
                pn.pos,
                &f.at("name"),
                format!("duplicate service name `{nm}`"),
            );
        }
        let workload = r.required(&f, "workload").and_then(|n| {
            let w = r.string(n, &f.at("workload"))?;
            refs.find(&w).unwrap_or_else(|()| {
                r.error(n.pos, &f.at("workload"), format!("no workload named `{w}`"));
                None
            })
        });
        let balancer = f.get("balancer").map_or(Some(Balancer::Random), |b| {
            balancer(r, b, &f.at("balancer"))
        });
        if let (
            Some(name),
            Some(workload),
            Some(balancer),
            Some(session_affinity),
            Some(outlier_detection),
        ) = (name, workload, balancer, affinity, outlier)
        {
            out.push(Service {
                name,
                workload,
                balancer,
                session_affinity,
                outlier_detection,
            });
        }
    }
    out
}

/// `{client_ip: {timeout: 3h}}` (timeout defaults to 10800 s, as `SetDefaults_Service`).
fn session_affinity(r: &mut Reader, n: &Node, path: &str) -> Option<SimDuration> {
    let f = r.fields(n, path, &["client_ip"])?;
    let Some(c) = f.node.get("client_ip") else {
        r.error(n.pos, path, "expected `{client_ip: {timeout: 3h}}`");
        return None;
    };
    if c.is_null() {
        return Some(SimDuration::from_secs(10_800));
    }
    let cf = r.fields(c, &f.at("client_ip"), &["timeout"])?;
    cf.get("timeout")
        .map_or(Some(SimDuration::from_secs(10_800)), |t| {
            r.positive_duration(t, &cf.at("timeout"))
        })
}

fn outlier_detection(r: &mut Reader, n: &Node, path: &str) -> Option<OutlierDetection> {
    let f = r.fields(n, path, &["consecutive_errors", "ejection"])?;
    let errors = f.get("consecutive_errors").map_or(Some(5), |x| {
        r.int(x, &f.at("consecutive_errors"), 1, 1_000_000)
    });
    let ejection = f
        .get("ejection")
        .map_or(Some(SimDuration::from_secs(30)), |x| {
            r.positive_duration(x, &f.at("ejection"))
        });
    Some(OutlierDetection {
        consecutive_errors: errors? as u32,
        ejection: ejection?,
    })
}

fn balancer(r: &mut Reader, b: &Node, path: &str) -> Option<Balancer> {
    const KNOWN: [&str; 7] = [
        "random",
        "round_robin",
        "least_connections",
        "power_of_two",
        "weighted_round_robin",
        "ring_hash",
        "maglev",
    ];
    match b.scalar() {
        Some("random") => return Some(Balancer::Random),
        Some("round_robin") => return Some(Balancer::RoundRobin),
        Some("least_connections") => return Some(Balancer::LeastConnections),
        Some("power_of_two") => return Some(Balancer::PowerOfTwo),
        Some("weighted_round_robin") => return Some(Balancer::WeightedRoundRobin),
        Some("ring_hash") => return Some(Balancer::RingHash { vnodes: 100 }),
        Some("maglev") => return Some(Balancer::Maglev { table: 65537 }),
        _ => {}
    }
    if let Some(arg) = b.get("ring_hash") {
        let f = r.fields(b, path, &["ring_hash"])?;
        let p = f.at("ring_hash");
        let vnodes = match arg.is_null() {
            true => Some(100),
            false => r.fields(arg, &p, &["vnodes"]).and_then(|a| {
                a.get("vnodes")
                    .map_or(Some(100), |n| r.int(n, &a.at("vnodes"), 1, 100_000))
            }),
        };
        return vnodes.map(|v| Balancer::RingHash { vnodes: v as u32 });
    }
    if let Some(arg) = b.get("maglev") {
        let f = r.fields(b, path, &["maglev"])?;
        let p = f.at("maglev");
        let table = match arg.is_null() {
            true => Some(65537),
            false => r.fields(arg, &p, &["table"]).and_then(|a| {
                a.get("table")
                    .map_or(Some(65537), |n| r.int(n, &a.at("table"), 2, 10_000_019))
            }),
        }?;
        if !is_prime(table) {
            r.error(
                b.pos,
                &format!("{p}.table"),
                format!("must be a prime number (Maglev), found {table}"),
            );
            return None;
        }
        return Some(Balancer::Maglev {
            table: table as u32,
        });
    }
    r.error(
        b.pos,
        path,
        format!("unknown balancer (expected one of: {})", KNOWN.join(", ")),
    );
    None
}

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

fn server(r: &mut Reader, node: Option<&Node>, path: &str) -> Option<Server> {
    let default_time = Dist::Exponential { mean_s: 0.01 };
    let Some(node) = node else {
        return Some(Server {
            concurrency: 1,
            queue: 100,
            cpu_per_request_s: default_time.mean_s(),
            service_time: default_time,
        });
    };
    let f = r.fields(
        node,
        path,
        &["concurrency", "queue", "service_time", "cpu_per_request"],
    )?;
    let concurrency = f
        .get("concurrency")
        .map_or(Some(1), |n| r.int(n, &f.at("concurrency"), 1, 100_000));
    let queue = f
        .get("queue")
        .map_or(Some(100), |n| r.int(n, &f.at("queue"), 0, 100_000_000));
    let service_time = f
        .get("service_time")
        .map_or(Some(default_time), |n| r.dist(n, &f.at("service_time")));
    let cpu = f
        .get("cpu_per_request")
        .map(|n| r.duration(n, &f.at("cpu_per_request")));
    let service_time = service_time?;
    let cpu_per_request_s = match cpu {
        None => service_time.mean_s(),
        Some(d) => d?.as_secs_f64(),
    };
    Some(Server {
        concurrency: concurrency? as u32,
        queue: queue? as u32,
        service_time,
        cpu_per_request_s,
    })
}

fn traffic(
    r: &mut Reader,
    node: &Node,
    services: &[Service],
    service_names: &[String],
) -> Vec<Traffic> {
    let mut out = Vec::new();
    for (path, n) in items(r, node, "traffic") {
        let Some(f) = r.fields(
            n,
            &path,
            &[
                "service", "arrivals", "clients", "timeout", "retries", "model",
            ],
        ) else {
            continue;
        };
        let service = r.required(&f, "service").and_then(|n| {
            let name = r.string(n, &f.at("service"))?;
            match services.iter().position(|s| s.name == name) {
                Some(i) => Some(i),
                None => {
                    if !service_names.contains(&name) {
                        r.error(
                            n.pos,
                            &f.at("service"),
                            format!("no service named `{name}`"),
                        );
                    }
                    None
                }
            }
        });
        let arrivals = r
            .required(&f, "arrivals")
            .and_then(|n| arrivals(r, n, &f.at("arrivals")));
        let clients = f.get("clients").map_or(Some(10_000), |n| {
            r.int(n, &f.at("clients"), 1, u32::MAX as u64)
        });
        let timeout = f
            .get("timeout")
            .map_or(Some(SimDuration::from_secs(30)), |n| {
                r.positive_duration(n, &f.at("timeout"))
            });
        let retries = match f.get("retries") {
            None => Some((0, SimDuration::ZERO)),
            Some(rn) => r
                .fields(rn, &f.at("retries"), &["attempts", "backoff"])
                .and_then(|rf| {
                    let attempts = rf
                        .get("attempts")
                        .map_or(Some(0), |n| r.int(n, &rf.at("attempts"), 0, 100));
                    let backoff = rf.get("backoff").map_or(Some(SimDuration::ZERO), |n| {
                        r.duration(n, &rf.at("backoff"))
                    });
                    Some((attempts? as u32, backoff?))
                }),
        };
        let fluid = match f.get("model").map(|m| (m, m.scalar())) {
            None | Some((_, Some("requests"))) => Some(false),
            Some((_, Some("fluid"))) => Some(true),
            Some((m, _)) => {
                r.error(m.pos, &f.at("model"), "expected `requests` or `fluid`");
                None
            }
        };
        if let (
            Some(service),
            Some(arrivals),
            Some(clients),
            Some(timeout),
            Some((retry_attempts, retry_backoff)),
            Some(fluid),
        ) = (service, arrivals, clients, timeout, retries, fluid)
        {
            out.push(Traffic {
                service,
                arrivals,
                clients: clients as u32,
                timeout,
                retry_attempts,
                retry_backoff,
                fluid,
            });
        }
    }
    out
}

fn arrivals(r: &mut Reader, n: &Node, path: &str) -> Option<Arrivals> {
    const KINDS: &str = "poisson, diurnal, steps, trace";
    let Value::Map(entries) = &n.value else {
        r.error(n.pos, path, format!("expected a map with one of: {KINDS}"));
        return None;
    };
    if entries.len() != 1 {
        r.error(
            n.pos,
            path,
            format!("arrivals take exactly one of: {KINDS}"),
        );
        return None;
    }
    let (key, arg) = &entries[0];
    let kind = key.scalar().unwrap_or_default();
    let p = join(path, kind);
    match kind {
        "poisson" => r.rate(arg, &p).map(|rate| Arrivals::Poisson { rate }),
        "diurnal" => {
            let f = r.fields(arg, &p, &["mean", "amplitude", "period", "peak"])?;
            let mean = r
                .required(&f, "mean")
                .and_then(|n| r.rate(n, &f.at("mean")));
            let amplitude = f.get("amplitude").map_or(Some(0.5), |n| {
                r.float(n, &f.at("amplitude"), 0.0, false, 1.0)
            });
            let period = f
                .get("period")
                .map_or(Some(SimDuration::from_secs(86_400)), |n| {
                    r.positive_duration(n, &f.at("period"))
                });
            let peak = f
                .get("peak")
                .map_or(Some(SimDuration::from_secs(14 * 3600)), |n| {
                    r.duration(n, &f.at("peak"))
                });
            Some(Arrivals::Diurnal {
                mean: mean?,
                amplitude: amplitude?,
                period: period?,
                peak: peak?,
            })
        }
        "steps" => {
            let mut steps: Vec<(SimDuration, f64)> = Vec::new();
            let mut ok = true;
            for (sp, sn) in items(r, arg, &p) {
                let Some(sf) = r.fields(sn, &sp, &["at", "rate"]) else {
                    ok = false;
                    continue;
                };
                let at = r
                    .required(&sf, "at")
                    .and_then(|n| r.duration(n, &sf.at("at")));
                let rate = r
                    .required(&sf, "rate")
                    .and_then(|n| r.rate(n, &sf.at("rate")));
                match (at, rate) {
                    (Some(at), Some(rate)) => {
                        if steps.last().is_some_and(|(prev, _)| *prev >= at) {
                            r.error(sn.pos, &sp, "steps must be in increasing order of `at`");
                            ok = false;
                        }
                        steps.push((at, rate));
                    }
                    _ => ok = false,
                }
            }
            if ok && steps.is_empty() {
                r.error(arg.pos, &p, "at least one step is required");
                ok = false;
            }
            ok.then_some(Arrivals::Steps(steps))
        }
        "trace" => {
            let f = r.fields(arg, &p, &["file"])?;
            let file = r
                .required(&f, "file")
                .and_then(|n| r.string(n, &f.at("file")))?;
            let pos = f.get("file").map_or(arg.pos, |n| n.pos);
            r.rate_trace(pos, &f.at("file"), &file).map(Arrivals::Steps)
        }
        other => {
            r.error(
                key.pos,
                &p,
                format!("unknown arrival process `{other}` (expected one of: {KINDS})"),
            );
            None
        }
    }
}

/// `web-3` → (workload index, 3).
fn pod_ref(r: &mut Reader, n: &Node, path: &str, refs: &WorkloadRefs) -> Option<(usize, u32)> {
    let s = r.string(n, path)?;
    let found = s
        .rsplit_once('-')
        .and_then(|(w, i)| Some((refs.find(w).ok()?, i.parse::<u32>().ok()?)));
    match found {
        Some((Some(w), ordinal)) => Some((w, ordinal)),
        Some((None, _)) => None,
        None => {
            r.error(
                n.pos,
                path,
                format!(
                    "`{s}` does not name a pod (`<workload>-<n>` of a workload in this scenario)"
                ),
            );
            None
        }
    }
}

fn faults(
    r: &mut Reader,
    node: &Node,
    nodes: &[NodeSpec],
    zones: &[String],
    workloads: &WorkloadRefs,
) -> Vec<Fault> {
    const ACTIONS: [&str; 7] = [
        "kill_node",
        "zone_outage",
        "drain_node",
        "kill_pod",
        "hang_pod",
        "rollout",
        "partition_node",
    ];
    let mut out = Vec::new();
    for (path, n) in items(r, node, "faults") {
        let mut allowed = vec!["at", "for"];
        allowed.extend(ACTIONS);
        let Some(f) = r.fields(n, &path, &allowed) else {
            continue;
        };
        let at = r
            .required(&f, "at")
            .and_then(|n| r.duration(n, &f.at("at")));
        let duration = f
            .get("for")
            .and_then(|n| r.positive_duration(n, &f.at("for")));
        let present: Vec<&str> = ACTIONS
            .iter()
            .copied()
            .filter(|a| f.get(a).is_some())
            .collect();
        if present.len() != 1 {
            r.error(
                n.pos,
                &path,
                format!(
                    "a fault has exactly one action, one of: {} (found {})",
                    ACTIONS.join(", "),
                    present.len()
                ),
            );
            continue;
        }
        let kind = present[0];
        let an = f.get(kind).expect("present");
        let ap = f.at(kind);
        let node_ref = |r: &mut Reader| {
            let s = r.string(an, &ap)?;
            let found = nodes.iter().position(|x| x.name == s);
            if found.is_none() {
                r.error(
                    an.pos,
                    &ap,
                    format!("no node named `{s}` (nodes are `<pool>-<index>`)"),
                );
            }
            found
        };
        let action = match kind {
            "kill_node" => node_ref(r).map(|node| FaultAction::KillNode { node, duration }),
            "partition_node" => {
                node_ref(r).map(|node| FaultAction::PartitionNode { node, duration })
            }
            "zone_outage" => r.string(an, &ap).and_then(|z| {
                let found = zones.iter().position(|x| *x == z);
                if found.is_none() {
                    r.error(an.pos, &ap, format!("no zone named `{z}`"));
                }
                found.map(|zone| FaultAction::ZoneOutage { zone, duration })
            }),
            "kill_pod" => pod_ref(r, an, &ap, workloads)
                .map(|(workload, ordinal)| FaultAction::KillPod { workload, ordinal }),
            "hang_pod" => {
                pod_ref(r, an, &ap, workloads).map(|(workload, ordinal)| FaultAction::HangPod {
                    workload,
                    ordinal,
                    duration,
                })
            }
            other => {
                r.error(an.pos, &ap, format!("`{other}` {NOT_YET}"));
                None
            }
        };
        if kind == "kill_pod"
            && let Some(fnode) = f.get("for")
        {
            r.error(
                fnode.pos,
                &f.at("for"),
                "`for` does not apply to kill_pod (the container restarts by itself)",
            );
        }
        if let (Some(at), Some(action)) = (at, action) {
            out.push(Fault { at, action });
        }
    }
    out
}

fn slo(r: &mut Reader, node: Option<&Node>) -> Option<Slo> {
    let Some(node) = node else {
        return Some(Slo {
            min_ready: 1,
            availability: None,
            latency_p99: None,
        });
    };
    let f = r.fields(node, "slo", &["min_ready", "availability", "latency_p99"])?;
    let min_ready = f
        .get("min_ready")
        .map_or(Some(1), |n| r.int(n, &join("slo", "min_ready"), 1, 100_000));
    let availability = f
        .get("availability")
        .map(|n| r.percent(n, "slo.availability"));
    let latency = f
        .get("latency_p99")
        .map(|n| r.positive_duration(n, "slo.latency_p99"));
    Some(Slo {
        min_ready: min_ready? as u32,
        availability: match availability {
            Some(None) => return None,
            Some(x) => x,
            None => None,
        },
        latency_p99: match latency {
            Some(None) => return None,
            Some(x) => x,
            None => None,
        },
    })
}

fn output(r: &mut Reader, node: Option<&Node>) -> Option<Output> {
    let Some(node) = node else {
        return Some(Output::default());
    };
    let f = r.fields(node, "output", &["timeseries", "events", "plots"])?;
    let timeseries = match f.get("timeseries") {
        None => Some(None),
        Some(n) => r.positive_duration(n, "output.timeseries").map(Some),
    };
    let events = match f.get("events") {
        None => Some(false),
        Some(n) => match n.scalar() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                r.error(n.pos, "output.events", "expected `true` or `false`");
                None
            }
        },
    };
    let mut plots = Vec::new();
    let mut plots_ok = true;
    if let Some(n) = f.get("plots") {
        for (p, item) in items(r, n, "output.plots") {
            match item.scalar() {
                Some(k) if ["timeline", "availability", "latency", "replicas"].contains(&k) => {
                    plots.push(k.to_string())
                }
                _ => {
                    r.error(
                        item.pos,
                        &p,
                        "expected one of: timeline, availability, latency, replicas",
                    );
                    plots_ok = false;
                }
            }
        }
    }
    if plots.iter().any(|p| p == "timeline" || p == "replicas") && timeseries == Some(None) {
        let pos = f.get("plots").map_or(node.pos, |n| n.pos);
        r.error(
            pos,
            "output.plots",
            "`timeline` and `replicas` plots need `output.timeseries` (e.g. `timeseries: 1m`)",
        );
        plots_ok = false;
    }
    Some(Output {
        timeseries: timeseries?,
        events: events?,
        plots: plots_ok.then_some(plots)?,
    })
}
