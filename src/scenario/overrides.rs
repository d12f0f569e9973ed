//! `--set PATH=VALUE` (and, later, sweep keys): replace one field of the parsed tree before
//! validation, so overridden values are checked exactly like written ones.
//!
//! A path is dot-separated. In a list of named things a segment picks the element by its
//! `name` (workloads, services), `pool` (nodes) or a 0-based index: `workloads.web.replicas`,
//! `nodes.workers.count`, `faults.0.at`.

use super::error::Errors;
use super::yaml::{self, Node, Pos, Value};

/// Applies every override in order; each failure is recorded against its `--set` argument.
pub fn apply_all(root: &mut Node, sets: &[String], errors: &mut Errors) {
    for (i, set) in sets.iter().enumerate() {
        let source = (i + 1) as u16;
        let here = Pos {
            source,
            line: 1,
            col: 1,
        };
        let Some((path, text)) = set.split_once('=') else {
            errors.add(
                here,
                "",
                "expected PATH=VALUE, e.g. `workloads.web.replicas=4`",
            );
            continue;
        };
        let value = match yaml::parse(text, source) {
            Ok(v) => v,
            Err(e) => {
                errors.add(e.pos, path, e.message);
                continue;
            }
        };
        if let Err(message) = set_path(root, path.trim(), value) {
            errors.add(here, path.trim(), message);
        }
    }
}

/// The path with list elements named by index, so that `workloads.web.replicas` and
/// `workloads.0.replicas` compare equal. Segments past the existing tree are kept as written.
pub fn canonical(root: &Node, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut node = Some(root);
    for seg in path.split('.') {
        let next = match node.map(|n| &n.value) {
            Some(Value::Map(entries)) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(seg))
                .map(|(_, v)| (seg.to_string(), v)),
            Some(Value::Seq(items)) => items
                .iter()
                .position(|it| {
                    ["name", "pool", "service"]
                        .iter()
                        .any(|k| it.get(k).and_then(Node::scalar) == Some(seg))
                })
                .or_else(|| seg.parse::<usize>().ok().filter(|i| *i < items.len()))
                .map(|i| (i.to_string(), &items[i])),
            _ => None,
        };
        match next {
            Some((name, n)) => {
                out.push(name);
                node = Some(n);
            }
            None => {
                out.push(seg.to_string());
                node = None;
            }
        }
    }
    out
}

/// Whether two canonical paths touch the same field (one contains the other).
pub fn overlap(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Replaces (or adds, for a map key) the node at `path`.
pub fn set_path(root: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err("empty segment in path".into());
    }
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        node = match &mut node.value {
            Value::Map(entries) => {
                let found = entries.iter().position(|(k, _)| k.scalar() == Some(seg));
                match found {
                    Some(i) => &mut entries[i].1,
                    None if last => {
                        let key = Node {
                            value: Value::Scalar {
                                text: seg.to_string(),
                                quoted: false,
                            },
                            pos: value.pos,
                        };
                        entries.push((key, value));
                        return Ok(());
                    }
                    None if ["nodes", "workloads", "services", "traffic", "faults"]
                        .contains(seg) =>
                    {
                        return Err(format!(
                            "there is no `{seg}` list in the scenario to select `{}` from",
                            segments[depth + 1]
                        ));
                    }
                    None => {
                        let inner = Node {
                            value: Value::Map(Vec::new()),
                            pos: value.pos,
                        };
                        let key = Node {
                            value: Value::Scalar {
                                text: seg.to_string(),
                                quoted: false,
                            },
                            pos: value.pos,
                        };
                        entries.push((key, inner));
                        &mut entries.last_mut().expect("just pushed").1
                    }
                }
            }
            Value::Seq(items) => {
                let by_name = items.iter().position(|it| {
                    ["name", "pool", "service"]
                        .iter()
                        .any(|k| it.get(k).and_then(Node::scalar) == Some(seg))
                });
                let index =
                    by_name.or_else(|| seg.parse::<usize>().ok().filter(|i| *i < items.len()));
                match index {
                    Some(i) => &mut items[i],
                    None => {
                        return Err(format!(
                            "no element named `{seg}` in `{}`",
                            segments[..depth].join(".")
                        ));
                    }
                }
            }
            _ if depth == 0 => {
                return Err("the scenario is not a map: there is nothing to override".into());
            }
            _ => {
                return Err(format!(
                    "`{}` is not a map or list",
                    segments[..depth].join(".")
                ));
            }
        };
    }
    *node = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_by_name_and_adds_missing_keys() {
        let mut root = yaml::parse("workloads:\n  - name: web\n    replicas: 3\n", 0).unwrap();
        let four = yaml::parse("4", 1).unwrap();
        set_path(&mut root, "workloads.web.replicas", four).unwrap();
        let seed = yaml::parse("9", 1).unwrap();
        set_path(&mut root, "seed", seed).unwrap();
        let w = &root.get("workloads").unwrap();
        let Value::Seq(items) = &w.value else {
            panic!("list")
        };
        assert_eq!(items[0].get("replicas").unwrap().scalar(), Some("4"));
        assert_eq!(root.get("seed").unwrap().scalar(), Some("9"));
        let bad = yaml::parse("1", 1).unwrap();
        assert!(
            set_path(&mut root, "workloads.api.replicas", bad)
                .unwrap_err()
                .contains("no element named `api`")
        );
        assert_eq!(
            canonical(&root, "workloads.web.replicas"),
            canonical(&root, "workloads.0.replicas")
        );
        assert!(overlap(
            &canonical(&root, "workloads.web"),
            &canonical(&root, "workloads.0.replicas")
        ));
    }
}
