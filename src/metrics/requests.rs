//! Request outcomes of one service: counters by cause and an HDR histogram of the latency of
//! successful requests (microseconds, 3 significant digits); the latency every request had
//! as its client saw it (a failure at the time it failed); the requests that arrived while
//! the service was down.

use hdrhistogram::Histogram;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    NoEndpoint = 0,
    DeadPod = 1,
    QueueFull = 2,
    Timeout = 3,
    /// Refused by a process draining after SIGTERM, or cut off when it exited.
    Terminating = 4,
}

/// The number of failure causes (`RequestStats::failed` has one counter each).
pub const FAILURE_CAUSES: usize = 5;

#[derive(Clone, PartialEq)]
pub struct RequestStats {
    pub requests: u64,
    pub ok: u64,
    pub failed: [u64; FAILURE_CAUSES],
    pub retries: u64,
    pub latency_sum_us: f64,
    pub latency_us: Histogram<u64>,
    /// Every request, as its client saw it: a success at its latency, a failure at the time
    /// from its first arrival to its final failure (a timeout at the deadline). Created at
    /// the first record (the per-sample statistics of the time series never hold one).
    pub client_us: Option<Histogram<u64>>,
    /// Requests that first arrived while the service was down (fewer than `min_ready`
    /// serving pods), and how many of them succeeded.
    pub incident_requests: u64,
    pub incident_ok: u64,
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

impl Default for RequestStats {
    fn default() -> Self {
        RequestStats {
            requests: 0,
            ok: 0,
            failed: [0; FAILURE_CAUSES],
            retries: 0,
            latency_sum_us: 0.0,
            latency_us: new_histogram(),
            client_us: None,
            incident_requests: 0,
            incident_ok: 0,
        }
    }
}

/// Counters and percentiles, not the histogram's thousands of buckets.
impl std::fmt::Debug for RequestStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestStats")
            .field("requests", &self.requests)
            .field("ok", &self.ok)
            .field("failed", &self.failed)
            .field("retries", &self.retries)
            .field("latency_ms", &self.latency_ms())
            .finish()
    }
}

impl RequestStats {
    pub fn success(&mut self, latency_ns: u64) {
        self.requests += 1;
        self.ok += 1;
        let us = latency_ns as f64 / 1e3;
        self.latency_sum_us += us;
        self.latency_us
            .saturating_record((us.round() as u64).max(1));
    }

    pub fn failure(&mut self, cause: Failure) {
        self.requests += 1;
        self.failed[cause as usize] += 1;
    }

    /// `n` requests took `us` microseconds as their clients saw them.
    pub fn client_record_n(&mut self, us: u64, n: u64) {
        if n > 0 {
            self.client_us
                .get_or_insert_with(new_histogram)
                .saturating_record_n(us.max(1), n);
        }
    }

    /// A request the client saw end after `ns` (success or failure); `in_incident`: it
    /// arrived while the service was down.
    pub fn client_outcome(&mut self, ns: u64, ok: bool, in_incident: bool) {
        self.client_record_n((ns as f64 / 1e3).round() as u64, 1);
        if in_incident {
            self.incident_requests += 1;
            self.incident_ok += u64::from(ok);
        }
    }

    /// Latency of every request as its client saw it, in ms: (p50, p99, p99.9); NaN without
    /// any.
    pub fn client_latency_ms(&self) -> [f64; 3] {
        match &self.client_us {
            Some(h) if !h.is_empty() => {
                let q = |p: f64| h.value_at_quantile(p) as f64 / 1e3;
                [q(0.5), q(0.99), q(0.999)]
            }
            _ => [f64::NAN; 3],
        }
    }

    /// Success ratio of the requests that arrived while the service was down.
    pub fn incident_success_ratio(&self) -> Option<f64> {
        (self.incident_requests > 0)
            .then(|| self.incident_ok as f64 / self.incident_requests as f64)
    }

    pub fn failed_total(&self) -> u64 {
        self.failed.iter().sum()
    }

    /// Adds `other`'s outcomes. Counts saturate (shards bound them, so they never reach it).
    pub fn merge(&mut self, other: &RequestStats) {
        self.requests = self.requests.saturating_add(other.requests);
        self.ok = self.ok.saturating_add(other.ok);
        for i in 0..FAILURE_CAUSES {
            self.failed[i] = self.failed[i].saturating_add(other.failed[i]);
        }
        self.retries = self.retries.saturating_add(other.retries);
        self.latency_sum_us += other.latency_sum_us;
        self.latency_us
            .add(&other.latency_us)
            .expect("histograms share bounds");
        if let Some(h) = &other.client_us {
            self.client_us
                .get_or_insert_with(new_histogram)
                .add(h)
                .expect("histograms share bounds");
        }
        self.incident_requests = self
            .incident_requests
            .saturating_add(other.incident_requests);
        self.incident_ok = self.incident_ok.saturating_add(other.incident_ok);
    }

    /// Latency of successful requests in ms: (mean, p50, p90, p99, p99.9); NaN without any.
    pub fn latency_ms(&self) -> [f64; 5] {
        if self.ok == 0 {
            return [f64::NAN; 5];
        }
        let q = |p: f64| self.latency_us.value_at_quantile(p) as f64 / 1e3;
        [
            self.latency_sum_us / self.ok as f64 / 1e3,
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
        ]
    }
}
