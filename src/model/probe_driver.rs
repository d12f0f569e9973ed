//! Wires the probe workers (`probe.rs`) to pods: when containers start and change state, and
//! what a flipped result does (readiness → endpoints, liveness/startup failure → kill).
//! In oracle mode the same workers are driven by one event per tick instead.

use super::probe::{Grid, PROBE_KINDS};
use super::*;
use crate::scenario::Probe;

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

    /// Outcome a probe gets now, and when its result is recorded (a hung process times out).
    fn probe_outcome(&self, pod: PodId, cfg: &Probe) -> (bool, SimDuration) {
        let p = &self.pods[pod];
        match (p.proc, p.hung) {
            (Proc::Listening, false) => (true, SimDuration::ZERO),
            (Proc::Listening, true) => (false, cfg.timeout),
            _ => (false, SimDuration::ZERO),
        }
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
            if self.opts.probe_oracle {
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
        let (outcome, latency) = self.probe_outcome(pod, &cfg);
        let ps = &mut self.pods[pod].probes[kind as usize];
        ps.activate(floor, result, outcome, latency, extra);
        if self.opts.probe_oracle {
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
        self.activate_probe(eng, pod, ProbeKind::Liveness, Some(true), None);
    }

    /// The container's state changed (listening, hung, hang over): workers re-plan.
    pub(super) fn probes_outcome_changed(&mut self, eng: &mut Eng, pod: PodId) {
        if self.opts.probe_oracle {
            return;
        }
        let now = eng.now();
        for kind in PROBE_KINDS {
            let Some(cfg) = self.probe_cfg(pod, kind) else {
                continue;
            };
            let (outcome, latency) = self.probe_outcome(pod, &cfg);
            let ps = &mut self.pods[pod].probes[kind as usize];
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
        let (result, next) = self.pods[pod].probes[kind as usize].flip(&cfg, now);
        if let Some(plan) = next {
            schedule_flip(eng, pod, kind, plan);
        }
        self.apply_probe_result(eng, pod, kind, result);
    }

    fn apply_probe_result(&mut self, eng: &mut Eng, pod: PodId, kind: ProbeKind, result: bool) {
        let now = eng.now();
        self.log(now, TraceKind::Probe, |w| {
            (
                w.pod_name(pod),
                format!("{kind:?} {}", if result { "success" } else { "failure" }),
            )
        });
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
        let (outcome, latency) = self.probe_outcome(pod, &cfg);
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
        if let Some(result) = self.pods[pod].probes[kind as usize].record(&cfg, outcome) {
            self.apply_probe_result(eng, pod, kind, result);
        }
    }
}
