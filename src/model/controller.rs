//! Workload controllers: the ReplicaSet behind a Deployment (replace any pod that is gone or
//! being deleted, at once) and the StatefulSet (stable ordinals, OrderedReady, never two pods
//! of one ordinal: a replacement waits until the old pod object is gone).

use super::*;
use crate::scenario::WorkloadKind;

impl World<'_> {
    pub(super) fn reconcile(&mut self, eng: &mut Eng, w: usize) {
        let wl = &self.sc.workloads[w];
        match wl.kind {
            WorkloadKind::Deployment => {
                debug_assert_eq!(
                    self.wix[w].active as usize,
                    self.pods
                        .iter()
                        .filter(|p| p.workload == w && p.phase != PodPhase::Gone && !p.deleting)
                        .count(),
                    "active-pod index of workload {w} (the old scan is its oracle)"
                );
                for _ in self.wix[w].active..wl.replicas {
                    let ordinal = self.next_ordinal[w];
                    self.next_ordinal[w] += 1;
                    self.create_pod(eng, w, ordinal);
                }
            }
            WorkloadKind::StatefulSet => {
                // OrderedReady: go on only past pods that are Running and Ready, so act on
                // the first ordinal that is not: create it if missing, else wait for it.
                if let Some(ordinal) = self.wix[w].first_blocking()
                    && self.live_pod(w, ordinal).is_none()
                {
                    self.create_pod(eng, w, ordinal);
                }
            }
        }
    }

    fn create_pod(&mut self, eng: &mut Eng, w: usize, ordinal: u32) {
        let now = eng.now();
        let id = self.pods.insert(Pod {
            workload: w,
            ordinal,
            node: None,
            phase: PodPhase::Pending,
            deleting: false,
            proc: Proc::None,
            hung: false,
            draining: false,
            cgen: 0,
            hang_gen: 0,
            container_start: now,
            started: false,
            killing: false,
            kubelet_ready: false,
            api_ready: false,
            ep_target: false,
            ep_version: 0,
            ep_applied: 0,
            in_endpoints: false,
            serving: false,
            scheduling_queued: false,
            backoff: None,
            backoff_expired: true,
            probes: Default::default(),
            restarts: 0,
            server: if self.has_traffic {
                server::PodServer::new(self.sc.workloads[w].server.concurrency, now)
            } else {
                server::PodServer::default()
            },
            consecutive_errors: 0,
            ejected_until: SimTime::ZERO,
            indexed: Default::default(),
        });
        self.index_new_pod(id);
        self.rec.replicas_changed(w, now, 1);
        self.log(now, TraceKind::Created, |w| (w.pod_name(id), String::new()));
        self.queue_scheduling(eng, id);
    }
}
