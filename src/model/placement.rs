//! The scheduler's index: for each workload and zone, the Ready nodes with room for one more
//! pod of the workload, ordered by the score the scheduler minimises, `(pods of the workload
//! on the node, allocation ‰, node index)`, plus the counts topology spread needs (per node,
//! per zone, and how many nodes hold each count, for the minimum over all nodes).
//!
//! Why: scoring every node for every pending pod is O(nodes) per bind, and a node failure
//! in a 25,000-node cluster reschedules its pods. With the sets a pick walks one ordered set
//! per zone from its best key and stops at the first node: O(zones · log nodes). Nodes
//! without room for the workload's request are not in its sets (else every retry of a pod
//! that fits nowhere would walk all the full nodes: a cluster-autoscaler scale-out onto
//! one-pod nodes retries thousands of pending pods per node that boots). The walk visits the
//! same candidates as the full scan and the key is the same total order, so the pick is the
//! same node.
//!
//! Updates: a node's usage changes (bind, removal) → its key, and whether it has room, in
//! every workload's set; a pod starts or stops counting for spread → that workload's key;
//! Ready flips → the node enters or leaves the sets.

use super::{Node, NodeId};
use crate::scenario::{Resources, Spread};
use std::collections::{BTreeMap, BTreeSet};

type Key = (u32, u64, u32);

pub struct Placement {
    /// [workload][node]: bound pods of the workload not being deleted.
    count: Vec<Vec<u32>>,
    /// [workload][zone]: the same, per zone.
    zone_count: Vec<Vec<u32>>,
    /// [workload]: count → number of nodes with that count (its first key is the minimum).
    hist: Vec<BTreeMap<u32, u32>>,
    /// [workload][zone]: Ready nodes by key.
    ready: Vec<Vec<BTreeSet<Key>>>,
    /// [node]: the allocation ‰ its keys carry, and whether it is listed (Ready).
    alloc: Vec<u64>,
    listed: Vec<bool>,
    zone_of: Vec<usize>,
    /// [zone]: nodes in it (not deleted). A zone without nodes is no spread domain, as in
    /// PodTopologySpread, whose domains are the label values of existing nodes.
    zone_nodes: Vec<u32>,
    /// [node]: what is left of it; [workload]: the request of one pod.
    room: Vec<Room>,
    requests: Vec<Resources>,
}

/// A node's free CPU, memory and pod slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Room {
    cpu_milli: u64,
    memory_bytes: u64,
    pods: u32,
}

impl Room {
    fn of(n: &Node) -> Room {
        Room {
            cpu_milli: n.capacity.cpu_milli - n.used.cpu_milli,
            memory_bytes: n.capacity.memory_bytes - n.used.memory_bytes,
            pods: n.max_pods - n.used_pods,
        }
    }

    /// Whether a pod requesting `req` fits in the room left (NodeResourcesFit: requests
    /// against allocatable, and the `pods` limit).
    fn takes(self, req: Resources) -> bool {
        self.pods > 0 && req.cpu_milli <= self.cpu_milli && req.memory_bytes <= self.memory_bytes
    }
}

/// The scheduler's "least allocated" measure: CPU ‰ + memory ‰ of the node's capacity.
pub fn alloc_permille(n: &Node) -> u64 {
    n.used.cpu_milli * 1000 / n.capacity.cpu_milli.max(1)
        + n.used.memory_bytes * 1000 / n.capacity.memory_bytes.max(1)
}

impl Placement {
    /// `requests`: one pod's request per workload.
    pub fn new(requests: &[Resources], zones: usize, nodes: &[Node]) -> Self {
        let workloads = requests.len();
        let mut p = Placement {
            count: vec![vec![0; nodes.len()]; workloads],
            zone_count: vec![vec![0; zones]; workloads],
            hist: vec![BTreeMap::from([(0, nodes.len() as u32)]); workloads],
            ready: vec![vec![BTreeSet::new(); zones]; workloads],
            alloc: nodes.iter().map(alloc_permille).collect(),
            listed: vec![false; nodes.len()],
            zone_of: nodes.iter().map(|n| n.zone).collect(),
            zone_nodes: (0..zones)
                .map(|z| nodes.iter().filter(|n| n.zone == z).count() as u32)
                .collect(),
            room: nodes.iter().map(Room::of).collect(),
            requests: requests.to_vec(),
        };
        for (i, n) in nodes.iter().enumerate() {
            if n.cp_ready {
                p.set_ready(NodeId(i as u32), true);
            }
        }
        p.hist.iter_mut().for_each(|h| h.retain(|_, n| *n > 0));
        p
    }

    /// A node registers (the cluster autoscaler added it): it joins every workload's spread
    /// domains with no pods, and the candidates if it is Ready. O(workloads · log nodes).
    pub fn add_node(&mut self, node: &Node) -> NodeId {
        let i = self.alloc.len();
        for (w, counts) in self.count.iter_mut().enumerate() {
            counts.push(0);
            *self.hist[w].entry(0).or_insert(0) += 1;
        }
        self.alloc.push(alloc_permille(node));
        self.listed.push(false);
        self.zone_of.push(node.zone);
        self.room.push(Room::of(node));
        self.zone_nodes[node.zone] += 1;
        let id = NodeId(i as u32);
        if node.cp_ready && !node.cordoned {
            self.set_ready(id, true);
        }
        id
    }

    /// A node is deleted (it holds no counted pods any more): it leaves the candidates and
    /// the spread domains, so the minimum over nodes no longer sees it.
    pub fn remove_node(&mut self, node: NodeId) {
        self.set_ready(node, false);
        let i = node.0 as usize;
        self.zone_nodes[self.zone_of[i]] -= 1;
        for (w, counts) in self.count.iter().enumerate() {
            assert_eq!(counts[i], 0, "a deleted node still counts pods for spread");
            let h = &mut self.hist[w];
            let n = h
                .get_mut(&0)
                .expect("the deleted node's count is in the histogram");
            *n -= 1;
            if *n == 0 {
                h.remove(&0);
            }
        }
    }

    fn key(&self, w: usize, node: usize) -> Key {
        (self.count[w][node], self.alloc[node], node as u32)
    }

    /// Whether `node` is in workload `w`'s candidates: Ready, with room for one of its pods.
    fn member(&self, w: usize, node: usize) -> bool {
        self.listed[node] && self.room[node].takes(self.requests[w])
    }

    /// The control plane's Ready condition of `node` flipped.
    pub fn set_ready(&mut self, node: NodeId, ready: bool) {
        let i = node.0 as usize;
        if self.listed[i] == ready {
            return;
        }
        self.listed[i] = ready;
        let z = self.zone_of[i];
        for w in 0..self.count.len() {
            if !self.room[i].takes(self.requests[w]) {
                continue;
            }
            let k = self.key(w, i);
            if ready {
                self.ready[w][z].insert(k);
            } else {
                self.ready[w][z].remove(&k);
            }
        }
    }

    /// The node's usage changed (a pod bound to it or removed from it): its allocation key,
    /// and the workloads it has room for.
    pub fn set_usage(&mut self, node: NodeId, n: &Node) {
        let i = node.0 as usize;
        let (alloc, room) = (alloc_permille(n), Room::of(n));
        if self.alloc[i] == alloc && self.room[i] == room {
            return;
        }
        let z = self.zone_of[i];
        for w in 0..self.count.len() {
            if self.member(w, i) {
                let k = self.key(w, i);
                self.ready[w][z].remove(&k);
            }
        }
        self.alloc[i] = alloc;
        self.room[i] = room;
        for w in 0..self.count.len() {
            if self.member(w, i) {
                let k = self.key(w, i);
                self.ready[w][z].insert(k);
            }
        }
    }

    /// Pods of workload `w` counted on `node` (bound, not being deleted).
    pub fn count(&self, w: usize, node: NodeId) -> u32 {
        self.count[w][node.0 as usize]
    }

    /// Pods of workload `w` counted in zone `z`.
    pub fn zone_count(&self, w: usize, z: usize) -> u32 {
        self.zone_count[w][z]
    }

    /// The fewest pods of workload `w` on any node (the hard node spread's reference).
    pub fn min_count(&self, w: usize) -> u32 {
        self.hist[w].keys().next().copied().unwrap_or(0)
    }

    /// Whether zone `z` has nodes (is a spread domain).
    pub fn zone_has_nodes(&self, z: usize) -> bool {
        self.zone_nodes[z] > 0
    }

    /// The fewest pods of workload `w` in any zone that has nodes.
    pub fn min_zone_count(&self, w: usize) -> u32 {
        (0..self.zone_nodes.len())
            .filter(|&z| self.zone_has_nodes(z))
            .map(|z| self.zone_count[w][z])
            .min()
            .unwrap_or(0)
    }

    /// A pod of workload `w` on `node` starts (+1) or stops (−1) counting for spread.
    pub fn add_count(&mut self, w: usize, node: NodeId, zone: usize, delta: i32) {
        let i = node.0 as usize;
        let old = self.count[w][i];
        let new = old
            .checked_add_signed(delta)
            .expect("spread count stays ≥ 0");
        if self.member(w, i) {
            let k = self.key(w, i);
            self.ready[w][zone].remove(&k);
            self.ready[w][zone].insert((new, k.1, k.2));
        }
        self.count[w][i] = new;
        let h = &mut self.hist[w];
        let n = h.get_mut(&old).expect("every count is in the histogram");
        *n -= 1;
        if *n == 0 {
            h.remove(&old);
        }
        *h.entry(new).or_insert(0) += 1;
        let zc = &mut self.zone_count[w][zone];
        *zc = zc.checked_add_signed(delta).expect("zone count stays ≥ 0");
    }

    /// The best Ready node with room for a pod of `w` that also passes `fits` (the
    /// scale-down simulation's extra conditions) and keeps the hard spread
    /// (maxSkew 1 against the minimum over all nodes or zones, Ready or not).
    pub fn pick(&self, w: usize, spread: Spread, fits: impl Fn(usize) -> bool) -> Option<NodeId> {
        let min_node = self.hist[w].keys().next().copied().unwrap_or(0);
        let min_zone = self.min_zone_count(w);
        let mut best: Option<Key> = None;
        for (z, set) in self.ready[w].iter().enumerate() {
            if spread == Spread::Zones && self.zone_count[w][z] != min_zone {
                continue;
            }
            let found = set
                .iter()
                .take_while(|k| spread != Spread::Nodes || k.0 == min_node)
                .find(|k| fits(k.2 as usize));
            if let Some(&k) = found
                && best.is_none_or(|b| k < b)
            {
                best = Some(k);
            }
        }
        best.map(|k| NodeId(k.2))
    }
}
