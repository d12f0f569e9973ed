//! The disruption controller's state (per-workload PodDisruptionBudget status and its
//! `DisruptedPods`) and the Eviction API verb, `World::evict`, that honours it.
//!
//! As in Kubernetes (`pkg/controller/disruption`, `pkg/registry/core/pod/storage/eviction.go`):
//! - healthy = Ready (the pod condition) and not being deleted, and not in `DisruptedPods`;
//! - desiredHealthy = `min_available` (a percentage of the replicas rounded up) or
//!   replicas − `max_unavailable` (rounded up), at least 0;
//! - disruptionsAllowed = healthy − desiredHealthy, at least 0 (0 without replicas);
//! - an eviction is refused (429) when disruptionsAllowed is 0; an allowed one records the
//!   pod in `DisruptedPods` (it stops counting as healthy until it is gone or 2 min pass)
//!   before the graceful delete, so two evictions in one instant cannot share one unit;
//! - pods that are not running yet or already terminating are deleted without a check
//!   (`canIgnorePDB`), and an unready pod is evicted without spending budget while the
//!   budget is met (`IfHealthyBudget`, the default `unhealthyPodEvictionPolicy`).
//!
//! Simplified: Kubernetes' controller recomputes the status asynchronously (and an eviction
//! against a status it has not observed yet gets 429); here the status is computed
//! synchronously at each eviction from the indexes, which is what the controller converges
//! to. expectedCount is the workload's `replicas` (for an integer `min_available`
//! Kubernetes counts the matching pods instead, which differs only while pods are missing).
//! Only evictions consult the budget: node failure and taint eviction delete directly.

use super::*;
use crate::scenario::{Pdb, PdbValue};

/// How long an eviction's entry in `DisruptedPods` keeps the pod out of the healthy count
/// (`DeletionTimeout`).
pub const DISRUPTED_POD_TIMEOUT: SimDuration = SimDuration::from_secs(120);

/// A PDB's status at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetStatus {
    pub expected: u32,
    pub healthy: u32,
    pub desired_healthy: u32,
    pub disruptions_allowed: u32,
}

/// `GetScaledValueFromIntOrPercent(…, roundUp=true)`.
fn scaled(v: PdbValue, expected: u32) -> u32 {
    match v {
        PdbValue::Count(n) => n,
        PdbValue::Percent(p) => (u64::from(p) * u64::from(expected)).div_ceil(100) as u32,
    }
}

/// `updatePdbStatus`: the budget from the expected and healthy counts.
pub fn budget(pdb: Pdb, expected: u32, healthy: u32) -> BudgetStatus {
    let desired_healthy = match pdb {
        Pdb::MinAvailable(v) => scaled(v, expected),
        Pdb::MaxUnavailable(v) => expected.saturating_sub(scaled(v, expected)),
    };
    let disruptions_allowed = if expected == 0 {
        0
    } else {
        healthy.saturating_sub(desired_healthy)
    };
    BudgetStatus {
        expected,
        healthy,
        desired_healthy,
        disruptions_allowed,
    }
}

/// Why an eviction was refused (HTTP 429), with the status it was judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused(pub BudgetStatus);

/// A refused drain eviction waiting for its budget: kubectl retries it at
/// `refused + k · 5 s`, under drain generation `drain` of its node.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    pod: PodId,
    drain: u32,
    refused: SimTime,
}

/// Per workload: the pods evicted recently (`status.disruptedPods`) and when, and the
/// refused drain evictions waiting for the budget to grow.
#[derive(Default)]
pub struct Disruption {
    disrupted: Vec<Vec<(PodId, SimTime)>>,
    waiting: Vec<Vec<Waiter>>,
    /// Workloads whose budget may have grown since the last event (a pod became Ready).
    woken: Vec<usize>,
}

impl Disruption {
    pub fn new(workloads: usize) -> Self {
        Disruption {
            disrupted: vec![Vec::new(); workloads],
            waiting: vec![Vec::new(); workloads],
            woken: Vec::new(),
        }
    }

    /// A pod of workload `w` became Ready: its refused evictions may now succeed.
    pub fn ready_rose(&mut self, w: usize) {
        if !self.waiting[w].is_empty() && !self.woken.contains(&w) {
            self.woken.push(w);
        }
    }

    /// Anything to wake after this event (checked by the dispatcher, O(1)).
    pub fn has_woken(&self) -> bool {
        !self.woken.is_empty()
    }
}

impl World<'_> {
    /// `buildDisruptedPodMap` + `countHealthyPods`: drops entries that expired or whose pod
    /// is terminating or gone, then the status of workload `w`'s budget now.
    pub(super) fn budget_status(&mut self, w: usize, pdb: Pdb, now: SimTime) -> BudgetStatus {
        let pods = &self.pods;
        let list = &mut self.disruption.disrupted[w];
        list.retain(|&(pod, at)| {
            now < at + DISRUPTED_POD_TIMEOUT && pods.is_live(pod) && !pods[pod].deleting
        });
        // The index counts Ready pods not being deleted; pods still listed as disrupted are
        // not healthy either (with synchronous deletes the list holds none of them).
        let still_counted = list
            .iter()
            .filter(|&&(pod, _)| pods[pod].api_ready && pods[pod].phase == PodPhase::Bound)
            .count() as u32;
        let healthy = self.wix[w].ready - still_counted;
        budget(pdb, self.rollouts[w].replicas, healthy)
    }

    /// A drain's eviction of `pod` was refused at `now`: it waits for the budget to grow.
    pub(super) fn wait_for_budget(&mut self, pod: PodId, drain: u32, now: SimTime) {
        let w = self.pods[pod].workload;
        self.disruption.waiting[w].push(Waiter {
            pod,
            drain,
            refused: now,
        });
    }

    /// Schedules the retries of the woken workloads' waiters at their next 5 s tick after
    /// now. Polling every 5 s gives the same outcomes: between two changes of the healthy
    /// count every poll is refused, so only the first tick after a change can succeed.
    pub(super) fn wake_waiters(&mut self, eng: &mut Eng) {
        let now = eng.now();
        let step = super::drain::EVICTION_RETRY.0;
        for w in std::mem::take(&mut self.disruption.woken) {
            for x in std::mem::take(&mut self.disruption.waiting[w]) {
                let ticks = (now.0 - x.refused.0) / step + 1;
                let at = SimTime(x.refused.0 + ticks * step);
                let (pod, drain) = (x.pod, x.drain);
                eng.schedule_at(at, Event::EvictionRetry { pod, drain });
            }
        }
    }

    /// The Eviction API (`POST pods/<name>/eviction`): a graceful delete if the pod's
    /// budget allows it, else `Refused` (429). Successful evictions are counted.
    pub(super) fn evict(&mut self, eng: &mut Eng, pod: PodId) -> Result<(), Refused> {
        let now = eng.now();
        let p = &self.pods[pod];
        let w = p.workload;
        // `canIgnorePDB`: Pending (unscheduled, or no container created yet) or terminating.
        // A pod whose node is down or cut off still reads Running in the API: it counts.
        let node_up = p.node.is_some_and(|n| self.nodes[n.0 as usize].reachable());
        let ignore = p.deleting || p.phase != PodPhase::Bound || (p.proc == Proc::None && node_up);
        let ready = p.api_ready;
        if let (Some(pdb), false) = (self.sc.workloads[w].pdb, ignore) {
            let st = self.budget_status(w, pdb, now);
            let unhealthy_ok = !ready && st.healthy >= st.desired_healthy && st.desired_healthy > 0;
            if !unhealthy_ok {
                if st.disruptions_allowed == 0 {
                    return Err(Refused(st));
                }
                self.disruption.disrupted[w].push((pod, now));
            }
        }
        let was_deleting = self.pods[pod].deleting;
        self.log(now, TraceKind::Evicted, |w| {
            let node = w.pods[pod].node.map(|n| w.node_name(n)).unwrap_or_default();
            (w.pod_name(pod), node)
        });
        if !was_deleting {
            self.rec.evicted(w, now);
        }
        self.delete_pod(eng, pod);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PdbValue::*;

    #[test]
    fn budgets_round_percentages_up() {
        // 3 replicas, minAvailable 2: 3 healthy − 2 = 1 disruption allowed.
        assert_eq!(
            budget(Pdb::MinAvailable(Count(2)), 3, 3).disruptions_allowed,
            1
        );
        // minAvailable 50 % of 3 = ⌈1.5⌉ = 2 desired: 3 − 2 = 1.
        assert_eq!(
            budget(Pdb::MinAvailable(Percent(50)), 3, 3).desired_healthy,
            2
        );
        // maxUnavailable 25 % of 10 = ⌈2.5⌉ = 3: desired 10 − 3 = 7; 9 healthy → 2.
        let st = budget(Pdb::MaxUnavailable(Percent(25)), 10, 9);
        assert_eq!((st.desired_healthy, st.disruptions_allowed), (7, 2));
        // Fewer healthy than desired: 0, never negative.
        assert_eq!(
            budget(Pdb::MinAvailable(Count(2)), 3, 1).disruptions_allowed,
            0
        );
        // maxUnavailable above the replicas: desired 0, every healthy pod may go.
        assert_eq!(
            budget(Pdb::MaxUnavailable(Count(5)), 3, 3).disruptions_allowed,
            3
        );
        // No replicas: nothing allowed.
        assert_eq!(
            budget(Pdb::MaxUnavailable(Count(1)), 0, 0).disruptions_allowed,
            0
        );
    }
}
