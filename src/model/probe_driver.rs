//! Wires the probe workers (`probe.rs`) to pods: what each handler sees (tcp passes on a
//! hung process, http/grpc are served by the app, exec runs in the container), when
//! containers start and change state, and what a flipped result does (readiness →
//! endpoints, liveness/startup failure → kill).
//!
//! A probe whose outcome depends on the load — http/grpc on the shared path (queued behind
//! requests), on a dedicated path when the pod's CPU can saturate, tcp with a `backlog` —
//! is driven by one event per tick while the workload has traffic: its outcome is read
//! from the pod server's state at the tick (the lazy server knows when a request admitted
//! now would start), and the probe takes its place in the queue like a request that needs
//! no work. Every other probe stays event-driven. Oracle mode ticks every probe.

use super::probe::{Grid, PROBE_KINDS, ProbeCause};
use super::*;
use crate::scenario::{Probe, ProbeHandler, ProbePath, Scenario};

/// Whether the workload's busy workers can take its whole CPU request (concurrency ×
/// CPU per request ÷ mean service time ≥ request): then a dedicated health thread starves
/// while every worker is busy.
fn cpu_can_saturate(wl: &crate::scenario::Workload) -> bool {
    wl.resources.cpu_milli > 0
        && wl.server.concurrency as f64 * wl.server.cpu_per_request_s
            / wl.server.service_time.mean_s().max(1e-12)
            >= wl.resources.cpu_milli as f64 / 1000.0
}

/// Per workload and probe kind: whether the probe's outcome can depend on the load, so
/// that it must be sampled at every tick.
pub fn load_dependent(sc: &Scenario) -> Vec<[bool; 3]> {
    sc.workloads
        .iter()
        .enumerate()
        .map(|(w, wl)| {
            let traffic = sc
                .traffic
                .iter()
                .any(|t| !t.fluid && sc.services[t.service].workload == w);
            let cpu_can_saturate = cpu_can_saturate(wl);
            let depends = |p: Option<Probe>| {
                p.is_some_and(|p| {
                    traffic
                        && match p.handler {
                            ProbeHandler::Http | ProbeHandler::Grpc => {
                                p.path == ProbePath::Shared || cpu_can_saturate
                            }
                            ProbeHandler::Tcp => p.backlog.is_some(),
                            ProbeHandler::Exec => false,
                        }
                })
            };
            [
                depends(wl.probes.readiness),
                depends(wl.probes.liveness),
                depends(wl.probes.startup),
            ]
        })
        .collect()
}

/// Schedules the flip a worker planned.
fn schedule_flip(eng: &mut Eng, pod: PodId, kind: ProbeKind, plan: super::probe::FlipPlan) {
    eng.schedule_at(
        plan.at,
        Event::ProbeFlip {
            pod,
            kind,
            generation: plan.generation,
        },
    );
}

impl World<'_> {
    fn probe_cfg(&self, pod: PodId, kind: ProbeKind) -> Option<Probe> {
        let probes = &self.sc.workloads[self.pods[pod].workload].probes;
        match kind {
            ProbeKind::Readiness => probes.readiness,
            ProbeKind::Liveness => probes.liveness,
            ProbeKind::Startup => probes.startup,
        }
    }

    /// Whether this probe is sampled at every tick (oracle mode, or its outcome depends on
    /// the load).
    fn ticking(&self, pod: PodId, kind: ProbeKind) -> bool {
        self.opts.probe_oracle || self.probe_load[self.pods[pod].workload][kind as usize]
    }

    /// Outcome a probe gets now, when its result is recorded (a timeout after `timeout`,
    /// a served probe after its wait in the queue) and why it fails. `sample`: this is a
    /// probe really sent at a tick (a shared-path probe then takes its place in the queue).
    fn probe_outcome(
        &mut self,
        pod: PodId,
        cfg: &Probe,
        now: SimTime,
        sample: bool,
    ) -> (bool, SimDuration, ProbeCause) {
        let ok = (true, SimDuration::ZERO, ProbeCause::Down);
        let p = &self.pods[pod];
        if p.proc != Proc::Listening {
            // Nothing listens: the connection is refused, the command finds no process.
            return (false, SimDuration::ZERO, ProbeCause::Down);
        }
        let hung = (false, cfg.timeout, ProbeCause::Hang);
        match cfg.handler {
            // The kernel completes the handshake from the listen backlog: a hung process
            // passes until the backlog is full.
            ProbeHandler::Tcp => match cfg.backlog {
                Some(b) if p.hung && self.pending_connections(pod, now) >= b as usize => hung,
                _ => ok,
            },
            ProbeHandler::Exec if p.hung => hung,
            ProbeHandler::Exec => ok,
            ProbeHandler::Http | ProbeHandler::Grpc if p.hung => hung,
            ProbeHandler::Http | ProbeHandler::Grpc => {
                if !self.probe_load[p.workload].iter().any(|&d| d) {
                    return ok;
                }
                self.served_probe(pod, cfg, now, sample)
            }
        }
    }

    /// An http/grpc probe answered by a listening, unhung process under load: on the shared
    /// path it waits for a worker like any request (refused when the queue is full); on a
    /// dedicated path it fails only when every worker is busy and their CPU demand takes the
    /// pod's whole CPU request (no headroom for the health thread).
    fn served_probe(
        &mut self,
        pod: PodId,
        cfg: &Probe,
        now: SimTime,
        sample: bool,
    ) -> (bool, SimDuration, ProbeCause) {
        let wl = &self.sc.workloads[self.pods[pod].workload];
        let server = &mut self.pods[pod].server;
        let timeout = (false, cfg.timeout, ProbeCause::Load);
        match cfg.path {
            ProbePath::Dedicated => {
                let all_busy = server.start_time(now, u32::MAX).is_some_and(|s| s > now);
                if all_busy && cpu_can_saturate(wl) {
                    timeout
                } else {
                    (true, SimDuration::ZERO, ProbeCause::Down)
                }
            }
            ProbePath::Shared => match server.start_time(now, wl.server.queue) {
                None => (false, SimDuration::ZERO, ProbeCause::Load),
                Some(start) => {
                    if sample {
                        // Holds a queue place until a worker takes it; the health handler
                        // itself costs no time.
                        server.admit(now, start, start);
                    }
                    let wait = start.since(now);
                    if wait >= cfg.timeout {
                        timeout
                    } else {
                        (true, wait, ProbeCause::Down)
                    }
                }
            },
        }
    }

    /// Requests waiting at a (hung) pod: the connections in its listen backlog.
    fn pending_connections(&mut self, pod: PodId, now: SimTime) -> usize {
        self.pods[pod].server.settle(now, &mut self.settled);
        if !self.settled.is_empty() {
            self.record_settled();
        }
        self.pods[pod].server.in_flight.len()
    }

    /// The kubelet creates the pod's probe workers: each ticker gets a uniform phase.
    pub(super) fn init_probe_workers(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        for kind in PROBE_KINDS {
            let Some(cfg) = self.probe_cfg(pod, kind) else {
                continue;
            };
            let phase =
                SimDuration((crate::rng::unit(&mut self.rng.kubelet) * cfg.period.0 as f64) as u64);
            let grid = Grid {
                base: now + phase,
                period: cfg.period,
                extra: None,
            };
            self.pods[pod].probes[kind as usize].grid = grid;
            if self.ticking(pod, kind) {
                eng.schedule_at(grid.base, Event::ProbeTick { pod, kind });
            }
        }
    }

    fn activate_probe(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        kind: ProbeKind,
        result: Option<bool>,
        extra: Option<SimTime>,
    ) {
        let Some(cfg) = self.probe_cfg(pod, kind) else {
            return;
        };
        let now = eng.now();
        let floor = now.max(self.pods[pod].container_start + cfg.initial_delay);
        let (outcome, latency, cause) = self.probe_outcome(pod, &cfg, now, false);
        let ticking = self.ticking(pod, kind);
        let ps = &mut self.pods[pod].probes[kind as usize];
        ps.activate(floor, result, outcome, latency, extra);
        ps.cause = cause;
        if ticking {
            if ps.grid.extra.is_some_and(|e| e == now) {
                self.probe_sample(eng, pod, kind);
            }
        } else if let Some(plan) = ps.plan(&cfg, now) {
            schedule_flip(eng, pod, kind, plan);
        }
    }

    /// A container was (re)started: startup probing begins, or the container counts as started.
    pub(super) fn probes_container_started(&mut self, eng: &mut Eng, pod: PodId) {
        for ps in &mut self.pods[pod].probes {
            ps.deactivate();
        }
        if self.probe_cfg(pod, ProbeKind::Startup).is_some() {
            self.activate_probe(eng, pod, ProbeKind::Startup, None, None);
        } else {
            self.container_started(eng, pod);
        }
    }

    /// Startup succeeded (or there is no startup probe): readiness is probed at once (the
    /// kubelet's manual trigger) and then on its ticks; liveness starts.
    fn container_started(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        self.pods[pod].started = true;
        if self.probe_cfg(pod, ProbeKind::Readiness).is_some() {
            self.activate_probe(eng, pod, ProbeKind::Readiness, Some(false), Some(now));
        } else {
            // Without a readiness probe a running, started container is Ready.
            self.kubelet_readiness(eng, pod, true);
        }
        // Ready may have let a controller delete the pod at once (a StatefulSet update of
        // an old-revision pod that only now started): its slot is gone, or already reused.
        if !self.pods.is_live(pod) {
            return;
        }
        self.activate_probe(eng, pod, ProbeKind::Liveness, Some(true), None);
    }

    /// The container's state changed (listening, hung, hang over): workers re-plan.
    pub(super) fn probes_outcome_changed(&mut self, eng: &mut Eng, pod: PodId) {
        let now = eng.now();
        for kind in PROBE_KINDS {
            let Some(cfg) = self.probe_cfg(pod, kind) else {
                continue;
            };
            if self.ticking(pod, kind) {
                continue;
            }
            let (outcome, latency, cause) = self.probe_outcome(pod, &cfg, now, false);
            let ps = &mut self.pods[pod].probes[kind as usize];
            if ps.active && (outcome != ps.outcome || latency != ps.latency) {
                ps.cause = cause;
            }
            if let Some(plan) = ps.outcome_changed(&cfg, now, outcome, latency) {
                schedule_flip(eng, pod, kind, plan);
            }
        }
    }

    pub(super) fn probe_flip(&mut self, eng: &mut Eng, pod: PodId, kind: ProbeKind) {
        let cfg = self
            .probe_cfg(pod, kind)
            .expect("flips only for configured probes");
        let now = eng.now();
        let ps = &mut self.pods[pod].probes[kind as usize];
        let cause = ps.pending_cause;
        let (result, next) = ps.flip(&cfg, now);
        if let Some(plan) = next {
            schedule_flip(eng, pod, kind, plan);
        }
        self.apply_probe_result(eng, pod, kind, result, cause);
    }

    fn apply_probe_result(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        kind: ProbeKind,
        result: bool,
        cause: ProbeCause,
    ) {
        let now = eng.now();
        self.log(now, TraceKind::Probe, |w| {
            let what = if result {
                "success".to_string()
            } else {
                format!("failure ({})", cause.as_str())
            };
            (w.pod_name(pod), format!("{kind:?} {what}"))
        });
        let w = self.pods[pod].workload;
        if result {
            if kind == ProbeKind::Readiness && std::mem::take(&mut self.pods[pod].probe_failed) {
                self.rec.probe_flap(w, now);
            }
        } else {
            self.rec.probe_failed(w, now, kind as usize, cause as usize);
            if kind == ProbeKind::Readiness {
                self.pods[pod].probe_failed = true;
            }
        }
        match (kind, result) {
            (ProbeKind::Readiness, r) => self.kubelet_readiness(eng, pod, r),
            (ProbeKind::Liveness, true) => {}
            (ProbeKind::Liveness, false) | (ProbeKind::Startup, false) => self.probe_kill(eng, pod),
            (ProbeKind::Startup, true) => {
                self.pods[pod].probes[ProbeKind::Startup as usize].deactivate();
                self.container_started(eng, pod);
            }
        }
    }

    /// Oracle mode: one tick of a worker. The ticker runs while the pod exists.
    pub(super) fn probe_tick(&mut self, eng: &mut Eng, pod: PodId, kind: ProbeKind) {
        if self.pods[pod].phase == PodPhase::Gone {
            return;
        }
        let now = eng.now();
        let ps = &self.pods[pod].probes[kind as usize];
        eng.schedule_at(ps.grid.next_after(now), Event::ProbeTick { pod, kind });
        if ps.active && now >= ps.counted_until {
            self.probe_sample(eng, pod, kind);
        }
    }

    fn probe_sample(&mut self, eng: &mut Eng, pod: PodId, kind: ProbeKind) {
        let cfg = self
            .probe_cfg(pod, kind)
            .expect("sampled probes are configured");
        let (outcome, latency, cause) = self.probe_outcome(pod, &cfg, eng.now(), true);
        self.pods[pod].probes[kind as usize].cause = cause;
        if latency > SimDuration::ZERO {
            let generation = self.pods[pod].probes[kind as usize].generation;
            eng.schedule_in(
                latency,
                Event::ProbeResult {
                    pod,
                    kind,
                    generation,
                    outcome,
                },
            );
        } else {
            self.probe_record(eng, pod, kind, outcome);
        }
    }

    pub(super) fn probe_record(
        &mut self,
        eng: &mut Eng,
        pod: PodId,
        kind: ProbeKind,
        outcome: bool,
    ) {
        let cfg = self
            .probe_cfg(pod, kind)
            .expect("recorded probes are configured");
        let ps = &mut self.pods[pod].probes[kind as usize];
        let cause = ps.cause;
        if let Some(result) = ps.record(&cfg, outcome) {
            self.apply_probe_result(eng, pod, kind, result, cause);
        }
    }
}
