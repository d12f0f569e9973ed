//! The event loop: a clock, a queue and a budget. Knows nothing about Kubernetes; a model
//! implements `Handler` and reaches time only through the `Engine` it is handed.

pub mod queue;

pub use queue::{BinaryHeapQueue, EventQueue};

use crate::time::{SimDuration, SimTime};

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The next event lay at or after the horizon (the normal end).
    Horizon,
    /// The event budget ran out first; results cover `[0, end)` only.
    EventBudget,
    /// Nothing was left to happen before the horizon.
    Idle,
    /// The cancel flag was set (an interrupt): the run is unfinished and must be discarded.
    Cancelled,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Horizon => "horizon",
            StopReason::EventBudget => "event_budget",
            StopReason::Idle => "idle",
            StopReason::Cancelled => "cancelled",
        }
    }
}

/// Clock and queue of one run.
pub struct Engine<E> {
    now: SimTime,
    queue: EventQueue<E>,
    processed: u64,
    horizon: SimTime,
    max_events: u64,
    cancel: Option<&'static std::sync::atomic::AtomicBool>,
    /// `processed` at which to look at the budget and the cancel flag next (one compare on
    /// the hot paths; the rest only every `CANCEL_CHECK_EVERY` events).
    check_at: u64,
}

impl<E: Copy> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Engine<E> {
    pub fn new() -> Self {
        Engine {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            processed: 0,
            horizon: SimTime::MAX,
            max_events: u64::MAX,
            cancel: None,
            check_at: 0,
        }
    }

    /// A flag that, once set (by an interrupt), stops `run` with `StopReason::Cancelled`.
    pub fn set_cancel(&mut self, flag: Option<&'static std::sync::atomic::AtomicBool>) {
        self.cancel = flag;
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` after `delay`; same-time events keep scheduling order.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.queue.push(self.now + delay, event);
    }

    /// Schedules `event` at `time`, which must not be in the past.
    pub fn schedule_at(&mut self, time: SimTime, event: E) {
        oracle_assert!(
            time >= self.now,
            "event scheduled in the past: {time:?} < {:?}",
            self.now
        );
        self.queue.push(time.max(self.now), event);
    }

    /// Moves the clock to `time` inside a handler, as if an event at `time` had been popped,
    /// when that cannot reorder anything: `time` lies before every queued event (strictly, so
    /// same-time events keep their FIFO order), before the horizon, and within the budget.
    /// Lets a source of independent events (request arrivals) run in a tight loop instead of
    /// one queue round-trip per event. Counts as one processed event.
    pub fn try_advance(&mut self, time: SimTime) -> bool {
        let before_next = self.queue.peek_time().is_none_or(|t| time < t);
        if time >= self.now
            && time < self.horizon
            && before_next
            && (self.processed < self.check_at || self.recheck())
        {
            self.now = time;
            self.processed += 1;
            true
        } else {
            false
        }
    }

    /// At `check_at`: false at the budget or once cancelled, else sets the next check.
    #[cold]
    fn recheck(&mut self) -> bool {
        if self.processed >= self.max_events || self.cancelled() {
            return false;
        }
        self.check_at = (self.processed + CANCEL_CHECK_EVERY).min(self.max_events);
        true
    }

    fn cancelled(&self) -> bool {
        self.cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    }

    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// A model driven by the engine.
pub trait Handler<E> {
    fn handle(&mut self, engine: &mut Engine<E>, event: E);
}

/// Events between two looks at the cancel flag: rare enough to cost nothing, frequent enough
/// that an interrupt stops even a single long run within milliseconds.
pub const CANCEL_CHECK_EVERY: u64 = 1 << 16;

/// Runs until the horizon (events at or after it are not processed), the budget, an empty
/// queue, or the engine's cancel flag (looked at every `CANCEL_CHECK_EVERY` events, also
/// inside `try_advance` loops). On return the clock stands at the end of the simulated
/// interval.
pub fn run<E: Copy, H: Handler<E>>(
    engine: &mut Engine<E>,
    model: &mut H,
    horizon: SimTime,
    max_events: u64,
) -> StopReason {
    engine.horizon = horizon;
    engine.max_events = max_events;
    engine.check_at = engine.processed;
    loop {
        match engine.queue.peek_time() {
            None => {
                engine.now = horizon;
                return StopReason::Idle;
            }
            Some(t) if t >= horizon => {
                engine.now = horizon;
                return StopReason::Horizon;
            }
            Some(_) if engine.processed >= engine.check_at => {
                if engine.processed >= max_events {
                    return StopReason::EventBudget;
                }
                if engine.cancelled() {
                    return StopReason::Cancelled;
                }
                engine.check_at = (engine.processed + CANCEL_CHECK_EVERY).min(max_events);
            }
            Some(_) => {}
        }
        let (t, event) = engine.queue.pop().expect("peeked");
        engine.now = t;
        engine.processed += 1;
        model.handle(engine, event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ticker {
        seen: Vec<u64>,
    }
    impl Handler<u64> for Ticker {
        fn handle(&mut self, engine: &mut Engine<u64>, n: u64) {
            self.seen.push(engine.now().0);
            engine.schedule_in(SimDuration(10), n + 1);
        }
    }

    #[test]
    fn stops_at_horizon_and_budget() {
        let mut e = Engine::new();
        e.schedule_at(SimTime(0), 0);
        let mut t = Ticker { seen: vec![] };
        assert_eq!(
            run(&mut e, &mut t, SimTime(35), u64::MAX),
            StopReason::Horizon
        );
        assert_eq!(t.seen, vec![0, 10, 20, 30]);
        let mut e = Engine::new();
        e.schedule_at(SimTime(0), 0);
        let mut t = Ticker { seen: vec![] };
        assert_eq!(
            run(&mut e, &mut t, SimTime(1000), 3),
            StopReason::EventBudget
        );
        assert_eq!(t.seen.len(), 3);
        assert_eq!(e.now(), SimTime(20));
    }

    #[test]
    fn a_set_cancel_flag_stops_the_run_at_the_next_check() {
        let flag: &'static _ = Box::leak(Box::new(std::sync::atomic::AtomicBool::new(true)));
        let mut e = Engine::new();
        e.set_cancel(Some(flag));
        e.schedule_at(SimTime(0), 0);
        let mut t = Ticker { seen: vec![] };
        let stop = run(&mut e, &mut t, SimTime::MAX, u64::MAX);
        assert_eq!(stop, StopReason::Cancelled);
        assert!(t.seen.is_empty(), "checked before the first event");
        // Cleared flag: runs to the budget; set while running: stops within one interval.
        flag.store(false, std::sync::atomic::Ordering::Relaxed);
        let mut e = Engine::new();
        e.set_cancel(Some(flag));
        e.schedule_at(SimTime(0), 0);
        struct SetsFlag<'a>(&'a std::sync::atomic::AtomicBool, u64);
        impl Handler<u64> for SetsFlag<'_> {
            fn handle(&mut self, engine: &mut Engine<u64>, n: u64) {
                self.1 += 1;
                if n == 100_000 {
                    self.0.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                engine.schedule_in(SimDuration(1), n + 1);
            }
        }
        let mut h = SetsFlag(flag, 0);
        let stop = run(&mut e, &mut h, SimTime::MAX, u64::MAX);
        assert_eq!(stop, StopReason::Cancelled);
        assert_eq!(
            h.1,
            2 * CANCEL_CHECK_EVERY,
            "stopped at the first check after event 100000"
        );
    }
}
