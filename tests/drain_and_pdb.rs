//! PodDisruptionBudgets, the Eviction API and `drain_node`: worked examples on a two-node
//! cluster with constant start times, and the located errors for bad budgets and drains.

mod common;
use common::*;
use kubesim::scenario::Scenario;
use std::path::Path;

/// Nodes w-0 and w-1; web's three pods: web-0 and web-2 on w-0, web-1 on w-1 (the scheduler
/// prefers the node with fewer of the workload's pods, then the lower index). Scheduling
/// takes 0.1 s, the process listens 5 s after its container starts, and the readiness probe
/// (period 2 s) passes at its first run after that: Ready 5.1 s to 7.1 s after binding.
fn yaml(pdb: &str, faults: &str) -> String {
    format!(
        "
horizon: 1h
warmup: 5m
nodes: [{{pool: w, count: 2}}]
workloads:
  - {{name: web, replicas: 3, start: 5s{pdb}, probes: {{readiness: {{period: 2s}}}}}}
slo: {{min_ready: 1}}
faults: [{faults}]
"
    )
}

const MIN2: &str = ", pdb: {min_available: 2}";

fn times(tr: &[(f64, String)], prefix: &str) -> Vec<f64> {
    tr.iter()
        .filter(|(_, s)| s.starts_with(prefix))
        .map(|(t, _)| *t)
        .collect()
}

#[test]
fn a_drain_with_min_available_2_waits_for_a_replacement() {
    // At 600 s w-0 is cordoned and both its pods are evicted at once:
    // - web-0: 3 healthy − 2 desired = 1 allowed → evicted; its replacement web-3 is
    //   created and bound to w-1 at 600.1 (w-0 is cordoned);
    // - web-2, same instant: 2 healthy (web-0 is terminating) − 2 = 0 → 429, retried
    //   every 5 s. web-3 listens at 600.1 + 5 = 605.1 and is Ready at its first probe, in
    //   (605.1, 607.1]: a poll at 605 would be refused again, and the one at 610 is the
    //   first after web-3 is Ready: 3 − 2 = 1 → evicted.
    // So the drain ends at the first 5 s tick after the replacement's start + readiness.
    // web-3 is in the endpoints (Ready + 1 s ≤ 608.1) before web-2 leaves them at 610, so
    // at least 2 pods serve throughout (a budget guards Ready, not the endpoints).
    let sc = scenario(&yaml(MIN2, "{at: 10m, drain_node: w-0}"));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let ctx = || format!("seed {seed}:\n{}", dump(&tr));
        assert_close(at(&tr, "cordoned w-0", 0.0), 600.0, "cordon");
        assert_close(at(&tr, "evicted web-0 w-0", 0.0), 600.0, "first eviction");
        assert_close(at(&tr, "bound web-3 w-1", 0.0), 600.1, "replacement on w-1");
        let ready = at_prefix(&tr, "probe web-3 Readiness success", 0.0).0;
        assert!((605.1..=607.1).contains(&ready), "{}", ctx());
        let done = 600.0 + 5.0 * ((ready - 600.0) / 5.0).ceil();
        assert_close(at(&tr, "evicted web-2 w-0", 0.0), done, "second eviction");
        // The polls between (605 s) cannot succeed and cost no event: one refusal row.
        let refused = times(&tr, "eviction-refused web-2 healthy 2 desired 2 allowed 0");
        assert_eq!(refused, vec![600.0], "{}", ctx());
        let m = &out.metrics.workloads[0];
        assert_eq!(m.evictions, 2);
        assert_eq!(m.serving_min, Some(2.0), "{}", ctx());
        assert_eq!(m.downtime_s, 0.0);
    }
}

#[test]
fn without_a_pdb_the_drain_evicts_both_pods_at_once() {
    // Both evictions at 600 s; serving drops to web-1 alone until web-3 serves (Ready at
    // 605.1 to 607.1, in the endpoints 1 s later).
    let sc = scenario(&yaml("", "{at: 10m, drain_node: w-0}"));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        assert_eq!(times(&tr, "evicted "), vec![600.0, 600.0], "{}", dump(&tr));
        assert!(times(&tr, "eviction-refused").is_empty());
        let m = &out.metrics.workloads[0];
        assert_eq!((m.evictions, m.serving_min), (2, Some(1.0)));
    }
}

#[test]
fn the_pdb_drain_takes_one_replacement_longer() {
    // The last eviction: 600 s without a PDB; with `min_available: 2` the first 5 s tick
    // after web-3's start + readiness (605.1 + probe phase ≤ 607.1): 610 s for every seed.
    for seed in 0..5 {
        let last = |pdb: &str| {
            let tr = lines(&run_traced(
                &scenario(&yaml(pdb, "{at: 10m, drain_node: w-0}")),
                seed,
            ));
            *times(&tr, "evicted ").last().expect("evictions")
        };
        assert_close(last(""), 600.0, "without a PDB");
        assert_close(last(MIN2), 610.0, "with min_available 2");
    }
}

#[test]
fn for_uncordons_the_node() {
    // w-0 is drained for 5 min (600 s to 900 s): its replacements go to w-1. At 1200 s w-1
    // is drained (no PDB): its three pods' replacements can only go to w-0, uncordoned.
    let sc = scenario(&yaml(
        "",
        "{at: 10m, drain_node: w-0, for: 5m}, {at: 20m, drain_node: w-1}",
    ));
    let tr = lines(&run_traced(&sc, 3));
    assert_close(at(&tr, "uncordoned w-0", 0.0), 900.0, "uncordon");
    let bound: Vec<String> = tr
        .iter()
        .filter(|(t, s)| *t > 1200.0 && s.starts_with("bound "))
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(
        bound,
        ["bound web-5 w-0", "bound web-6 w-0", "bound web-7 w-0"],
        "{}",
        dump(&tr)
    );
}

#[test]
fn without_for_the_node_stays_cordoned() {
    // Both nodes drained and never uncordoned: the replacements of w-1's pods stay pending.
    let sc = scenario(&yaml(
        "",
        "{at: 10m, drain_node: w-0}, {at: 20m, drain_node: w-1}",
    ));
    let out = run_traced(&sc, 3);
    let tr = lines(&out);
    assert!(
        !tr.iter()
            .any(|(t, s)| *t > 1200.0 && s.starts_with("bound "))
    );
    assert_eq!(times(&tr, "unschedulable ").len(), 3, "{}", dump(&tr));
    assert_eq!(out.metrics.workloads[0].serving_min, Some(0.0));
}

#[test]
fn a_node_failure_ignores_the_pdb() {
    // w-0 dies at 600 s: NotReady at detection, NoExecute taint, and after the 300 s
    // toleration the taint-eviction controller deletes both its pods at once — a PDB limits
    // evictions only. No eviction goes through the API.
    let sc = scenario(&yaml(MIN2, "{at: 10m, kill_node: w-0, for: 30m}"));
    for seed in 0..3 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let t = at_prefix(&tr, "taint-eviction w-0", 0.0).0;
        assert_close(
            at(&tr, "deleted web-0", 0.0),
            t,
            "web-0 at the taint eviction",
        );
        assert_close(
            at(&tr, "deleted web-2", 0.0),
            t,
            "web-2 at the same instant",
        );
        assert!(times(&tr, "evicted ").is_empty() && times(&tr, "eviction-refused").is_empty());
        let m = &out.metrics.workloads[0];
        assert_eq!(
            (m.evictions, m.serving_min),
            (0, Some(1.0)),
            "{}",
            dump(&tr)
        );
    }
}

#[test]
fn an_unready_pod_is_evicted_without_spending_budget() {
    // web-0 hangs at 590 s: its readiness fails 3 × 2 s later (not Ready by 600 s). At the
    // drain web-1 and web-2 are healthy = desired 2, so unready web-0 goes without budget
    // (IfHealthyBudget), while web-2 (Ready) would leave 1 < 2: refused.
    let sc = scenario(&yaml(
        MIN2,
        "{at: 590s, hang_pod: web-0}, {at: 10m, drain_node: w-0}",
    ));
    let tr = lines(&run_traced(&sc, 2));
    assert_close(at(&tr, "evicted web-0 w-0", 0.0), 600.0, "unready pod");
    assert_close(
        at(
            &tr,
            "eviction-refused web-2 healthy 2 desired 2 allowed 0",
            0.0,
        ),
        600.0,
        "healthy pod",
    );
}

#[test]
fn percentages_round_up() {
    // max_unavailable 34 % of 3 = ⌈1.02⌉ = 2: desired 3 − 2 = 1, so both of w-0's pods may
    // go at once. min_available 34 % = ⌈1.02⌉ = 2: as `min_available: 2`.
    for (pdb, refused) in [
        (", pdb: {max_unavailable: 34%}", false),
        (", pdb: {min_available: 34%}", true),
    ] {
        let tr = lines(&run_traced(
            &scenario(&yaml(pdb, "{at: 10m, drain_node: w-0}")),
            0,
        ));
        assert_eq!(!times(&tr, "eviction-refused").is_empty(), refused, "{pdb}");
    }
}

fn errors(pdb: &str, faults: &str) -> String {
    match Scenario::from_text(&yaml(pdb, faults), Path::new("bad.yaml"), &[]) {
        Ok(_) => panic!("accepted: {pdb} {faults}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_budgets_and_drains_are_located_errors() {
    // Line 6 is the workload: its `pdb:` map starts at column 46, `min_available`'s value
    // at 62, `max_unavailable`'s at 64.
    let cases = [
        (
            ", pdb: {min_available: 1, max_unavailable: 1}",
            "bad.yaml:6:46: workloads[0].pdb: a PDB has either `min_available` or `max_unavailable`, not both",
        ),
        (
            ", pdb: {}",
            "bad.yaml:6:46: workloads[0].pdb: a PDB needs one of `min_available` or `max_unavailable`",
        ),
        (
            ", pdb: {min_available: -1}",
            "bad.yaml:6:62: workloads[0].pdb.min_available: must not be negative, found `-1`",
        ),
        (
            ", pdb: {max_unavailable: 150%}",
            "bad.yaml:6:64: workloads[0].pdb.max_unavailable: at most 100%, found `150%`",
        ),
        (
            ", pdb: {max_unavailable: 1.5}",
            "bad.yaml:6:64: workloads[0].pdb.max_unavailable: expected a pod count like `2` or a percentage like `25%`, found `1.5`",
        ),
        (
            ", pdb: {min_available: 4}",
            "bad.yaml:6:46: workloads[0].pdb: min_available 4 is more than the 3 replicas: no eviction (and no drain) could ever succeed",
        ),
        (
            ", pdb: {min_avail: 1}",
            "bad.yaml:6:47: workloads[0].pdb.min_avail: unknown field `min_avail`",
        ),
    ];
    for (pdb, want) in cases {
        let got = errors(pdb, "");
        assert!(got.contains(want), "{pdb}:\n{got}\nwant: {want}");
    }
    let got = errors("", "{at: 10m, drain_node: w-7}");
    assert!(
        got.contains(
            "bad.yaml:8:32: faults[0].drain_node: no node named `w-7` (nodes are `<pool>-<index>`)"
        ),
        "{got}"
    );
}

#[test]
fn every_error_at_once() {
    // A budget with both bounds and a drain of an unknown node: both in one report.
    let got = errors(
        ", pdb: {min_available: -1, max_unavailable: 200%}",
        "{at: 10m, drain_node: nowhere}",
    );
    assert!(got.starts_with("2 errors"), "{got}");
    assert!(
        got.contains("not both") && got.contains("no node named `nowhere`"),
        "{got}"
    );
}

#[test]
fn the_cli_rejects_a_bad_budget_with_exit_2_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("kubesim-pdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.yaml"), yaml(", pdb: {}", "")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "bad.yaml", "--out", "out"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("workloads[0].pdb: a PDB needs one of"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists(), "nothing written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_budget_that_can_never_be_met_blocks_the_drain_at_no_cost() {
    // `min_available: 3` of 3 replicas: 3 − 3 = 0 allowed, forever (a common
    // misconfiguration). Both evictions are refused at 600 s and, as no pod of web becomes
    // Ready again, never retried: a 30-day run costs no event per 5 s poll (polling would
    // be 2 × 30 × 86,400 / 5 ≈ 10⁶ events).
    let sc = scenario(
        &yaml(", pdb: {min_available: 3}", "{at: 10m, drain_node: w-0}")
            .replace("horizon: 1h", "horizon: 30d"),
    );
    let out = run_traced(&sc, 0);
    let tr = lines(&out);
    assert_eq!(
        times(&tr, "eviction-refused "),
        vec![600.0, 600.0],
        "{}",
        dump(&tr)
    );
    assert!(times(&tr, "evicted ").is_empty());
    assert!(out.events < 1000, "{} events", out.events);
    assert_eq!(out.metrics.workloads[0].serving_min, Some(3.0));
}

#[test]
fn a_drain_of_a_dead_node_still_honours_the_budget() {
    // w-0 (web-0, web-2) dies at 590 s; the drain at 600 s comes before the node is even
    // NotReady, so the API still lists both pods as Running and Ready: 3 healthy − 2 = 1 →
    // web-0 is evicted; web-2 waits (2 healthy, web-0 terminating). A dead node's pods are
    // not "Pending", so they may not skip the budget (`canIgnorePDB` is false for them).
    let sc = scenario(&yaml(
        MIN2,
        "{at: 590s, kill_node: w-0, for: 1h}, {at: 10m, drain_node: w-0}",
    ));
    for seed in 0..3 {
        let tr = lines(&run_traced(&sc, seed));
        assert_close(at(&tr, "evicted web-0 w-0", 0.0), 600.0, "first eviction");
        assert!(
            tr.iter()
                .any(|(t, s)| *t == 600.0 && s.starts_with("eviction-refused web-2")),
            "seed {seed}: the second eviction is refused:\n{}",
            dump(&tr)
        );
    }
}
