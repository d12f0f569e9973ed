//! `weighted_round_robin`: smooth weighted round robin (nginx's algorithm): each pick adds
//! every endpoint's weight to its credit, takes the highest credit, and charges it the total.
//! Weights are the pods' server concurrency; with equal weights this is plain round robin.

use super::{Balance, Endpoint, PickContext};

#[derive(Default)]
pub struct WeightedRoundRobin {
    credit: Vec<i64>,
}

impl Balance for WeightedRoundRobin {
    fn pick(&mut self, eps: &[Endpoint], _cx: &mut PickContext) -> Option<usize> {
        if eps.is_empty() {
            return None;
        }
        self.credit.resize(eps.len(), 0);
        let total: i64 = eps.iter().map(|e| e.weight as i64).sum();
        let mut best = 0;
        for (i, e) in eps.iter().enumerate() {
            self.credit[i] += e.weight as i64;
            if self.credit[i] > self.credit[best] {
                best = i;
            }
        }
        self.credit[best] -= total;
        Some(best)
    }

    fn endpoints_changed(&mut self, eps: &[Endpoint]) {
        self.credit.clear();
        self.credit.resize(eps.len(), 0);
    }
}
