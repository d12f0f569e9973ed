//! The `kubesim` command line: parse arguments, call the library, print, and exit with
//! 0 (ok), 2 (invalid scenario or arguments) or 1 (anything else).

use anyhow::Context;
use clap::{Parser, Subcommand};
use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{self, ManifestInfo};
use kubesim::scenario::{LoadError, Scenario, SweptScenario};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kubesim",
    version,
    about = "How available will this Kubernetes service be? A discrete-event simulator."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every seeded run of a scenario and write runs.csv, summary.csv and manifest.json.
    Run {
        scenario: PathBuf,
        /// Seeded runs per variant (overrides the scenario's `runs`).
        #[arg(long)]
        runs: Option<u32>,
        /// Base seed (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Results folder (default: results/<name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override one field: PATH=VALUE, e.g. workloads.web.replicas=4 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Stop each run after this many events (the run records that it stopped early).
        #[arg(long, default_value_t = 2_000_000_000)]
        max_events: u64,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Parse and validate a scenario without running it.
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// An error that maps to exit code 2.
#[derive(Debug)]
struct InvalidInput(String);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InvalidInput {}

fn load(path: &Path, sets: &[String]) -> anyhow::Result<(Vec<SweptScenario>, String)> {
    Scenario::load_variants(path, sets).map_err(|e| match e {
        LoadError::Io(m) => anyhow::Error::new(InvalidInput(m)),
        LoadError::Invalid(errs) => {
            anyhow::Error::new(InvalidInput(errs.to_string().trim_end().to_string()))
        }
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(bad) = e.downcast_ref::<InvalidInput>() {
                eprintln!("error: {bad}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Validate { scenario, sets } => {
            let (variants, _) = load(&scenario, &sets)?;
            let sc = &variants[0].scenario;
            emit(&format!(
                "{}: ok ({} variants; {} nodes, {} workloads, {} services, {} faults; horizon {}, {} runs)\n",
                scenario.display(),
                variants.len(),
                sc.nodes.len(),
                sc.workloads.len(),
                sc.services.len(),
                sc.faults.len(),
                sc.horizon,
                sc.runs
            ))
        }
        Command::Run {
            scenario,
            runs,
            seed,
            jobs,
            out,
            mut sets,
            max_events,
            quiet,
        } => {
            if runs == Some(0) {
                return Err(InvalidInput("--runs must be at least 1".into()).into());
            }
            if jobs == Some(0) {
                return Err(InvalidInput("--jobs must be at least 1".into()).into());
            }
            sets.extend(runs.map(|r| format!("runs={r}")));
            sets.extend(seed.map(|s| format!("seed={s}")));
            let (swept, text) = load(&scenario, &sets)?;
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&swept[0].scenario.name));
            let variants: Vec<Variant> = swept.into_iter().map(Variant::from).collect();
            let opts = ExperimentOptions {
                jobs,
                sim: SimOptions {
                    max_events,
                    ..SimOptions::default()
                },
            };
            let result = run_experiment(variants, &opts, &|| {}).map_err(anyhow::Error::msg)?;
            let info = ManifestInfo {
                scenario_path: &scenario,
                scenario_text: &text,
                command_line: std::env::args().collect(),
                jobs,
            };
            report::write_results(&dir, &result, &info).context("writing results")?;
            if !quiet {
                let rows = report::summarize(&result);
                let sim_s: f64 = result.runs.iter().map(|r| r.end.as_secs_f64()).sum();
                emit(&format!(
                    "{}\n{} runs, {} events, {:.1} simulated days in {:.2} s wall ({} jobs) → {}\n",
                    report::table::render(&rows),
                    result.runs.len(),
                    result.events,
                    sim_s / 86_400.0,
                    result.wall_s,
                    jobs,
                    dir.display()
                ))?;
            }
            Ok(())
        }
    }
}

/// Writes to stdout; a closed pipe (`kubesim run … | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
