//! The scheduler: binds pending pods to nodes the control plane believes Ready, honouring
//! requested resources and hard topology spread (maxSkew 1, DoNotSchedule).
//!
//! Retries are event-driven: an unschedulable pod is retried when a node becomes Ready, a pod
//! leaves a node or the cluster autoscaler deletes a node (a spread domain may go), the only
//! changes that can make it fit (kube-scheduler also retries on a backoff timer, which cannot
//! change the outcome here). Spread domains include every node, as
//! with the default `nodeTaintsPolicy: Ignore`, so a dead zone can block a replacement, as in
//! Kubernetes. Scoring: fewest pods of the workload on the node, then least allocated.

use super::*;
#[cfg(any(debug_assertions, feature = "oracles"))]
use crate::scenario::Spread;

impl World<'_> {
    pub(super) fn queue_scheduling(&mut self, eng: &mut Eng, pod: PodId) {
        let p = &mut self.pods[pod];
        if p.scheduling_queued {
            return;
        }
        p.scheduling_queued = true;
        let delay = self
            .sc
            .control_plane
            .scheduling_delay
            .sample(&mut self.rng.control_plane);
        eng.schedule_in(delay, Event::SchedulingDue { pod });
    }

    pub(super) fn retry_unschedulable(&mut self, eng: &mut Eng) {
        let waiting = std::mem::take(&mut self.unschedulable);
        for pod in waiting {
            // A pod deleted while listed leaves a stale id here (its slot may already hold
            // a new pod, which has its own entry or is queued).
            if !self.pods.is_live(pod) {
                continue;
            }
            self.pods[pod].listed_unschedulable = false;
            let p = &self.pods[pod];
            if p.phase == PodPhase::Pending && !p.deleting {
                self.queue_scheduling(eng, pod);
            }
        }
    }

    pub(super) fn try_schedule(&mut self, eng: &mut Eng, pod: PodId) {
        let p = &mut self.pods[pod];
        p.scheduling_queued = false;
        if p.phase != PodPhase::Pending || p.deleting {
            return;
        }
        match self.pick_node(pod) {
            Some(node) => self.bind(eng, pod, node),
            None => {
                if !self.pods[pod].listed_unschedulable {
                    self.pods[pod].listed_unschedulable = true;
                    self.unschedulable.push(pod);
                }
                let w = self.pods[pod].workload;
                self.rec.unschedulable(w);
                let now = eng.now();
                self.log(now, TraceKind::Unschedulable, |w| {
                    (w.pod_name(pod), String::new())
                });
            }
        }
    }

    fn pick_node(&self, pod: PodId) -> Option<NodeId> {
        let wl = &self.sc.workloads[self.pods[pod].workload];
        // The index lists only nodes with room for the workload's request: every candidate
        // fits (the oracle below checks it against the full scan).
        let picked = self
            .placement
            .pick(self.pods[pod].workload, wl.spread, |_| true);
        #[cfg(any(debug_assertions, feature = "oracles"))]
        oracle_assert_eq!(picked, self.pick_node_naive(pod), "indexed pick differs");
        picked
    }

    /// The full scan over every pod and node: the oracle of `pick_node` in debug builds.
    #[cfg(any(debug_assertions, feature = "oracles"))]
    fn pick_node_naive(&self, pod: PodId) -> Option<NodeId> {
        let w = self.pods[pod].workload;
        let wl = &self.sc.workloads[w];
        let req = wl.resources;
        // Matching pods per node (terminating pods are not counted, as in PodTopologySpread).
        let mut per_node = vec![0u32; self.nodes.len()];
        for p in self.pods.iter() {
            if p.workload == w && p.phase == PodPhase::Bound && !p.deleting {
                per_node[p.node.expect("bound pods have a node").0 as usize] += 1;
            }
        }
        let zones = self.zone_nodes.len();
        let mut per_zone = vec![0u32; zones];
        for (i, n) in self.nodes.iter().enumerate() {
            per_zone[n.zone] += per_node[i];
        }
        // Deleted nodes (cluster autoscaler) are no spread domain.
        let min_node = per_node
            .iter()
            .zip(&self.nodes)
            .filter(|(_, n)| !n.removed)
            .map(|(c, _)| *c)
            .min()
            .unwrap_or(0);
        // A zone without nodes is no domain either.
        let min_zone = (0..zones)
            .filter(|&z| self.nodes.iter().any(|n| n.zone == z && !n.removed))
            .map(|z| per_zone[z])
            .min()
            .unwrap_or(0);
        let mut best: Option<(u32, u64, usize)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            let fits = n.cp_ready
                && !n.cordoned
                && n.used_pods < n.max_pods
                && n.used.cpu_milli + req.cpu_milli <= n.capacity.cpu_milli
                && n.used.memory_bytes + req.memory_bytes <= n.capacity.memory_bytes;
            // (skew after the bind ≤ 1; written without a subtraction: a deleted node's
            // empty zone may count fewer pods than the minimum over the domains.)
            let spread_ok = match wl.spread {
                Spread::None => true,
                Spread::Nodes => per_node[i] <= min_node,
                Spread::Zones => per_zone[n.zone] <= min_zone,
            };
            if !fits || !spread_ok {
                continue;
            }
            let alloc_permille = n.used.cpu_milli * 1000 / n.capacity.cpu_milli.max(1)
                + n.used.memory_bytes * 1000 / n.capacity.memory_bytes.max(1);
            let key = (per_node[i], alloc_permille, i);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        best.map(|(_, _, i)| NodeId(i as u32))
    }

    fn bind(&mut self, eng: &mut Eng, pod: PodId, node: NodeId) {
        let now = eng.now();
        let w = self.pods[pod].workload;
        let res = self.sc.workloads[w].resources;
        let n = &mut self.nodes[node.0 as usize];
        n.pods.push(pod);
        n.used.cpu_milli += res.cpu_milli;
        n.used.memory_bytes += res.memory_bytes;
        n.used_pods += 1;
        let reachable = n.reachable();
        self.placement.set_usage(node, n);
        let p = &mut self.pods[pod];
        p.node = Some(node);
        p.phase = PodPhase::Bound;
        self.reindex_pod(pod);
        self.rec.bound_changed(w, now, 1);
        self.rec.pending_changed(w, now, -1);
        self.log(now, TraceKind::Bound, |w| {
            (w.pod_name(pod), w.node_name(node))
        });
        self.init_probe_workers(eng, pod);
        if reachable {
            self.start_container(eng, pod);
        }
    }
}
