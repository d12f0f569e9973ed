//! Rolling updates. A Deployment's pods belong to ReplicaSets by template version; the
//! deployment controller moves replicas from the old sets to the newest one within
//! maxSurge / maxUnavailable (`pkg/controller/deployment/rolling.go`), and each ReplicaSet
//! creates or deletes pods to match its own count, deleting in the ReplicaSet's order
//! (`ActivePodsWithRanks`). A StatefulSet updates one ordinal at a time, highest first, down
//! to `partition`, each waiting for the previous one to be Running, Ready and available.
//!
//! State lives in `WorkloadRollout` (one per workload): the sets, the update revision and the
//! progress of the rollout under way. Outside a rollout a Deployment has one set and the
//! ReplicaSet step is the old "create what is missing" loop, O(1) when nothing is missing.

use super::*;
use crate::scenario::{RolloutSpec, WorkloadKind};
use std::collections::BTreeSet;

/// One ReplicaSet: a template version, its desired count, its active pods (ordinals) and
/// how many of them are Ready. (A StatefulSet keeps one per revision, for counting only.)
#[derive(Clone, Debug)]
pub struct ReplicaSet {
    pub version: u32,
    pub spec: u32,
    pub active: BTreeSet<u32>,
    pub ready: u32,
    /// Deletion order computed at `order_at` (`None`: to recompute), and how far it is used.
    order: Vec<PodId>,
    order_at: Option<SimTime>,
    order_next: usize,
}

impl ReplicaSet {
    fn new(version: u32, spec: u32) -> Self {
        ReplicaSet {
            version,
            spec,
            active: BTreeSet::new(),
            ready: 0,
            order: Vec::new(),
            order_at: None,
            order_next: 0,
        }
    }
}

/// A rollout under way.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub started: SimTime,
    /// `LastUpdateTime` of the Progressing condition: the last time a count moved.
    pub last_progress: SimTime,
    /// (updated, old, ready, available) pods at the last sync.
    pub last_status: (u32, u32, u32, u32),
    pub timed_out: bool,
}

#[derive(Clone, Debug)]
pub struct WorkloadRollout {
    /// Oldest first; the last is the current template (Deployments).
    pub sets: Vec<ReplicaSet>,
    /// StatefulSet: the revision pods below `partition` keep, and the one they update to.
    pub current_revision: u32,
    pub update_revision: u32,
    pub progress: Option<Progress>,
    /// `spec.replicas`: the scenario's count until an HPA scales it (`autoscale.rs`).
    pub replicas: u32,
    /// StatefulSet: one past the highest ordinal ever created (scale-down looks below it).
    pub ordinal_high: u32,
    /// Reconcile in progress: a nested call only marks the workload dirty.
    pub busy: bool,
    pub dirty: bool,
}

impl WorkloadRollout {
    pub fn new(replicas: u32) -> Self {
        WorkloadRollout {
            sets: vec![ReplicaSet::new(0, replicas)],
            current_revision: 0,
            update_revision: 0,
            progress: None,
            replicas,
            ordinal_high: 0,
            busy: false,
            dirty: false,
        }
    }

    /// A pod of `version` starts or stops counting as active (exists, not being deleted).
    pub fn set_active(&mut self, version: u32, ordinal: u32, active: bool) {
        let rs = self.set_of(version);
        if active {
            rs.active.insert(ordinal);
            // A new member must be ranked.
            rs.order_at = None;
        } else {
            rs.active.remove(&ordinal);
        }
    }

    /// A pod of `version` starts or stops counting as Ready (bound, Ready, not deleted);
    /// `still_active`: it is not leaving the set (a Ready pod turning not-Ready moves to the
    /// front of the deletion order, so the cached order is stale).
    pub fn set_ready(&mut self, version: u32, ready: bool, still_active: bool) {
        let rs = self.set_of(version);
        rs.ready = if ready { rs.ready + 1 } else { rs.ready - 1 };
        if !ready && still_active {
            rs.order_at = None;
        }
    }

    /// The set of `version` (a StatefulSet's revisions get one when their first pod appears).
    fn set_of(&mut self, version: u32) -> &mut ReplicaSet {
        let i = match self.sets.iter().position(|s| s.version == version) {
            Some(i) => i,
            None => {
                let at = self.sets.partition_point(|s| s.version < version);
                self.sets.insert(at, ReplicaSet::new(version, 0));
                at
            }
        };
        &mut self.sets[i]
    }

    pub fn newest(&self) -> u32 {
        self.sets.last().map_or(0, |s| s.version)
    }
}

/// `ResolveFenceposts`: surge rounded up, unavailable rounded down, never both 0, and the
/// minimum available count it leaves.
pub fn fenceposts(spec: &RolloutSpec, replicas: u32) -> (u32, u32) {
    let surge = spec.max_surge.resolve(replicas, true);
    let mut unavailable = spec.max_unavailable.resolve(replicas, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable.min(replicas))
}

impl World<'_> {
    /// The `rollout` fault: a new pod template.
    pub(super) fn start_rollout(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let ro = &mut self.rollouts[w];
        let version = ro.newest().max(ro.update_revision) + 1;
        match self.sc.workloads[w].kind {
            WorkloadKind::Deployment => ro.sets.push(ReplicaSet::new(version, 0)),
            WorkloadKind::StatefulSet => ro.update_revision = version,
        }
        ro.progress = Some(Progress {
            started: now,
            last_progress: now,
            last_status: (0, 0, 0, 0),
            timed_out: false,
        });
        self.log(now, TraceKind::RolloutStarted, |w2| {
            (
                w2.sc.workloads[w].name.clone(),
                format!("version {version}"),
            )
        });
        self.schedule_deadline_check(eng, w);
        self.reconcile(eng, w);
    }

    /// Whether `pod` is available: Ready (and not terminating) for `min_ready`.
    fn available(&self, pod: PodId, now: SimTime, min_ready: SimDuration) -> bool {
        let p = &self.pods[pod];
        p.api_ready
            && !p.deleting
            && p.phase == PodPhase::Bound
            && (min_ready.0 == 0 || now.since(p.ready_at) > min_ready)
    }

    /// Available pods of set `rs`: its Ready count (O(1)) without `min_ready`; with it, a walk
    /// over the set's pods (Kubernetes recomputes it at each sync too).
    fn rs_available(&self, w: usize, rs: usize, now: SimTime) -> u32 {
        let min_ready = self.sc.workloads[w].rollout.min_ready;
        if min_ready.0 == 0 {
            return self.rollouts[w].sets[rs].ready;
        }
        self.rollouts[w].sets[rs]
            .active
            .iter()
            .filter_map(|&o| self.live_pod(w, o))
            .filter(|&p| self.available(p, now, min_ready))
            .count() as u32
    }

    /// One pass of the deployment controller's rolling update (`rolloutRolling`), repeated
    /// while it changes something: scale the new set up within maxSurge, then the old ones
    /// down within maxUnavailable (unavailable old pods first, oldest set first).
    pub(super) fn deployment_sync(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let wl = &self.sc.workloads[w];
        let replicas = self.rollouts[w].replicas;
        let (surge, unavailable) = fenceposts(&wl.rollout, replicas);
        let min_available = replicas - unavailable;
        for _ in 0..16 {
            let n = self.rollouts[w].sets.len();
            let total: u32 = self.rollouts[w].sets.iter().map(|s| s.spec).sum();
            let new = &mut self.rollouts[w].sets[n - 1];
            if total < replicas + surge && new.spec < replicas {
                new.spec += (replicas + surge - total).min(replicas - new.spec);
                continue;
            }
            let avail: Vec<u32> = (0..n).map(|i| self.rs_available(w, i, now)).collect();
            let sets = &mut self.rollouts[w].sets;
            let new_unavailable = sets[n - 1].spec.saturating_sub(avail[n - 1]);
            let max_down = total as i64 - min_available as i64 - new_unavailable as i64;
            if max_down <= 0 {
                break;
            }
            let mut changed = false;
            let mut cleaned = 0i64;
            for (rs, &a) in sets[..n - 1].iter_mut().zip(&avail) {
                let d = (max_down - cleaned).min(rs.spec.saturating_sub(a) as i64);
                if d > 0 {
                    rs.spec -= d as u32;
                    cleaned += d;
                    changed = true;
                }
            }
            let all_available: u32 = avail.iter().sum();
            if all_available > min_available {
                let mut left = all_available - min_available;
                for rs in sets[..n - 1].iter_mut() {
                    let d = rs.spec.min(left);
                    if d > 0 {
                        rs.spec -= d;
                        left -= d;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The ReplicaSets create or delete pods to match their counts.
    pub(super) fn replica_sets_sync(&mut self, eng: &mut Eng, w: usize) {
        for i in 0..self.rollouts[w].sets.len() {
            let rs = &self.rollouts[w].sets[i];
            let (version, spec, active) = (rs.version, rs.spec, rs.active.len() as u32);
            for _ in active..spec {
                let ordinal = self.next_ordinal[w];
                self.next_ordinal[w] += 1;
                self.create_pod(eng, w, ordinal, version);
            }
            if active > spec {
                // Pods of an older template go for a rollout; of the current one, for a
                // smaller scale.
                let cause = if i + 1 < self.rollouts[w].sets.len() {
                    DownCause::Rollout
                } else {
                    DownCause::Scaling
                };
                for pod in self.pods_to_delete(w, i, (active - spec) as usize, eng.now()) {
                    self.delete_pod_because(eng, pod, cause);
                }
            }
        }
    }

    /// The next `n` pods to delete from set `rs`. Ranking every pod for each deletion made a
    /// rollout quadratic in the replicas (one deletion per pod that turns Ready), so the order
    /// is kept and reused for up to 1 s of simulated time, or until a member joins or turns
    /// not-Ready; pods that left the set meanwhile are skipped.
    fn pods_to_delete(&mut self, w: usize, rs: usize, n: usize, now: SimTime) -> Vec<PodId> {
        let mut out = Vec::with_capacity(n);
        for attempt in 0..2 {
            let set = &self.rollouts[w].sets[rs];
            let fresh = set
                .order_at
                .is_some_and(|t| now.since(t) <= SimDuration::from_secs(1));
            if !fresh || attempt == 1 {
                let order = self.ranked(w, rs, now);
                let set = &mut self.rollouts[w].sets[rs];
                set.order = order;
                set.order_at = Some(now);
                set.order_next = 0;
                out.clear();
            }
            let set = &self.rollouts[w].sets[rs];
            let (version, mut next) = (set.version, set.order_next);
            while out.len() < n && next < set.order.len() {
                let pod = set.order[next];
                next += 1;
                let member = self.pods.is_live(pod) && {
                    let p = &self.pods[pod];
                    p.version == version && !p.deleting && p.phase != PodPhase::Gone
                };
                if member {
                    out.push(pod);
                }
            }
            self.rollouts[w].sets[rs].order_next = next;
            if out.len() == n {
                break;
            }
        }
        out
    }

    /// `getPodsToDelete`: the ReplicaSet's active pods in `ActivePodsWithRanks` order —
    /// unscheduled first, Pending before Unknown before Running, not Ready before Ready, more
    /// pods of the workload on the same node first, the more recently Ready first (log2
    /// buckets), more restarts first, newer first.
    fn ranked(&self, w: usize, rs: usize, now: SimTime) -> Vec<PodId> {
        let mut pods: Vec<(_, PodId)> = self.rollouts[w].sets[rs]
            .active
            .iter()
            .filter_map(|&o| self.live_pod(w, o))
            .map(|pod| {
                let p = &self.pods[pod];
                let phase = match p.node {
                    None => 0,
                    Some(node) if !self.nodes[node.0 as usize].cp_ready => 1,
                    Some(_) if p.phase == PodPhase::Pending => 0,
                    Some(_) => 2,
                };
                let rank = p.node.map_or(0, |node| self.placement.count(w, node));
                let ready_bucket = if p.api_ready {
                    let age = now.since(p.ready_at).0.max(1);
                    63 - age.leading_zeros()
                } else {
                    0
                };
                let key = (
                    p.node.is_some(),
                    phase,
                    p.api_ready,
                    std::cmp::Reverse(rank),
                    ready_bucket,
                    std::cmp::Reverse(p.restarts),
                    std::cmp::Reverse(p.ordinal),
                );
                (key, pod)
            })
            .collect();
        pods.sort_unstable_by_key(|x| x.0);
        pods.into_iter().map(|x| x.1).collect()
    }

    /// StatefulSet RollingUpdate: once every ordinal is Running and Ready (OrderedReady),
    /// delete the highest ordinal at or above `partition` still on the old revision; it is
    /// recreated on the new one by the next reconcile. One pod at a time.
    pub(super) fn statefulset_update(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let wl = &self.sc.workloads[w];
        let ro = &self.rollouts[w];
        let replicas = ro.replicas;
        if ro.update_revision == ro.current_revision || self.wix[w].first_blocking().is_some() {
            return;
        }
        let target = ro.update_revision;
        if wl.rollout.min_ready.0 == 0 {
            // Every ordinal is Running and Ready (nothing blocks), so each is available: the
            // walk from the top stops at the highest ordinal still on an old revision. Found
            // in the per-revision sets in O(log n) instead of walking the updated ones.
            let highest_old = ro
                .sets
                .iter()
                .filter(|s| s.version != target)
                .filter_map(|s| s.active.range(wl.rollout.partition..replicas).next_back())
                .max()
                .copied();
            match highest_old {
                Some(o) => {
                    let pod = self
                        .live_pod(w, o)
                        .expect("an active ordinal has a live pod");
                    self.delete_pod_because(eng, pod, DownCause::Rollout);
                }
                None => self.rollouts[w].current_revision = target,
            }
            return;
        }
        for ordinal in (wl.rollout.partition..replicas).rev() {
            let Some(pod) = self.live_pod(w, ordinal) else {
                return;
            };
            let p = &self.pods[pod];
            if p.version != target && !p.deleting {
                self.delete_pod_because(eng, pod, DownCause::Rollout);
                return;
            }
            if !self.available(pod, now, wl.rollout.min_ready) {
                return;
            }
        }
        self.rollouts[w].current_revision = target;
    }

    /// Progress bookkeeping after a sync: completion (every pod updated and available, no
    /// old pod left) or a moved count; the progress deadline is only a condition.
    pub(super) fn rollout_progress(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let Some(mut pr) = self.rollouts[w].progress else {
            return;
        };
        let wl = &self.sc.workloads[w];
        let replicas = self.rollouts[w].replicas;
        let status = match wl.kind {
            WorkloadKind::Deployment => {
                let n = self.rollouts[w].sets.len();
                let updated = self.rollouts[w].sets[n - 1].active.len() as u32;
                let all: u32 = self.rollouts[w]
                    .sets
                    .iter()
                    .map(|s| s.active.len() as u32)
                    .sum();
                let avail = self.rs_available(w, n - 1, now);
                (updated, all - updated, self.wix[w].ready, avail)
            }
            WorkloadKind::StatefulSet => {
                let ro = &self.rollouts[w];
                let updated = ro
                    .sets
                    .iter()
                    .find(|s| s.version == ro.update_revision)
                    .map_or(0, |s| s.active.len() as u32);
                let done = u32::from(ro.current_revision == ro.update_revision);
                (
                    updated,
                    replicas.saturating_sub(updated),
                    self.wix[w].ready,
                    done,
                )
            }
        };
        let (u, o, r, a) = pr.last_status;
        if status.0 > u || status.1 < o || status.2 > r || status.3 > a {
            pr.last_progress = now;
        }
        pr.last_status = status;
        let complete = match wl.kind {
            WorkloadKind::Deployment => {
                status.0 == replicas && status.1 == 0 && status.3 == replicas
            }
            WorkloadKind::StatefulSet => status.3 == 1,
        };
        if complete {
            let took = now.since(pr.started);
            self.rec.rollout_done(w, took.as_secs_f64());
            self.log(now, TraceKind::RolloutComplete, |w2| {
                (
                    w2.sc.workloads[w].name.clone(),
                    format!("after {:.3} s", took.as_secs_f64()),
                )
            });
            let ro = &mut self.rollouts[w];
            ro.progress = None;
            let newest = ro.newest();
            ro.sets
                .retain(|s| s.version == newest || !s.active.is_empty());
            return;
        }
        self.rollouts[w].progress = Some(pr);
        self.schedule_deadline_check(eng, w);
    }

    /// A check at `last_progress + progress_deadline + 1 s` (`requeueStuckDeployment`).
    /// StatefulSets have no progress deadline.
    fn schedule_deadline_check(&mut self, eng: &mut Eng, w: usize) {
        let Some(pr) = self.rollouts[w].progress else {
            return;
        };
        if self.sc.workloads[w].kind == WorkloadKind::StatefulSet {
            return;
        }
        if pr.timed_out {
            return;
        }
        let at = pr.last_progress
            + self.sc.workloads[w].rollout.progress_deadline
            + SimDuration::from_secs(1);
        if at > eng.now() {
            eng.schedule_at(at, Event::RolloutDeadlineDue { workload: w as u32 });
        }
    }

    /// `ProgressDeadlineExceeded`: the rollout is stalled (reported; nothing stops or rolls
    /// back, as in Kubernetes).
    pub(super) fn rollout_deadline(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let deadline = self.sc.workloads[w].rollout.progress_deadline;
        let Some(pr) = &mut self.rollouts[w].progress else {
            return;
        };
        if pr.timed_out || now.since(pr.last_progress) <= deadline {
            return;
        }
        pr.timed_out = true;
        self.rec.rollout_stalled(w);
        self.log(now, TraceKind::RolloutStalled, |w2| {
            (
                w2.sc.workloads[w].name.clone(),
                format!("no progress for {deadline}"),
            )
        });
    }

    /// A pod became Ready: with `min_ready`, its availability is seen `min_ready + 1 s`
    /// later (the ReplicaSet controller's re-sync), when the rollout must look again.
    pub(super) fn rollout_pod_ready(&mut self, eng: &mut Eng, w: usize) {
        let min_ready = self.sc.workloads[w].rollout.min_ready;
        if self.rollouts[w].progress.is_some() && min_ready.0 > 0 {
            eng.schedule_in(
                min_ready + SimDuration::from_secs(1),
                Event::RolloutSyncDue { workload: w as u32 },
            );
        }
    }
}
