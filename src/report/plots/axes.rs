//! Axis ticks a reader can use: time in the unit the span calls for (seconds, minutes,
//! hours, days) at steps of that unit (15 min, 6 h, a week…), and percentages at 1-2-5 steps
//! with just enough decimals, never past 100 %.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A linear f64 axis with the ticks given (plotters' own picks 1-2-5 steps of the raw
/// value: 0, 50, 100 days, or 100.0001 %).
#[derive(Clone)]
pub(super) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

pub(super) fn ticked(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Ticked {
    Ticked {
        lo: range.start,
        hi: range.end,
        ticks,
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let frac = (v - self.lo) / (self.hi - self.lo);
        let len = limit.1 - limit.0;
        if len == 0 || !frac.is_finite() {
            return limit.1;
        }
        limit.0 + (f64::from(len) * frac + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // No light grid between the ticks: less ink, smaller files.
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The time unit of an axis spanning `span_s` seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct TimeUnit {
    pub(super) seconds: f64,
    pub(super) name: &'static str,
    /// Tick steps in this unit, smallest first.
    steps: &'static [f64],
}

pub(super) fn time_unit(span_s: f64) -> TimeUnit {
    const SIXTIES: &[f64] = &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0];
    if span_s <= 180.0 {
        TimeUnit {
            seconds: 1.0,
            name: "s",
            steps: SIXTIES,
        }
    } else if span_s <= 3.0 * 3600.0 {
        TimeUnit {
            seconds: 60.0,
            name: "min",
            steps: SIXTIES,
        }
    } else if span_s <= 3.0 * 86_400.0 {
        TimeUnit {
            seconds: 3600.0,
            name: "h",
            steps: &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0],
        }
    } else {
        TimeUnit {
            seconds: 86_400.0,
            name: "days",
            steps: &[1.0, 2.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0],
        }
    }
}

/// At most this many ticks on an axis.
const MAX_TICKS: f64 = 10.0;

impl TimeUnit {
    /// Ticks from 0 to `end` (in this unit): the unit's smallest step that gives at most ten.
    pub(super) fn ticks(&self, end: f64) -> Vec<f64> {
        let step = self
            .steps
            .iter()
            .copied()
            .find(|s| end / s <= MAX_TICKS)
            .unwrap_or_else(|| nice_step(end / MAX_TICKS));
        multiples(0.0, end, step)
    }
}

/// The smallest 1, 2 or 5 × 10^k at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Multiples of `step` within `lo..=hi`, computed as k × step and rounded to the step's
/// decimals (5e6 × 0.00002 is 100.00000000000001, which is above 100).
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-6).ceil() as i64;
    let last = (hi / step + 1e-6).floor() as i64;
    if last < first || last - first > 1000 {
        return vec![lo, hi];
    }
    let scale = 10f64.powi(decimals(step) as i32);
    (first..=last)
        .map(|k| (k as f64 * step * scale).round() / scale)
        .collect()
}

/// The decimals a tick step needs.
fn decimals(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else {
        (-step.log10() - 1e-9).ceil().clamp(0.0, 9.0) as usize
    }
}

/// A tick label: whole numbers without decimals, fractions with the decimals the step needs.
pub(super) fn label(x: f64, step: f64) -> String {
    let decimals = decimals(step);
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Percentage ticks over `lo..=hi` (both within 0..=100): 1-2-5 steps, about six of them,
/// none above 100. Returns the ticks and their step.
pub(super) fn percent_ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let hi = hi.min(100.0);
    let lo = lo.min(hi);
    let step = nice_step((hi - lo).max(1e-9) / 6.0);
    let ticks: Vec<f64> = multiples(lo, hi, step)
        .into_iter()
        .filter(|t| *t <= 100.0)
        .collect();
    (ticks, step)
}

/// Count ticks over `lo..=hi` (whole numbers when the axis spans a few).
pub(super) fn count_ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let span = (hi - lo).max(1e-9);
    let step = nice_step(span / 6.0).max(if span >= 3.0 { 1.0 } else { 0.0 });
    (multiples(lo, hi, step), step)
}

/// The bottom of a count axis: 0, unless ten or more pods all lie in the top half of the
/// axis, where a floor just below the lowest value (on a tick) shows the dips large.
pub(super) fn count_floor(min: f64, max: f64) -> f64 {
    if min.is_nan() || min <= max / 2.0 || min <= 0.0 || max < 10.0 {
        return 0.0;
    }
    let step = nice_step((max - min).max(1.0) / 4.0);
    ((min - step * 0.5) / step).floor().max(0.0) * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units_follow_the_span() {
        assert_eq!(time_unit(90.0).name, "s");
        assert_eq!(time_unit(1800.0).name, "min");
        assert_eq!(time_unit(86_400.0).name, "h");
        let year = time_unit(365.0 * 86_400.0);
        assert_eq!(year.name, "days");
        assert_eq!(
            year.ticks(365.0),
            [0.0, 60.0, 120.0, 180.0, 240.0, 300.0, 360.0]
        );
        assert_eq!(
            time_unit(86_400.0).ticks(24.0),
            [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 24.0]
        );
        assert_eq!(
            time_unit(1800.0).ticks(30.0),
            [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
        );
    }

    #[test]
    fn percent_ticks_stay_at_or_below_100() {
        let (ticks, step) = percent_ticks(99.9985, 100.0);
        assert!(ticks.iter().all(|t| *t <= 100.0));
        assert_eq!(step, 0.0005);
        assert_eq!(label(*ticks.last().unwrap(), step), "100.0000");
        assert_eq!(label(99.999, 0.001), "99.999");
        let (ticks, _) = percent_ticks(0.0, 100.0);
        assert_eq!(ticks, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let (ticks, _) = percent_ticks(99.9999, 100.0001);
        assert_eq!(ticks.last(), Some(&100.0), "100 % itself is a tick");
    }
}
