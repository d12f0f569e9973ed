//! `model: fluid`: traffic as rates between state changes, for long horizons.
//!
//! Nothing is scheduled per request. Before every event, the interval since the previous
//! event is integrated with the routing state it had: the expected arrivals ∫λ(t)dt are split
//! evenly over the endpoints the balancer lists (the expectation of `random`; used for every
//! policy), and each share succeeds, fails at once (dead pod), times out (hung pod, or slower
//! than the client's timeout) or is rejected (offered load beyond the pod's capacity).
//! Retries multiply the attempt outcome: with per-attempt failure probability f and A retries,
//! a request fails with probability f^(A+1) and makes f + … + f^A retries (the routing state
//! is assumed to hold over the retry back-off). Latency of successes is the M/M/c sojourn time
//! of the pod at its share of the rate (service times treated as exponential with the
//! configured mean), recorded into the same HDR histogram through quantile strata.

use super::*;
use crate::metrics::requests::{FAILURE_CAUSES, Failure, RequestStats};
use std::collections::BTreeMap;

/// Expected (fractional) outcomes of one service's fluid traffic.
#[derive(Clone, Debug, Default)]
pub struct FluidTotals {
    requests: f64,
    ok: f64,
    failed: [f64; FAILURE_CAUSES],
    retries: f64,
    latency_sum_us: f64,
    /// Success weight per (workload, per-pod rate bin): latency drawn from that M/M/c.
    success_by_load: BTreeMap<(usize, u64), f64>,
    /// Arrivals while the service was down, and their successes.
    incident_requests: f64,
    incident_ok: f64,
}

/// Erlang C: the probability that an arrival waits in M/M/c at offered load a = λ/μ < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    last / (sum + last)
}

/// M/M/c sojourn time T = wait + service for one pod.
#[derive(Clone, Copy, Debug)]
pub struct Sojourn {
    c_wait: f64,
    mu: f64,
    theta: f64,
}

impl Sojourn {
    /// `None` when λ ≥ cμ (no steady state).
    pub fn new(c: u32, lambda: f64, mean_service_s: f64) -> Option<Self> {
        let mu = 1.0 / mean_service_s;
        let theta = c as f64 * mu - lambda;
        (theta > 1e-9 * mu).then(|| Sojourn {
            c_wait: erlang_c(c, lambda / mu),
            mu,
            theta,
        })
    }

    pub fn mean_s(&self) -> f64 {
        self.c_wait / self.theta + 1.0 / self.mu
    }

    /// P(T > t).
    pub fn survival(&self, t: f64) -> f64 {
        let (mu, th) = (self.mu, self.theta);
        let both = if (th - mu).abs() < 1e-9 * mu {
            (1.0 + mu * t) * (-mu * t).exp()
        } else {
            (th * (-mu * t).exp() - mu * (-th * t).exp()) / (th - mu)
        };
        (1.0 - self.c_wait) * (-mu * t).exp() + self.c_wait * both
    }

    pub fn quantile(&self, q: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 60.0 / self.mu.min(self.theta));
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if 1.0 - self.survival(mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

/// Quantile strata (lower, upper): fine where percentiles are read (p90, p99, p99.9).
fn strata() -> Vec<(f64, f64)> {
    let mut edges: Vec<f64> = (0..90).map(|i| i as f64 * 0.01).collect();
    edges.extend((0..45).map(|i| 0.9 + i as f64 * 0.002));
    edges.extend((0..45).map(|i| 0.99 + i as f64 * 0.0002));
    edges.extend((0..=20).map(|i| 0.999 + i as f64 * 0.00005));
    edges.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How a listed pod answers an attempt, for the fluid split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Answer {
    /// Not counted: not in the balancers' lists.
    #[default]
    Unlisted,
    /// Draining, or deleted and not listening: refused as terminating.
    Terminating,
    /// Listening, not hung, on a live node: served (up to capacity).
    Listening,
    /// Hung, or on a dead node: the client times out.
    Unanswered,
    /// Process gone on a live node: refused at once.
    Refused,
}

/// How the endpoints of one service answer, counted (the fluid split is even over them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Routing {
    terminating: u32,
    listening: u32,
    unanswered: u32,
    refused: u32,
}

impl Routing {
    fn add(&mut self, a: Answer, on: bool) {
        let n = match a {
            Answer::Unlisted => return,
            Answer::Terminating => &mut self.terminating,
            Answer::Listening => &mut self.listening,
            Answer::Unanswered => &mut self.unanswered,
            Answer::Refused => &mut self.refused,
        };
        *n = if on { *n + 1 } else { *n - 1 };
    }
}

/// The per-service counts, kept up to date lazily: pods an event may have changed are
/// marked and re-counted before the next interval is integrated, so a quiet interval costs
/// O(1) and an event O(pods it touched), not O(endpoints). Events that are not about one
/// pod (node failures, scripted faults…) ask for a full recount.
#[derive(Clone, Debug, Default)]
pub struct FluidRouting {
    per_service: Vec<Routing>,
    dirty: Vec<PodId>,
    full: bool,
}

impl FluidRouting {
    pub fn new(services: usize) -> Self {
        FluidRouting {
            per_service: vec![Routing::default(); services],
            dirty: Vec::new(),
            full: true,
        }
    }

    /// `pod`'s answer may have changed.
    pub fn touch(&mut self, pod: PodId) {
        if !self.full {
            self.dirty.push(pod);
        }
    }

    /// Anything may have changed.
    pub fn touch_all(&mut self) {
        self.full = true;
        self.dirty.clear();
    }
}

impl World<'_> {
    /// How `pod` answers now (`Unlisted` unless the balancers list it).
    fn answer(&self, pod: PodId) -> Answer {
        let p = &self.pods[pod];
        if !p.in_endpoints {
            return Answer::Unlisted;
        }
        let node_dead = p.node.is_some_and(|n| !self.nodes[n.0 as usize].alive);
        if p.draining || (p.deleting && p.proc != Proc::Listening && !node_dead) {
            return Answer::Terminating;
        }
        match (p.proc, p.hung || node_dead) {
            (Proc::Listening, false) => Answer::Listening,
            (_, true) => Answer::Unanswered,
            _ => Answer::Refused,
        }
    }

    /// Moves `pod` to the count of how it answers now, in every service that selects it.
    pub(super) fn fluid_recount_pod(&mut self, pod: PodId) {
        if !self.has_fluid || !self.pods.is_live(pod) {
            return;
        }
        let (was, now) = (self.pods[pod].fluid_answer, self.answer(pod));
        if was == now {
            return;
        }
        self.pods[pod].fluid_answer = now;
        for &svc in &self.services_of[self.pods[pod].workload] {
            let r = &mut self.fluid_routing.per_service[svc];
            r.add(was, false);
            r.add(now, true);
        }
    }

    /// The endpoint counts of service `svc`, brought up to date.
    fn fluid_counts(&mut self, svc: usize) -> Routing {
        if self.fluid_routing.full {
            self.fluid_routing.full = false;
            self.fluid_routing.per_service = vec![Routing::default(); self.sc.services.len()];
            for slot in 0..self.eps.len() {
                for i in 0..self.eps[slot].len() {
                    let pod = self.eps[slot][i].pod;
                    self.pods[pod].fluid_answer = Answer::Unlisted;
                }
            }
            for slot in 0..self.eps.len() {
                for i in 0..self.eps[slot].len() {
                    let pod = self.eps[slot][i].pod;
                    self.fluid_recount_pod(pod);
                }
            }
        }
        for pod in std::mem::take(&mut self.fluid_routing.dirty) {
            self.fluid_recount_pod(pod);
        }
        let counts = self.fluid_routing.per_service[svc];
        oracle_assert_eq!(
            counts,
            self.eps[svc].iter().fold(Routing::default(), |mut r, e| {
                r.add(self.answer(e.pod), true);
                r
            }),
            "fluid endpoint counts of service {svc} (a full recount is the oracle)"
        );
        counts
    }

    /// Integrates fluid traffic over `[fluid_last, now)` under the current routing state.
    pub(super) fn fluid_advance(&mut self, now: SimTime) {
        let last = self.fluid_last;
        self.fluid_last = now;
        let warmup = self.rec.warmup();
        if self.autoscalers.iter().any(Option::is_some) && last < warmup.min(now) {
            // Autoscalers see the load during the warmup too; the statistics do not.
            self.fluid_interval(last, warmup.min(now), false);
        }
        let from = last.max(warmup);
        if now > from {
            self.fluid_interval(from, now, true);
        }
    }

    /// Integrates `[from, now)`; `record`: into the request statistics (else only into the
    /// autoscalers' counters).
    fn fluid_interval(&mut self, from: SimTime, now: SimTime, record: bool) {
        let (a, b) = (from.as_secs_f64(), now.as_secs_f64());
        for (src, cfg) in self.sc.traffic.iter().enumerate() {
            if !cfg.fluid {
                continue;
            }
            let arrivals = cfg.arrivals.integral(a, b);
            if arrivals <= 0.0 {
                continue;
            }
            let svc = cfg.service;
            let workload = self.sc.services[svc].workload;
            let server = &self.sc.workloads[workload].server;
            let eps = &self.eps[svc];
            // Per-attempt outcome probabilities: success, and failure by cause.
            let mut fail = [0.0f64; FAILURE_CAUSES];
            let mut lambda_pod: f64 = 0.0;
            let mut sojourn = None;
            // Shares of the attempts that reach a listening process, and that it serves.
            let (mut reached, mut served_share) = (0.0f64, 0.0f64);
            if eps.is_empty() {
                fail[Failure::NoEndpoint as usize] = 1.0;
            } else {
                let n = eps.len() as f64;
                lambda_pod = arrivals / (b - a) / n;
                let mean_s = server.service_time.mean_s();
                let capacity = server.concurrency as f64 / mean_s;
                sojourn = Sojourn::new(server.concurrency, lambda_pod.min(capacity), mean_s);
                let k = self.fluid_counts(svc);
                // Beyond capacity the queue fills: the excess is rejected.
                let served = if lambda_pod > capacity {
                    capacity / lambda_pod
                } else {
                    1.0
                };
                let late = sojourn.map_or(1.0, |s| s.survival(cfg.timeout.as_secs_f64()));
                fail[Failure::Terminating as usize] = k.terminating as f64 / n;
                fail[Failure::QueueFull as usize] = k.listening as f64 * (1.0 - served) / n;
                // A hung process, or any pod of a dead node: the client times out.
                fail[Failure::Timeout as usize] =
                    (k.listening as f64 * served * late + k.unanswered as f64) / n;
                fail[Failure::DeadPod as usize] = k.refused as f64 / n;
                reached = k.listening as f64 / n;
                served_share = k.listening as f64 * served / n;
            }
            let f: f64 = fail.iter().sum();
            let attempts = cfg.retry_attempts as i32;
            let final_fail = f.powi(attempts + 1);
            let retries: f64 = (1..=attempts).map(|k| f.powi(k)).sum();
            if let Some(auto) = &mut self.autoscalers[workload] {
                let attempts = arrivals * (1.0 + retries);
                auto.arrivals += attempts * reached;
                auto.cpu_s += attempts * served_share * server.cpu_per_request_s;
            }
            if !record {
                continue;
            }
            let t = &mut self.fluid[src];
            t.requests += arrivals;
            t.retries += arrivals * retries;
            if f > 0.0 {
                for (i, x) in fail.iter().enumerate() {
                    t.failed[i] += arrivals * final_fail * x / f;
                }
            }
            let ok = arrivals * (1.0 - final_fail);
            t.ok += ok;
            if self.rec.is_down(workload) {
                // The routing state, hence up or down, holds over the whole interval.
                t.incident_requests += arrivals;
                t.incident_ok += ok;
            }
            if ok > 0.0 {
                let mean_s = sojourn.map_or(cfg.timeout.as_secs_f64(), |s| s.mean_s());
                t.latency_sum_us += ok * mean_s * 1e6;
                // 0.5 % bins of the per-pod rate share one latency distribution.
                let bin = (lambda_pod.max(1e-9).ln() / 0.005).round() as i64 as u64;
                *t.success_by_load.entry((workload, bin)).or_insert(0.0) += ok;
            }
        }
    }

    /// Turns the fluid totals into request statistics (rounded counts, latency strata).
    pub(super) fn fluid_finish(&mut self) {
        let strata = strata();
        for (src, cfg) in self.sc.traffic.iter().enumerate() {
            if !cfg.fluid {
                continue;
            }
            let t = std::mem::take(&mut self.fluid[src]);
            let stats: &mut RequestStats = &mut self.rec.requests[cfg.service];
            stats.requests += t.requests.round() as u64;
            stats.ok += t.ok.round() as u64;
            for i in 0..FAILURE_CAUSES {
                stats.failed[i] += t.failed[i].round() as u64;
            }
            stats.retries += t.retries.round() as u64;
            stats.latency_sum_us += t.latency_sum_us;
            stats.incident_requests += t.incident_requests.round() as u64;
            stats.incident_ok += t.incident_ok.round() as u64;
            // As the client saw them: a timeout at the timeout, other failures at once
            // (refusals; the retry back-offs before a final failure are left out).
            let timeout_us = (cfg.timeout.as_secs_f64() * 1e6) as u64;
            for (i, n) in t.failed.iter().enumerate() {
                let us = if i == Failure::Timeout as usize {
                    timeout_us
                } else {
                    1
                };
                stats.client_record_n(us, n.round() as u64);
            }
            let server = &self.sc.workloads[self.sc.services[cfg.service].workload].server;
            for ((_, bin), weight) in &t.success_by_load {
                let lambda_pod = (*bin as i64 as f64 * 0.005).exp();
                let mean_s = server.service_time.mean_s();
                let Some(s) = Sojourn::new(server.concurrency, lambda_pod, mean_s) else {
                    let us = (cfg.timeout.as_secs_f64() * 1e6) as u64;
                    let _ = stats.latency_us.record_n(us.max(1), weight.round() as u64);
                    stats.client_record_n(us, weight.round() as u64);
                    continue;
                };
                let mut recorded = 0.0;
                for (lo, hi) in &strata {
                    let target = (weight * hi).floor();
                    let count = target - recorded;
                    recorded = target;
                    if count >= 1.0 {
                        let us = (s.quantile(0.5 * (lo + hi)) * 1e6).round().max(1.0) as u64;
                        stats.latency_us.saturating_record_n(us, count as u64);
                        stats.client_record_n(us, count as u64);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sojourn_matches_m_m_1_and_erlang_c() {
        // M/M/1, λ = 80, μ = 100: T ~ Exp(20): mean 50 ms, p99 = ln(100)/20.
        let s = Sojourn::new(1, 80.0, 0.01).unwrap();
        assert!((s.mean_s() - 0.05).abs() < 1e-12);
        assert!((s.quantile(0.99) - 100f64.ln() / 20.0).abs() < 1e-6);
        // M/M/4 at a = 3.2: 69.82 ms (see tests/queueing_theory.rs).
        let s = Sojourn::new(4, 80.0, 0.04).unwrap();
        assert!((s.mean_s() * 1e3 - 69.82).abs() < 0.01);
        assert!(Sojourn::new(1, 100.0, 0.01).is_none());
    }

    #[test]
    fn diurnal_integral_over_a_period_is_the_mean() {
        let d = crate::scenario::Arrivals::Diurnal {
            mean: 10.0,
            amplitude: 0.6,
            period: SimDuration::from_secs(86_400),
            peak: SimDuration::from_secs(14 * 3600),
        };
        assert!((d.integral(1000.0, 1000.0 + 86_400.0) - 864_000.0).abs() < 1e-6);
    }
}
