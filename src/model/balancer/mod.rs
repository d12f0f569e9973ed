//! Load balancers: one small module per policy behind the `Balance` trait. A balancer picks
//! among the endpoints it currently *believes* ready (the list lags pod readiness by
//! `endpoint_delay`); it never sees pod state directly, only what a real proxy could: the
//! endpoint list, its own in-flight counts, and the client's identity.

mod least_connections;
mod maglev;
mod power_of_two;
mod random;
mod ring_hash;
mod round_robin;
mod weighted_round_robin;

use super::PodId;
use crate::rng::StreamRng;
use crate::scenario::Balancer;

pub use maglev::Maglev;
pub use ring_hash::RingHash;

/// An endpoint as balancers see it: the pod, a stable identity (hash of its name, as a real
/// proxy would hash its address), and a weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub pod: PodId,
    pub key: u64,
    pub weight: u32,
}

/// What a pick may look at besides the endpoint list.
pub struct PickContext<'a> {
    pub client: u32,
    pub rng: &'a mut StreamRng,
    /// Requests this proxy has in flight to an endpoint (index into the list).
    pub in_flight: &'a mut dyn FnMut(usize) -> u32,
}

pub trait Balance: Send {
    /// The index of the chosen endpoint in `eps`, or `None` if `eps` is empty.
    fn pick(&mut self, eps: &[Endpoint], cx: &mut PickContext) -> Option<usize>;
    /// The endpoint list changed (membership or order).
    fn endpoints_changed(&mut self, _eps: &[Endpoint]) {}
}

pub fn build(b: Balancer) -> Box<dyn Balance> {
    match b {
        Balancer::Random => Box::new(random::Random),
        Balancer::RoundRobin => Box::new(round_robin::RoundRobin::default()),
        Balancer::LeastConnections => Box::new(least_connections::LeastConnections),
        Balancer::PowerOfTwo => Box::new(power_of_two::PowerOfTwo),
        Balancer::WeightedRoundRobin => {
            Box::new(weighted_round_robin::WeightedRoundRobin::default())
        }
        Balancer::RingHash { vnodes } => Box::new(RingHash::new(vnodes)),
        Balancer::Maglev { table } => Box::new(Maglev::new(table)),
    }
}

/// A uniform index below `n` (n > 0).
pub fn below(rng: &mut StreamRng, n: usize) -> usize {
    ((crate::rng::unit(rng) * n as f64) as usize).min(n - 1)
}

/// A fixed 64-bit mix of two values (client and endpoint hashing; stable across releases).
pub fn hash2(a: u64, b: u64) -> u64 {
    crate::rng::mix64(crate::rng::mix64(a) ^ b.rotate_left(29))
}
