//! The HorizontalPodAutoscaler as Kubernetes runs it (issue 11): worked examples, sync by
//! sync, of the replica calculator, the default behavior, the stabilization window, the
//! tolerance and the CPU not-ready rule; predictive scaling; StatefulSets. Fluid traffic
//! gives exact rates, so the trajectories are exact.

mod common;
use common::*;

/// One Deployment behind one service; `hpa` and `arrivals` are inline YAML.
fn scaled(hpa: &str, arrivals: &str, extra: &str) -> String {
    format!(
        "
horizon: 20m
nodes: [{{pool: w, count: 4, capacity: {{cpu: 64, pods: 110}}}}]
workloads:
  - name: web
    replicas: 2
    resources: {{cpu: 500m}}
    start: 5s
    probes: {{readiness: {{period: 10s}}}}
    server: {{concurrency: 16, queue: 1000, service_time: 10ms}}
    autoscaling:
      hpa: {hpa}
{extra}
services: [{{name: web, workload: web}}]
traffic:
  - service: web
    model: fluid
    arrivals: {arrivals}
"
    )
}

fn scale_events(tr: &[(f64, String)]) -> Vec<(f64, String)> {
    tr.iter()
        .filter(|(_, s)| s.starts_with("scaled web "))
        .map(|(t, s)| {
            let counts = s["scaled web ".len()..]
                .split(':')
                .next()
                .unwrap()
                .to_string();
            (*t, counts)
        })
        .collect()
}

#[test]
fn a_step_from_100_to_780_per_s_scales_2_6_12_16_and_back_after_300_s() {
    let sc = scenario(&scaled(
        "{min: 2, max: 30, metrics: [{requests_per_pod: 50/s}]}",
        "{steps: [{at: 0s, rate: 100/s}, {at: 60s, rate: 780/s}, {at: 600s, rate: 100/s}]}",
        "",
    ));
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    // Scrapes every 15 s from 0; a sync at t sees the window [t − 30, t − 15].
    // - syncs at 15 and 30 see no window with a full pod metric (containers started at
    //   0.1 s, after the window [0, 15] began) or 100/s ÷ 2 = 50/s: ratio 1, no change;
    // - 90 s: window [60, 75] at 780/s over 2 pods → 390/s, ratio 7.8 → ceil(2 × 7.8) = 16,
    //   limited by the default scale-up max(2 + 4, 2 × 2) = 6;
    // - 105 s: window [75, 90]: the 4 new pods (created at 90) have no metric and count 0
    //   when scaling up: 780 ÷ 6 = 130 → ratio 2.6 → ceil(2.6 × 6) = 16, limited to
    //   max(6 + 4, 2 × 6) = 12 (the 90 s event is one period old: a fresh budget);
    // - 120 s: 780 over 6 pods with metrics, 6 missing → 780 ÷ 12 = 65 → ratio 1.3 →
    //   ceil(1.3 × 12) = 16 ≤ max(12 + 4, 24): 16, the steady state (780 ÷ 16 = 48.75, in
    //   tolerance).
    // - Back to 100/s at 600 s: from the sync at 630 s the metrics ask for 2
    //   (100 ÷ 16 = 6.25 → ceil(16 × 0.125) = 2), but the last recommendation of 16 was at
    //   615 s; it leaves the 300 s window at 915 s, when 100 % per 15 s allows 16 → 2.
    assert_eq!(
        scale_events(&tr),
        [
            (90.0, "2 → 6".to_string()),
            (105.0, "6 → 12".to_string()),
            (120.0, "12 → 16".to_string()),
            (915.0, "16 → 2".to_string()),
        ],
        "{}",
        dump(&tr)
    );
    let w = &out.metrics.workloads[0];
    assert_eq!((w.scale_ups, w.scale_downs), (3, 1));
    assert_eq!(w.replicas_max, Some(16.0));
    // The scale-down deletes in the ReplicaSet's order: the pods Ready for the shortest
    // time (log2 buckets) go first, so the two original pods (Ready since ~5 s) stay.
    let deleted: Vec<&str> = tr
        .iter()
        .filter(|(t, s)| *t == 915.0 && s.starts_with("deleted "))
        .map(|(_, s)| &s["deleted ".len()..])
        .collect();
    assert_eq!(deleted.len(), 14);
    assert!(
        !deleted.contains(&"web-0") && !deleted.contains(&"web-1"),
        "{deleted:?}"
    );
}

#[test]
fn five_percent_over_target_is_tolerated_fifteen_percent_is_one_step() {
    // 3 pods. The first window with pod metrics is [15, 30], seen at 45 s.
    // 157.5/s ÷ 3 = 52.5/s: ratio 1.05, |1.05 − 1| ≤ 0.1 → no change ever.
    let sc = scenario(
        &scaled(
            "{min: 1, max: 30, metrics: [{requests_per_pod: 50/s}]}",
            "{poisson: 157.5/s}",
            "",
        )
        .replace("replicas: 2", "replicas: 3"),
    );
    let tr = lines(&run_traced(&sc, 1));
    assert_eq!(scale_events(&tr), []);
    // 172.5/s ÷ 3 = 57.5/s: ratio 1.15 → ceil(3 × 1.15) = ceil(3.45) = 4 at 45 s; then
    // 172.5 ÷ 4 = 43.1/s: ratio 0.8625 → ceil(4 × 0.8625) = ceil(3.45) = 4: it stays.
    let sc = scenario(
        &scaled(
            "{min: 1, max: 30, metrics: [{requests_per_pod: 50/s}]}",
            "{poisson: 172.5/s}",
            "",
        )
        .replace("replicas: 2", "replicas: 3"),
    );
    let tr = lines(&run_traced(&sc, 1));
    assert_eq!(scale_events(&tr), [(45.0, "3 → 4".to_string())]);
}

#[test]
fn slow_starting_pods_do_not_make_the_cpu_hpa_overscale() {
    // 1-core pods, 10 ms of CPU a request, target 60 %. 300/s over 2 pods: 150 % each →
    // ratio 2.5 → ceil(2 × 2.5) = 5 at 45 s. The 3 new pods take 120 s to start: first
    // missing, then (CPU only) not ready, so they count 0 % while scaling up:
    // (150 + 150 + 0 + 0 + 0) ÷ 5 = 60 % → ratio 1.0 → no change. Counting them at the
    // current scale (the naive ceil(5 × 2.5) = 13) is what the rule prevents. Once Ready
    // they take a fifth of the load each: 300 ÷ 5 × 10 ms = 60 %, in tolerance.
    let sc = scenario(
        &scaled(
            "{min: 1, max: 30, metrics: [{cpu_utilization: 60%}]}",
            "{poisson: 300/s}",
            "",
        )
        .replace("resources: {cpu: 500m}", "resources: {cpu: 1}")
        .replace(
            "service_time: 10ms}",
            "service_time: 10ms, cpu_per_request: 10ms}",
        )
        .replace("start: 5s", "start: 120s"),
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let events = scale_events(&tr);
    // The 2 first pods listen at 120.1 s; their containers run from 0.1 s, so they have
    // CPU metrics from the window [15, 30] on, but they are not Ready until ~130 s and
    // within their initialization period: not ready, and no pod is ready → no metric.
    // Ready at ~126 and ~129 s, a window must start after the transition to count: the
    // window [135, 150] is the first, seen at 165 s: 150 % → 5.
    assert_eq!(events.len(), 1, "{}", dump(&tr));
    assert_eq!(events[0].1, "2 → 5");
    assert_eq!(events[0].0, 165.0);
    assert_eq!(out.metrics.workloads[0].replicas_max, Some(5.0));
}

#[test]
fn a_statefulset_scales_up_in_order_and_down_from_the_highest_ordinal() {
    let sc = scenario(
        &scaled(
            "{min: 2, max: 30, metrics: [{requests_per_pod: 50/s}]}",
            "{steps: [{at: 0s, rate: 100/s}, {at: 60s, rate: 200/s}, {at: 300s, rate: 100/s}]}",
            "",
        )
        .replace("    replicas: 2", "    kind: StatefulSet\n    replicas: 2"),
    );
    let tr = lines(&run_traced(&sc, 1));
    // 200/s over 2 → 100/s, ratio 2 → 4 at 90 s; back at 300 s → 2 once the 315 s
    // recommendation of 4 is 300 s old: 615 s.
    assert_eq!(
        scale_events(&tr),
        [(90.0, "2 → 4".to_string()), (615.0, "4 → 2".to_string())],
        "{}",
        dump(&tr)
    );
    // OrderedReady: web-3 is created only once web-2 is Running and Ready.
    let created3 = at(&tr, "created web-3", 0.0);
    let ready2 = at(&tr, "ready web-2 true", 0.0);
    assert!(
        created3 >= ready2,
        "web-3 at {created3}, web-2 Ready at {ready2}"
    );
    // Scale-down: web-3 first; web-2 only once web-3 is gone.
    let del3 = at(&tr, "deleted web-3", 600.0);
    let gone3 = at(&tr, "removed web-3", 600.0);
    let del2 = at(&tr, "deleted web-2", 600.0);
    assert!(del3 <= del2 && gone3 <= del2, "{del3} {gone3} {del2}");
}

#[test]
fn predictive_scaling_runs_ahead_of_a_ramp() {
    // Load ramps by 50/s every minute from 100/s. A linear forecast of the rate `lead` ahead
    // asks for the replicas before the HPA's metrics show the load.
    let steps: Vec<String> = (0..15)
        .map(|i| format!("{{at: {}s, rate: {}/s}}", i * 60, 100 + 50 * i))
        .collect();
    let arrivals = format!("{{steps: [{}]}}", steps.join(", "));
    let reactive = scenario(&scaled(
        "{min: 2, max: 60, metrics: [{requests_per_pod: 50/s}]}",
        &arrivals,
        "",
    ));
    let predictive = scenario(&scaled(
        "{min: 2, max: 60, metrics: [{requests_per_pod: 50/s}]}",
        &arrivals,
        "      predictive: {model: linear, window: 5m, lead: 2m}",
    ));
    let time_to = |sc: &kubesim::scenario::Scenario, n: u32| {
        let tr = lines(&run_traced(sc, 1));
        scale_events(&tr)
            .iter()
            .find(|(_, s)| s.split(" → ").nth(1).unwrap().parse::<u32>().unwrap() >= n)
            .map(|(t, _)| *t)
            .unwrap_or(f64::INFINITY)
    };
    // 750/s (reached at 780 s) needs 15 pods: the predictive scaler gets there first.
    let (r, p) = (time_to(&reactive, 15), time_to(&predictive, 15));
    assert!(p < r, "predictive reached 15 at {p}, reactive at {r}");
    let out = run_traced(&predictive, 1);
    let mape = out.metrics.workloads[0]
        .forecast_error
        .expect("forecasts were scored");
    // A staircase is nearly a line: the forecast of a 2-minute lead is off by the steps.
    assert!(mape < 0.15, "MAPE {mape}");
    assert_eq!(
        run_traced(&reactive, 1).metrics.workloads[0].forecast_error,
        None
    );
}

#[test]
fn request_mode_autoscaling_is_deterministic() {
    let yaml = scaled(
        "{min: 2, max: 30, metrics: [{requests_per_pod: 50/s}]}",
        "{steps: [{at: 0s, rate: 100/s}, {at: 60s, rate: 400/s}]}",
        "",
    )
    .replace("    model: fluid\n", "")
    .replace("horizon: 20m", "horizon: 5m");
    let sc = scenario(&yaml);
    let (a, b) = (lines(&run_traced(&sc, 7)), lines(&run_traced(&sc, 7)));
    assert_eq!(a, b);
    // 400/s over 2 pods (with Poisson noise) asks about 8, limited to 6 at 90 s.
    assert_eq!(scale_events(&a)[0], (90.0, "2 → 6".to_string()));
}

#[test]
fn fluid_endpoint_counts_match_a_full_recount_under_churn() {
    // The fluid model keeps its per-service endpoint counts lazily (only pods an event
    // touched are re-counted); in test builds every interval checks them against a full
    // recount (a debug assertion). This day has everything that moves pods: node failures,
    // crashes, hangs, a rollout, a drain, an HPA on a diurnal load and a cluster autoscaler.
    let yaml = "
horizon: 1d
nodes:
  - pool: w
    count: 4
    zones: [a, b]
    capacity: {cpu: 4, pods: 110}
    boot: 60s
    autoscaling: {min: 3, max: 12}
    failures: {time_to_failure: {exponential: 6h}, time_to_repair: {exponential: 20m}}
workloads:
  - name: web
    replicas: 4
    resources: {cpu: 500m}
    spread: zones
    start: 5s
    pre_stop: 2s
    probes: {readiness: {period: 5s}, liveness: {period: 10s}}
    failures: {crash: {exponential: 2h}, hang: {exponential: 4h}, hang_duration: {exponential: 5m}}
    server: {concurrency: 4, queue: 50, service_time: {exponential: 20ms}}
    pdb: {max_unavailable: 1}
    autoscaling:
      hpa: {min: 3, max: 30, metrics: [{requests_per_pod: 60/s}]}
services: [{name: web, workload: web}]
traffic:
  - service: web
    model: fluid
    retries: {attempts: 1, backoff: 100ms}
    arrivals: {diurnal: {mean: 600/s, amplitude: 0.8, period: 6h, peak: 3h}}
faults:
  - {at: 2h, rollout: web}
  - {at: 5h, drain_node: w-1, for: 30m}
";
    let sc = scenario(yaml);
    let out = run_traced(&sc, 3);
    let w = &out.metrics.workloads[0];
    assert!(w.scale_ups > 0 && w.scale_downs > 0, "{w:?}");
    let r = &out.metrics.requests[0];
    assert!(r.requests > 40_000_000 && r.ok > 0, "{r:?}");
}

#[test]
fn the_hpa_and_the_cluster_autoscaler_add_nodes_for_a_surge_and_remove_them_after() {
    // Nodes of 2 CPU hold 4 pods of 500m; the pool starts at 2 nodes (8 pods), may grow to
    // 10. Load 100/s, 1000/s from 60 s to 20 min, then 100/s; 50/s per pod is the target.
    let sc = scenario(
        "
horizon: 1h
nodes: [{pool: w, count: 2, capacity: {cpu: 2, pods: 110}, boot: 60s, autoscaling: {min: 2, max: 10}}]
workloads:
  - name: web
    replicas: 2
    resources: {cpu: 500m}
    start: 5s
    probes: {readiness: {period: 10s}}
    server: {concurrency: 16, queue: 1000, service_time: 10ms}
    autoscaling:
      hpa: {min: 2, max: 30, metrics: [{requests_per_pod: 50/s}]}
services: [{name: web, workload: web}]
traffic:
  - service: web
    model: fluid
    arrivals: {steps: [{at: 0s, rate: 100/s}, {at: 60s, rate: 1000/s}, {at: 20m, rate: 100/s}]}
",
    );
    let out = run_traced(&sc, 1);
    let tr = lines(&out);
    let of = |kind: &str| -> Vec<(f64, String)> {
        tr.iter()
            .filter(|(_, s)| s.starts_with(kind))
            .map(|(t, s)| (*t, s[kind.len()..].split(' ').next().unwrap().to_string()))
            .collect()
    };
    // HPA: 2 → 6 at 90 s (500/s per pod asks 20; +4), 6 → 12 at 105 s, 12 → 20 at 120 s.
    // 12 pods need 3 nodes: the 4 pods beyond 8 are pending at 105.1 s → the scan at 110 s
    // adds w-2; 20 pods: 8 more pending at 120.1 → the scan at 130 s adds w-3 and w-4.
    // Each is Ready 60 s after it was asked for.
    let added = of("node-added ");
    let want: Vec<(f64, String)> = [(110.0, "w-2"), (130.0, "w-3"), (130.0, "w-4")]
        .iter()
        .map(|(t, n)| (*t, n.to_string()))
        .collect();
    assert_eq!(added, want, "{}", dump(&tr));
    assert_close(
        at(&tr, "node-ready w-2", 0.0),
        170.0,
        "w-2 Ready after boot",
    );
    // The load falls at 20 min: the metrics ask for 2 from the sync at 1230 s, the last
    // recommendation of 20 (1215 s) leaves the 300 s window at 1515 s: 20 → 2. The scan at
    // 1520 s finds the emptied nodes unneeded; after 10 min (1520 + 600 = 2120 s) the first
    // goes, one drain at a time, down to the pool's min of 2 nodes.
    let scaled: Vec<f64> = tr
        .iter()
        .filter(|(_, s)| s.starts_with("scaled web 20 → 2"))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(scaled, [1515.0]);
    let removed = of("node-removed ");
    assert_eq!(removed.len(), 3, "{}", dump(&tr));
    assert_close(
        removed[0].0,
        2120.0,
        "first node removed after unneeded_time",
    );
    assert!(removed.iter().all(|(t, _)| *t >= 2120.0));
    assert_eq!((out.metrics.nodes_added, out.metrics.nodes_removed), (3, 3));
}
