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

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(n: u32) -> Vec<Endpoint> {
        (0..n)
            .map(|i| Endpoint {
                pod: PodId(i, 0),
                key: crate::rng::mix64(1000 + i as u64),
                weight: 1,
            })
            .collect()
    }

    /// Fraction of client keys that change endpoint when endpoint 3 of 10 leaves, and the share
    /// of the busiest endpoint before.
    fn remap(build: impl Fn() -> Box<dyn Balance>) -> (f64, f64, usize) {
        let (all, mut fewer) = (endpoints(10), endpoints(10));
        fewer.remove(3);
        let (mut a, mut b) = (build(), build());
        a.endpoints_changed(&all);
        b.endpoints_changed(&fewer);
        let mut rng = crate::rng::stream(1, "t");
        let mut load = |_: usize| 0;
        let clients = 100_000u32;
        let (mut moved, mut wrongly_moved) = (0, 0);
        let mut per = [0u32; 10];
        for client in 0..clients {
            let pa = all[a
                .pick(
                    &all,
                    &mut PickContext {
                        client,
                        rng: &mut rng,
                        in_flight: &mut load,
                    },
                )
                .unwrap()]
            .pod;
            let pb = fewer[b
                .pick(
                    &fewer,
                    &mut PickContext {
                        client,
                        rng: &mut rng,
                        in_flight: &mut load,
                    },
                )
                .unwrap()]
            .pod;
            per[pa.0 as usize] += 1;
            if pa != pb {
                moved += 1;
                if pa != PodId(3, 0) {
                    wrongly_moved += 1;
                }
            }
        }
        let max_share = *per.iter().max().unwrap() as f64 / clients as f64;
        (moved as f64 / clients as f64, max_share, wrongly_moved)
    }

    #[test]
    fn ring_hash_moves_only_the_leaving_endpoints_clients() {
        let (moved, max_share, wrong) = remap(|| Box::new(RingHash::new(100)));
        // About 1/10 move, and only clients of the endpoint that left.
        assert!((0.07..0.13).contains(&moved), "moved {moved}");
        assert_eq!(wrong, 0);
        // 100 vnodes keep the load within ~±30 % of 1/10.
        assert!(max_share < 0.13, "max share {max_share}");
    }

    #[test]
    fn maglev_moves_about_one_in_n() {
        let (moved, max_share, wrong) = remap(|| Box::new(Maglev::new(65537)));
        assert!((0.09..0.12).contains(&moved), "moved {moved}");
        // Maglev trades a little extra disruption for near-perfect balance.
        assert!(
            (wrong as f64) < 0.01 * 100_000.0,
            "{wrong} clients of staying endpoints moved"
        );
        assert!(max_share < 0.102, "max share {max_share}");
    }

    #[test]
    fn round_robin_and_smooth_weighted_rotate() {
        let eps = endpoints(3);
        let mut rng = crate::rng::stream(1, "t");
        let mut load = |_: usize| 0;
        let mut rr = build(Balancer::RoundRobin);
        let mut wrr = build(Balancer::WeightedRoundRobin);
        wrr.endpoints_changed(&eps);
        let mut cx = PickContext {
            client: 0,
            rng: &mut rng,
            in_flight: &mut load,
        };
        let a: Vec<usize> = (0..6).map(|_| rr.pick(&eps, &mut cx).unwrap()).collect();
        let b: Vec<usize> = (0..6).map(|_| wrr.pick(&eps, &mut cx).unwrap()).collect();
        assert_eq!(a, [0, 1, 2, 0, 1, 2]);
        assert_eq!(b, [0, 1, 2, 0, 1, 2]);
        // Weights 5, 1, 1: nginx's smooth sequence a a b a c a a.
        let weighted: Vec<Endpoint> = eps
            .iter()
            .zip([5, 1, 1])
            .map(|(e, w)| Endpoint { weight: w, ..*e })
            .collect();
        wrr.endpoints_changed(&weighted);
        let c: Vec<usize> = (0..7)
            .map(|_| wrr.pick(&weighted, &mut cx).unwrap())
            .collect();
        assert_eq!(c, [0, 0, 1, 0, 2, 0, 0]);
    }
}
