//! The simulated cluster: entities in arenas, the closed set of events, and one run.
//!
//! The handlers live beside their concept (`node`, `pod`, `probe_driver`, `controller`,
//! `scheduler`, `endpoints`, `faults`); this file owns the shared state and the dispatch.

mod arena;
pub mod balancer;
mod controller;
mod endpoints;
mod faults;
mod fluid;
mod index;
mod node;
mod node_eviction;
mod node_lifecycle;
mod placement;
mod pod;
pub mod probe;
mod probe_driver;
mod scheduler;
pub mod server;
pub mod trace;
mod traffic;

use crate::engine::{self, Engine, Handler, StopReason};
use crate::metrics::{Recorder, RunMetrics};
use crate::rng::RngStreams;
use crate::scenario::{Resources, Scenario};
use crate::time::{SimDuration, SimTime};
pub use node_lifecycle::EvictionRates;
use probe::{ProbeKind, ProbeState};
pub use trace::{TraceEvent, TraceKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);
/// A pod: its arena slot and the slot's generation (slots are reused after a pod is gone;
/// an id whose generation has moved on is stale, see `arena`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32, pub u32);

/// Everything that can happen. Small `Copy` values: ids and generations, never payloads.
/// A generation that no longer matches its entity marks the event stale (lazy cancellation).
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A node's machine fails (random failure process).
    NodeFailed { node: NodeId, generation: u32 },
    /// A failed node is back (kubelet running, lease renewing).
    NodeRepaired { node: NodeId, generation: u32 },
    /// The node lifecycle controller marks an unreachable node NotReady.
    NodeNotReadyDetected { node: NodeId, generation: u32 },
    /// `not_ready_toleration` has passed since the NoExecute taint: the taint-eviction
    /// controller deletes the node's pods. Carries the taint's generation.
    NodeTaintEvictionDue { node: NodeId, generation: u32 },
    /// One monitor pass after NotReady: the node joins its zone's taint queue.
    TaintQueueDue { node: NodeId, generation: u32 },
    /// A 100 ms pass of a zone's taint queue that can taint its head node.
    TaintPassDue { zone: u32, generation: u32 },
    /// End of a monitor pass with Ready changes: zone states are recomputed.
    ZoneReviewDue,
    /// The first monitor pass that observes a recovered node Ready: its taint is lifted.
    NodeReachableSeen { node: NodeId, generation: u32 },
    /// A control-plane partition of a node ends.
    PartitionHealed { node: NodeId, generation: u32 },
    /// The scheduler tries to bind a pending pod.
    SchedulingDue { pod: PodId },
    /// The container's process starts listening.
    ProcessListening { pod: PodId, cgen: u32 },
    /// The container's process exits on its own.
    ProcessCrashed { pod: PodId, cgen: u32 },
    /// The container's process hangs.
    ProcessHung { pod: PodId, cgen: u32 },
    /// A hang ends by itself.
    HangEnded { pod: PodId, cgen: u32, hang: u32 },
    /// SIGKILL at the end of the termination grace period (the process ignored SIGTERM).
    GraceExpired { pod: PodId, cgen: u32 },
    /// The preStop hook of a deleted pod has finished: SIGTERM.
    SigtermDue { pod: PodId, cgen: u32 },
    /// A draining process finished its own shutdown after SIGTERM and exits.
    ShutdownDone { pod: PodId, cgen: u32 },
    /// The kubelet restarts an exited container (after CrashLoopBackOff).
    RestartDue { pod: PodId, cgen: u32 },
    /// A probe worker's result crosses its threshold (fast path).
    ProbeFlip {
        pod: PodId,
        kind: ProbeKind,
        generation: u32,
    },
    /// Oracle mode: a probe worker's tick.
    ProbeTick { pod: PodId, kind: ProbeKind },
    /// Oracle mode: a probe result that arrives after a timeout.
    ProbeResult {
        pod: PodId,
        kind: ProbeKind,
        generation: u32,
        outcome: bool,
    },
    /// Balancers learn a pod's endpoint readiness (after `endpoint_delay`).
    EndpointsUpdated {
        pod: PodId,
        version: u32,
        ready: bool,
    },
    /// A scripted fault of the scenario (index into `faults`).
    ScriptedFault { index: u32 },
    /// A scripted hang ends.
    ScriptedHangEnded { pod: PodId, cgen: u32, hang: u32 },
    /// The next request of a traffic source arrives.
    Arrival { source: u32 },
    /// A failed request is tried again.
    RetryDue { slot: u32, generation: u32 },
    /// A time-series sample is due.
    SampleDue,
}

/// Options that are not part of the scenario (how to run, not what to run).
#[derive(Clone, Copy, Debug)]
pub struct SimOptions {
    pub max_events: u64,
    /// Probe workers tick every period (the slow oracle of the event-driven probes).
    pub probe_oracle: bool,
    /// Keep a log of (time, event) for tests and events.csv.
    pub trace: bool,
    /// Sample the time series at this interval.
    pub timeseries: Option<SimDuration>,
    /// Set by an interrupt: the run stops with `StopReason::Cancelled` (see `engine::run`).
    pub cancel: Option<&'static std::sync::atomic::AtomicBool>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            max_events: 2_000_000_000,
            probe_oracle: false,
            trace: false,
            timeseries: None,
            cancel: None,
        }
    }
}

pub struct Node {
    pub spec: usize,
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
    /// Pods bound here, including terminating ones not yet confirmed gone.
    pub pods: Vec<PodId>,
    pub used: Resources,
    pub used_pods: u32,
}

impl Node {
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
}

/// One simulated run of a scenario.
pub struct World<'s> {
    pub sc: &'s Scenario,
    pub opts: SimOptions,
    pub rng: RngStreams,
    pub nodes: Vec<Node>,
    pub pods: arena::Pods,
    /// Per workload: live pods by ordinal and counts, kept where pods change (`index`).
    pub wix: Vec<index::WorkloadIndex>,
    /// Per workload and zone: Ready nodes in scoring order (`placement`).
    pub placement: placement::Placement,
    /// Per zone: its nodes, in node order.
    pub zone_nodes: Vec<Vec<NodeId>>,
    /// Per workload: the next Deployment pod number.
    pub next_ordinal: Vec<u32>,
    /// Phase of the node-monitor ticks.
    pub monitor_phase: SimDuration,
    /// Pods the scheduler could not place, retried on cluster changes.
    pub unschedulable: Vec<PodId>,
    pub rec: Recorder,
    pub trace: Vec<TraceEvent>,
    /// Zone states and taint queues of the node lifecycle controller.
    pub lifecycle: node_lifecycle::NodeLifecycle,
    pub taint_pass_gen: Vec<u32>,
    pub zone_review_pending: bool,
    pub zone_names: Vec<String>,
    /// Per service: the endpoints its balancer believes ready, and the balancer.
    pub eps: Vec<Vec<balancer::Endpoint>>,
    pub balancers: Vec<Box<dyn balancer::Balance>>,
    /// Per workload: the services that select it.
    pub services_of: Vec<Vec<usize>>,
    pub sources: Vec<traffic::SourceState>,
    pub slots: Vec<traffic::RetrySlot>,
    pub free_slots: Vec<u32>,
    /// Scratch: attempts settled but not yet recorded.
    pub settled: Vec<server::InFlight>,
    pub next_request_seq: u64,
    /// Per traffic source: fluid totals (unused for `model: requests`).
    pub fluid: Vec<fluid::FluidTotals>,
    pub fluid_last: SimTime,
    pub has_fluid: bool,
    /// Any traffic at all: request servers and endpoint lists are only kept up to date then.
    pub has_traffic: bool,
    /// Per service: ClientIP affinity, client → (pod, last use). Looked up, never iterated.
    pub affinity: Vec<std::collections::HashMap<u32, (PodId, SimTime)>>,
    /// Scratch for candidate endpoints.
    pub scratch_eps: Vec<balancer::Endpoint>,
    pub samples: Vec<Sample>,
}

/// One time-series row: the state of a service at `t`, and its requests since the last row.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub t: SimTime,
    pub service: usize,
    pub ready: u32,
    pub serving: i64,
    pub replicas: i64,
    pub requests: u64,
    pub success_ratio: Option<f64>,
    pub latency_ms_p99: Option<f64>,
}

/// The lease renewal interval (nodeLeaseDurationSeconds 40 × 0.25).
pub const LEASE_RENEW: SimDuration = SimDuration::from_secs(10);

pub type Eng = Engine<Event>;

impl<'s> World<'s> {
    pub fn new(sc: &'s Scenario, run_seed: u64, opts: SimOptions) -> Self {
        let mut rng = RngStreams::new(run_seed);
        let monitor_phase = SimDuration(
            (crate::rng::unit(&mut rng.control_plane)
                * sc.control_plane.node_monitor_period.0 as f64) as u64,
        );
        let nodes: Vec<Node> = sc
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let pool = &sc.pools[n.pool];
                Node {
                    spec: i,
                    zone: n.zone,
                    capacity: pool.capacity,
                    max_pods: pool.max_pods,
                    alive: true,
                    partitioned: false,
                    cp_ready: true,
                    fail_gen: 0,
                    reach_gen: 0,
                    part_gen: 0,
                    was_reachable: true,
                    lease_phase: SimDuration(
                        (crate::rng::unit(&mut rng.kubelet) * LEASE_RENEW.0 as f64) as u64,
                    ),
                    tainted: false,
                    taint_gen: 0,
                    pods: Vec::new(),
                    used: Resources::default(),
                    used_pods: 0,
                }
            })
            .collect();
        let rec = Recorder::new(sc);
        let zone_names: Vec<String> = sc.zones().into_iter().map(String::from).collect();
        let mut zone_sizes = vec![0u32; zone_names.len()];
        for n in &sc.nodes {
            zone_sizes[n.zone] += 1;
        }
        let zones = sc.zones().len();
        let mut zone_nodes = vec![Vec::new(); zones];
        for (i, n) in sc.nodes.iter().enumerate() {
            zone_nodes[n.zone].push(NodeId(i as u32));
        }
        let placement = placement::Placement::new(sc.workloads.len(), zones, &nodes);
        World {
            lifecycle: node_lifecycle::NodeLifecycle::new(sc.control_plane.eviction, &zone_sizes),
            taint_pass_gen: vec![0; zone_names.len()],
            zone_review_pending: false,
            zone_names,
            sc,
            opts,
            rng,
            nodes,
            pods: arena::Pods::default(),
            wix: sc.workloads.iter().map(index::WorkloadIndex::new).collect(),
            placement,
            zone_nodes,
            next_ordinal: vec![0; sc.workloads.len()],
            monitor_phase,
            unschedulable: Vec::new(),
            rec,
            trace: Vec::new(),
            eps: vec![Vec::new(); sc.services.len()],
            balancers: sc
                .services
                .iter()
                .map(|s| balancer::build(s.balancer))
                .collect(),
            services_of: (0..sc.workloads.len())
                .map(|w| {
                    (0..sc.services.len())
                        .filter(|&s| sc.services[s].workload == w)
                        .collect()
                })
                .collect(),
            sources: vec![traffic::SourceState::default(); sc.traffic.len()],
            slots: Vec::new(),
            free_slots: Vec::new(),
            settled: Vec::new(),
            next_request_seq: 0,
            fluid: vec![Default::default(); sc.traffic.len()],
            fluid_last: SimTime::ZERO,
            has_fluid: sc.traffic.iter().any(|t| t.fluid),
            has_traffic: !sc.traffic.is_empty(),
            affinity: vec![Default::default(); sc.services.len()],
            scratch_eps: Vec::new(),
            samples: Vec::new(),
        }
    }

    fn start(&mut self, eng: &mut Eng) {
        for (i, f) in self.sc.faults.iter().enumerate() {
            eng.schedule_at(
                SimTime::ZERO + f.at,
                Event::ScriptedFault { index: i as u32 },
            );
        }
        for n in 0..self.nodes.len() {
            self.schedule_random_failure(eng, NodeId(n as u32));
        }
        for w in 0..self.sc.workloads.len() {
            self.reconcile(eng, w);
        }
        self.start_traffic(eng);
        if let Some(every) = self.opts.timeseries {
            self.rec.interval = Some(vec![Default::default(); self.sc.services.len()]);
            eng.schedule_in(every, Event::SampleDue);
        }
    }

    fn sample(&mut self, eng: &mut Eng) {
        let now = eng.now();
        if self.has_traffic {
            // Outcomes settle lazily (when a pod is next touched): settle every server up to
            // now so that each outcome lands in the bin of its own time, not a later one.
            for p in self.pods.iter_mut() {
                p.server.settle(now, &mut self.settled);
            }
            self.settled.sort_unstable_by_key(|f| (f.resolve, f.seq));
            self.record_settled();
        }
        let interval = self
            .rec
            .interval
            .replace(vec![Default::default(); self.sc.services.len()])
            .unwrap_or_default();
        for (svc, s) in self.sc.services.iter().enumerate() {
            let w = s.workload;
            let ready = self.wix[w].ready;
            debug_assert_eq!(
                ready as usize,
                self.pods
                    .iter()
                    .filter(|p| p.workload == w
                        && p.phase == PodPhase::Bound
                        && p.api_ready
                        && !p.deleting)
                    .count(),
                "ready-pod index of workload {w} (the old scan is its oracle)"
            );
            let st = &interval[svc];
            let l = st.latency_ms();
            self.samples.push(Sample {
                t: now,
                service: svc,
                ready,
                serving: self.rec.serving_now(w),
                replicas: self.rec.replicas_now(w),
                requests: st.requests,
                success_ratio: (st.requests > 0).then(|| st.ok as f64 / st.requests as f64),
                latency_ms_p99: (st.ok > 0).then_some(l[3]),
            });
        }
        if let Some(every) = self.opts.timeseries {
            eng.schedule_in(every, Event::SampleDue);
        }
    }

    /// Appends to the trace (tests, events.csv); entity and detail are only built when
    /// tracing.
    pub fn log(
        &mut self,
        now: SimTime,
        kind: TraceKind,
        what: impl FnOnce(&World) -> (String, String),
    ) {
        if self.opts.trace {
            let (entity, detail) = what(self);
            self.trace.push(TraceEvent {
                t: now,
                kind,
                entity,
                detail,
            });
        }
    }

    pub fn pod_name(&self, pod: PodId) -> String {
        let p = &self.pods[pod];
        format!("{}-{}", self.sc.workloads[p.workload].name, p.ordinal)
    }
}

impl Event {
    /// The pod the event is about, if any (stale once the pod's slot is reused).
    fn pod(&self) -> Option<PodId> {
        match *self {
            Event::SchedulingDue { pod }
            | Event::ProcessListening { pod, .. }
            | Event::ProcessCrashed { pod, .. }
            | Event::ProcessHung { pod, .. }
            | Event::HangEnded { pod, .. }
            | Event::GraceExpired { pod, .. }
            | Event::SigtermDue { pod, .. }
            | Event::ShutdownDone { pod, .. }
            | Event::RestartDue { pod, .. }
            | Event::ProbeFlip { pod, .. }
            | Event::ProbeTick { pod, .. }
            | Event::ProbeResult { pod, .. }
            | Event::EndpointsUpdated { pod, .. }
            | Event::ScriptedHangEnded { pod, .. } => Some(pod),
            Event::NodeFailed { .. }
            | Event::NodeRepaired { .. }
            | Event::NodeNotReadyDetected { .. }
            | Event::NodeTaintEvictionDue { .. }
            | Event::TaintQueueDue { .. }
            | Event::TaintPassDue { .. }
            | Event::ZoneReviewDue
            | Event::NodeReachableSeen { .. }
            | Event::PartitionHealed { .. }
            | Event::ScriptedFault { .. }
            | Event::Arrival { .. }
            | Event::RetryDue { .. }
            | Event::SampleDue => None,
        }
    }
}

impl Handler<Event> for World<'_> {
    fn handle(&mut self, eng: &mut Eng, event: Event) {
        if self.has_fluid {
            // Fluid traffic flowed under the state as it was until this event.
            self.fluid_advance(eng.now());
        }
        if let Some(pod) = event.pod()
            && !self.pods.is_live(pod)
        {
            // The pod object is gone (every handler ignored events of a gone pod before
            // slots were reused, so dropping them here changes nothing).
            return;
        }
        match event {
            Event::NodeFailed { node, generation } => {
                if self.nodes[node.0 as usize].fail_gen == generation {
                    let repair = self.random_repair_time(node);
                    self.fail_node(eng, node, repair);
                }
            }
            Event::NodeRepaired { node, generation } => {
                if self.nodes[node.0 as usize].fail_gen == generation {
                    self.repair_node(eng, node);
                }
            }
            Event::NodeNotReadyDetected { node, generation } => {
                if self.nodes[node.0 as usize].reach_gen == generation {
                    self.detect_not_ready(eng, node);
                }
            }
            Event::NodeTaintEvictionDue { node, generation } => {
                let n = &self.nodes[node.0 as usize];
                if n.tainted && n.taint_gen == generation {
                    self.taint_evict(eng, node);
                }
            }
            Event::TaintQueueDue { node, generation } => {
                if self.nodes[node.0 as usize].reach_gen == generation {
                    self.taint_queue_due(eng, node);
                }
            }
            Event::TaintPassDue { zone, generation } => {
                if self.taint_pass_gen[zone as usize] == generation {
                    self.taint_pass(eng, zone as usize);
                }
            }
            Event::ZoneReviewDue => self.zone_review(eng),
            Event::NodeReachableSeen { node, generation } => {
                if self.nodes[node.0 as usize].reach_gen == generation {
                    self.node_reachable_seen(eng, node);
                }
            }
            Event::PartitionHealed { node, generation } => {
                if self.nodes[node.0 as usize].part_gen == generation {
                    self.heal_partition(eng, node);
                }
            }
            Event::SchedulingDue { pod } => self.try_schedule(eng, pod),
            Event::ProcessListening { pod, cgen } => {
                if self.pods[pod].cgen == cgen {
                    self.process_listening(eng, pod);
                }
            }
            Event::ProcessCrashed { pod, cgen } => {
                if self.pods[pod].cgen == cgen {
                    self.log(eng.now(), TraceKind::Crash, |w| {
                        (w.pod_name(pod), String::new())
                    });
                    self.exit_container(eng, pod);
                }
            }
            Event::ProcessHung { pod, cgen } => {
                if self.pods[pod].cgen == cgen {
                    let d = self.sc.workloads[self.pods[pod].workload]
                        .failures
                        .hang_duration
                        .clone();
                    let dur = d.map(|d| d.sample(&mut self.rng.pod_faults));
                    self.hang(eng, pod, dur, false);
                }
            }
            Event::HangEnded { pod, cgen, hang } | Event::ScriptedHangEnded { pod, cgen, hang } => {
                let p = &self.pods[pod];
                if p.cgen == cgen && p.hang_gen == hang && p.hung {
                    let scripted = matches!(event, Event::ScriptedHangEnded { .. });
                    self.unhang(eng, pod, scripted);
                }
            }
            Event::GraceExpired { pod, cgen } | Event::ShutdownDone { pod, cgen } => {
                if self.pods[pod].cgen == cgen {
                    self.exit_container(eng, pod);
                }
            }
            Event::SigtermDue { pod, cgen } => {
                if self.pods[pod].cgen == cgen {
                    self.sigterm(eng, pod);
                }
            }
            Event::RestartDue { pod, cgen } => {
                let p = &self.pods[pod];
                if p.cgen == cgen && p.proc == Proc::Exited && p.phase == PodPhase::Bound {
                    self.restart_container(eng, pod);
                }
            }
            Event::ProbeFlip {
                pod,
                kind,
                generation,
            } => {
                let ps = &self.pods[pod].probes[kind as usize];
                if ps.active && ps.generation == generation {
                    self.probe_flip(eng, pod, kind);
                }
            }
            Event::ProbeTick { pod, kind } => self.probe_tick(eng, pod, kind),
            Event::ProbeResult {
                pod,
                kind,
                generation,
                outcome,
            } => {
                let ps = &self.pods[pod].probes[kind as usize];
                if ps.active && ps.generation == generation {
                    self.probe_record(eng, pod, kind, outcome);
                }
            }
            Event::EndpointsUpdated {
                pod,
                version,
                ready,
            } => self.endpoints_updated(eng, pod, version, ready),
            Event::ScriptedFault { index } => self.scripted_fault(eng, index as usize),
            Event::Arrival { source } => self.arrivals(eng, source),
            Event::RetryDue { slot, generation } => self.retry_due(eng, slot, generation),
            Event::SampleDue => self.sample(eng),
        }
    }
}

/// What one run produced.
pub struct RunOutput {
    pub metrics: RunMetrics,
    pub stop: StopReason,
    pub end: SimTime,
    pub events: u64,
    pub trace: Vec<TraceEvent>,
    pub samples: Vec<Sample>,
}

/// Runs one seeded replication of `sc`.
pub fn simulate(sc: &Scenario, run_seed: u64, opts: SimOptions) -> RunOutput {
    let mut world = World::new(sc, run_seed, opts);
    let mut eng = Engine::new();
    eng.set_cancel(opts.cancel);
    world.start(&mut eng);
    let horizon = SimTime::ZERO + sc.horizon;
    let stop = engine::run(&mut eng, &mut world, horizon, opts.max_events);
    let end = eng.now();
    world.settle_all();
    if world.has_fluid {
        world.fluid_advance(end);
        world.fluid_finish();
    }
    let metrics = world.rec.finish(end);
    RunOutput {
        metrics,
        stop,
        end,
        events: eng.processed(),
        trace: world.trace,
        samples: world.samples,
    }
}
