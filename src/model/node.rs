//! Node lifecycle: random and scripted failures, repair, control-plane partitions, and the
//! node lifecycle controller (lease grace → NotReady → taint eviction after the toleration).
//!
//! Three generations per node keep stale events harmless: `fail_gen` (the failure/repair
//! process), `reach_gen` (detection and eviction, bumped when reachability flips) and
//! `part_gen` (partition healing).
//!
//! Simplified: eviction rate limits and the zone-disruption modes of the node lifecycle
//! controller are not modelled (every unreachable node is evicted after the toleration).

use super::*;

impl World<'_> {
    pub(super) fn schedule_random_failure(&mut self, eng: &mut Eng, node: NodeId) {
        let pool = &self.sc.pools[self.nodes[node.0 as usize].pool];
        if let Some(f) = &pool.failures {
            let ttf = f.time_to_failure.sample(&mut self.rng.node_faults);
            let generation = self.nodes[node.0 as usize].fail_gen;
            eng.schedule_in(ttf, Event::NodeFailed { node, generation });
        }
    }

    /// The pool's repair time, or `None` (never) for a pool without failures.
    pub(super) fn random_repair_time(&mut self, node: NodeId) -> Option<SimDuration> {
        let pool = &self.sc.pools[self.nodes[node.0 as usize].pool];
        pool.failures
            .as_ref()
            .map(|f| f.time_to_repair.sample(&mut self.rng.node_faults))
    }

    /// The machine dies: every container on it stops at once. The control plane does not know
    /// yet: its pods stay listed until the node is detected NotReady.
    pub(super) fn fail_node(
        &mut self,
        eng: &mut Eng,
        node: NodeId,
        repair_in: Option<SimDuration>,
    ) {
        self.fail_node_because(eng, node, repair_in, DownCause::NodeFailure);
    }

    /// `fail_node`, booking the serving drops of its pods to `cause` (a zone outage).
    pub(super) fn fail_node_because(
        &mut self,
        eng: &mut Eng,
        node: NodeId,
        repair_in: Option<SimDuration>,
        cause: DownCause,
    ) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        if !n.alive {
            return;
        }
        n.alive = false;
        n.fail_gen += 1;
        let generation = n.fail_gen;
        self.rec.node_alive_changed(now, -1);
        self.log(now, TraceKind::NodeFailed, |w| {
            (w.node_name(node), String::new())
        });
        for pod in self.nodes[node.0 as usize].pods.clone() {
            self.disrupt(pod, cause);
            self.lose_with_node(eng, pod);
        }
        self.update_reachability(eng, node);
        if let Some(d) = repair_in {
            eng.schedule_in(d, Event::NodeRepaired { node, generation });
        }
    }

    pub(super) fn repair_node(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        if n.alive {
            return;
        }
        n.alive = true;
        n.fail_gen += 1;
        self.rec.node_alive_changed(now, 1);
        self.log(now, TraceKind::NodeRepaired, |w| {
            (w.node_name(node), String::new())
        });
        if self.nodes[node.0 as usize].partitioned {
            // The kubelet is back and restarts its containers, but cannot report.
            for pod in self.nodes[node.0 as usize].pods.clone() {
                let p = &self.pods[pod];
                if !p.deleting && p.proc == Proc::None {
                    self.start_container(eng, pod);
                }
            }
        }
        self.update_reachability(eng, node);
        self.schedule_random_failure(eng, node);
    }

    pub(super) fn partition_node(
        &mut self,
        eng: &mut Eng,
        node: NodeId,
        heal_in: Option<SimDuration>,
    ) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        if n.partitioned {
            return;
        }
        n.partitioned = true;
        n.part_gen += 1;
        let generation = n.part_gen;
        for pod in self.nodes[node.0 as usize].pods.clone() {
            // Its pods keep running but go unready once the node is found NotReady.
            self.disrupt(pod, DownCause::Partition);
        }
        self.log(now, TraceKind::NodePartitioned, |w| {
            (w.node_name(node), String::new())
        });
        self.update_reachability(eng, node);
        if let Some(d) = heal_in {
            eng.schedule_in(d, Event::PartitionHealed { node, generation });
        }
    }

    pub(super) fn heal_partition(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        n.partitioned = false;
        n.part_gen += 1;
        self.log(now, TraceKind::PartitionHealed, |w| {
            (w.node_name(node), String::new())
        });
        self.update_reachability(eng, node);
    }

    /// Reacts to a flip of "the kubelet can reach the API server".
    fn update_reachability(&mut self, eng: &mut Eng, node: NodeId) {
        let n = &mut self.nodes[node.0 as usize];
        let reachable = n.reachable();
        if reachable == n.was_reachable {
            return;
        }
        n.was_reachable = reachable;
        n.reach_gen += 1;
        if reachable {
            self.became_reachable(eng, node);
        } else {
            self.schedule_detection(eng, node);
        }
    }

    /// The node stopped renewing its lease now. The last renewal was the latest lease tick at
    /// or before now; the first node-monitor tick strictly after last + grace marks it NotReady.
    fn schedule_detection(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now().0;
        let n = &self.nodes[node.0 as usize];
        let phase = n.lease_phase.0;
        let last = if now >= phase {
            now - (now - phase) % LEASE_RENEW.0
        } else {
            0
        };
        let deadline = last + self.sc.control_plane.node_monitor_grace_period.0;
        let period = self.sc.control_plane.node_monitor_period.0;
        let mphase = self.monitor_phase.0;
        let k = if deadline < mphase {
            0
        } else {
            (deadline + 1 - mphase).div_ceil(period)
        };
        let at = SimTime(mphase + k * period).max(eng.now());
        eng.schedule_at(
            at,
            Event::NodeNotReadyDetected {
                node,
                generation: n.reach_gen,
            },
        );
    }

    pub(super) fn detect_not_ready(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        n.cp_ready = false;
        self.placement.set_ready(node, false);
        self.log(now, TraceKind::NodeNotReady, |w| {
            (w.node_name(node), String::new())
        });
        // MarkPodsNotReady: every pod's Ready condition goes False.
        for pod in self.nodes[node.0 as usize].pods.clone() {
            self.set_api_ready(eng, pod, false);
        }
        self.node_ready_changed(eng, node, false);
    }

    pub(super) fn taint_evict(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        self.log(now, TraceKind::TaintEviction, |w| {
            (w.node_name(node), String::new())
        });
        for pod in self.nodes[node.0 as usize].pods.clone() {
            self.delete_pod(eng, pod);
        }
    }

    /// The kubelet talks to the API server again (repair or healed partition).
    fn became_reachable(&mut self, eng: &mut Eng, node: NodeId) {
        if !self.nodes[node.0 as usize].cp_ready {
            self.nodes[node.0 as usize].cp_ready = true;
            // A cordoned node stays out of the scheduler's candidates (`drain`).
            let schedulable = !self.nodes[node.0 as usize].cordoned;
            self.placement.set_ready(node, schedulable);
            self.node_ready_changed(eng, node, true);
        }
        for pod in self.nodes[node.0 as usize].pods.clone() {
            let p = &self.pods[pod];
            if p.deleting {
                // The kubelet learns of the deletion and finishes it.
                self.terminate(eng, pod);
            } else if p.proc == Proc::None {
                self.start_container(eng, pod);
            } else {
                // The kubelet re-posts the readiness it kept while cut off.
                let ready = p.kubelet_ready;
                self.set_api_ready(eng, pod, ready);
            }
        }
        self.retry_unschedulable(eng);
    }
}
