//! Distributions of durations as written in scenario files, and sampling them to `SimDuration`.

use crate::rng::{StreamRng, unit};
use crate::time::SimDuration;
use rand_distr::{Distribution, Gamma, LogNormal, Normal, Weibull};
use std::sync::Arc;

/// A duration distribution. Parameters are in seconds; validation guarantees they are finite
/// and in range, so sampling cannot fail.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Constant(SimDuration),
    Exponential {
        mean_s: f64,
    },
    Uniform {
        lo_s: f64,
        hi_s: f64,
    },
    /// Normal truncated at 0 by resampling (bounded; see `sample`).
    Normal {
        mean_s: f64,
        sd_s: f64,
    },
    LogNormal {
        median_s: f64,
        sigma: f64,
    },
    Weibull {
        shape: f64,
        scale_s: f64,
    },
    Gamma {
        shape: f64,
        mean_s: f64,
    },
    /// Resampled uniformly from the file's values.
    Empirical(Arc<Vec<SimDuration>>),
}

impl Dist {
    pub fn constant(d: SimDuration) -> Self {
        Dist::Constant(d)
    }

    /// Draws one value. Constant draws consume no randomness, so adding a constant field never
    /// shifts a stream.
    pub fn sample(&self, rng: &mut StreamRng) -> SimDuration {
        let secs = match self {
            Dist::Constant(d) => return *d,
            Dist::Exponential { mean_s } => -mean_s * (1.0 - unit(rng)).ln(),
            Dist::Uniform { lo_s, hi_s } => lo_s + (hi_s - lo_s) * unit(rng),
            Dist::Normal { mean_s, sd_s } => {
                let n = Normal::new(*mean_s, *sd_s).expect("validated normal parameters");
                // Truncation by rejection; after 64 misses (mean many sd below 0) the value is 0.
                (0..64)
                    .map(|_| n.sample(rng))
                    .find(|x| *x >= 0.0)
                    .unwrap_or(0.0)
            }
            Dist::LogNormal { median_s, sigma } => LogNormal::new(median_s.ln(), *sigma)
                .expect("validated lognormal parameters")
                .sample(rng),
            Dist::Weibull { shape, scale_s } => Weibull::new(*scale_s, *shape)
                .expect("validated weibull parameters")
                .sample(rng),
            Dist::Gamma { shape, mean_s } => Gamma::new(*shape, mean_s / shape)
                .expect("validated gamma parameters")
                .sample(rng),
            Dist::Empirical(values) => {
                let i = ((unit(rng) * values.len() as f64) as usize).min(values.len() - 1);
                return values[i];
            }
        };
        SimDuration::from_secs_f64(secs)
    }

    /// The mean in seconds (for defaults such as `cpu_per_request` and for documentation).
    pub fn mean_s(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean_s } | Dist::Gamma { mean_s, .. } => *mean_s,
            Dist::Uniform { lo_s, hi_s } => (lo_s + hi_s) / 2.0,
            Dist::Normal { mean_s, .. } => *mean_s,
            Dist::LogNormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
            Dist::Weibull { shape, scale_s } => scale_s * gamma_fn(1.0 + 1.0 / shape),
            Dist::Empirical(v) => v.iter().map(|d| d.as_secs_f64()).sum::<f64>() / v.len() as f64,
        }
    }
}

/// Lanczos approximation of Γ(x) for x > 0 (only used for the Weibull mean).
fn gamma_fn(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + 7.5;
        let a = G[1..]
            .iter()
            .enumerate()
            .fold(G[0], |a, (i, g)| a + g / (x + i as f64 + 1.0));
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn sample_mean(d: &Dist) -> f64 {
        let mut rng = stream(1, "test");
        let n = 200_000;
        (0..n)
            .map(|_| d.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn sample_means_match_stated_means() {
        for d in [
            Dist::Exponential { mean_s: 30.0 },
            Dist::Uniform {
                lo_s: 1.0,
                hi_s: 5.0,
            },
            Dist::LogNormal {
                median_s: 2.0,
                sigma: 0.5,
            },
            Dist::Weibull {
                shape: 1.5,
                scale_s: 60.0,
            },
            Dist::Gamma {
                shape: 2.0,
                mean_s: 2.0,
            },
        ] {
            let (m, want) = (sample_mean(&d), d.mean_s());
            assert!(
                (m - want).abs() / want < 0.01,
                "{d:?}: sample mean {m} vs {want}"
            );
        }
    }

    #[test]
    fn gamma_function_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-9);
    }
}
