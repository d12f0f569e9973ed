//! Worked example of a node failure with Kubernetes default timing: the pod stops serving at
//! the failure, endpoints drop it at detection + endpoint delay, and the replacement serves
//! after toleration + scheduling + start + readiness.

mod common;
use common::*;

const YAML: &str = "
horizon: 2h
nodes:
  - pool: w
    count: 2
workloads:
  - name: web
    replicas: 1
    start: 5s
    probes:
      readiness: {period: 10s}
faults:
  - {at: 1h, kill_node: w-0}
";

#[test]
fn node_failure_detection_eviction_and_replacement() {
    let sc = scenario(YAML);
    for seed in 0..20 {
        let out = run_traced(&sc, seed);
        let tr = lines(&out);
        // Both nodes are empty, so the pod lands on w-0 (lowest index among equal scores).
        at(&tr, "bound web-0 w-0", 0.0);
        let t0 = 3600.0;
        assert_close(at(&tr, "node-failed w-0", 0.0), t0, "failure");
        // The process dies with the node: not serving at t0, while endpoints still list it.
        assert_close(
            at(&tr, "serving web-0 off", t0),
            t0,
            "stops serving at the failure",
        );
        // Lease renewed every 10 s, so the last renewal is in (t0-10, t0]; the 50 s grace ends in
        // (t0+40, t0+50]; the next 5 s monitor tick lands in (t0+40, t0+55].
        let detect = at(&tr, "node-not-ready w-0", t0);
        assert!(
            detect > t0 + 40.0 && detect <= t0 + 55.0,
            "seed {seed}: detection at {detect}"
        );
        // Endpoint delay 1 s (default).
        assert_close(
            at(&tr, "endpoints web-0 remove", t0),
            detect + 1.0,
            "endpoints drop the pod",
        );
        // The taint decision sees the Ready condition of the previous pass, so the node joins
        // its zone's taint queue one 5 s monitor pass after NotReady; the queue's bucket is
        // full, so the next 100 ms taint pass taints it. NoExecute toleration 300 s from the
        // taint, then the ReplicaSet creates web-1 at once.
        let taint = at(&tr, "node-tainted w-0", t0);
        assert_close(taint, ((detect + 5.0) * 10.0).ceil() / 10.0, "taint");
        let evict = at(&tr, "taint-eviction w-0", t0);
        assert_close(evict, taint + 300.0, "taint eviction");
        assert_close(at(&tr, "created web-1", t0), evict, "replacement created");
        // Scheduling delay 100 ms onto the healthy node; the container starts at once and
        // listens 5 s later.
        assert_close(
            at(&tr, "bound web-1 w-1", t0),
            evict + 0.1,
            "replacement bound",
        );
        let listening = at(&tr, "listening web-1", t0);
        assert_close(listening, evict + 0.1 + 5.0, "replacement listening");
        // Readiness: the first readiness tick at or after listening succeeds (success
        // threshold 1); ticks are 10 s apart at a uniform phase.
        let ready = at(&tr, "probe web-1 Readiness success", t0);
        assert!(
            ready >= listening && ready < listening + 10.0,
            "seed {seed}: ready at {ready}"
        );
        // Endpoint delay again, then it serves.
        let serving = at(&tr, "serving web-1 on", t0);
        assert_close(serving, ready + 1.0, "replacement serving");
        // One replica, min_ready 1: the only incident after start-up is [t0, serving).
        let m = &out.metrics.workloads[0];
        let startup = at(&tr, "serving web-0 on", 0.0);
        assert_close(
            m.downtime_s,
            startup + (serving - t0),
            "downtime arithmetic",
        );
        assert_eq!(m.incidents, 2, "start-up and the node failure");
        // Sanity of the whole: about 5m50s–6m16s of outage per node failure with defaults.
        let outage = serving - t0;
        assert!(
            (350.0..376.1).contains(&outage),
            "seed {seed}: outage {outage}"
        );
    }
}
