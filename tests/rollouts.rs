//! Rolling updates as the deployment controller does them: maxSurge / maxUnavailable bound
//! the pods and the available count at every instant, a bad release stalls after at most
//! maxUnavailable old pods, and graceful termination decides how many requests a deploy
//! costs. StatefulSets update one ordinal at a time, highest first, down to `partition`.

mod common;
use common::*;

/// Walks the trace and checks two bounds at every event: active pods (created, not yet
/// deleted) ≤ `max_pods`, and available pods (Ready, not deleted) ≥ `min_available` once
/// the rollout has started. Returns (min available, max active) seen during the rollout.
fn bounds(tr: &[(f64, String)], start: f64) -> (i64, i64) {
    let mut active = 0i64;
    let mut ready = std::collections::BTreeSet::new();
    let mut deleted = std::collections::BTreeSet::new();
    let (mut min_avail, mut max_active) = (i64::MAX, 0);
    for (t, line) in tr {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[..] {
            ["created", pod] => {
                active += 1;
                deleted.remove(pod);
            }
            ["deleted", pod] => {
                active -= 1;
                deleted.insert(pod.to_string());
                ready.remove(pod);
            }
            ["ready", pod, "true"] if !deleted.contains(pod) => {
                ready.insert(pod.to_string());
            }
            ["ready", pod, "false"] => {
                ready.remove(pod);
            }
            _ => {}
        }
        if *t >= start {
            min_avail = min_avail.min(ready.len() as i64);
            max_active = max_active.max(active);
        }
    }
    (min_avail, max_active)
}

fn deployment(strategy: &str, extra: &str, faults: &str) -> String {
    format!(
        "
horizon: 1h
nodes: [{{pool: w, count: 4}}]
workloads:
  - name: web
    replicas: 10
    start: 5s
    probes: {{readiness: {{period: 2s, timeout: 1s}}}}
    rollout: {strategy}
{extra}
faults: [{faults}]
"
    )
}

#[test]
fn a_25_25_rollout_of_ten_keeps_eight_available_and_at_most_thirteen_pods() {
    // replicas 10: surge = ceil(2.5) = 3, unavailable = floor(2.5) = 2, so at most 13 pods
    // and at least 8 available. Each wave waits for new pods to start (5 s) and pass a
    // readiness tick (period 2 s): the first wave is 3 new pods + 2 old deleted, then every
    // wave replaces as many old pods as new ones became available. 10 new pods in waves of
    // at most 5 (3 surge + 2 unavailable) need ≥ 2 waves of ≥ 5.1 s each.
    let sc = scenario(&deployment(
        "{max_surge: 25%, max_unavailable: 25%}",
        "",
        "{at: 10m, rollout: web}",
    ));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let (min_avail, max_active) = bounds(&tr, 600.0);
        assert!(
            min_avail >= 8,
            "seed {seed}: {min_avail} available\n{}",
            dump(&tr)
        );
        assert!(max_active <= 13, "seed {seed}: {max_active} pods");
        assert_eq!(max_active, 13, "seed {seed}: the surge is used");
        let (done, line) = at_prefix(&tr, "rollout-complete web", 600.0);
        let took = out.metrics.workloads[0].rollout_s.expect("completed");
        assert_close(done - 600.0, took, "rollout_s");
        assert!((10.2..60.0).contains(&took), "seed {seed}: {line}");
        // Every old pod is gone and ten new ones (version 1: names web-10 …) serve.
        let deleted = tr
            .iter()
            .filter(|(t, s)| *t >= 600.0 && s.starts_with("deleted "))
            .count();
        assert_eq!(deleted, 10, "seed {seed}");
        assert_eq!(out.metrics.workloads[0].rollouts_stalled, 0);
    }
}

#[test]
fn a_bad_release_stalls_after_losing_at_most_max_unavailable_old_pods() {
    // The new version crashes right after it starts listening, before any readiness tick
    // can pass (crash 1 ms after listening, ticks every 2 s): no new pod ever becomes
    // available. The controller surges 3 new pods and removes 2 old ones (maxUnavailable),
    // then waits: 8 old pods keep serving, and after 600 s without progress the rollout is
    // reported stalled (ProgressDeadlineExceeded) but not rolled back.
    let sc = scenario(&deployment(
        "{max_surge: 25%, max_unavailable: 25%}",
        "    new_version: {failures: {crash: 1ms}}",
        "{at: 10m, rollout: web}",
    ));
    for seed in 0..3 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let (min_avail, max_active) = bounds(&tr, 600.0);
        assert_eq!(min_avail, 8, "seed {seed}\n{}", dump(&tr));
        assert_eq!(max_active, 13, "seed {seed}");
        let deleted = tr
            .iter()
            .filter(|(t, s)| *t >= 600.0 && s.starts_with("deleted "))
            .count();
        assert_eq!(deleted, 2, "seed {seed}: only maxUnavailable old pods go");
        let (stalled, _) = at_prefix(&tr, "rollout-stalled web", 600.0);
        // The last progress was the first wave at 600 s (counts moved then): 600 + 600 + 1.
        assert_close(stalled, 1201.0, "progress deadline + the 1 s requeue");
        assert_eq!(out.metrics.workloads[0].rollouts_stalled, 1);
        assert_eq!(out.metrics.workloads[0].rollout_s, None);
        assert!(out.metrics.workloads[0].serving_mean > 7.9);
    }
}

fn under_load(pre_stop: &str) -> String {
    format!(
        "
horizon: 10m
warmup: 1m
nodes: [{{pool: w, count: 8}}]
workloads:
  - name: web
    replicas: 4
    start: 2s
    pre_stop: {pre_stop}
    probes: {{readiness: {{period: 1s, timeout: 500ms}}}}
    rollout: {{max_surge: 1, max_unavailable: 0}}
    server: {{concurrency: 8, queue: 100, service_time: 1ms}}
services: [{{name: web, workload: web}}]
traffic: [{{service: web, arrivals: {{poisson: 400/s}}, timeout: 2s}}]
faults: [{{at: 5m, rollout: web}}]
"
    )
}

#[test]
fn a_pre_stop_sleep_makes_a_rollout_under_load_lose_nothing() {
    // preStop 5 s > endpoint delay 1 s: the old pod leaves every balancer while it still
    // serves, and gets SIGTERM only when nothing is sent to it any more.
    let sc = scenario(&under_load("5s"));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let r = &out.metrics.requests[0];
        assert_eq!(r.failed, [0; 5], "seed {seed}");
        assert!(out.metrics.workloads[0].rollout_s.is_some());
    }
}

#[test]
fn without_pre_stop_a_rollout_loses_what_arrives_in_the_endpoint_lag() {
    // maxSurge 1, maxUnavailable 0: one old pod at a time is deleted, the moment its
    // replacement is Ready. With no preStop and no drain it exits at once, but balancers list
    // it for the 1 s endpoint delay, while 4 endpoints are listed (the replacement is added
    // at the same instant the old one is removed). Each of the 4 deletions loses
    // 400/s × 1 s / 4 = 100 refused requests (failed_terminating), 400 in all, plus the ~0.1
    // in flight at each exit.
    let sc = scenario(&under_load("0s"));
    let mut total = 0.0;
    let seeds = 5;
    for seed in 0..seeds {
        let out = run_traced(&sc, seed);
        let r = &out.metrics.requests[0];
        let terminating = r.failed[4] as f64;
        assert!(
            (terminating - 400.0).abs() <= 4.0 * 400f64.sqrt(),
            "seed {seed}: {terminating} vs 400 ({:?})",
            r.failed
        );
        assert_eq!(r.failed[0] + r.failed[1] + r.failed[2] + r.failed[3], 0);
        total += terminating;
    }
    eprintln!(
        "mean failed_terminating {:.1} (expected 400)",
        total / seeds as f64
    );
}

#[test]
fn a_statefulset_updates_from_the_highest_ordinal_down_to_the_partition() {
    // 4 ordinals, partition 1: ordinals 3, 2, 1 are replaced one at a time (each deleted
    // only when the previous one is Running and Ready); ordinal 0 keeps the old revision.
    let sc = scenario(
        "
horizon: 1h
nodes: [{pool: w, count: 4}]
workloads:
  - name: db
    kind: StatefulSet
    replicas: 4
    start: 3s
    probes: {readiness: {period: 2s, timeout: 1s}}
    rollout: {partition: 1}
faults: [{at: 10m, rollout: db}]
",
    );
    let out = run_traced(&sc, 2);
    let tr = lines(&out);
    let deletions: Vec<(f64, String)> = tr
        .iter()
        .filter(|(t, s)| *t >= 600.0 && s.starts_with("deleted "))
        .cloned()
        .collect();
    let names: Vec<&str> = deletions.iter().map(|(_, s)| &s[8..]).collect();
    assert_eq!(names, ["db-3", "db-2", "db-1"], "{}", dump(&tr));
    // Each next deletion waits for the previous ordinal's new pod to be Ready.
    for w in deletions.windows(2) {
        let prev = &w[0].1[8..];
        let ready = at(&tr, &format!("ready {prev} true"), w[0].0);
        assert!(w[1].0 >= ready, "{} before {prev} was Ready again", w[1].1);
    }
    at_prefix(&tr, "rollout-complete db", 600.0);
}

#[test]
fn rollout_settings_are_validated_where_written() {
    let bad = "horizon: 1h
nodes: [{pool: w, count: 2}]
workloads:
  - name: web
    replicas: 4
    rollout: {max_surge: 0, max_unavailable: 0%}
  - name: db
    kind: StatefulSet
    rollout: {max_surge: 1}
faults: [{at: 1m, rollout: nope}, {at: 2m, rollout: web, for: 1m}]
";
    let err = match kubesim::scenario::Scenario::from_text(bad, std::path::Path::new("r.yaml"), &[])
    {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let want = [
        "r.yaml:6:14: workloads[0].rollout: max_surge and max_unavailable cannot both be 0 (the rollout could never progress)",
        "r.yaml:9:15: workloads[1].rollout.max_surge: unknown field `max_surge` (expected one of: min_ready, partition)",
        "r.yaml:10:28: faults[0].rollout: no workload named `nope`",
        "r.yaml:10:63: faults[1].for: `for` does not apply to rollout (it runs until it completes)",
    ];
    for w in want {
        assert!(err.contains(w), "missing `{w}` in:\n{err}");
    }
}

#[test]
fn a_blocked_statefulset_update_is_never_reported_stalled() {
    // db-4's node dies just before the update: OrderedReady waits for it (StatefulSet pods
    // are not replaced while their node is unreachable) far past 600 s, but StatefulSets have
    // no progressDeadlineSeconds, so nothing is reported stalled.
    let out = run_traced(
        &scenario(
            "
horizon: 2h
nodes: [{pool: w, count: 5}]
workloads:
  - {name: db, kind: StatefulSet, replicas: 5, start: 2s, spread: nodes}
faults: [{at: 9m, kill_node: w-4, for: 30m}, {at: 10m, rollout: db}]
",
        ),
        1,
    );
    let tr = lines(&out);
    assert!(
        !tr.iter().any(|(_, s)| s.starts_with("rollout-stalled")),
        "{}",
        dump(&tr)
    );
    assert_eq!(out.metrics.workloads[0].rollouts_stalled, 0);
    at_prefix(&tr, "rollout-complete db", 600.0);
}

#[test]
fn a_rollout_deleting_unschedulable_pods_leaves_no_stale_retry() {
    // web-2 and web-3 never fit (2 CPUs for 4 pods of 1); the rollout deletes them first
    // (max_unavailable 2) and creates web-4 and web-5, which reuse their slots. The retry of
    // the unschedulable list right after must skip the deleted pods' ids (an oracle build
    // panicked on them: "stale pod id") and the new pods wait in their place.
    let sc = scenario(
        "
horizon: 10m
nodes: [{pool: w, count: 1, capacity: {cpu: 2}}]
workloads: [{name: web, replicas: 4, resources: {cpu: 1}, rollout: {max_surge: 0, max_unavailable: 2}}]
faults: [{at: 1m, rollout: web}]
",
    );
    let tr = lines(&run_traced(&sc, 1));
    assert_close(at(&tr, "removed web-2", 60.0), 60.0, "deleted pending pod");
    assert_close(at(&tr, "unschedulable web-4", 60.0), 60.1, "new pod tried");
    assert_close(at(&tr, "unschedulable web-5", 60.0), 60.1, "new pod tried");
}
