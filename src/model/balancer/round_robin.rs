//! `round_robin`: IPVS `rr`, the default IPVS scheduler: endpoints in turn.

use super::{Balance, Endpoint, PickContext};

#[derive(Default)]
pub struct RoundRobin {
    next: usize,
}

impl Balance for RoundRobin {
    fn pick(&mut self, eps: &[Endpoint], _cx: &mut PickContext) -> Option<usize> {
        if eps.is_empty() {
            return None;
        }
        let i = self.next % eps.len();
        self.next = i + 1;
        Some(i)
    }
}
