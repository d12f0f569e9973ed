//! Probes as the kubelet sends them (issue 12): a tcp probe passes on a hung process, an
//! http probe is served by the app and fails under overload (the readiness cascade), exec
//! fails when hung; the event-driven workers agree with probes ticking every period.

mod common;
use common::*;
use kubesim::model::{SimOptions, simulate};

/// Two pods behind a service at 100 req/s; web-0 hangs from 60 s for 10 min.
fn hung(handler: &str) -> String {
    format!(
        "
horizon: 15m
nodes: [{{pool: w, count: 2}}]
workloads:
  - name: web
    replicas: 2
    start: 5s
    probes:
      readiness: {{period: 10s, timeout: 1s, failure_threshold: 3, handler: {handler}}}
      liveness: {{period: 10s, timeout: 1s, failure_threshold: 3, handler: {handler}}}
    server: {{concurrency: 4, queue: 100, service_time: {{exponential: 10ms}}}}
services: [{{name: web, workload: web}}]
traffic:
  - service: web
    timeout: 2s
    arrivals: {{poisson: 100/s}}
faults: [{{at: 60s, hang_pod: web-0, for: 10m}}]
"
    )
}

#[test]
fn a_hung_pod_stays_in_with_tcp_probes_and_is_restarted_with_http_probes() {
    // tcp: the kernel completes the handshake of a hung process, so neither probe ever
    // fails: web-0 stays in the endpoints for the whole hang (600 s) and its half of the
    // traffic times out: ≈ 0.5 × 100/s × 600 s = 30,000 requests (Poisson: ± 1 %).
    let out = run_traced(&scenario(&hung("tcp")), 1);
    let tr = lines(&out);
    assert!(
        !tr.iter()
            .any(|(_, s)| s.starts_with("probe web-0 Readiness failure")
                || s.starts_with("probe-kill web-0")),
        "{}",
        dump(&tr)
    );
    let timeouts =
        out.metrics.requests[0].failed[kubesim::metrics::requests::Failure::Timeout as usize];
    assert!((28_500..=31_500).contains(&timeouts), "{timeouts}");

    // http: ticks every 10 s; each fails 1 s after its tick (timeout). The third failing
    // tick after 60 s is at most 60 + 30 s, so readiness fails by 60 + 30 + 1 = 91 s and
    // liveness kills by then too; the hang is over for web-0's new container. Timeouts:
    // at most ~31 s (+ the endpoint delay) of half the traffic: ≤ 0.5 × 100 × 33 ≈ 1,650.
    let out = run_traced(&scenario(&hung("http")), 1);
    let tr = lines(&out);
    let (unready, what) = at_prefix(&tr, "probe web-0 Readiness failure", 60.0);
    assert!(what.ends_with("(hang)"), "{what}");
    assert!((80.0..=91.0).contains(&unready), "{unready}");
    let killed = at(&tr, "probe-kill web-0", 60.0);
    assert!((80.0..=91.0).contains(&killed), "{killed}");
    let timeouts =
        out.metrics.requests[0].failed[kubesim::metrics::requests::Failure::Timeout as usize];
    assert!(timeouts <= 1_700, "{timeouts}");
    let w = &out.metrics.workloads[0];
    // [kind][cause]: readiness and liveness each failed once for the hang.
    assert_eq!((w.probe_failures[0][1], w.probe_failures[1][1]), (1, 1));
}

#[test]
fn exec_probes_fail_on_a_hang_like_http() {
    let out = run_traced(&scenario(&hung("exec")), 1);
    let tr = lines(&out);
    let killed = at(&tr, "probe-kill web-0", 60.0);
    assert!((80.0..=91.0).contains(&killed), "{killed}");
}

/// 4 pods of 200 req/s (4 workers × 20 ms) at `rate`; readiness as given, liveness tcp.
fn cascade(readiness: &str, rate: u32) -> String {
    format!(
        "
horizon: 10m
warmup: 1m
nodes: [{{pool: w, count: 4}}]
workloads:
  - name: web
    replicas: 4
    resources: {{cpu: 100m}}
    start: 5s
    probes:
      readiness: {{period: 5s, timeout: 1s, failure_threshold: 3, {readiness}}}
      liveness: {{period: 10s, timeout: 1s, failure_threshold: 3, handler: tcp}}
    server: {{concurrency: 4, queue: 400, service_time: {{exponential: 20ms}}, cpu_per_request: 1ms}}
services: [{{name: web, workload: web}}]
traffic:
  - service: web
    timeout: 5s
    arrivals: {{poisson: {rate}/s}}
"
    )
}

fn success_and_flaps(yaml: &str) -> (f64, u32) {
    let out = simulate(&scenario(yaml), 2, SimOptions::default());
    let r = &out.metrics.requests[0];
    (
        r.ok as f64 / r.requests as f64,
        out.metrics.workloads[0].flaps,
    )
}

#[test]
fn http_readiness_on_the_shared_path_turns_overload_into_a_cascade() {
    // At 110 % of capacity (880/s against 800/s) the best any pod set can do is serve 800/s:
    // 800 / 880 = 90.9 %. tcp and dedicated-path probes keep every pod in and get that.
    // Shared-path http probes wait behind a full queue (400 × 20 ms ÷ 4 = 2 s > 1 s), fail,
    // and the pod leaves the endpoints while the others take its load; it drains, passes,
    // comes back: capacity idles and the success ratio falls well below 90.9 %.
    let (tcp, tcp_flaps) = success_and_flaps(&cascade("handler: tcp", 880));
    let (shared, flaps) = success_and_flaps(&cascade("handler: http, probe_path: shared", 880));
    assert!((0.895..=0.92).contains(&tcp), "tcp {tcp}");
    assert_eq!(tcp_flaps, 0);
    assert!(shared < tcp - 0.05, "shared {shared} vs tcp {tcp}");
    assert!(flaps >= 20, "{flaps} flaps");
    // A dedicated health thread skips the queue: with CPU to spare (4 workers × 1 ms ÷
    // 20 ms = 0.2 cores of a 1-core request) it answers like tcp.
    let roomy = cascade("handler: http, probe_path: dedicated", 880)
        .replace("resources: {cpu: 100m}", "resources: {cpu: 1}");
    let (dedicated, dedicated_flaps) = success_and_flaps(&roomy);
    assert_eq!((dedicated, dedicated_flaps), (tcp, 0));
    // With a 100m request the busy workers take all of it: the thread starves whenever
    // every worker is busy — always, under overload — and the cascade is back.
    let (starved, _) = success_and_flaps(&cascade("handler: http, probe_path: dedicated", 880));
    assert!(starved < tcp - 0.05, "starved {starved} vs tcp {tcp}");
    // Below capacity (90 %) the queue stays short: no cascade.
    let (calm, calm_flaps) = success_and_flaps(&cascade("handler: http, probe_path: shared", 720));
    assert!(calm > 0.999 && calm_flaps <= 1, "{calm} {calm_flaps}");
}

#[test]
fn event_driven_probes_match_ticking_probes_under_traffic() {
    // Mixed handlers under load near capacity, with hangs, crashes and a node failure: the
    // fast path (event-driven where the outcome cannot depend on the load, ticking where it
    // can) must give the same history as ticking every probe.
    let yaml = "
horizon: 2h
nodes:
  - pool: w
    count: 3
    failures: {time_to_failure: {exponential: 3h}, time_to_repair: {exponential: 10m}}
workloads:
  - name: web
    replicas: 3
    resources: {cpu: 100m}
    start: {lognormal: {median: 5s, sigma: 0.5}}
    failures: {crash: {exponential: 40m}, hang: {exponential: 30m}, hang_duration: {exponential: 2m}}
    probes:
      readiness: {period: 5s, timeout: 1s, failure_threshold: 2, success_threshold: 2, handler: http}
      liveness: {period: 7s, timeout: 2s, failure_threshold: 3, handler: tcp, backlog: 50}
    server: {concurrency: 2, queue: 60, service_time: {exponential: 20ms}, cpu_per_request: 5ms}
  - name: api
    replicas: 2
    resources: {cpu: 100m}
    start: 3s
    failures: {hang: {exponential: 20m}, hang_duration: {exponential: 1m}}
    probes:
      readiness: {period: 4s, timeout: 1s, handler: grpc, probe_path: dedicated}
      liveness: {period: 9s, timeout: 1s, failure_threshold: 2, handler: exec}
    server: {concurrency: 4, queue: 20, service_time: {exponential: 30ms}, cpu_per_request: 10ms}
services: [{name: web, workload: web}, {name: api, workload: api}]
traffic:
  - {service: web, timeout: 2s, arrivals: {poisson: 290/s}}
  - {service: api, timeout: 2s, arrivals: {poisson: 240/s}}
";
    let sc = scenario(yaml);
    for seed in 0..3 {
        let run = |oracle: bool| {
            simulate(
                &sc,
                seed,
                SimOptions {
                    trace: true,
                    probe_oracle: oracle,
                    ..SimOptions::default()
                },
            )
        };
        let (fast, slow) = (run(false), run(true));
        let (f, s) = (lines(&fast), lines(&slow));
        let load_failures = f
            .iter()
            .filter(|(_, l)| l.starts_with("probe ") && l.ends_with("(load)"))
            .count();
        assert!(load_failures > 0, "seed {seed}: no probe failed under load");
        if let Some(i) = (0..f.len().min(s.len())).find(|&i| f[i] != s[i]) {
            let lo = i.saturating_sub(6);
            panic!(
                "seed {seed}: traces differ at line {i}\nfast:\n{}\noracle:\n{}",
                dump(&f[lo..(i + 3).min(f.len())]),
                dump(&s[lo..(i + 3).min(s.len())])
            );
        }
        assert_eq!(f.len(), s.len());
        assert_eq!(fast.metrics, slow.metrics, "seed {seed}");
    }
}
