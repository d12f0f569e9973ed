//! The world's side of the node lifecycle controller: feeds it Ready changes, runs its
//! monitor-pass reviews and 100 ms taint passes as events, and applies its decisions
//! (taint a node and start the toleration clock, lift taints, log zone states).

use super::node_lifecycle::ZoneChange;
use super::*;

impl World<'_> {
    /// The control plane's Ready condition of `node` changed (NotReady detected, or the
    /// kubelet reports again). Zone states follow at the end of the monitor pass.
    pub(super) fn node_ready_changed(&mut self, eng: &mut Eng, node: NodeId, ready: bool) {
        let n = &mut self.nodes[node.0 as usize];
        let zone = n.zone;
        self.lifecycle.set_ready(zone, ready);
        if ready {
            // markNodeAsReachable on the first pass that observes Ready: the taint goes (pending
            // evictions due before that pass still happen) and the node leaves the queue.
            let generation = n.reach_gen;
            let at = self.next_monitor_pass(eng.now());
            eng.schedule_at(at, Event::NodeReachableSeen { node, generation });
        } else {
            // The taint decision sees the condition observed *before* this pass, so the node
            // joins the queue one monitor pass later (KUBERNETES.md §B1 step 3).
            let generation = n.reach_gen;
            eng.schedule_in(
                self.sc.control_plane.node_monitor_period,
                Event::TaintQueueDue { node, generation },
            );
        }
        self.schedule_zone_review(eng, ready);
    }

    /// A review at the end of the current monitor pass (NotReady is detected on a pass), or at
    /// the next pass for a node that came back between passes.
    fn schedule_zone_review(&mut self, eng: &mut Eng, between_passes: bool) {
        if self.zone_review_pending {
            return;
        }
        self.zone_review_pending = true;
        let now = eng.now();
        let at = if between_passes {
            self.next_monitor_pass(now)
        } else {
            now
        };
        eng.schedule_at(at, Event::ZoneReviewDue);
    }

    /// The first node-monitor pass strictly after `now`.
    fn next_monitor_pass(&self, now: SimTime) -> SimTime {
        let period = self.sc.control_plane.node_monitor_period.0;
        let phase = self.monitor_phase.0;
        if now.0 < phase {
            return SimTime(phase);
        }
        SimTime(phase + ((now.0 - phase) / period + 1) * period)
    }

    pub(super) fn node_reachable_seen(&mut self, eng: &mut Eng, node: NodeId) {
        let zone = self.nodes[node.0 as usize].zone;
        self.lifecycle.dequeue(zone, node);
        self.lift_taint(eng.now(), node);
        self.schedule_taint_pass(eng, zone);
    }

    pub(super) fn zone_review(&mut self, eng: &mut Eng) {
        self.zone_review_pending = false;
        let now = eng.now();
        for change in self.lifecycle.review(now) {
            match change {
                ZoneChange::Health { zone, health } => {
                    self.log(now, TraceKind::ZoneState, |w| {
                        (w.zone_names[zone].clone(), health.as_str().to_string())
                    });
                }
                ZoneChange::MasterDisruption { entered } => {
                    self.log(now, TraceKind::ZoneState, |_| {
                        let detail = if entered {
                            "all-zones-down"
                        } else {
                            "recovered"
                        };
                        ("cluster".to_string(), detail.to_string())
                    });
                    if entered {
                        self.enter_master_disruption(eng);
                    }
                }
            }
        }
        for zone in 0..self.zone_names.len() {
            self.schedule_taint_pass(eng, zone);
        }
    }

    /// Every zone is down: the controller suspects itself, lifts every NoExecute taint (the
    /// pods' eviction clocks stop) and empties its queues; the next pass queues the NotReady
    /// nodes again, where they wait until a zone recovers.
    fn enter_master_disruption(&mut self, eng: &mut Eng) {
        let now = eng.now();
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            self.lift_taint(now, node);
            let n = &self.nodes[i];
            if !n.cp_ready && !n.removed {
                let generation = n.reach_gen;
                eng.schedule_in(
                    self.sc.control_plane.node_monitor_period,
                    Event::TaintQueueDue { node, generation },
                );
            }
        }
    }

    fn lift_taint(&mut self, now: SimTime, node: NodeId) {
        let n = &mut self.nodes[node.0 as usize];
        if n.tainted {
            n.tainted = false;
            n.taint_gen += 1;
            self.log(now, TraceKind::TaintLifted, |w| {
                (w.node_name(node), String::new())
            });
        }
    }

    pub(super) fn taint_queue_due(&mut self, eng: &mut Eng, node: NodeId) {
        let n = &self.nodes[node.0 as usize];
        if n.cp_ready || n.tainted {
            return;
        }
        let zone = n.zone;
        self.lifecycle.enqueue(zone, node);
        self.schedule_taint_pass(eng, zone);
    }

    /// One event at the 100 ms pass when the zone's queue can next taint a node (none while
    /// it is empty or stopped); a newer schedule makes older ones stale.
    fn schedule_taint_pass(&mut self, eng: &mut Eng, zone: usize) {
        self.taint_pass_gen[zone] += 1;
        let generation = self.taint_pass_gen[zone];
        // The pass that runs at the same instant as this change still sees it.
        let now = eng.now();
        if let Some(at) = self.lifecycle.next_pass(zone, now) {
            eng.schedule_at(
                at.max(now),
                Event::TaintPassDue {
                    zone: zone as u32,
                    generation,
                },
            );
        }
    }

    pub(super) fn taint_pass(&mut self, eng: &mut Eng, zone: usize) {
        let now = eng.now();
        if let Some(node) = self.lifecycle.pass(zone, now) {
            let n = &mut self.nodes[node.0 as usize];
            if !n.cp_ready && !n.tainted {
                n.tainted = true;
                n.taint_gen += 1;
                let generation = n.taint_gen;
                self.log(now, TraceKind::NodeTainted, |w| {
                    (w.node_name(node), String::new())
                });
                eng.schedule_in(
                    self.sc.control_plane.not_ready_toleration,
                    Event::NodeTaintEvictionDue { node, generation },
                );
            }
        }
        self.schedule_taint_pass(eng, zone);
    }
}
