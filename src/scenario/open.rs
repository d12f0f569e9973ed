//! The loaders: a scenario file or text to validated variants (the sweep expanded, every
//! variant validated, the work estimated against the limits), and why loading failed.

use super::load::{Prepared, prepare, read_scenario};
use super::*;
use std::path::Path;

impl Scenario {
    /// Reads, overrides and validates a scenario file. `sets` are `PATH=VALUE` overrides.
    pub fn load(path: &Path, sets: &[String]) -> Result<(Scenario, String), LoadError> {
        let text = read_scenario(path)?;
        let scenario = Self::from_text(&text, path, sets)?;
        Ok((scenario, text))
    }

    /// Reads a scenario and expands its sweep: one `SweptScenario` per combination (one,
    /// named `base`, without a sweep), all validated before anything runs.
    pub fn load_variants(
        path: &Path,
        sets: &[String],
    ) -> Result<(Vec<SweptScenario>, String), LoadError> {
        Self::load_with(path, &Overrides::sets(sets))
    }

    /// Like `load_variants`, with typed command-line values and work limits.
    pub fn load_with(
        path: &Path,
        overrides: &Overrides,
    ) -> Result<(Vec<SweptScenario>, String), LoadError> {
        let text = read_scenario(path)?;
        let variants = Self::variants_with(&text, path, overrides)?;
        Ok((variants, text))
    }

    pub fn variants_from_text(
        text: &str,
        path: &Path,
        sets: &[String],
    ) -> Result<Vec<SweptScenario>, LoadError> {
        Self::variants_with(text, path, &Overrides::sets(sets))
    }

    /// Expands and validates every variant, then estimates the work against the limits.
    pub fn variants_with(
        text: &str,
        path: &Path,
        overrides: &Overrides,
    ) -> Result<Vec<SweptScenario>, LoadError> {
        let Prepared {
            root,
            axes,
            mut errors,
            stem,
        } = prepare(text, path, overrides)?;
        let limits = &overrides.limits;
        let sweep_pos = budget::pos_at(&root, &[]);
        let count = sweep::count(&axes);
        let sweep_pos = axes.first().map_or(sweep_pos, |a| a.pos);
        if !budget::check_variants(count, sweep_pos, limits, &mut errors) {
            return Err(LoadError::Invalid(
                errors.into_result(()).expect_err("just recorded"),
            ));
        }
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut out = Vec::new();
        let mut trees = Vec::new();
        for index in 0..count.unwrap_or(1) {
            let combo = sweep::combination(&axes, index);
            let tree = sweep::apply(&root, &axes, &combo, &mut errors);
            let params: Vec<(String, String)> = axes
                .iter()
                .zip(&combo)
                .map(|(a, &i)| (a.label.clone(), sweep::render(&a.values[i])))
                .collect();
            let name = if axes.is_empty() {
                "base".to_string()
            } else {
                axes.iter()
                    .zip(&combo)
                    .map(|(a, &i)| format!("{}={}", a.short, sweep::render(&a.values[i])))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            if let Some(s) = validate::scenario(&tree, &stem, base_dir, &mut errors) {
                trees.push(tree);
                out.push(SweptScenario {
                    name,
                    params,
                    scenario: s,
                });
            }
        }
        // Estimates only of valid scenarios: a half-read one would give misleading numbers.
        if errors.is_empty() {
            let totals: Vec<(&Scenario, f64)> = out
                .iter()
                .zip(&trees)
                .map(|(v, t)| {
                    let e = budget::check_variant(&v.scenario, t, limits, &mut errors);
                    (&v.scenario, e)
                })
                .collect();
            if errors.is_empty() {
                budget::check_total(&totals, &root, limits, &mut errors);
            }
        }
        if errors.is_empty() && !out.is_empty() {
            Ok(out)
        } else {
            Err(LoadError::Invalid(
                errors
                    .into_result(())
                    .expect_err("a failed read records an error"),
            ))
        }
    }

    /// Like `load`, from text already in memory; `path` names the file in errors and resolves
    /// relative paths (empirical samples). A sweep, if any, is checked and then left out
    /// (see `variants_from_text`).
    pub fn from_text(text: &str, path: &Path, sets: &[String]) -> Result<Scenario, LoadError> {
        let Prepared {
            root,
            mut errors,
            stem,
            ..
        } = prepare(text, path, &Overrides::sets(sets))?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let scenario = validate::scenario(&root, &stem, base_dir, &mut errors);
        if let Some(s) = scenario.as_ref().filter(|_| errors.is_empty()) {
            let events = budget::check_variant(s, &root, &Limits::default(), &mut errors);
            if errors.is_empty() {
                budget::check_total(&[(s, events)], &root, &Limits::default(), &mut errors);
            }
        }
        match scenario {
            Some(s) if errors.is_empty() => Ok(s),
            _ => Err(LoadError::Invalid(
                errors
                    .into_result(())
                    .expect_err("a failed read records an error"),
            )),
        }
    }
}

/// One point of a sweep: its name, the swept values (label, value) and the scenario.
#[derive(Clone, Debug)]
pub struct SweptScenario {
    pub name: String,
    pub params: Vec<(String, String)>,
    pub scenario: Scenario,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Invalid(ScenarioErrors),
}
