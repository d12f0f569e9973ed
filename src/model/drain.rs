//! `kubectl drain` (the `drain_node` fault): cordon the node, evict every pod on it at
//! once through the Eviction API, retry each refused eviction every 5 s until it succeeds;
//! a `for:` ends the drain and uncordons the node.
//!
//! As `k8s.io/kubectl/pkg/drain`: one eviction loop per pod, all started together, a fixed
//! 5 s sleep after a 429, no `--timeout`. Cost follows change: a refused eviction costs no
//! event per 5 s poll; it waits until a pod of its workload becomes Ready (the only change
//! that can open its budget) and is then retried at its next 5 s tick
//! (`World::wake_waiters`), which is when polling would first succeed. Simplified: no DaemonSet or mirror pods exist
//! here; the wait for deletion (1 s polls) is not modelled because nothing waits on it;
//! the uncordon at `for:` also stops the retries still pending (the operator ends the
//! drain), where a real `kubectl drain` would have to be interrupted first.

use super::*;

/// kubectl's fixed wait after a refused eviction.
pub const EVICTION_RETRY: SimDuration = SimDuration::from_secs(5);

impl World<'_> {
    /// Cordon `node` and evict its pods; `duration` schedules the uncordon.
    pub(super) fn drain_node(
        &mut self,
        eng: &mut Eng,
        node: NodeId,
        duration: Option<SimDuration>,
    ) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        n.drain_gen += 1;
        let drain = n.drain_gen;
        if !n.cordoned {
            n.cordoned = true;
            self.placement.set_ready(node, false);
            self.log(now, TraceKind::Cordoned, |w| {
                (w.node_name(node), String::new())
            });
        }
        if let Some(d) = duration {
            eng.schedule_in(d, Event::UncordonDue { node, drain });
        }
        for pod in self.nodes[node.0 as usize].pods.clone() {
            self.try_evict(eng, pod, drain);
        }
    }

    /// One eviction attempt of a drain; a refusal is retried in 5 s.
    pub(super) fn try_evict(&mut self, eng: &mut Eng, pod: PodId, drain: u32) {
        let Some(node) = self.pods[pod].node else {
            return;
        };
        let n = &self.nodes[node.0 as usize];
        if !n.cordoned || n.drain_gen != drain {
            return;
        }
        let cause = if self.ca.scaling_down(node) {
            DownCause::Scaling
        } else {
            DownCause::Drain
        };
        if let Err(refused) = self.evict_because(eng, pod, cause) {
            let st = refused.0;
            self.log(eng.now(), TraceKind::EvictionRefused, |w| {
                let detail = format!(
                    "healthy {} desired {} allowed 0",
                    st.healthy, st.desired_healthy
                );
                (w.pod_name(pod), detail)
            });
            self.wait_for_budget(pod, drain, eng.now());
        }
    }

    /// `evict`, booking a serving drop it causes to `cause`; a refusal leaves the pod as it was.
    fn evict_because(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        cause: DownCause,
    ) -> Result<(), disruption::Refused> {
        let before = self.pods[pod].down_cause;
        self.disrupt(pod, cause);
        let r = self.evict(eng, pod);
        if r.is_err() && self.pods.is_live(pod) {
            self.pods[pod].down_cause = before;
        }
        r
    }

    /// The drain's `for:` is over: the node takes pods again.
    pub(super) fn uncordon(&mut self, eng: &mut Eng, node: NodeId) {
        let now = eng.now();
        let n = &mut self.nodes[node.0 as usize];
        n.cordoned = false;
        n.drain_gen += 1;
        let ready = n.cp_ready;
        self.placement.set_ready(node, ready);
        self.log(now, TraceKind::Uncordoned, |w| {
            (w.node_name(node), String::new())
        });
        self.retry_unschedulable(eng);
    }
}
