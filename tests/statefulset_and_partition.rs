//! Kubernetes semantics that differ by workload kind and failure kind: StatefulSet pods are
//! never replaced while their node is unreachable; a partitioned node's pods keep serving
//! until endpoints drop them, are replaced after the toleration, and die when it heals.

mod common;
use common::*;

#[test]
fn statefulset_pod_waits_for_its_node() {
    let out = run_traced(
        &scenario(
            "
horizon: 2h
nodes: [{pool: w, count: 2}]
workloads:
  - name: db
    kind: StatefulSet
    replicas: 1
    start: 2s
faults:
  - {at: 10m, kill_node: w-0, for: 30m}
",
        ),
        1,
    );
    let tr = lines(&out);
    at(&tr, "bound db-0 w-0", 0.0);
    let evict = at(&tr, "taint-eviction w-0", 600.0);
    assert!(evict < 600.0 + 360.0);
    // Deleted at eviction, but the pod object stays until the kubelet confirms: no second db-0.
    assert_close(at(&tr, "deleted db-0", 600.0), evict, "deleted at eviction");
    assert!(
        !tr.iter()
            .any(|(t, s)| *t < 2400.0 && *t > 600.0 && s == "created db-0"),
        "{}",
        dump(&tr)
    );
    // Node back at 40 min: the old pod is removed, and db-0 is recreated with its ordinal.
    assert_close(
        at(&tr, "removed db-0", 600.0),
        2400.0,
        "old pod gone when the node returns",
    );
    assert_close(at(&tr, "created db-0", 600.0), 2400.0, "recreated at once");
    let serving = at(&tr, "serving db-0 on", 2400.0);
    // 100 ms scheduling + 2 s start (no readiness probe: Ready at container start) + 1 s endpoints.
    assert_close(serving, 2400.0 + 0.1 + 2.0, "serving again");
    // Down from the failure until then: 30 min plus 2.1 s.
    let down_after_startup = out.metrics.workloads[0].downtime_s - at(&tr, "serving db-0 on", 0.0);
    assert_close(down_after_startup, 1800.0 + 2.1, "downtime");
}

#[test]
fn deployment_pod_on_partitioned_node() {
    let out = run_traced(
        &scenario(
            "
horizon: 2h
nodes: [{pool: w, count: 2}]
workloads:
  - name: web
    replicas: 1
    start: 2s
faults:
  - {at: 10m, partition_node: w-0, for: 20m}
",
        ),
        4,
    );
    let tr = lines(&out);
    at(&tr, "bound web-0 w-0", 0.0);
    // Alive but unreachable: still serving until the controller notices and endpoints update.
    let detect = at(&tr, "node-not-ready w-0", 600.0);
    assert!(detect > 640.0 && detect <= 655.0);
    assert_close(
        at(&tr, "serving web-0 off", 600.0),
        detect + 1.0,
        "serves until endpoints drop it",
    );
    // Replaced after the toleration like any Deployment pod.
    let evict = at(&tr, "taint-eviction w-0", 600.0);
    assert_close(at(&tr, "created web-1", 600.0), evict, "replacement");
    at(&tr, "bound web-1 w-1", evict);
    // The old pod keeps running behind the partition until it heals at 30 min, then the
    // kubelet learns of the deletion and kills it.
    assert!(!tr.iter().any(|(t, s)| *t < 1800.0 && s == "removed web-0"));
    assert_close(
        at(&tr, "removed web-0", 600.0),
        1800.0,
        "killed when the partition heals",
    );
}

#[test]
fn zone_spread_blocks_replacement_in_a_dead_zone() {
    // Hard zone spread with one node per zone: when zone a dies, its replacement may not go
    // to b or c (skew would be 2), so it waits until zone a is back, as in Kubernetes.
    let out = run_traced(
        &scenario(
            "
horizon: 3h
nodes: [{pool: w, count: 3, zones: [a, b, c]}]
workloads:
  - name: web
    replicas: 3
    spread: zones
faults:
  - {at: 10m, zone_outage: a, for: 1h}
",
        ),
        2,
    );
    let tr = lines(&out);
    let evict = at(&tr, "taint-eviction w-0", 600.0);
    let (_, created) = at_prefix(&tr, "created web-", evict);
    let name = created.trim_start_matches("created ").to_string();
    assert_close(
        at(&tr, &format!("unschedulable {name}"), evict),
        evict + 0.1,
        "blocked by spread",
    );
    // Bound back on w-0 once zone a returns at 70 min.
    assert_close(
        at(&tr, &format!("bound {name} w-0"), evict),
        4200.0 + 0.1,
        "bound when the zone returns",
    );
}
