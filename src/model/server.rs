//! A pod's request server without an event per request.
//!
//! Why: with FIFO order and service times drawn on arrival, a request's start and completion
//! are known the moment it is admitted (`concurrency` workers, each free at a known time). So
//! admission computes them, and the request waits in `in_flight`, a heap by the time its
//! outcome is settled (completion, or the client's timeout), until someone looks: a balancer
//! counting connections, the pod dying or hanging, or the end of the run. Only retries need
//! events. A pod that dies or hangs rewrites its in-flight requests (see `traffic.rs`).

use crate::time::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// One attempt of a request at this pod, with its outcome as far as it is known.
#[derive(Clone, Copy, Debug)]
pub struct InFlight {
    /// When the outcome is settled: completion (ok) or the client's deadline.
    pub resolve: SimTime,
    pub deadline: SimTime,
    /// The request's first arrival (latency counts from here, across retries).
    pub arrival: SimTime,
    pub source: u32,
    /// Retry slot, or `NO_SLOT` when the request cannot be retried.
    pub slot: u32,
    pub attempt: u32,
    pub client: u32,
    pub ok: bool,
    /// A retry is already scheduled for when this attempt times out.
    pub retry_scheduled: bool,
    /// Admission order: ties in `resolve` settle in this order.
    pub seq: u64,
    pub pod: super::PodId,
}

pub const NO_SLOT: u32 = u32::MAX;

impl PartialEq for InFlight {
    fn eq(&self, o: &Self) -> bool {
        (self.resolve, self.seq) == (o.resolve, o.seq)
    }
}
impl Eq for InFlight {}
impl PartialOrd for InFlight {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for InFlight {
    /// Reversed: the heap's top is the earliest `(resolve, seq)`.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.resolve, o.seq).cmp(&(self.resolve, self.seq))
    }
}

#[derive(Clone, Debug, Default)]
pub struct PodServer {
    /// When each worker is next free.
    free: BinaryHeap<Reverse<SimTime>>,
    /// Start times of admitted requests still waiting (non-decreasing: FIFO).
    waiting: VecDeque<SimTime>,
    pub in_flight: BinaryHeap<InFlight>,
}

impl PodServer {
    pub fn new(concurrency: u32, now: SimTime) -> Self {
        let mut s = PodServer::default();
        s.reset(concurrency, now);
        s
    }

    /// A fresh process: all workers idle from `now`, nothing queued.
    pub fn reset(&mut self, concurrency: u32, now: SimTime) {
        self.free.clear();
        self.free.extend((0..concurrency).map(|_| Reverse(now)));
        self.waiting.clear();
    }

    /// The start time a request admitted now would get, or `None` if the queue is full.
    pub fn start_time(&mut self, now: SimTime, queue: u32) -> Option<SimTime> {
        while self.waiting.front().is_some_and(|s| *s <= now) {
            self.waiting.pop_front();
        }
        let Reverse(first_free) = *self.free.peek().expect("a server has at least one worker");
        let start = first_free.max(now);
        (start <= now || self.waiting.len() < queue as usize).then_some(start)
    }

    /// Admits a request that starts at `start` (from `start_time`) and takes until `done`.
    pub fn admit(&mut self, now: SimTime, start: SimTime, done: SimTime) {
        self.free.pop();
        self.free.push(Reverse(done));
        if start > now {
            self.waiting.push_back(start);
        }
    }

    /// Moves every attempt settled by `now` into `out`.
    pub fn settle(&mut self, now: SimTime, out: &mut Vec<InFlight>) {
        while self.in_flight.peek().is_some_and(|f| f.resolve <= now) {
            out.push(self.in_flight.pop().expect("peeked"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_two_workers_and_a_queue_of_one() {
        // Two workers, queue 1; each request takes 10. Arrivals at 0, 0, 0, 0:
        // starts 0, 0, 10 (queued), then the fourth is rejected (queue full).
        let mut s = PodServer::new(2, SimTime(0));
        let now = SimTime(0);
        for want in [Some(0), Some(0), Some(10), None] {
            let st = s.start_time(now, 1);
            assert_eq!(st.map(|t| t.0), want);
            if let Some(st) = st {
                s.admit(now, st, SimTime(st.0 + 10));
            }
        }
        // At 10 the queued request has started: the queue has room again.
        assert_eq!(s.start_time(SimTime(10), 1), Some(SimTime(10)));
    }

    /// The slow oracle: a plain event-by-event FIFO c-server queue with a bounded waiting
    /// room. Returns each arrival's start time, or `None` if it was rejected.
    fn naive(arrivals: &[(u64, u64)], c: usize, cap: usize) -> Vec<Option<u64>> {
        let mut departures = std::collections::BinaryHeap::new();
        let mut waiting: VecDeque<(usize, u64)> = VecDeque::new();
        let mut busy = 0;
        let mut starts = vec![None; arrivals.len()];
        for (i, &(t, service)) in arrivals.iter().enumerate() {
            // Departures up to and including t happen first, each starting the next waiter.
            while let Some(&Reverse(d)) = departures.peek() {
                if d > t {
                    break;
                }
                departures.pop();
                busy -= 1;
                if let Some((j, sj)) = waiting.pop_front() {
                    starts[j] = Some(d);
                    busy += 1;
                    departures.push(Reverse(d + sj));
                }
            }
            if busy < c {
                busy += 1;
                starts[i] = Some(t);
                departures.push(Reverse(t + service));
            } else if waiting.len() < cap {
                waiting.push_back((i, service));
            }
        }
        // Drain: the rest start as servers free up.
        while let Some(Reverse(d)) = departures.pop() {
            if let Some((j, sj)) = waiting.pop_front() {
                starts[j] = Some(d);
                departures.push(Reverse(d + sj));
            }
        }
        starts
    }

    #[test]
    fn lazy_server_matches_the_event_by_event_oracle() {
        let mut rng = crate::rng::stream(42, "server-oracle");
        for (c, cap, load) in [(1, 5, 0.9), (3, 10, 1.2), (8, 0, 0.95), (2, 1000, 0.5)] {
            let mut t = 0u64;
            let arrivals: Vec<(u64, u64)> = (0..20_000)
                .map(|_| {
                    // Integer times with ties (coarse grid), exponential-ish gaps and services.
                    t += (-(1.0 - crate::rng::unit(&mut rng)).ln() * 10.0) as u64;
                    let service =
                        (-(1.0 - crate::rng::unit(&mut rng)).ln() * 10.0 * c as f64 * load) as u64;
                    (t, service)
                })
                .collect();
            let mut fast = PodServer::new(c as u32, SimTime(0));
            let got: Vec<Option<u64>> = arrivals
                .iter()
                .map(|&(t, service)| {
                    let start = fast.start_time(SimTime(t), cap as u32)?;
                    fast.admit(SimTime(t), start, SimTime(start.0 + service));
                    Some(start.0)
                })
                .collect();
            let want = naive(&arrivals, c, cap);
            let rejected = want.iter().filter(|s| s.is_none()).count();
            assert_eq!(got, want, "c {c}, queue {cap}, load {load}");
            assert!(
                cap > 100 || rejected > 0,
                "c {c}, queue {cap}: the case must exercise rejections"
            );
        }
    }
}
