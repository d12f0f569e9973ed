//! Topology spread counts only the zones that have nodes (PodTopologySpread's domains are the
//! label values of existing nodes): a pool listing more zones than it has nodes, or a zone
//! the cluster autoscaler emptied, does not hold pods back; a zone whose nodes are dead still
//! does (its nodes exist). The cluster autoscaler's simulation makes a template node's zone a
//! domain, so it opens empty zones one node at a time.

mod common;
use common::*;

/// `bound <pod> <node>` lines: (pod, node).
fn bindings(tr: &[(f64, String)]) -> Vec<(String, String)> {
    tr.iter()
        .filter_map(|(_, s)| s.strip_prefix("bound "))
        .map(|s| {
            let (pod, node) = s.split_once(' ').unwrap();
            (pod.to_string(), node.to_string())
        })
        .collect()
}

#[test]
fn a_zone_without_nodes_is_no_domain() {
    // 2 nodes over zones [a, b, c]: w-0 in a, w-1 in b, none in c. Three pods with hard zone
    // spread: the domains are a and b, so the third pod goes to a or b (skew 1), as in
    // Kubernetes. Counting c (0 pods, for ever) would leave it Pending for the whole run.
    let sc = scenario(
        "
horizon: 1h
nodes: [{pool: w, count: 2, zones: [a, b, c]}]
workloads: [{name: web, replicas: 3, spread: zones}]
",
    );
    let out = run_traced(&sc, 1);
    let bound = bindings(&lines(&out));
    assert_eq!(bound.len(), 3, "{bound:?}");
    let on = |n: &str| bound.iter().filter(|(_, x)| x == n).count();
    assert_eq!((on("w-0") + on("w-1"), on("w-0").max(on("w-1"))), (3, 2));
}

#[test]
fn a_dead_zone_still_counts() {
    // 3 nodes, one per zone, 3 pods; zone c's node dies at 10 m and its pod is evicted after
    // the 50 s grace + 300 s toleration. Its node still exists, so zone c (0 pods) is still
    // the minimum: the replacement cannot go to a or b (they hold 1 each, skew would be 2).
    let sc = scenario(
        "
horizon: 1h
nodes: [{pool: w, count: 3, zones: [a, b, c]}]
workloads: [{name: web, replicas: 3, spread: zones}]
faults: [{at: 10m, kill_node: w-2}]
",
    );
    let out = run_traced(&sc, 1);
    let bound = bindings(&lines(&out));
    assert_eq!(bound.len(), 3, "the replacement stays Pending: {bound:?}");
}

#[test]
fn the_cluster_autoscaler_opens_empty_zones() {
    // One-pod nodes (1 CPU, pods of 1 CPU); the pool starts with w-0 in zone a and may
    // grow to 3 over [a, b, c]. web-0 binds to w-0; web-1 and web-2 are unschedulable (the
    // only domain, a, is full). The first scan (10 s) simulates template nodes from the zone
    // cursor (count 1 → b): b becomes a domain with 0 pods and takes web-1; then c takes
    // web-2. Two nodes, w-1 in b and w-2 in c, Ready at 70 s; the pods bind at 70.1 s.
    let sc = scenario(
        "
horizon: 10m
nodes:
  - {pool: w, count: 1, zones: [a, b, c], capacity: {cpu: 1}, boot: 60s, autoscaling: {min: 1, max: 3}}
workloads: [{name: web, replicas: 3, resources: {cpu: 1}, spread: zones}]
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let added: Vec<&str> = tr
        .iter()
        .filter_map(|(_, s)| s.strip_prefix("node-added "))
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    assert_eq!(added, ["w-1", "w-2"], "{}", dump(&tr));
    let mut bound = bindings(&tr);
    bound.sort();
    assert_eq!(
        bound,
        [
            ("web-0".to_string(), "w-0".to_string()),
            ("web-1".to_string(), "w-1".to_string()),
            ("web-2".to_string(), "w-2".to_string())
        ]
    );
    assert_close(at(&tr, "bound web-2 w-2", 0.0), 70.1, "after boot");
}
