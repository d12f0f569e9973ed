//! `power_of_two`: two distinct endpoints at random, the one with fewer requests in flight
//! (Mitzenmacher's "power of two choices"; Envoy's default `LEAST_REQUEST`).

use super::{Balance, Endpoint, PickContext, below};

pub struct PowerOfTwo;

impl Balance for PowerOfTwo {
    fn pick(&mut self, eps: &[Endpoint], cx: &mut PickContext) -> Option<usize> {
        match eps.len() {
            0 => None,
            1 => Some(0),
            n => {
                let a = below(cx.rng, n);
                let b = (a + 1 + below(cx.rng, n - 1)) % n;
                let (la, lb) = ((cx.in_flight)(a), (cx.in_flight)(b));
                Some(if lb < la { b } else { a })
            }
        }
    }
}
