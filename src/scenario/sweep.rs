//! `sweep:`: a grid of overrides. Every combination of the listed values is a variant,
//! validated like a hand-written scenario (a bad swept value is reported where it is written),
//! and named readably from the last segment of each key: `replicas=3,balancer=random`.
//!
//! Swept keys get `sweep.`-prefixed columns in the CSVs (`sweep.replicas`), so a key named like
//! a metric column (`replicas`, `runs`, `seed`) never gives a table two columns of one name.

use super::error::Errors;
use super::overrides::{canonical, overlap, set_path};
use super::yaml::{Node, Pos, Value};

/// One swept key and its values.
pub struct Axis {
    pub key: String,
    /// Where the key is written, where a failed sweep path is reported.
    pub pos: Pos,
    /// The key's last segment (the whole key if that is ambiguous): names variants.
    pub short: String,
    /// The CSV column: `sweep.` and the short name.
    pub label: String,
    pub values: Vec<Node>,
}

/// Removes `sweep` from the root and returns its axes (empty without a sweep). Keys that name
/// one field twice, duplicate values and nested sweeps are errors: each would run variants
/// that are not what their names say.
pub fn take(root: &mut Node, errors: &mut Errors) -> Vec<Axis> {
    let Value::Map(entries) = &mut root.value else {
        return Vec::new();
    };
    let Some(i) = entries
        .iter()
        .position(|(k, _)| k.scalar() == Some("sweep"))
    else {
        return Vec::new();
    };
    let (_, sweep) = entries.remove(i);
    let Value::Map(keys) = sweep.value else {
        if !sweep.is_null() {
            errors.add(
                sweep.pos,
                "sweep",
                format!(
                    "expected a map of field paths to lists of values, found {}",
                    sweep.kind_name()
                ),
            );
        }
        return Vec::new();
    };
    let mut axes: Vec<Axis> = Vec::new();
    let mut canon: Vec<Vec<String>> = Vec::new();
    for (k, v) in keys {
        let key = k.scalar().unwrap_or_default().to_string();
        let path = format!("sweep.{key}");
        if key == "sweep" || key.starts_with("sweep.") {
            errors.add(
                k.pos,
                &path,
                "a sweep cannot set `sweep` (sweeps do not nest)",
            );
            continue;
        }
        let c = canonical(root, &key);
        if let Some(j) = canon.iter().position(|o| overlap(o, &c)) {
            errors.add(
                k.pos,
                &path,
                format!(
                    "sweeps the same field as `sweep.{}` ({}): sweep each field once",
                    axes[j].key,
                    errors.place(axes[j].pos)
                ),
            );
            continue;
        }
        match v.value {
            Value::Seq(values) if !values.is_empty() => {
                let mut seen: Vec<String> = Vec::new();
                for (vi, x) in values.iter().enumerate() {
                    let shown = render(x);
                    let same = value_key(x);
                    if seen.contains(&same) {
                        errors.add(
                            x.pos,
                            &format!("{path}[{vi}]"),
                            format!("duplicate value `{shown}`: two variants would be the same"),
                        );
                    }
                    seen.push(same);
                }
                let short = key.rsplit('.').next().unwrap_or(&key).to_string();
                canon.push(c);
                axes.push(Axis {
                    key,
                    pos: k.pos,
                    label: String::new(),
                    short,
                    values,
                });
            }
            _ => errors.add(v.pos, &path, "expected a non-empty list of values"),
        }
    }
    // Names must be unique: fall back to the full key where the last segment repeats.
    let shorts: Vec<String> = axes.iter().map(|a| a.short.clone()).collect();
    for a in &mut axes {
        if shorts.iter().filter(|l| **l == a.short).count() > 1 {
            a.short = a.key.clone();
        }
        a.label = format!("sweep.{}", a.short);
    }
    axes
}

/// How many variants the axes make; `None` if the count overflows `usize`.
pub fn count(axes: &[Axis]) -> Option<usize> {
    axes.iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
}

/// Combination number `index` (of `count`) as value indices, the first key varying slowest.
pub fn combination(axes: &[Axis], mut index: usize) -> Vec<usize> {
    let mut out = vec![0; axes.len()];
    for (slot, a) in out.iter_mut().zip(axes).rev() {
        *slot = index % a.values.len();
        index /= a.values.len();
    }
    out
}

/// Applies one combination to a copy of the tree; failures are located at the sweep key.
pub fn apply(root: &Node, axes: &[Axis], combo: &[usize], errors: &mut Errors) -> Node {
    let mut tree = root.clone();
    for (a, &vi) in axes.iter().zip(combo) {
        if let Err(m) = set_path(&mut tree, &a.key, a.values[vi].clone()) {
            errors.add(a.pos, &format!("sweep.{}", a.key), m);
        }
    }
    tree
}

/// Compact flow-YAML rendering of a value, for variant names and columns.
/// What makes two swept values the same: the rendered text, with a leading number read as a
/// number (`10%` and `10.0%`, `1` and `1.0`, `5s` and `5.0s` are one value).
fn value_key(n: &Node) -> String {
    let text = render(n);
    if let Value::Scalar { .. } = n.value {
        let t = text.trim();
        let end = t
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(t.len());
        // An exponent letter right before the unit would be read as part of the number.
        for cut in [end, t[..end].trim_end_matches(['e', 'E']).len()] {
            if let Ok(x) = t[..cut].parse::<f64>() {
                return format!("{x:?}{}", t[cut..].trim());
            }
        }
    }
    text
}

pub fn render(n: &Node) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Scalar { text, .. } => text.clone(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", render(k), render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
