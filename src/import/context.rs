//! The import's reading context: located warnings, errors and skip notes, and typed readers
//! of manifest fields (Kubernetes integers, `IntOrString`, label maps, durations in seconds).

use super::{ImportError, Imported, ImportedService, ImportedWorkload, IntOrPct, Origin, Src};
use crate::scenario::FieldError;
use crate::scenario::yaml::{Node, Pos, Value};

pub struct Ctx {
    pub files: Vec<String>,
    pub warnings: Vec<FieldError>,
    pub errors: Vec<FieldError>,
    pub notes: Vec<String>,
}

/// `prefix` and `key` as a field path (`spec.template.spec`).
pub fn at(prefix: &str, key: &str) -> String {
    format!("{prefix}{key}")
}

impl Ctx {
    pub fn new(files: Vec<String>) -> Self {
        Ctx {
            files,
            warnings: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn located(&self, pos: Pos, path: &str, message: String) -> FieldError {
        FieldError {
            file: self
                .files
                .get(pos.source as usize)
                .cloned()
                .unwrap_or_default(),
            line: pos.line,
            col: pos.col,
            path: path.trim_end_matches('.').to_string(),
            message,
        }
    }

    pub fn warn(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        let w = self.located(pos, path, message.into());
        self.warnings.push(w);
    }

    pub fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        let e = self.located(pos, path, message.into());
        self.errors.push(e);
    }

    /// `file:line:col` of an origin.
    pub fn place(&self, at: Origin) -> String {
        let file = self.files.get(at.file as usize).map_or("", String::as_str);
        format!("{file}:{}:{}", at.line, at.col)
    }

    /// A note that an object of a kind kubesim does not model was skipped.
    pub fn skip(&mut self, node: &Node, kind: &str) {
        let name = node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar)
            .unwrap_or("?");
        let place = self.place(node.pos.into());
        self.notes
            .push(format!("{place}: skipped {kind}/{name} (not modelled)"));
    }

    /// Warns about each key of map `node` that is neither `mapped` nor `inert` (fields with no
    /// bearing on what kubesim models: images, ports, env, labels…). New or unknown fields
    /// are therefore reported, never dropped silently.
    pub fn check_keys(&mut self, node: &Node, path: &str, mapped: &[&str], inert: &[&str]) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        for (k, v) in entries {
            let key = k.scalar().unwrap_or_default();
            if mapped.contains(&key) || inert.contains(&key) || v.is_null() {
                continue;
            }
            self.warn(
                k.pos,
                &at(path, key),
                "not modelled by kubesim: ignored".to_string(),
            );
        }
    }

    /// Where `key` of map `node` is written (a warning about a whole field points at its
    /// name), or the node's own position.
    pub fn key_pos(node: &Node, key: &str) -> Pos {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map_or(node.pos, |(k, _)| k.pos),
            _ => node.pos,
        }
    }

    /// The map under `key` of `node`: an error when it is missing (`what` says whose) or
    /// not a map, one error either way.
    pub fn required_map<'a>(
        &mut self,
        node: &'a Node,
        key: &str,
        path: &str,
        what: &str,
    ) -> Option<&'a Node> {
        let child = node.get(key).filter(|n| !n.is_null());
        if child.is_none() {
            self.error(node.pos, path, format!("{what} has no `{key}`"));
        }
        self.map(child, &at(path, key))
    }

    /// A map node, or an error naming what was found.
    pub fn map<'a>(&mut self, node: Option<&'a Node>, path: &str) -> Option<&'a Node> {
        let n = node.filter(|n| !n.is_null())?;
        if matches!(n.value, Value::Map(_)) {
            Some(n)
        } else {
            self.error(
                n.pos,
                path,
                format!("expected a map, found {}", n.kind_name()),
            );
            None
        }
    }

    /// The items of a list node (absent or null: none).
    pub fn list<'a>(&mut self, node: Option<&'a Node>, path: &str) -> &'a [Node] {
        match node.map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            Some(Value::Null) | None => &[],
            Some(_) => {
                let n = node.expect("matched");
                self.error(
                    n.pos,
                    path,
                    format!("expected a list, found {}", n.kind_name()),
                );
                &[]
            }
        }
    }

    pub fn string(&mut self, node: Option<&Node>, path: &str) -> Option<Src<String>> {
        let n = node.filter(|n| !n.is_null())?;
        match n.scalar() {
            Some(s) => Some(Src {
                value: s.to_string(),
                at: n.pos.into(),
            }),
            None => {
                self.error(
                    n.pos,
                    path,
                    format!("expected a string, found {}", n.kind_name()),
                );
                None
            }
        }
    }

    /// A non-negative integer field (`replicas`, `periodSeconds`), at most `max`.
    pub fn int(&mut self, node: Option<&Node>, path: &str, max: u64) -> Option<Src<u64>> {
        let n = node.filter(|n| !n.is_null())?;
        match n.scalar().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(v) if v <= max => Some(Src {
                value: v,
                at: n.pos.into(),
            }),
            _ => {
                let shown = n
                    .scalar()
                    .map_or(n.kind_name().to_string(), |s| format!("`{s}`"));
                self.error(
                    n.pos,
                    path,
                    format!("expected an integer from 0 to {max}, found {shown}"),
                );
                None
            }
        }
    }

    /// Kubernetes `IntOrString`: `2` or `25%`.
    pub fn int_or_pct(&mut self, node: Option<&Node>, path: &str) -> Option<Src<IntOrPct>> {
        let n = node.filter(|n| !n.is_null())?;
        let text = n.scalar().map(str::trim).unwrap_or_default();
        let parsed = match text.strip_suffix('%') {
            Some(d) => d
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= 100)
                .map(IntOrPct::Percent),
            None => text.parse::<u32>().ok().map(IntOrPct::Int),
        };
        if parsed.is_none() {
            self.error(
                n.pos,
                path,
                format!("expected a count like `1` or a percentage like `25%`, found `{text}`"),
            );
        }
        parsed.map(|value| Src {
            value,
            at: n.pos.into(),
        })
    }

    /// A `key: value` label map (`matchLabels`, template labels, Service selectors).
    pub fn labels(&mut self, node: Option<&Node>, path: &str) -> Vec<(String, String)> {
        let Some(n) = self.map(node, path) else {
            return Vec::new();
        };
        let Value::Map(entries) = &n.value else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(k, v)| {
                let key = k.scalar()?.to_string();
                match v.scalar() {
                    Some(s) => Some((key, s.to_string())),
                    None => {
                        self.error(v.pos, &at(path, &key), "a label value is a string");
                        None
                    }
                }
            })
            .collect()
    }

    pub(super) fn finish(
        mut self,
        workloads: Vec<ImportedWorkload>,
        services: Vec<ImportedService>,
    ) -> Result<Imported, ImportError> {
        let order = |e: &FieldError, files: &[String]| {
            (
                files.iter().position(|f| *f == e.file),
                e.line,
                e.col,
                e.path.clone(),
            )
        };
        if !self.errors.is_empty() {
            let files = self.files.clone();
            self.errors.sort_by_key(|e| order(e, &files));
            self.errors.dedup();
            return Err(ImportError::Invalid(self.errors));
        }
        let files = self.files.clone();
        self.warnings.sort_by_key(|e| order(e, &files));
        self.warnings.dedup();
        Ok(Imported {
            files: self.files,
            workloads,
            services,
            warnings: self.warnings,
            notes: self.notes,
        })
    }
}

/// Whether every `selector` label is among `labels` (an empty selector selects nothing).
pub fn selects(selector: &[(String, String)], labels: &[(String, String)]) -> bool {
    !selector.is_empty() && selector.iter().all(|s| labels.contains(s))
}
