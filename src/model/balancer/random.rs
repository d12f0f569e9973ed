//! `random`: kube-proxy's iptables (`statistic --probability 1/(n−i)`) and nftables
//! (`numgen random mod N`) modes, both uniform over ready endpoints.

use super::{Balance, Endpoint, PickContext, below};

pub struct Random;

impl Balance for Random {
    fn pick(&mut self, eps: &[Endpoint], cx: &mut PickContext) -> Option<usize> {
        (!eps.is_empty()).then(|| below(cx.rng, eps.len()))
    }
}
