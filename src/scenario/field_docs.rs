//! One-line descriptions of every scenario field (what `kubesim schema` gives editors as hover
//! text): what it means, its default as the validator applies it, units, Kubernetes name.
//!
//! Keyed by (shape table, field key), not by path: a table is shared by several paths (`PROBE`
//! under readiness, liveness and startup; `RULES` under scale_up and scale_down; `DIST` and
//! its parameter tables under every *dist* field; `POD_FAILURES` under `failures` and
//! `new_version.failures`) and its field means the same wherever it is used, so one entry per
//! table field is one text per meaning, with no copies and no wildcard rule. A table's key is
//! its `name` (the name of its static), which the tests below hold unique. The tests also hold
//! that every field of every table the schema reaches has an entry and every entry names a
//! real field, so the texts cannot drift away from the tables unnoticed.

/// (table name, field key, description).
// One entry a line, as a table reads best (rustfmt would split each into five).
#[rustfmt::skip]
pub static FIELD_DOCS: &[(&str, &str, &str)] = &[
    // The top level.
    ("SCENARIO", "name", "Names the results folder `results/<name>/`. Default: the file's stem, lowercased, other characters as `-`."),
    ("SCENARIO", "description", "Free text for people; the simulation does not use it. Default: empty."),
    ("SCENARIO", "horizon", "Simulated time per run, e.g. `30d` (required)."),
    ("SCENARIO", "warmup", "Metrics ignore [0, warmup): they cover [warmup, horizon). Must be shorter than horizon. Default 0s."),
    ("SCENARIO", "runs", "Seeded replications per variant, 1 to 1000000 (default 1); run i gets the same seed in every variant."),
    ("SCENARIO", "seed", "Base seed of the run seeds, 0 to 2^64-1 (default 0)."),
    ("SCENARIO", "nodes", "Node pools (at least one, required). Nodes are named `<pool>-<index>`."),
    ("SCENARIO", "control_plane", "Timings of the control plane (node lifecycle controller, endpoints, scheduler). Default: the Kubernetes defaults."),
    ("SCENARIO", "cluster_autoscaler", "Timings of the cluster autoscaler (needs a pool with `autoscaling`). Default: the cluster-autoscaler FAQ defaults."),
    ("SCENARIO", "workloads", "Deployments and StatefulSets (at least one, required)."),
    ("SCENARIO", "services", "How traffic reaches pods. Default: one service per workload, named after it, `balancer: random`. Not `[]`: leave it out."),
    ("SCENARIO", "traffic", "Request load on services. Default: none (time-based availability metrics only)."),
    ("SCENARIO", "faults", "Scripted faults: each has `at` or `every`, one action and an optional `for`. Default: none."),
    ("SCENARIO", "slo", "What \"available\" means and the targets summary.csv checks. Default: `min_ready: 1`, no targets."),
    ("SCENARIO", "sweep", "Parameter grid `{path: [values...]}` (paths as `--set`, e.g. `workloads.web.replicas`); every combination is a variant."),
    ("SCENARIO", "output", "Extra outputs: `timeseries`, `events`, `plots`. Default: none of them."),
    // nodes[]
    ("POOL", "pool", "The pool's name (required, unique); its nodes are `<pool>-0`, `<pool>-1`, ..."),
    ("POOL", "count", "Nodes in the pool at the start, 0 to 100000 (required; 0 only with `autoscaling`: scale from zero); the cluster autoscaler may change it within `autoscaling`."),
    ("POOL", "zones", "Zones the nodes are assigned to round-robin (`topology.kubernetes.io/zone`). Default: one zone, `default`."),
    ("POOL", "capacity", "Each node's allocatable resources. Default: `{cpu: 4, memory: 16Gi, pods: 110}`."),
    ("POOL", "failures", "Independent random failures of each node: `time_to_failure` and `time_to_repair` (dists, both required). Default: none."),
    ("POOL", "boot", "Dist: provisioning to Ready of a node the cluster autoscaler adds. Default 90s."),
    ("POOL", "autoscaling", "`{min, max}`: makes the pool a node group of the cluster autoscaler; `count` must lie in [min, max]. Default: fixed size."),
    ("CAPACITY", "cpu", "Allocatable CPU per node (`500m`, `4`); the scheduler checks requests against it. Default 4."),
    ("CAPACITY", "memory", "Allocatable memory per node (`16Gi`); the scheduler checks requests against it. Default 16Gi."),
    ("CAPACITY", "pods", "Most pods per node (kubelet `maxPods`), 1 to 10000. Default 110."),
    ("NODE_FAILURES", "time_to_failure", "Dist: time from a node's (re)start to its next crash, e.g. `{exponential: 60d}` (required)."),
    ("NODE_FAILURES", "time_to_repair", "Dist: how long a crashed node stays down, e.g. `{lognormal: {median: 2h, sigma: 0.8}}` (required)."),
    ("POOL_AUTOSCALING", "min", "Fewest nodes the cluster autoscaler scales the pool down to (node group min), at most `count`. Default 0."),
    ("POOL_AUTOSCALING", "max", "Most nodes the cluster autoscaler scales the pool up to (node group max), at least `count` (required)."),
    // control_plane
    ("CONTROL_PLANE", "node_monitor_period", "How often the node lifecycle controller checks node heartbeats (kube-controller-manager `--node-monitor-period`). Default 5s."),
    ("CONTROL_PLANE", "node_monitor_grace_period", "Heartbeat silence before a node is marked NotReady/Unknown (`--node-monitor-grace-period`). Default 50s (Kubernetes 1.32+)."),
    ("CONTROL_PLANE", "not_ready_toleration", "How long pods stay on a NotReady/unreachable node before eviction (NoExecute `tolerationSeconds`, `--default-not-ready-toleration-seconds`). Default 300s."),
    ("CONTROL_PLANE", "endpoint_delay", "Dist: a pod's readiness change until balancers see it (EndpointSlice controller + kube-proxy sync). Default 1s."),
    ("CONTROL_PLANE", "scheduling_delay", "Dist: pod created until the scheduler's bind attempt. Default 100ms."),
    ("CONTROL_PLANE", "node_eviction_rate", "Nodes tainted for eviction per second per zone (`--node-eviction-rate`; burst 1). Default 0.1/s."),
    ("CONTROL_PLANE", "secondary_node_eviction_rate", "Eviction rate in a partially disrupted zone with more than `large_cluster_size_threshold` nodes (`--secondary-node-eviction-rate`). Default 0.01/s."),
    ("CONTROL_PLANE", "unhealthy_zone_threshold", "Share of NotReady nodes (and at least 3) from which a zone is partially disrupted (`--unhealthy-zone-threshold`), in (0, 1]. Default 0.55."),
    ("CONTROL_PLANE", "large_cluster_size_threshold", "A partially disrupted zone with at most this many nodes evicts nothing (`--large-cluster-size-threshold`). Default 50."),
    // cluster_autoscaler
    ("CLUSTER_AUTOSCALER", "scan_interval", "How often the cluster autoscaler runs its loop (`--scan-interval`), at least 1s. Default 10s."),
    ("CLUSTER_AUTOSCALER", "unneeded_time", "How long a node must stay unneeded before it is removed (`--scale-down-unneeded-time`). Default 10m."),
    ("CLUSTER_AUTOSCALER", "delay_after_add", "No scale-down for this long after a scale-up (`--scale-down-delay-after-add`). Default 10m."),
    ("CLUSTER_AUTOSCALER", "utilization_threshold", "A node whose requests / allocatable (CPU or memory, the larger) is below this is unneeded (`--scale-down-utilization-threshold`), 0 to 1. Default 0.5."),
    ("CLUSTER_AUTOSCALER", "max_node_provision_time", "A new node not Ready by then counts as a failed scale-up (`--max-node-provision-time`). Default 15m."),
    ("CLUSTER_AUTOSCALER", "expander", "Which node group grows when several fit (`--expander`): `random` or `least_waste`. Default `random`."),
    // workloads[]
    ("WORKLOAD", "name", "The workload's name (required, unique); its pods are `<name>-<n>`."),
    ("WORKLOAD", "kind", "`Deployment` (the default) or `StatefulSet` (OrderedReady, one pod at a time, a pod on an unreachable node is not replaced)."),
    ("WORKLOAD", "replicas", "Pods wanted (`spec.replicas`), 0 to 100000. Default 1."),
    ("WORKLOAD", "resources", "Each pod's requests `{cpu, memory}`, for scheduling and HPA CPU utilization. Default: none (0)."),
    ("WORKLOAD", "spread", "Hard topology spread (`topologySpreadConstraints`, maxSkew 1, DoNotSchedule) over `zones` or `nodes`; `none` (the default) has none."),
    ("WORKLOAD", "start", "Dist: container start until the process listens (image pull, boot of the app). Default 0s."),
    ("WORKLOAD", "termination_grace", "SIGKILL deadline counted from the pod's deletion, preStop included (`terminationGracePeriodSeconds`). Default 30s."),
    ("WORKLOAD", "pre_stop", "preStop sleep: a deleted pod keeps serving this long before SIGTERM. Default 0s."),
    ("WORKLOAD", "shutdown", "Dist: the app's drain after SIGTERM (refuses new connections, exits after this; a hung process ignores SIGTERM). Default 0s."),
    ("WORKLOAD", "failures", "The process's random crashes and hangs: `crash`, `hang`, `hang_duration` (dists). Default: none."),
    ("WORKLOAD", "restart_backoff", "CrashLoopBackOff: first restart at once, then `initial`, doubling up to `max`. Default `{initial: 10s, max: 300s, reset_after: 10m}`."),
    ("WORKLOAD", "probes", "`readiness`, `liveness`, `startup` probes. An absent probe behaves as in Kubernetes without it (Ready once started; no restarts)."),
    ("WORKLOAD", "server", "Each pod's request server: workers, queue, service time, CPU. Default `{concurrency: 1, queue: 100, service_time: {exponential: 10ms}}`."),
    ("WORKLOAD", "rollout", "Rolling update strategy. Deployment: `{max_surge: 25%, max_unavailable: 25%, min_ready: 0s, progress_deadline: 600s}`; StatefulSet: `{min_ready, partition: 0}`."),
    ("WORKLOAD", "new_version", "What a `rollout` fault deploys: `{start, failures}` of the new version (absent fields: as before). Default: the same pods."),
    ("WORKLOAD", "autoscaling", "Horizontal scaling: `hpa` (required) and optional `predictive`. Default: a fixed `replicas`."),
    ("WORKLOAD", "pdb", "PodDisruptionBudget: `{min_available: 2}` or `{max_unavailable: 25%}` (exactly one); limits evictions (`drain_node`) only. Default: none."),
    ("RESOURCES", "cpu", "CPU request per pod (`resources.requests.cpu`: `500m`, `2`). Default 0; an HPA `cpu_utilization` metric needs it."),
    ("RESOURCES", "memory", "Memory request per pod (`resources.requests.memory`: `256Mi`). Default 0."),
    ("BACKOFF", "initial", "Wait before the second restart in a row (the first is immediate); doubles each time. Default 10s."),
    ("BACKOFF", "max", "Cap of the doubling restart wait (kubelet `MaxContainerBackOff`), at least `initial`. Default 300s."),
    ("BACKOFF", "reset_after", "A container that ran longer than this before exiting restarts at once and resets the back-off. Default 10m."),
    ("PROBES", "readiness", "Readiness probe (`readinessProbe`): a pod serves traffic only while it passes; starts failed. Default: none (Ready once started)."),
    ("PROBES", "liveness", "Liveness probe (`livenessProbe`): the container is restarted after `failure_threshold` failures. Default: none."),
    ("PROBES", "startup", "Startup probe (`startupProbe`): readiness and liveness wait until it passes; failing it restarts the container. Default: none."),
    ("PROBE", "period", "Time between probes (`periodSeconds`). Default 10s."),
    ("PROBE", "timeout", "A probe unanswered this long fails (`timeoutSeconds`); must be shorter than `period`. Default 1s."),
    ("PROBE", "failure_threshold", "Failures in a row that turn the probe failed (`failureThreshold`), 1 to 10000. Default 3."),
    ("PROBE", "success_threshold", "Successes in a row that turn it passing again (`successThreshold`); must be 1 except for readiness. Default 1."),
    ("PROBE", "initial_delay", "No probe until this long after the container starts (`initialDelaySeconds`). Default 0s."),
    ("PROBE", "handler", "`http` (the default), `grpc` (both served by the app), `tcp` (passes while listening, even hung) or `exec` (fails when hung)."),
    ("PROBE", "probe_path", "http/grpc: `shared` (the default: queued behind requests on the same workers) or `dedicated` (own thread). No effect on tcp and exec."),
    ("PROBE", "backlog", "tcp only: the listen backlog; the probe fails once this many requests wait at a hung pod. Default: it never fills."),
    // workloads[].failures, workloads[].new_version.failures
    ("POD_FAILURES", "crash", "Dist: time to the process's next exit; the kubelet restarts the container (CrashLoopBackOff). Default: never."),
    ("POD_FAILURES", "hang", "Dist: time to the next hang: the process stays up but answers nothing and fails probes. Default: never."),
    ("POD_FAILURES", "hang_duration", "Dist: how long a hang lasts if no restart ends it. Default: until the container restarts."),
    // workloads[].rollout, workloads[].new_version
    ("DEPLOYMENT_ROLLOUT", "max_surge", "Pods above `replicas` during a rollout (`maxSurge`): a count or a percentage, rounded up. Default 25%; not 0 together with max_unavailable."),
    ("DEPLOYMENT_ROLLOUT", "max_unavailable", "Pods below `replicas` allowed unavailable during a rollout (`maxUnavailable`): a count or a percentage, rounded down. Default 25%."),
    ("DEPLOYMENT_ROLLOUT", "min_ready", "A new pod counts as available after being Ready this long (`minReadySeconds`). Default 0s."),
    ("DEPLOYMENT_ROLLOUT", "progress_deadline", "No progress this long marks the rollout stalled, informational only (`progressDeadlineSeconds`); more than `min_ready`. Default 600s."),
    ("STATEFULSET_ROLLOUT", "min_ready", "A replaced pod counts as available after being Ready this long (`minReadySeconds`). Default 0s."),
    ("STATEFULSET_ROLLOUT", "partition", "Only ordinals at or above this are updated (`rollingUpdate.partition`). Default 0 (all)."),
    ("NEW_VERSION", "start", "Dist: the new version's container start until listening. Default: the workload's `start`."),
    ("NEW_VERSION", "failures", "The new version's `crash`, `hang`, `hang_duration`. Default: the workload's `failures`."),
    // workloads[].server
    ("SERVER", "concurrency", "Requests a pod serves at once (its workers), 1 to 100000. Default 1."),
    ("SERVER", "queue", "Requests waiting per pod beyond the workers; a full queue rejects. Default 100."),
    ("SERVER", "service_time", "Dist: time a worker spends on one request. Default `{exponential: 10ms}`."),
    ("SERVER", "cpu_per_request", "CPU time one request costs, for CPU utilization and the HPA. Default: the mean of `service_time`."),
    ("SERVER", "cpu_idle", "CPU a pod uses with no requests (`10m`). Default 0."),
    // workloads[].autoscaling
    ("AUTOSCALING", "hpa", "The HorizontalPodAutoscaler: `max` and `metrics` required (`predictive` scales through it)."),
    ("AUTOSCALING", "predictive", "Forecasts the arrival rate and scales ahead of it, through the HPA; needs traffic to the workload. Default: none."),
    ("HPA", "min", "Fewest replicas (`minReplicas`), 1 to 100000. Default 1."),
    ("HPA", "max", "Most replicas (`maxReplicas`), at least `min` (required)."),
    ("HPA", "metrics", "Targets, at least one (required): `{cpu_utilization: 60%}` or `{requests_per_pod: 50/s}`; the largest recommendation wins."),
    ("HPA", "sync_period", "How often the HPA recomputes (`--horizontal-pod-autoscaler-sync-period`), at least 1s. Default 15s."),
    ("HPA", "tolerance", "No change while |usage / target - 1| is at most this (`--horizontal-pod-autoscaler-tolerance`), 0 to 0.99. Default 0.1."),
    ("HPA", "metric_window", "Usage is averaged over this window (metrics-server `--metric-resolution`), at least 1s. Default 15s."),
    ("HPA", "metrics_delay", "Age of the newest metrics the HPA sees. Default 15s."),
    ("HPA", "cpu_initialization_period", "CPU metrics: within this of its start, a pod not Ready for the whole metric window counts as unready, 0% when scaling up (`--horizontal-pod-autoscaler-cpu-initialization-period`). Default 5m."),
    ("HPA", "initial_readiness_delay", "CPU metrics, after the initialization period: a pod unready since within this of its start counts as unready (`--horizontal-pod-autoscaler-initial-readiness-delay`). Default 30s."),
    ("HPA", "behavior", "Scaling rules per direction (`behavior.scaleUp` / `scaleDown`). Default: the Kubernetes default behavior."),
    ("METRIC", "cpu_utilization", "Target mean CPU usage as a share of `resources.cpu` (`averageUtilization`), may exceed 100%, e.g. `60%`."),
    ("METRIC", "requests_per_pod", "Target arrivals per pod (a Pods metric `averageValue`, as a Prometheus adapter reports), e.g. `50/s`."),
    ("METRIC", "memory_utilization", "Not supported: kubesim does not model memory use (rejected)."),
    ("BEHAVIOR", "scale_up", "Rules for scaling up (`behavior.scaleUp`). Default: no stabilization, at most max(4 pods, +100%) per 15s."),
    ("BEHAVIOR", "scale_down", "Rules for scaling down (`behavior.scaleDown`). Default: 300s stabilization, up to 100% per 15s."),
    ("RULES", "stabilization", "Use the most conservative recommendation of this window (`stabilizationWindowSeconds`), at most 1h. Default 0s up, 300s down."),
    ("RULES", "select", "Which policy applies when several do (`selectPolicy`): `max`, `min` or `disabled` (no scaling this way). Default `max`."),
    ("RULES", "policies", "Rate limits `[{pods: N or percent: P, period}]`, at least one. Default: up `[{pods: 4, period: 15s}, {percent: 100, period: 15s}]`, down `[{percent: 100, period: 15s}]`."),
    ("POLICY", "pods", "Change by at most this many pods per `period` (`type: Pods`)."),
    ("POLICY", "percent", "Change by at most this percentage of the current replicas per `period` (`type: Percent`)."),
    ("POLICY", "period", "The window the limit applies to (`periodSeconds`), 1s to 30m (required)."),
    ("PREDICTIVE", "model", "Forecaster (required): `linear` (trend over `window`), `seasonal_naive` (one `period` ago) or `holt_winters` (level, trend, season)."),
    ("PREDICTIVE", "period", "The season, e.g. `24h`: required by `seasonal_naive` and `holt_winters`, not allowed with `linear`. Must hold 2 HPA syncs."),
    ("PREDICTIVE", "window", "`linear` only: the history the trend is fitted on. Default 1h."),
    ("PREDICTIVE", "lead", "How far ahead to forecast: a duration, or `auto` (the default: start + readiness + one sync period)."),
    ("PREDICTIVE", "smoothing", "`holt_winters` only: `{alpha, beta, gamma}`. Default `{alpha: 0.3, beta: 0.05, gamma: 0.2}`."),
    ("SMOOTHING", "alpha", "Level smoothing factor, in (0, 1]. Default 0.3."),
    ("SMOOTHING", "beta", "Trend smoothing factor, in (0, 1]. Default 0.05."),
    ("SMOOTHING", "gamma", "Seasonal smoothing factor, in (0, 1]. Default 0.2."),
    // workloads[].pdb
    ("PDB", "min_available", "Evictions keep at least this many pods Ready (`minAvailable`): a count, or a whole percentage of `replicas` rounded up."),
    ("PDB", "max_unavailable", "Evictions leave at most this many pods not Ready (`maxUnavailable`): a count, or a whole percentage of `replicas` rounded up."),
    // services[]
    ("SERVICE", "name", "The service's name (required, unique); `traffic` names it."),
    ("SERVICE", "workload", "The workload whose pods serve it (required)."),
    ("SERVICE", "balancer", "Endpoint choice per request: `random` (kube-proxy iptables/nftables, the default), `round_robin` (IPVS), `least_connections`, `power_of_two`, `weighted_round_robin`, `ring_hash`, `maglev`."),
    ("SERVICE", "session_affinity", "`{client_ip: {timeout: 3h}}`: a client sticks to one pod (`sessionAffinity: ClientIP`). Default: none."),
    ("SERVICE", "outlier_detection", "Passive health checking: a pod failing `consecutive_errors` requests in a row is ejected for `ejection`. Default: none."),
    ("SESSION_AFFINITY", "client_ip", "Client-IP affinity (`sessionAffinityConfig.clientIP`): `{timeout}`, or empty for the default timeout (required)."),
    ("CLIENT_IP", "timeout", "How long a client's pod choice sticks after its last request (`timeoutSeconds`). Default 3h (10800s)."),
    ("OUTLIER_DETECTION", "consecutive_errors", "Failed requests in a row that eject a pod from the balancer. Default 5."),
    ("OUTLIER_DETECTION", "ejection", "How long an ejected pod gets no requests. Default 30s."),
    ("BALANCER_ARGS", "ring_hash", "Consistent hashing of client identities on a ring: `{vnodes}` (empty: the defaults)."),
    ("BALANCER_ARGS", "maglev", "Maglev consistent hashing: `{table}` (empty: the defaults)."),
    ("RING_HASH", "vnodes", "Ring entries per pod, 1 to 100000. Default 100."),
    ("MAGLEV", "table", "Lookup table size, a prime. Default 65537."),
    // traffic[]
    ("TRAFFIC", "service", "The service the requests go to (required)."),
    ("TRAFFIC", "arrivals", "Arrival process (required), one of `{poisson: 200/s}`, `{diurnal: {...}}`, `{steps: [...]}`, `{trace: {file}}`."),
    ("TRAFFIC", "clients", "Distinct client identities (for session affinity and hashing). Default 10000."),
    ("TRAFFIC", "timeout", "The client gives up on a request after this; counted as `failed_timeout`. Default 30s."),
    ("TRAFFIC", "retries", "Retries after a failed attempt: `{attempts, backoff}`. Default: none."),
    ("TRAFFIC", "model", "`requests` (the default: every request simulated, exact queueing and latency) or `fluid` (rates between state changes, for long horizons)."),
    ("RETRIES", "attempts", "Retries after the first attempt fails, 0 to 100. Default 0."),
    ("RETRIES", "backoff", "Wait before each retry (constant). Default 0s."),
    ("ARRIVALS", "poisson", "Poisson arrivals at this constant rate, e.g. `200/s`."),
    ("ARRIVALS", "diurnal", "A daily sine wave: `{mean, amplitude: 0.5, period: 24h, peak: 14h}`."),
    ("ARRIVALS", "steps", "Piecewise constant rate: `[{at: 0s, rate: 50/s}, {at: 10m, rate: 400/s}]`, `at` increasing."),
    ("ARRIVALS", "trace", "Rates from a CSV file `{file: load.csv}` of `t_s,rate_per_s` rows, piecewise constant."),
    ("DIURNAL", "mean", "Mean arrival rate over a period (required)."),
    ("DIURNAL", "amplitude", "Swing as a share of the mean, 0 to 1: the rate goes from mean*(1-a) to mean*(1+a). Default 0.5."),
    ("DIURNAL", "period", "Length of one cycle. Default 24h."),
    ("DIURNAL", "peak", "When in the cycle the rate peaks, from the start. Default 14h."),
    ("STEP", "at", "When this rate starts, from the start of the run (required)."),
    ("STEP", "rate", "Arrival rate from `at` to the next step (required)."),
    ("TRACE", "file", "CSV of `t_s,rate_per_s` rows, relative to the scenario file (required)."),
    // faults[]
    ("FAULT", "at", "When the fault happens once, before `horizon` (exactly one of `at` and `every`)."),
    ("FAULT", "every", "Dist with a positive mean: a recurring fault, each occurrence a fresh draw after the previous one (exactly one of `at` and `every`)."),
    ("FAULT", "for", "How long it lasts. Without it: node crashes last the pool's time_to_repair (else for good), partitions and drains for good. Not for kill_pod or rollout."),
    ("FAULT", "kill_node", "Crash this node (`<pool>-<index>`); it comes back after `for`, else after the pool's time_to_repair (none: never)."),
    ("FAULT", "zone_outage", "Crash every node of this zone, or `any` for a zone drawn at each occurrence."),
    ("FAULT", "drain_node", "`kubectl drain` this node: cordon it and evict its pods through the Eviction API, honouring PDBs; `for` uncordons it after."),
    ("FAULT", "kill_pod", "Kill the container of this pod (`<workload>-<n>`); the kubelet restarts it in place."),
    ("FAULT", "hang_pod", "Hang this pod's process (`<workload>-<n>`) for `for`, or until a liveness probe or restart ends it."),
    ("FAULT", "rollout", "Start a rolling update of this workload to its `new_version`."),
    ("FAULT", "partition_node", "Cut this node off from the control plane (its pods run on, no heartbeats) for `for`, else for good."),
    // slo, output
    ("SLO", "min_ready", "A service is up while at least this many of its pods serve, at most its workload's replicas. Default 1."),
    ("SLO", "availability", "Availability target, e.g. `99.9%`: gives `slo_met` in summary.csv. Default: none."),
    ("SLO", "latency_p99", "Target for the client-observed p99 latency: gives `slo_latency_met` in summary.csv. Default: none."),
    ("OUTPUT", "timeseries", "Sample interval of `timeseries.csv` (first run of each variant), e.g. `10s`. Default: not written."),
    ("OUTPUT", "events", "Write `events.csv`, the full event log. Default false."),
    ("OUTPUT", "plots", "Plots drawn into `plots/`: timeline, availability, latency, replicas, success (timeline, replicas, success need `timeseries`)."),
    // Distributions (any *dist* field).
    ("DIST", "exponential", "Exponential with this mean."),
    ("DIST", "uniform", "Uniform between two durations `[lo, hi]`."),
    ("DIST", "normal", "Normal `{mean, sd}`, truncated at 0."),
    ("DIST", "lognormal", "Log-normal `{median, sigma}`."),
    ("DIST", "weibull", "Weibull `{shape, scale}`."),
    ("DIST", "gamma", "Gamma `{shape, mean}`."),
    ("DIST", "empirical", "A file of one duration per line, relative to the scenario file, resampled."),
    ("NORMAL", "mean", "Mean of the normal (before truncation at 0) (required)."),
    ("NORMAL", "sd", "Standard deviation (required)."),
    ("LOGNORMAL", "median", "Median, e^mu (required)."),
    ("LOGNORMAL", "sigma", "Standard deviation of the logarithm, 0 to 10 (required)."),
    ("WEIBULL", "shape", "Shape k, above 0 and at most 1000 (1 is the exponential) (required)."),
    ("WEIBULL", "scale", "Scale lambda (the 63rd percentile) (required)."),
    ("GAMMA", "shape", "Shape k, above 0 and at most 1000000 (required)."),
    ("GAMMA", "mean", "Mean, k times the scale (required)."),
];

/// The description of field `key` of the table named `table`.
pub fn describe(table: &str, key: &str) -> Option<&'static str> {
    FIELD_DOCS
        .iter()
        .find(|(t, k, _)| *t == table && *k == key)
        .map(|(_, _, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::shape::Table;

    /// Every table the schema prints (the distributions' too: a dist field reaches them).
    fn tables() -> Vec<&'static Table> {
        super::super::validate::ROOT.tables()
    }

    #[test]
    fn table_names_are_unique_and_non_empty() {
        let tables = tables();
        for (i, t) in tables.iter().enumerate() {
            assert!(!t.name.is_empty(), "a table has no name: {t:?}");
            let same: Vec<_> = tables[..i].iter().filter(|s| s.name == t.name).collect();
            assert!(same.is_empty(), "two tables are named `{}`", t.name);
        }
    }

    #[test]
    fn every_field_of_every_table_has_a_description() {
        let missing: Vec<String> = tables()
            .iter()
            .flat_map(|t| t.fields.iter().map(move |f| (t.name, f.key)))
            .filter(|(t, k)| describe(t, k).is_none_or(|d| d.trim().is_empty()))
            .map(|(t, k)| format!("{t}.{k}"))
            .collect();
        assert!(
            missing.is_empty(),
            "fields without a description: {missing:?}"
        );
    }

    /// No stale entries: a renamed or removed field must take its description along.
    #[test]
    fn every_description_names_a_real_field_once() {
        let tables = tables();
        for (i, (t, k, _)) in FIELD_DOCS.iter().enumerate() {
            let table = tables.iter().find(|x| x.name == *t);
            assert!(
                table.is_some_and(|x| x.field(k).is_some()),
                "`{t}.{k}` names no field of a table the schema reaches"
            );
            assert!(
                !FIELD_DOCS[..i].iter().any(|(t2, k2, _)| t2 == t && k2 == k),
                "`{t}.{k}` is described twice"
            );
        }
    }

    #[test]
    fn descriptions_are_one_or_two_lines() {
        for (t, k, d) in FIELD_DOCS {
            assert!(d.len() <= 200, "`{t}.{k}` is {} characters long", d.len());
            assert!(!d.contains('\n'), "`{t}.{k}` has a line break");
        }
    }
}
