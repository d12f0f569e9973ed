//! Per-workload indexes over the pods, kept where pod state changes so that no handler
//! scans the cluster: live pods by ordinal, counts of active and Ready pods, and for a
//! StatefulSet the ordinals that hold OrderedReady back.
//!
//! One rule keeps them right: after any change to a pod's phase, `deleting` or `api_ready`,
//! call `reindex_pod`. It compares what the pod counts as now with what it was last counted
//! as (`Pod::indexed`) and moves the counts by the difference, including the per-node spread
//! counts of the scheduler's `placement` index.

use super::*;
use crate::scenario::{Workload, WorkloadKind};
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes a pod ordinal with one multiply-mix: SipHash (std's default, built against
/// adversarial keys) was ~4 % of a 100k-pod run for a map that is never iterated.
#[derive(Default)]
pub struct OrdinalHasher(u64);

impl Hasher for OrdinalHasher {
    fn finish(&self) -> u64 {
        crate::rng::mix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

/// What a pod contributes to the indexes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counted {
    /// Exists and is not being deleted (what the ReplicaSet counts).
    active: bool,
    /// Bound, Ready and not being deleted (the time series' `ready`).
    ready: bool,
    /// Bound and not being deleted (what topology spread counts on its node).
    spread: bool,
    /// Started (not Pending) and not being deleted: the pods an HPA counts.
    started: bool,
    /// Of those, with a container running (starting or listening): the ones metrics can
    /// come from.
    running: bool,
}

pub struct WorkloadIndex {
    /// Pods not yet gone, by ordinal: at most one per ordinal (Deployment ordinals are never
    /// reused; a StatefulSet replaces an ordinal only once its old pod is gone). Looked up,
    /// never iterated.
    live: HashMap<u32, PodId, BuildHasherDefault<OrdinalHasher>>,
    pub active: u32,
    pub ready: u32,
    pub started: u32,
    pub running: u32,
    /// StatefulSet: ordinals below `replicas` whose pod is missing, being deleted or not
    /// Ready. OrderedReady acts on the first of them.
    blocking: BTreeSet<u32>,
}

impl Counted {
    /// Started, not being deleted, container running: as last indexed.
    pub fn running(&self) -> bool {
        self.running
    }
}

impl WorkloadIndex {
    pub fn new(wl: &Workload) -> Self {
        WorkloadIndex {
            live: HashMap::default(),
            active: 0,
            ready: 0,
            started: 0,
            running: 0,
            blocking: match wl.kind {
                WorkloadKind::StatefulSet => (0..wl.replicas).collect(),
                WorkloadKind::Deployment => BTreeSet::new(),
            },
        }
    }

    /// Pods not yet gone, in no particular order: for counts only (never for choices that
    /// depend on order).
    pub fn live_pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.live.values().copied()
    }

    /// The StatefulSet's first ordinal that is not Running and Ready.
    pub fn first_blocking(&self) -> Option<u32> {
        self.blocking.first().copied()
    }
}

impl World<'_> {
    /// The pod object named `<workload>-<ordinal>` that still exists.
    pub(super) fn live_pod(&self, workload: usize, ordinal: u32) -> Option<PodId> {
        self.wix[workload].live.get(&ordinal).copied()
    }

    /// A new pod object (Pending) joins the indexes.
    pub(super) fn index_new_pod(&mut self, pod: PodId) {
        let p = &self.pods[pod];
        let (w, ordinal) = (p.workload, p.ordinal);
        let old = self.wix[w].live.insert(ordinal, pod);
        assert!(old.is_none(), "two live pods named {}", self.pod_name(pod));
        self.reindex_pod(pod);
    }

    /// The pod object is gone: it leaves the indexes and its slot is freed.
    pub(super) fn unindex_gone_pod(&mut self, pod: PodId) {
        self.reindex_pod(pod);
        let p = &self.pods[pod];
        let (w, ordinal) = (p.workload, p.ordinal);
        self.wix[w].live.remove(&ordinal);
        self.refresh_blocking(w, ordinal);
        // A pod that balancers still list is freed when the removal reaches them.
        if !self.pods[pod].in_endpoints {
            self.pods.free(pod);
        }
    }

    /// Moves the counts by the difference between what the pod counted as and counts as now.
    /// Also called when a container starts or stops (the HPA's counts).
    pub(super) fn reindex_pod(&mut self, pod: PodId) {
        let p = &self.pods[pod];
        let (w, ordinal) = (p.workload, p.ordinal);
        let bound = p.phase == PodPhase::Bound;
        let alive = p.phase != PodPhase::Gone && !p.deleting;
        let started = alive && p.started_at.is_some();
        let now = Counted {
            active: alive,
            ready: bound && p.api_ready && !p.deleting,
            spread: bound && !p.deleting,
            started,
            running: started && matches!(p.proc, Proc::Starting | Proc::Listening),
        };
        let was = p.indexed;
        if now != was {
            if now.active != was.active {
                self.rollouts[w].set_active(p.version, ordinal, now.active);
            }
            if now.ready != was.ready {
                self.rollouts[w].set_ready(p.version, now.ready, now.active);
            }
            let ix = &mut self.wix[w];
            if now.active != was.active {
                ix.active = if now.active {
                    ix.active + 1
                } else {
                    ix.active - 1
                };
            }
            if now.ready != was.ready {
                ix.ready = if now.ready {
                    ix.ready + 1
                } else {
                    ix.ready - 1
                };
                if now.ready {
                    self.disruption.ready_rose(w);
                }
            }
            let step = |n: u32, on: bool| if on { n + 1 } else { n - 1 };
            if now.started != was.started {
                ix.started = step(ix.started, now.started);
            }
            if now.running != was.running {
                ix.running = step(ix.running, now.running);
            }
            if now.spread != was.spread {
                let node = p.node.expect("pods counted for spread are bound");
                let zone = self.nodes[node.0 as usize].zone;
                let delta = if now.spread { 1 } else { -1 };
                self.placement.add_count(w, node, zone, delta);
            }
            self.pods[pod].indexed = now;
        }
        self.refresh_blocking(w, ordinal);
    }

    pub(super) fn refresh_blocking(&mut self, w: usize, ordinal: u32) {
        let wl = &self.sc.workloads[w];
        if wl.kind != WorkloadKind::StatefulSet {
            return;
        }
        if ordinal >= self.rollouts[w].replicas {
            // Above the scale (after a scale-down): never holds OrderedReady back.
            self.wix[w].blocking.remove(&ordinal);
            return;
        }
        let blocks = match self.wix[w].live.get(&ordinal) {
            None => true,
            Some(&pod) => {
                let p = &self.pods[pod];
                p.deleting || !p.api_ready
            }
        };
        let set = &mut self.wix[w].blocking;
        if blocks {
            set.insert(ordinal);
        } else {
            set.remove(&ordinal);
        }
    }
}
