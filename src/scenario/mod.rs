//! The scenario: domain types that the simulation reads, and loading them from a YAML file
//! (parse → apply `--set` overrides → validate, with every error located).

pub mod autoscaling;
pub mod budget;
pub mod error;
pub mod field_docs;
pub mod input;
mod load;
mod open;
pub mod overrides;
pub mod reader;
pub mod schema;
pub mod shape;
pub mod sweep;
mod validate;
pub mod yaml;

use crate::dist::Dist;
use crate::time::SimDuration;
pub use autoscaling::{Autoscaling, ClusterAutoscaler, PoolAutoscaling};
pub use budget::Limits;
pub use error::{FieldError, ScenarioErrors};
pub use load::{Manifests, Overrides};
pub use open::{LoadError, SweptScenario};

/// A validated scenario. Indices (`usize`) refer into the scenario's own vectors.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub horizon: SimDuration,
    pub warmup: SimDuration,
    pub runs: u32,
    pub seed: u64,
    pub pools: Vec<NodePool>,
    /// Every node of every pool, in pool order: `<pool>-<index>`.
    pub nodes: Vec<NodeSpec>,
    pub control_plane: ControlPlane,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub traffic: Vec<Traffic>,
    pub faults: Vec<Fault>,
    pub slo: Slo,
    pub output: Output,
    /// Timings of the cluster autoscaler (acts on pools with `autoscaling`).
    pub cluster_autoscaler: ClusterAutoscaler,
}

/// Extra outputs (`output:`), written for the first run of each variant.
#[derive(Clone, Debug, Default)]
pub struct Output {
    /// Sample interval of `timeseries.csv`.
    pub timeseries: Option<SimDuration>,
    /// Write `events.csv` (the event log).
    pub events: bool,
    /// Plots drawn into `plots/` after the run: timeline, availability, latency, replicas, success.
    pub plots: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Resources {
    pub cpu_milli: u64,
    pub memory_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct NodePool {
    pub name: String,
    pub count: u32,
    pub zones: Vec<String>,
    pub capacity: Resources,
    pub max_pods: u32,
    pub failures: Option<NodeFailures>,
    /// Provisioning → Ready for nodes the cluster autoscaler adds.
    pub boot: Dist,
    /// Node-group bounds of the cluster autoscaler (`None`: a fixed pool).
    pub autoscaling: Option<PoolAutoscaling>,
}

#[derive(Clone, Debug)]
pub struct NodeFailures {
    pub time_to_failure: Dist,
    pub time_to_repair: Dist,
}

#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub name: String,
    pub pool: usize,
    /// Index into the scenario's zone list.
    pub zone: usize,
}

#[derive(Clone, Debug)]
pub struct ControlPlane {
    pub node_monitor_period: SimDuration,
    pub node_monitor_grace_period: SimDuration,
    pub not_ready_toleration: SimDuration,
    pub endpoint_delay: Dist,
    pub scheduling_delay: Dist,
    /// The node lifecycle controller's per-zone taint queue rates and zone thresholds.
    pub eviction: crate::model::EvictionRates,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
}

/// Hard topology spread (`whenUnsatisfiable: DoNotSchedule`, maxSkew 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    Zones,
    Nodes,
    None,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub kind: WorkloadKind,
    pub replicas: u32,
    pub resources: Resources,
    pub spread: Spread,
    pub start: Dist,
    pub termination_grace: SimDuration,
    /// preStop sleep: the pod keeps serving this long after deletion before SIGTERM.
    pub pre_stop: SimDuration,
    /// The app's own drain after SIGTERM (it refuses new connections meanwhile).
    pub shutdown: Dist,
    pub failures: PodFailures,
    pub restart_backoff: Backoff,
    /// Rolling-update strategy (used when a `rollout` fault deploys a new version).
    pub rollout: RolloutSpec,
    /// What a rollout deploys: start time and failures of the new version (`None`: as before).
    pub new_version: Option<NewVersion>,
    pub probes: Probes,
    pub server: Server,
    /// The PodDisruptionBudget selecting this workload's pods (evictions honour it).
    pub pdb: Option<Pdb>,
    /// HPA and predictive scaling (`replicas` is then the initial count).
    pub autoscaling: Option<Autoscaling>,
}

/// A PDB bound as Kubernetes writes it (`IntOrString`): a pod count or a whole percentage
/// of the workload's replicas (rounded up when scaled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PdbValue {
    Count(u32),
    Percent(u32),
}

/// A PodDisruptionBudget: exactly one of its two bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pdb {
    MinAvailable(PdbValue),
    MaxUnavailable(PdbValue),
}

/// A Deployment's `maxSurge` / `maxUnavailable`: a count or a share of the replicas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IntOrPercent {
    Int(u32),
    /// A fraction in [0, 1].
    Percent(f64),
}

impl IntOrPercent {
    pub fn is_zero(self) -> bool {
        match self {
            IntOrPercent::Int(n) => n == 0,
            IntOrPercent::Percent(p) => p == 0.0,
        }
    }

    /// `GetValueFromIntOrPercent`: a percentage of `total`, rounded up or down.
    pub fn resolve(self, total: u32, round_up: bool) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                // p·total with the percent's decimal digits exact enough: round a hair off
                // before ceil/floor so 25 % of 4 is exactly 1.
                let x = p * total as f64;
                let x = (x * 1e9).round() / 1e9;
                (if round_up { x.ceil() } else { x.floor() }) as u32
            }
        }
    }
}

/// `workloads[].rollout`: Kubernetes defaults 25 % / 25 %, minReadySeconds 0, progress
/// deadline 600 s; `partition` for StatefulSets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RolloutSpec {
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
    pub min_ready: SimDuration,
    pub progress_deadline: SimDuration,
    pub partition: u32,
}

impl Default for RolloutSpec {
    fn default() -> Self {
        RolloutSpec {
            max_surge: IntOrPercent::Percent(0.25),
            max_unavailable: IntOrPercent::Percent(0.25),
            min_ready: SimDuration::ZERO,
            progress_deadline: SimDuration::from_secs(600),
            partition: 0,
        }
    }
}

/// `workloads[].new_version`: what differs in the version a rollout deploys.
#[derive(Clone, Debug)]
pub struct NewVersion {
    pub start: Option<Dist>,
    pub failures: Option<PodFailures>,
}

#[derive(Clone, Debug, Default)]
pub struct PodFailures {
    pub crash: Option<Dist>,
    pub hang: Option<Dist>,
    /// `None`: a hang lasts until the container is restarted.
    pub hang_duration: Option<Dist>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: SimDuration,
    pub max: SimDuration,
    pub reset_after: SimDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    pub period: SimDuration,
    pub timeout: SimDuration,
    pub failure_threshold: u32,
    pub success_threshold: u32,
    pub initial_delay: SimDuration,
    pub handler: ProbeHandler,
    /// Where an http/grpc probe is served (tcp and exec: `Dedicated`, unused).
    pub path: ProbePath,
    /// tcp: pending connections at which the listen backlog is full (`None`: never).
    pub backlog: Option<u32>,
}

/// How the kubelet probes (`tcpSocket`, `httpGet`, `exec`, `grpc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeHandler {
    /// Passes while the process listens, hung or not: the kernel completes the handshake.
    Tcp,
    /// A request served by the application: fails when it is not answered within `timeout`.
    Http,
    /// A command in the container: fails when the process is hung.
    Exec,
    /// As `Http` (the app serves the health service).
    Grpc,
}

/// Whether an http/grpc probe waits behind the requests in the pod's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbePath {
    Shared,
    Dedicated,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Probes {
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
}

/// How a service picks an endpoint for each request (see `model::balancer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    /// kube-proxy iptables/nftables: uniform over ready endpoints.
    Random,
    /// IPVS `rr`.
    RoundRobin,
    LeastConnections,
    /// Two random candidates, the one with fewer requests in flight.
    PowerOfTwo,
    /// Smooth weighted round robin, weight = the pod's server concurrency.
    WeightedRoundRobin,
    RingHash {
        vnodes: u32,
    },
    Maglev {
        table: u32,
    },
}

/// A pod's request server: `concurrency` workers, a FIFO queue of `queue` places.
#[derive(Clone, Debug)]
pub struct Server {
    pub concurrency: u32,
    pub queue: u32,
    pub service_time: Dist,
    /// CPU seconds one request costs.
    pub cpu_per_request_s: f64,
    /// CPU (cores) a pod uses with no requests.
    pub cpu_idle_cores: f64,
}

/// Request arrivals of one traffic source, as a rate in requests per second.
#[derive(Clone, Debug)]
pub enum Arrivals {
    Poisson {
        rate: f64,
    },
    /// rate(t) = mean · (1 + amplitude · cos(2π (t − peak) / period)).
    Diurnal {
        mean: f64,
        amplitude: f64,
        period: SimDuration,
        peak: SimDuration,
    },
    /// Piecewise-constant rate: (from, rate) sorted by time; before the first step, 0.
    Steps(Vec<(SimDuration, f64)>),
}

impl Arrivals {
    /// Expected arrivals in `[a, b)` (seconds): ∫ rate(t) dt.
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        match self {
            Arrivals::Poisson { rate } => rate * (b - a),
            Arrivals::Diurnal {
                mean,
                amplitude,
                period,
                peak,
            } => {
                let (p, k) = (period.as_secs_f64(), peak.as_secs_f64());
                let w = 2.0 * std::f64::consts::PI / p;
                mean * ((b - a) + amplitude / w * ((w * (b - k)).sin() - (w * (a - k)).sin()))
            }
            Arrivals::Steps(steps) => steps
                .iter()
                .enumerate()
                .map(|(i, (at, rate))| {
                    let lo = at.as_secs_f64().max(a);
                    let hi = steps
                        .get(i + 1)
                        .map_or(f64::INFINITY, |(n, _)| n.as_secs_f64())
                        .min(b);
                    if hi > lo { rate * (hi - lo) } else { 0.0 }
                })
                .sum(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Traffic {
    pub service: usize,
    pub arrivals: Arrivals,
    pub clients: u32,
    pub timeout: SimDuration,
    /// Retries after a failed attempt (not counting the first), and the pause before each.
    pub retry_attempts: u32,
    pub retry_backoff: SimDuration,
    /// `model: fluid`: rates between state changes instead of one event per request.
    pub fluid: bool,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub workload: usize,
    pub balancer: Balancer,
    /// `sessionAffinity: ClientIP` with this timeout.
    pub session_affinity: Option<SimDuration>,
    pub outlier_detection: Option<OutlierDetection>,
}

/// Passive health checking: after `consecutive_errors` failed attempts in a row, an endpoint
/// is left out of picks for `ejection`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutlierDetection {
    pub consecutive_errors: u32,
    pub ejection: SimDuration,
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub when: FaultTime,
    pub action: FaultAction,
}

/// When a scripted fault happens: `at` (once) or `every` (again and again).
#[derive(Clone, Debug)]
pub enum FaultTime {
    /// Once, this long after the start (before the horizon).
    At(SimDuration),
    /// A renewal process: the first occurrence a draw after t = 0, each next one a fresh draw
    /// after the previous one (from the fault's own random stream). An occurrence does not
    /// wait for the previous one's `for` to end: one that finds its target already down does
    /// nothing to it, as an `at` fault would. The mean is positive (validated).
    Every(Dist),
}

#[derive(Clone, Debug)]
pub enum FaultAction {
    /// `duration: None` = the pool's time_to_repair (or never, without one).
    KillNode {
        node: usize,
        duration: Option<SimDuration>,
    },
    /// `zone: None` is `zone_outage: any`: a zone drawn uniformly at each occurrence.
    ZoneOutage {
        zone: Option<usize>,
        duration: Option<SimDuration>,
    },
    KillPod {
        workload: usize,
        ordinal: u32,
    },
    HangPod {
        workload: usize,
        ordinal: u32,
        duration: Option<SimDuration>,
    },
    PartitionNode {
        node: usize,
        duration: Option<SimDuration>,
    },
    /// A new version of the workload's pod template: a rolling update.
    Rollout {
        workload: usize,
    },
    /// `kubectl drain`: cordon, evict every pod (honouring PDBs); `duration` uncordons.
    DrainNode {
        node: usize,
        duration: Option<SimDuration>,
    },
}

#[derive(Clone, Debug)]
pub struct Slo {
    pub min_ready: u32,
    pub availability: Option<f64>,
    pub latency_p99: Option<SimDuration>,
}

impl Scenario {
    /// All zone names, in first-seen order.
    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = Vec::new();
        for p in &self.pools {
            for z in &p.zones {
                if !zones.contains(&z.as_str()) {
                    zones.push(z);
                }
            }
        }
        zones
    }
}
