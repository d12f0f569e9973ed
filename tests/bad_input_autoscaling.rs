//! The catalogue of bad autoscaling settings (issue 11): HPA bounds, targets and behavior,
//! predictive scaling, node-pool bounds and the cluster autoscaler. Each is a located error,
//! all at once, exit code 2, nothing written.

mod common;
use common::catalogue::*;

fn hpa(spec: &str) -> String {
    with(
        "    replicas: 3\n",
        &format!("    replicas: 3\n    resources: {{cpu: 500m}}\n    autoscaling:\n{spec}"),
    )
}

fn check(tag: &str, scenario: &str, want: &[&str]) {
    let got = reject(tag, Some(scenario.as_bytes()), &[], &[]);
    let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    assert_eq!(got, want, "{tag}");
}

#[test]
fn hpa_bounds() {
    check(
        "max-below-min",
        &hpa("      hpa: {min: 5, max: 3, metrics: [{requests_per_pod: 50/s}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:26: workloads[0].autoscaling.hpa.max: max (3) must not be less than min (5)",
        ],
    );
    check(
        "no-max",
        &hpa("      hpa: {min: 1, metrics: [{requests_per_pod: 50/s}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:12: workloads[0].autoscaling.hpa: missing required field `max`",
        ],
    );
    check(
        "min-zero",
        &hpa("      hpa: {min: 0, max: 3, metrics: [{requests_per_pod: 50/s}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:18: workloads[0].autoscaling.hpa.min: must be between 1 and 100000, found 0",
        ],
    );
    check(
        "no-hpa",
        &hpa("      predictive: {model: linear}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:7: workloads[0].autoscaling: `autoscaling` needs an `hpa` (its min, max and targets; `predictive` scales through it)",
        ],
    );
}

#[test]
fn hpa_targets() {
    check(
        "target-zero",
        &hpa("      hpa: {max: 9, metrics: [{cpu_utilization: 0%}, {requests_per_pod: 0/s}]}\n"),
        &[
            "error: 2 errors in scenario:",
            "bad.yaml:11:49: workloads[0].autoscaling.hpa.metrics[0].cpu_utilization: expected a utilization target above 0% like `60%` (at most 10000%)",
            "bad.yaml:11:73: workloads[0].autoscaling.hpa.metrics[1].requests_per_pod: the target must be greater than zero",
        ],
    );
    check(
        "cpu-without-request",
        &with(
            "    replicas: 3\n",
            "    replicas: 3\n    autoscaling: {hpa: {max: 9, metrics: [{cpu_utilization: 60%}]}}\n",
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:9:61: workloads[0].autoscaling.hpa.metrics[0].cpu_utilization: a CPU utilization target needs the workload's `resources.cpu` (utilization is relative to the request)",
        ],
    );
    check(
        "memory",
        &hpa("      hpa: {max: 9, metrics: [{memory_utilization: 60%}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:52: workloads[0].autoscaling.hpa.metrics[0].memory_utilization: `memory_utilization` is not supported: kubesim does not model a pod's memory use",
        ],
    );
    check(
        "two-in-one",
        &hpa("      hpa: {max: 9, metrics: [{cpu_utilization: 60%, requests_per_pod: 5/s}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:31: workloads[0].autoscaling.hpa.metrics[0]: each metric is one of `cpu_utilization: 60%` or `requests_per_pod: 50/s`",
        ],
    );
    check(
        "no-metrics",
        &hpa("      hpa: {max: 9, metrics: []}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:30: workloads[0].autoscaling.hpa.metrics: at least one metric is required",
        ],
    );
    check(
        "tolerance",
        &hpa("      hpa: {max: 9, tolerance: 1.5, metrics: [{requests_per_pod: 5/s}]}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:11:32: workloads[0].autoscaling.hpa.tolerance: must be at least 0 and at most 0.99, found 1.5",
        ],
    );
}

#[test]
fn hpa_behavior() {
    check(
        "behavior",
        &hpa(concat!(
            "      hpa:\n        max: 9\n        metrics: [{requests_per_pod: 5/s}]\n",
            "        behavior:\n",
            "          scale_up: {select: most, policies: [{pods: 4}]}\n",
            "          scale_down: {stabilization: 2h, policies: [{pods: 1, percent: 5, period: 1m}, {percent: 5, period: 1h}]}\n",
        )),
        &[
            "error: 5 errors in scenario:",
            "bad.yaml:15:30: workloads[0].autoscaling.hpa.behavior.scale_up.select: expected `max`, `min` or `disabled`",
            "bad.yaml:15:47: workloads[0].autoscaling.hpa.behavior.scale_up.policies[0]: missing required field `period`",
            "bad.yaml:16:39: workloads[0].autoscaling.hpa.behavior.scale_down.stabilization: at most 1h (as Kubernetes), found 2h",
            "bad.yaml:16:54: workloads[0].autoscaling.hpa.behavior.scale_down.policies[0]: a policy has one of `pods: 4` or `percent: 100`, and a `period`",
            "bad.yaml:16:110: workloads[0].autoscaling.hpa.behavior.scale_down.policies[1].period: between 1s and 30m (as Kubernetes), found 1h",
        ],
    );
}

#[test]
fn predictive() {
    let traffic = "traffic:\n  - service: web\n    arrivals: {poisson: 10/s}\n";
    check(
        "without-traffic",
        &hpa(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n      predictive: {model: linear}\n",
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:12:19: workloads[0].autoscaling.predictive: predictive scaling forecasts the arrival rate, but no `traffic` reaches this workload",
        ],
    );
    check(
        "model-fields",
        &(hpa(concat!(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n",
            "      predictive: {model: seasonal_naive, window: 1h, smoothing: {alpha: 0.5}}\n",
        )) + traffic),
        &[
            "error: 3 errors in scenario:",
            "bad.yaml:12:19: workloads[0].autoscaling.predictive: missing required field `period`",
            "bad.yaml:12:51: workloads[0].autoscaling.predictive.window: `window` does not apply to the `seasonal_naive` model",
            "bad.yaml:12:66: workloads[0].autoscaling.predictive.smoothing: `smoothing` does not apply to the `seasonal_naive` model",
        ],
    );
    check(
        "model-name",
        &(hpa(concat!(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n",
            "      predictive: {model: arima, lead: soon}\n",
        )) + traffic),
        &[
            "error: 2 errors in scenario:",
            "bad.yaml:12:27: workloads[0].autoscaling.predictive.model: expected `linear`, `seasonal_naive` or `holt_winters`",
            "bad.yaml:12:40: workloads[0].autoscaling.predictive.lead: invalid duration: `soon` has an unknown unit `soon` (units: ns, us, ms, s, m, h, d)",
        ],
    );
    check(
        "smoothing",
        &(hpa(concat!(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n",
            "      predictive: {model: holt_winters, period: 1d, smoothing: {alpha: 0, gamma: 1.5}}\n",
        )) + traffic),
        &[
            "error: 2 errors in scenario:",
            "bad.yaml:12:72: workloads[0].autoscaling.predictive.smoothing.alpha: must be greater than 0 and at most 1, found 0",
            "bad.yaml:12:82: workloads[0].autoscaling.predictive.smoothing.gamma: must be greater than 0 and at most 1, found 1.5",
        ],
    );
}

#[test]
fn node_pools_and_cluster_autoscaler() {
    check(
        "empty-pool-without-autoscaling",
        &with("    count: 3\n", "    count: 0\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:4:12: nodes[0].count: a pool of 0 nodes needs `autoscaling: {min: 0, max: N}` (scale from zero); without it no node would ever join",
        ],
    );
    check(
        "pool-max-below-count",
        &with(
            "    count: 3\n",
            "    count: 3\n    autoscaling: {min: 1, max: 2}\n",
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:5:18: nodes[0].autoscaling.max: max (2) is less than the pool's count (3)",
        ],
    );
    check(
        "pool-min-above-max",
        &with(
            "    count: 3\n",
            "    count: 3\n    autoscaling: {min: 9, max: 5}\n",
        ),
        &[
            "error: 2 errors in scenario:",
            "bad.yaml:5:18: nodes[0].autoscaling.max: max (5) must not be less than min (9)",
            "bad.yaml:5:18: nodes[0].autoscaling.min: min (9) is more than the pool's count (3): the cluster autoscaler does not add nodes to reach min",
        ],
    );
    // Faults name the nodes a pool starts with; `w-3` of an autoscaled pool of 3 (or `w-0`
    // of an empty one) is a node the cluster autoscaler may add later, which the error says.
    check(
        "fault-on-a-node-the-autoscaler-adds",
        &format!(
            "{}faults: [{{at: 1h, kill_node: w-3}}, {{at: 1h, drain_node: w-1}}]\n",
            with(
                "    count: 3\n",
                "    count: 3\n    autoscaling: {min: 0, max: 6}\n",
            )
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:15:30: faults[0].kill_node: no node named `w-3`: pool `w` starts with 3 nodes, and faults name only the nodes a pool starts with (not those the cluster autoscaler adds)",
        ],
    );
    check(
        "fault-on-an-empty-pool",
        &format!(
            "{}faults: [{{at: 1h, partition_node: w-0}}]\n",
            with(
                "    count: 3\n",
                "    count: 0\n    autoscaling: {min: 0, max: 6}\n",
            )
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:15:35: faults[0].partition_node: no node named `w-0`: pool `w` starts with 0 nodes, and faults name only the nodes a pool starts with (not those the cluster autoscaler adds)",
        ],
    );
    check(
        "ca-without-pool",
        &format!("{BASE}cluster_autoscaler: {{expander: cheapest, utilization_threshold: 2}}\n"),
        &[
            "error: 3 errors in scenario:",
            "bad.yaml:14:21: cluster_autoscaler: no node pool has `autoscaling: {min, max}`: the cluster autoscaler would have nothing to scale",
            "bad.yaml:14:32: cluster_autoscaler.expander: expected `random` or `least_waste`",
            "bad.yaml:14:65: cluster_autoscaler.utilization_threshold: must be at least 0 and at most 1, found 2",
        ],
    );
}

#[test]
fn loops_and_forecasts_need_room() {
    // A nanosecond sync would be a billion HPA syncs a simulated second.
    check(
        "sync-1ns",
        &hpa(
            "      hpa: {max: 9, sync_period: 1ns, metric_window: 500ms, metrics: [{requests_per_pod: 5/s}]}\n",
        ),
        &[
            "error: 2 errors in scenario:",
            "bad.yaml:11:34: workloads[0].autoscaling.hpa.sync_period: at least 1s (as Kubernetes), found 1ns",
            "bad.yaml:11:54: workloads[0].autoscaling.hpa.metric_window: at least 1s (as Kubernetes), found 500ms",
        ],
    );
    check(
        "scan-1ns",
        &(with(
            "    count: 3\n",
            "    count: 3\n    autoscaling: {max: 5}\n",
        ) + "cluster_autoscaler: {scan_interval: 1ns}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:15:37: cluster_autoscaler.scan_interval: at least 1s (as Kubernetes), found 1ns",
        ],
    );
    // A season shorter than two syncs holds no pattern to forecast.
    check(
        "season-below-sync",
        &(hpa(concat!(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n",
            "      predictive: {model: holt_winters, period: 20s}\n",
        )) + "traffic:\n  - service: web\n    arrivals: {poisson: 10/s}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:12:49: workloads[0].autoscaling.predictive.period: 20s holds fewer than 2 observations (one per sync_period, 15s)",
        ],
    );
}

#[test]
fn a_pod_no_node_can_hold() {
    check(
        "too-big",
        &with(
            "    replicas: 3\n",
            "    replicas: 3\n    resources: {cpu: 64}\n",
        ),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:9:16: workloads[0].resources: no node pool's capacity holds one pod of this workload: every pod would stay Pending",
        ],
    );
}

#[test]
fn a_season_longer_than_the_horizon() {
    // The base horizon is 1d: a weekly season never fills, so the forecaster would never act.
    check(
        "season-past-horizon",
        &(hpa(concat!(
            "      hpa: {max: 9, metrics: [{requests_per_pod: 5/s}]}\n",
            "      predictive: {model: seasonal_naive, period: 7d}\n",
        )) + "traffic:\n  - service: web\n    arrivals: {poisson: 10/s}\n"),
        &[
            "error: 1 error in scenario:",
            "bad.yaml:12:51: workloads[0].autoscaling.predictive.period: the forecaster needs 7d of history before its first forecast, but the horizon is 1d: it would never act",
        ],
    );
}
