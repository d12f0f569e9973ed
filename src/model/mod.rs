//! The simulated cluster: the shared state of one run (the objects themselves, `Node` and
//! `Pod`, are in `entities`), and the run.
//!
//! The handlers live beside their concept (`node`, `pod`, `probe_driver`, `controller`,
//! `rollout`, `scheduler`, `endpoints`, `faults`, `node_eviction`, `disruption`, `drain`);
//! control loops with state of their own (`node_lifecycle`, `cluster_autoscaler`) are driven
//! by the world; the events and their dispatch are in `event`.

mod arena;
mod autoscale;
pub mod balancer;
mod cluster_autoscaler;
mod controller;
mod disruption;
mod drain;
mod endpoints;
mod entities;
mod event;
mod faults;
mod fluid;
pub mod forecast;
mod hpa;
mod index;
mod node;
mod node_eviction;
mod node_lifecycle;
mod placement;
mod pod;
pub mod probe;
mod probe_driver;
mod rollout;
mod scheduler;
pub mod server;
pub mod trace;
mod traffic;

use crate::engine::{self, Engine, Handler, StopReason};
use crate::metrics::{DownCause, Recorder, RunMetrics};
use crate::rng::RngStreams;
use crate::scenario::{Resources, Scenario};
use crate::time::{SimDuration, SimTime};
pub use entities::{Node, Pod, PodPhase, Proc};
pub use event::Event;
pub use node_lifecycle::EvictionRates;
use probe::{ProbeKind, ProbeState};
pub use trace::{TraceEvent, TraceKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);
/// A pod: its arena slot and the slot's generation (slots are reused after a pod is gone;
/// an id whose generation has moved on is stale, see `arena`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32, pub u32);

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

/// One simulated run of a scenario.
pub struct World<'s> {
    pub sc: &'s Scenario,
    pub opts: SimOptions,
    pub rng: RngStreams,
    pub nodes: Vec<Node>,
    pub pods: arena::Pods,
    /// Per workload: live pods by ordinal and counts, kept where pods change (`index`).
    pub wix: Vec<index::WorkloadIndex>,
    /// Per workload: ReplicaSets by version and the rollout under way.
    pub rollouts: Vec<rollout::WorkloadRollout>,
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
    /// PodDisruptionBudget state of the disruption controller.
    pub disruption: disruption::Disruption,
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
    /// How the endpoints of each service answer, for the fluid split (kept lazily).
    pub fluid_routing: fluid::FluidRouting,
    /// Any traffic at all: request servers and endpoint lists are only kept up to date then.
    pub has_traffic: bool,
    /// Per service: ClientIP affinity, client → (pod, last use). Looked up, never iterated.
    pub affinity: Vec<std::collections::HashMap<u32, (PodId, SimTime)>>,
    /// Scratch for candidate endpoints.
    pub scratch_eps: Vec<balancer::Endpoint>,
    pub samples: Vec<Sample>,
    /// Per workload and probe kind: the probe is sampled at every tick (`probe_driver`).
    pub probe_load: Vec<[bool; 3]>,
    /// Per workload: its HPA's metrics and memory (`None`: a fixed scale).
    pub autoscalers: Vec<Option<autoscale::HpaState>>,
    /// The cluster autoscaler's state (node groups, nodes booting, unneeded timers).
    pub ca: cluster_autoscaler::NodeAutoscaler,
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
    /// The workload's `spec.replicas` (what its HPA last set).
    pub desired_replicas: u32,
    /// Its HPA's first metric at the last sync (`None`: no HPA, or no metric yet).
    pub metric_value: Option<f64>,
    /// The offered load since the last row: expected arrivals per second of the traffic
    /// sources that send to the service (the same in both traffic models).
    pub offered_rps: f64,
    /// Per node pool: registered nodes (Ready or not, not yet deleted).
    pub nodes: Vec<u32>,
}

/// The lease renewal interval (nodeLeaseDurationSeconds 40 × 0.25).
pub const LEASE_RENEW: SimDuration = SimDuration::from_secs(10);

pub type Eng = Engine<Event>;

impl<'s> World<'s> {
    pub fn new(sc: &'s Scenario, run_seed: u64, opts: SimOptions) -> Self {
        let mut rng = RngStreams::new(run_seed).with_faults(run_seed, sc.faults.len());
        let monitor_phase = SimDuration(
            (crate::rng::unit(&mut rng.control_plane)
                * sc.control_plane.node_monitor_period.0 as f64) as u64,
        );
        // Scenario nodes are named `<pool>-<i>`, i counting within the pool.
        let mut per_pool = vec![0u32; sc.pools.len()];
        let nodes: Vec<Node> = sc
            .nodes
            .iter()
            .map(|n| {
                let ordinal = per_pool[n.pool];
                per_pool[n.pool] += 1;
                let lease = crate::rng::unit(&mut rng.kubelet) * LEASE_RENEW.0 as f64;
                Node::new(
                    &sc.pools[n.pool],
                    n.pool,
                    ordinal,
                    n.zone,
                    SimDuration(lease as u64),
                )
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
        let requests: Vec<Resources> = sc.workloads.iter().map(|w| w.resources).collect();
        let placement = placement::Placement::new(&requests, zones, &nodes);
        World {
            lifecycle: node_lifecycle::NodeLifecycle::new(sc.control_plane.eviction, &zone_sizes),
            taint_pass_gen: vec![0; zone_names.len()],
            zone_review_pending: false,
            zone_names,
            disruption: disruption::Disruption::new(sc.workloads.len()),
            sc,
            opts,
            rng,
            nodes,
            pods: arena::Pods::default(),
            wix: sc.workloads.iter().map(index::WorkloadIndex::new).collect(),
            rollouts: sc
                .workloads
                .iter()
                .map(|w| rollout::WorkloadRollout::new(w.replicas))
                .collect(),
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
            fluid_routing: fluid::FluidRouting::new(sc.services.len()),
            has_traffic: !sc.traffic.is_empty(),
            affinity: vec![Default::default(); sc.services.len()],
            scratch_eps: Vec::new(),
            samples: Vec::new(),
            autoscalers: World::autoscalers_new(sc),
            probe_load: probe_driver::load_dependent(sc),
            ca: cluster_autoscaler::NodeAutoscaler::new(sc),
        }
    }

    fn start(&mut self, eng: &mut Eng) {
        for i in 0..self.sc.faults.len() {
            self.schedule_scripted_fault(eng, i);
        }
        for n in 0..self.nodes.len() {
            self.schedule_random_failure(eng, NodeId(n as u32));
        }
        for w in 0..self.sc.workloads.len() {
            self.reconcile(eng, w);
        }
        self.start_traffic(eng);
        self.start_autoscalers(eng);
        self.start_cluster_autoscaler(eng);
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
            self.record_settled_in_time_order();
        }
        let interval = self
            .rec
            .interval
            .replace(vec![Default::default(); self.sc.services.len()])
            .unwrap_or_default();
        let every = self
            .opts
            .timeseries
            .unwrap_or(SimDuration::ZERO)
            .as_secs_f64();
        let (b, a) = (now.as_secs_f64(), (now.as_secs_f64() - every).max(0.0));
        for (svc, s) in self.sc.services.iter().enumerate() {
            let w = s.workload;
            let ready = self.wix[w].ready;
            let offered: f64 = self
                .sc
                .traffic
                .iter()
                .filter(|t| t.service == svc)
                .map(|t| t.arrivals.integral(a, b))
                .sum();
            oracle_assert_eq!(
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
                desired_replicas: self.rollouts[w].replicas,
                metric_value: self.autoscalers[w].as_ref().and_then(|a| a.metric_value),
                offered_rps: if b > a { offered / (b - a) } else { 0.0 },
                nodes: self.ca.pool_nodes().to_vec(),
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

    /// `<pool>-<ordinal>`: nodes the cluster autoscaler adds continue their pool's numbering.
    pub fn node_name(&self, node: NodeId) -> String {
        let n = &self.nodes[node.0 as usize];
        format!("{}-{}", self.sc.pools[n.pool].name, n.ordinal)
    }

    pub fn pod_name(&self, pod: PodId) -> String {
        let p = &self.pods[pod];
        format!("{}-{}", self.sc.workloads[p.workload].name, p.ordinal)
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
    for (w, a) in world.autoscalers.iter().enumerate() {
        if let Some(a) = a {
            world.rec.forecast_error(w, a.forecast_error());
        }
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
