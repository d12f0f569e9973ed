//! Requests: arrival processes, routing through the service's balancer, the outcome of each
//! attempt at a pod, retries, and what a pod's death or hang does to requests in flight.
//!
//! Arrivals are independent of the cluster, so a source runs in a tight loop while its next
//! arrival comes before every other pending event (`Engine::try_advance`), and its draws come
//! from its own stream: variants see identical arrivals. Failures by cause: no ready endpoint;
//! sent to a dead or terminating pod (fails at once); rejected by a full queue; timed out
//! (a hung pod, or too slow). A request that fails may be retried after `backoff`; latency is
//! counted from the first arrival, for successful requests only.

use super::balancer::{Endpoint, PickContext};
use super::server::{InFlight, NO_SLOT};
use super::*;
use crate::metrics::requests::Failure;
use crate::scenario::Arrivals;

/// A request waiting for a retry.
#[derive(Clone, Copy, Debug)]
pub struct RetrySlot {
    pub arrival: SimTime,
    pub source: u32,
    pub client: u32,
    pub attempt: u32,
    pub generation: u32,
}

/// Where a source's rate process stands.
#[derive(Clone, Copy, Debug, Default)]
pub struct SourceState {
    /// Index of the current step (piecewise-constant rates).
    pub piece: usize,
}

impl World<'_> {
    pub(super) fn start_traffic(&mut self, eng: &mut Eng) {
        for src in 0..self.sc.traffic.len() {
            if self.sc.traffic[src].fluid {
                continue;
            }
            if let Some(t) = self.next_arrival(src, SimTime::ZERO) {
                eng.schedule_at(t, Event::Arrival { source: src as u32 });
            }
        }
    }

    /// The next arrival after `now` (inversion for piecewise rates, thinning for diurnal).
    fn next_arrival(&mut self, src: usize, now: SimTime) -> Option<SimTime> {
        let rng = &mut self.rng.arrivals;
        match &self.sc.traffic[src].arrivals {
            Arrivals::Poisson { rate } => (*rate > 0.0).then(|| {
                now + SimDuration::from_secs_f64(-(1.0 - crate::rng::unit(rng)).ln() / rate)
            }),
            Arrivals::Diurnal {
                mean,
                amplitude,
                period,
                peak,
            } => {
                let max = mean * (1.0 + amplitude);
                if max <= 0.0 {
                    return None;
                }
                let mut t = now.as_secs_f64();
                // Thinning accepts with probability ≥ (1 − a)/(1 + a); bounded all the same.
                for _ in 0..1_000_000 {
                    t += -(1.0 - crate::rng::unit(rng)).ln() / max;
                    let phase = 2.0 * std::f64::consts::PI * (t - peak.as_secs_f64())
                        / period.as_secs_f64();
                    if crate::rng::unit(rng) * max <= mean * (1.0 + amplitude * phase.cos()) {
                        return Some(SimTime::ZERO + SimDuration::from_secs_f64(t));
                    }
                }
                None
            }
            Arrivals::Steps(steps) => {
                let piece = &mut self.sources[src].piece;
                let mut t = now.as_secs_f64();
                let mut work = -(1.0 - crate::rng::unit(rng)).ln();
                loop {
                    let start = steps[*piece].0.as_secs_f64();
                    if t < start {
                        if *piece == 0 {
                            t = start;
                        } else {
                            unreachable!("pieces advance only past their end");
                        }
                    }
                    let rate = steps[*piece].1;
                    let end = steps
                        .get(*piece + 1)
                        .map_or(f64::INFINITY, |(at, _)| at.as_secs_f64());
                    if rate > 0.0 && t + work / rate < end {
                        return Some(SimTime::ZERO + SimDuration::from_secs_f64(t + work / rate));
                    }
                    if end.is_infinite() {
                        return None;
                    }
                    work -= rate * (end - t);
                    t = end;
                    *piece += 1;
                }
            }
        }
    }

    pub(super) fn arrivals(&mut self, eng: &mut Eng, source: u32) {
        loop {
            let now = eng.now();
            let cfg = &self.sc.traffic[source as usize];
            let client =
                super::balancer::below(&mut self.rng.arrivals, cfg.clients as usize) as u32;
            let slot = if cfg.retry_attempts > 0 {
                self.alloc_slot(now, source, client)
            } else {
                NO_SLOT
            };
            self.attempt(eng, source, now, client, 0, slot);
            match self.next_arrival(source as usize, now) {
                Some(t) if eng.try_advance(t) => {}
                Some(t) => {
                    eng.schedule_at(t, Event::Arrival { source });
                    return;
                }
                None => return,
            }
        }
    }

    fn alloc_slot(&mut self, arrival: SimTime, source: u32, client: u32) -> u32 {
        let slot = RetrySlot {
            arrival,
            source,
            client,
            attempt: 0,
            generation: 0,
        };
        match self.free_slots.pop() {
            Some(i) => {
                let generation = self.slots[i as usize].generation.wrapping_add(1);
                self.slots[i as usize] = RetrySlot { generation, ..slot };
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn free_slot(&mut self, slot: u32) {
        if slot != NO_SLOT {
            self.slots[slot as usize].generation =
                self.slots[slot as usize].generation.wrapping_add(1);
            self.free_slots.push(slot);
        }
    }

    pub(super) fn retry_due(&mut self, eng: &mut Eng, slot: u32, generation: u32) {
        let s = self.slots[slot as usize];
        if s.generation != generation {
            return;
        }
        if s.arrival >= self.rec.warmup() {
            let svc = self.sc.traffic[s.source as usize].service;
            self.rec.requests[svc].retries += 1;
        }
        self.attempt(eng, s.source, s.arrival, s.client, s.attempt + 1, slot);
    }

    /// The request's attempt `attempt` fails now: retry after the back-off, or count it.
    fn attempt_failed(
        &mut self,
        eng: &mut Eng,
        source: u32,
        arrival: SimTime,
        slot: u32,
        attempt: u32,
        cause: Failure,
    ) {
        let cfg = &self.sc.traffic[source as usize];
        if attempt < cfg.retry_attempts && slot != NO_SLOT {
            self.schedule_retry(eng, slot, attempt, eng.now() + cfg.retry_backoff);
        } else {
            self.count_failure(source, arrival, eng.now(), cause);
            self.free_slot(slot);
        }
    }

    fn schedule_retry(&mut self, eng: &mut Eng, slot: u32, attempt: u32, at: SimTime) {
        let s = &mut self.slots[slot as usize];
        s.attempt = attempt;
        s.generation = s.generation.wrapping_add(1);
        eng.schedule_at(
            at,
            Event::RetryDue {
                slot,
                generation: s.generation,
            },
        );
    }

    /// Outlier detection: the proxy sees an attempt's outcome at `at`.
    fn observe(&mut self, source: u32, pod: PodId, ok: bool, at: SimTime) {
        let svc = self.sc.traffic[source as usize].service;
        let Some(od) = self.sc.services[svc].outlier_detection else {
            return;
        };
        let p = &mut self.pods[pod];
        if ok {
            p.consecutive_errors = 0;
        } else {
            p.consecutive_errors += 1;
            if p.consecutive_errors >= od.consecutive_errors {
                p.consecutive_errors = 0;
                p.ejected_until = at + od.ejection;
            }
        }
    }

    /// The endpoint for an attempt: the client's affinity if still valid, else the balancer's
    /// pick among endpoints not ejected by outlier detection (all of them if every one is).
    fn pick(&mut self, now: SimTime, svc: usize, client: u32) -> Option<PodId> {
        let service = &self.sc.services[svc];
        if service.outlier_detection.is_some() {
            // Errors must be seen when they happen, not when the pod is next picked.
            for e in &self.eps[svc] {
                self.pods[e.pod].server.settle(now, &mut self.settled);
            }
            self.record_settled_in_time_order();
        }
        let usable = |pods: &arena::Pods, pod: PodId| pods[pod].ejected_until <= now;
        if let Some(timeout) = service.session_affinity
            && let Some(&(pod, last)) = self.affinity[svc].get(&client)
            && now.since(last) <= timeout
            && self.eps[svc].iter().any(|e| e.pod == pod)
            && usable(&self.pods, pod)
        {
            self.affinity[svc].insert(client, (pod, now));
            return Some(pod);
        }
        let hashing = matches!(
            service.balancer,
            crate::scenario::Balancer::RingHash { .. } | crate::scenario::Balancer::Maglev { .. }
        );
        let World {
            pods,
            eps,
            balancers,
            rng,
            settled,
            scratch_eps,
            ..
        } = self;
        let all = &eps[svc];
        // Ejected endpoints leave the candidate list (hash balancers keep their ring and
        // walk on from an ejected pick, so the other clients' mapping stays put).
        let candidates: &[Endpoint] = if service.outlier_detection.is_some() && !hashing {
            scratch_eps.clear();
            scratch_eps.extend(all.iter().filter(|e| usable(pods, e.pod)));
            if scratch_eps.is_empty() {
                all
            } else {
                scratch_eps
            }
        } else {
            all
        };
        let pick = {
            let mut in_flight = |i: usize| {
                let server = &mut pods[candidates[i].pod].server;
                server.settle(now, settled);
                server.in_flight.len() as u32
            };
            let mut cx = PickContext {
                client,
                rng: &mut rng.balancer,
                in_flight: &mut in_flight,
            };
            balancers[svc].pick(candidates, &mut cx)
        };
        let mut pod = pick.map(|i| candidates[i].pod);
        if hashing
            && service.outlier_detection.is_some()
            && let Some(i) = pick
            && !usable(pods, candidates[i].pod)
        {
            let n = candidates.len();
            pod = (1..n)
                .map(|k| candidates[(i + k) % n].pod)
                .find(|p| usable(pods, *p))
                .or(pod);
        }
        if let (Some(_), Some(p)) = (service.session_affinity, pod) {
            self.affinity[svc].insert(client, (p, now));
        }
        pod
    }

    /// A request that first arrived at `arrival` finally failed at `at`.
    fn count_failure(&mut self, source: u32, arrival: SimTime, at: SimTime, cause: Failure) {
        if arrival >= self.rec.warmup() {
            let svc = self.sc.traffic[source as usize].service;
            self.rec.failure(svc, cause, arrival, at);
        }
    }

    /// Records attempts settled from several servers in the order they happened (outlier
    /// detection counts consecutive errors; ties in time go by admission).
    pub(super) fn record_settled_in_time_order(&mut self) {
        self.settled.sort_unstable_by_key(|f| (f.resolve, f.seq));
        self.record_settled();
    }

    /// Records settled attempts (completions and final timeouts).
    pub(super) fn record_settled(&mut self) {
        if self.settled.is_empty() {
            return;
        }
        let settled = std::mem::take(&mut self.settled);
        for f in &settled {
            self.observe(f.source, f.pod, f.ok, f.resolve);
            if f.retry_scheduled {
                continue;
            }
            if f.ok {
                if f.arrival >= self.rec.warmup() {
                    let svc = self.sc.traffic[f.source as usize].service;
                    self.rec.success(svc, f.arrival, f.resolve.0 - f.arrival.0);
                }
            } else {
                self.count_failure(f.source, f.arrival, f.resolve, Failure::Timeout);
            }
            self.free_slot(f.slot);
        }
        self.settled = settled;
        self.settled.clear();
    }

    fn attempt(
        &mut self,
        eng: &mut Eng,
        source: u32,
        arrival: SimTime,
        client: u32,
        attempt: u32,
        slot: u32,
    ) {
        let now = eng.now();
        let svc = self.sc.traffic[source as usize].service;
        let pick = self.pick(now, svc, client);
        self.record_settled();
        let Some(pod) = pick else {
            self.attempt_failed(eng, source, arrival, slot, attempt, Failure::NoEndpoint);
            return;
        };
        let p = &self.pods[pod];
        // A dead node answers nothing: the attempt hangs until the client's timeout. Only a
        // live node whose process is gone refuses at once (TCP reset).
        let node_dead = p.node.is_some_and(|n| !self.nodes[n.0 as usize].alive);
        if (p.proc != Proc::Listening || p.draining) && !node_dead {
            // Refused at once; by a deleted pod's shutdown, or by a process that died.
            let cause = if p.deleting {
                Failure::Terminating
            } else {
                Failure::DeadPod
            };
            self.observe(source, pod, false, now);
            self.attempt_failed(eng, source, arrival, slot, attempt, cause);
            return;
        }
        let (workload, hung) = (p.workload, p.hung || node_dead);
        let sc = self.sc;
        let deadline = now + sc.traffic[source as usize].timeout;
        let w = &sc.workloads[workload];
        let base = InFlight {
            resolve: deadline,
            deadline,
            arrival,
            source,
            slot,
            attempt,
            client,
            ok: false,
            retry_scheduled: false,
            seq: self.next_request_seq,
            pod,
        };
        self.next_request_seq += 1;
        let entry = if hung {
            base
        } else {
            if let Some(a) = &mut self.autoscalers[workload] {
                // What the app's request counter (and the HPA's Pods metric) sees.
                a.arrivals += 1.0;
            }
            let server = &mut self.pods[pod].server;
            let Some(start) = server.start_time(now, w.server.queue) else {
                self.observe(source, pod, false, now);
                self.attempt_failed(eng, source, arrival, slot, attempt, Failure::QueueFull);
                return;
            };
            let done = start + w.server.service_time.sample(&mut self.rng.service);
            server.admit(now, start, done);
            self.rec.cpu_used(workload, now, w.server.cpu_per_request_s);
            if let Some(a) = &mut self.autoscalers[workload] {
                a.cpu_s += w.server.cpu_per_request_s;
            }
            if done <= deadline {
                InFlight {
                    resolve: done,
                    ok: true,
                    ..base
                }
            } else {
                base
            }
        };
        let entry = self.maybe_schedule_timeout_retry(eng, entry);
        // Settle what this pod finished by now, so in-flight heaps stay as small as the
        // requests really in flight.
        let server = &mut self.pods[pod].server;
        server.settle(now, &mut self.settled);
        server.in_flight.push(entry);
        if !self.settled.is_empty() {
            self.record_settled();
        }
    }

    /// An attempt that will time out retries at its deadline plus the back-off.
    fn maybe_schedule_timeout_retry(&mut self, eng: &mut Eng, mut f: InFlight) -> InFlight {
        let cfg = &self.sc.traffic[f.source as usize];
        if !f.ok && f.attempt < cfg.retry_attempts && f.slot != NO_SLOT {
            self.schedule_retry(eng, f.slot, f.attempt, f.deadline + cfg.retry_backoff);
            f.retry_scheduled = true;
        }
        f
    }

    /// Records what `pod` settled by `now` and removes the attempts still in flight there,
    /// in admission order.
    fn take_in_flight(&mut self, pod: PodId, now: SimTime) -> Vec<InFlight> {
        self.pods[pod].server.settle(now, &mut self.settled);
        self.record_settled();
        let mut pending = std::mem::take(&mut self.pods[pod].server.in_flight).into_vec();
        pending.sort_unstable_by_key(|f| f.seq);
        pending
    }

    /// The pod's process stopped: requests in flight there fail now; a fresh server later.
    pub(super) fn server_down(&mut self, eng: &mut Eng, pod: PodId) {
        if !self.has_traffic {
            return;
        }
        let now = eng.now();
        // Work cut off by the exit of a deleted pod counts against its termination.
        let cause = if self.pods[pod].deleting {
            Failure::Terminating
        } else {
            Failure::DeadPod
        };
        for f in self.take_in_flight(pod, now) {
            self.observe(f.source, pod, false, now);
            // A pre-scheduled timeout retry is replaced by a retry from now.
            self.attempt_failed(eng, f.source, f.arrival, f.slot, f.attempt, cause);
        }
        self.reset_server(pod, now);
    }

    /// The process hangs: nothing in flight completes; each attempt times out at its deadline.
    pub(super) fn server_hung(&mut self, eng: &mut Eng, pod: PodId) {
        if !self.has_traffic {
            return;
        }
        let now = eng.now();
        let pending = self.take_in_flight(pod, now);
        let mut rewritten = Vec::with_capacity(pending.len());
        for f in pending {
            let f = if f.ok {
                self.maybe_schedule_timeout_retry(
                    eng,
                    InFlight {
                        ok: false,
                        resolve: f.deadline,
                        ..f
                    },
                )
            } else {
                f
            };
            rewritten.push(f);
        }
        self.pods[pod].server.in_flight = rewritten.into();
    }

    /// A new or recovered process: idle workers, empty queue.
    pub(super) fn reset_server(&mut self, pod: PodId, now: SimTime) {
        if !self.has_traffic {
            return;
        }
        let c = self.sc.workloads[self.pods[pod].workload]
            .server
            .concurrency;
        self.pods[pod].server.reset(c, now);
    }

    /// The balancers of the pod's services learn that it joined or left the endpoints.
    pub(super) fn endpoints_membership(&mut self, pod: PodId, listed: bool) {
        // Without traffic nobody reads the balancers' endpoint lists.
        if !self.has_traffic {
            return;
        }
        let p = &self.pods[pod];
        let wl = &self.sc.workloads[p.workload];
        let ep = Endpoint {
            pod,
            key: crate::rng::mix64(((p.workload as u64) << 32) | p.ordinal as u64),
            weight: wl.server.concurrency,
        };
        for &svc in &self.services_of[p.workload] {
            let list = &mut self.eps[svc];
            match (listed, list.iter().position(|e| e.pod == pod)) {
                (true, None) => list.push(ep),
                (false, Some(i)) => {
                    list.remove(i);
                }
                _ => continue,
            }
            self.balancers[svc].endpoints_changed(&self.eps[svc]);
        }
        // Joining or leaving the lists moves the fluid counts at once: a pod that leaves
        // may be freed before the counts are next brought up to date.
        self.fluid_recount_pod(pod);
    }

    /// End of run: every attempt still in flight is settled with its known outcome.
    pub(super) fn settle_all(&mut self) {
        for p in self.pods.iter_mut() {
            p.server.settle(SimTime::MAX, &mut self.settled);
        }
        self.settled.sort_unstable_by_key(|f| f.seq);
        self.record_settled();
    }
}
