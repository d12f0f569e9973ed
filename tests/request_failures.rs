//! Worked examples of requests lost to pod failures: the count follows from the detection
//! window and the routing share.

mod common;
use common::*;

/// Four pods behind `random`, 1000 requests/s, light load (1 ms service, 8 workers).
fn yaml(fault: &str, probes: &str, retries: &str) -> String {
    format!(
        "
horizon: 10m
warmup: 30s
nodes: [{{pool: w, count: 4}}]
workloads:
  - name: web
    replicas: 4
    spread: nodes
    start: 1s
    server: {{concurrency: 8, queue: 100, service_time: 1ms}}
    probes:
{probes}
services: [{{name: web, workload: web}}]
traffic: [{{service: web, arrivals: {{poisson: 1000/s}}, timeout: 2s{retries}}}]
faults: [{fault}]
"
    )
}

#[test]
fn hung_pod_loses_a_quarter_of_arrivals_until_endpoints_drop_it() {
    // web-1 hangs at 60 s. Readiness (period 1 s, threshold 3, timeout 500 ms) fails at the
    // third failing tick after 60 s plus 500 ms; endpoints drop it 1 s later, at T. Until then
    // `random` sends it 1/4 of 1000/s, and each of those times out: expected λ(T − 60)/4.
    let sc = scenario(&yaml(
        "{at: 60s, hang_pod: web-1, for: 5m}",
        "      readiness: {period: 1s, timeout: 500ms, failure_threshold: 3}",
        "",
    ));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let fail = at(&tr, "probe web-1 Readiness failure (hang)", 60.0);
        assert!(
            (62.5..63.5).contains(&fail),
            "third failing tick + timeout: {fail}"
        );
        let removed = at(&tr, "endpoints web-1 remove", 60.0);
        assert_close(removed, fail + 1.0, "endpoint delay");
        let expected = 1000.0 * (removed - 60.0) / 4.0;
        let r = &out.metrics.requests[0];
        let timeouts = r.failed[3] as f64;
        eprintln!(
            "seed {seed}: window {:.3} s, timeouts {timeouts}, expected {expected:.0}",
            removed - 60.0
        );
        assert!(
            (timeouts - expected).abs() <= 4.0 * expected.sqrt(),
            "seed {seed}: {timeouts} vs {expected}"
        );
        assert_eq!(r.failed[0] + r.failed[1] + r.failed[2], 0, "only timeouts");
        assert_eq!(r.requests, r.ok + r.failed[3]);
    }
}

#[test]
fn killed_pod_fails_requests_at_once_until_endpoints_drop_it() {
    // The container of web-2 exits at 60 s: readiness fails at once (container not running),
    // endpoints drop it 1 s later. Meanwhile 1/4 of arrivals hit a dead pod and fail at once:
    // expected 1000 · 1 / 4 = 250. It restarts immediately (first crash), listens after 1 s,
    // and without a readiness probe it is Ready at container start, listed 1 s later.
    let sc = scenario(&yaml(
        "{at: 60s, kill_pod: web-2}",
        "      liveness: {period: 10s}",
        "",
    ));
    let mut total = 0.0;
    for seed in 0..8 {
        let out = run_traced(&sc, seed);
        let r = &out.metrics.requests[0];
        total += r.failed[1] as f64;
        assert_eq!(
            r.failed[0] + r.failed[2] + r.failed[3],
            0,
            "seed {seed}: only dead-pod failures"
        );
        // Back in the endpoints at 61 s (restart at 60 + 1 s endpoint delay) but listening only
        // at 61 s as well: no second window.
        let tr = lines(&out);
        assert_close(at(&tr, "endpoints web-2 remove", 60.0), 61.0, "removed");
    }
    let mean = total / 8.0;
    // 8 × 250 = 2000 expected; Poisson sd of the total ≈ 45.
    assert!(
        (mean - 250.0).abs() <= 4.0 * (2000f64).sqrt() / 8.0,
        "mean {mean}"
    );
}

#[test]
fn retries_recover_requests_sent_to_a_hung_pod() {
    // Same hang with two retries: a timed-out attempt is retried 50 ms after its 2 s deadline,
    // and at most 1/4 of retries land on web-1 again while it is still listed.
    let probes = "      readiness: {period: 1s, timeout: 500ms, failure_threshold: 3}";
    let without = run_traced(
        &scenario(&yaml("{at: 60s, hang_pod: web-1, for: 5m}", probes, "")),
        3,
    );
    let with = run_traced(
        &scenario(&yaml(
            "{at: 60s, hang_pod: web-1, for: 5m}",
            probes,
            ", retries: {attempts: 2, backoff: 50ms}",
        )),
        3,
    );
    let (a, b) = (&without.metrics.requests[0], &with.metrics.requests[0]);
    assert!(a.failed[3] > 500, "{}", a.failed[3]);
    assert_eq!(
        b.requests, a.requests,
        "same arrivals (common random numbers)"
    );
    // Only a request whose three attempts all landed on web-1 before it left the endpoints
    // (probability 1/16 near the window's end) still fails.
    assert!(
        b.failed[3] * 50 < a.failed[3],
        "retries recover almost all: {} of {}",
        b.failed[3],
        a.failed[3]
    );
    assert!(
        b.retries >= a.failed[3] && b.retries <= a.failed[3] * 2,
        "{} retries for {} timeouts",
        b.retries,
        a.failed[3]
    );
    // Retried requests took the 2 s timeout plus back-off (~0.2 % of requests: p99.9 shows
    // it, p99 does not).
    let l = b.latency_ms();
    assert!(
        l[3] < 10.0 && l[4] >= 2050.0,
        "p99 {} ms, p99.9 {} ms",
        l[3],
        l[4]
    );
}
