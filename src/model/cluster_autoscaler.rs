//! The cluster autoscaler (`nodes[].autoscaling` + `cluster_autoscaler:`): its state (node
//! groups, nodes booting, unneeded timers, the node being drained) and its loop.
//!
//! As `kubernetes/autoscaler` `cluster-autoscaler` (KUBERNETES.md §B5), every `scan_interval`:
//! - **Scale-up.** Pods the scheduler found unschedulable are first packed onto the nodes
//!   still booting (capacity on its way must not buy more); the rest are packed first-fit
//!   onto empty template nodes of each pool with room (`count + booting < max`, not backing
//!   off), honouring resources and the hard spread. The expander picks one pool (`random`
//!   from the `cluster_autoscaler` stream, or `least_waste`: least idle CPU + memory share
//!   on the new nodes; ties go to the first pool) and that many nodes start booting. A loop
//!   that scaled up does no scale-down (as `RunOnce`).
//! - **Boot.** A node is provisioning for a sample of its pool's `boot`, then registers Ready
//!   and the scheduler retries the unschedulable pods. Not Ready by
//!   `max_node_provision_time`: the scale-up failed, the node is dropped and the pool backs
//!   off for 5 min (the real one backs off exponentially from 5 min; simplified).
//! - **Scale-down.** A Ready, uncordoned node of an autoscaled pool is unneeded when
//!   max(Σ CPU requests ÷ allocatable, Σ memory requests ÷ allocatable) is below
//!   `utilization_threshold`, its pods' budgets allow their eviction, and every pod fits on
//!   another Ready node that is not itself unneeded (simulated through the scheduler's index;
//!   a node that receives simulated pods is not unneeded in the same loop). Unneeded for
//!   `unneeded_time`, outside `delay_after_add` of the last scale-up, pool above its `min`:
//!   the node is drained through the Eviction API (`drain_node`, honouring
//!   PodDisruptionBudgets) and deleted once empty, or at `max-graceful-termination-sec`
//!   (600 s) with its terminating pods; if evictions are still refused then, the drain is
//!   abandoned and the node uncordoned (as a failed scale-down).
//!
//! Simplified: one node is drained at a time and at most one starts per loop (the real one
//! deletes empty nodes in batches and drains `--max-drain-parallelism`, default 1, at once);
//! NotReady nodes are never removed (no `--scale-down-unready-time` rule); the simulation
//! of where a removed node's pods go reads spread counts as they are (its own pods still
//! counted); no `--scale-down-delay-after-delete/-failure`. Node slots of deleted nodes are
//! not reused. Nodes are billed (`node_seconds`) from the cloud request on.
//!
//! Cost: nothing at all when no pool autoscales; a loop costs O(pending pods × new nodes +
//! nodes of autoscaled pools), plus a pick per pod on the nodes below the threshold.

mod scale_down;
mod sim;

use super::*;
use crate::scenario::Spread;
use crate::scenario::autoscaling::Expander;
use sim::{Sim, SimNode};
use std::collections::BTreeMap;

/// Back-off of a node group after a failed scale-up.
pub const SCALE_UP_BACKOFF: SimDuration = SimDuration::from_secs(300);
/// `--max-graceful-termination-sec`: the longest a scale-down waits for its pods to go.
pub const MAX_GRACEFUL_TERMINATION: SimDuration = SimDuration::from_secs(600);

/// A node asked of the cloud, not registered yet.
#[derive(Clone, Copy, Debug)]
struct Booting {
    pool: usize,
    ordinal: u32,
    zone: usize,
    /// Registers Ready when its event fires (else the provision time ran out first).
    ok: bool,
}

pub struct NodeAutoscaler {
    enabled: bool,
    /// Per pool: registered nodes (Ready or not), and for autoscaled pools their ids.
    pool_nodes: Vec<u32>,
    members: Vec<Vec<NodeId>>,
    /// Per pool: the next node number, and the round-robin cursor into its zones.
    next_ordinal: Vec<u32>,
    next_zone: Vec<usize>,
    /// Per pool: the global zone index of each of its zones.
    pool_zones: Vec<Vec<usize>>,
    /// Per pool: no scale-up before this (after a failed one).
    backoff_until: Vec<SimTime>,
    /// Nodes asked for and not yet Ready, by id (= the order they were asked for).
    booting: BTreeMap<u32, Booting>,
    next_boot_id: u32,
    last_scale_up: Option<SimTime>,
    /// Per node: unneeded since.
    unneeded_since: Vec<Option<SimTime>>,
    /// The node being drained for deletion.
    deleting: Option<NodeId>,
    /// Scale-downs started (the current one's number is its deadline's).
    scale_downs: u32,
}

impl NodeAutoscaler {
    /// The node is being drained for deletion (its evictions are a scale-down's).
    pub fn scaling_down(&self, node: NodeId) -> bool {
        self.deleting == Some(node)
    }

    /// The number of the scale-down draining `node`, if one is.
    pub fn scale_down_attempt(&self, node: NodeId) -> Option<u32> {
        self.scaling_down(node).then_some(self.scale_downs)
    }

    pub fn new(sc: &Scenario) -> Self {
        let zones = sc.zones();
        let mut members = vec![Vec::new(); sc.pools.len()];
        for (i, n) in sc.nodes.iter().enumerate() {
            if sc.pools[n.pool].autoscaling.is_some() {
                members[n.pool].push(NodeId(i as u32));
            }
        }
        let enabled = sc.pools.iter().any(|p| p.autoscaling.is_some());
        NodeAutoscaler {
            enabled,
            pool_nodes: sc.pools.iter().map(|p| p.count).collect(),
            members,
            next_ordinal: sc.pools.iter().map(|p| p.count).collect(),
            next_zone: sc
                .pools
                .iter()
                .map(|p| p.count as usize % p.zones.len().max(1))
                .collect(),
            pool_zones: sc
                .pools
                .iter()
                .map(|p| {
                    p.zones
                        .iter()
                        .map(|z| zones.iter().position(|x| x == z).expect("zone listed"))
                        .collect()
                })
                .collect(),
            backoff_until: vec![SimTime::ZERO; sc.pools.len()],
            booting: BTreeMap::new(),
            next_boot_id: 0,
            last_scale_up: None,
            unneeded_since: if enabled {
                vec![None; sc.nodes.len()]
            } else {
                Vec::new()
            },
            deleting: None,
            scale_downs: 0,
        }
    }

    /// Per pool: registered nodes now (the time series' `nodes_<pool>`).
    pub fn pool_nodes(&self) -> &[u32] {
        &self.pool_nodes
    }
}

/// One pool's answer to the pending pods: the zones of the nodes to add, the pods they
/// take, the expander's waste score, and the pool's zone cursor afterwards.
#[derive(Clone, Debug)]
struct Option_ {
    pool: usize,
    zones: Vec<usize>,
    pods: u32,
    waste: f64,
    cursor: usize,
}

impl World<'_> {
    pub(super) fn start_cluster_autoscaler(&mut self, eng: &mut Eng) {
        if self.ca.enabled {
            eng.schedule_in(
                self.sc.cluster_autoscaler.scan_interval,
                Event::AutoscalerScanDue,
            );
        }
    }

    /// One loop of the cluster autoscaler.
    pub(super) fn autoscaler_scan(&mut self, eng: &mut Eng) {
        if !self.scale_up(eng) {
            self.scale_down(eng);
        }
        eng.schedule_in(
            self.sc.cluster_autoscaler.scan_interval,
            Event::AutoscalerScanDue,
        );
    }

    /// Whether a pod of workload `w` may go on simulated node `v` under its hard spread.
    fn sim_spread_ok(&self, sim: &Sim, w: usize, v: usize) -> bool {
        match self.sc.workloads[w].spread {
            Spread::None => true,
            Spread::Nodes => {
                let real = self.placement.min_count(w);
                let min = sim.fewest(w).map_or(real, |m| m.min(real));
                sim.nodes[v].count(w) <= min
            }
            Spread::Zones => {
                let zc = |z: usize| {
                    self.placement.zone_count(w, z)
                        + sim.zone_extra.get(&(w, z)).copied().unwrap_or(0)
                };
                // The domains: zones with nodes, real or simulated (a template node makes its
                // zone one, as in the cluster autoscaler's scheduler simulation).
                let min = (0..self.zone_nodes.len())
                    .filter(|&z| self.placement.zone_has_nodes(z) || sim.has_zone(z))
                    .map(zc)
                    .min()
                    .unwrap_or(0);
                zc(sim.nodes[v].zone) <= min
            }
        }
    }

    /// First fit of `pod` onto the simulated nodes from `from` on.
    fn sim_first_fit(&self, sim: &mut Sim, from: usize, pod: PodId) -> bool {
        let w = self.pods[pod].workload;
        let req = self.sc.workloads[w].resources;
        let fit = sim
            .open_from(from)
            .find(|&v| sim.nodes[v].has_room(req) && self.sim_spread_ok(sim, w, v));
        if let Some(v) = fit {
            sim.place(v, w, req);
        }
        fit.is_some()
    }

    /// The scale-up half of a loop; true if it asked for nodes.
    fn scale_up(&mut self, eng: &mut Eng) -> bool {
        let now = eng.now();
        let pending: Vec<PodId> = self
            .unschedulable
            .iter()
            .copied()
            .filter(|&p| {
                self.pods.is_live(p)
                    && self.pods[p].phase == PodPhase::Pending
                    && !self.pods[p].deleting
            })
            .collect();
        if pending.is_empty() {
            return false;
        }
        // Capacity already on its way takes what it can first.
        let workloads = || pending.iter().map(|&p| self.pods[p].workload);
        let smallest = Resources {
            cpu_milli: workloads()
                .map(|w| self.sc.workloads[w].resources.cpu_milli)
                .min()
                .unwrap_or(0),
            memory_bytes: workloads()
                .map(|w| self.sc.workloads[w].resources.memory_bytes)
                .min()
                .unwrap_or(0),
        };
        let node_spread = workloads().filter(|&w| self.sc.workloads[w].spread == Spread::Nodes);
        let mut base = Sim::new(smallest, node_spread);
        // (Whether a node will boot in time is not known before it does.)
        for b in self.ca.booting.values() {
            base.push(SimNode::empty(&self.sc.pools[b.pool], b.zone));
        }
        let rest: Vec<PodId> = pending
            .into_iter()
            .filter(|&p| !self.sim_first_fit(&mut base, 0, p))
            .collect();
        if rest.is_empty() {
            return false;
        }
        let options: Vec<Option_> = (0..self.sc.pools.len())
            .filter_map(|p| self.pool_option(&base, &rest, p, now))
            .collect();
        if options.is_empty() {
            return false;
        }
        let pick = match self.sc.cluster_autoscaler.expander {
            Expander::Random => {
                let u = crate::rng::unit(&mut self.rng.cluster_autoscaler);
                ((u * options.len() as f64) as usize).min(options.len() - 1)
            }
            Expander::LeastWaste => {
                let mut best = 0;
                for (i, o) in options.iter().enumerate() {
                    if o.waste < options[best].waste {
                        best = i;
                    }
                }
                best
            }
        };
        let o = options[pick].clone();
        self.ca.next_zone[o.pool] = o.cursor;
        self.ca.last_scale_up = Some(now);
        for &zone in &o.zones {
            self.request_node(eng, o.pool, zone, o.pods);
        }
        true
    }

    /// How pool `p` would take the pods `rest` (None: it cannot, or may not grow).
    fn pool_option(&self, base: &Sim, rest: &[PodId], p: usize, now: SimTime) -> Option<Option_> {
        let pool = &self.sc.pools[p];
        let bounds = pool.autoscaling?;
        if now < self.ca.backoff_until[p] {
            return None;
        }
        let booting = self.ca.booting.values().filter(|b| b.pool == p).count() as u32;
        let room = bounds.max.saturating_sub(self.ca.pool_nodes[p] + booting);
        let zones = &self.ca.pool_zones[p];
        let mut sim = base.clone();
        let first_new = sim.nodes.len();
        let (mut opened, mut took) = (Vec::new(), 0u32);
        let mut cursor = self.ca.next_zone[p];
        for &pod in rest {
            if self.sim_first_fit(&mut sim, first_new, pod) {
                took += 1;
                continue;
            }
            if opened.len() as u32 >= room {
                continue;
            }
            let w = self.pods[pod].workload;
            let req = self.sc.workloads[w].resources;
            // The zone round-robin would give next, or the next one after it that the
            // pod's spread allows.
            for k in 0..zones.len() {
                let i = (cursor + k) % zones.len();
                let v = sim.push(SimNode::empty(pool, zones[i]));
                if sim.nodes[v].has_room(req) && self.sim_spread_ok(&sim, w, v) {
                    sim.place(v, w, req);
                    opened.push(zones[i]);
                    cursor = (i + 1) % zones.len();
                    took += 1;
                    break;
                }
                sim.pop();
            }
        }
        if opened.is_empty() {
            return None;
        }
        // least-waste: idle share of the new nodes' CPU plus that of their memory.
        let new = &sim.nodes[first_new..];
        let share = |free: u64, cap: u64| {
            if cap == 0 {
                0.0
            } else {
                free as f64 / cap as f64
            }
        };
        let sum = |f: fn(&Resources) -> u64| -> (u64, u64) {
            new.iter()
                .fold((0, 0), |(a, b), n| (a + f(&n.free), b + f(&n.cap)))
        };
        let (fc, cc) = sum(|r| r.cpu_milli);
        let (fm, cm) = sum(|r| r.memory_bytes);
        Some(Option_ {
            pool: p,
            zones: opened,
            pods: took,
            waste: share(fc, cc) + share(fm, cm),
            cursor,
        })
    }

    /// Asks the cloud for a node of pool `p` in `zone` (billed from now on).
    fn request_node(&mut self, eng: &mut Eng, p: usize, zone: usize, pods: u32) {
        let now = eng.now();
        let pool = &self.sc.pools[p];
        let boot = pool.boot.sample(&mut self.rng.cluster_autoscaler);
        let limit = self.sc.cluster_autoscaler.max_node_provision_time;
        let ordinal = self.ca.next_ordinal[p];
        self.ca.next_ordinal[p] += 1;
        let id = self.ca.next_boot_id;
        self.ca.next_boot_id += 1;
        self.ca.booting.insert(
            id,
            Booting {
                pool: p,
                ordinal,
                zone,
                ok: boot <= limit,
            },
        );
        self.rec.node_alive_changed(now, 1);
        self.rec.node_scaled(now, true);
        self.log(now, TraceKind::NodeAdded, |w| {
            (
                format!("{}-{ordinal}", w.sc.pools[p].name),
                format!("pool {}, reason: {pods} pending pods", w.sc.pools[p].name),
            )
        });
        eng.schedule_in(boot.min(limit), Event::NodeBootDone { id });
    }

    pub(super) fn node_boot_done(&mut self, eng: &mut Eng, id: u32) {
        let now = eng.now();
        let Some(b) = self.ca.booting.remove(&id) else {
            return;
        };
        if !b.ok {
            self.ca.backoff_until[b.pool] = now + SCALE_UP_BACKOFF;
            self.rec.node_alive_changed(now, -1);
            self.log(now, TraceKind::ScaleUpFailed, |w| {
                let limit = w.sc.cluster_autoscaler.max_node_provision_time;
                (
                    format!("{}-{}", w.sc.pools[b.pool].name, b.ordinal),
                    format!("not Ready after {limit}; pool backs off {SCALE_UP_BACKOFF}"),
                )
            });
            return;
        }
        self.register_node(eng, b);
    }

    /// A booted node registers Ready: it joins the scheduler's index, its zone, the node
    /// lifecycle controller's zone sizes and (with pool `failures`) the failure process.
    fn register_node(&mut self, eng: &mut Eng, b: Booting) {
        let now = eng.now();
        let pool = &self.sc.pools[b.pool];
        let lease = crate::rng::unit(&mut self.rng.cluster_autoscaler) * LEASE_RENEW.0 as f64;
        let node = Node::new(pool, b.pool, b.ordinal, b.zone, SimDuration(lease as u64));
        let id = self.placement.add_node(&node);
        self.nodes.push(node);
        assert_eq!(
            id.0 as usize + 1,
            self.nodes.len(),
            "node ids follow the arena"
        );
        self.zone_nodes[b.zone].push(id);
        self.lifecycle.add_node(b.zone);
        self.ca.pool_nodes[b.pool] += 1;
        self.ca.members[b.pool].push(id);
        self.ca.unneeded_since.push(None);
        self.log(now, TraceKind::NodeReady, |w| {
            (w.node_name(id), String::new())
        });
        self.schedule_random_failure(eng, id);
        self.retry_unschedulable(eng);
    }
}
