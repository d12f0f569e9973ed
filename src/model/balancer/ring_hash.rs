//! `ring_hash`: consistent hashing (Karger et al.; Envoy `RING_HASH`). Each endpoint owns
//! `vnodes` points on a 64-bit ring; a client goes to the first point clockwise of its hash.
//! When one of n endpoints leaves, only the clients it owned (about 1/n) move.

use super::{Balance, Endpoint, PickContext, hash2};

pub struct RingHash {
    vnodes: u32,
    /// (point, endpoint index), sorted by point.
    ring: Vec<(u64, usize)>,
}

impl RingHash {
    pub fn new(vnodes: u32) -> Self {
        RingHash {
            vnodes,
            ring: Vec::new(),
        }
    }

    /// The endpoint index for a client hash.
    pub fn lookup(&self, h: u64) -> Option<usize> {
        if self.ring.is_empty() {
            return None;
        }
        let i = self.ring.partition_point(|(p, _)| *p < h);
        Some(self.ring[i % self.ring.len()].1)
    }
}

impl Balance for RingHash {
    fn pick(&mut self, _eps: &[Endpoint], cx: &mut PickContext) -> Option<usize> {
        self.lookup(hash2(cx.client as u64, 0x5249_4E47))
    }

    fn endpoints_changed(&mut self, eps: &[Endpoint]) {
        self.ring.clear();
        for (i, e) in eps.iter().enumerate() {
            for v in 0..self.vnodes {
                self.ring.push((hash2(e.key, v as u64), i));
            }
        }
        self.ring.sort_unstable();
    }
}
