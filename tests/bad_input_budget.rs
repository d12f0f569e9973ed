//! The catalogue of scenarios that would run for hours or exhaust memory (issue 8): each is
//! estimated before it starts and refused with exit code 2, how big it is and the flag that
//! raises the limit, and nothing written.

mod common;
use common::catalogue::*;

#[test]
fn rate_1e9() {
    let scenario =
        format!("{BASE}traffic:\n  - service: web\n    arrivals: {{poisson: 1000000000/s}}\n");
    let got = reject("rate-1e9", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:15: traffic[0].arrivals: a run would take about 2.6e14 events over the horizon (1d), above the limit of 2000000000 per run: make this less frequent, shorten the horizon, or raise --max-events",
        ]
    );
}

#[test]
fn rate_1e308() {
    let scenario =
        format!("{BASE}traffic:\n  - service: web\n    arrivals: {{poisson: 1e308/s}}\n");
    let got = reject("rate-1e308", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:15: traffic[0].arrivals: peak rate 1.0e308/s is above 1e9/s: inter-arrival times would round to 0 ns and simulated time would stop",
        ]
    );
}

#[test]
fn rate_rounds_to_zero() {
    // Inter-arrival times below 1 ns.
    let scenario = format!(
        "{BASE}traffic:\n  - service: web\n    arrivals: {{steps: [{{at: 0s, rate: 10/s}}, {{at: 1h, rate: 2000000/ms}}]}}\n"
    );
    let got = reject("rate-rounds-to-zero", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:15: traffic[0].arrivals: peak rate 2.0e9/s is above 1e9/s: inter-arrival times would round to 0 ns and simulated time would stop",
        ]
    );
}

#[test]
fn diurnal_peak_too_fast() {
    let scenario = format!(
        "{BASE}traffic:\n  - service: web\n    arrivals: {{diurnal: {{mean: 900000/ms, amplitude: 0.5}}}}\n"
    );
    let got = reject("diurnal-peak-too-fast", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:15: traffic[0].arrivals: peak rate 1.4e9/s is above 1e9/s: inter-arrival times would round to 0 ns and simulated time would stop",
        ]
    );
}

#[test]
fn trace_rate_too_fast() {
    let scenario =
        format!("{BASE}traffic:\n  - service: web\n    arrivals: {{trace: {{file: load.csv}}}}\n");
    let got = reject(
        "trace-rate-too-fast",
        Some(scenario.as_ref()),
        &[(
            "load.csv",
            b"t_s,rate_per_s\n0,5\n60,1e12\n".to_vec().as_slice(),
        )],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:15: traffic[0].arrivals: peak rate 1.0e12/s is above 1e9/s: inter-arrival times would round to 0 ns and simulated time would stop",
        ]
    );
}

#[test]
fn replicas_beyond_nodes() {
    let scenario = with("replicas: 3", "replicas: 100000");
    let got = reject("replicas-beyond-nodes", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:8:15: workloads[0].replicas: 100000 pods in all, but the 3 nodes hold at most 330 (capacity.pods): the rest would stay pending",
        ]
    );
}

#[test]
fn ring_hash_huge() {
    let scenario = with("replicas: 3", "replicas: 30").replace(
        "workload: web\n",
        "workload: web\n    balancer: {ring_hash: {vnodes: 100000}}\n",
    );
    let got = reject("ring-hash-huge", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:15: services[0].balancer: 100000 vnodes × 30 replicas = 3000000 ring entries, rebuilt on every endpoint change: at most 2000000 (a fixed limit)",
        ]
    );
}

#[test]
fn maglev_huge() {
    let scenario = BASE.replace(
        "workload: web\n",
        "workload: web\n    balancer: {maglev: {table: 10000019}}\n",
    );
    let got = reject("maglev-huge", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:15: services[0].balancer: a Maglev table of 10000019 entries, rebuilt on every endpoint change: at most 2000000 (a fixed limit)",
        ]
    );
}

#[test]
fn timeseries_1ns() {
    let scenario = format!("{BASE}output:\n  timeseries: 1ns\n");
    let got = reject("timeseries-1ns", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:15: output.timeseries: timeseries.csv would have about 8.6e13 rows, above the limit of 5000000 (a fixed limit): sample less often",
        ]
    );
}

#[test]
fn runs_million() {
    let scenario = format!("{BASE}runs: 1000000\n");
    let got = reject("runs-million", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:7: runs: 1000000 runs, above the limit of 100000 in all (a fixed limit: each run's results are held in memory)",
        ]
    );
}

#[test]
fn sweep_million() {
    // Counted before a single variant is built.
    let scenario = format!(
        "{BASE}sweep:\n{}",
        [
            "seed",
            "warmup",
            "name",
            "description",
            "workloads.web.start",
            "workloads.web.termination_grace"
        ]
        .iter()
        .map(|k| format!(
            "  {k}: [{}]\n",
            (0..10)
                .map(
                    |i| if k.contains("start") || k.contains("warm") || k.contains("grace") {
                        format!("{i}s")
                    } else {
                        format!("v{i}")
                    }
                )
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .collect::<String>()
    );
    let got = reject("sweep-million", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:3: sweep: 1000000 combinations, above the limit of 10000 variants (a fixed limit): sweep fewer values or split the sweep into several files",
        ]
    );
}

#[test]
fn events_all_runs() {
    // Each run fits, all of them do not.
    let scenario =
        format!("{BASE}runs: 100\ntraffic:\n  - service: web\n    arrivals: {{poisson: 5/ms}}\n");
    let got = reject("events-all-runs", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:7: runs: 100 runs would take about 1.3e11 events in all, above the limit of 1.0e11: lower runs, the horizon or the sweep, or raise --max-total-events",
        ]
    );
}

#[test]
fn crash_loop_events() {
    // A crash every nanosecond.
    let scenario = with(
        "replicas: 3",
        "replicas: 3\n    failures: {crash: 1ns}\n    restart_backoff: {initial: 1ns}",
    );
    let got = reject("crash-loop-events", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:9:15: workloads[0].failures: a run would take about 1.0e15 events over the horizon (1d), above the limit of 2000000000 per run: make this less frequent, shorten the horizon, or raise --max-events",
        ]
    );
}

#[test]
fn jobs_huge() {
    let scenario = BASE.to_string();
    let got = reject(
        "jobs-huge",
        Some(scenario.as_ref()),
        &[],
        &["--jobs", "100000"],
    );
    assert_eq!(
        got,
        ["error: --jobs 100000: expected between 1 and 1024 worker threads",]
    );
}
