//! The node lifecycle controller's zone logic: per-zone health states and the per-zone
//! rate-limited queue through which NotReady nodes get their NoExecute taint.
//!
//! Why it matters: the taint starts the pods' 300 s toleration clock, and the queue decides
//! *when* each node gets it. In Kubernetes (`pkg/controller/nodelifecycle`):
//! - every monitor pass computes each zone's state from its nodes' Ready conditions
//!   (`ComputeZoneState`): no Ready node → FullDisruption; more than 2 NotReady and a
//!   NotReady share ≥ `unhealthy_zone_threshold` → PartialDisruption; else Normal;
//! - a zone's queue drains at `node_eviction_rate` (Normal, FullDisruption), at
//!   `secondary_node_eviction_rate` in PartialDisruption if the zone has more than
//!   `large_cluster_size_threshold` nodes, else not at all (`ReducedQPSFunc`);
//! - if every zone is in FullDisruption the controller suspects itself: it lifts all
//!   NoExecute taints and stops every queue until a node is Ready again;
//! - a node is queued one monitor pass after it went NotReady (the decision reads the
//!   condition observed before the pass) and leaves the queue when it is Ready again;
//! - the queue (`RateLimitedTimedQueue`) is drained every 100 ms through a token bucket of
//!   burst 1 (`golang.org/x/time/rate`: tokens accrue continuously, capped at 1; a refused
//!   `TryAccept` consumes nothing); swapping the limiter starts a new full bucket, drained
//!   at once if the old one had no token (`SwapLimiter`).
//!
//! This struct owns that state and is driven by the world with observations (a node's
//! Ready condition changed, a pass is due) and answers with decisions (taint this node,
//! the next time a pass can do something, zone state changes to log). Cost: O(zones) per
//! review, O(1) per queue operation; no event per 100 ms tick — the world schedules one
//! event at the tick when the head of a queue can next be tainted.

use super::NodeId;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeSet;

/// The drain period of the taint queues (`scheduler.NodeEvictionPeriod`).
pub const TAINT_PASS_PERIOD: SimDuration = SimDuration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneHealth {
    Normal,
    PartialDisruption,
    FullDisruption,
}

impl ZoneHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneHealth::Normal => "Normal",
            ZoneHealth::PartialDisruption => "PartialDisruption",
            ZoneHealth::FullDisruption => "FullDisruption",
        }
    }
}

/// The `control_plane` settings this controller reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvictionRates {
    /// Nodes per second (`--node-eviction-rate`, 0.1).
    pub primary: f64,
    /// Nodes per second in a large partially disrupted zone (`--secondary-node-eviction-rate`).
    pub secondary: f64,
    /// NotReady share that makes a zone partially disrupted (`--unhealthy-zone-threshold`).
    pub unhealthy_threshold: f64,
    /// Zones with more nodes than this keep the secondary rate when partially disrupted.
    pub large_cluster: u32,
}

impl Default for EvictionRates {
    fn default() -> Self {
        EvictionRates {
            primary: 0.1,
            secondary: 0.01,
            unhealthy_threshold: 0.55,
            large_cluster: 50,
        }
    }
}

/// A token bucket of burst 1 refilled at `rate` per second; `rate == 0` never accepts.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    rate: f64,
    /// When the bucket holds a full token (it is full at any time ≥ this).
    full_at: SimTime,
}

impl Bucket {
    fn new(rate: f64, now: SimTime) -> Self {
        Bucket { rate, full_at: now }
    }

    /// The first time ≥ `now` at which a token is available; `None` if never.
    fn ready_at(&self, now: SimTime) -> Option<SimTime> {
        (self.rate > 0.0).then(|| self.full_at.max(now))
    }

    fn has_token(&self, now: SimTime) -> bool {
        self.rate > 0.0 && self.full_at <= now
    }

    /// Takes the token (the caller checked `has_token`): the next one is 1/rate away.
    fn take(&mut self, now: SimTime) {
        self.full_at = now + SimDuration::from_secs_f64(1.0 / self.rate);
    }
}

#[derive(Debug)]
struct Zone {
    size: u32,
    not_ready: u32,
    health: ZoneHealth,
    /// NotReady nodes waiting for their taint. Kubernetes re-adds every untainted waiting
    /// node on each monitor pass, so their order is that of the latest pass, not of their
    /// failures; kubesim takes node order (the head is the lowest node id).
    queue: BTreeSet<NodeId>,
    bucket: Bucket,
}

/// A decision to log: a zone's state changed, or the whole cluster entered or left the
/// "every zone is down, suspect the control plane" mode.
#[derive(Clone, Debug, PartialEq)]
pub enum ZoneChange {
    Health {
        zone: usize,
        health: ZoneHealth,
    },
    /// Entered: every NoExecute taint is lifted and no queue drains until a node is Ready.
    MasterDisruption {
        entered: bool,
    },
}

pub struct NodeLifecycle {
    rates: EvictionRates,
    zones: Vec<Zone>,
    master_disruption: bool,
}

impl NodeLifecycle {
    /// `zone_sizes[z]`: the nodes of zone `z`, all Ready at the start.
    pub fn new(rates: EvictionRates, zone_sizes: &[u32]) -> Self {
        NodeLifecycle {
            rates,
            zones: zone_sizes
                .iter()
                .map(|&size| Zone {
                    size,
                    not_ready: 0,
                    health: ZoneHealth::Normal,
                    queue: BTreeSet::new(),
                    bucket: Bucket::new(rates.primary, SimTime::ZERO),
                })
                .collect(),
            master_disruption: false,
        }
    }

    pub fn health(&self, zone: usize) -> ZoneHealth {
        self.zones[zone].health
    }

    pub fn master_disruption(&self) -> bool {
        self.master_disruption
    }

    /// A node's Ready condition changed; zone states follow at the next `review`.
    pub fn set_ready(&mut self, zone: usize, ready: bool) {
        let z = &mut self.zones[zone];
        if ready {
            z.not_ready -= 1;
        } else {
            z.not_ready += 1;
        }
    }

    /// A node joins `zone` Ready (the cluster autoscaler added it).
    pub fn add_node(&mut self, zone: usize) {
        self.zones[zone].size += 1;
    }

    /// A node of `zone` is deleted; `ready`: its Ready condition at that moment.
    pub fn remove_node(&mut self, zone: usize, node: NodeId, ready: bool) {
        let z = &mut self.zones[zone];
        z.size -= 1;
        if !ready {
            z.not_ready -= 1;
        }
        z.queue.remove(&node);
    }

    /// `ComputeZoneState` for a zone's counts.
    fn compute(&self, z: &Zone) -> ZoneHealth {
        let ready = z.size - z.not_ready;
        if ready == 0 && z.not_ready > 0 {
            ZoneHealth::FullDisruption
        } else if z.not_ready > 2
            && z.not_ready as f64 / z.size as f64 >= self.rates.unhealthy_threshold
        {
            ZoneHealth::PartialDisruption
        } else {
            ZoneHealth::Normal
        }
    }

    /// The queue rate of a zone in `health` (`setLimiterInZone`).
    fn rate_for(&self, zone: &Zone, health: ZoneHealth) -> f64 {
        match health {
            ZoneHealth::Normal | ZoneHealth::FullDisruption => self.rates.primary,
            ZoneHealth::PartialDisruption if zone.size > self.rates.large_cluster => {
                self.rates.secondary
            }
            ZoneHealth::PartialDisruption => 0.0,
        }
    }

    /// `SwapLimiter`: a new full bucket at the new rate, drained at once when the old one
    /// had no token to give; nothing changes if the rate is the same.
    fn swap(zone: &mut Zone, rate: f64, now: SimTime) {
        if zone.bucket.rate == rate {
            return;
        }
        let old_had_token = zone.bucket.has_token(now);
        zone.bucket = Bucket::new(rate, now);
        if rate > 0.0 && !old_had_token {
            zone.bucket.take(now);
        }
    }

    /// End of a monitor pass (`handleDisruption`): recompute zone states and swap the
    /// queues' limiters. Returns what changed, in zone order.
    pub fn review(&mut self, now: SimTime) -> Vec<ZoneChange> {
        let mut changes = Vec::new();
        let new: Vec<ZoneHealth> = self.zones.iter().map(|z| self.compute(z)).collect();
        // Zones are those of existing nodes (`zoneToNodeConditions`): one without nodes (a pool
        // listing more zones than it has nodes, or emptied by the cluster autoscaler) is
        // not "up" and must not keep the cluster out of this mode.
        let mut present = new
            .iter()
            .zip(&self.zones)
            .filter(|(_, z)| z.size > 0)
            .map(|(h, _)| *h)
            .peekable();
        let all_full = present.peek().is_some() && present.all(|h| h == ZoneHealth::FullDisruption);
        let was_all_full = self.master_disruption;
        if all_full && !was_all_full {
            self.master_disruption = true;
            changes.push(ZoneChange::MasterDisruption { entered: true });
            for z in &mut self.zones {
                z.queue.clear();
                Self::swap(z, 0.0, now);
            }
        } else if !all_full && was_all_full {
            self.master_disruption = false;
            changes.push(ZoneChange::MasterDisruption { entered: false });
            let rates: Vec<f64> = self
                .zones
                .iter()
                .zip(&new)
                .map(|(z, &h)| self.rate_for(z, h))
                .collect();
            for (z, rate) in self.zones.iter_mut().zip(rates) {
                Self::swap(z, rate, now);
            }
        }
        for (i, &h) in new.iter().enumerate() {
            if h != self.zones[i].health {
                self.zones[i].health = h;
                changes.push(ZoneChange::Health { zone: i, health: h });
                if !self.master_disruption {
                    let rate = self.rate_for(&self.zones[i], h);
                    Self::swap(&mut self.zones[i], rate, now);
                }
            }
        }
        changes
    }

    /// `markNodeForTainting`: a NotReady node joins its zone's queue (once).
    pub fn enqueue(&mut self, zone: usize, node: NodeId) {
        self.zones[zone].queue.insert(node);
    }

    /// `markNodeAsReachable`: the node left its zone's queue (Ready again).
    pub fn dequeue(&mut self, zone: usize, node: NodeId) {
        self.zones[zone].queue.remove(&node);
    }

    /// The first 100 ms pass at or after `now` at which the zone's head can be tainted;
    /// `None` while the queue is empty or stopped.
    pub fn next_pass(&self, zone: usize, now: SimTime) -> Option<SimTime> {
        let z = &self.zones[zone];
        if z.queue.is_empty() {
            return None;
        }
        let at = z.bucket.ready_at(now)?;
        let p = TAINT_PASS_PERIOD.0;
        Some(SimTime(at.0.div_ceil(p) * p))
    }

    /// A 100 ms pass (`doNoExecuteTaintingPass`): the head node to taint now, if a token is
    /// available. With burst 1 at most one node per pass.
    pub fn pass(&mut self, zone: usize, now: SimTime) -> Option<NodeId> {
        let z = &mut self.zones[zone];
        if z.queue.is_empty() || !z.bucket.has_token(now) {
            return None;
        }
        z.bucket.take(now);
        z.queue.pop_first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> SimTime {
        SimTime(SimDuration::from_secs_f64(s).0)
    }

    /// Drains a zone's queue the way the world does: one event at each `next_pass`.
    fn drain(c: &mut NodeLifecycle, zone: usize, from: SimTime) -> Vec<(NodeId, f64)> {
        let mut out = Vec::new();
        let mut now = from;
        while let Some(at) = c.next_pass(zone, now) {
            now = at;
            if let Some(n) = c.pass(zone, now) {
                out.push((n, now.as_secs_f64()));
            }
        }
        out
    }

    #[test]
    fn ten_node_zone_outage_taints_one_node_every_ten_seconds() {
        // Zone 0 of 10 nodes goes down entirely (FullDisruption keeps 0.1/s) while zone 1
        // stays up. The bucket starts full: the first node is tainted at the next 100 ms
        // pass, then one every 1/0.1 = 10 s: 9 gaps of 10 s = 90 s for the ten.
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[10, 10]);
        for _ in 0..10 {
            c.set_ready(0, false);
        }
        let changes = c.review(secs(100.0));
        assert_eq!(
            changes,
            vec![ZoneChange::Health {
                zone: 0,
                health: ZoneHealth::FullDisruption
            }]
        );
        for n in 0..10 {
            c.enqueue(0, NodeId(n));
        }
        let t = drain(&mut c, 0, secs(105.05));
        let times: Vec<f64> = t.iter().map(|x| x.1).collect();
        assert_eq!(times.len(), 10);
        assert!((times[0] - 105.1).abs() < 1e-9, "{times:?}");
        assert!((times[9] - 195.1).abs() < 1e-6, "{times:?}");
        assert_eq!(t[3].0, NodeId(3), "node order");
    }

    #[test]
    fn partial_disruption_of_a_small_zone_stops_the_queue() {
        // 6 of 10 NotReady: 6 > 2 and 0.6 ≥ 0.55, zone size 10 ≤ 50 → rate 0: no taints.
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[10, 10]);
        for _ in 0..6 {
            c.set_ready(0, false);
        }
        c.review(secs(50.0));
        assert_eq!(c.health(0), ZoneHealth::PartialDisruption);
        for n in 0..6 {
            c.enqueue(0, NodeId(n));
        }
        assert_eq!(c.next_pass(0, secs(55.0)), None);
        // 5 of 10 (0.5 < 0.55): Normal again, the queue drains; the bucket was swapped from
        // the never-limiter, so it starts drained: the first taint 10 s later.
        c.set_ready(0, true);
        c.review(secs(1000.0));
        assert_eq!(c.health(0), ZoneHealth::Normal);
        let t = drain(&mut c, 0, secs(1000.0));
        assert!((t[0].1 - 1010.0).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn large_partially_disrupted_zone_drains_at_the_secondary_rate() {
        // 60 nodes, 40 NotReady (0.67 ≥ 0.55), 60 > 50 → 0.01/s: one taint per 100 s.
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[60, 5]);
        for _ in 0..40 {
            c.set_ready(0, false);
        }
        c.review(secs(0.0));
        for n in 0..3 {
            c.enqueue(0, NodeId(n));
        }
        let t = drain(&mut c, 0, secs(0.0));
        let gaps: Vec<f64> = t.windows(2).map(|w| w[1].1 - w[0].1).collect();
        assert_eq!(gaps, vec![100.0, 100.0], "{t:?}");
    }

    #[test]
    fn three_not_ready_is_the_minimum_for_partial_disruption() {
        // 2 of 3 NotReady is 0.67 ≥ 0.55 but not more than 2 nodes: Normal.
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[3, 3]);
        c.set_ready(0, false);
        c.set_ready(0, false);
        c.review(SimTime::ZERO);
        assert_eq!(c.health(0), ZoneHealth::Normal);
        c.set_ready(0, false);
        c.review(SimTime::ZERO);
        assert_eq!(c.health(0), ZoneHealth::FullDisruption);
    }

    #[test]
    fn every_zone_down_stops_evictions_until_a_node_is_back() {
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[2, 2]);
        for z in 0..2 {
            c.set_ready(z, false);
            c.set_ready(z, false);
        }
        let changes = c.review(secs(10.0));
        assert_eq!(changes[0], ZoneChange::MasterDisruption { entered: true });
        c.enqueue(0, NodeId(0));
        assert_eq!(c.next_pass(0, secs(10.0)), None, "no queue drains");
        c.set_ready(1, true);
        let changes = c.review(secs(20.0));
        assert_eq!(changes[0], ZoneChange::MasterDisruption { entered: false });
        assert_eq!(c.health(1), ZoneHealth::Normal);
        // Zone 0 is still fully disrupted: 0.1/s, from a drained bucket (swapped from 0).
        assert_eq!(c.next_pass(0, secs(20.0)), Some(secs(30.0)));
    }

    #[test]
    fn a_zone_without_nodes_does_not_keep_the_cluster_up() {
        // Zones a and b have 2 nodes each, c none: with all four NotReady every zone that
        // exists is fully disrupted, so evictions stop (c used to count as a healthy zone).
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[2, 2, 0]);
        for z in 0..2 {
            c.set_ready(z, false);
            c.set_ready(z, false);
        }
        let changes = c.review(secs(10.0));
        assert_eq!(changes[0], ZoneChange::MasterDisruption { entered: true });
        let mut none = NodeLifecycle::new(EvictionRates::default(), &[0, 0]);
        assert!(
            none.review(secs(10.0)).is_empty(),
            "no nodes: no disruption"
        );
    }

    #[test]
    fn a_node_back_before_its_turn_leaves_the_queue() {
        let mut c = NodeLifecycle::new(EvictionRates::default(), &[10]);
        c.enqueue(0, NodeId(1));
        c.enqueue(0, NodeId(2));
        c.enqueue(0, NodeId(1));
        c.dequeue(0, NodeId(1));
        let t = drain(&mut c, 0, SimTime::ZERO);
        assert_eq!(t, vec![(NodeId(2), 0.0)]);
    }
}
