//! The cluster autoscaler's scale-down: unneeded nodes (utilization, budgets, and a
//! simulation of where their pods would go), their timers, and the drain and deletion of one
//! node at a time.

use super::*;
use std::collections::BTreeMap;

/// Simulated moves of pods off unneeded nodes in one loop: room taken on the destinations.
#[derive(Default)]
struct Moves {
    taken: BTreeMap<u32, (u64, u64, u32)>,
}

impl Moves {
    fn fits(&self, n: &Node, i: usize, req: Resources) -> bool {
        let (c, m, p) = self.taken.get(&(i as u32)).copied().unwrap_or_default();
        n.used_pods + p < n.max_pods
            && n.used.cpu_milli + c + req.cpu_milli <= n.capacity.cpu_milli
            && n.used.memory_bytes + m + req.memory_bytes <= n.capacity.memory_bytes
    }

    fn take(&mut self, i: usize, req: Resources, sign: i64) {
        let e = self.taken.entry(i as u32).or_default();
        let add = |x: u64, d: u64| x.checked_add_signed(sign * d as i64).expect("room ≥ 0");
        *e = (
            add(e.0, req.cpu_milli),
            add(e.1, req.memory_bytes),
            add(e.2 as u64, 1) as u32,
        );
    }
}

impl World<'_> {
    /// The scale-down half of a loop: unneeded timers, then at most one node to drain.
    pub(super) fn scale_down(&mut self, eng: &mut Eng) {
        let now = eng.now();
        let cfg = self.sc.cluster_autoscaler;
        let mut unneeded: Vec<NodeId> = Vec::new();
        let mut moves = Moves::default();
        for p in 0..self.sc.pools.len() {
            for k in 0..self.ca.members[p].len() {
                let node = self.ca.members[p][k];
                let is = self.node_unneeded(now, node, &unneeded, &mut moves);
                let since = &mut self.ca.unneeded_since[node.0 as usize];
                match (is, *since) {
                    (true, None) => {
                        *since = Some(now);
                        self.log(now, TraceKind::NodeUnneeded, |w| {
                            (w.node_name(node), String::new())
                        });
                    }
                    (false, Some(_)) => *since = None,
                    _ => {}
                }
                if is {
                    unneeded.push(node);
                }
            }
        }
        let cooling = self
            .ca
            .last_scale_up
            .is_some_and(|t| now < t + cfg.delay_after_add);
        if self.ca.deleting.is_some() || cooling {
            return;
        }
        // The node unneeded longest (then the lowest id) whose pool is above its min.
        let due = unneeded
            .iter()
            .filter_map(|&node| {
                let since = self.ca.unneeded_since[node.0 as usize]?;
                let pool = self.nodes[node.0 as usize].pool;
                let min = self.sc.pools[pool].autoscaling.map_or(u32::MAX, |a| a.min);
                (since + cfg.unneeded_time <= now && self.ca.pool_nodes[pool] > min)
                    .then_some((since, node))
            })
            .min();
        if let Some((_, node)) = due {
            self.start_scale_down(eng, node);
        }
    }

    /// Below the threshold, budgets allow evicting its pods, and they all fit elsewhere
    /// (not on `unneeded` nodes; room they take is kept in `moves`, and a node that
    /// receives pods is needed).
    fn node_unneeded(
        &mut self,
        now: SimTime,
        node: NodeId,
        unneeded: &[NodeId],
        moves: &mut Moves,
    ) -> bool {
        let i = node.0 as usize;
        let n = &self.nodes[i];
        if !n.cp_ready || !n.alive || n.cordoned || moves.taken.contains_key(&node.0) {
            return false;
        }
        let share = |used: u64, cap: u64| {
            if cap == 0 {
                0.0
            } else {
                used as f64 / cap as f64
            }
        };
        let util = share(n.used.cpu_milli, n.capacity.cpu_milli)
            .max(share(n.used.memory_bytes, n.capacity.memory_bytes));
        if util >= self.sc.cluster_autoscaler.utilization_threshold {
            return false;
        }
        let pods: Vec<PodId> = n
            .pods
            .iter()
            .copied()
            .filter(|&p| !self.pods[p].deleting)
            .collect();
        // PodDisruptionBudgets: each workload's Ready pods here need that many disruptions.
        let mut need: Vec<(usize, u32)> = Vec::new();
        for &p in &pods {
            let w = self.pods[p].workload;
            if self.sc.workloads[w].pdb.is_some() && self.pods[p].api_ready {
                match need.iter_mut().find(|(x, _)| *x == w) {
                    Some((_, c)) => *c += 1,
                    None => need.push((w, 1)),
                }
            }
        }
        for (w, c) in need {
            let pdb = self.sc.workloads[w].pdb.expect("checked above");
            if self.budget_status(w, pdb, now).disruptions_allowed < c {
                return false;
            }
        }
        let mut done: Vec<(usize, Resources)> = Vec::new();
        for &p in &pods {
            let w = self.pods[p].workload;
            let wl = &self.sc.workloads[w];
            let req = wl.resources;
            let to = self.placement.pick(w, wl.spread, |j| {
                j != i
                    && !unneeded.iter().any(|u| u.0 as usize == j)
                    && moves.fits(&self.nodes[j], j, req)
            });
            match to {
                Some(to) => {
                    moves.take(to.0 as usize, req, 1);
                    done.push((to.0 as usize, req));
                }
                None => {
                    for (j, req) in done {
                        moves.take(j, req, -1);
                        if moves.taken[&(j as u32)] == (0, 0, 0) {
                            moves.taken.remove(&(j as u32));
                        }
                    }
                    return false;
                }
            }
        }
        true
    }

    /// Cordon and drain `node` through the Eviction API; delete it once empty.
    fn start_scale_down(&mut self, eng: &mut Eng, node: NodeId) {
        self.ca.deleting = Some(node);
        self.ca.scale_downs += 1;
        self.drain_node(eng, node, None);
        if self.ca.deleting != Some(node) {
            return; // emptied (and deleted) during the drain
        }
        if self.nodes[node.0 as usize].pods.is_empty() {
            self.delete_node(eng, node);
            return;
        }
        let attempt = self.ca.scale_downs;
        eng.schedule_in(
            MAX_GRACEFUL_TERMINATION,
            Event::NodeDeletionDue { node, attempt },
        );
    }

    /// A pod left `node`: if the scale-down drains it and it is now empty, delete it.
    pub(in crate::model) fn scale_down_pod_left(&mut self, eng: &mut Eng, node: NodeId) {
        if self.ca.deleting == Some(node) && self.nodes[node.0 as usize].pods.is_empty() {
            self.delete_node(eng, node);
        }
    }

    /// `max-graceful-termination-sec` after the drain: evictions still refused → the
    /// scale-down failed (uncordon); otherwise delete the node with its terminating pods.
    pub(in crate::model) fn scale_down_deadline(&mut self, eng: &mut Eng, node: NodeId) {
        if self.ca.deleting != Some(node) {
            return;
        }
        let refused = self.nodes[node.0 as usize]
            .pods
            .iter()
            .any(|&p| !self.pods[p].deleting);
        if refused {
            self.ca.deleting = None;
            self.ca.unneeded_since[node.0 as usize] = None;
            self.uncordon(eng, node);
        } else {
            self.delete_node(eng, node);
        }
    }

    /// The cloud deletes the VM and the Node object: pods still on it are gone at once
    /// (PodGC), and the node leaves every index; its slot stays, marked `removed`.
    fn delete_node(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        self.ca.deleting = None;
        let i = node.0 as usize;
        let was_alive = self.nodes[i].alive;
        self.nodes[i].alive = false;
        for pod in self.nodes[i].pods.clone() {
            self.disrupt(pod, DownCause::Scaling);
            self.lose_with_node(eng, pod);
            self.delete_pod(eng, pod);
            if self.pods.is_live(pod) && self.pods[pod].phase == PodPhase::Bound {
                self.remove_pod(eng, pod);
            }
        }
        self.placement.remove_node(node);
        let n = &mut self.nodes[i];
        let (zone, pool, ready) = (n.zone, n.pool, n.cp_ready);
        n.removed = true;
        n.cp_ready = false;
        n.was_reachable = false;
        n.cordoned = true;
        n.tainted = false;
        n.fail_gen += 1;
        n.reach_gen += 1;
        n.part_gen += 1;
        n.taint_gen += 1;
        n.drain_gen += 1;
        self.zone_nodes[zone].retain(|&x| x != node);
        self.lifecycle.remove_node(zone, node, ready);
        if was_alive {
            self.rec.node_alive_changed(now, -1);
        }
        self.rec.node_scaled(now, false);
        self.ca.pool_nodes[pool] -= 1;
        self.ca.members[pool].retain(|&x| x != node);
        self.ca.unneeded_since[i] = None;
        self.log(now, TraceKind::NodeRemoved, |w| {
            (w.node_name(node), String::new())
        });
        // A deleted node may have been the spread minimum (its zone no domain any more, or
        // its 0 pods the fewest on a node): kube-scheduler's PodTopologySpread moves the
        // unschedulable pods back to the active queue on a Node Delete event.
        self.retry_unschedulable(eng);
    }
}
