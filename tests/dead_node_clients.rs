//! What clients see of a dead node: no TCP reset comes back from a powered-off machine, so
//! requests sent to its pods hang until the client's timeout (until endpoints drop them),
//! while a live node whose process exited refuses at once.

mod common;
use common::*;

fn yaml(model: &str, fault: &str) -> String {
    format!(
        "
horizon: 5m
warmup: 20s
nodes: [{{pool: w, count: 4}}]
workloads:
  - name: web
    replicas: 4
    spread: nodes
    start: 1s
    server: {{concurrency: 8, queue: 100, service_time: 1ms}}
services: [{{name: web, workload: web}}]
traffic: [{{service: web, model: {model}, arrivals: {{poisson: 200/s}}, timeout: 2s}}]
faults: [{fault}]
"
    )
}

#[test]
fn requests_to_a_dead_node_time_out_instead_of_failing_at_once() {
    // w-1 (holding web-1) dies at 60 s. Detection comes 40–55 s later, endpoints drop web-1
    // 1 s after that, at T. Until T `random` sends it 1/4 of 200/s, and every one of those
    // hangs for the 2 s timeout: expected λ(T − 60)/4 timeouts, none refused at once.
    let sc = scenario(&yaml("requests", "{at: 60s, kill_node: w-1, for: 1h}"));
    for seed in 0..5 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        let removed = at(&tr, "endpoints web-1 remove", 60.0);
        assert!((101.0..=116.0).contains(&removed), "seed {seed}: {removed}");
        let expected = 200.0 * (removed - 60.0) / 4.0;
        let r = &out.metrics.requests[0];
        let timeouts = r.failed[3] as f64;
        assert!(
            (timeouts - expected).abs() <= 4.0 * expected.sqrt(),
            "seed {seed}: {timeouts} timeouts vs {expected:.0} expected"
        );
        assert_eq!(r.failed[1], 0, "seed {seed}: nothing refused at once");
    }
}

#[test]
fn a_crashed_process_on_a_live_node_still_refuses_at_once() {
    // kill_pod on a live node: the kubelet restarts the container in place (CrashLoopBackOff
    // entry: restart at once), the pod is not listening for its 1 s start; connections to it
    // are refused (failed_dead_pod), not timed out.
    let out = run_traced(
        &scenario(&yaml("requests", "{at: 60s, kill_pod: web-1}")),
        1,
    );
    let r = &out.metrics.requests[0];
    assert!(r.failed[1] > 0, "refused at once: {:?}", r.failed);
    assert_eq!(r.failed[3], 0, "no timeouts: {:?}", r.failed);
}

#[test]
fn the_fluid_model_times_out_the_dead_node_share_too() {
    // Same failure in fluid mode: the timeouts are exactly the rate integral λ(T − 60)/4 (no
    // arrival noise), and nothing fails as a refused connection.
    let sc = scenario(&yaml("fluid", "{at: 60s, kill_node: w-1, for: 1h}"));
    let out = run_traced(&sc, 3);
    let removed = at(&lines(&out), "endpoints web-1 remove", 60.0);
    let expected = 200.0 * (removed - 60.0) / 4.0;
    let r = &out.metrics.requests[0];
    let timeouts = r.failed[3] as f64;
    assert!(
        (timeouts - expected).abs() <= 0.01 * expected + 1.0,
        "{timeouts} vs {expected}"
    );
    assert_eq!(r.failed[1], 0);
}
