//! Engine micro-benchmark: the hold model (pop one event, push one at now + random delay) at
//! 1k and 100k pending events, through the real `Engine` and its `run` loop.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kubesim::engine::{BinaryHeapQueue, Engine, EventQueue, Handler, run};
use kubesim::time::{SimDuration, SimTime};

/// Schedules one successor per event, with an exponential-ish delay from a cheap xorshift,
/// so the queue size stays constant (the classic hold model).
struct Hold {
    state: u64,
}

impl Handler<u32> for Hold {
    fn handle(&mut self, engine: &mut Engine<u32>, event: u32) {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let u = (self.state >> 11) as f64 / (1u64 << 53) as f64;
        let delay = SimDuration((-(1.0 - u).ln() * 1e9) as u64);
        engine.schedule_in(delay, event.wrapping_add(1));
    }
}

fn bench(c: &mut Criterion) {
    const EVENTS: u64 = 1_000_000;
    let mut g = c.benchmark_group("engine_hold");
    g.throughput(Throughput::Elements(EVENTS));
    g.sample_size(10);
    for pending in [1_000u32, 100_000] {
        g.bench_function(format!("{pending}_pending"), |b| {
            b.iter_batched(
                || {
                    let mut e = Engine::new();
                    let mut h = Hold {
                        state: 0x9E37_79B9_7F4A_7C15,
                    };
                    for i in 0..pending {
                        h.handle(&mut e, i);
                    }
                    (e, h)
                },
                |(mut e, mut h)| run(&mut e, &mut h, SimTime::MAX, EVENTS),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    // The queue alone, radix heap against std's binary heap: pop one, push one.
    let mut g = c.benchmark_group("queue_hold");
    g.throughput(Throughput::Elements(EVENTS));
    g.sample_size(10);
    for pending in [1_000u64, 100_000] {
        g.bench_function(format!("radix_{pending}_pending"), |b| {
            b.iter_batched(
                || {
                    (0..pending).fold(EventQueue::new(), |mut q, i| {
                        q.push(SimTime(i * 7919 % 1_000_000_000), i);
                        q
                    })
                },
                |mut q| hold(EVENTS, &mut q),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("binary_heap_{pending}_pending"), |b| {
            b.iter_batched(
                || {
                    (0..pending).fold(BinaryHeapQueue::default(), |mut q, i| {
                        q.push(SimTime(i * 7919 % 1_000_000_000), i);
                        q
                    })
                },
                |mut q| hold(EVENTS, &mut q),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

trait Queue {
    fn push(&mut self, t: SimTime, e: u64);
    fn pop(&mut self) -> Option<(SimTime, u64)>;
}

impl Queue for EventQueue<u64> {
    fn push(&mut self, t: SimTime, e: u64) {
        EventQueue::push(self, t, e)
    }
    fn pop(&mut self) -> Option<(SimTime, u64)> {
        EventQueue::pop(self)
    }
}

impl Queue for BinaryHeapQueue<u64> {
    fn push(&mut self, t: SimTime, e: u64) {
        BinaryHeapQueue::push(self, t, e)
    }
    fn pop(&mut self) -> Option<(SimTime, u64)> {
        BinaryHeapQueue::pop(self)
    }
}

/// `n` hold operations: pop the earliest, push it again at a random later time.
fn hold(n: u64, q: &mut impl Queue) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut sum = 0;
    for _ in 0..n {
        let (t, e) = q.pop().expect("hold keeps the queue full");
        sum += e;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        q.push(t + SimDuration((-(1.0 - u).ln() * 1e9) as u64), e);
    }
    sum
}

criterion_group!(benches, bench);
criterion_main!(benches);
