//! The catalogue of hostile and nonsensical scenario inputs (issue 8, scenario input): each
//! is rejected with exit code 2, its exact error text (file:line:col and field path, or the
//! flag) and nothing written. Inputs that used to overflow the stack, take quadratic time,
//! exhaust memory or be silently ignored. Work that would be enormous is in
//! `bad_input_budget.rs`.

mod common;
use common::catalogue::*;

#[test]
fn deep_block_nesting() {
    // 100k nested `- `: refused at parse, before any recursive walk.
    let scenario = format!("{BASE}description:\n{}x\n", "- ".repeat(100_000));
    let got = reject("deep-block-nesting", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:127: lists and maps are nested more than 64 deep",
        ]
    );
}

#[test]
fn deep_flow_nesting() {
    // 100k nested `[`: the parser's own limit.
    let scenario = format!("{BASE}description: {}\n", "[".repeat(100_000));
    let got = reject("deep-flow-nesting", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:269: YAML syntax: recursion limit exceeded",
        ]
    );
}

#[test]
fn alias_bomb() {
    // Billion laughs: refused before the copies are made.
    let scenario = format!("{BASE}{}", bomb("description"));
    let got = reject("alias-bomb", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:262: the document expands to more than 1000000 values (aliases copy what they name)",
        ]
    );
}

#[test]
fn alias_bomb_set() {
    // Billion laughs through --set.
    let scenario = BASE.to_string();
    let extra = bomb_set();
    let got = reject(
        "alias-bomb-set",
        Some(scenario.as_ref()),
        &[],
        &["--set", extra.as_str()],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--set description=[&a [x, x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e], &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]]:1:249: description: the document expands to more than 1000000 values (aliases copy what they name)",
        ]
    );
}

#[test]
fn dev_zero_scenario() {
    // /dev/zero as the scenario file: read with a size limit.
    let got = reject("dev-zero-scenario", None, &[], &["/dev/zero"]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "/dev/zero: larger than the 4 MiB limit for scenario files",
        ]
    );
}

#[test]
fn huge_scenario() {
    // 5 MiB of comments.
    let scenario = format!("{BASE}{}", "# padding\n".repeat(500_000));
    let got = reject("huge-scenario", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml: larger than the 4 MiB limit for scenario files",
        ]
    );
}

#[test]
fn dev_zero_trace() {
    // /dev/zero as a trace file.
    let scenario =
        format!("{BASE}traffic:\n  - service: web\n    arrivals: {{trace: {{file: /dev/zero}}}}\n");
    let got = reject("dev-zero-trace", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:30: traffic[0].arrivals.trace.file: `/dev/zero` is larger than the 64 MiB limit for trace and sample files",
        ]
    );
}

#[test]
fn dev_zero_empirical() {
    // /dev/zero as an empirical sample file.
    let scenario = with(
        "replicas: 3",
        "replicas: 3\n    start: {empirical: /dev/zero}",
    );
    let got = reject("dev-zero-empirical", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:9:24: workloads[0].start.empirical: `/dev/zero` is larger than the 64 MiB limit for trace and sample files",
        ]
    );
}

#[test]
fn non_utf8_scenario() {
    // A Latin-1 byte: line and column of the first bad byte.
    let scenario = [BASE.as_bytes(), b"description: caf\xe9\n"].concat();
    let got = reject("non-utf8-scenario", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:17: not UTF-8 text: invalid byte 0xe9",
        ]
    );
}

#[test]
fn non_utf8_trace() {
    // A bad byte in a trace file.
    let scenario =
        format!("{BASE}traffic:\n  - service: web\n    arrivals: {{trace: {{file: load.csv}}}}\n");
    let got = reject(
        "non-utf8-trace",
        Some(scenario.as_ref()),
        &[(
            "load.csv",
            b"t_s,rate_per_s\n0,5\n60,\xff\n".to_vec().as_slice(),
        )],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:30: traffic[0].arrivals.trace.file: `load.csv` is not UTF-8 text: invalid byte 0xff at line 3, column 4",
        ]
    );
}

#[test]
fn seed_too_large() {
    // Not clamped to u64::MAX.
    let scenario = format!("{BASE}seed: 18446744073709551616\n");
    let got = reject("seed-too-large", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:7: seed: must be between 0 and 18446744073709551615, found 18446744073709551616",
        ]
    );
}

#[test]
fn seed_negative() {
    let scenario = format!("{BASE}seed: -1\n");
    let got = reject("seed-negative", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:7: seed: must be between 0 and 18446744073709551615, found -1",
        ]
    );
}

#[test]
fn runs_fraction() {
    let scenario = format!("{BASE}runs: 1.5\n");
    let got = reject("runs-fraction", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:14:7: runs: expected an integer, found `1.5`",
        ]
    );
}

#[test]
fn replicas_exponent_too_large() {
    let scenario = with("replicas: 3", "replicas: 1e20");
    let got = reject(
        "replicas-exponent-too-large",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:8:15: workloads[0].replicas: must be between 0 and 100000, found 1e20",
        ]
    );
}

#[test]
fn horizon_exponent() {
    let scenario = with("horizon: 1d", "horizon: 1e3s");
    let got = reject("horizon-exponent", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:1:10: horizon: invalid duration: `1e3s`: exponents are not allowed in durations (write the digits, e.g. `1000s`, or a larger unit)",
        ]
    );
}

#[test]
fn runs_flag_range() {
    // The flag is named, not a `--set` the user never typed.
    let scenario = BASE.to_string();
    let got = reject(
        "runs-flag-range",
        Some(scenario.as_ref()),
        &[],
        &["--runs", "4294967295"],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--runs 4294967295: runs: must be between 1 and 1000000, found 4294967295",
        ]
    );
}

#[test]
fn runs_flag_too_many() {
    let scenario = BASE.to_string();
    let got = reject(
        "runs-flag-too-many",
        Some(scenario.as_ref()),
        &[],
        &["--runs", "2000000"],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--runs 2000000: runs: must be between 1 and 1000000, found 2000000",
        ]
    );
}

#[test]
fn set_sweep() {
    // A sweep added by --set is applied (and its bogus key found).
    let scenario = BASE.to_string();
    let got = reject(
        "set-sweep",
        Some(scenario.as_ref()),
        &[],
        &["--set", "sweep={bogus: [1, 2]}"],
    );
    assert_eq!(
        got,
        [
            "error: 2 errors in scenario:",
            "--set sweep={bogus: [1, 2]}:1:10: bogus: unknown field `bogus` (expected one of: name, description, horizon, warmup, runs, seed, nodes, control_plane, cluster_autoscaler, workloads, services, traffic, faults, slo, sweep, output)",
            "--set sweep={bogus: [1, 2]}:1:13: bogus: unknown field `bogus` (expected one of: name, description, horizon, warmup, runs, seed, nodes, control_plane, cluster_autoscaler, workloads, services, traffic, faults, slo, sweep, output)",
        ]
    );
}

#[test]
fn set_of_swept_key() {
    // --set of a swept key is an error, not silently overwritten.
    let scenario = format!("{BASE}sweep:\n  workloads.web.replicas: [2, 3]\n");
    let got = reject(
        "set-of-swept-key",
        Some(scenario.as_ref()),
        &[],
        &["--set", "workloads.web.replicas=4"],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--set workloads.web.replicas=4:1:1: workloads.web.replicas: also swept (`sweep.workloads.web.replicas` at bad.yaml:15:3): every variant would overwrite this value; drop the override or the sweep key",
        ]
    );
}

#[test]
fn set_of_swept_key_other_path() {
    // The same field by index.
    let scenario = format!("{BASE}sweep:\n  workloads.web.replicas: [2, 3]\n");
    let got = reject(
        "set-of-swept-key-other-path",
        Some(scenario.as_ref()),
        &[],
        &["--set", "workloads.0.replicas=4"],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--set workloads.0.replicas=4:1:1: workloads.0.replicas: also swept (`sweep.workloads.web.replicas` at bad.yaml:15:3): every variant would overwrite this value; drop the override or the sweep key",
        ]
    );
}

#[test]
fn seed_flag_of_swept_seed() {
    let scenario = format!("{BASE}sweep:\n  seed: [1, 2]\n");
    let got = reject(
        "seed-flag-of-swept-seed",
        Some(scenario.as_ref()),
        &[],
        &["--seed", "5"],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "--seed 5: seed: also swept (`sweep.seed` at bad.yaml:15:3): every variant would overwrite this value; drop the override or the sweep key",
        ]
    );
}

#[test]
fn hang_pod_beyond_replicas() {
    let scenario = format!("{BASE}faults:\n  - {{at: 1h, hang_pod: web-99}}\n");
    let got = reject(
        "hang-pod-beyond-replicas",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:24: faults[0].hang_pod: no pod `web-99`: workload `web` has 3 pods, `web-0` to `web-2`",
        ]
    );
}

#[test]
fn kill_pod_beyond_replicas() {
    let scenario = format!("{BASE}faults:\n  - {{at: 1h, kill_pod: web-3}}\n");
    let got = reject(
        "kill-pod-beyond-replicas",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:24: faults[0].kill_pod: no pod `web-3`: workload `web` has 3 pods, `web-0` to `web-2`",
        ]
    );
}

#[test]
fn kill_pod_no_replicas() {
    let scenario = format!(
        "{}faults:\n  - {{at: 1h, kill_pod: web-0}}\n",
        with("replicas: 3", "replicas: 0")
    );
    let got = reject("kill-pod-no-replicas", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:24: faults[0].kill_pod: no pod `web-0`: workload `web` has no pods",
        ]
    );
}

#[test]
fn latency_slo() {
    // Honoured now (`slo_latency_met`): only a bad duration is rejected.
    let scenario = format!("{BASE}slo:\n  latency_p99: 0s\n");
    let got = reject("latency-slo", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:16: slo.latency_p99: must be greater than zero",
        ]
    );
}

#[test]
fn sweep_one_field_twice() {
    let scenario =
        format!("{BASE}sweep:\n  workloads.web.replicas: [2, 3]\n  workloads.0.replicas: [1, 5]\n");
    let got = reject("sweep-one-field-twice", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:3: sweep.workloads.0.replicas: sweeps the same field as `sweep.workloads.web.replicas` (bad.yaml:15:3): sweep each field once",
        ]
    );
}

#[test]
fn sweep_field_and_parent() {
    let scenario = format!(
        "{BASE}sweep:\n  workloads.web.replicas: [2, 3]\n  workloads.web: [{{name: web}}]\n"
    );
    let got = reject("sweep-field-and-parent", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:16:3: sweep.workloads.web: sweeps the same field as `sweep.workloads.web.replicas` (bad.yaml:15:3): sweep each field once",
        ]
    );
}

#[test]
fn sweep_duplicate_value() {
    let scenario = format!("{BASE}sweep:\n  seed: [1, 1]\n");
    let got = reject("sweep-duplicate-value", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:13: sweep.seed[1]: duplicate value `1`: two variants would be the same",
        ]
    );
}

#[test]
fn sweep_duplicate_map_value() {
    let scenario = format!(
        "{BASE}sweep:\n  services.web.balancer: [{{ring_hash: {{vnodes: 10}}}}, {{ring_hash: {{vnodes: 10}}}}]\n"
    );
    let got = reject(
        "sweep-duplicate-map-value",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:54: sweep.services.web.balancer[1]: duplicate value `{ring_hash: {vnodes: 10}}`: two variants would be the same",
        ]
    );
}

#[test]
fn sweep_nested() {
    let scenario = format!("{BASE}sweep:\n  sweep.seed: [1, 2]\n");
    let got = reject("sweep-nested", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:3: sweep.sweep.seed: a sweep cannot set `sweep` (sweeps do not nest)",
        ]
    );
}

#[test]
fn sweep_nested_whole() {
    let scenario = format!("{BASE}sweep:\n  sweep: [{{seed: [1, 2]}}]\n");
    let got = reject("sweep-nested-whole", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:3: sweep.sweep: a sweep cannot set `sweep` (sweeps do not nest)",
        ]
    );
}

#[test]
fn services_empty() {
    let scenario = with(
        "services:\n  - name: web\n    workload: web\n",
        "services: []\n",
    );
    let got = reject("services-empty", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:11:11: services: at least one service is required (leave `services` out for one per workload)",
        ]
    );
}

#[test]
fn min_ready_above_replicas() {
    let scenario = format!("{BASE}slo:\n  min_ready: 4\n");
    let got = reject(
        "min-ready-above-replicas",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:14: slo.min_ready: 4 is more than the 3 replicas of workload `web`: service `web` would never be available",
        ]
    );
}

#[test]
fn fault_after_horizon() {
    let scenario = format!("{BASE}faults:\n  - {{at: 2d, kill_node: w-0}}\n");
    let got = reject("fault-after-horizon", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:10: faults[0].at: 2d is not before the horizon (1d): the fault would never happen",
        ]
    );
}

#[test]
fn fault_at_horizon() {
    let scenario = format!("{BASE}faults:\n  - {{at: 24h, zone_outage: a}}\n");
    let got = reject("fault-at-horizon", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:10: faults[0].at: 1d is not before the horizon (1d): the fault would never happen",
        ]
    );
}

#[test]
fn cpu_absurd() {
    // Sums of requests could overflow u64.
    let scenario = with("replicas: 3", "replicas: 3\n    resources: {cpu: 1e16}");
    let got = reject("cpu-absurd", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:9:22: workloads[0].resources.cpu: at most 1000000 CPUs, found `1e16`",
        ]
    );
}

#[test]
fn memory_absurd() {
    let scenario = with(
        "replicas: 3",
        "replicas: 3\n    resources: {memory: 9000Pi}",
    );
    let got = reject("memory-absurd", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:9:25: workloads[0].resources.memory: at most 1Pi, found `9000Pi`",
        ]
    );
}

#[test]
fn node_cpu_absurd() {
    let scenario = with(
        "zones: [a, b, c]",
        "zones: [a, b, c]\n    capacity: {cpu: 18446744073709551615m}",
    );
    let got = reject("node-cpu-absurd", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:6:21: nodes[0].capacity.cpu: at most 1000000 CPUs, found `18446744073709551615m`",
        ]
    );
}

#[test]
fn latency_plot_without_traffic() {
    let scenario = format!("{BASE}output:\n  plots: [latency]\n");
    let got = reject(
        "latency-plot-without-traffic",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:10: output.plots: the `latency` plot needs traffic (a `traffic:` list): without requests there is no latency",
        ]
    );
}

#[test]
fn timeline_plot_without_timeseries() {
    let scenario = format!("{BASE}output:\n  plots: [timeline, replicas]\n");
    let got = reject(
        "timeline-plot-without-timeseries",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 1 error in scenario:",
            "bad.yaml:15:10: output.plots: `timeline`, `replicas` and `success` plots need `output.timeseries` (e.g. `timeseries: 1m`)",
        ]
    );
}

#[test]
fn availability_plot_without_services() {
    let scenario = format!(
        "{}output:\n  plots: [availability]\n",
        with(
            "services:\n  - name: web\n    workload: web\n",
            "services: []\n"
        )
    );
    let got = reject(
        "availability-plot-without-services",
        Some(scenario.as_ref()),
        &[],
        &[],
    );
    assert_eq!(
        got,
        [
            "error: 2 errors in scenario:",
            "bad.yaml:11:11: services: at least one service is required (leave `services` out for one per workload)",
            "bad.yaml:13:10: output.plots: the `availability` plot needs at least one service",
        ]
    );
}

#[test]
fn many_unknown_keys_are_all_reported_in_linear_time() {
    // 100k unknown keys once took ~40 s (a quadratic duplicate-key scan); now one pass.
    let keys: String = (0..100_000).map(|i| format!("k{i}: 1\n")).collect();
    let scenario = format!("{BASE}{keys}");
    let got = reject("many-keys", Some(scenario.as_ref()), &[], &[]);
    assert_eq!(got.len(), 100_001);
    assert_eq!(got[0], "error: 100000 errors in scenario:");
    assert!(got[100_000].starts_with("bad.yaml:100013:1: k99999: unknown field `k99999`"));
}

#[test]
fn integers_keep_every_digit() {
    // Through f64 these two seeds were the same number.
    use kubesim::scenario::{Overrides, Scenario};
    use std::path::Path;
    let a = format!("{BASE}seed: 12345678901234567\n");
    let b = format!("{BASE}seed: 12345678901234568\n");
    let load = |t: &str| {
        Scenario::from_text(t, Path::new("s.yaml"), &[])
            .unwrap()
            .seed
    };
    assert_eq!(load(&a), 12_345_678_901_234_567);
    assert_eq!(load(&b), 12_345_678_901_234_568);
    // `--seed` is passed typed, not as text.
    let ov = Overrides {
        seed: Some(u64::MAX),
        ..Overrides::default()
    };
    let v = Scenario::variants_with(BASE, Path::new("s.yaml"), &ov).unwrap();
    assert_eq!(v[0].scenario.seed, u64::MAX);
}

#[test]
fn swept_columns_cannot_collide_with_metric_columns() {
    use kubesim::scenario::Scenario;
    use std::path::Path;
    let text = format!("{BASE}sweep:\n  workloads.web.replicas: [2, 3]\n  runs: [1, 2]\n");
    let v = Scenario::variants_from_text(&text, Path::new("s.yaml"), &[]).unwrap();
    assert_eq!(v[1].name, "replicas=2,runs=2");
    let labels: Vec<&str> = v[1].params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(labels, ["sweep.replicas", "sweep.runs"]);
}

#[test]
fn a_sweep_added_by_set_is_applied() {
    use kubesim::scenario::Scenario;
    use std::path::Path;
    let sets = ["sweep={seed: [1, 2, 3]}".to_string()];
    let v = Scenario::variants_from_text(BASE, Path::new("s.yaml"), &sets).unwrap();
    let seeds: Vec<u64> = v.iter().map(|x| x.scenario.seed).collect();
    assert_eq!(seeds, [1, 2, 3]);
}
