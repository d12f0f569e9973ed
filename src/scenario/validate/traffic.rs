//! Validation of the request path: services (balancers, affinity, outlier detection), pod
//! servers and traffic (arrival processes and trace files).

use super::super::reader::{Reader, join};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, cond, opt, req, table};
use super::super::yaml::{Node, Value};
use super::super::*;
use super::{WorkloadRefs, items};
use crate::time::SimDuration;

pub(super) static SERVICE: Table = table(&[
    req("name", Shape::Name),
    req("workload", Shape::String),
    opt(
        "balancer",
        Shape::AnyOf(&[Shape::Enum(&BALANCERS), Shape::OneKey(&BALANCER_ARGS)]),
    ),
    opt("session_affinity", Shape::Map(&SESSION_AFFINITY)),
    opt("outlier_detection", Shape::Map(&OUTLIER_DETECTION)),
])
.named("SERVICE");

/// `client_ip` is required but may be empty (`{client_ip: }`: the default timeout), which
/// the schema cannot tell from absent: the validator reports it.
static SESSION_AFFINITY: Table = table(&[cond(
    "client_ip",
    Shape::AnyOf(&[Shape::Map(&CLIENT_IP), Shape::Null]),
)])
.named("SESSION_AFFINITY");
static CLIENT_IP: Table = table(&[opt("timeout", POSITIVE)]).named("CLIENT_IP");

static OUTLIER_DETECTION: Table = table(&[
    opt(
        "consecutive_errors",
        Shape::Int {
            min: 1,
            max: 1_000_000,
        },
    ),
    opt("ejection", POSITIVE),
])
.named("OUTLIER_DETECTION");

const BALANCERS: [&str; 7] = [
    "random",
    "round_robin",
    "least_connections",
    "power_of_two",
    "weighted_round_robin",
    "ring_hash",
    "maglev",
];

/// The balancers that take settings, as a one-key map.
static BALANCER_ARGS: Table = table(&[
    opt(
        "ring_hash",
        Shape::AnyOf(&[Shape::Map(&RING_HASH), Shape::Null]),
    ),
    opt("maglev", Shape::AnyOf(&[Shape::Map(&MAGLEV), Shape::Null])),
])
.named("BALANCER_ARGS");
static RING_HASH: Table = table(&[opt(
    "vnodes",
    Shape::Int {
        min: 1,
        max: 100_000,
    },
)])
.named("RING_HASH");
static MAGLEV: Table = table(&[opt(
    "table",
    Shape::Int {
        min: 2,
        max: 10_000_019,
    },
)])
.named("MAGLEV");

pub(super) static SERVER: Table = table(&[
    opt(
        "concurrency",
        Shape::Int {
            min: 1,
            max: 100_000,
        },
    ),
    opt(
        "queue",
        Shape::Int {
            min: 0,
            max: 100_000_000,
        },
    ),
    opt("service_time", Shape::Dist),
    opt("cpu_per_request", DURATION),
    opt("cpu_idle", Shape::Cpu),
])
.named("SERVER");

pub(super) static TRAFFIC: Table = table(&[
    req("service", Shape::String),
    req("arrivals", Shape::OneKey(&ARRIVALS)),
    opt(
        "clients",
        Shape::Int {
            min: 1,
            max: u32::MAX as u64,
        },
    ),
    opt("timeout", POSITIVE),
    opt("retries", Shape::Map(&RETRIES)),
    opt("model", Shape::Enum(&MODELS)),
])
.named("TRAFFIC");

const MODELS: [&str; 2] = ["requests", "fluid"];

static RETRIES: Table = table(&[
    opt("attempts", Shape::Int { min: 0, max: 100 }),
    opt("backoff", DURATION),
])
.named("RETRIES");

static ARRIVALS: Table = table(&[
    opt("poisson", Shape::Rate),
    opt("diurnal", Shape::Map(&DIURNAL)),
    opt("steps", Shape::List(&Shape::Map(&STEP))),
    opt("trace", Shape::Map(&TRACE)),
])
.named("ARRIVALS");

static DIURNAL: Table = table(&[
    req("mean", Shape::Rate),
    opt(
        "amplitude",
        Shape::Float {
            min: 0.0,
            min_exclusive: false,
            max: 1.0,
        },
    ),
    opt("period", POSITIVE),
    opt("peak", DURATION),
])
.named("DIURNAL");

static STEP: Table = table(&[req("at", DURATION), req("rate", Shape::Rate)]).named("STEP");
static TRACE: Table = table(&[req("file", Shape::String)]).named("TRACE");

pub(super) fn services(r: &mut Reader, node: Option<&Node>, refs: &WorkloadRefs) -> Vec<Service> {
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
    if matches!(&node.value, Value::Seq(items) if items.is_empty()) {
        r.error(
            node.pos,
            "services",
            "at least one service is required (leave `services` out for one per workload)",
        );
    }
    for (path, n) in items(r, node, "services") {
        let Some(f) = r.fields(n, &path, &SERVICE) else {
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
    let f = r.fields(n, path, &SESSION_AFFINITY)?;
    let Some(c) = f.node.get("client_ip") else {
        r.error(n.pos, path, "expected `{client_ip: {timeout: 3h}}`");
        return None;
    };
    if c.is_null() {
        return Some(SimDuration::from_secs(10_800));
    }
    let cf = r.fields(c, &f.at("client_ip"), &CLIENT_IP)?;
    cf.get("timeout")
        .map_or(Some(SimDuration::from_secs(10_800)), |t| {
            r.positive_duration(t, &cf.at("timeout"))
        })
}

fn outlier_detection(r: &mut Reader, n: &Node, path: &str) -> Option<OutlierDetection> {
    let f = r.fields(n, path, &OUTLIER_DETECTION)?;
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
    if b.get("ring_hash").is_some() && b.get("maglev").is_some() {
        r.error(
            b.pos,
            path,
            "a balancer is one of `ring_hash` or `maglev`, not both",
        );
        return None;
    }
    if let Some(arg) = b.get("ring_hash") {
        let f = r.fields(b, path, &BALANCER_ARGS)?;
        let p = f.at("ring_hash");
        let vnodes = match arg.is_null() {
            true => Some(100),
            false => r.fields(arg, &p, &RING_HASH).and_then(|a| {
                a.get("vnodes")
                    .map_or(Some(100), |n| r.int(n, &a.at("vnodes"), 1, 100_000))
            }),
        };
        return vnodes.map(|v| Balancer::RingHash { vnodes: v as u32 });
    }
    if let Some(arg) = b.get("maglev") {
        let f = r.fields(b, path, &BALANCER_ARGS)?;
        let p = f.at("maglev");
        let table = match arg.is_null() {
            true => Some(65537),
            false => r.fields(arg, &p, &MAGLEV).and_then(|a| {
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
        format!(
            "unknown balancer (expected one of: {})",
            BALANCERS.join(", ")
        ),
    );
    None
}

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

pub(super) fn server(r: &mut Reader, node: Option<&Node>, path: &str) -> Option<Server> {
    let default_time = Dist::Exponential { mean_s: 0.01 };
    let Some(node) = node else {
        return Some(Server {
            concurrency: 1,
            queue: 100,
            cpu_per_request_s: default_time.mean_s(),
            service_time: default_time,
            cpu_idle_cores: 0.0,
        });
    };
    let f = r.fields(node, path, &SERVER)?;
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
    let cpu_idle = f
        .get("cpu_idle")
        .map_or(Some(0), |n| r.cpu_milli(n, &f.at("cpu_idle")));
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
        cpu_idle_cores: cpu_idle? as f64 / 1000.0,
    })
}

pub(super) fn traffic(
    r: &mut Reader,
    node: &Node,
    services: &[Service],
    service_names: &[String],
) -> Vec<Traffic> {
    let mut out = Vec::new();
    for (path, n) in items(r, node, "traffic") {
        let Some(f) = r.fields(n, &path, &TRAFFIC) else {
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
            Some(rn) => r.fields(rn, &f.at("retries"), &RETRIES).and_then(|rf| {
                let attempts = rf
                    .get("attempts")
                    .map_or(Some(0), |n| r.int(n, &rf.at("attempts"), 0, 100));
                let backoff = rf.get("backoff").map_or(Some(SimDuration::ZERO), |n| {
                    r.duration(n, &rf.at("backoff"))
                });
                Some((attempts? as u32, backoff?))
            }),
        };
        r.expect_words(&f.at("model"), &MODELS);
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
    let kinds = ARRIVALS.keys().join(", ");
    let Value::Map(entries) = &n.value else {
        r.error(n.pos, path, format!("expected a map with one of: {kinds}"));
        return None;
    };
    if entries.len() != 1 {
        r.error(
            n.pos,
            path,
            format!("arrivals take exactly one of: {kinds}"),
        );
        return None;
    }
    let (key, arg) = &entries[0];
    let kind = key.scalar().unwrap_or_default();
    r.enter_one_key(path, &ARRIVALS, kind);
    let p = join(path, kind);
    match kind {
        "poisson" => r.rate(arg, &p).map(|rate| Arrivals::Poisson { rate }),
        "diurnal" => {
            let f = r.fields(arg, &p, &DIURNAL)?;
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
                let Some(sf) = r.fields(sn, &sp, &STEP) else {
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
            let f = r.fields(arg, &p, &TRACE)?;
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
                format!("unknown arrival process `{other}` (expected one of: {kinds})"),
            );
            None
        }
    }
}
