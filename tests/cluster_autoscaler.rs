//! The cluster autoscaler: worked examples with constant boot and start times (scale-up of
//! exactly the nodes the pending pods need, scale-down after `unneeded_time` and not below
//! `min`, PodDisruptionBudgets, `delay_after_add`, `max_node_provision_time`), determinism,
//! and nothing at all without pool autoscaling.

mod common;
use common::*;

/// Names of trace lines of `kind` (`node-added`, …), with their times.
fn of_kind(tr: &[(f64, String)], kind: &str) -> Vec<(f64, String)> {
    let prefix = format!("{kind} ");
    tr.iter()
        .filter(|(_, s)| s.starts_with(&prefix))
        .map(|(t, s)| (*t, s[prefix.len()..].to_string()))
        .collect()
}

/// Pool w: 3 nodes of 5 CPU, up to 10; web: 30 pods of 1 CPU (15 fit).
fn scale_up_yaml(extra: &str) -> String {
    format!(
        "
horizon: 10m
nodes: [{{pool: w, count: 3, capacity: {{cpu: 5}}, boot: 60s, autoscaling: {{min: 3, max: 10}}}}]
workloads:
  - {{name: web, replicas: 30, start: 5s, resources: {{cpu: 1}}}}
slo: {{min_ready: 1}}
{extra}
"
    )
}

#[test]
fn thirty_pods_on_fifteen_cpus_add_exactly_three_nodes_after_boot() {
    // t = 0.1 (scheduling delay): 15 pods bind (3 nodes × 5 CPU), 15 are unschedulable.
    // The first scan at 10 s: 15 pods ÷ 5 per template node = 3 nodes, w-3..w-5 (max 10,
    // room 7). Ready at 10 + 60 = 70; the 15 pods are retried and bind at 70.1, listen at
    // 75.1 (start 5 s). Scans at 20…60 see them covered by the booting nodes: no more.
    let sc = scenario(&scale_up_yaml(""));
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let added = of_kind(&tr, "node-added");
    let names: Vec<&str> = added
        .iter()
        .map(|(_, s)| s.split(' ').next().unwrap())
        .collect();
    assert_eq!(names, ["w-3", "w-4", "w-5"], "{}", dump(&tr));
    for (t, s) in &added {
        assert_close(*t, 10.0, "scale-up at the first scan");
        assert!(s.ends_with("pool w, reason: 15 pending pods"), "{s}");
    }
    for n in ["w-3", "w-4", "w-5"] {
        assert_close(
            at(&tr, &format!("node-ready {n}"), 0.0),
            70.0,
            "Ready after boot",
        );
    }
    let bound_new = tr
        .iter()
        .filter(|(_, s)| {
            s.starts_with("bound ")
                && (s.ends_with(" w-3") || s.ends_with(" w-4") || s.ends_with(" w-5"))
        })
        .map(|(t, _)| *t)
        .collect::<Vec<_>>();
    assert_eq!(bound_new.len(), 15);
    bound_new
        .iter()
        .for_each(|&t| assert_close(t, 70.1, "bound"));
    let listening: Vec<f64> = tr
        .iter()
        .filter(|(_, s)| s.starts_with("listening "))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        listening
            .iter()
            .filter(|&&t| (t - 75.1).abs() < 1e-6)
            .count(),
        15
    );
    let m = &out.metrics;
    assert_eq!((m.nodes_added, m.nodes_removed), (3, 0));
    // 30 pods pending 0.1 s each + 15 pods pending a further 70 s: 3 + 1050.
    assert_close(
        m.workloads[0].pending_pod_seconds,
        1053.0,
        "pending pod-seconds",
    );
    // 3 nodes × 600 s + 3 nodes × (600 − 10) s (billed from the request).
    assert_close(m.node_seconds, 3570.0, "node-seconds");
    assert!(of_kind(&tr, "node-removed").is_empty(), "full nodes stay");
}

#[test]
fn a_node_not_ready_by_max_provision_time_fails_and_the_pool_backs_off() {
    // boot 20 m > 15 m: the request at 10 s fails at 10 + 900 = 910; the pool backs off
    // 5 min, so the next request is at the first scan at or after 1210 s (scans at 10 k).
    let sc = scenario(
        &scale_up_yaml("")
            .replace("boot: 60s", "boot: 20m")
            .replace("horizon: 10m", "horizon: 25m"),
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let failed = of_kind(&tr, "scale-up-failed");
    assert_eq!(failed.len(), 3, "{}", dump(&tr));
    failed
        .iter()
        .for_each(|(t, _)| assert_close(*t, 910.0, "failed"));
    let added: Vec<f64> = of_kind(&tr, "node-added").iter().map(|x| x.0).collect();
    assert_eq!(added, [10.0, 10.0, 10.0, 1210.0, 1210.0, 1210.0]);
    assert!(of_kind(&tr, "node-ready").is_empty());
    // w-3..w-5 failed; the retry continues the numbering.
    assert!(of_kind(&tr, "node-added")[3].1.starts_with("w-6 "));
}

/// Pool w: 6 nodes of 4 CPU (min 3); web: 4 pods of 1 CPU, one per node on w-0..w-3.
fn scale_down_yaml(pdb: &str) -> String {
    format!(
        "
horizon: 10m
nodes: [{{pool: w, count: 6, capacity: {{cpu: 4}}, autoscaling: {{min: 3, max: 6}}}}]
cluster_autoscaler: {{unneeded_time: 1m}}
workloads:
  - {{name: web, replicas: 4, start: 5s, shutdown: 0s, resources: {{cpu: 1}}{pdb}}}
slo: {{min_ready: 1}}
"
    )
}

#[test]
fn underused_nodes_go_one_per_scan_after_unneeded_time_and_not_below_min() {
    // Scan at 10 s, nodes in order: w-0..w-3 hold one pod each (25 % < 50 %) and each pod
    // fits elsewhere (on w-4, the emptiest node not itself unneeded, which so becomes
    // needed); w-5 is empty. Unneeded since 10: w-0, w-1, w-2, w-3, w-5.
    // At 10 + 60 = 70 the longest unneeded (then lowest) node, w-0, is drained: its pod's
    // SIGTERM ends it at once (shutdown 0 s) and the empty node is deleted at 70; the
    // replacement binds to w-4 (fewest web pods, then lowest). Scan 80: w-1, w-2, w-3
    // still unneeded (their pods would go to w-5), w-4 now too (since 80: its pod fits on
    // w-5 as well), w-5 receives them all; w-1 is removed, its replacement binds to w-5.
    // Scan 90: w-2 is removed; its replacement goes to w-3 (all three at one web pod, least
    // allocated, lowest). Now the pool is at min 3: w-3 (2 pods, 50 %, not below) stays,
    // and so does w-4 although unneeded since 80.
    let sc = scenario(&scale_down_yaml(""));
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let removed = of_kind(&tr, "node-removed");
    let got: Vec<(f64, &str)> = removed.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(
        got,
        [(70.0, "w-0"), (80.0, "w-1"), (90.0, "w-2")],
        "{}",
        dump(&tr)
    );
    // Never before unneeded_time: each removal is ≥ 60 s after its node's last unneeded mark.
    for (t, name) in &removed {
        let since = of_kind(&tr, "node-unneeded")
            .into_iter()
            .filter(|(u, s)| s == name && u <= t)
            .map(|(u, _)| u)
            .fold(f64::NAN, f64::max);
        assert!(
            t - since >= 60.0 - 1e-9,
            "{name} removed at {t}, unneeded at {since}"
        );
    }
    assert!(
        of_kind(&tr, "node-unneeded").contains(&(80.0, "w-4".to_string())),
        "{}",
        dump(&tr)
    );
    assert_eq!(out.metrics.nodes_removed, 3);
    // 3 nodes for 600 s, and the removed ones until 70, 80 and 90.
    assert_close(out.metrics.node_seconds, 1800.0 + 240.0, "node-seconds");
    assert_eq!(out.metrics.workloads[0].evictions, 3);
}

#[test]
fn a_budget_that_allows_no_disruption_keeps_the_nodes_with_pods() {
    // min_available 4 = replicas: no pod of web may be evicted, so w-0..w-3 are never
    // unneeded; the empty w-4 and w-5 are (since 10) and go at 70 and 80. No eviction.
    let sc = scenario(&scale_down_yaml(", pdb: {min_available: 4}"));
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let removed: Vec<(f64, String)> = of_kind(&tr, "node-removed");
    assert_eq!(
        removed,
        [(70.0, "w-4".to_string()), (80.0, "w-5".to_string())],
        "{}",
        dump(&tr)
    );
    assert!(of_kind(&tr, "evicted").is_empty());
    assert_eq!(out.metrics.workloads[0].evictions, 0);
}

/// Pool small: 2 nodes of 2 CPU (min 0), pool large: 1 node of 4 CPU (up to 3); big: two
/// pods of 3 CPU, which fit only on large nodes.
fn delay_yaml(delay: &str) -> String {
    format!(
        "
horizon: 15m
nodes:
  - {{pool: small, count: 2, capacity: {{cpu: 2}}, autoscaling: {{min: 0, max: 2}}}}
  - {{pool: large, count: 1, capacity: {{cpu: 4}}, boot: 60s, autoscaling: {{min: 1, max: 3}}}}
cluster_autoscaler: {{unneeded_time: 1m, delay_after_add: {delay}}}
workloads:
  - {{name: big, replicas: 2, start: 5s, resources: {{cpu: 3}}}}
slo: {{min_ready: 1}}
"
    )
}

#[test]
fn no_scale_down_within_delay_after_add_of_a_scale_up() {
    // big-0 binds to large-0 at 0.1; big-1 fits nowhere. Scan 10: a small template (2 CPU)
    // cannot take it, a large one can: large-1 is requested (last scale-up 10), and that
    // loop does no scale-down. Scan 20: the empty small nodes are unneeded since 20.
    // large-1 registers at 70 just before that scan and big-1 binds to it at 70.1: empty
    // for one scan, it is marked unneeded at 70 and needed again at 80.
    // delay 0: removed at 20 + 60 = 80 and, one per scan, 90.
    // delay 10m: not before 10 + 600 = 610, then 620.
    for (delay, want) in [("0s", [80.0, 90.0]), ("10m", [610.0, 620.0])] {
        let sc = scenario(&delay_yaml(delay));
        let out = run_traced(&sc, 3);
        let tr = lines(&out);
        let added = of_kind(&tr, "node-added");
        assert_eq!(added.len(), 1, "{}", dump(&tr));
        assert_close(added[0].0, 10.0, "scale-up");
        assert!(
            added[0].1.starts_with("large-1 pool large"),
            "{}",
            added[0].1
        );
        let unneeded: Vec<(f64, String)> = of_kind(&tr, "node-unneeded");
        assert_eq!(
            unneeded,
            [
                (20.0, "small-0".to_string()),
                (20.0, "small-1".to_string()),
                (70.0, "large-1".to_string())
            ]
        );
        let removed: Vec<f64> = of_kind(&tr, "node-removed").iter().map(|x| x.0).collect();
        assert_eq!(removed, want, "delay {delay}:\n{}", dump(&tr));
    }
}

#[test]
fn least_waste_picks_the_pool_with_the_least_idle_share() {
    // One pending pod of 3 CPU after the initial node fills: an 8 CPU template would idle
    // 5/8, a 4 CPU template 1/4 (memory is idle on both alike): least_waste takes `fit`.
    let sc = scenario(
        "
horizon: 5m
nodes:
  - {pool: huge, count: 1, capacity: {cpu: 8}, boot: 30s, autoscaling: {min: 1, max: 3}}
  - {pool: fit, count: 1, capacity: {cpu: 4}, boot: 30s, autoscaling: {min: 1, max: 3}}
cluster_autoscaler: {expander: least_waste}
workloads:
  - {name: big, replicas: 4, start: 5s, resources: {cpu: 3}}
slo: {min_ready: 1}
",
    );
    // huge-0 takes two pods (6 of 8 CPU), fit-0 one: one pending.
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let added = of_kind(&tr, "node-added");
    assert_eq!(added.len(), 1, "{}", dump(&tr));
    assert!(added[0].1.starts_with("fit-1 pool fit"), "{}", added[0].1);
}

#[test]
fn zone_spread_chooses_the_zone_that_makes_the_placement_legal() {
    // Zones a, b: w-0 in a, w-1 in b; pods of 2 CPU fill a node each, spread: zones. Five
    // pods: 2 bind (one per zone), 3 pend. The templates go a, b, a (round-robin from
    // count 2 % 2 = a), each one the zone that keeps the skew ≤ 1 for its pod.
    let sc = scenario(
        "
horizon: 5m
nodes:
  - {pool: w, count: 2, zones: [a, b], capacity: {cpu: 2}, boot: 30s, autoscaling: {min: 2, max: 10}}
workloads:
  - {name: web, replicas: 5, start: 5s, spread: zones, resources: {cpu: 2}}
slo: {min_ready: 1}
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let added: Vec<String> = of_kind(&tr, "node-added")
        .into_iter()
        .map(|(_, s)| s.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(added, ["w-2", "w-3", "w-4"], "{}", dump(&tr));
    // Every pod bound by the end: 3 new nodes, Ready at 40, bound at 40.1.
    let bound = tr.iter().filter(|(_, s)| s.starts_with("bound ")).count();
    assert_eq!(bound, 5, "{}", dump(&tr));
}

#[test]
fn same_seed_same_trace_with_random_expander_and_random_boot() {
    let yaml = "
horizon: 30m
nodes:
  - {pool: a, count: 2, capacity: {cpu: 4}, boot: {lognormal: {median: 90s, sigma: 0.3}}, autoscaling: {min: 1, max: 8}}
  - {pool: b, count: 1, capacity: {cpu: 4}, boot: {lognormal: {median: 90s, sigma: 0.3}}, autoscaling: {min: 1, max: 8}}
cluster_autoscaler: {unneeded_time: 2m, delay_after_add: 1m}
workloads:
  - {name: web, replicas: 30, start: 5s, resources: {cpu: 1}, failures: {crash: {exponential: 5m}}}
slo: {min_ready: 1}
";
    let sc = scenario(yaml);
    let a = run_traced(&sc, 7);
    let b = run_traced(&sc, 7);
    assert_eq!(a.trace, b.trace);
    assert_eq!(a.metrics, b.metrics);
    assert!(a.metrics.nodes_added > 0);
}

#[test]
fn without_pool_autoscaling_nothing_scans_or_changes() {
    // The same cluster without `autoscaling`: pods stay pending, no autoscaler event at all.
    let sc = scenario(&scale_up_yaml("").replace(", autoscaling: {min: 3, max: 10}", ""));
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    for kind in ["node-added", "node-ready", "node-unneeded", "node-removed"] {
        assert!(of_kind(&tr, kind).is_empty(), "{kind}");
    }
    assert_eq!((out.metrics.nodes_added, out.metrics.nodes_removed), (0, 0));
    // 15 pods pending the whole run after their 0.1 s: 30 × 0.1 + 15 × 599.9.
    assert_close(
        out.metrics.workloads[0].pending_pod_seconds,
        3.0 + 15.0 * 599.9,
        "pending",
    );
    assert_close(out.metrics.node_seconds, 1800.0, "node-seconds");
}

#[test]
fn a_drain_whose_pods_outlive_max_graceful_termination_deletes_the_node_at_600_s() {
    // As the scale-down example, but each pod takes 15 min to shut down after SIGTERM
    // (grace 20 min): w-0 is cordoned and drained at 70, its pod still terminating at
    // 70 + 600 = 670, when the node is deleted anyway (with the pod). One drain at a time:
    // nothing else is cordoned before then. The deletion (due since 70) runs before the
    // scan of the same instant, which drains w-1 (unneeded since 10) at 670.
    let sc = scenario(
        &scale_down_yaml("")
            .replace("shutdown: 0s", "shutdown: 15m, termination_grace: 20m")
            .replace("horizon: 10m", "horizon: 15m"),
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let cordoned: Vec<(f64, String)> = of_kind(&tr, "cordoned");
    assert_eq!(
        cordoned[..2],
        [(70.0, "w-0".to_string()), (670.0, "w-1".to_string())],
        "{}",
        dump(&tr)
    );
    let removed = of_kind(&tr, "node-removed");
    assert_eq!(removed[0], (670.0, "w-0".to_string()), "{}", dump(&tr));
    // The terminating pod went with its node: removed at 670, before its 15 min drain.
    assert_close(
        at(&tr, "removed web-0", 0.0),
        670.0,
        "pod gone with the node",
    );
}

#[test]
fn a_drain_fault_during_a_scale_down_does_not_stall_the_autoscaler() {
    // The autoscaler drains w-0 at 70 s (web-1 terminates for 5 min). A `drain_node: w-0`
    // fault at 100 s for 30 s used to bump the node's drain generation, cancelling the
    // scale-down's deadline, and uncordon w-0 at 130 s; the rollout at 150 s then put web-3 on
    // it, so it never emptied and the autoscaler, still 'deleting' it, scaled nothing down
    // for the rest of the run. Now the uncordon leaves a node being deleted alone (the
    // ToBeDeletedByClusterAutoscaler taint outlives it): w-0 goes once web-1 is gone (370 s),
    // then w-1 is scaled down in turn.
    let sc = scenario(
        "
horizon: 2h
nodes:
  - {pool: f, count: 1, capacity: {cpu: 4}}
  - {pool: w, count: 2, capacity: {cpu: 4}, autoscaling: {min: 0, max: 3}}
cluster_autoscaler: {unneeded_time: 1m, delay_after_add: 1m}
workloads:
  - {name: web, replicas: 2, resources: {cpu: 1}, shutdown: 5m, termination_grace: 10m,
     rollout: {max_surge: 100%, max_unavailable: 0}}
faults:
  - {at: 100s, drain_node: w-0, for: 30s}
  - {at: 150s, rollout: web}
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    assert!(
        !tr.iter().any(|(_, s)| s == "uncordoned w-0"),
        "{}",
        dump(&tr)
    );
    assert_close(
        at(&tr, "node-removed w-0", 0.0),
        370.0,
        "w-0 deleted once empty",
    );
    assert_close(at(&tr, "node-removed w-1", 0.0), 820.0, "then w-1");
    assert_eq!(out.metrics.nodes_removed, 2);
}
