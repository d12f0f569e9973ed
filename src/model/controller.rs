//! Workload controllers: the ReplicaSets behind a Deployment (replace any pod that is gone or
//! being deleted, at once; rolling updates in `rollout.rs`) and the StatefulSet (stable ordinals, OrderedReady, never two pods
//! of one ordinal: a replacement waits until the old pod object is gone).

use super::*;
use crate::scenario::WorkloadKind;

impl World<'_> {
    /// The workload's controllers react to a change: the deployment controller's rolling
    /// step, then each ReplicaSet's create/delete (Deployment), or OrderedReady creation then
    /// the rolling update (StatefulSet). A call made while one runs (a deletion it caused)
    /// only asks for another pass.
    pub(super) fn reconcile(&mut self, eng: &mut Eng, w: usize) {
        if self.rollouts[w].busy {
            self.rollouts[w].dirty = true;
            return;
        }
        self.rollouts[w].busy = true;
        for _ in 0..64 {
            self.rollouts[w].dirty = false;
            match self.sc.workloads[w].kind {
                WorkloadKind::Deployment => {
                    oracle_assert_eq!(
                        self.wix[w].active as usize,
                        self.pods
                            .iter()
                            .filter(|p| p.workload == w && p.phase != PodPhase::Gone && !p.deleting)
                            .count(),
                        "active-pod index of workload {w} (the old scan is its oracle)"
                    );
                    oracle_assert_eq!(
                        self.wix[w].active as usize,
                        self.rollouts[w]
                            .sets
                            .iter()
                            .map(|s| s.active.len())
                            .sum::<usize>(),
                        "ReplicaSets of workload {w} hold every active pod"
                    );
                    if self.rollouts[w].sets.len() > 1 {
                        self.deployment_sync(eng, w);
                    }
                    self.replica_sets_sync(eng, w);
                }
                WorkloadKind::StatefulSet => {
                    // OrderedReady: go on only past pods that are Running and Ready, so act
                    // on the first ordinal that is not: create it if missing, else wait.
                    if let Some(ordinal) = self.wix[w].first_blocking()
                        && self.live_pod(w, ordinal).is_none()
                    {
                        let ro = &self.rollouts[w];
                        let version = if ordinal < self.sc.workloads[w].rollout.partition {
                            ro.current_revision
                        } else {
                            ro.update_revision
                        };
                        self.create_pod(eng, w, ordinal, version);
                    }
                    self.statefulset_scale_down(eng, w);
                    self.statefulset_update(eng, w);
                }
            }
            self.rollout_progress(eng, w);
            if !self.rollouts[w].dirty {
                break;
            }
        }
        self.rollouts[w].busy = false;
    }

    pub(super) fn create_pod(&mut self, eng: &mut Eng, w: usize, ordinal: u32, version: u32) {
        let now = eng.now();
        let server = if self.has_traffic {
            server::PodServer::new(self.sc.workloads[w].server.concurrency, now)
        } else {
            server::PodServer::default()
        };
        let id = self.pods.insert(Pod::new(w, ordinal, version, now, server));
        let ro = &mut self.rollouts[w];
        ro.ordinal_high = ro.ordinal_high.max(ordinal + 1);
        self.index_new_pod(id);
        self.rec.replicas_changed(w, now, 1);
        self.rec.pending_changed(w, now, 1);
        self.log(now, TraceKind::Created, |w| (w.pod_name(id), String::new()));
        self.queue_scheduling(eng, id);
    }
}

impl World<'_> {
    /// A StatefulSet scaled below its pods: the highest ordinal at or above `replicas` is
    /// deleted, one at a time (the next once the previous is gone, as OrderedReady does).
    fn statefulset_scale_down(&mut self, eng: &mut Eng, w: usize) {
        let replicas = self.rollouts[w].replicas;
        for ordinal in (replicas..self.rollouts[w].ordinal_high).rev() {
            if let Some(pod) = self.live_pod(w, ordinal) {
                if !self.pods[pod].deleting {
                    self.delete_pod_because(eng, pod, DownCause::Scaling);
                }
                return;
            }
        }
    }
}
