//! From command line and file to a parsed tree: the scenario file read with limits, `--set`
//! overrides and typed flags applied, the sweep taken out, and overrides of swept fields found.

use super::error::{self, FieldError, ScenarioErrors};
use super::{Limits, LoadError, input, overrides, sweep, yaml};
use std::path::Path;

/// What a command line adds to a scenario file: `--set` overrides, the typed values of
/// `--runs` and `--seed` (never turned into text and re-parsed, so errors name the flag),
/// and the work limits.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub sets: Vec<String>,
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub limits: Limits,
    /// `kubesim run --manifests`: workloads and services imported from manifests, merged
    /// into the scenario's lists before overrides apply.
    pub manifests: Option<Manifests>,
}

/// Scenario text of imported `workloads:` and `services:` and what to call it in errors.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    pub label: String,
    pub text: String,
}

impl Overrides {
    pub fn sets(sets: &[String]) -> Self {
        Overrides {
            sets: sets.to_vec(),
            ..Overrides::default()
        }
    }
}

/// The scenario file's text, read with a size limit; bad bytes are located.
pub(super) fn read_scenario(path: &Path) -> Result<String, LoadError> {
    input::read_text(path, input::MAX_SCENARIO_BYTES, "scenario files").map_err(|e| {
        let file = path.display().to_string();
        let (line, col, message) = match &e {
            input::ReadError::Io { .. } => return LoadError::Io(e.to_string()),
            input::ReadError::TooLarge {
                limit_mib, what, ..
            } => (
                0,
                0,
                format!("larger than the {limit_mib} MiB limit for {what}"),
            ),
            input::ReadError::NotUtf8 {
                line, col, byte, ..
            } => (
                *line,
                *col,
                format!("not UTF-8 text: invalid byte 0x{byte:02x}"),
            ),
        };
        LoadError::Invalid(ScenarioErrors(vec![FieldError {
            file,
            line,
            col,
            path: String::new(),
            message,
        }]))
    })
}

/// A parsed scenario tree with `--set` overrides and flags applied and its sweep taken out.
pub(super) struct Prepared {
    pub root: yaml::Node,
    pub axes: Vec<sweep::Axis>,
    pub errors: error::Errors,
    /// The file stem: the scenario's name when it sets none.
    pub stem: String,
}

/// Parses `text`; a syntax error ends reading at once, later problems are collected.
/// Overrides apply before the sweep is taken, so `--set sweep.…` is swept like a written
/// sweep; a `--set` or flag of a field that is also swept is an error (every variant would
/// overwrite it).
pub(super) fn prepare(text: &str, path: &Path, ov: &Overrides) -> Result<Prepared, LoadError> {
    let mut sources = vec![path.display().to_string()];
    sources.extend(ov.sets.iter().map(|s| format!("--set {s}")));
    let mut flags: Vec<(&str, u64, u16)> = Vec::new();
    for (name, value) in [("runs", ov.runs), ("seed", ov.seed)] {
        if let Some(v) = value {
            flags.push((name, v, sources.len() as u16));
            sources.push(format!("--{name} {v}"));
        }
    }
    let manifests_source = sources.len() as u16;
    if let Some(m) = &ov.manifests {
        sources.push(m.label.clone());
    }
    let mut errors = error::Errors::new(sources);
    let mut root = match yaml::parse(text, 0) {
        Ok(n) => n,
        Err(e) => {
            errors.add(e.pos, "", e.message);
            return Err(LoadError::Invalid(errors.into_result(()).unwrap_err()));
        }
    };
    if let Some(m) = &ov.manifests {
        match yaml::parse(&m.text, manifests_source) {
            Ok(imported) => merge_manifests(&mut root, imported, &m.label, &mut errors),
            Err(e) => errors.add(e.pos, "", e.message),
        }
    }
    overrides::apply_all(&mut root, &ov.sets, &mut errors);
    for &(name, value, source) in &flags {
        let pos = yaml::Pos {
            source,
            line: 0,
            col: 0,
        };
        let node = yaml::Node {
            value: yaml::Value::Scalar {
                text: value.to_string(),
                quoted: false,
            },
            pos,
        };
        if let Err(m) = overrides::set_path(&mut root, name, node) {
            errors.add(pos, "", m);
        }
    }
    let canon = overridden_paths(&root, ov, &flags);
    let axes = sweep::take(&mut root, &mut errors);
    swept_overrides(&root, &canon, &axes, &mut errors);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario")
        .to_string();
    Ok(Prepared {
        root,
        axes,
        errors,
        stem,
    })
}

/// Each `--set` path and flag, resolved (list elements by index), with where it was given.
fn overridden_paths(
    root: &yaml::Node,
    ov: &Overrides,
    flags: &[(&str, u64, u16)],
) -> Vec<(Vec<String>, String, yaml::Pos)> {
    let mut overridden: Vec<(String, yaml::Pos)> = ov
        .sets
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (p, _) = s.split_once('=')?;
            let pos = yaml::Pos {
                source: (i + 1) as u16,
                line: 1,
                col: 1,
            };
            Some((p.trim().to_string(), pos))
        })
        .collect();
    overridden.extend(flags.iter().map(|&(name, _, source)| {
        let pos = yaml::Pos {
            source,
            line: 0,
            col: 0,
        };
        (name.to_string(), pos)
    }));
    overridden
        .into_iter()
        .filter(|(p, _)| p != "sweep" && !p.starts_with("sweep."))
        .map(|(p, pos)| (overrides::canonical(root, &p), p, pos))
        .collect()
}

/// A `--set` or flag of a swept field is an error: every variant would overwrite it.
fn swept_overrides(
    root: &yaml::Node,
    canon: &[(Vec<String>, String, yaml::Pos)],
    axes: &[sweep::Axis],
    errors: &mut error::Errors,
) {
    for a in axes {
        let c = overrides::canonical(root, &a.key);
        for (oc, p, pos) in canon {
            if overrides::overlap(oc, &c) {
                let message = format!(
                    "also swept (`sweep.{}` at {}): every variant would overwrite this value; drop the override or the sweep key",
                    a.key,
                    errors.place(a.pos)
                );
                errors.add(*pos, p, message);
            }
        }
    }
}

/// Appends the imported `workloads` and `services` to the scenario's lists; a name in both
/// is an error (which one was meant cannot be guessed).
fn merge_manifests(
    root: &mut yaml::Node,
    imported: yaml::Node,
    label: &str,
    errors: &mut error::Errors,
) {
    let yaml::Value::Map(imported) = imported.value else {
        return;
    };
    let root_pos = root.pos;
    if root.is_null() {
        root.value = yaml::Value::Map(Vec::new());
    }
    let yaml::Value::Map(entries) = &mut root.value else {
        return;
    };
    for (key, list) in imported {
        let name = key.scalar().unwrap_or_default().to_string();
        let yaml::Value::Seq(items) = list.value else {
            continue;
        };
        let Some((_, mine)) = entries.iter_mut().find(|(k, _)| k.scalar() == Some(&name)) else {
            let key = yaml::Node {
                value: yaml::Value::Scalar {
                    text: name,
                    quoted: false,
                },
                pos: root_pos,
            };
            entries.push((
                key,
                yaml::Node {
                    value: yaml::Value::Seq(items),
                    pos: list.pos,
                },
            ));
            continue;
        };
        if mine.is_null() {
            mine.value = yaml::Value::Seq(Vec::new());
        }
        let yaml::Value::Seq(own) = &mut mine.value else {
            continue;
        };
        let mut clashes = Vec::new();
        for (i, item) in own.iter().enumerate() {
            let Some(n) = item.get("name") else { continue };
            let clash = items
                .iter()
                .any(|m| m.get("name").and_then(yaml::Node::scalar) == n.scalar());
            if clash {
                clashes.push(n.scalar().map(str::to_string));
                errors.add(
                    n.pos,
                    &format!("{name}[{i}].name"),
                    format!(
                        "`{}` is also imported from {label}: a name in both is an error",
                        n.scalar().unwrap_or_default()
                    ),
                );
            }
        }
        // Reported once, here; the imported twin is left out.
        own.extend(items.into_iter().filter(|m| {
            !clashes.contains(
                &m.get("name")
                    .and_then(yaml::Node::scalar)
                    .map(str::to_string),
            )
        }));
    }
}
