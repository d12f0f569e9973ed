//! The `kubesim` command line: parse arguments, call the library, print, and exit with
//! 0 (ok), 2 (invalid scenario or arguments) or 1 (anything else).

use anyhow::Context;
use clap::{Parser, Subcommand};
use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{self, ManifestInfo};
use kubesim::scenario::{LoadError, Overrides, Scenario, SweptScenario, budget};
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
        /// Refuse a scenario whose estimated events over all runs and variants exceed this.
        #[arg(long, default_value_t = 100_000_000_000)]
        max_total_events: u64,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Print the summary as JSON (one object per variant and service) instead of a table.
        #[arg(long)]
        json: bool,
        /// Run only shard I of N of the (variant, run) pairs and write a shard folder for
        /// `kubesim merge`. `env/N` takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)
        /// or SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (both 0-based, so shard = value + 1).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
    },
    /// Draw plots (PNG and SVG) of a results folder into RESULTS_DIR/plots/.
    Plot {
        results: PathBuf,
        /// Which plots (default: all that the folder's files allow).
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
    },
    /// Combine shard folders into the files a single run writes (byte-identical CSV).
    Merge {
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Results folder (default: results/<name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Parse and validate a scenario without running it.
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// Ctrl-C: maps to exit code 130.
#[derive(Debug)]
struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for Interrupted {}

/// An error that maps to exit code 2.
#[derive(Debug)]
struct InvalidInput(String);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InvalidInput {}

fn load(path: &Path, overrides: &Overrides) -> anyhow::Result<(Vec<SweptScenario>, String)> {
    Scenario::load_with(path, overrides).map_err(|e| match e {
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
            if e.downcast_ref::<Interrupted>().is_some() {
                ExitCode::from(130)
            } else if let Some(bad) = e.downcast_ref::<InvalidInput>() {
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
            let (variants, _) = load(&scenario, &Overrides::sets(&sets))?;
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
        Command::Plot { results, kinds } => {
            let kinds: Vec<String> = if kinds.is_empty() {
                let mut k = vec!["availability".to_string()];
                let summary =
                    std::fs::read_to_string(results.join("summary.csv")).unwrap_or_default();
                if summary
                    .lines()
                    .nth(1)
                    .is_some_and(|l| l.split(',').count() > 0)
                    && summary.contains("latency_ms_p99_mean")
                {
                    let has_latency = report::plots_have_latency(&results);
                    if has_latency {
                        k.push("latency".into());
                    }
                }
                if results.join("timeseries.csv").exists() {
                    k.extend(["timeline".to_string(), "replicas".to_string()]);
                }
                k
            } else {
                kinds
            };
            let refs: Vec<&str> = kinds.iter().map(String::as_str).collect();
            let files = report::plots::plot_dir(&results, &refs).map_err(InvalidInput)?;
            emit(&format!(
                "{} plots → {}\n",
                files.len(),
                results.join("plots").display()
            ))
        }
        Command::Merge { shards, out } => {
            let merged = report::shard::merge(&shards).map_err(InvalidInput)?;
            let name = merged.result.variants[0].scenario.name.clone();
            let dir = out.unwrap_or_else(|| PathBuf::from("results").join(name));
            let info = ManifestInfo {
                scenario_path: Path::new(&merged.scenario_path),
                scenario_text: &merged.scenario_text,
                command_line: std::env::args().collect(),
                jobs: 0,
            };
            report::write_results(&dir, &merged.result, &info).context("writing results")?;
            emit(&format!(
                "merged {} shards, {} runs → {}\n",
                shards.len(),
                merged.result.runs.len(),
                dir.display()
            ))
        }
        Command::Run {
            scenario,
            runs,
            seed,
            jobs,
            out,
            sets,
            max_events,
            max_total_events,
            quiet,
            json,
            shard,
        } => {
            if runs == Some(0) {
                return Err(InvalidInput("--runs must be at least 1".into()).into());
            }
            if jobs == Some(0) {
                return Err(InvalidInput("--jobs must be at least 1".into()).into());
            }
            let shard = shard.map(|s| parse_shard(&s)).transpose()?;
            let overrides = Overrides {
                sets: sets.clone(),
                runs: runs.map(u64::from),
                seed,
                limits: kubesim::scenario::Limits {
                    max_events,
                    max_total_events,
                    ..Default::default()
                },
            };
            if let Some(j) = jobs {
                budget::check_jobs(j, &overrides.limits).map_err(InvalidInput)?;
            }
            let (swept, text) = load(&scenario, &overrides)?;
            // A shard records the flags as overrides, so that `merge` rebuilds the same variants.
            let mut sets = sets;
            sets.extend(runs.map(|r| format!("runs={r}")));
            sets.extend(seed.map(|s| format!("seed={s}")));
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let name = swept[0].scenario.name.clone();
            let dir = out.unwrap_or_else(|| match shard {
                Some((i, n)) => PathBuf::from("results")
                    .join(&name)
                    .join(format!("shard-{i}-of-{n}")),
                None => PathBuf::from("results").join(&name),
            });
            let variants: Vec<Variant> = swept.into_iter().map(Variant::from).collect();
            let total: u64 = variants.iter().map(|v| v.scenario.runs as u64).sum();
            let total = shard.map_or(total, |(i, n)| (total + (n - i) as u64) / n as u64);
            let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = cancel.clone();
            // Ctrl-C: stop starting runs, let started ones finish, keep them in a partial folder.
            let _ =
                ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed));
            let opts = ExperimentOptions {
                jobs,
                sim: SimOptions {
                    max_events,
                    ..SimOptions::default()
                },
                shard,
                cancel: Some(cancel),
            };
            let bar = progress_bar(total, quiet || json);
            let result =
                run_experiment(variants, &opts, &|| bar.inc(1)).map_err(anyhow::Error::msg)?;
            bar.finish_and_clear();
            if !result.complete {
                let partial = dir.with_file_name(format!(
                    "{}.partial",
                    dir.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("results")
                ));
                let info = ManifestInfo {
                    scenario_path: &scenario,
                    scenario_text: &text,
                    command_line: std::env::args().collect(),
                    jobs,
                };
                report::write_results(&partial, &result, &info)
                    .context("writing partial results")?;
                eprintln!(
                    "interrupted: {} of {total} runs finished, kept in {} (not a complete result)",
                    result.runs.len(),
                    partial.display()
                );
                return Err(Interrupted.into());
            }
            let info = ManifestInfo {
                scenario_path: &scenario,
                scenario_text: &text,
                command_line: std::env::args().collect(),
                jobs,
            };
            if let Some((index, count)) = shard {
                let si = report::shard::ShardInfo {
                    index,
                    count,
                    scenario_path: &scenario,
                    scenario_text: &text,
                    sets: &sets,
                };
                report::write_shard(&dir, &result, &info, &si).context("writing shard")?;
                if !quiet {
                    emit(&format!(
                        "shard {index}/{count}: {} runs in {:.2} s → {}\n",
                        result.runs.len(),
                        result.wall_s,
                        dir.display()
                    ))?;
                }
                return Ok(());
            }
            report::write_results(&dir, &result, &info).context("writing results")?;
            let plots = &result.variants[0].scenario.output.plots;
            if !plots.is_empty() {
                let refs: Vec<&str> = plots.iter().map(String::as_str).collect();
                report::plots::plot_dir(&dir, &refs)
                    .map_err(anyhow::Error::msg)
                    .context("drawing plots")?;
            }
            let rows = report::summarize(&result);
            if json {
                let objects: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let mut o = serde_json::Map::new();
                        o.insert("variant".into(), r.variant.clone().into());
                        o.insert("service".into(), r.service.clone().into());
                        o.insert("runs".into(), r.runs.into());
                        for (m, mean, ci) in &r.metrics {
                            o.insert(format!("{m}_mean"), finite(*mean));
                            o.insert(format!("{m}_ci95"), finite(*ci));
                        }
                        for (m, mean, ci) in &r.paired {
                            o.insert(format!("{m}_diff_mean"), finite(*mean));
                            o.insert(format!("{m}_diff_ci95"), finite(*ci));
                        }
                        o.insert("nines".into(), finite(r.nines));
                        serde_json::Value::Object(o)
                    })
                    .collect();
                emit(
                    &(serde_json::to_string_pretty(&objects).expect("JSON of plain values") + "\n"),
                )?;
            } else if !quiet {
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

/// JSON has no NaN or infinity: those become null.
fn finite(x: f64) -> serde_json::Value {
    if x.is_finite() {
        x.into()
    } else {
        serde_json::Value::Null
    }
}

/// A progress bar over runs with ETA, only when stderr is a terminal (quiet in scripts and CI).
fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs  {elapsed_precise} elapsed, ETA {eta}",
        )
        .expect("valid progress template"),
    );
    bar
}

/// `I/N` (1-based) or `env/N` (index from a batch engine's 0-based array index).
fn parse_shard(text: &str) -> Result<(usize, usize), InvalidInput> {
    let bad = || {
        InvalidInput(format!(
            "--shard expects I/N with 1 ≤ I ≤ N, or env/N; found `{text}`"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    let i: usize = if i.trim() == "env" {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
        };
        let zero_based = var("JOB_COMPLETION_INDEX")
            .or_else(|| {
                Some(var("SLURM_ARRAY_TASK_ID")? - var("SLURM_ARRAY_TASK_MIN").unwrap_or(0))
            })
            .ok_or_else(|| {
                InvalidInput(
                    "--shard env/N: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set"
                        .into(),
                )
            })?;
        zero_based + 1
    } else {
        i.trim().parse().map_err(|_| bad())?
    };
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Writes to stdout; a closed pipe (`kubesim run … | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
