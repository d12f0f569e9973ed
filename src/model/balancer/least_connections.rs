//! `least_connections`: IPVS `lc`: the endpoint with the fewest requests in flight, ties
//! broken at random (a scan from a random start, so no endpoint is favoured).
//! O(n) per pick: for the tens of endpoints a service has, a scan beats an indexed heap.

use super::{Balance, Endpoint, PickContext, below};

pub struct LeastConnections;

impl Balance for LeastConnections {
    fn pick(&mut self, eps: &[Endpoint], cx: &mut PickContext) -> Option<usize> {
        if eps.is_empty() {
            return None;
        }
        let n = eps.len();
        let start = below(cx.rng, n);
        let mut best = (u32::MAX, start);
        for k in 0..n {
            let i = (start + k) % n;
            let load = (cx.in_flight)(i);
            if load < best.0 {
                best = (load, i);
            }
        }
        Some(best.1)
    }
}
