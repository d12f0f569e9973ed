//! Forecasts of a service's request arrival rate for predictive scaling, and their error.
//!
//! Why: the HPA reacts to load that has already arrived; with pods that take minutes to
//! become Ready, a forecast lets replicas be added before the load does. The simulator
//! observes every 15 s for a month with daily seasons (5,760 slots), so every model keeps
//! O(window) or O(period) state and does O(1) amortised work per observation and forecast.
//!
//! Horizons are in seconds after the last observation; `h / step` is the distance in steps.
//! Trends extrapolate over that fractional distance; seasons use the nearest whole step.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ForecastModel {
    /// Least-squares linear trend over the last `window_s` seconds of observations.
    Linear { window_s: f64 },
    /// The value one season ago: forecast(t + h) = observed(t + h - k·period) for the
    /// smallest k ≥ 1 that lands in the past (k = 0 for h = 0: the last observation).
    SeasonalNaive { period_s: f64 },
    /// Additive Holt–Winters (level, trend, season of `period_s / step_s` slots) with
    /// smoothing constants (FPP3 §8.3; `beta` is β*, applied to the level's change).
    ///
    /// 0 < α, β, γ < 1 does not make it stable: with many slots the error-correction
    /// dynamics can have an eigenvalue above 1, and then any disturbance grows period after
    /// period (α 0.2, β 0.05, γ 0.3 diverges at 240 slots; at 40 it converges).
    HoltWinters {
        period_s: f64,
        alpha: f64,
        beta: f64,
        gamma: f64,
    },
}

#[derive(Clone, Debug)]
pub struct Forecaster {
    model: ForecastModel,
    step_s: f64,
    /// Ring capacity: the window's points (Linear) or the season's slots.
    cap: usize,
    /// Observation `i` sits at `i % cap`: the window (Linear), the last period
    /// (SeasonalNaive), the raw first period and then s by slot (HoltWinters). It grows by
    /// push, so an absurd capacity (usize saturates) costs nothing until observations come.
    buf: Vec<f64>,
    count: u64,
    /// Linear: x is 0 for the oldest point in the window and len-1 for the newest, so Σx and
    /// Σx² are closed forms and only Σy and Σxy need maintaining.
    sum_y: f64,
    sum_xy: f64,
    /// HoltWinters: ℓ and b.
    level: f64,
    trend: f64,
}

/// Whole steps in `span_s`, at least one.
fn slots(span_s: f64, step_s: f64) -> usize {
    let r = (span_s / step_s).round();
    if r >= 1.0 { r as usize } else { 1 }
}

/// Rates cannot be negative; overflow is clamped rather than handed to the autoscaler, and a
/// NaN (only from overflowed state) is no forecast at all.
fn rate(x: f64) -> Option<f64> {
    (!x.is_nan()).then(|| x.clamp(0.0, f64::MAX))
}

impl Forecaster {
    /// Observations arrive every `step_s` seconds (regular grid; the caller guarantees it).
    pub fn new(model: ForecastModel, step_s: f64) -> Self {
        // A step that is not positive has no grid; 1 s keeps every division finite.
        let step_s = if step_s > 0.0 && step_s.is_finite() {
            step_s
        } else {
            1.0
        };
        let cap = match model {
            ForecastModel::Linear { window_s } => slots(window_s, step_s).max(2),
            ForecastModel::SeasonalNaive { period_s } => slots(period_s, step_s),
            ForecastModel::HoltWinters { period_s, .. } => slots(period_s, step_s),
        };
        Forecaster {
            model,
            step_s,
            cap,
            buf: Vec::new(),
            count: 0,
            sum_y: 0.0,
            sum_xy: 0.0,
            level: 0.0,
            trend: 0.0,
        }
    }

    /// The mean rate observed over the step that ended now.
    pub fn observe(&mut self, value: f64) {
        let (n, slot) = (self.cap, (self.count % self.cap as u64) as usize);
        self.count += 1;
        if self.buf.len() < n {
            self.sum_xy += self.buf.len() as f64 * value;
            self.sum_y += value;
            self.buf.push(value);
            if self.buf.len() == n && matches!(self.model, ForecastModel::HoltWinters { .. }) {
                // b0 = 0 rather than the difference of two period means: forecasts start
                // after one period, and β learns the trend from there.
                self.level = self.sum_y / n as f64;
                for s in &mut self.buf {
                    *s -= self.level;
                }
            }
            return;
        }
        match self.model {
            ForecastModel::Linear { .. } => {
                // The oldest point leaves (it had x = 0) and every other point moves one
                // place towards x = 0, which takes Σy(remaining) off Σxy.
                let rest = self.sum_y - self.buf[slot];
                self.sum_xy += (n - 1) as f64 * value - rest;
                self.sum_y = rest + value;
                self.buf[slot] = value;
                if self.count.is_multiple_of(n as u64) {
                    // Adding and subtracting drifts (a spike leaves residue behind); a fresh
                    // sum once per window bounds the drift at O(1) amortised cost. The
                    // oldest point is at slot 0 now.
                    self.sum_y = self.buf.iter().sum();
                    self.sum_xy = self.buf.iter().enumerate().map(|(x, y)| x as f64 * y).sum();
                }
            }
            ForecastModel::SeasonalNaive { .. } => self.buf[slot] = value,
            ForecastModel::HoltWinters {
                alpha, beta, gamma, ..
            } => {
                let s_old = self.buf[slot];
                let prev = self.level + self.trend;
                let level = alpha * (value - s_old) + (1.0 - alpha) * prev;
                self.trend = beta * (level - self.level) + (1.0 - beta) * self.trend;
                self.buf[slot] = gamma * (value - prev) + (1.0 - gamma) * s_old;
                self.level = level;
            }
        }
    }

    /// Forecast of the rate `h_s` seconds after the last observation (h_s ≥ 0), or None while
    /// there is not enough history (Linear: 2 points; SeasonalNaive: one full period;
    /// HoltWinters: one full period). Clamped to ≥ 0 and finite.
    pub fn forecast(&self, h_s: f64) -> Option<f64> {
        let ahead = h_s / self.step_s;
        // A NaN horizon fails the comparison and becomes "now".
        let ahead = if ahead > 0.0 {
            ahead.min(f64::MAX)
        } else {
            0.0
        };
        let m = self.cap as u64;
        let last = self.count.checked_sub(1)?;
        // The season slot of the target step t+j is that of t+j-m(k+1) for any k; summing
        // residues avoids overflow.
        let slot = ((last % m + ahead.round() as u64 % m) % m) as usize;
        match self.model {
            ForecastModel::Linear { .. } => {
                let len = self.buf.len() as f64;
                if len < 2.0 {
                    return None;
                }
                let x_mean = (len - 1.0) / 2.0;
                let sxx = len * (len * len - 1.0) / 12.0;
                let slope = (self.sum_xy - x_mean * self.sum_y) / sxx;
                // The newest point is at x = len-1, half a window past the mean.
                rate(self.sum_y / len + slope * (x_mean + ahead))
            }
            _ if self.buf.len() < self.cap => None,
            ForecastModel::SeasonalNaive { .. } => rate(self.buf[slot]),
            ForecastModel::HoltWinters { .. } => {
                rate(self.level + ahead * self.trend + self.buf[slot])
            }
        }
    }
}

/// Mean absolute percentage error of forecasts, scored when the actual value for the
/// forecast's target step arrives.
#[derive(Clone, Debug, Default)]
pub struct ForecastError {
    /// Forecasts waiting for their actual, by target step.
    pending: BTreeMap<u64, Vec<f64>>,
    sum_ape: f64,
    scored: u64,
    skipped: u64,
}

impl ForecastError {
    pub fn new() -> Self {
        Self::default()
    }

    /// A forecast made now for the observation that will be recorded at step index
    /// `target_step` (caller's step counter).
    pub fn predicted(&mut self, target_step: u64, value: f64) {
        self.pending.entry(target_step).or_default().push(value);
    }

    /// The actual observation of step `step`: scores every pending forecast targeting that
    /// step, drops older ones (their actual was never reported).
    pub fn actual(&mut self, step: u64, value: f64) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > step {
                break;
            }
            let (target, forecasts) = entry.remove_entry();
            if target < step {
                continue;
            }
            if value.is_finite() && value > 1e-9 {
                for p in forecasts {
                    self.sum_ape += (p - value).abs() / value;
                    self.scored += 1;
                }
            } else {
                self.skipped += forecasts.len() as u64;
            }
        }
    }

    /// MAPE as a fraction (0.12 = 12 %), None until one forecast was scored.
    pub fn mape(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.sum_ape / self.scored as f64)
    }

    pub fn scored(&self) -> u64 {
        self.scored
    }

    /// Forecasts whose actual was ≤ 1e-9 (or not finite): no percentage exists for them.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    const STEP: f64 = 15.0;

    fn feed(f: &mut Forecaster, ys: impl IntoIterator<Item = f64>) {
        ys.into_iter().for_each(|y| f.observe(y));
    }

    fn linear() -> Forecaster {
        // 300 s = 20 points of 15 s.
        Forecaster::new(ForecastModel::Linear { window_s: 300.0 }, STEP)
    }

    fn holt(period_s: f64, [alpha, beta, gamma]: [f64; 3]) -> ForecastModel {
        ForecastModel::HoltWinters {
            period_s,
            alpha,
            beta,
            gamma,
        }
    }

    /// Constants that converge at 40 slots (see `ForecastModel::HoltWinters`).
    const SMOOTH: [f64; 3] = [0.1, 0.01, 0.2];

    #[test]
    fn linear_predicts_an_exact_line_from_its_window_only() {
        let mut f = linear();
        f.observe(7.0);
        assert_eq!(f.forecast(0.0), None);
        f.observe(9.0);
        // Slope 2 per step; h = 30 s is 2 steps after 9: 13.
        assert_eq!(f.forecast(30.0), Some(13.0));

        // y = 3 + 2t at t = 15·i, 50 points so the ring slides. Last t = 735; at h = 60:
        // 3 + 2·795 = 1593.
        let mut f = linear();
        feed(&mut f, (0..50).map(|i| 3.0 + 2.0 * STEP * i as f64));
        let got = f.forecast(60.0).unwrap();
        assert!((got - 1593.0).abs() < 1e-9, "{got}");

        // A step 100 → 5 older than the window: 20 points of 5 leave only 5 in the fit.
        let mut f = linear();
        feed(&mut f, std::iter::repeat_n(100.0, 37));
        feed(&mut f, std::iter::repeat_n(5.0, 20));
        assert_eq!(f.forecast(60.0), Some(5.0));
        // One point of 100 still inside (19 of 5 after it) tilts the line: not forgotten yet.
        let mut g = linear();
        feed(&mut g, std::iter::repeat_n(100.0, 37));
        feed(&mut g, std::iter::repeat_n(5.0, 19));
        assert!(g.forecast(60.0).unwrap() < 5.0 - 1e-6);
    }

    #[test]
    fn linear_forgets_the_rounding_of_a_spike() {
        // Σy holds 1e17 + 0.3·19 while the spike is in the window; 0.3 is below the spacing
        // of doubles near 1e17 (16), so subtracting the spike leaves garbage until the sums
        // are rebuilt, which happens within a window of its leaving.
        let mut f = linear();
        feed(&mut f, std::iter::repeat_n(0.3, 10));
        f.observe(1e17);
        feed(&mut f, std::iter::repeat_n(0.3, 40));
        let got = f.forecast(60.0).unwrap();
        assert!((got - 0.3).abs() < 1e-12, "{got}");
    }

    #[test]
    fn seasonal_naive_repeats_a_square_wave() {
        // Period 120 s = 8 slots: 4 high (10), 4 low (2).
        let wave = |i: usize| if i % 8 < 4 { 10.0 } else { 2.0 };
        let mut f = Forecaster::new(ForecastModel::SeasonalNaive { period_s: 120.0 }, STEP);
        feed(&mut f, (0..7).map(wave));
        assert_eq!(f.forecast(STEP), None, "7 of 8 slots is not a period");
        feed(&mut f, (7..27).map(wave));
        // Last index 26; h = j steps targets index 26 + j, for j up to two periods.
        for j in 0..=16 {
            assert_eq!(f.forecast(j as f64 * STEP), Some(wave(26 + j)), "j = {j}");
        }
        // 20 s rounds to 1 step (1.33), 25 s to 2 (1.67).
        assert_eq!(f.forecast(20.0), Some(wave(27)));
        assert_eq!(f.forecast(25.0), Some(wave(28)));
    }

    #[test]
    fn holt_winters_converges_on_a_pure_season() {
        // Period 600 s = 40 slots; y = 100 + 20 sin(2π i/40). An off-by-one slot would miss
        // by up to 20·2π/40 ≈ 3.1, far above the 1 % bound of 0.2.
        let m = 40;
        let y = |i: usize| 100.0 + 20.0 * (TAU * i as f64 / m as f64).sin();
        let mut f = Forecaster::new(holt(600.0, SMOOTH), STEP);
        feed(&mut f, (0..m - 1).map(y));
        assert_eq!(f.forecast(0.0), None);
        feed(&mut f, (m - 1..5 * m).map(y));
        let got = f.forecast(150.0).unwrap();
        let want = y(5 * m - 1 + m / 4);
        assert!((got - want).abs() < 0.01 * 20.0, "{got} vs {want}");
    }

    /// Mean |error| of the h = period/4 forecasts made during period `p` (0-based).
    fn period_error(errors: &[f64], m: usize, p: usize) -> f64 {
        errors[p * m..(p + 1) * m].iter().sum::<f64>() / m as f64
    }

    #[test]
    fn holt_winters_learns_a_trend_under_the_season() {
        // y = 50 + 0.5 i + 20 sin(2π i/40): b0 = 0 and the first period's trend leaks into
        // the seasonals (a ramp of ±10), which smoothing then removes: the mean error was
        // 4.99 in period 3 and 2.08 in period 8 when written; with β = 0 it grows (8.9 → 9.0).
        let m = 40;
        let y = |i: usize| 50.0 + 0.5 * i as f64 + 20.0 * (TAU * i as f64 / m as f64).sin();
        let mut f = Forecaster::new(holt(600.0, SMOOTH), STEP);
        let mut errors = vec![0.0; 9 * m];
        for (i, e) in errors.iter_mut().enumerate() {
            f.observe(y(i));
            if let Some(got) = f.forecast(150.0) {
                *e = (got - y(i + m / 4)).abs();
            }
        }
        let (e3, e8) = (period_error(&errors, m, 3), period_error(&errors, m, 8));
        assert!(e8 < 0.5 * e3, "period 3: {e3}, period 8: {e8}");
    }

    #[test]
    fn forecasts_clamp_negative_to_zero() {
        // y = 100 - 10 i: at h = 20 steps after i = 9 (y = 10) the line is at -190.
        let mut f = linear();
        feed(&mut f, (0..10).map(|i| 100.0 - 10.0 * i as f64));
        assert_eq!(f.forecast(20.0 * STEP), Some(0.0));
        assert_eq!(f.forecast(0.0), Some(10.0));
        // Holt–Winters: a falling level with trend follows the same floor.
        let mut h = Forecaster::new(holt(60.0, SMOOTH), STEP);
        feed(&mut h, (0..40).map(|i| (400.0 - 10.0 * i as f64).max(0.0)));
        assert_eq!(h.forecast(1e6), Some(0.0));
    }

    #[test]
    fn odd_parameters_do_not_panic() {
        let models = [
            ForecastModel::Linear { window_s: 0.0 },
            ForecastModel::Linear { window_s: 1e300 },
            ForecastModel::SeasonalNaive { period_s: 1.0 },
            ForecastModel::SeasonalNaive { period_s: 1e300 },
            holt(1.0, [1.0; 3]),
        ];
        for model in models {
            for step in [0.0, -5.0, 1e-300, 15.0] {
                let mut f = Forecaster::new(model, step);
                feed(&mut f, [1e300, 0.0, 1e300, 3.0, 1e-300]);
                for h in [0.0, 1.0, 1e300, f64::MAX] {
                    if let Some(v) = f.forecast(h) {
                        assert!(v.is_finite() && v >= 0.0, "{model:?} {step} {h}");
                    }
                }
            }
        }
    }

    #[test]
    fn forecast_error_worked_example() {
        let mut e = ForecastError::new();
        assert_eq!(e.mape(), None);
        // |110-100|/100 = 0.1 and |90-100|/100 = 0.1: MAPE 0.10 over 2.
        e.predicted(5, 110.0);
        e.predicted(5, 90.0);
        e.predicted(6, 50.0);
        e.predicted(7, 1.0);
        e.predicted(9, 100.0);
        e.actual(5, 100.0);
        assert!((e.mape().unwrap() - 0.10).abs() < 1e-12);
        assert_eq!(e.scored(), 2);
        // Actual 0: no percentage; counted apart, MAPE unchanged.
        e.actual(6, 0.0);
        // Step 7 is never reported: dropped when step 8 arrives, not scored against it.
        e.actual(8, 1.0);
        assert_eq!((e.scored(), e.skipped()), (2, 1));
        assert!((e.mape().unwrap() - 0.10).abs() < 1e-12);
        e.actual(9, 100.0);
        // Exact forecast: (0.1 + 0.1 + 0) / 3.
        assert!((e.mape().unwrap() - 0.2 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_month_of_15_s_steps_with_a_daily_period_stays_bounded() {
        // 30 days × 5,760 steps; a day is 5,760 slots, an hour window 240 points.
        let day = 86_400.0;
        let models = [
            (ForecastModel::Linear { window_s: 3_600.0 }, 240),
            (ForecastModel::SeasonalNaive { period_s: day }, 5_760),
            (holt(day, SMOOTH), 5_760),
        ];
        for (model, slots) in models {
            let mut f = Forecaster::new(model, STEP);
            let mut e = ForecastError::new();
            for i in 0..172_800u64 {
                let y = 1000.0 + 500.0 * (TAU * i as f64 / 5_760.0).sin();
                e.actual(i, y);
                f.observe(y);
                // 600 s ahead is step i + 40.
                if let Some(v) = f.forecast(600.0) {
                    e.predicted(i + 40, v);
                }
            }
            assert_eq!((f.buf.len(), f.cap), (slots, slots), "{model:?}");
            assert!(e.mape().is_some_and(f64::is_finite), "{model:?}");
        }
    }
}
