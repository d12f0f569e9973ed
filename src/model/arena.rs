//! The pod arena: slots of pods that are gone are reused, so memory follows live pods, not
//! a year of churn; a generation per slot keeps an old `PodId` from aliasing the new pod.
//!
//! Why not keep every pod forever (the old layout)? A 10,000-pod year creates ~10⁵ pods, a
//! 100,000-pod year ~10⁶, each several hundred bytes with its server. Events about a pod
//! carry its `PodId` (slot and generation) and are dropped when popped if the slot has moved
//! on (`World::handle`), the same lazy cancellation as the per-entity generations.
//!
//! Costs: insert, free, lookup O(1). Free slots are reused last-in first-out; nothing the
//! simulation writes depends on slot numbers (names come from workload and ordinal).

use super::{Pod, PodId};

#[derive(Default)]
pub struct Pods {
    slots: Vec<Pod>,
    /// Current generation of each slot; a `PodId` is live while its generation matches.
    gens: Vec<u32>,
    free: Vec<u32>,
}

impl Pods {
    /// Stores a new pod in a free slot (or a new one).
    pub fn insert(&mut self, pod: Pod) -> PodId {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = pod;
                PodId(slot, self.gens[slot as usize])
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2³² pod slots");
                self.slots.push(pod);
                self.gens.push(0);
                PodId(slot, 0)
            }
        }
    }

    /// The pod object is gone: its slot may be reused; `id` and every copy of it go stale.
    pub fn free(&mut self, id: PodId) {
        assert!(self.is_live(id), "freeing a pod twice: {id:?}");
        let g = &mut self.gens[id.0 as usize];
        *g = g.wrapping_add(1);
        self.free.push(id.0);
    }

    /// `id` still names a pod object (not freed).
    pub fn is_live(&self, id: PodId) -> bool {
        self.gens.get(id.0 as usize) == Some(&id.1)
    }

    /// Every slot, live or free (a free slot holds its last pod, phase `Gone`).
    pub fn iter(&self) -> impl Iterator<Item = &Pod> {
        self.slots.iter()
    }

    /// Every slot, live or free (a free slot's pod is inert: no server work, no probes).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Pod> {
        self.slots.iter_mut()
    }

    /// Slots allocated: the peak number of pods that existed at once.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }
}

impl std::ops::Index<PodId> for Pods {
    type Output = Pod;
    #[inline]
    fn index(&self, id: PodId) -> &Pod {
        oracle_assert!(self.is_live(id), "stale pod id {id:?}");
        &self.slots[id.0 as usize]
    }
}

impl std::ops::IndexMut<PodId> for Pods {
    #[inline]
    fn index_mut(&mut self, id: PodId) -> &mut Pod {
        oracle_assert!(self.is_live(id), "stale pod id {id:?}");
        &mut self.slots[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::server::PodServer;

    fn pod(ordinal: u32) -> Pod {
        Pod::new(
            0,
            ordinal,
            0,
            crate::time::SimTime::ZERO,
            PodServer::default(),
        )
    }

    #[test]
    fn a_freed_slot_is_reused_and_the_old_id_goes_stale() {
        let mut pods = Pods::default();
        let a = pods.insert(pod(0));
        let b = pods.insert(pod(1));
        pods.free(a);
        assert!(!pods.is_live(a) && pods.is_live(b));
        let c = pods.insert(pod(2));
        // Same slot, next generation: `a` must not name the new pod.
        assert_eq!((c.0, c.1), (a.0, a.1 + 1));
        assert_ne!(a, c);
        assert!(!pods.is_live(a) && pods.is_live(c));
        assert_eq!(pods[c].ordinal, 2);
        assert_eq!(pods.slots(), 2, "memory follows live pods, not churn");
    }
}
