//! The catalogue of bad inputs: each is rejected with exit code 2, its exact error text and
//! location, and no results folder left behind.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::catalogue::{BASE, with};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubesim-bad-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `kubesim run bad.yaml` in a fresh folder; returns the error lines of stderr.
fn reject(tag: &str, yaml: &str, extra: &[&str]) -> Vec<String> {
    let dir = temp_dir(tag);
    std::fs::write(dir.join("bad.yaml"), yaml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "bad.yaml", "--out", "out"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{tag}: exit code; stderr:\n{stderr}"
    );
    assert!(
        !dir.join("out").exists(),
        "{tag}: an output folder was left behind"
    );
    assert!(
        !Path::new(&dir).join("results").exists(),
        "{tag}: a results folder was left behind"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{tag}: stray files {leftovers:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    stderr
        .lines()
        .skip(1)
        .map(|l| l.trim().to_string())
        .collect()
}

fn case(tag: &str, yaml: &str, want: &[&str]) {
    let got = reject(tag, yaml, &[]);
    assert_eq!(got, want, "{tag}");
}

#[test]
fn base_scenario_is_valid() {
    let dir = temp_dir("base");
    std::fs::write(dir.join("ok.yaml"), BASE).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["validate", "ok.yaml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn durations_need_units() {
    case(
        "bare-number",
        &with("horizon: 1d", "horizon: 30"),
        &[
            "bad.yaml:1:10: horizon: invalid duration: `30` has no unit (write e.g. `30s`; units: ns, us, ms, s, m, h, d)",
        ],
    );
    case(
        "unknown-unit",
        &with("period: 10s", "period: 10sec"),
        &[
            "bad.yaml:10:27: workloads[0].probes.readiness.period: invalid duration: `10sec` has an unknown unit `sec` (units: ns, us, ms, s, m, h, d)",
        ],
    );
}

/// A quoted number or boolean is a string (to YAML, to editors, and to Kubernetes, which
/// rejects `replicas: "3"`): the error says so and how to fix it.
#[test]
fn quoted_numbers_and_booleans_are_strings() {
    case(
        "quoted-int",
        &with("replicas: 3", "replicas: \"3\""),
        &[
            "bad.yaml:8:15: workloads[0].replicas: expected an integer, found the string \"3\" (write it without quotes)",
        ],
    );
    case(
        "str-tag",
        &with("replicas: 3", "replicas: !!str 3"),
        &[
            "bad.yaml:8:15: workloads[0].replicas: expected an integer, found the string \"3\" (write it without quotes)",
        ],
    );
    case(
        "merge-key",
        &with(
            "    probes:\n      readiness: {period: 10s}\n",
            "    probes:\n      readiness: &p {period: 10s}\n      liveness: {<<: *p, timeout: 2s}\n",
        ),
        &[
            "bad.yaml:11:18: workloads[0].probes.liveness.<<: merge keys (`<<: *anchor`) are not supported: write the fields out (an alias of a whole value, `*anchor`, works)",
        ],
    );
    case(
        "quoted-float-and-bool",
        &with(
            "    workload: web\n",
            "    workload: web\ncontrol_plane: {unhealthy_zone_threshold: '0.5'}\noutput: {events: \"true\"}\n",
        ),
        &[
            "bad.yaml:14:43: control_plane.unhealthy_zone_threshold: expected a number, found the string \"0.5\" (write it without quotes)",
            "bad.yaml:15:18: output.events: expected `true` or `false`, found the string \"true\" (write it without quotes)",
        ],
    );
}

#[test]
fn unknown_keys_are_errors_with_hints() {
    case(
        "typo-top",
        &with("horizon: 1d", "horizon: 1d\nhorizn: 2d"),
        &["bad.yaml:2:1: horizn: unknown field `horizn` (did you mean `horizon`?)"],
    );
    case(
        "typo-probe",
        &with("{period: 10s}", "{perod: 10s}"),
        &[
            "bad.yaml:10:19: workloads[0].probes.readiness.perod: unknown field `perod` (did you mean `period`?)",
        ],
    );
    case(
        "far-off-key",
        &with("    replicas: 3", "    replicas: 3\n    colour: blue"),
        &[
            "bad.yaml:9:5: workloads[0].colour: unknown field `colour` (expected one of: name, kind, replicas, resources, spread, start, termination_grace, pre_stop, shutdown, failures, restart_backoff, probes, server, rollout, new_version, autoscaling, pdb)",
        ],
    );
}

#[test]
fn missing_and_malformed_fields() {
    case(
        "no-horizon",
        &with("horizon: 1d\n", ""),
        &["bad.yaml:1:1: missing required field `horizon`"],
    );
    case(
        "negative-replicas",
        &with("replicas: 3", "replicas: -1"),
        &["bad.yaml:8:15: workloads[0].replicas: must be between 0 and 100000, found -1"],
    );
    case(
        "fractional-replicas",
        &with("replicas: 3", "replicas: 2.5"),
        &["bad.yaml:8:15: workloads[0].replicas: expected an integer, found `2.5`"],
    );
    case(
        "bad-kind",
        &with("    replicas: 3", "    replicas: 3\n    kind: Job"),
        &["bad.yaml:9:11: workloads[0].kind: expected `Deployment` or `StatefulSet`"],
    );
    case(
        "bad-spread",
        &with("    replicas: 3", "    replicas: 3\n    spread: racks"),
        &["bad.yaml:9:13: workloads[0].spread: expected `zones`, `nodes` or `none`"],
    );
    case(
        "bad-memory",
        &with("    count: 3", "    count: 3\n    capacity: {memory: 16GB}"),
        &[
            "bad.yaml:5:24: nodes[0].capacity.memory: expected a memory quantity like `256Mi`, found `16GB`",
        ],
    );
    case(
        "bad-cpu",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    resources: {cpu: lots}",
        ),
        &[
            "bad.yaml:9:22: workloads[0].resources.cpu: expected a CPU quantity like `500m` or `2`, found `lots`",
        ],
    );
    case(
        "warmup-too-long",
        &with("horizon: 1d", "horizon: 1d\nwarmup: 2d"),
        &["bad.yaml:2:9: warmup: warmup (2d) must be shorter than horizon (1d)"],
    );
    case(
        "bad-percent",
        &with("horizon: 1d", "horizon: 1d\nslo: {availability: 101%}"),
        &[
            "bad.yaml:2:21: slo.availability: expected a percentage between 0% and 100%, like `99.9%`",
        ],
    );
    case(
        "bad-name",
        &with(
            "  - name: web\n    replicas",
            "  - name: Web App\n    replicas",
        ),
        &[
            "bad.yaml:7:11: workloads[0].name: `Web App` is not a valid name (lowercase letters, digits and `-`, at most 63)",
            "bad.yaml:13:15: services[0].workload: no workload named `web`",
        ],
    );
    case(
        "empty-nodes",
        &with(
            "nodes:\n  - pool: w\n    count: 3\n    zones: [a, b, c]",
            "nodes: []",
        ),
        &["bad.yaml:2:8: nodes: at least one node pool is required"],
    );
}

#[test]
fn distributions_are_checked() {
    case(
        "unknown-dist",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    start: {exponentail: 5s}",
        ),
        &[
            "bad.yaml:9:13: workloads[0].start.exponentail: unknown distribution `exponentail` (expected one of: exponential, uniform, normal, lognormal, weibull, gamma, empirical)",
        ],
    );
    case(
        "two-key-dist",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    start: {exponential: 5s, uniform: [1s, 2s]}",
        ),
        &[
            "bad.yaml:9:12: workloads[0].start: a distribution is a map with exactly one key, one of: exponential, uniform, normal, lognormal, weibull, gamma, empirical",
        ],
    );
    case(
        "uniform-reversed",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    start: {uniform: [5s, 1s]}",
        ),
        &["bad.yaml:9:22: workloads[0].start.uniform: high must not be below low"],
    );
    case(
        "lognormal-no-sigma",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    start: {lognormal: {median: 2s}}",
        ),
        &["bad.yaml:9:24: workloads[0].start.lognormal: missing required field `sigma`"],
    );
    case(
        "missing-empirical-file",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    start: {empirical: nowhere.csv}",
        ),
        &[
            "bad.yaml:9:24: workloads[0].start.empirical: cannot read `nowhere.csv`: No such file or directory (os error 2)",
        ],
    );
}

#[test]
fn probes_follow_kubernetes_rules() {
    case(
        "liveness-success-threshold",
        &with(
            "readiness: {period: 10s}",
            "liveness: {success_threshold: 2}",
        ),
        &[
            "bad.yaml:10:37: workloads[0].probes.liveness.success_threshold: must be 1 for liveness and startup probes (as in Kubernetes)",
        ],
    );
    case(
        "timeout-not-below-period",
        &with("{period: 10s}", "{period: 10s, timeout: 10s}"),
        &[
            "bad.yaml:10:41: workloads[0].probes.readiness.timeout: timeout (10s) must be shorter than period (10s): kubesim models one probe in flight per worker",
        ],
    );
    case(
        "zero-period",
        &with("{period: 10s}", "{period: 0s}"),
        &["bad.yaml:10:27: workloads[0].probes.readiness.period: must be greater than zero"],
    );
    case(
        "backoff-inverted",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    restart_backoff: {initial: 10m, max: 5m}",
        ),
        &["bad.yaml:9:22: workloads[0].restart_backoff: initial (10m) must not exceed max (5m)"],
    );
}

#[test]
fn references_must_resolve() {
    case(
        "unknown-service-workload",
        &with("workload: web", "workload: api"),
        &["bad.yaml:13:15: services[0].workload: no workload named `api`"],
    );
    case(
        "duplicate-workload",
        &with("services:", "  - name: web\nservices:"),
        &["bad.yaml:11:11: workloads[1].name: duplicate workload name `web`"],
    );
    case(
        "unknown-node",
        &with(
            "horizon: 1d",
            "horizon: 1d\nfaults: [{at: 1h, kill_node: w-9}]",
        ),
        &["bad.yaml:2:30: faults[0].kill_node: no node named `w-9` (nodes are `<pool>-<index>`)"],
    );
    case(
        "unknown-zone",
        &with(
            "horizon: 1d",
            "horizon: 1d\nfaults: [{at: 1h, zone_outage: d, for: 1h}]",
        ),
        &["bad.yaml:2:32: faults[0].zone_outage: no zone named `d`"],
    );
    case(
        "unknown-pod",
        &with(
            "horizon: 1d",
            "horizon: 1d\nfaults: [{at: 1h, kill_pod: api-0}]",
        ),
        &[
            "bad.yaml:2:29: faults[0].kill_pod: `api-0` does not name a pod (`<workload>-<n>` of a workload in this scenario)",
        ],
    );
    case(
        "two-actions",
        &with(
            "horizon: 1d",
            "horizon: 1d\nfaults: [{at: 1h, kill_node: w-0, kill_pod: web-0}]",
        ),
        &[
            "bad.yaml:2:10: faults[0]: a fault has exactly one action, one of: kill_node, zone_outage, drain_node, kill_pod, hang_pod, rollout, partition_node (found 2)",
        ],
    );
}

#[test]
fn later_features_say_so() {
    case(
        "plots-need-timeseries",
        &with("horizon: 1d", "horizon: 1d\noutput: {plots: [timeline]}"),
        &[
            "bad.yaml:2:17: output.plots: `timeline`, `replicas` and `success` plots need `output.timeseries` (e.g. `timeseries: 1m`)",
        ],
    );
    case(
        "unknown-plot",
        &with("horizon: 1d", "horizon: 1d\noutput: {plots: [heatmap]}"),
        &[
            "bad.yaml:2:18: output.plots[0]: expected one of: timeline, availability, latency, replicas, success",
        ],
    );
    case(
        "sweep-not-a-list",
        &with(
            "horizon: 1d",
            "horizon: 1d\nsweep: {workloads.web.replicas: 3}",
        ),
        &["bad.yaml:2:33: sweep.workloads.web.replicas: expected a non-empty list of values"],
    );
    case(
        "sweep-bad-path",
        &with(
            "horizon: 1d",
            "horizon: 1d\nsweep: {workloads.api.replicas: [1, 2]}",
        ),
        &["bad.yaml:2:9: sweep.workloads.api.replicas: no element named `api` in `workloads`"],
    );
}

#[test]
fn affinity_and_outlier_settings_are_checked() {
    case(
        "affinity-shape",
        &with(
            "    workload: web",
            "    workload: web\n    session_affinity: {cookie: {}}",
        ),
        &[
            "bad.yaml:14:23: services[0].session_affinity: expected `{client_ip: {timeout: 3h}}`",
            "bad.yaml:14:24: services[0].session_affinity.cookie: unknown field `cookie` (expected one of: client_ip)",
        ],
    );
    case(
        "outlier-zero",
        &with(
            "    workload: web",
            "    workload: web\n    outlier_detection: {consecutive_errors: 0}",
        ),
        &[
            "bad.yaml:14:45: services[0].outlier_detection.consecutive_errors: must be between 1 and 1000000, found 0",
        ],
    );
}

#[test]
fn traffic_and_balancers_are_checked() {
    case(
        "bad-rate",
        &with(
            "horizon: 1d",
            "horizon: 1d\ntraffic: [{service: web, arrivals: {poisson: 10}}]",
        ),
        &[
            "bad.yaml:2:46: traffic[0].arrivals.poisson: expected a rate like `200/s` or `12000/m`, found `10`",
        ],
    );
    case(
        "unknown-traffic-service",
        &with(
            "horizon: 1d",
            "horizon: 1d\ntraffic: [{service: api, arrivals: {poisson: 10/s}}]",
        ),
        &["bad.yaml:2:21: traffic[0].service: no service named `api`"],
    );
    case(
        "unknown-arrivals",
        &with(
            "horizon: 1d",
            "horizon: 1d\ntraffic: [{service: web, arrivals: {bursty: 10/s}}]",
        ),
        &[
            "bad.yaml:2:37: traffic[0].arrivals.bursty: unknown arrival process `bursty` (expected one of: poisson, diurnal, steps, trace)",
        ],
    );
    case(
        "steps-out-of-order",
        &with(
            "horizon: 1d",
            "horizon: 1d\ntraffic: [{service: web, arrivals: {steps: [{at: 5m, rate: 1/s}, {at: 1m, rate: 2/s}]}}]",
        ),
        &["bad.yaml:2:66: traffic[0].arrivals.steps[1]: steps must be in increasing order of `at`"],
    );
    case(
        "maglev-not-prime",
        &with(
            "    workload: web",
            "    workload: web\n    balancer: {maglev: {table: 1000}}",
        ),
        &[
            "bad.yaml:14:15: services[0].balancer.maglev.table: must be a prime number (Maglev), found 1000",
        ],
    );
    case(
        "unknown-balancer",
        &with(
            "    workload: web",
            "    workload: web\n    balancer: fastest",
        ),
        &[
            "bad.yaml:14:15: services[0].balancer: unknown balancer (expected one of: random, round_robin, least_connections, power_of_two, weighted_round_robin, ring_hash, maglev)",
        ],
    );
    case(
        "zero-concurrency",
        &with(
            "    replicas: 3",
            "    replicas: 3\n    server: {concurrency: 0}",
        ),
        &["bad.yaml:9:27: workloads[0].server.concurrency: must be between 1 and 100000, found 0"],
    );
}

#[test]
fn yaml_syntax_errors_are_located() {
    case(
        "duplicate-key",
        &with("    count: 3", "    count: 3\n    count: 4"),
        &["bad.yaml:5:5: duplicate key `count`"],
    );
    // The unclosed flow list runs on into the next line, where the parser trips on `:`.
    case(
        "unclosed",
        &with("zones: [a, b, c]", "zones: [a, b, c"),
        &["bad.yaml:6:10: YAML syntax: illegal placement of ':' indicator"],
    );
}

#[test]
fn every_error_is_reported_at_once_in_file_order() {
    let yaml = with("horizon: 1d", "horizon: 1\nruns: 0")
        .replace("replicas: 3", "replicas: many")
        .replace("{period: 10s}", "{period: 10s, thresh: 1}");
    case(
        "many",
        &yaml,
        &[
            "bad.yaml:1:10: horizon: invalid duration: `1` has no unit (write e.g. `1s`; units: ns, us, ms, s, m, h, d)",
            "bad.yaml:2:7: runs: must be between 1 and 1000000, found 0",
            "bad.yaml:9:15: workloads[0].replicas: expected an integer, found `many`",
            "bad.yaml:11:32: workloads[0].probes.readiness.thresh: unknown field `thresh` (expected one of: period, timeout, failure_threshold, success_threshold, initial_delay, handler, probe_path, backlog)",
        ],
    );
}

#[test]
fn bad_overrides_and_arguments() {
    let got = reject("set-path", BASE, &["--set", "workloads.api.replicas=3"]);
    assert_eq!(
        got,
        [
            "--set workloads.api.replicas=3:1:1: workloads.api.replicas: no element named `api` in `workloads`"
        ]
    );
    let got = reject("set-value", BASE, &["--set", "workloads.web.replicas=lots"]);
    assert_eq!(
        got,
        [
            "--set workloads.web.replicas=lots:1:1: workloads[0].replicas: expected an integer, found `lots`"
        ]
    );
    let dir = temp_dir("runs-zero");
    std::fs::write(dir.join("bad.yaml"), BASE).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "bad.yaml", "--runs", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: --runs must be at least 1"
    );
    assert!(!dir.join("results").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "missing.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: cannot read `missing.yaml`: No such file or directory (os error 2)"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
