//! Kubelet probe workers without a tick per period.
//!
//! Why: a probe's outcome here is a function of the container's state (listening and not hung
//! → success; starting, exited or hung → failure), and that state changes rarely. A worker
//! that ticks every period would cost ~3 million events per pod-year and change nothing. So a
//! `ProbeState` is updated only when the outcome changes: it counts the ticks that passed
//! under the previous outcome, and schedules one `ProbeFlip` event at the tick whose result
//! crosses the threshold. The naive worker (one event per tick) is kept in `model::oracle`
//! mode and must give byte-identical results (tests/probe_oracle.rs).
//!
//! Tick set of a worker: `base + k·period` (base = bind time + a uniform phase, the ticker
//! outlives container restarts), plus for readiness one immediate probe when the container
//! has started (the kubelet's manual trigger). Ticks before `floor` (container start +
//! initial_delay, and not before startup succeeded) are skipped. A failure by timeout (hung
//! process) is recorded `timeout` after its tick; validation keeps `timeout < period`, so no
//! other tick falls between a tick and its recorded result.

use crate::scenario::Probe;
use crate::time::{SimDuration, SimTime};

/// Why a probe fails: nothing listening (or a container not started), a hung process, or
/// the load (waited in the queue past `timeout`, refused by a full queue, CPU saturated).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProbeCause {
    #[default]
    Down = 0,
    Hang = 1,
    Load = 2,
}

pub const PROBE_CAUSES: [ProbeCause; 3] = [ProbeCause::Down, ProbeCause::Hang, ProbeCause::Load];

impl ProbeCause {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProbeCause::Down => "down",
            ProbeCause::Hang => "hang",
            ProbeCause::Load => "load",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Readiness = 0,
    Liveness = 1,
    Startup = 2,
}

pub const PROBE_KINDS: [ProbeKind; 3] = [
    ProbeKind::Readiness,
    ProbeKind::Liveness,
    ProbeKind::Startup,
];

/// The tick grid of one worker.
#[derive(Clone, Copy, Debug, Default)]
pub struct Grid {
    pub base: SimTime,
    pub period: SimDuration,
    /// One extra tick (readiness trigger at start-up), if any.
    pub extra: Option<SimTime>,
}

impl Grid {
    /// Grid ticks strictly before `x`.
    fn grid_before(&self, x: SimTime) -> u64 {
        if x <= self.base {
            0
        } else {
            (x.0 - self.base.0).div_ceil(self.period.0)
        }
    }

    fn extra_in(&self, a: SimTime, b: SimTime) -> bool {
        self.extra
            .is_some_and(|e| e >= a && e < b && !self.on_grid(e))
    }

    fn on_grid(&self, t: SimTime) -> bool {
        t >= self.base && (t.0 - self.base.0).is_multiple_of(self.period.0)
    }

    /// Ticks in `[a, b)`.
    pub fn count(&self, a: SimTime, b: SimTime) -> u64 {
        if b <= a {
            return 0;
        }
        self.grid_before(b) - self.grid_before(a) + u64::from(self.extra_in(a, b))
    }

    /// The `k`-th grid tick at or after `a` (k ≥ 1), ignoring `extra`.
    fn grid_kth(&self, a: SimTime, k: u64) -> SimTime {
        SimTime(self.base.0 + (self.grid_before(a) + k - 1) * self.period.0)
    }

    /// The `k`-th tick at or after `a` (k ≥ 1).
    pub fn kth(&self, a: SimTime, k: u64) -> SimTime {
        assert!(k >= 1, "ticks are counted from 1");
        match self.extra {
            Some(e) if e >= a && !self.on_grid(e) => {
                let m = self.grid_before(e) - self.grid_before(a);
                if k <= m {
                    self.grid_kth(a, k)
                } else if k == m + 1 {
                    e
                } else {
                    self.grid_kth(a, k - 1)
                }
            }
            _ => self.grid_kth(a, k),
        }
    }

    /// The first grid tick strictly after `t` (oracle mode's next tick).
    pub fn next_after(&self, t: SimTime) -> SimTime {
        self.grid_kth(SimTime(t.0 + 1), 1)
    }
}

/// One worker's result and the run of samples that may flip it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProbeState {
    pub active: bool,
    /// `None`: Unknown (startup before its first decision).
    pub result: Option<bool>,
    /// Consecutive samples equal to `run_outcome`, through ticks before `counted_until`.
    pub run_outcome: bool,
    pub run: u32,
    pub counted_until: SimTime,
    /// The outcome a probe would get now.
    pub outcome: bool,
    /// Latency of the current outcome (timeout when hung, else 0).
    pub latency: SimDuration,
    /// Why the current outcome fails (when it does), and the cause the pending flip carries.
    pub cause: ProbeCause,
    pub pending_cause: ProbeCause,
    /// Generation of the pending flip; bumping it cancels the flip.
    pub generation: u32,
    /// Tick of the pending flip.
    pub pending_tick: Option<SimTime>,
    /// Result the pending flip moves to.
    pub pending_target: bool,
    pub grid: Grid,
}

/// What the caller must schedule: a `ProbeFlip` at `at` for tick `tick` with generation `generation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlipPlan {
    pub at: SimTime,
    pub tick: SimTime,
    pub generation: u32,
}

/// Samples needed to move `result` to `outcome`: `None` if no transition is possible.
pub fn threshold(cfg: &Probe, result: Option<bool>, outcome: bool) -> Option<u32> {
    match (result, outcome) {
        (Some(r), o) if r == o => None,
        (_, true) => Some(cfg.success_threshold),
        (_, false) => Some(cfg.failure_threshold),
    }
}

impl ProbeState {
    /// Starts (or restarts) the worker for a container: ticks before `floor` are skipped.
    pub fn activate(
        &mut self,
        floor: SimTime,
        result: Option<bool>,
        outcome: bool,
        latency: SimDuration,
        extra: Option<SimTime>,
    ) {
        self.generation = self.generation.wrapping_add(1);
        self.active = true;
        self.result = result;
        self.run = 0;
        self.counted_until = floor;
        self.outcome = outcome;
        self.latency = latency;
        self.pending_tick = None;
        self.grid.extra = extra.filter(|e| *e >= floor);
    }

    /// Stops the worker (container exited); cancels any pending flip.
    pub fn deactivate(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        self.active = false;
        self.pending_tick = None;
    }

    /// Folds ticks in `[counted_until, now)` (sampled under the current outcome) into the run.
    fn advance(&mut self, now: SimTime) {
        if now <= self.counted_until {
            return;
        }
        let n = self.grid.count(self.counted_until, now) as u32;
        if n > 0 {
            if self.run_outcome == self.outcome {
                self.run = self.run.saturating_add(n);
            } else {
                self.run_outcome = self.outcome;
                self.run = n;
            }
        }
        self.counted_until = now;
    }

    /// The pending flip, if the current outcome will move the result.
    pub fn plan(&mut self, cfg: &Probe, now: SimTime) -> Option<FlipPlan> {
        let need = threshold(cfg, self.result, self.outcome)?;
        let have = if self.run_outcome == self.outcome {
            self.run
        } else {
            0
        };
        let k = need.saturating_sub(have).max(1) as u64;
        let tick = self.grid.kth(self.counted_until, k);
        self.pending_tick = Some(tick);
        self.pending_target = self.outcome;
        self.pending_cause = self.cause;
        Some(FlipPlan {
            at: (tick + self.latency).max(now),
            tick,
            generation: self.generation,
        })
    }

    /// The container's state changed at `now`: probes from now on see `outcome`.
    pub fn outcome_changed(
        &mut self,
        cfg: &Probe,
        now: SimTime,
        outcome: bool,
        latency: SimDuration,
    ) -> Option<FlipPlan> {
        if !self.active || (outcome == self.outcome && latency == self.latency) {
            return None;
        }
        if self.pending_tick.is_some_and(|t| t < now) {
            // The deciding tick was already sampled; its result is in flight. The flip handler
            // re-plans under the outcome then current.
            self.outcome = outcome;
            self.latency = latency;
            return None;
        }
        self.generation = self.generation.wrapping_add(1);
        self.pending_tick = None;
        self.advance(now);
        self.outcome = outcome;
        self.latency = latency;
        self.plan(cfg, now)
    }

    /// Applies a due flip (the caller checked its generation); returns the new result and
    /// the next plan, if the outcome has changed since the deciding tick.
    pub fn flip(&mut self, cfg: &Probe, now: SimTime) -> (bool, Option<FlipPlan>) {
        let tick = self.pending_tick.expect("a flip is only due while pending");
        let target = self.pending_target;
        self.result = Some(target);
        self.run_outcome = target;
        self.run = 0;
        self.pending_tick = None;
        self.generation = self.generation.wrapping_add(1);
        // No tick lies in (tick, now): latency < period, and the extra tick comes first.
        self.counted_until = SimTime(tick.0 + 1);
        let next = self.plan(cfg, now);
        (target, next)
    }

    /// Oracle mode: one sampled result, recorded now. Returns the new result if it flipped.
    pub fn record(&mut self, cfg: &Probe, outcome: bool) -> Option<bool> {
        if self.run_outcome == outcome {
            self.run = self.run.saturating_add(1);
        } else {
            self.run_outcome = outcome;
            self.run = 1;
        }
        let need = threshold(cfg, self.result, outcome)?;
        if self.run >= need {
            self.result = Some(outcome);
            self.run = 0;
            self.run_outcome = outcome;
            return Some(outcome);
        }
        None
    }
}
