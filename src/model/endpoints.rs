//! Pod readiness on its way to the balancers: kubelet result → API Ready condition →
//! EndpointSlice → kube-proxy, the last hop after `endpoint_delay`; and the *serving* flag
//! (process answers and endpoints list it) that availability counts.

use super::*;
use crate::scenario::WorkloadKind;

impl World<'_> {
    /// The kubelet's readiness result changed; it reaches the API only if the node can talk.
    pub(super) fn kubelet_readiness(&mut self, eng: &mut Eng, pod: PodId, ready: bool) {
        let p = &mut self.pods[pod];
        p.kubelet_ready = ready;
        if p.node.is_some_and(|n| self.nodes[n.0 as usize].reachable()) {
            self.set_api_ready(eng, pod, ready);
        }
    }

    /// The pod's Ready condition in the API server.
    pub(super) fn set_api_ready(&mut self, eng: &mut Eng, pod: PodId, ready: bool) {
        let p = &mut self.pods[pod];
        if p.api_ready == ready {
            return;
        }
        p.api_ready = ready;
        p.ready_changed = eng.now();
        if ready {
            p.ready_at = eng.now();
        }
        let w = p.workload;
        self.log(eng.now(), TraceKind::Ready, |w| {
            (w.pod_name(pod), ready.to_string())
        });
        self.reindex_pod(pod);
        self.push_endpoint(eng, pod);
        if self.sc.workloads[w].kind == WorkloadKind::StatefulSet
            || self.rollouts[w].progress.is_some()
        {
            // OrderedReady and rolling updates wait on readiness.
            self.reconcile(eng, w);
            if ready {
                self.rollout_pod_ready(eng, w);
            }
        }
    }

    /// EndpointSlice `ready` = Ready and not terminating; balancers see it after the delay.
    pub(super) fn push_endpoint(&mut self, eng: &mut Eng, pod: PodId) {
        let p = &mut self.pods[pod];
        let want = p.api_ready && !p.deleting && p.phase == PodPhase::Bound;
        if want == p.ep_target {
            return;
        }
        p.ep_target = want;
        p.ep_version += 1;
        let version = p.ep_version;
        let delay = self
            .sc
            .control_plane
            .endpoint_delay
            .sample(&mut self.rng.control_plane);
        eng.schedule_in(
            delay,
            Event::EndpointsUpdated {
                pod,
                version,
                ready: want,
            },
        );
    }

    /// A later update may arrive first when delays are random: only newer versions apply.
    pub(super) fn endpoints_updated(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        version: u32,
        ready: bool,
    ) {
        let now = eng.now();
        let p = &mut self.pods[pod];
        if version <= p.ep_applied {
            return;
        }
        if p.phase == PodPhase::Gone {
            // The object went while kube-proxy still listed it: now the rules go too.
            if version == p.ep_version {
                p.in_endpoints = false;
                p.ep_applied = version;
                self.endpoints_membership(pod, false);
                self.pods.free(pod);
            }
            return;
        }
        p.ep_applied = version;
        p.in_endpoints = ready;
        self.endpoints_membership(pod, ready);
        self.log(now, TraceKind::Endpoints, |w| {
            (
                w.pod_name(pod),
                (if ready { "add" } else { "remove" }).to_string(),
            )
        });
        self.refresh_serving(now, pod);
    }

    /// `cause` disrupts `pod`: a serving drop that follows is booked to it. A pod already
    /// out of serving keeps the cause that took it out.
    pub(super) fn disrupt(&mut self, pod: PodId, cause: DownCause) {
        let p = &mut self.pods[pod];
        if p.serving {
            p.down_cause = cause;
        }
    }

    /// `delete_pod`, booking a serving drop it causes to `cause`.
    pub(super) fn delete_pod_because(&mut self, eng: &mut Eng, pod: PodId, cause: DownCause) {
        self.disrupt(pod, cause);
        self.delete_pod(eng, pod);
    }

    pub(super) fn refresh_serving(&mut self, now: SimTime, pod: PodId) {
        let p = &mut self.pods[pod];
        let serving = p.proc == Proc::Listening && !p.hung && !p.draining && p.in_endpoints;
        if serving != p.serving {
            p.serving = serving;
            let (w, cause) = (p.workload, p.down_cause);
            if serving {
                // A later drop is explained by whatever disrupts the pod from now on.
                p.down_cause = DownCause::Other;
            }
            self.rec
                .serving_changed(w, now, if serving { 1 } else { -1 }, cause);
            self.log(now, TraceKind::Serving, |w| {
                (
                    w.pod_name(pod),
                    (if serving { "on" } else { "off" }).to_string(),
                )
            });
        }
    }
}
