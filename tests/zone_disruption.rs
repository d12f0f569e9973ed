//! Several nodes down at once, as the node lifecycle controller handles it: a per-zone
//! rate-limited taint queue (0.1 nodes/s, burst 1), partial disruption stops a small zone's
//! queue, and with every zone down nothing is evicted at all.

mod common;
use common::*;

/// 20 nodes in zones a and b (round-robin: even-numbered nodes in a), 10 pods, one per node.
fn yaml(min_ready: u32, faults: &str) -> String {
    format!(
        "
horizon: 3h
nodes: [{{pool: w, count: 20, zones: [a, b]}}]
workloads:
  - {{name: web, replicas: 10, start: 5s, spread: nodes}}
slo: {{min_ready: {min_ready}}}
faults: [{faults}]
"
    )
}

fn times(tr: &[(f64, String)], prefix: &str) -> Vec<f64> {
    tr.iter()
        .filter(|(_, s)| s.starts_with(prefix))
        .map(|(t, _)| *t)
        .collect()
}

#[test]
fn a_ten_node_zone_outage_is_tainted_one_node_every_ten_seconds() {
    // Zone a (10 nodes) is down for 1 h, zone b stays up: a is in FullDisruption and keeps
    // the primary rate 0.1/s. Taints come one per 10 s, so the ten evictions spread over
    // 9 × 10 s = 90 s instead of happening at once.
    let sc = scenario(&yaml(1, "{at: 1h, zone_outage: a, for: 1h}"));
    for seed in 0..5 {
        let tr = lines(&run_traced(&sc, seed));
        let taints = times(&tr, "node-tainted ");
        assert_eq!(taints.len(), 10, "seed {seed}:\n{}", dump(&tr));
        for w in taints.windows(2) {
            assert_close(w[1] - w[0], 10.0, "one token per 10 s");
        }
        let evictions = times(&tr, "taint-eviction ");
        assert_eq!(evictions.len(), 10);
        for (e, t) in evictions.iter().zip(&taints) {
            assert_close(*e, t + 300.0, "toleration from the taint");
        }
        assert!(tr.iter().any(|(_, s)| s == "zone-state a FullDisruption"));
    }
}

#[test]
fn six_of_ten_nodes_down_is_partial_disruption_and_stops_the_queue() {
    // 6 of zone a's 10 nodes fail for 25 min (w-0, w-2, …, w-10). Once 6 are NotReady
    // (6 > 2 and 6/10 ≥ 0.55) the zone is in PartialDisruption, and with 10 ≤ 50 nodes its
    // queue stops: no taints. Detection is spread over up to three 5 s passes (lease phases),
    // and a node queued while the zone still looked Normal (≤ 5 of 10 NotReady) can take the
    // bucket's one token, exactly as in Kubernetes: at most one taint. Either way 4 (or 5)
    // serving pods stay below the 8 needed until the nodes return: the outage is the 25 min
    // plus restart (0.1 s scheduling is not needed: containers restart in place, 5 s start,
    // 1 s endpoints) ≈ 1,506 s — where evicting everything at detection + 300 s would have
    // given ~361 s.
    let kills: Vec<String> = (0..6)
        .map(|i| format!("{{at: 1h, kill_node: w-{}, for: 25m}}", 2 * i))
        .collect();
    let sc = scenario(&yaml(8, &kills.join(", ")));
    for seed in 0..10 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        assert!(
            tr.iter()
                .any(|(_, s)| s == "zone-state a PartialDisruption"),
            "seed {seed}:\n{}",
            dump(&tr)
        );
        let taints = times(&tr, "node-tainted ");
        assert!(taints.len() <= 1, "seed {seed}: {taints:?}");
        let startup = at(&tr, "serving web-9 on", 0.0).max(at(&tr, "serving web-0 on", 0.0));
        let outage = out.metrics.workloads[0].downtime_s - startup;
        assert!(
            (1500.0..1510.0).contains(&outage),
            "seed {seed}: outage {outage}"
        );
    }
}

#[test]
fn every_zone_down_means_no_evictions() {
    // Both zones down for 20 min: every zone in FullDisruption, the controller assumes its
    // own fault, lifts the taints and taints nothing until a node is back.
    let sc = scenario(&yaml(
        1,
        "{at: 1h, zone_outage: a, for: 20m}, {at: 1h, zone_outage: b, for: 20m}",
    ));
    for seed in 0..5 {
        let tr = lines(&run_traced(&sc, seed));
        assert!(
            tr.iter()
                .any(|(_, s)| s == "zone-state cluster all-zones-down"),
            "seed {seed}:\n{}",
            dump(&tr)
        );
        assert!(times(&tr, "taint-eviction ").is_empty(), "{}", dump(&tr));
        assert!(times(&tr, "deleted ").is_empty());
    }
}

#[test]
fn zone_settings_are_validated_where_written() {
    let bad = "horizon: 1h
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 1}]
control_plane:
  node_eviction_rate: fast
  secondary_node_eviction_rate: -1/s
  unhealthy_zone_threshold: 1.5
  large_cluster_size_threshold: 2.5
";
    let err = match kubesim::scenario::Scenario::from_text(bad, std::path::Path::new("z.yaml"), &[])
    {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let want = [
        "z.yaml:5:23: control_plane.node_eviction_rate: expected a rate like `200/s` or `12000/m`, found `fast`",
        "z.yaml:6:33: control_plane.secondary_node_eviction_rate: expected a rate like `200/s` or `12000/m`, found `-1/s`",
        "z.yaml:7:29: control_plane.unhealthy_zone_threshold: must be greater than 0 and at most 1, found 1.5",
        "z.yaml:8:33: control_plane.large_cluster_size_threshold: expected an integer, found `2.5`",
    ];
    for w in want {
        assert!(err.contains(w), "missing `{w}` in:\n{err}");
    }
}
