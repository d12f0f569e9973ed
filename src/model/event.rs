//! The closed set of events and the one `match` that dispatches them to the handlers (each
//! handler lives beside its concept). Stale events are dropped here: a pod that is gone, or
//! a generation that moved on.

use super::*;

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
    /// A rollout's pods may have become available (`min_ready` after Ready): sync again.
    RolloutSyncDue { workload: u32 },
    /// A rollout's progress deadline may have passed.
    RolloutDeadlineDue { workload: u32 },
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
    /// A drain retries a refused eviction (`drain` is the node's drain generation).
    EvictionRetry { pod: PodId, drain: u32 },
    /// A drain's `for:` is over: the node is uncordoned.
    UncordonDue { node: NodeId, drain: u32 },
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
    /// metrics-server scrapes an autoscaled workload's pods.
    HpaScrape { workload: u32 },
    /// The HPA controller syncs an autoscaled workload.
    HpaSync { workload: u32 },
    /// The cluster autoscaler's loop (`scan_interval`).
    AutoscalerScanDue,
    /// A node the cluster autoscaler asked for is done provisioning (Ready), or its
    /// `max_node_provision_time` is over (`id`: its boot request).
    NodeBootDone { id: u32 },
    /// A node drained for scale-down reached `max_graceful_termination`: delete it anyway.
    /// `attempt` numbers the cluster autoscaler's scale-downs (a `drain_node` fault on the
    /// same node in between must not cancel the deadline).
    NodeDeletionDue { node: NodeId, attempt: u32 },
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
            | Event::ScriptedHangEnded { pod, .. }
            | Event::EvictionRetry { pod, .. } => Some(pod),
            Event::NodeFailed { .. }
            | Event::NodeRepaired { .. }
            | Event::NodeNotReadyDetected { .. }
            | Event::NodeTaintEvictionDue { .. }
            | Event::TaintQueueDue { .. }
            | Event::TaintPassDue { .. }
            | Event::ZoneReviewDue
            | Event::NodeReachableSeen { .. }
            | Event::RolloutSyncDue { .. }
            | Event::RolloutDeadlineDue { .. }
            | Event::PartitionHealed { .. }
            | Event::ScriptedFault { .. }
            | Event::UncordonDue { .. }
            | Event::Arrival { .. }
            | Event::RetryDue { .. }
            | Event::SampleDue
            | Event::HpaScrape { .. }
            | Event::HpaSync { .. } => None,
            Event::AutoscalerScanDue
            | Event::NodeBootDone { .. }
            | Event::NodeDeletionDue { .. } => None,
        }
    }
}

impl Handler<Event> for World<'_> {
    fn handle(&mut self, eng: &mut Eng, event: Event) {
        if self.has_fluid {
            // Fluid traffic flowed under the state as it was until this event.
            self.fluid_advance(eng.now());
            // An event about one pod changes that pod (and others only through
            // `delete_pod`, which marks them itself); a few change no pod at all; any
            // other may change anything.
            match (event, event.pod()) {
                (
                    Event::HpaScrape { .. }
                    | Event::HpaSync { .. }
                    | Event::AutoscalerScanDue
                    | Event::SampleDue
                    | Event::Arrival { .. }
                    | Event::RetryDue { .. },
                    _,
                ) => {}
                (_, Some(pod)) => self.fluid_routing.touch(pod),
                (_, None) => self.fluid_routing.touch_all(),
            }
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
            Event::RolloutSyncDue { workload } => self.reconcile(eng, workload as usize),
            Event::RolloutDeadlineDue { workload } => self.rollout_deadline(eng, workload as usize),
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
            Event::EvictionRetry { pod, drain } => self.try_evict(eng, pod, drain),
            Event::UncordonDue { node, drain } => {
                // The cluster autoscaler's ToBeDeletedByClusterAutoscaler taint outlives an
                // uncordon: a node it is deleting takes no pods until it is gone.
                if self.nodes[node.0 as usize].drain_gen == drain && !self.ca.scaling_down(node) {
                    self.uncordon(eng, node);
                }
            }
            Event::Arrival { source } => self.arrivals(eng, source),
            Event::RetryDue { slot, generation } => self.retry_due(eng, slot, generation),
            Event::SampleDue => self.sample(eng),
            Event::HpaScrape { workload } => self.hpa_scrape(eng, workload as usize),
            Event::HpaSync { workload } => self.hpa_sync(eng, workload as usize),
            Event::AutoscalerScanDue => self.autoscaler_scan(eng),
            Event::NodeBootDone { id } => self.node_boot_done(eng, id),
            Event::NodeDeletionDue { node, attempt } => {
                if self.ca.scale_down_attempt(node) == Some(attempt) {
                    self.scale_down_deadline(eng, node);
                }
            }
        }
        if self.disruption.has_woken() {
            self.wake_waiters(eng);
        }
    }
}
