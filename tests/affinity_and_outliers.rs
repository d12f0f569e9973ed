//! Session affinity pins a client to its endpoint; outlier detection ejects an endpoint that
//! keeps failing, which readiness probes alone would not (here: no readiness probe at all).

mod common;
use common::*;

fn yaml(service_extra: &str, clients: u32, hang: &str) -> String {
    format!(
        "
horizon: 10m
warmup: 30s
nodes: [{{pool: w, count: 4}}]
workloads:
  - name: web
    replicas: 4
    spread: nodes
    server: {{concurrency: 8, queue: 100, service_time: 1ms}}
services: [{{name: web, workload: web{service_extra}}}]
traffic: [{{service: web, arrivals: {{poisson: 200/s}}, clients: {clients}, timeout: 1s}}]
faults: [{{at: 60s, hang_pod: {hang}, for: 2m}}]
"
    )
}

#[test]
fn outlier_detection_ejects_a_hung_pod_that_readiness_does_not_catch() {
    // No readiness probe: endpoints list the hung pod for its whole 2-minute hang, and `random`
    // sends it 1/4 of 200/s: about 6000 timeouts. With 5 consecutive errors → 30 s ejection,
    // errors are seen at each attempt's 1 s deadline, so by the fifth one ~50 more attempts
    // (1 s × 50/s) are already in flight: ~55 timeouts per cycle, one cycle per 30 s ejection,
    // four cycles in the hang: ~220.
    let without = run_traced(&scenario(&yaml("", 10_000, "web-1")), 1)
        .metrics
        .requests[0]
        .failed[3];
    let with = run_traced(
        &scenario(&yaml(
            ", outlier_detection: {consecutive_errors: 5, ejection: 30s}",
            10_000,
            "web-1",
        )),
        1,
    )
    .metrics
    .requests[0]
        .failed[3];
    eprintln!("timeouts without outlier detection {without}, with {with}");
    assert!((5000..7000).contains(&without), "{without}");
    assert!(with < without / 20, "{with} vs {without}");
}

#[test]
fn affinity_pins_a_single_client_to_one_pod() {
    // One client with ClientIP affinity: every request goes to the same pod, so a hang of one
    // pod fails either all of the client's requests during the hang or none of them.
    // Without affinity the same client spreads evenly and loses about a quarter.
    for seed in 0..8 {
        let mut lost = Vec::new();
        for pod in 0..4 {
            let out = run_traced(
                &scenario(&yaml(
                    ", session_affinity: {client_ip: {timeout: 3h}}",
                    1,
                    &format!("web-{pod}"),
                )),
                seed,
            );
            lost.push(out.metrics.requests[0].failed[3]);
        }
        // 200/s for 120 s, minus the last second's attempts still in flight when it ends.
        let hit: Vec<_> = lost.iter().filter(|l| **l > 20_000).collect();
        assert_eq!(
            hit.len(),
            1,
            "seed {seed}: exactly one pod holds the client: {lost:?}"
        );
        assert_eq!(
            lost.iter().filter(|l| **l == 0).count(),
            3,
            "seed {seed}: {lost:?}"
        );
    }
    let spread = run_traced(&scenario(&yaml("", 1, "web-2")), 0)
        .metrics
        .requests[0]
        .failed[3] as f64;
    assert!((spread - 6000.0).abs() < 400.0, "{spread}");
}
