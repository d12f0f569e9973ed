//! Simulated time: integer nanoseconds since scenario start, and the duration syntax of scenario files.

use std::fmt;
use std::ops::{Add, Sub};

/// Nanoseconds per second, the one place the unit is written.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant of simulated time. Integer so that event order never depends on float rounding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Time elapsed since `earlier`, zero if `earlier` is later (never underflows).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NANOS_PER_SEC)
    }

    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000_000)
    }

    /// The single rounding point from float seconds to integer time (DESIGN: "round sampled
    /// delays in one function"). Negative and NaN become zero; huge values saturate.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return SimDuration::ZERO;
        }
        let ns = (s * NANOS_PER_SEC as f64).round();
        if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(ns as u64)
        }
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", SimDuration(self.0))
    }
}

impl fmt::Display for SimDuration {
    /// Shortest exact rendering in the scenario syntax (`1h`, `90s`, `250ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, ns) in UNITS.iter().rev() {
            if self.0 != 0 && self.0.is_multiple_of(*ns) {
                return write!(f, "{}{}", self.0 / ns, unit);
            }
        }
        write!(f, "{}ns", self.0)
    }
}

const UNITS: [(&str, u64); 7] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("d", 86_400 * NANOS_PER_SEC),
];

/// Parses `250ms`, `1.5s`, `5m`, `30d`. A bare number is an error: units are never guessed.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(|| {
        format!("`{t}` has no unit (write e.g. `{t}s`; units: ns, us, ms, s, m, h, d)")
    })?;
    let (num, unit) = t.split_at(split);
    let mut rest = unit.chars().skip(1);
    if unit.starts_with(['e', 'E'])
        && rest
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+')
    {
        return Err(format!(
            "`{t}`: exponents are not allowed in durations (write the digits, e.g. `1000s`, or a larger unit)"
        ));
    }
    let ns_per = UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, ns)| *ns)
        .ok_or_else(|| {
            format!("`{t}` has an unknown unit `{unit}` (units: ns, us, ms, s, m, h, d)")
        })?;
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{t}` is not a number followed by a unit"))?;
    // `-0s` too: the sign says negative even where the value is zero (and the schema's
    // patterns, which editors check, have no `-`).
    if !value.is_finite() || value.is_sign_negative() {
        return Err(format!("`{t}` must be a non-negative duration"));
    }
    let ns = value * ns_per as f64;
    if ns >= u64::MAX as f64 / 2.0 {
        return Err(format!("`{t}` is too long"));
    }
    Ok(SimDuration(ns.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_rejects_bare_numbers() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(SimDuration::from_secs(300)));
        assert_eq!(
            parse_duration("30d"),
            Ok(SimDuration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_duration("100us"), Ok(SimDuration(100_000)));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-1s").is_err());
        assert!(
            parse_duration("1e3s")
                .unwrap_err()
                .contains("exponents are not allowed")
        );
    }

    #[test]
    fn displays_shortest_exact_unit() {
        assert_eq!(SimDuration::from_secs(3600).to_string(), "1h");
        assert_eq!(SimDuration::from_secs(90).to_string(), "90s");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
    }
}
