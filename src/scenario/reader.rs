//! Typed readers over located YAML nodes: each checks one field, records a located error on
//! failure, and returns `None` so that reading continues and every error is found.

use super::error::Errors;
use super::shape::{Shape, Table};
use super::yaml::{Node, Pos, Value};
use crate::time::{SimDuration, parse_duration};
use std::path::Path;

mod files;
mod shapes;

pub use shapes::ShapeLog;

/// Largest CPU quantity: a million cores. With at most 10 000 pods a node, sums of requests
/// stay far below `u64::MAX`.
pub const MAX_CPU_MILLI: u64 = 1_000_000_000;
/// Largest memory quantity: 1 PiB (2^50 bytes; 10 000 of them stay below 2^64).
pub const MAX_MEMORY_BYTES: u64 = 1 << 50;

/// The reading context: the error list, the scenario's directory (for `empirical` files) and,
/// in oracle builds reading a scenario, the shapes read so far (`reader/shapes.rs`).
pub struct Reader<'e> {
    pub errors: &'e mut Errors,
    pub base_dir: &'e Path,
    pub shapes: Option<ShapeLog>,
}

impl<'e> Reader<'e> {
    /// A reader of loose values (manifests, flags): no shape table to check against.
    pub fn new(errors: &'e mut Errors, base_dir: &'e Path) -> Self {
        Reader {
            errors,
            base_dir,
            shapes: None,
        }
    }

    /// A reader of a document whose root has the shape `root`, checked against it in oracle
    /// builds.
    pub fn checked(errors: &'e mut Errors, base_dir: &'e Path, root: &'static Shape) -> Self {
        Reader {
            errors,
            base_dir,
            shapes: crate::ORACLES.then(|| ShapeLog::new(root)),
        }
    }
}

/// A map node whose keys have been checked against the allowed set.
pub struct Fields<'a> {
    pub node: &'a Node,
    pub path: String,
    pub table: &'static Table,
}

impl<'a> Fields<'a> {
    /// The value of a key of the table (absent, null and unknown keys are `None`: an unknown
    /// key is reported by `fields`, not read a second time).
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.table.field(key)?;
        self.node.get(key).filter(|n| !n.is_null())
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Edit distance, for "did you mean" hints on unknown keys.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl Reader<'_> {
    pub fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.errors.add(pos, path, message);
    }

    /// Checks that `node` is a map with only the keys of `table` (unknown keys are errors, with
    /// a hint when one is close to an allowed key).
    pub fn fields<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
        table: &'static Table,
    ) -> Option<Fields<'a>> {
        self.enter(node, path, table);
        let allowed = table.keys();
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                path,
                format!("expected a map, found {}", node.kind_name()),
            );
            return None;
        };
        for (key, _) in entries {
            let k = key.scalar().unwrap_or_default();
            if k == "<<" {
                self.error(
                    key.pos,
                    &join(path, k),
                    "merge keys (`<<: *anchor`) are not supported: write the fields out (an alias of a whole value, `*anchor`, works)",
                );
                continue;
            }
            if !allowed.contains(&k) {
                let hint = allowed
                    .iter()
                    .filter(|a| distance(a, k) <= 2)
                    .min_by_key(|a| distance(a, k))
                    .map(|a| format!(" (did you mean `{a}`?)"))
                    .unwrap_or_else(|| format!(" (expected one of: {})", allowed.join(", ")));
                self.error(
                    key.pos,
                    &join(path, k),
                    format!("unknown field `{k}`{hint}"),
                );
            }
        }
        Some(Fields {
            node,
            path: path.to_string(),
            table,
        })
    }

    pub fn required<'a>(&mut self, f: &Fields<'a>, key: &str) -> Option<&'a Node> {
        self.expect_required(f.table, &f.path, key);
        let n = f.get(key);
        if n.is_none() {
            self.error(
                f.node.pos,
                &f.path,
                format!("missing required field `{key}`"),
            );
        }
        n
    }

    pub fn seq<'a>(&mut self, node: &'a Node, path: &str) -> Option<&'a [Node]> {
        self.expect(path, "a list", &|s| {
            matches!(s, Shape::List(_) | Shape::Pair(_))
        });
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a list, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        self.expect(path, "a string", &|s| {
            matches!(s, Shape::String | Shape::Name | Shape::Enum(_))
        });
        match node.scalar() {
            Some(s) => Some(s.to_string()),
            None => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a string, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// A name used in pod, node and result-folder names: DNS-label-like.
    pub fn name(&mut self, node: &Node, path: &str) -> Option<String> {
        self.expect(path, "a name", &|s| matches!(s, Shape::Name));
        let s = self.string(node, path)?;
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Some(s)
        } else {
            self.error(
                node.pos,
                path,
                format!(
                    "`{s}` is not a valid name (lowercase letters, digits and `-`, at most 63)"
                ),
            );
            None
        }
    }

    /// A quoted scalar where a number or boolean goes is an error, as in Kubernetes (and as
    /// YAML and editors read it: `"3"` is a string).
    pub fn quoted(&mut self, node: &Node, path: &str, what: &str) -> bool {
        let Value::Scalar { text, quoted: true } = &node.value else {
            return false;
        };
        self.error(
            node.pos,
            path,
            format!("expected {what}, found the string \"{text}\" (write it without quotes)"),
        );
        true
    }

    fn number(&mut self, node: &Node, path: &str, what: &str) -> Option<f64> {
        if self.quoted(node, path, what) {
            return None;
        }
        match node.scalar().map(|s| s.trim().parse::<f64>()) {
            Some(Ok(x)) if x.is_finite() => Some(x),
            _ => {
                let shown = node
                    .scalar()
                    .map(|s| format!("`{s}`"))
                    .unwrap_or_else(|| node.kind_name().into());
                self.error(node.pos, path, format!("expected {what}, found {shown}"));
                None
            }
        }
    }

    /// An integer in `[min, max]`, read as an integer (never through `f64`, which would make
    /// `12345678901234567` and `12345678901234568` the same seed). `1e3` is accepted where it
    /// names an integer exactly.
    pub fn int(&mut self, node: &Node, path: &str, min: u64, max: u64) -> Option<u64> {
        // (The description is formatted only where shapes are checked: sweeps validate
        // thousands of variants.)
        if self.shapes.is_some() {
            self.expect(
                path,
                &format!("an integer in [{min}, {max}]"),
                &|s| matches!(s, Shape::Int { min: a, max: b } if (*a, *b) == (min, max)),
            );
        }
        if self.quoted(node, path, "an integer") {
            return None;
        }
        let Some(text) = node.scalar().map(str::trim) else {
            self.error(
                node.pos,
                path,
                format!("expected an integer, found {}", node.kind_name()),
            );
            return None;
        };
        let digits = text.strip_prefix('+').unwrap_or(text);
        let value: Result<u64, ()> = if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            // Only digits: an integer, or one too large for any u64 field.
            digits.parse::<u64>().map_err(|_| ())
        } else {
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
                    if x < 0.0 {
                        self.error(
                            node.pos,
                            path,
                            format!("must be between {min} and {max}, found {text}"),
                        );
                        return None;
                    }
                    Ok(x as u64)
                }
                Ok(x) if x.is_finite() && x.fract() != 0.0 => {
                    self.error(
                        node.pos,
                        path,
                        format!("expected an integer, found `{text}`"),
                    );
                    return None;
                }
                Ok(x) if x.is_finite() => Err(()),
                _ => {
                    self.error(
                        node.pos,
                        path,
                        format!("expected an integer, found `{text}`"),
                    );
                    return None;
                }
            }
        };
        match value {
            Ok(x) if (min..=max).contains(&x) => Some(x),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("must be between {min} and {max}, found {text}"),
                );
                None
            }
        }
    }

    /// A float in `(min, max]`-style bounds: `min_exclusive` says whether `min` itself is allowed.
    pub fn float(
        &mut self,
        node: &Node,
        path: &str,
        min: f64,
        min_exclusive: bool,
        max: f64,
    ) -> Option<f64> {
        if self.shapes.is_some() {
            self.expect(path, &format!("a number in {min}..{max}"), &|s| {
                matches!(s, Shape::Float { min: a, min_exclusive: e, max: b }
                    if (*a, *e, *b) == (min, min_exclusive, max))
            });
        }
        let x = self.number(node, path, "a number")?;
        let low_ok = if min_exclusive { x > min } else { x >= min };
        if !low_ok || x > max {
            let lo = if min_exclusive {
                "greater than"
            } else {
                "at least"
            };
            self.error(
                node.pos,
                path,
                format!("must be {lo} {min} and at most {max}, found {x}"),
            );
            return None;
        }
        Some(x)
    }

    pub fn duration(&mut self, node: &Node, path: &str) -> Option<SimDuration> {
        self.expect(path, "a duration", &|s| {
            matches!(s, Shape::Duration { .. } | Shape::Dist)
        });
        let Some(text) = node.scalar() else {
            self.error(
                node.pos,
                path,
                format!("expected a duration like `10s`, found {}", node.kind_name()),
            );
            return None;
        };
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(node.pos, path, format!("invalid duration: {e}"));
                None
            }
        }
    }

    /// A strictly positive duration.
    pub fn positive_duration(&mut self, node: &Node, path: &str) -> Option<SimDuration> {
        self.expect(path, "a positive duration", &|s| {
            matches!(s, Shape::Duration { positive: true })
        });
        let d = self.duration(node, path)?;
        if d == SimDuration::ZERO {
            self.error(node.pos, path, "must be greater than zero");
            return None;
        }
        Some(d)
    }

    /// A rate `200/s`, `12000/m`, `5/ms`, `3/h` in events per second (positive).
    pub fn rate(&mut self, node: &Node, path: &str) -> Option<f64> {
        self.expect(path, "a rate", &|s| matches!(s, Shape::Rate));
        let parsed = node.scalar().and_then(|s| {
            let (num, unit) = s.trim().split_once('/')?;
            let per_s = match unit.trim() {
                "s" => 1.0,
                "ms" => 1e3,
                "us" => 1e6,
                "m" => 1.0 / 60.0,
                "h" => 1.0 / 3600.0,
                "d" => 1.0 / 86400.0,
                _ => return None,
            };
            num.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.is_sign_positive())
                .map(|x| x * per_s)
        });
        if parsed.is_none() {
            let shown = node
                .scalar()
                .map(|s| format!("`{s}`"))
                .unwrap_or_else(|| node.kind_name().into());
            self.error(
                node.pos,
                path,
                format!("expected a rate like `200/s` or `12000/m`, found {shown}"),
            );
        }
        parsed
    }

    /// A percentage `25%` as a fraction in [0, 1].
    pub fn percent(&mut self, node: &Node, path: &str) -> Option<f64> {
        self.expect(path, "a percentage", &|s| matches!(s, Shape::Percent));
        let parsed = node
            .scalar()
            .and_then(|s| s.trim().strip_suffix('%'))
            .map(str::trim)
            .filter(|n| {
                n.parse::<f64>()
                    .is_ok_and(|x| x.is_sign_positive() && (0.0..=100.0).contains(&x))
            })
            // `99.99e-2` parses to the double nearest 0.9999; dividing by 100 would not.
            .and_then(|n| format!("{n}e-2").parse::<f64>().ok());
        if parsed.is_none() {
            self.error(
                node.pos,
                path,
                "expected a percentage between 0% and 100%, like `99.9%`",
            );
        }
        parsed
    }

    /// Kubernetes CPU quantity (`500m`, `2`, `1.5`) in millicores, at most `MAX_CPU_MILLI` so
    /// that the scheduler's sums of requests can never overflow.
    pub fn cpu_milli(&mut self, node: &Node, path: &str) -> Option<u64> {
        self.expect(path, "a CPU quantity", &|s| matches!(s, Shape::Cpu));
        let parsed = self.cpu_milli_any(node, path)?;
        if parsed > MAX_CPU_MILLI {
            self.error(
                node.pos,
                path,
                format!(
                    "at most 1000000 CPUs, found `{}`",
                    node.scalar().unwrap_or_default().trim()
                ),
            );
            return None;
        }
        Some(parsed)
    }

    /// Kubernetes memory quantity in bytes, at most `MAX_MEMORY_BYTES` (see `cpu_milli`).
    pub fn memory_bytes(&mut self, node: &Node, path: &str) -> Option<u64> {
        self.expect(path, "a memory quantity", &|s| matches!(s, Shape::Memory));
        let parsed = self.memory_bytes_any(node, path)?;
        if parsed > MAX_MEMORY_BYTES {
            self.error(
                node.pos,
                path,
                format!(
                    "at most 1Pi, found `{}`",
                    node.scalar().unwrap_or_default().trim()
                ),
            );
            return None;
        }
        Some(parsed)
    }

    fn cpu_milli_any(&mut self, node: &Node, path: &str) -> Option<u64> {
        let s = node.scalar().unwrap_or_default().trim();
        let parsed = match s.strip_suffix('m') {
            Some(m) => m.parse::<u64>().ok(),
            None => s
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.is_sign_positive())
                .map(|c| (c * 1000.0).round() as u64),
        };
        if parsed.is_none() {
            self.error(
                node.pos,
                path,
                format!("expected a CPU quantity like `500m` or `2`, found `{s}`"),
            );
        }
        parsed
    }

    /// Kubernetes memory quantity (`256Mi`, `16Gi`, `1G`, bytes) in bytes.
    fn memory_bytes_any(&mut self, node: &Node, path: &str) -> Option<u64> {
        const SUFFIXES: [(&str, f64); 10] = [
            ("Ki", 1024.0),
            ("Mi", 1048576.0),
            ("Gi", 1073741824.0),
            ("Ti", 1099511627776.0),
            ("Pi", 1125899906842624.0),
            ("k", 1e3),
            ("M", 1e6),
            ("G", 1e9),
            ("T", 1e12),
            ("P", 1e15),
        ];
        let s = node.scalar().unwrap_or_default().trim();
        let (num, mult) = SUFFIXES
            .iter()
            .find_map(|(suf, m)| s.strip_suffix(suf).map(|n| (n, *m)))
            .unwrap_or((s, 1.0));
        let parsed = num
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && x.is_sign_positive())
            .map(|x| (x * mult).round() as u64);
        if parsed.is_none() {
            self.error(
                node.pos,
                path,
                format!("expected a memory quantity like `256Mi`, found `{s}`"),
            );
        }
        parsed
    }
}
