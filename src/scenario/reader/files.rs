//! Readers of the scenario fields that may name data files: distributions (`empirical`
//! samples) and rate traces, read relative to the scenario and with a size limit.

use super::super::input::{MAX_DATA_BYTES, read_text};
use super::super::shape::{self, DIST, Shape, Table};
use super::super::yaml::{Node, Pos, Value};
use super::{Reader, join};
use crate::dist::Dist;
use crate::time::{SimDuration, parse_duration};
use std::sync::Arc;

impl Reader<'_> {
    /// `{shape, <key>}` (`table`): a shape in (0, `max_shape`] and a positive duration
    /// (seconds).
    fn shape_and_duration(
        &mut self,
        arg: &Node,
        path: &str,
        max_shape: f64,
        table: &'static Table,
        key: &str,
    ) -> Option<(f64, f64)> {
        let f = self.fields(arg, path, table)?;
        let shape = self
            .required(&f, "shape")
            .and_then(|n| self.float(n, &f.at("shape"), 0.0, true, max_shape));
        let d = self
            .required(&f, key)
            .and_then(|n| self.positive_duration(n, &f.at(key)));
        Some((shape?, d?.as_secs_f64()))
    }

    /// A distribution: a constant duration or a one-key map (see SCENARIO.md).
    pub fn dist(&mut self, node: &Node, path: &str) -> Option<Dist> {
        self.expect(path, "a distribution", &|s| matches!(s, Shape::Dist));
        if node.scalar().is_some() {
            return self.duration(node, path).map(Dist::constant);
        }
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                path,
                format!(
                    "expected a duration or a distribution like `{{exponential: 30s}}`, found {}",
                    node.kind_name()
                ),
            );
            return None;
        };
        let kinds = DIST.keys();
        if entries.len() != 1 {
            self.error(
                node.pos,
                path,
                format!(
                    "a distribution is a map with exactly one key, one of: {}",
                    kinds.join(", ")
                ),
            );
            return None;
        }
        let (key, arg) = &entries[0];
        let kind = key.scalar().unwrap_or_default();
        self.enter_one_key(path, &DIST, kind);
        let p = join(path, kind);
        match kind {
            "exponential" => self.positive_duration(arg, &p).map(|d| Dist::Exponential {
                mean_s: d.as_secs_f64(),
            }),
            "uniform" => {
                let items = self.seq(arg, &p)?;
                if items.len() != 2 {
                    self.error(arg.pos, &p, "expected `[low, high]`");
                    return None;
                }
                let lo = self.duration(&items[0], &format!("{p}[0]"));
                let hi = self.duration(&items[1], &format!("{p}[1]"));
                let (lo, hi) = (lo?, hi?);
                if hi < lo {
                    self.error(arg.pos, &p, "high must not be below low");
                    return None;
                }
                Some(Dist::Uniform {
                    lo_s: lo.as_secs_f64(),
                    hi_s: hi.as_secs_f64(),
                })
            }
            "normal" => {
                let f = self.fields(arg, &p, &shape::NORMAL)?;
                let mean = self
                    .required(&f, "mean")
                    .and_then(|n| self.duration(n, &f.at("mean")));
                let sd = self
                    .required(&f, "sd")
                    .and_then(|n| self.duration(n, &f.at("sd")));
                Some(Dist::Normal {
                    mean_s: mean?.as_secs_f64(),
                    sd_s: sd?.as_secs_f64(),
                })
            }
            "lognormal" => {
                let f = self.fields(arg, &p, &shape::LOGNORMAL)?;
                let median = self
                    .required(&f, "median")
                    .and_then(|n| self.positive_duration(n, &f.at("median")));
                let sigma = self
                    .required(&f, "sigma")
                    .and_then(|n| self.float(n, &f.at("sigma"), 0.0, false, 10.0));
                Some(Dist::LogNormal {
                    median_s: median?.as_secs_f64(),
                    sigma: sigma?,
                })
            }
            "weibull" => {
                let (shape, scale_s) =
                    self.shape_and_duration(arg, &p, 1e3, &shape::WEIBULL, "scale")?;
                Some(Dist::Weibull { shape, scale_s })
            }
            "gamma" => {
                let (shape, mean_s) =
                    self.shape_and_duration(arg, &p, 1e6, &shape::GAMMA, "mean")?;
                Some(Dist::Gamma { shape, mean_s })
            }
            "empirical" => {
                let file = self.string(arg, &p)?;
                self.empirical(arg.pos, &p, &file)
            }
            other => {
                self.error(
                    key.pos,
                    &p,
                    format!(
                        "unknown distribution `{other}` (expected one of: {})",
                        kinds.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// A `t_s,rate_per_s` CSV (header optional) as piecewise-constant steps.
    pub fn rate_trace(
        &mut self,
        pos: Pos,
        path: &str,
        file: &str,
    ) -> Option<Vec<(SimDuration, f64)>> {
        let full = self.base_dir.join(file);
        let text = match read_text(&full, MAX_DATA_BYTES, "trace and sample files") {
            Ok(t) => t,
            Err(e) => {
                self.error(pos, path, e.to_string());
                return None;
            }
        };
        let mut steps: Vec<(SimDuration, f64)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || (i == 0 && line.starts_with("t_s")) {
                continue;
            }
            let parsed = line.split_once(',').and_then(|(t, r)| {
                let t: f64 = t
                    .trim()
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x >= 0.0)?;
                let r: f64 = r
                    .trim()
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x >= 0.0)?;
                Some((SimDuration::from_secs_f64(t), r))
            });
            match parsed {
                Some((t, r)) if steps.last().is_none_or(|(prev, _)| *prev < t) => {
                    steps.push((t, r))
                }
                Some(_) => {
                    self.error(
                        pos,
                        path,
                        format!("`{file}` line {}: times must increase", i + 1),
                    );
                    return None;
                }
                None => {
                    self.error(
                        pos,
                        path,
                        format!(
                            "`{file}` line {}: expected `t_s,rate_per_s`, found `{line}`",
                            i + 1
                        ),
                    );
                    return None;
                }
            }
        }
        if steps.is_empty() {
            self.error(pos, path, format!("`{file}` holds no rows"));
            return None;
        }
        Some(steps)
    }

    fn empirical(&mut self, pos: Pos, path: &str, file: &str) -> Option<Dist> {
        let full = self.base_dir.join(file);
        let text = match read_text(&full, MAX_DATA_BYTES, "trace and sample files") {
            Ok(t) => t,
            Err(e) => {
                self.error(pos, path, e.to_string());
                return None;
            }
        };
        let mut values = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_duration(line) {
                Ok(d) => values.push(d),
                Err(e) => {
                    self.error(pos, path, format!("`{file}` line {}: {e}", i + 1));
                    return None;
                }
            }
        }
        if values.is_empty() {
            self.error(pos, path, format!("`{file}` holds no durations"));
            return None;
        }
        Some(Dist::Empirical(Arc::new(values)))
    }
}
