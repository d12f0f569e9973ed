//! The pending-event queue, keyed by `(time, seq)`.
//!
//! Ordering contract: events pop in increasing time; events at the same time pop in the order
//! they were scheduled (FIFO by a monotone sequence number). Nothing else breaks ties, so a run
//! is a pure function of its seed.
//!
//! Why a radix heap: simulated time never goes backwards, so every key pushed is at least the
//! last key popped. A radix heap exploits that: bucket `i` holds keys whose highest bit that
//! differs from the last popped key is bit `i − 1`; a pop refills from the lowest non-empty
//! bucket, and each key moves down at most once per bit. Measured on this project's 2-core
//! machine (`cargo bench --bench engine`, pop + push with exponential delays): std's
//! `BinaryHeap` does 12 M ops/s at 1k pending but only 2.6–4.4 M at 100k (its sift-down walks a
//! heap that no longer fits in cache); this radix heap does 6.9 M at 1k and 6.0 M at 100k.
//! On the year-long 100-pod model (a few hundred pending events) it was still faster overall:
//! 5.0 ms per run against 7.7 ms with the binary heap (`cargo bench --bench model`).
//! Since then (issue 9): each bucket keeps its minimum (O(1) peek, one pass per refill),
//! bucket 0 is a Vec with a read index, and buckets keep their buffers when drained (up to
//! `RETAIN` entries each), moving entries down in place. A before/after criterion comparison on the shared, busy 2-core machine
//! was within its noise (±20 %), so no speed-up is claimed for the micro-benchmark here.
//!
//! Ties: entries with equal times always sit in the same bucket (a bucket is fixed by the
//! bits above the one that differs from `last`, and `last` only moves within the bucket being
//! emptied), and every move appends in order, so same-time events stay FIFO without storing a
//! sequence number.
//! `BinaryHeapQueue` below is the simple reference the tests compare against.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

const BUCKETS: usize = 65;

/// The most capacity (entries) a drained bucket keeps: 65 × 4096 × 32 bytes ≤ 8.5 MB.
const RETAIN: usize = 4096;

/// A monotone min-queue of events by `(time, seq)`.
pub struct EventQueue<E> {
    /// Bucket 0: entries at exactly `last`, in scheduling order, popped from `head` on (a
    /// plain Vec and an index: cheaper than a ring buffer, and cleared once drained).
    current: Vec<E>,
    head: usize,
    /// Buckets 1..=64, by highest bit differing from `last`; entries keep scheduling order.
    buckets: Vec<Vec<(u64, E)>>,
    /// Bit `i` set ⇔ `buckets[i]` is non-empty.
    occupied: u128,
    /// Smallest key in each bucket (`u64::MAX` when empty), kept on every push and move, so
    /// that a refill needs no extra pass to find its new `last` and `peek_time` is O(1).
    /// Peeking must not refill (that would move `last` past keys a handler may still push:
    /// see `Engine::try_advance`); with these it does not need to.
    mins: [u64; BUCKETS],
    last: u64,
    len: usize,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket(key: u64, last: u64) -> usize {
    (64 - (key ^ last).leading_zeros()) as usize
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            current: Vec::new(),
            head: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            mins: [u64::MAX; BUCKETS],
            last: 0,
            len: 0,
        }
    }

    /// Schedules `event` at `time`, after every event already scheduled for that time.
    /// `time` must not precede the last popped time (panics otherwise: the clock would run
    /// backwards). O(1); an entry later moves down at most once per bit of the time range.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        assert!(
            time.0 >= self.last,
            "event at {time:?} is before the last popped event"
        );
        let b = bucket(time.0, self.last);
        if b == 0 {
            self.current.push(event);
        } else {
            self.push_to(b, time.0, event);
            self.occupied |= 1 << b;
        }
        self.len += 1;
    }

    #[inline]
    fn push_to(&mut self, b: usize, key: u64, event: E) {
        self.buckets[b].push((key, event));
        self.mins[b] = self.mins[b].min(key);
    }

    /// Makes bucket 0 hold the earliest entries (no-op if it does or the queue is empty).
    /// Equal times always share a bucket and moves keep order, so FIFO among them survives.
    fn refill(&mut self) {
        if self.head < self.current.len() {
            return;
        }
        self.current.clear();
        self.head = 0;
        if self.occupied == 0 {
            return;
        }
        let i = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << i);
        let min = std::mem::replace(&mut self.mins[i], u64::MAX);
        self.last = min;
        // Every entry of bucket i moves to a lower bucket: drain it in place, so that no
        // buffer is freed and re-grown on each refill (that malloc/realloc churn was ~18 % of
        // the queue's time).
        let (lower, rest) = self.buckets.split_at_mut(i);
        let moving = &mut rest[0];
        for &(k, e) in moving.iter() {
            let b = bucket(k, min);
            if b == 0 {
                self.current.push(e);
            } else {
                lower[b].push((k, e));
                self.mins[b] = self.mins[b].min(k);
                self.occupied |= 1 << b;
            }
        }
        moving.clear();
        // Buffers are kept for reuse, but a rare burst must not pin its memory for the rest
        // of the run: a bucket keeps at most RETAIN entries of capacity once drained.
        if moving.capacity() > RETAIN {
            moving.shrink_to(RETAIN);
        }
    }

    /// Removes and returns the earliest event (FIFO among equal times).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.refill();
        let e = *self.current.get(self.head)?;
        self.head += 1;
        self.len -= 1;
        Some((SimTime(self.last), e))
    }

    /// The time of the earliest event, without removing it. Never moves the queue's lower
    /// bound, so events may still be pushed anywhere at or after the last popped time.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.head < self.current.len() {
            return Some(SimTime(self.last));
        }
        if self.occupied == 0 {
            return None;
        }
        Some(SimTime(self.mins[self.occupied.trailing_zeros() as usize]))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that std's max-heap pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The reference queue: std's binary heap with the same contract (O(log n) push and pop).
pub struct BinaryHeapQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for BinaryHeapQueue<E> {
    fn default() -> Self {
        BinaryHeapQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> BinaryHeapQueue<E> {
    pub fn push(&mut self, time: SimTime, event: E) {
        self.heap.push(Entry {
            time,
            seq: self.next_seq,
            event,
        });
        self.next_seq += 1;
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_fifo() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 'a');
        q.push(SimTime(1), 'b');
        q.push(SimTime(5), 'c');
        q.push(SimTime(1), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['b', 'd', 'a', 'c']);
    }

    #[test]
    fn peeking_does_not_forbid_earlier_pushes() {
        let mut q = EventQueue::new();
        q.push(SimTime(100), 'a');
        q.push(SimTime(1000), 'b');
        assert_eq!(q.pop(), Some((SimTime(100), 'a')));
        assert_eq!(q.peek_time(), Some(SimTime(1000)));
        // A handler at time 100 may still schedule at 500, before the peeked event.
        q.push(SimTime(500), 'c');
        assert_eq!(q.peek_time(), Some(SimTime(500)));
        assert_eq!(q.pop(), Some((SimTime(500), 'c')));
        assert_eq!(q.pop(), Some((SimTime(1000), 'b')));
    }

    #[test]
    fn matches_the_binary_heap_reference() {
        // A hold model with many ties and a wide spread of delays, interleaving pushes and
        // pops: both queues must pop the same (time, event) sequence.
        let (mut fast, mut slow) = (EventQueue::new(), BinaryHeapQueue::default());
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut now = 0u64;
        for i in 0..2_000u32 {
            fast.push(SimTime(i as u64 % 7), i);
            slow.push(SimTime(i as u64 % 7), i);
        }
        for i in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x.is_multiple_of(5) {
                fast.peek_time();
            }
            if !x.is_multiple_of(3) {
                let (a, b) = (fast.pop(), slow.pop());
                assert_eq!(a, b, "pop {i}");
                if let Some((t, _)) = a {
                    now = t.0;
                }
            }
            let delay = match x % 4 {
                0 => 0,
                1 => x % 10,
                2 => x % 1_000_000,
                _ => x % (1 << 40),
            };
            fast.push(SimTime(now + delay), i);
            slow.push(SimTime(now + delay), i);
        }
        while let Some(b) = slow.pop() {
            assert_eq!(fast.pop(), Some(b));
        }
        assert!(fast.is_empty());
    }
}
