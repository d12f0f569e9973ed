//! `sweep:`: a grid of overrides. Every combination of the listed values is a variant,
//! validated like a hand-written scenario (a bad swept value is reported where it is written),
//! and named readably from the last segment of each key: `replicas=3,balancer=random`.

use super::error::Errors;
use super::overrides::set_path;
use super::yaml::{Node, Value};

/// One swept key and its values.
pub struct Axis {
    pub key: String,
    /// Column and name label: the key's last segment (the whole key if that is ambiguous).
    pub label: String,
    pub values: Vec<Node>,
}

/// Removes `sweep` from the root and returns its axes (empty without a sweep).
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
    for (k, v) in keys {
        let key = k.scalar().unwrap_or_default().to_string();
        let path = format!("sweep.{key}");
        match v.value {
            Value::Seq(values) if !values.is_empty() => {
                let last = key.rsplit('.').next().unwrap_or(&key).to_string();
                axes.push(Axis {
                    key,
                    label: last,
                    values,
                });
            }
            _ => errors.add(v.pos, &path, "expected a non-empty list of values"),
        }
    }
    // Labels must be unique: fall back to the full key where the last segment repeats.
    let labels: Vec<String> = axes.iter().map(|a| a.label.clone()).collect();
    for a in &mut axes {
        if labels.iter().filter(|l| **l == a.label).count() > 1 {
            a.label = a.key.clone();
        }
    }
    axes
}

/// Every combination as value indices, the first key varying slowest.
pub fn combinations(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|c| (0..a.values.len()).map(move |i| [c.clone(), vec![i]].concat()))
            .collect();
    }
    out
}

/// Applies one combination to a copy of the tree; failures are located at the sweep key.
pub fn apply(
    root: &Node,
    axes: &[Axis],
    combo: &[usize],
    keys: &[Node],
    errors: &mut Errors,
) -> Node {
    let mut tree = root.clone();
    for (ai, (a, &vi)) in axes.iter().zip(combo).enumerate() {
        if let Err(m) = set_path(&mut tree, &a.key, a.values[vi].clone()) {
            errors.add(keys[ai].pos, &format!("sweep.{}", a.key), m);
        }
    }
    tree
}

/// Compact flow-YAML rendering of a value, for variant names and columns.
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
