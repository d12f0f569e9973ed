//! Validation of `workloads:` (kind, replicas, resources, spread, start, termination,
//! failures, back-off, probes, server, rollout, PDB) and the by-name references to them.

use super::super::reader::{Fields, Reader};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, opt, req, table};
use super::super::yaml::{Node, Value};
use super::super::*;
use super::{autoscaling, disruption, items, rollout, server, traffic};
use crate::time::SimDuration;

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

/// Workloads as references see them: a workload whose name is valid but has other errors is
/// still known by name, so references to it do not add a second, misleading error.
pub(super) struct WorkloadRefs<'a> {
    pub(super) valid: &'a [Workload],
    pub(super) names: &'a [String],
}

impl WorkloadRefs<'_> {
    /// `Err(())` if no workload has that name; `Ok(None)` if it has errors of its own.
    pub(super) fn find(&self, name: &str) -> Result<Option<usize>, ()> {
        match self.valid.iter().position(|w| w.name == name) {
            Some(i) => Ok(Some(i)),
            None if self.names.iter().any(|n| n == name) => Ok(None),
            None => Err(()),
        }
    }
}

pub(super) static WORKLOAD: Table = table(&[
    req("name", Shape::Name),
    opt("kind", Shape::Enum(&["Deployment", "StatefulSet"])),
    opt(
        "replicas",
        Shape::Int {
            min: 0,
            max: 100_000,
        },
    ),
    opt("resources", Shape::Map(&RESOURCES)),
    opt("spread", Shape::Enum(&["zones", "nodes", "none"])),
    opt("start", Shape::Dist),
    opt("termination_grace", DURATION),
    opt("pre_stop", DURATION),
    opt("shutdown", Shape::Dist),
    opt("failures", Shape::Map(&rollout::POD_FAILURES)),
    opt("restart_backoff", Shape::Map(&BACKOFF)),
    opt("probes", Shape::Map(&PROBES)),
    opt("server", Shape::Map(&traffic::SERVER)),
    opt(
        "rollout",
        Shape::AnyOf(&[
            Shape::Map(&rollout::DEPLOYMENT_ROLLOUT),
            Shape::Map(&rollout::STATEFULSET_ROLLOUT),
        ]),
    ),
    opt("new_version", Shape::Map(&rollout::NEW_VERSION)),
    opt("autoscaling", Shape::Map(&autoscaling::AUTOSCALING)),
    opt("pdb", Shape::Map(&disruption::PDB)),
])
.named("WORKLOAD");

static RESOURCES: Table =
    table(&[opt("cpu", Shape::Cpu), opt("memory", Shape::Memory)]).named("RESOURCES");

static BACKOFF: Table = table(&[
    opt("initial", POSITIVE),
    opt("max", POSITIVE),
    opt("reset_after", POSITIVE),
])
.named("BACKOFF");

static PROBES: Table = table(&[
    opt("readiness", Shape::Map(&PROBE)),
    opt("liveness", Shape::Map(&PROBE)),
    opt("startup", Shape::Map(&PROBE)),
])
.named("PROBES");

static PROBE: Table = table(&[
    opt("period", POSITIVE),
    opt("timeout", POSITIVE),
    opt(
        "failure_threshold",
        Shape::Int {
            min: 1,
            max: 10_000,
        },
    ),
    opt(
        "success_threshold",
        Shape::Int {
            min: 1,
            max: 10_000,
        },
    ),
    opt("initial_delay", DURATION),
    opt("handler", Shape::Enum(&["tcp", "http", "exec", "grpc"])),
    opt("probe_path", Shape::Enum(&["shared", "dedicated"])),
    opt(
        "backlog",
        Shape::Int {
            min: 1,
            max: 1_000_000,
        },
    ),
])
.named("PROBE");

/// A field that takes one of a few keywords (`default` when absent); the error lists them.
fn keyword<T: Copy>(
    r: &mut Reader,
    f: &Fields,
    key: &str,
    default: T,
    choices: &[(&str, T)],
) -> Option<T> {
    let words: Vec<&str> = choices.iter().map(|(w, _)| *w).collect();
    r.expect_words(&f.at(key), &words);
    let Some(n) = f.get(key) else {
        return Some(default);
    };
    let found = n
        .scalar()
        .and_then(|s| choices.iter().find(|(text, _)| *text == s));
    if found.is_none() {
        let names: Vec<String> = choices.iter().map(|(t, _)| format!("`{t}`")).collect();
        let (last, rest) = names.split_last().expect("at least one choice");
        let list = if rest.is_empty() {
            last.clone()
        } else {
            format!("{} or {last}", rest.join(", "))
        };
        r.error(n.pos, &f.at(key), format!("expected {list}"));
    }
    found.map(|(_, v)| *v)
}

pub(super) fn workloads(r: &mut Reader, node: &Node) -> (Vec<Workload>, Vec<String>) {
    let mut out: Vec<Workload> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let list = items(r, node, "workloads");
    if list.is_empty() && matches!(node.value, Value::Seq(_)) {
        r.error(node.pos, "workloads", "at least one workload is required");
    }
    for (path, n) in list {
        let Some(f) = r.fields(n, &path, &WORKLOAD) else {
            continue;
        };
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
        let kind = keyword(
            r,
            &f,
            "kind",
            WorkloadKind::Deployment,
            &[
                ("Deployment", WorkloadKind::Deployment),
                ("StatefulSet", WorkloadKind::StatefulSet),
            ],
        );
        let replicas = f
            .get("replicas")
            .map_or(Some(1), |n| r.int(n, &f.at("replicas"), 0, 100_000));
        let resources = match f.get("resources") {
            None => Some(Resources::default()),
            Some(rn) => r.fields(rn, &f.at("resources"), &RESOURCES).and_then(|rf| {
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
        let spread = keyword(
            r,
            &f,
            "spread",
            Spread::None,
            &[
                ("zones", Spread::Zones),
                ("nodes", Spread::Nodes),
                ("none", Spread::None),
            ],
        );
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
            Some(fnode) => rollout::pod_failures(r, fnode, &f.at("failures")),
        };
        let strategy = rollout::rollout(r, &f, kind);
        let new_version = rollout::new_version(r, &f);
        let backoff = backoff(r, &f);
        let server = server(r, f.get("server"), &f.at("server"));
        let probes = f
            .get("probes")
            .map_or(Some(Probes::default()), |n| probes(r, n, &f.at("probes")));
        let pdb = disruption::pdb(r, &f);
        let scaling = autoscaling::workload_autoscaling(r, &f, resources.map(|res| res.cpu_milli));
        // A budget above the replica count can never be met: every eviction would be refused
        // and a drain would wait forever. Kubernetes accepts it; kubesim says so.
        if let (Some(Some(Pdb::MinAvailable(PdbValue::Count(m)))), Some(n), Some(pn)) =
            (pdb, replicas, f.get("pdb"))
            && u64::from(m) > n
        {
            r.error(
                pn.pos,
                &f.at("pdb"),
                format!(
                    "min_available {m} is more than the {n} replicas: no eviction (and no drain) could ever succeed"
                ),
            );
        }
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
            Some(strategy),
            Some(new_version),
            Some(pdb),
            Some(scaling),
        ) = (
            name,
            kind,
            replicas,
            resources,
            spread,
            start,
            grace,
            failures,
            backoff,
            server,
            probes,
            pre_stop,
            shutdown,
            strategy,
            new_version,
            pdb,
            scaling,
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
                rollout: strategy,
                new_version,
                probes,
                server,
                pdb,
                autoscaling: scaling,
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
    let bf = r.fields(n, &path, &BACKOFF)?;
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
    let f = r.fields(node, path, &PROBES)?;
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
    let f = r.fields(node, path, &PROBE)?;
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
    let (handler, path, backlog) = probe_handler(r, &f)?;
    Some(Probe {
        period: period?,
        timeout: timeout?,
        failure_threshold: failure_threshold? as u32,
        success_threshold: success_threshold? as u32,
        initial_delay: initial_delay?,
        handler,
        path,
        backlog,
    })
}

/// `handler` (default `http`, the most common in real manifests), `probe_path` (default
/// `shared`; only http and grpc are served by the app) and `backlog` (tcp only).
fn probe_handler(r: &mut Reader, f: &Fields) -> Option<(ProbeHandler, ProbePath, Option<u32>)> {
    let handler = keyword(
        r,
        f,
        "handler",
        ProbeHandler::Http,
        &[
            ("tcp", ProbeHandler::Tcp),
            ("http", ProbeHandler::Http),
            ("exec", ProbeHandler::Exec),
            ("grpc", ProbeHandler::Grpc),
        ],
    );
    let path = keyword(
        r,
        f,
        "probe_path",
        ProbePath::Shared,
        &[
            ("shared", ProbePath::Shared),
            ("dedicated", ProbePath::Dedicated),
        ],
    );
    let backlog = f
        .get("backlog")
        .map(|n| r.int(n, &f.at("backlog"), 1, 1_000_000).map(|b| b as u32));
    let handler = handler?;
    // tcp and exec probes have no path through the app; `probe_path` is still accepted with
    // them so that a sweep can cross handler × probe_path (the README says so).
    let served = matches!(handler, ProbeHandler::Http | ProbeHandler::Grpc);
    if let Some(n) = f.get("backlog")
        && handler != ProbeHandler::Tcp
    {
        r.error(n.pos, &f.at("backlog"), "`backlog` applies to tcp probes");
        return None;
    }
    let path = if served { path? } else { ProbePath::Dedicated };
    Some((handler, path, backlog.map_or(Some(None), |b| b.map(Some))?))
}
