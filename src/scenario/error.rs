//! Scenario errors: each names file, line, column and field path; a load reports all of them.

use super::yaml::Pos;
use std::fmt;

/// One problem in a scenario, located. `line` 0 means the whole source (a command-line flag
/// such as `--runs 5`, or a file as a whole): it is shown without line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The file (or `--set` argument) the faulty text came from.
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// Field path as users write it: `workloads[0].probes.readiness.period`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return if self.path.is_empty() {
                write!(f, "{}: {}", self.file, self.message)
            } else {
                write!(f, "{}: {}: {}", self.file, self.path, self.message)
            };
        }
        if self.path.is_empty() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.col, self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, self.line, self.col, self.path, self.message
            )
        }
    }
}

/// Everything wrong with a scenario, in file order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<FieldError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} error{} in scenario:", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// Collects located errors while a scenario is read; source names resolve `Pos::source`.
pub struct Errors {
    sources: Vec<String>,
    list: Vec<FieldError>,
}

impl Errors {
    pub fn new(sources: Vec<String>) -> Self {
        Errors {
            sources,
            list: Vec::new(),
        }
    }

    pub fn add(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        let file = self
            .sources
            .get(pos.source as usize)
            .cloned()
            .unwrap_or_default();
        self.list.push(FieldError {
            file,
            line: pos.line,
            col: pos.col,
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Whether an error at this field path was recorded.
    pub fn has_at(&self, path: &str) -> bool {
        self.list.iter().any(|e| e.path == path)
    }

    /// `file:line:col` of a position, for messages that point at a second place.
    pub fn place(&self, pos: Pos) -> String {
        let file = self
            .sources
            .get(pos.source as usize)
            .map_or("", String::as_str);
        if pos.line == 0 {
            file.to_string()
        } else {
            format!("{file}:{}:{}", pos.line, pos.col)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_result<T>(mut self, value: T) -> Result<T, ScenarioErrors> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            // Stable: file order first (source, line, column), then path, so output never depends
            // on the order checks happened to run in.
            self.list.sort_by(|a, b| {
                (
                    self.sources.iter().position(|s| *s == a.file),
                    a.line,
                    a.col,
                    &a.path,
                )
                    .cmp(&(
                        self.sources.iter().position(|s| *s == b.file),
                        b.line,
                        b.col,
                        &b.path,
                    ))
            });
            self.list.dedup();
            Err(ScenarioErrors(self.list))
        }
    }
}
