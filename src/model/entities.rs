//! The cluster's objects as one run holds them: nodes (machine, control-plane view, what is
//! bound there) and pods (phase, container, probes, endpoints, request server).

use super::*;

pub struct Node {
    /// Its pool, and its number in the pool (the name is `<pool>-<ordinal>`, built lazily).
    pub pool: usize,
    pub ordinal: u32,
    pub zone: usize,
    pub capacity: Resources,
    pub max_pods: u32,
    /// The machine runs (kubelet and containers alive).
    pub alive: bool,
    /// Cut from the control plane (alive, but no lease renewals or status updates).
    pub partitioned: bool,
    /// The control plane's Ready condition.
    pub cp_ready: bool,
    /// Generation of the failure/repair process.
    pub fail_gen: u32,
    /// Generation of reachability; detection and eviction events carry it.
    pub reach_gen: u32,
    /// Generation of partitions; healing events carry it.
    pub part_gen: u32,
    pub was_reachable: bool,
    /// Lease renewals happen at `lease_phase + k·10s`.
    pub lease_phase: SimDuration,
    /// Carries the node lifecycle controller's NoExecute taint; its generation makes
    /// pending evictions stale when the taint is lifted.
    pub tainted: bool,
    pub taint_gen: u32,
    /// `spec.unschedulable` (a drain): the scheduler places no pods here.
    pub cordoned: bool,
    /// Generation of drains; their retries and uncordon carry it.
    pub drain_gen: u32,
    /// Pods bound here, including terminating ones not yet confirmed gone.
    pub pods: Vec<PodId>,
    pub used: Resources,
    pub used_pods: u32,
    /// Deleted by the cluster autoscaler: its slot stays (ids are not reused) but it is
    /// in no index, no spread domain and no zone.
    pub removed: bool,
}

impl Node {
    /// A Ready, empty node of `pool` (its `pool_index`), renewing its lease at `lease_phase`.
    pub fn new(
        pool: &crate::scenario::NodePool,
        pool_index: usize,
        ordinal: u32,
        zone: usize,
        lease_phase: SimDuration,
    ) -> Self {
        Node {
            pool: pool_index,
            ordinal,
            zone,
            capacity: pool.capacity,
            max_pods: pool.max_pods,
            alive: true,
            partitioned: false,
            cp_ready: true,
            fail_gen: 0,
            reach_gen: 0,
            part_gen: 0,
            was_reachable: true,
            lease_phase,
            tainted: false,
            taint_gen: 0,
            cordoned: false,
            drain_gen: 0,
            pods: Vec::new(),
            used: Resources::default(),
            used_pods: 0,
            removed: false,
        }
    }

    /// The kubelet can reach the API server.
    pub fn reachable(&self) -> bool {
        self.alive && !self.partitioned
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    Pending,
    Bound,
    Gone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proc {
    /// No container yet (pending, or bound to a node whose kubelet has not seen it).
    None,
    Starting,
    Listening,
    /// Exited; a restart may be due.
    Exited,
}

pub struct Pod {
    pub workload: usize,
    pub ordinal: u32,
    /// Template version (ReplicaSet revision): 0 at the start, +1 per rollout.
    pub version: u32,
    /// When the Ready condition last turned True (availability after `min_ready`).
    pub ready_at: SimTime,
    /// When the Ready condition last changed either way (`LastTransitionTime`).
    pub ready_changed: SimTime,
    /// `status.startTime`: the first container start (`None`: the pod is still Pending).
    pub started_at: Option<SimTime>,
    pub node: Option<NodeId>,
    pub phase: PodPhase,
    /// Has a deletionTimestamp.
    pub deleting: bool,
    pub proc: Proc,
    pub hung: bool,
    /// SIGTERM received: the process refuses new connections while it drains.
    pub draining: bool,
    /// Container incarnation; bumped at every start and exit.
    pub cgen: u32,
    pub hang_gen: u32,
    pub container_start: SimTime,
    /// Startup probe succeeded (or there is none).
    pub started: bool,
    /// A liveness/startup kill is in progress.
    pub killing: bool,
    /// The kubelet's readiness result.
    pub kubelet_ready: bool,
    /// The pod's Ready condition in the API server.
    pub api_ready: bool,
    /// Endpoint readiness last sent towards the balancers, and its version.
    pub ep_target: bool,
    pub ep_version: u32,
    pub ep_applied: u32,
    /// Balancers list the pod as a ready endpoint.
    pub in_endpoints: bool,
    pub serving: bool,
    pub scheduling_queued: bool,
    /// Listed in `World::unschedulable` (a flag, so that listing is O(1), not a search).
    pub listed_unschedulable: bool,
    /// CrashLoopBackOff entry: current back-off and the time of the last restart.
    pub backoff: Option<(SimDuration, SimTime)>,
    /// Whether the pending restart follows an expired (reset) back-off entry.
    pub backoff_expired: bool,
    pub probes: [ProbeState; 3],
    pub restarts: u32,
    pub server: server::PodServer,
    /// Outlier detection: failed attempts in a row, and until when the pod is ejected.
    pub consecutive_errors: u32,
    pub ejected_until: SimTime,
    /// What the workload and placement indexes last counted this pod as.
    pub indexed: index::Counted,
    /// What the fluid model's endpoint counts last counted this pod as.
    pub fluid_answer: fluid::Answer,
    /// Readiness last turned to failure by a probe (the next success is a flap).
    pub probe_failed: bool,
    /// What last disrupted the pod since it last began serving: the cause its serving
    /// drop (and an incident that drop starts) is booked to.
    pub down_cause: DownCause,
}

impl Pod {
    /// A new pod object of workload `w`: Pending, no container, created `now`.
    pub fn new(
        w: usize,
        ordinal: u32,
        version: u32,
        now: SimTime,
        server: server::PodServer,
    ) -> Self {
        Pod {
            workload: w,
            ordinal,
            version,
            ready_at: now,
            ready_changed: now,
            started_at: None,
            node: None,
            phase: PodPhase::Pending,
            deleting: false,
            proc: Proc::None,
            hung: false,
            draining: false,
            cgen: 0,
            hang_gen: 0,
            container_start: now,
            started: false,
            killing: false,
            kubelet_ready: false,
            api_ready: false,
            ep_target: false,
            ep_version: 0,
            ep_applied: 0,
            in_endpoints: false,
            serving: false,
            scheduling_queued: false,
            listed_unschedulable: false,
            backoff: None,
            backoff_expired: true,
            probes: Default::default(),
            restarts: 0,
            server,
            consecutive_errors: 0,
            ejected_until: SimTime::ZERO,
            indexed: Default::default(),
            fluid_answer: Default::default(),
            probe_failed: false,
            down_cause: DownCause::Other,
        }
    }
}
