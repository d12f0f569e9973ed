//! The cluster autoscaler's what-if placement: simulated nodes (booting ones, a pool's
//! template) and where it put the pending pods. First fit looks only at the nodes that may
//! still take a pod, so a scale-out onto thousands of one-pod nodes costs O(pods · open nodes),
//! not O(pods · nodes).

use crate::model::Resources;
use std::collections::{BTreeMap, BTreeSet};

/// A node of the scale-up simulation: its room left and the pods per workload put on it.
#[derive(Clone, Debug)]
pub(super) struct SimNode {
    pub zone: usize,
    pub cap: Resources,
    pub free: Resources,
    free_pods: u32,
    per_workload: Vec<(usize, u32)>,
}

impl SimNode {
    /// An empty node of `pool` (its template) in `zone`.
    pub fn empty(pool: &crate::scenario::NodePool, zone: usize) -> Self {
        Self::new(zone, pool.capacity, pool.max_pods)
    }

    fn new(zone: usize, cap: Resources, max_pods: u32) -> Self {
        SimNode {
            zone,
            cap,
            free: cap,
            free_pods: max_pods,
            per_workload: Vec::new(),
        }
    }

    pub fn count(&self, w: usize) -> u32 {
        self.per_workload
            .iter()
            .find(|(x, _)| *x == w)
            .map_or(0, |(_, c)| *c)
    }

    pub fn has_room(&self, req: Resources) -> bool {
        self.free_pods > 0
            && req.cpu_milli <= self.free.cpu_milli
            && req.memory_bytes <= self.free.memory_bytes
    }
}

/// The nodes of one simulation and where it put pods.
#[derive(Clone, Debug)]
pub(super) struct Sim {
    pub nodes: Vec<SimNode>,
    /// Pods put per (workload, zone).
    pub zone_extra: BTreeMap<(usize, usize), u32>,
    /// The nodes that may still take one of the pods being placed, in index order (first
    /// fit's order): a node leaves when it has no pod slot, or less room than `smallest`.
    open: BTreeSet<usize>,
    /// A lower bound of every request being placed (CPU and memory each the least).
    smallest: Resources,
    /// Per workload spread over nodes: how many simulated nodes hold each count of its pods
    /// (their fewest is the node spread's reference, without a scan).
    node_counts: BTreeMap<usize, BTreeMap<u32, u32>>,
    /// Simulated nodes per zone.
    zones: BTreeMap<u32, u32>,
}

impl Sim {
    /// An empty simulation for pods whose requests are all at least `smallest`, tracking the
    /// per-node counts of `node_spread` workloads.
    pub fn new(smallest: Resources, node_spread: impl IntoIterator<Item = usize>) -> Self {
        Sim {
            nodes: Vec::new(),
            zone_extra: BTreeMap::new(),
            open: BTreeSet::new(),
            smallest,
            node_counts: node_spread
                .into_iter()
                .map(|w| (w, BTreeMap::new()))
                .collect(),
            zones: BTreeMap::new(),
        }
    }

    pub fn push(&mut self, node: SimNode) -> usize {
        let v = self.nodes.len();
        if node.has_room(self.smallest) {
            self.open.insert(v);
        }
        for hist in self.node_counts.values_mut() {
            *hist.entry(0).or_insert(0) += 1;
        }
        *self.zones.entry(node.zone as u32).or_insert(0) += 1;
        self.nodes.push(node);
        v
    }

    /// Removes the last node (pushed for a try that failed, so it holds no pods).
    pub fn pop(&mut self) {
        let v = self.nodes.len() - 1;
        let node = self.nodes.pop().expect("a node to pop");
        oracle_assert!(node.per_workload.is_empty(), "only an unused try is popped");
        self.open.remove(&v);
        for hist in self.node_counts.values_mut() {
            take(hist, 0);
        }
        take(&mut self.zones, node.zone as u32);
    }

    /// Whether some simulated node is in zone `z`.
    pub fn has_zone(&self, z: usize) -> bool {
        self.zones.contains_key(&(z as u32))
    }

    /// The open nodes from index `from` on, in order.
    pub fn open_from(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        self.open.range(from..).copied()
    }

    /// The fewest pods of node-spread workload `w` on a simulated node (None without nodes).
    pub fn fewest(&self, w: usize) -> Option<u32> {
        self.node_counts
            .get(&w)
            .and_then(|hist| hist.keys().next().copied())
    }

    pub fn place(&mut self, v: usize, w: usize, req: Resources) {
        let n = &mut self.nodes[v];
        n.free.cpu_milli -= req.cpu_milli;
        n.free.memory_bytes -= req.memory_bytes;
        n.free_pods -= 1;
        let before = n.count(w);
        match n.per_workload.iter_mut().find(|(x, _)| *x == w) {
            Some((_, c)) => *c += 1,
            None => n.per_workload.push((w, 1)),
        }
        if !n.has_room(self.smallest) {
            self.open.remove(&v);
        }
        *self.zone_extra.entry((w, n.zone)).or_insert(0) += 1;
        if let Some(hist) = self.node_counts.get_mut(&w) {
            take(hist, before);
            *hist.entry(before + 1).or_insert(0) += 1;
        }
    }
}

fn take(hist: &mut BTreeMap<u32, u32>, count: u32) {
    let n = hist.get_mut(&count).expect("a node with this count");
    *n -= 1;
    if *n == 0 {
        hist.remove(&count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU: Resources = Resources {
        cpu_milli: 1000,
        memory_bytes: 1 << 30,
    };

    fn node(cpus: u64, pods: u32) -> SimNode {
        let cap = Resources {
            cpu_milli: cpus * 1000,
            memory_bytes: cpus << 30,
        };
        SimNode::new(0, cap, pods)
    }

    /// One-pod nodes leave the open set as they fill; a two-CPU node stays for a second pod;
    /// a pod slot limit closes a node with CPU left.
    #[test]
    fn full_nodes_leave_first_fit() {
        let mut sim = Sim::new(CPU, [0]);
        for n in [node(1, 110), node(2, 110), node(4, 1)] {
            sim.push(n);
        }
        assert_eq!(sim.open_from(0).collect::<Vec<_>>(), [0, 1, 2]);
        sim.place(0, 0, CPU);
        sim.place(1, 0, CPU);
        assert_eq!(sim.open_from(0).collect::<Vec<_>>(), [1, 2]);
        sim.place(2, 0, CPU);
        assert_eq!(
            sim.open_from(0).collect::<Vec<_>>(),
            [1],
            "the pod slot ran out"
        );
        assert_eq!(sim.open_from(2).count(), 0);
        sim.place(1, 0, CPU);
        assert_eq!(sim.open_from(0).count(), 0);
    }

    /// The fewest pods of a node-spread workload per node, kept without a scan, and a tried
    /// node taken back.
    #[test]
    fn fewest_follows_places_and_pops() {
        let mut sim = Sim::new(CPU, [7]);
        assert_eq!(sim.fewest(7), None);
        sim.push(node(4, 110));
        sim.push(node(4, 110));
        sim.place(0, 7, CPU);
        assert_eq!(sim.fewest(7), Some(0));
        sim.place(1, 7, CPU);
        assert_eq!(sim.fewest(7), Some(1));
        sim.place(1, 3, CPU);
        assert_eq!(sim.fewest(7), Some(1), "other workloads do not count");
        sim.push(node(4, 110));
        assert_eq!(sim.fewest(7), Some(0));
        sim.pop();
        assert_eq!(sim.fewest(7), Some(1));
        assert_eq!(sim.open_from(0).collect::<Vec<_>>(), [0, 1]);
    }
}
