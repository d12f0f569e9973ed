//! Pods and their container: start-up, crashes, hangs, CrashLoopBackOff restarts, graceful
//! termination and removal.
//!
//! Termination follows the kubelet: preStop (the process keeps serving), SIGTERM (a healthy
//! process refuses new connections and exits after its own `shutdown` drain; a hung one
//! ignores it), SIGKILL at `termination_grace` from the deletion. After a node reboot, the
//! kubelet starts the pod's containers afresh (not counted as crash restarts).

use super::*;
use crate::scenario::PodFailures;

/// The start time and failures of the pod's template version: a rollout's pods take
/// `new_version` where it says something.
fn template<'s>(sc: &'s Scenario, p: &Pod) -> (&'s crate::dist::Dist, &'s PodFailures) {
    let wl = &sc.workloads[p.workload];
    match (&wl.new_version, p.version) {
        (Some(nv), v) if v > 0 => (
            nv.start.as_ref().unwrap_or(&wl.start),
            nv.failures.as_ref().unwrap_or(&wl.failures),
        ),
        _ => (&wl.start, &wl.failures),
    }
}

impl World<'_> {
    pub(super) fn start_container(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let w = &self.sc.workloads[self.pods[pod].workload];
        let start = template(self.sc, &self.pods[pod])
            .0
            .sample(&mut self.rng.startup);
        let has_startup = w.probes.startup.is_some();
        let p = &mut self.pods[pod];
        p.cgen += 1;
        p.proc = Proc::Starting;
        p.hung = false;
        p.draining = false;
        p.killing = false;
        p.container_start = now;
        p.started_at.get_or_insert(now);
        p.started = !has_startup;
        let cgen = p.cgen;
        self.reindex_pod(pod);
        self.hpa_container_started(pod, now);
        self.reset_server(pod, now);
        self.log(now, TraceKind::ContainerStart, |w| {
            (w.pod_name(pod), String::new())
        });
        eng.schedule_in(start, Event::ProcessListening { pod, cgen });
        // A new container's readiness starts as Failure.
        self.kubelet_readiness(eng, pod, false);
        self.probes_container_started(eng, pod);
        // (Ready may have got the pod deleted and removed at once: see `container_started`.)
        if self.pods.is_live(pod) {
            self.refresh_serving(now, pod);
        }
    }

    pub(super) fn process_listening(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        self.reset_server(pod, now);
        let p = &mut self.pods[pod];
        p.proc = Proc::Listening;
        let cgen = p.cgen;
        let failures = template(self.sc, p).1;
        if let Some(d) = &failures.crash {
            eng.schedule_in(
                d.sample(&mut self.rng.pod_faults),
                Event::ProcessCrashed { pod, cgen },
            );
        }
        if let Some(d) = &failures.hang {
            eng.schedule_in(
                d.sample(&mut self.rng.pod_faults),
                Event::ProcessHung { pod, cgen },
            );
        }
        self.log(now, TraceKind::Listening, |w| {
            (w.pod_name(pod), String::new())
        });
        self.probes_outcome_changed(eng, pod);
        self.refresh_serving(now, pod);
    }

    /// The process stops answering (it stays up). `duration: None` = until restarted.
    pub(super) fn hang(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        duration: Option<SimDuration>,
        scripted: bool,
    ) {
        let now = eng.now();
        let p = &mut self.pods[pod];
        if p.proc != Proc::Listening || p.hung {
            return;
        }
        p.hung = true;
        p.hang_gen += 1;
        if p.serving {
            p.down_cause = DownCause::Hang;
        }
        let (cgen, hang) = (p.cgen, p.hang_gen);
        if let Some(d) = duration {
            let ev = if scripted {
                Event::ScriptedHangEnded { pod, cgen, hang }
            } else {
                Event::HangEnded { pod, cgen, hang }
            };
            eng.schedule_in(d, ev);
        }
        self.log(now, TraceKind::Hang, |w| (w.pod_name(pod), String::new()));
        self.server_hung(eng, pod);
        self.probes_outcome_changed(eng, pod);
        self.refresh_serving(now, pod);
    }

    pub(super) fn unhang(&mut self, eng: &mut Eng, pod: PodId, scripted: bool) {
        let now = eng.now();
        let p = &mut self.pods[pod];
        p.hung = false;
        let cgen = p.cgen;
        if !scripted && let Some(d) = &template(self.sc, &self.pods[pod]).1.hang {
            eng.schedule_in(
                d.sample(&mut self.rng.pod_faults),
                Event::ProcessHung { pod, cgen },
            );
        }
        self.log(now, TraceKind::HangEnded, |w| {
            (w.pod_name(pod), String::new())
        });
        self.reset_server(pod, now);
        self.probes_outcome_changed(eng, pod);
        self.refresh_serving(now, pod);
    }

    /// The container's process exited (crash, kill, SIGTERM). Readiness fails at once; the
    /// kubelet restarts it under CrashLoopBackOff unless the pod is being deleted.
    pub(super) fn exit_container(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let backoff_cfg = self.sc.workloads[self.pods[pod].workload].restart_backoff;
        let p = &mut self.pods[pod];
        if p.serving && !p.deleting {
            // Not a deletion's SIGTERM: a crash, `kill_pod` or a liveness kill.
            p.down_cause = DownCause::Crash;
        }
        p.proc = Proc::Exited;
        p.hung = false;
        p.draining = false;
        p.killing = false;
        p.cgen += 1;
        let cgen = p.cgen;
        for ps in &mut p.probes {
            ps.deactivate();
        }
        self.reindex_pod(pod);
        self.server_down(eng, pod);
        self.kubelet_readiness(eng, pod, false);
        self.refresh_serving(now, pod);
        if self.pods[pod].deleting {
            self.remove_pod(eng, pod);
            return;
        }
        // kubelet doBackOff: no entry, or an entry older than reset_after → restart now;
        // otherwise wait the current back-off from the exit.
        let p = &mut self.pods[pod];
        let (delay, expired) = match p.backoff {
            Some((b, last_restart)) if now.since(last_restart) <= backoff_cfg.reset_after => {
                (b, false)
            }
            _ => (SimDuration::ZERO, true),
        };
        p.backoff_expired = expired;
        self.log(now, TraceKind::Exited, |w| {
            (w.pod_name(pod), format!("restart-in {delay}"))
        });
        eng.schedule_in(delay, Event::RestartDue { pod, cgen });
    }

    pub(super) fn restart_container(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let cfg = self.sc.workloads[self.pods[pod].workload].restart_backoff;
        let p = &mut self.pods[pod];
        let next = match p.backoff {
            Some((b, _)) if !p.backoff_expired => SimDuration(b.0.saturating_mul(2)).min(cfg.max),
            _ => cfg.initial,
        };
        p.backoff = Some((next, now));
        p.restarts += 1;
        self.start_container(eng, pod);
    }

    /// The node died under the pod: its process is gone, and nobody can report it.
    /// The pod's node died: the process is gone, and requests in flight there hang until
    /// their clients' timeouts (a powered-off machine sends no TCP reset).
    pub(super) fn lose_with_node(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let p = &mut self.pods[pod];
        p.proc = Proc::None;
        p.hung = false;
        p.draining = false;
        p.killing = false;
        p.kubelet_ready = false;
        p.cgen += 1;
        for ps in &mut p.probes {
            ps.deactivate();
        }
        self.reindex_pod(pod);
        // Nothing in flight completes or is refused: as for a hang, each attempt times out.
        self.server_hung(eng, pod);
        self.refresh_serving(now, pod);
    }

    /// Liveness or startup failure: the kubelet kills the container.
    pub(super) fn probe_kill(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let grace = self.sc.workloads[self.pods[pod].workload].termination_grace;
        let p = &mut self.pods[pod];
        if p.killing {
            return;
        }
        p.killing = true;
        p.probes[ProbeKind::Liveness as usize].deactivate();
        p.probes[ProbeKind::Startup as usize].deactivate();
        self.log(now, TraceKind::ProbeKill, |w| {
            (w.pod_name(pod), String::new())
        });
        let p = &self.pods[pod];
        if p.hung {
            eng.schedule_in(grace, Event::GraceExpired { pod, cgen: p.cgen });
        } else {
            self.exit_container(eng, pod);
        }
    }

    /// The API server sets the pod's deletionTimestamp.
    pub(super) fn delete_pod(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let p = &mut self.pods[pod];
        if p.deleting || p.phase == PodPhase::Gone {
            return;
        }
        p.deleting = true;
        let (w, phase, node) = (p.workload, p.phase, p.node);
        self.fluid_routing.touch(pod);
        self.reindex_pod(pod);
        self.rec.replicas_changed(w, now, -1);
        self.log(now, TraceKind::Deleted, |w| {
            (w.pod_name(pod), String::new())
        });
        if phase == PodPhase::Pending {
            self.remove_pod(eng, pod);
            return;
        }
        self.push_endpoint(eng, pod);
        if node.is_some_and(|n| self.nodes[n.0 as usize].reachable()) {
            self.terminate(eng, pod);
        }
        self.reconcile(eng, w);
    }

    /// The kubelet carries out a deletion (liveness and startup stop): the preStop hook
    /// runs first (the process keeps serving), then SIGTERM; SIGKILL comes at
    /// `termination_grace`, counted from the start of preStop.
    pub(super) fn terminate(&mut self, eng: &mut Eng, pod: PodId) {
        let wl = &self.sc.workloads[self.pods[pod].workload];
        let (grace, pre_stop) = (wl.termination_grace, wl.pre_stop);
        let p = &mut self.pods[pod];
        p.probes[ProbeKind::Liveness as usize].deactivate();
        p.probes[ProbeKind::Startup as usize].deactivate();
        match p.proc {
            Proc::Listening | Proc::Starting => {
                if p.killing {
                    return;
                }
                p.killing = true;
                let cgen = p.cgen;
                eng.schedule_in(grace, Event::GraceExpired { pod, cgen });
                if pre_stop.0 == 0 {
                    self.sigterm(eng, pod);
                } else if pre_stop < grace {
                    eng.schedule_in(pre_stop, Event::SigtermDue { pod, cgen });
                }
            }
            Proc::None | Proc::Exited => self.remove_pod(eng, pod),
        }
    }

    /// SIGTERM: a hung process ignores it (SIGKILL at the grace end); one still starting
    /// exits; a listening one refuses new connections and exits after its own `shutdown`
    /// drain, or at SIGKILL if that comes first.
    pub(super) fn sigterm(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let p = &self.pods[pod];
        match p.proc {
            Proc::Listening if p.hung => {}
            Proc::Listening => {
                let drain = self.sc.workloads[p.workload]
                    .shutdown
                    .sample(&mut self.rng.termination);
                if drain.0 == 0 {
                    self.exit_container(eng, pod);
                    return;
                }
                let p = &mut self.pods[pod];
                p.draining = true;
                let cgen = p.cgen;
                eng.schedule_in(drain, Event::ShutdownDone { pod, cgen });
                self.refresh_serving(now, pod);
            }
            Proc::Starting => self.exit_container(eng, pod),
            Proc::None | Proc::Exited => {}
        }
    }

    /// The pod object is gone: its node's resources are free.
    pub(super) fn remove_pod(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        let res = self.sc.workloads[self.pods[pod].workload].resources;
        let p = &mut self.pods[pod];
        let was_bound = p.phase == PodPhase::Bound;
        let was_pending = p.phase == PodPhase::Pending;
        p.phase = PodPhase::Gone;
        p.proc = Proc::None;
        p.hung = false;
        p.draining = false;
        p.cgen += 1;
        // Balancers still listing the pod keep sending to it (refused: its process is gone)
        // until the removal pushed at deletion reaches them (`endpoint_delay`).
        let lag = p.in_endpoints && p.ep_applied != p.ep_version && !p.ep_target;
        if !lag {
            p.in_endpoints = false;
        }
        p.ep_target = false;
        for ps in &mut p.probes {
            ps.deactivate();
        }
        let (w, node) = (p.workload, p.node);
        self.server_down(eng, pod);
        if !lag {
            self.endpoints_membership(pod, false);
        }
        if let (true, Some(n)) = (was_bound, node) {
            let n = &mut self.nodes[n.0 as usize];
            n.pods.retain(|x| *x != pod);
            n.used.cpu_milli -= res.cpu_milli;
            n.used.memory_bytes -= res.memory_bytes;
            n.used_pods -= 1;
            self.placement
                .set_usage(node.expect("bound pods have a node"), n);
            self.rec.bound_changed(w, now, -1);
        } else if was_pending {
            self.rec.pending_changed(w, now, -1);
        }
        self.log(now, TraceKind::Removed, |w| {
            (w.pod_name(pod), String::new())
        });
        self.refresh_serving(now, pod);
        self.unindex_gone_pod(pod);
        self.reconcile(eng, w);
        self.retry_unschedulable(eng);
        if let (true, Some(n)) = (was_bound, node) {
            // A node the cluster autoscaler drains is deleted once empty.
            self.scale_down_pod_left(eng, n);
        }
    }
}
