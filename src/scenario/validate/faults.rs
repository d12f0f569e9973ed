//! Validation of what happens to the cluster and what is reported: scripted faults (their
//! targets resolved and checked against replicas, their `at` against the horizon, a recurring
//! `every`'s mean), the SLO and outputs.

use super::super::reader::{Fields, Reader, join};
use super::super::shape::{DURATION, POSITIVE, Shape, Table, opt};
use super::super::yaml::Node;
use super::super::*;
use super::{NOT_YET, WorkloadRefs, items};
use crate::dist::Dist;
use crate::time::SimDuration;

const ACTIONS: [&str; 7] = [
    "kill_node",
    "zone_outage",
    "drain_node",
    "kill_pod",
    "hang_pod",
    "rollout",
    "partition_node",
];

/// A scripted fault: when (`at` or `every`), for how long, and one action with its target (a
/// node, zone, pod or workload name, checked against the scenario).
pub(super) static FAULT: Table = Table {
    name: "FAULT",
    fields: &[
        opt("at", DURATION),
        opt("every", Shape::Dist),
        opt("for", POSITIVE),
        opt(ACTIONS[0], Shape::String),
        opt(ACTIONS[1], Shape::String),
        opt(ACTIONS[2], Shape::String),
        opt(ACTIONS[3], Shape::String),
        opt(ACTIONS[4], Shape::String),
        opt(ACTIONS[5], Shape::String),
        opt(ACTIONS[6], Shape::String),
    ],
    exactly_one: &[&["at", "every"], &ACTIONS],
};

pub(super) static SLO: Table = Table {
    name: "SLO",
    fields: &[
        opt(
            "min_ready",
            Shape::Int {
                min: 1,
                max: 100_000,
            },
        ),
        opt("availability", Shape::Percent),
        opt("latency_p99", POSITIVE),
    ],
    exactly_one: &[],
};

pub(super) static OUTPUT: Table = Table {
    name: "OUTPUT",
    fields: &[
        opt("timeseries", POSITIVE),
        opt("events", Shape::Bool),
        opt(
            "plots",
            Shape::List(&Shape::Enum(&crate::report::plots::KINDS)),
        ),
    ],
    exactly_one: &[],
};

/// `web-3` → (workload index, 3).
fn pod_ref(r: &mut Reader, n: &Node, path: &str, refs: &WorkloadRefs) -> Option<(usize, u32)> {
    let s = r.string(n, path)?;
    let found = s
        .rsplit_once('-')
        .and_then(|(w, i)| Some((refs.find(w).ok()?, i.parse::<u32>().ok()?)));
    match found {
        Some((Some(w), ordinal)) if ordinal >= refs.valid[w].replicas => {
            let wl = &refs.valid[w];
            let have = match wl.replicas {
                0 => "no pods".to_string(),
                1 => format!("one pod, `{}-0`", wl.name),
                n => format!("{n} pods, `{0}-0` to `{0}-{1}`", wl.name, n - 1),
            };
            r.error(
                n.pos,
                path,
                format!("no pod `{s}`: workload `{}` has {have}", wl.name),
            );
            None
        }
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

/// Why a fault's node name matches no node. A name in an autoscaled pool beyond its
/// `count` is a node the cluster autoscaler may add later, which a fault cannot name.
fn unknown_node(name: &str, pools: &[NodePool]) -> String {
    let grown = name.rsplit_once('-').and_then(|(pool, i)| {
        let p = pools
            .iter()
            .find(|p| p.name == pool && p.autoscaling.is_some())?;
        i.parse::<u32>().ok().filter(|&i| i >= p.count).map(|_| p)
    });
    match grown {
        Some(p) => format!(
            "no node named `{name}`: pool `{}` starts with {} node{}, and faults name only the nodes a pool starts with (not those the cluster autoscaler adds)",
            p.name,
            p.count,
            if p.count == 1 { "" } else { "s" }
        ),
        None => format!("no node named `{name}` (nodes are `<pool>-<index>`)"),
    }
}

pub(super) fn faults(
    r: &mut Reader,
    node: &Node,
    (pools, nodes): (&[NodePool], &[NodeSpec]),
    zones: &[String],
    workloads: &WorkloadRefs,
    horizon: Option<SimDuration>,
) -> Vec<Fault> {
    let mut out = Vec::new();
    for (path, n) in items(r, node, "faults") {
        let Some(f) = r.fields(n, &path, &FAULT) else {
            continue;
        };
        let when = fault_time(r, &f, horizon);
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
        // `any` (a random target per occurrence) exists for zones only; a workload may be
        // named `any`, so `rollout: any` is that workload.
        let any_misused = kind != "zone_outage"
            && an.scalar() == Some("any")
            && !(kind == "rollout" && workloads.find("any").is_ok());
        if any_misused {
            r.error(
                an.pos,
                &ap,
                format!("`any` (a target drawn at random) is only for zone_outage; {kind} needs a named target"),
            );
        }
        let node_ref = |r: &mut Reader| {
            let s = r.string(an, &ap)?;
            let found = nodes.iter().position(|x| x.name == s);
            if found.is_none() {
                r.error(an.pos, &ap, unknown_node(&s, pools));
            }
            found
        };
        let action = match kind {
            _ if any_misused => None,
            "kill_node" => node_ref(r).map(|node| FaultAction::KillNode { node, duration }),
            "partition_node" => {
                node_ref(r).map(|node| FaultAction::PartitionNode { node, duration })
            }
            "drain_node" => node_ref(r).map(|node| FaultAction::DrainNode { node, duration }),
            "zone_outage" => r.string(an, &ap).and_then(|z| {
                let found = zones.iter().position(|x| *x == z);
                match (z.as_str(), found) {
                    ("any", Some(_)) => {
                        r.error(
                            an.pos,
                            &ap,
                            "`any` is ambiguous here: a zone is named `any` (rename that zone)",
                        );
                        None
                    }
                    ("any", None) if zones.is_empty() => {
                        r.error(an.pos, &ap, "no zones to draw from");
                        None
                    }
                    ("any", None) => Some(FaultAction::ZoneOutage {
                        zone: None,
                        duration,
                    }),
                    (_, None) => {
                        r.error(an.pos, &ap, format!("no zone named `{z}`"));
                        None
                    }
                    (_, zone) => Some(FaultAction::ZoneOutage { zone, duration }),
                }
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
            "rollout" => r.string(an, &ap).and_then(|s| match workloads.find(&s) {
                Ok(found) => found.map(|workload| FaultAction::Rollout { workload }),
                Err(()) => {
                    r.error(an.pos, &ap, format!("no workload named `{s}`"));
                    None
                }
            }),
            other => {
                r.error(an.pos, &ap, format!("`{other}` {NOT_YET}"));
                None
            }
        };
        if matches!(kind, "kill_pod" | "rollout")
            && let Some(fnode) = f.get("for")
        {
            r.error(
                fnode.pos,
                &f.at("for"),
                if kind == "kill_pod" {
                    "`for` does not apply to kill_pod (the container restarts by itself)"
                } else {
                    "`for` does not apply to rollout (it runs until it completes)"
                },
            );
        }
        if let (Some(when), Some(action)) = (when, action) {
            out.push(Fault { when, action });
        }
    }
    out
}

/// `at` (once, before the horizon) or `every` (a distribution with a positive mean):
/// exactly one of them.
fn fault_time(r: &mut Reader, f: &Fields, horizon: Option<SimDuration>) -> Option<FaultTime> {
    match (f.get("at"), f.get("every")) {
        (Some(an), None) => {
            let at = r.duration(an, &f.at("at"))?;
            if let Some(h) = horizon
                && at >= h
            {
                r.error(
                    an.pos,
                    &f.at("at"),
                    format!("{at} is not before the horizon ({h}): the fault would never happen"),
                );
            }
            Some(FaultTime::At(at))
        }
        (None, Some(en)) => {
            let p = f.at("every");
            let every = r.dist(en, &p)?;
            match every {
                Dist::Constant(d) if d == SimDuration::ZERO => {
                    r.error(en.pos, &p, "must be greater than zero");
                    return None;
                }
                Dist::Constant(d) if horizon.is_some_and(|h| d >= h) => {
                    let h = horizon.expect("checked");
                    r.error(
                        en.pos,
                        &p,
                        format!("{d} is not shorter than the horizon ({h}): the fault would never happen"),
                    );
                    return None;
                }
                _ if every.mean_s() <= 0.0 => {
                    r.error(
                        en.pos,
                        &p,
                        "the mean must be greater than zero: the fault would repeat forever at one instant",
                    );
                    return None;
                }
                _ => {}
            }
            Some(FaultTime::Every(every))
        }
        (at, every) => {
            let found = if at.is_some() && every.is_some() {
                "both"
            } else {
                "neither"
            };
            r.error(
                f.node.pos,
                &f.path,
                format!(
                    "a fault has exactly one of `at` (once) or `every` (recurring) (found {found})"
                ),
            );
            None
        }
    }
}

pub(super) fn slo(r: &mut Reader, node: Option<&Node>) -> Option<Slo> {
    let Some(node) = node else {
        return Some(Slo {
            min_ready: 1,
            availability: None,
            latency_p99: None,
        });
    };
    let f = r.fields(node, "slo", &SLO)?;
    // Judged on the client-observed p99 (`slo_latency_met`).
    let latency_p99 = f
        .get("latency_p99")
        .map(|n| r.positive_duration(n, "slo.latency_p99"));
    let min_ready = f
        .get("min_ready")
        .map_or(Some(1), |n| r.int(n, &join("slo", "min_ready"), 1, 100_000));
    let availability = f
        .get("availability")
        .map(|n| r.percent(n, "slo.availability"));
    Some(Slo {
        min_ready: min_ready? as u32,
        availability: match availability {
            Some(None) => return None,
            Some(x) => x,
            None => None,
        },
        latency_p99: match latency_p99 {
            Some(None) => return None,
            Some(x) => x,
            None => None,
        },
    })
}

pub(super) fn output(r: &mut Reader, node: Option<&Node>) -> Option<Output> {
    let Some(node) = node else {
        return Some(Output::default());
    };
    let f = r.fields(node, "output", &OUTPUT)?;
    let timeseries = match f.get("timeseries") {
        None => Some(None),
        Some(n) => r.positive_duration(n, "output.timeseries").map(Some),
    };
    r.expect(&f.at("events"), "a boolean", &|s| matches!(s, Shape::Bool));
    let events = match f.get("events") {
        None => Some(false),
        Some(n) if r.quoted(n, "output.events", "`true` or `false`") => None,
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
            r.expect_words(&p, &crate::report::plots::KINDS);
            match item.scalar() {
                Some(k) if crate::report::plots::KINDS.contains(&k) => plots.push(k.to_string()),
                _ => {
                    r.error(
                        item.pos,
                        &p,
                        format!(
                            "expected one of: {}",
                            crate::report::plots::KINDS.join(", ")
                        ),
                    );
                    plots_ok = false;
                }
            }
        }
    }
    if plots
        .iter()
        .any(|p| ["timeline", "replicas", "success"].contains(&p.as_str()))
        && timeseries == Some(None)
    {
        let pos = f.get("plots").map_or(node.pos, |n| n.pos);
        r.error(
            pos,
            "output.plots",
            "`timeline`, `replicas` and `success` plots need `output.timeseries` (e.g. `timeseries: 1m`)",
        );
        plots_ok = false;
    }
    Some(Output {
        timeseries: timeseries?,
        events: events?,
        plots: plots_ok.then_some(plots)?,
    })
}
