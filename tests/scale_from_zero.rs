//! A pool may start empty (`count: 0`) when the cluster autoscaler grows it: its template
//! (capacity, zones, boot) answers the pending pods, as a real node group scaling from zero.

mod common;
use common::*;

#[test]
fn an_empty_pool_grows_from_its_template() {
    // No node at all at the start: the 4 pods (1 CPU each) are unschedulable at 0.1 s. The
    // first scan (10 s) fits them on template nodes of 2 CPUs: 2 nodes, w-0 and w-1, Ready at
    // 10 + 60 = 70 s; the pods, created at 0, bind at 70.1 s (scheduling delay after the
    // node is Ready): 4 × 70.1 = 280.4 pod-seconds pending.
    let sc = scenario(
        "
horizon: 10m
nodes: [{pool: w, count: 0, capacity: {cpu: 2}, boot: 60s, autoscaling: {min: 0, max: 5}}]
workloads: [{name: web, replicas: 4, resources: {cpu: 1}}]
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let added: Vec<(f64, &str)> = tr
        .iter()
        .filter_map(|(t, s)| Some((*t, s.strip_prefix("node-added ")?)))
        .collect();
    assert_eq!(added.len(), 2, "{}", dump(&tr));
    for (i, (t, s)) in added.iter().enumerate() {
        assert_close(*t, 10.0, "first scan");
        assert!(
            s.starts_with(&format!("w-{i} pool w, reason: 4 pending pods")),
            "{s}"
        );
    }
    let bound: Vec<f64> = tr
        .iter()
        .filter(|(_, s)| s.starts_with("bound web-"))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(bound.len(), 4);
    bound.iter().for_each(|&t| assert_close(t, 70.1, "bound"));
    let m = &out.metrics.workloads[0];
    assert_close(m.pending_pod_seconds, 4.0 * 70.1, "pending");
}

#[test]
fn an_empty_pool_beside_a_fixed_one_opens_its_zones_under_spread() {
    // `base` (1 node, zone `default`, 2 CPUs) takes 2 pods; the empty `burst` pool over
    // [a, b, c] adds nodes of 4 CPUs. Zone spread: the domains are the zones with nodes,
    // `default` at first (full), then each template zone the autoscaler opens: a takes 3
    // (skew 1 over default's 2), then b 3. Two nodes, 8 pods bound, skew at most 1.
    let sc = scenario(
        "
horizon: 30m
nodes:
  - {pool: base, count: 1, capacity: {cpu: 2}}
  - {pool: burst, count: 0, zones: [a, b, c], capacity: {cpu: 4}, boot: 60s, autoscaling: {min: 0, max: 6}}
workloads: [{name: web, replicas: 8, resources: {cpu: 1}, spread: zones}]
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let mut per_node = std::collections::BTreeMap::new();
    for (_, s) in &tr {
        if let Some(rest) = s.strip_prefix("bound ") {
            *per_node
                .entry(rest.split(' ').nth(1).unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    let per_node: Vec<(String, i32)> = per_node.into_iter().collect();
    assert_eq!(
        per_node,
        [
            ("base-0".to_string(), 2),
            ("burst-0".to_string(), 3),
            ("burst-1".to_string(), 3)
        ],
        "{}",
        dump(&tr)
    );
}

#[test]
fn pods_blocked_by_an_emptied_zone_bind_when_its_last_node_is_deleted() {
    // `w-0` (zone c) is too small for a web pod, yet c is a spread domain while it has a
    // node: a and b may hold 1 pod each (skew 1 over c's 0) and 4 pods wait. Nothing can help
    // them (w's template is too small), so the autoscaler removes the idle w-0 at 10 s +
    // unneeded_time 10m = 610 s. Zone c is then no domain, and the Node Delete event moves
    // the unschedulable pods back to the scheduler (PodTopologySpread registers for it): the
    // 4 bind at 610.1 s (they waited for a rollout at 40 min before).
    let sc = scenario(
        "
horizon: 1h
nodes:
  - {pool: f, count: 2, zones: [a, b], capacity: {cpu: 4}}
  - {pool: w, count: 1, zones: [c], capacity: {cpu: 500m}, autoscaling: {min: 0, max: 2}}
workloads: [{name: web, replicas: 6, resources: {cpu: 1}, spread: zones}]
faults: [{at: 40m, rollout: web}]
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    assert_close(at(&tr, "node-removed w-0", 0.0), 610.0, "removed");
    let late: Vec<f64> = tr
        .iter()
        .filter(|(t, s)| *t > 1.0 && *t < 2400.0 && s.starts_with("bound web-"))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(late.len(), 4, "{}", dump(&tr));
    late.iter().for_each(|&t| assert_close(t, 610.1, "bound"));
}

#[test]
fn a_node_fault_on_a_node_the_autoscaler_removed_is_a_missed_fault() {
    // w-0, w-1 and w-2 (an autoscaled pool, min 0) are idle or emptied and removed within
    // the first 4 minutes; the faults on them later have no node to act on: each is a
    // `fault-missed` (counted), not a silent no-op, and a drain's `for` does not uncordon
    // a deleted node.
    let sc = scenario(
        "
horizon: 2h
nodes:
  - {pool: f, count: 1, capacity: {cpu: 4}}
  - {pool: w, count: 3, capacity: {cpu: 4}, autoscaling: {min: 0, max: 3}}
cluster_autoscaler: {unneeded_time: 1m}
workloads: [{name: web, replicas: 2, resources: {cpu: 1}}]
faults:
  - {at: 30m, drain_node: w-0, for: 5m}
  - {at: 40m, partition_node: w-1, for: 5m}
  - {at: 50m, kill_node: w-2, for: 5m}
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    for (t, text) in [
        (
            1800.0,
            "fault-missed w-0 drain_node: node removed by the cluster autoscaler",
        ),
        (
            2400.0,
            "fault-missed w-1 partition_node: node removed by the cluster autoscaler",
        ),
        (
            3000.0,
            "fault-missed w-2 kill_node: node removed by the cluster autoscaler",
        ),
    ] {
        assert_close(at(&tr, text, 0.0), t, text);
    }
    assert_eq!(out.metrics.faults_missed, 3);
    assert!(
        !tr.iter()
            .any(|(_, s)| s.starts_with("uncordoned") || s.starts_with("node-partitioned")),
        "{}",
        dump(&tr)
    );
}

#[test]
fn an_old_revision_pod_deleted_as_it_starts_leaves_no_stale_probe_work() {
    // web-0 (a StatefulSet of 1) waits for the empty pool's first node; the rollout at 30 s
    // changes the revision meanwhile. At 70.1 s it binds, its container starts and is Ready
    // at once (no readiness probe), so the update deletes it in the same instant and, with
    // nothing to drain, it is removed. Its liveness activation and serving refresh must not
    // touch the freed slot (an oracle build panicked: "stale pod id"); the new revision's
    // web-0 binds at 70.2 s.
    let sc = scenario(
        "
horizon: 10m
nodes: [{pool: w, count: 0, capacity: {cpu: 1}, boot: 60s, autoscaling: {min: 0, max: 6}}]
workloads: [{name: web, kind: StatefulSet, replicas: 1, resources: {cpu: 1}}]
faults: [{at: 30s, rollout: web}]
",
    );
    let tr = lines(&run_traced(&sc, 1));
    assert_close(at(&tr, "removed web-0", 0.0), 70.1, "old revision removed");
    assert_close(
        at(&tr, "bound web-0 w-0", 70.15),
        70.2,
        "new revision bound",
    );
}
