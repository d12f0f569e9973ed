//! Named random streams: one generator per subsystem, seeded from (run seed, stream name).
//!
//! Why per subsystem: two variants that differ only in, say, probe settings must see the same
//! node failures (common random numbers), so node faults may never share a generator with
//! anything whose draw count depends on the variant.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The generator every stream uses: named, small and fast (never `StdRng`, whose algorithm may change).
pub type StreamRng = Pcg64Mcg;

/// SplitMix64 finaliser: a fixed, well-mixed hash for seed derivation.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of run `run` (0-based) under base seed `base`. Independent of the variant, so that all
/// variants of a sweep replay the same random histories.
pub fn run_seed(base: u64, run: u32) -> u64 {
    mix64(mix64(base) ^ (run as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// FNV-1a of a stream name: stable across platforms and releases.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A generator for one named stream of one run.
pub fn stream(run_seed: u64, name: &str) -> StreamRng {
    let a = mix64(run_seed ^ name_hash(name));
    let b = mix64(a ^ 0x5851_F42D_4C95_7F2D);
    StreamRng::seed_from_u64(a ^ b.rotate_left(17))
}

/// The streams of one run, one field per subsystem. Adding a stream never shifts another's draws.
pub struct RngStreams {
    /// Node failure and repair times.
    pub node_faults: StreamRng,
    /// Container crash and hang times, hang durations.
    pub pod_faults: StreamRng,
    /// Probe worker phases and node lease phases (kubelet timing).
    pub kubelet: StreamRng,
    /// Container start-up times.
    pub startup: StreamRng,
    /// Endpoint propagation and scheduling delays, node-monitor phase.
    pub control_plane: StreamRng,
    /// Request arrival times and client identities.
    pub arrivals: StreamRng,
    /// Request service times.
    pub service: StreamRng,
    /// Balancer choices.
    pub balancer: StreamRng,
    /// Graceful termination: the apps' drain times after SIGTERM.
    pub termination: StreamRng,
    /// Cluster autoscaler: new nodes' boot times and lease phases, the random expander.
    pub cluster_autoscaler: StreamRng,
    /// Recurring scripted faults, one stream per fault (by its index in `faults`): the
    /// intervals of `every` and the zone of `zone_outage: any`. Per fault, so adding a fault
    /// leaves the others' histories alone. Empty until `with_faults`.
    pub recurring_faults: Vec<StreamRng>,
}

impl RngStreams {
    pub fn new(run_seed: u64) -> Self {
        RngStreams {
            node_faults: stream(run_seed, "node_faults"),
            pod_faults: stream(run_seed, "pod_faults"),
            kubelet: stream(run_seed, "kubelet"),
            startup: stream(run_seed, "startup"),
            control_plane: stream(run_seed, "control_plane"),
            arrivals: stream(run_seed, "arrivals"),
            service: stream(run_seed, "service"),
            balancer: stream(run_seed, "balancer"),
            termination: stream(run_seed, "termination"),
            cluster_autoscaler: stream(run_seed, "cluster_autoscaler"),
            recurring_faults: Vec::new(),
        }
    }

    /// Adds the streams of `faults` scripted faults (`recurring_faults.<index>`).
    pub fn with_faults(mut self, run_seed: u64, faults: usize) -> Self {
        self.recurring_faults = (0..faults)
            .map(|i| stream(run_seed, &format!("recurring_faults.{i}")))
            .collect();
        self
    }
}

/// A uniform draw in [0, 1).
pub fn unit(rng: &mut StreamRng) -> f64 {
    rng.random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_name_and_repeat_by_seed() {
        let mut a = stream(7, "node_faults");
        let mut b = stream(7, "node_faults");
        let mut c = stream(7, "pod_faults");
        let (x, y, z) = (unit(&mut a), unit(&mut b), unit(&mut c));
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(run_seed(1, 0), run_seed(1, 1));
    }
}
