//! Work estimates before anything runs: events per run and in all, sweep size, result rows,
//! balancer tables and worker threads. A scenario that would run for hours or exhaust memory
//! is refused with a located error that says how big it is and what raises the limit.

use super::error::Errors;
use super::yaml::{Node, Pos, Value};
use super::{Arrivals, Balancer, FaultAction, FaultTime, Scenario};

/// Events one simulated request costs: arrival, start of service, completion.
const EVENTS_PER_REQUEST: f64 = 3.0;
/// Events one failure costs: the failure, detection, recovery and the endpoint updates.
const EVENTS_PER_FAILURE: f64 = 8.0;
/// Highest arrival rate: one per nanosecond, the clock's resolution. Above it inter-arrival
/// times round to 0 ns and simulated time stops advancing.
pub const MAX_RATE_PER_S: f64 = 1e9;

/// The limits a load is checked against. `max_events` and `max_total_events` have flags
/// (`--max-events`, `--max-total-events`); the others bound memory and are fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Events in one run (a run that reaches it stops early).
    pub max_events: u64,
    /// Events over every run of every variant.
    pub max_total_events: u64,
    /// Sweep combinations.
    pub max_variants: usize,
    /// Runs over all variants (each keeps a row of results in memory).
    pub max_runs: u64,
    /// `timeseries.csv` rows over all variants.
    pub max_timeseries_rows: u64,
    /// Entries of one ring-hash ring or Maglev table (rebuilt on every endpoint change).
    pub max_table_entries: u64,
    /// Worker threads.
    pub max_jobs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 2_000_000_000,
            max_total_events: 100_000_000_000,
            max_variants: 10_000,
            max_runs: 100_000,
            max_timeseries_rows: 5_000_000,
            max_table_entries: 2_000_000,
            max_jobs: 1024,
        }
    }
}

/// The node at `path` (map keys and list indices), or the deepest one found on the way.
pub fn pos_at(tree: &Node, path: &[&str]) -> Pos {
    let mut node = tree;
    for seg in path {
        let next = match &node.value {
            Value::Map(_) => node.get(seg),
            Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.pos
}

/// What makes a run's events: a field path (as in the tree: map keys and list indices) and
/// the events it is expected to cause in one run.
pub struct Source {
    pub path: Vec<String>,
    pub events: f64,
}

/// Expected events of one run, by source. Probes and node monitoring are event-driven (an
/// event per state change, not per period); requests and failure cycles are what grows.
pub fn events_per_run(sc: &Scenario) -> Vec<Source> {
    let h = sc.horizon.as_secs_f64();
    let path = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let cycles = |n: f64, up: f64, down: f64| n * h / (up + down).max(1e-9) * EVENTS_PER_FAILURE;
    let mut out = Vec::new();
    for (i, t) in sc.traffic.iter().enumerate() {
        if !t.fluid {
            out.push(Source {
                path: path(&["traffic", &i.to_string(), "arrivals"]),
                events: t.arrivals.integral(0.0, h)
                    * (1.0 + t.retry_attempts as f64)
                    * EVENTS_PER_REQUEST,
            });
        }
    }
    // Control loops tick whatever happens: the HPA's syncs and scrapes, the cluster
    // autoscaler's scans.
    for (i, w) in sc.workloads.iter().enumerate() {
        if let Some(a) = &w.autoscaling {
            out.push(Source {
                path: path(&["workloads", &i.to_string(), "autoscaling", "hpa"]),
                events: h / a.hpa.sync_period.as_secs_f64() + h / a.hpa.metric_window.as_secs_f64(),
            });
        }
    }
    if sc.pools.iter().any(|p| p.autoscaling.is_some()) {
        out.push(Source {
            path: path(&["cluster_autoscaler"]),
            events: h / sc.cluster_autoscaler.scan_interval.as_secs_f64(),
        });
    }
    for (i, p) in sc.pools.iter().enumerate() {
        if let Some(f) = &p.failures {
            out.push(Source {
                path: path(&["nodes", &i.to_string(), "failures"]),
                events: cycles(
                    p.count as f64,
                    f.time_to_failure.mean_s(),
                    f.time_to_repair.mean_s(),
                ),
            });
        }
    }
    for (i, w) in sc.workloads.iter().enumerate() {
        let restart = w.restart_backoff.initial.as_secs_f64();
        // An HPA may hold the workload at its max: estimate for the most pods it can have.
        let pods = w
            .autoscaling
            .as_ref()
            .map_or(w.replicas, |a| a.hpa.max.max(w.replicas));
        let events: f64 = [&w.failures.crash, &w.failures.hang]
            .into_iter()
            .flatten()
            .map(|d| cycles(pods as f64, d.mean_s(), restart))
            .sum();
        if events > 0.0 {
            out.push(Source {
                path: path(&["workloads", &i.to_string(), "failures"]),
                events,
            });
        }
    }
    for (i, f) in sc.faults.iter().enumerate() {
        if let FaultTime::Every(every) = &f.when {
            out.push(Source {
                path: path(&["faults", &i.to_string(), "every"]),
                events: h / every.mean_s().max(1e-9)
                    * EVENTS_PER_FAILURE
                    * recurring_targets(sc, &f.action),
            });
        }
    }
    out
}

/// What one occurrence of a recurring fault fails: a zone's nodes (the largest zone for
/// `any`), a rollout's replicas, else one node or pod.
fn recurring_targets(sc: &Scenario, action: &FaultAction) -> f64 {
    let n = match action {
        FaultAction::ZoneOutage { zone, .. } => {
            let in_zone = |z: usize| sc.nodes.iter().filter(|n| n.zone == z).count();
            match zone {
                Some(z) => in_zone(*z),
                None => (0..sc.zones().len()).map(in_zone).max().unwrap_or(0),
            }
        }
        FaultAction::Rollout { workload } => sc.workloads[*workload].replicas as usize,
        _ => 1,
    };
    n.max(1) as f64
}

/// Highest rate a traffic source reaches, per second.
fn peak_rate(a: &Arrivals) -> f64 {
    match a {
        Arrivals::Poisson { rate } => *rate,
        Arrivals::Diurnal {
            mean, amplitude, ..
        } => mean * (1.0 + amplitude),
        Arrivals::Steps(steps) => steps.iter().map(|(_, r)| *r).fold(0.0, f64::max),
    }
}

/// Checks one variant (its validated scenario and the tree it came from). Returns its
/// expected events per run, for the total over all variants.
pub fn check_variant(sc: &Scenario, tree: &Node, limits: &Limits, errors: &mut Errors) -> f64 {
    let sources = events_per_run(sc);
    let events: f64 = sources.iter().map(|s| s.events).sum();
    let mut too_fast = false;
    for (i, t) in sc.traffic.iter().enumerate() {
        let peak = peak_rate(&t.arrivals);
        if peak > MAX_RATE_PER_S {
            too_fast = true;
            let idx = i.to_string();
            errors.add(
                pos_at(tree, &["traffic", &idx, "arrivals"]),
                &format!("traffic[{i}].arrivals"),
                format!(
                    "peak rate {peak:.1e}/s is above {MAX_RATE_PER_S:.0e}/s: inter-arrival times would round to 0 ns and simulated time would stop"
                ),
            );
        }
    }
    if !too_fast && events > limits.max_events as f64 {
        let biggest = sources
            .iter()
            .max_by(|a, b| a.events.total_cmp(&b.events))
            .expect("events > 0 has a source");
        let parts: Vec<&str> = biggest.path.iter().map(String::as_str).collect();
        let pos = pos_at(tree, &parts);
        let path = user_path(&biggest.path);
        errors.add(
            pos,
            &path,
            format!(
                "a run would take about {events:.1e} events over the horizon ({}), above the limit of {} per run: make this less frequent, shorten the horizon, or raise --max-events",
                sc.horizon, limits.max_events
            ),
        );
    }
    // A pool the cluster autoscaler grows counts at its `max`: the pending pods are what
    // makes it add nodes.
    let nodes_at_most = |p: &super::NodePool| p.autoscaling.map_or(p.count, |a| a.max.max(p.count));
    let slots: u64 = sc
        .pools
        .iter()
        .map(|p| nodes_at_most(p) as u64 * p.max_pods as u64)
        .sum();
    let most_nodes: u64 = sc.pools.iter().map(|p| nodes_at_most(p) as u64).sum();
    let pods: u64 = sc.workloads.iter().map(|w| w.replicas as u64).sum();
    if pods > slots {
        let (i, _) = sc
            .workloads
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| w.replicas)
            .expect("pods > 0 means a workload");
        errors.add(
            pos_at(tree, &["workloads", &i.to_string(), "replicas"]),
            &format!("workloads[{i}].replicas"),
            format!(
                "{pods} pods in all, but the {}{} hold at most {slots} (capacity.pods): the rest would stay pending",
                sc.nodes.len(),
                if most_nodes > sc.nodes.len() as u64 {
                    format!(" nodes (up to {most_nodes} with the cluster autoscaler)")
                } else {
                    " nodes".to_string()
                }
            ),
        );
    }
    for (i, s) in sc.services.iter().enumerate() {
        // The table grows with the endpoints: an HPA may take the workload to its `max`.
        let wl = &sc.workloads[s.workload];
        let replicas = wl
            .autoscaling
            .as_ref()
            .map_or(wl.replicas, |a| a.hpa.max.max(wl.replicas)) as u64;
        let (entries, what) = match s.balancer {
            Balancer::RingHash { vnodes } => (
                vnodes as u64 * replicas,
                format!(
                    "{vnodes} vnodes × {replicas} replicas = {} ring entries",
                    vnodes as u64 * replicas
                ),
            ),
            Balancer::Maglev { table } => {
                (table as u64, format!("a Maglev table of {table} entries"))
            }
            _ => continue,
        };
        if entries > limits.max_table_entries {
            errors.add(
                pos_at(tree, &["services", &i.to_string(), "balancer"]),
                &format!("services[{i}].balancer"),
                format!(
                    "{what}, rebuilt on every endpoint change: at most {} (a fixed limit)",
                    limits.max_table_entries
                ),
            );
        }
    }
    events
}

/// `["traffic", "0", "arrivals"]` as users read paths: `traffic[0].arrivals`.
fn user_path(parts: &[String]) -> String {
    let mut out = String::new();
    for p in parts {
        if p.parse::<usize>().is_ok() {
            out.push_str(&format!("[{p}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(p);
        }
    }
    out
}

/// Checks what only the whole load knows: runs, events and timeseries rows over all variants.
pub fn check_total(
    variants: &[(&Scenario, f64)],
    root: &Node,
    limits: &Limits,
    errors: &mut Errors,
) {
    let runs: u64 = variants.iter().map(|(s, _)| s.runs as u64).sum();
    let n = match variants.len() {
        1 => String::new(),
        n => format!(" over {n} variants"),
    };
    if runs > limits.max_runs {
        errors.add(
            pos_at(root, &["runs"]),
            "runs",
            format!(
                "{runs} runs{n}, above the limit of {} in all (a fixed limit: each run's results are held in memory)",
                limits.max_runs
            ),
        );
    }
    let events: f64 = variants.iter().map(|(s, e)| s.runs as f64 * e).sum();
    if events > limits.max_total_events as f64 {
        errors.add(
            pos_at(root, &["runs"]),
            "runs",
            format!(
                "{runs} runs{n} would take about {events:.1e} events in all, above the limit of {:.1e}: lower runs, the horizon or the sweep, or raise --max-total-events",
                limits.max_total_events as f64
            ),
        );
    }
    let rows: f64 = variants
        .iter()
        .filter_map(|(s, _)| {
            let every = s.output.timeseries?;
            Some(s.horizon.as_secs_f64() / every.as_secs_f64() * s.services.len().max(1) as f64)
        })
        .sum();
    if rows > limits.max_timeseries_rows as f64 {
        errors.add(
            pos_at(root, &["output", "timeseries"]),
            "output.timeseries",
            format!(
                "timeseries.csv would have about {rows:.1e} rows, above the limit of {} (a fixed limit): sample less often",
                limits.max_timeseries_rows
            ),
        );
    }
}

/// `--jobs`: one thread each; a hundred thousand would exhaust memory before any work.
pub fn check_jobs(jobs: usize, limits: &Limits) -> Result<(), String> {
    if jobs == 0 || jobs > limits.max_jobs {
        return Err(format!(
            "--jobs {jobs}: expected between 1 and {} worker threads",
            limits.max_jobs
        ));
    }
    Ok(())
}

/// The sweep's size, checked before a single variant is built.
pub fn check_variants(
    count: Option<usize>,
    pos: Pos,
    limits: &Limits,
    errors: &mut Errors,
) -> bool {
    match count {
        Some(n) if n <= limits.max_variants => true,
        _ => {
            let shown = count.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
            errors.add(
                pos,
                "sweep",
                format!(
                    "{shown} combinations, above the limit of {} variants (a fixed limit): sweep fewer values or split the sweep into several files",
                    limits.max_variants
                ),
            );
            false
        }
    }
}
