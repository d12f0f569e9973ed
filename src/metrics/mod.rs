//! The recorder: streaming time integrals over `[warmup, end)` — availability, incidents,
//! serving and replica counts, pod- and node-seconds — updated only when a count changes;
//! request outcomes per service (`requests`); CPU seconds used per workload.

pub mod causes;
pub mod requests;

use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
pub use causes::{DOWN_CAUSES, DownCause};
use requests::RequestStats;

/// ∫ value dt over the window, integrated lazily at each change.
#[derive(Clone, Copy, Debug, Default)]
struct Integral {
    value: i64,
    last: SimTime,
    /// value × nanoseconds.
    acc: f64,
    /// The least and the greatest value held for a positive time inside the window.
    min: Option<i64>,
    max: Option<i64>,
}

impl Integral {
    fn advance(&mut self, to: SimTime, warmup: SimTime) {
        let from = self.last.max(warmup);
        if to > from {
            self.acc += self.value as f64 * (to.0 - from.0) as f64;
            self.min = Some(self.min.map_or(self.value, |m| m.min(self.value)));
            self.max = Some(self.max.map_or(self.value, |m| m.max(self.value)));
        }
        self.last = to;
    }

    fn add(&mut self, now: SimTime, warmup: SimTime, delta: i64) {
        self.advance(now, warmup);
        self.value += delta;
        oracle_assert!(self.value >= 0, "a count went negative");
    }
}

/// Up/down state of one workload's service: up while ≥ `min_ready` pods serve.
#[derive(Clone, Debug, Default)]
struct Availability {
    up: bool,
    last: SimTime,
    down_ns: u64,
    incidents: u32,
    /// The current down interval has already been counted as an incident.
    counted: bool,
    /// What started the current down interval (`Startup` for the one at t = 0).
    cause: DownCause,
    /// Down intervals (start, end; `u64::MAX` while open) in ns, oldest first: whether a
    /// request arrived during an incident, looked up when its outcome settles (later).
    downs: Vec<(u64, u64)>,
    /// The current down interval's time inside the window so far.
    cur_ns: u64,
    /// Down time per cause, of the down intervals already closed.
    by_cause: [u64; DOWN_CAUSES],
    /// Lengths inside the window of the incidents already closed, in seconds.
    lengths: Vec<f64>,
}

impl Availability {
    fn advance(&mut self, to: SimTime, warmup: SimTime) {
        let from = self.last.max(warmup);
        if !self.up && to > from {
            self.down_ns += to.0 - from.0;
            self.cur_ns += to.0 - from.0;
            if !self.counted {
                self.incidents += 1;
                self.counted = true;
            }
        }
        self.last = to;
    }

    /// Books the current down interval (if any of it fell in the window) to its cause.
    fn close(&mut self) {
        if !self.up && self.counted {
            self.by_cause[self.cause as usize] += self.cur_ns;
            self.lengths.push(self.cur_ns as f64 / 1e9);
        }
        self.cur_ns = 0;
    }

    /// `cause`: what took the pod out whose drop made the service go down.
    fn set(&mut self, now: SimTime, warmup: SimTime, up: bool, cause: DownCause) {
        if up == self.up {
            return;
        }
        self.advance(now, warmup);
        self.close();
        self.up = up;
        self.counted = false;
        if !up {
            self.cause = cause;
            self.downs.push((now.0, u64::MAX));
        } else if let Some(d) = self.downs.last_mut() {
            d.1 = now.0;
        }
    }

    /// The service was down at `t` (down intervals are half-open, `[start, end)`).
    fn down_at(&self, t: SimTime) -> bool {
        let i = self.downs.partition_point(|d| d.0 <= t.0);
        i > 0 && t.0 < self.downs[i - 1].1
    }
}

#[derive(Clone, Debug, Default)]
struct WorkloadRecord {
    serving: Integral,
    bound: Integral,
    replicas: Integral,
    /// Pods created and not yet bound (nor deleted while pending).
    pending: Integral,
    avail: Availability,
    /// Rollouts completed (count, total seconds) and stalled past their deadline.
    rollouts: (u32, f64),
    rollouts_stalled: u32,
    /// Probe results that turned to failure, by kind (readiness, liveness, startup) and
    /// cause (down, hang, load); readiness ready → unready → ready cycles.
    probe_failures: [[u32; 3]; 3],
    flaps: u32,
    /// HPA changes of the scale, up and down (from the warmup on).
    scale_ups: u32,
    scale_downs: u32,
    forecast_error: Option<f64>,
}

pub struct Recorder {
    warmup: SimTime,
    min_ready: i64,
    workloads: Vec<WorkloadRecord>,
    nodes_alive: Integral,
    /// Per service: outcomes of requests that first arrived at or after the warmup.
    pub requests: Vec<RequestStats>,
    /// Per service: the workload it selects (whose incidents its requests may fall in).
    service_workload: Vec<usize>,
    /// Per service: outcomes recorded since the last time-series sample (when sampling).
    pub interval: Option<Vec<RequestStats>>,
    /// Per workload: CPU seconds spent serving requests admitted after the warmup.
    cpu_s: Vec<f64>,
    cpu_request_cores: Vec<f64>,
    faults_missed: u32,
    /// Per workload: evictions the Eviction API carried out (from the warmup on).
    evictions: Vec<u32>,
    /// Nodes the cluster autoscaler started and deleted (from the warmup on).
    nodes_added: u32,
    nodes_removed: u32,
}

/// Per-workload results of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadMetrics {
    pub availability: f64,
    pub downtime_s: f64,
    pub incidents: u32,
    /// Mean incident length; `None` without incidents.
    pub mttr_s: Option<f64>,
    pub serving_mean: f64,
    pub replicas_mean: f64,
    pub pod_seconds: f64,
    /// CPU used by requests / CPU requested by the pods (`None` without a CPU request).
    pub cpu_utilization: Option<f64>,
    /// Mean time from a rollout's start to its completion (`None`: none completed).
    pub rollout_s: Option<f64>,
    /// Rollouts that made no progress for their `progress_deadline`.
    pub rollouts_stalled: u32,
    /// Pods deleted through the Eviction API (drains), from the warmup on.
    pub evictions: u32,
    /// The fewest serving pods held for a positive time in the window (`None`: empty window).
    pub serving_min: Option<f64>,
    /// The most pod objects (not terminating) held for a positive time in the window.
    pub replicas_max: Option<f64>,
    /// Probe results that turned to failure: `[kind][cause]` with kinds readiness, liveness,
    /// startup and causes down, hang, load.
    pub probe_failures: [[u32; 3]; 3],
    /// Readiness cycles ready → unready (a probe) → ready.
    pub flaps: u32,
    /// Changes of the scale made by the HPA.
    pub scale_ups: u32,
    pub scale_downs: u32,
    /// MAPE of the predictive scaler's forecasts (`None`: no predictive scaling).
    pub forecast_error: Option<f64>,
    /// ∫ pods created but not yet bound dt (waiting for the scheduler or for a new node).
    pub pending_pod_seconds: f64,
    /// Down time by the cause of each incident (`DownCause as usize`); sums to `downtime_s`.
    pub downtime_by_cause: [f64; DOWN_CAUSES],
    /// Incident lengths in the window: p50, p90 and max (`None` without incidents).
    pub incident_s: [Option<f64>; 3],
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunMetrics {
    pub window_s: f64,
    pub workloads: Vec<WorkloadMetrics>,
    pub node_seconds: f64,
    /// Per service.
    pub requests: Vec<RequestStats>,
    /// Scripted faults that found no target (a pod without a running container, a removed node).
    pub faults_missed: u32,
    /// Nodes the cluster autoscaler asked for (including those that failed to boot) and
    /// nodes its scale-down deleted.
    pub nodes_added: u32,
    pub nodes_removed: u32,
}

impl Recorder {
    pub fn new(sc: &Scenario) -> Self {
        let nodes_alive = Integral {
            value: sc.nodes.len() as i64,
            ..Default::default()
        };
        Recorder {
            warmup: SimTime::ZERO + sc.warmup,
            min_ready: sc.slo.min_ready as i64,
            workloads: (0..sc.workloads.len())
                .map(|_| {
                    let mut r = WorkloadRecord::default();
                    r.avail.cause = DownCause::Startup;
                    r.avail.downs.push((0, u64::MAX));
                    r
                })
                .collect(),
            nodes_alive,
            requests: vec![RequestStats::default(); sc.services.len()],
            service_workload: sc.services.iter().map(|s| s.workload).collect(),
            interval: None,
            cpu_s: vec![0.0; sc.workloads.len()],
            cpu_request_cores: sc
                .workloads
                .iter()
                .map(|w| w.resources.cpu_milli as f64 / 1000.0)
                .collect(),
            faults_missed: 0,
            evictions: vec![0; sc.workloads.len()],
            nodes_added: 0,
            nodes_removed: 0,
        }
    }

    /// The cluster autoscaler asked for a node (`added`) or deleted one.
    pub fn node_scaled(&mut self, now: SimTime, added: bool) {
        if now >= self.warmup {
            if added {
                self.nodes_added += 1;
            } else {
                self.nodes_removed += 1;
            }
        }
    }

    /// Pods of workload `w` waiting to be bound: +1 at creation, −1 at binding or at the
    /// removal of a pod that never bound.
    pub fn pending_changed(&mut self, w: usize, now: SimTime, delta: i64) {
        let warmup = self.warmup;
        self.workloads[w].pending.add(now, warmup, delta);
    }

    /// The Eviction API deleted a pod of workload `w`.
    pub fn evicted(&mut self, w: usize, now: SimTime) {
        if now >= self.warmup {
            self.evictions[w] += 1;
        }
    }

    /// A rollout of workload `w` completed after `secs`.
    pub fn rollout_done(&mut self, w: usize, secs: f64) {
        let r = &mut self.workloads[w].rollouts;
        r.0 += 1;
        r.1 += secs;
    }

    /// The HPA changed the scale of workload `w`.
    pub fn scaled(&mut self, w: usize, now: SimTime, up: bool) {
        if now < self.warmup {
            return;
        }
        let r = &mut self.workloads[w];
        if up {
            r.scale_ups += 1;
        } else {
            r.scale_downs += 1;
        }
    }

    /// A probe of workload `w` turned to failure (`kind`, `cause` as `ProbeKind`, `ProbeCause`).
    pub fn probe_failed(&mut self, w: usize, now: SimTime, kind: usize, cause: usize) {
        if now >= self.warmup {
            self.workloads[w].probe_failures[kind][cause] += 1;
        }
    }

    /// A pod of workload `w` is Ready again after a readiness probe failure.
    pub fn probe_flap(&mut self, w: usize, now: SimTime) {
        if now >= self.warmup {
            self.workloads[w].flaps += 1;
        }
    }

    /// The predictive scaler's error over the run.
    pub fn forecast_error(&mut self, w: usize, mape: Option<f64>) {
        self.workloads[w].forecast_error = mape;
    }

    /// A rollout of workload `w` passed its progress deadline.
    pub fn rollout_stalled(&mut self, w: usize) {
        self.workloads[w].rollouts_stalled += 1;
    }

    /// A scripted pod fault fired with nothing to act on.
    pub fn fault_missed(&mut self) {
        self.faults_missed += 1;
    }

    pub fn warmup(&self) -> SimTime {
        self.warmup
    }

    /// A request of service `svc` that first arrived at `arrival` succeeded `latency_ns` later.
    pub fn success(&mut self, svc: usize, arrival: SimTime, latency_ns: u64) {
        self.requests[svc].success(latency_ns);
        self.client_outcome(svc, arrival, latency_ns, true);
        if let Some(i) = &mut self.interval {
            i[svc].success(latency_ns);
        }
    }

    /// A request that first arrived at `arrival` finally failed at `at`.
    pub fn failure(&mut self, svc: usize, cause: requests::Failure, arrival: SimTime, at: SimTime) {
        self.requests[svc].failure(cause);
        self.client_outcome(svc, arrival, at.0.saturating_sub(arrival.0), false);
        if let Some(i) = &mut self.interval {
            i[svc].failure(cause);
        }
    }

    fn client_outcome(&mut self, svc: usize, arrival: SimTime, ns: u64, ok: bool) {
        let down = self.workloads[self.service_workload[svc]]
            .avail
            .down_at(arrival);
        self.requests[svc].client_outcome(ns, ok, down);
    }

    /// Workload `w`'s service is down now (fewer than `min_ready` pods serve).
    pub fn is_down(&self, w: usize) -> bool {
        !self.workloads[w].avail.up
    }

    /// Serving pods of workload `w` now (for time series).
    pub fn serving_now(&self, w: usize) -> i64 {
        self.workloads[w].serving.value
    }

    /// Non-terminating pod objects of workload `w` now.
    pub fn replicas_now(&self, w: usize) -> i64 {
        self.workloads[w].replicas.value
    }

    /// A request admitted at `now` costs `cpu_s` CPU seconds on a pod of workload `w`.
    pub fn cpu_used(&mut self, w: usize, now: SimTime, cpu_s: f64) {
        if now >= self.warmup {
            self.cpu_s[w] += cpu_s;
        }
    }

    /// `cause`: why a pod stopped serving (`delta < 0`); an incident takes the cause of the
    /// drop that started it.
    pub fn serving_changed(&mut self, w: usize, now: SimTime, delta: i64, cause: DownCause) {
        let (warmup, min) = (self.warmup, self.min_ready);
        let r = &mut self.workloads[w];
        r.serving.add(now, warmup, delta);
        r.avail.set(now, warmup, r.serving.value >= min, cause);
    }

    /// The scheduler could not place a pod of workload `w`: a workload still down since
    /// the start is down for want of room, not for the time its pods take to start.
    pub fn unschedulable(&mut self, w: usize) {
        let a = &mut self.workloads[w].avail;
        if !a.up && a.cause == DownCause::Startup {
            a.cause = DownCause::Unschedulable;
        }
    }

    pub fn bound_changed(&mut self, w: usize, now: SimTime, delta: i64) {
        let warmup = self.warmup;
        self.workloads[w].bound.add(now, warmup, delta);
    }

    pub fn replicas_changed(&mut self, w: usize, now: SimTime, delta: i64) {
        let warmup = self.warmup;
        self.workloads[w].replicas.add(now, warmup, delta);
    }

    pub fn node_alive_changed(&mut self, now: SimTime, delta: i64) {
        let warmup = self.warmup;
        self.nodes_alive.add(now, warmup, delta);
    }

    /// Closes the integrals at `end` (the horizon, or where the event budget stopped the run).
    pub fn finish(mut self, end: SimTime) -> RunMetrics {
        let warmup = self.warmup;
        let window_ns = end.0.saturating_sub(warmup.0) as f64;
        let window_s = SimDuration(window_ns as u64).as_secs_f64();
        let per_s = |acc: f64| acc / 1e9;
        let mean = |acc: f64| {
            if window_ns > 0.0 {
                acc / window_ns
            } else {
                f64::NAN
            }
        };
        self.nodes_alive.advance(end, warmup);
        let cpu_s = self.cpu_s.clone();
        let cores = self.cpu_request_cores.clone();
        let evictions = self.evictions.clone();
        let workloads = self
            .workloads
            .iter_mut()
            .enumerate()
            .map(|(w, r)| {
                r.serving.advance(end, warmup);
                r.bound.advance(end, warmup);
                r.replicas.advance(end, warmup);
                r.pending.advance(end, warmup);
                r.avail.advance(end, warmup);
                r.avail.close();
                let by_cause = r.avail.by_cause.map(|ns| ns as f64 / 1e9);
                let lengths = &r.avail.lengths;
                let downtime_s = r.avail.down_ns as f64 / 1e9;
                WorkloadMetrics {
                    availability: if window_ns > 0.0 {
                        1.0 - r.avail.down_ns as f64 / window_ns
                    } else {
                        f64::NAN
                    },
                    downtime_s,
                    incidents: r.avail.incidents,
                    mttr_s: (r.avail.incidents > 0).then(|| downtime_s / r.avail.incidents as f64),
                    serving_mean: mean(r.serving.acc),
                    replicas_mean: mean(r.replicas.acc),
                    pod_seconds: per_s(r.bound.acc),
                    cpu_utilization: (cores[w] > 0.0 && r.bound.acc > 0.0)
                        .then(|| cpu_s[w] / (per_s(r.bound.acc) * cores[w])),
                    rollout_s: (r.rollouts.0 > 0).then(|| r.rollouts.1 / r.rollouts.0 as f64),
                    rollouts_stalled: r.rollouts_stalled,
                    evictions: evictions[w],
                    serving_min: r.serving.min.map(|m| m as f64),
                    replicas_max: r.replicas.max.map(|m| m as f64),
                    probe_failures: r.probe_failures,
                    flaps: r.flaps,
                    scale_ups: r.scale_ups,
                    scale_downs: r.scale_downs,
                    forecast_error: r.forecast_error,
                    pending_pod_seconds: per_s(r.pending.acc),
                    downtime_by_cause: by_cause,
                    incident_s: [
                        causes::quantile(lengths, 0.5),
                        causes::quantile(lengths, 0.9),
                        causes::quantile(lengths, 1.0),
                    ],
                }
            })
            .collect();
        RunMetrics {
            window_s,
            workloads,
            node_seconds: per_s(self.nodes_alive.acc),
            requests: self.requests,
            faults_missed: self.faults_missed,
            nodes_added: self.nodes_added,
            nodes_removed: self.nodes_removed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_clips_to_warmup_and_counts_incidents() {
        // Window [10, 100): down [0, 20) (10 s inside), up [20, 50), down [50, 60), up after.
        let warmup = SimTime(10);
        let mut a = Availability {
            cause: DownCause::Startup,
            ..Default::default()
        };
        a.set(SimTime(20), warmup, true, DownCause::Other);
        a.set(SimTime(50), warmup, false, DownCause::Crash);
        a.set(SimTime(60), warmup, true, DownCause::Other);
        a.advance(SimTime(100), warmup);
        a.close();
        assert_eq!((a.down_ns, a.incidents), (20, 2));
        // 10 ns of startup inside the window, 10 ns of the crash.
        assert_eq!(a.by_cause[DownCause::Startup as usize], 10);
        assert_eq!(a.by_cause[DownCause::Crash as usize], 10);
        assert_eq!(a.lengths.len(), 2);
    }

    #[test]
    fn the_minimum_counts_only_values_held_inside_the_window() {
        // Window [10, 100): 0 before the warmup (not counted), 3 from 5, a dip to 1 that
        // lasts no time at 40 (a same-instant swap), 2 over [60, 70), 3 after.
        let warmup = SimTime(10);
        let mut i = Integral::default();
        i.add(SimTime(5), warmup, 3);
        i.add(SimTime(40), warmup, -2);
        i.add(SimTime(40), warmup, 2);
        i.add(SimTime(60), warmup, -1);
        i.add(SimTime(70), warmup, 1);
        i.advance(SimTime(100), warmup);
        assert_eq!(i.min, Some(2));
    }
}
