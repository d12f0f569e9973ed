//! The `kubesim` command line: parse arguments, call the library, print, and exit with
//! 0 (ok), 2 (invalid scenario or arguments) or 1 (anything else).

use clap::{Parser, Subcommand};
use kubesim::experiment::{ExperimentOptions, ExperimentResult, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{self, ManifestInfo, WriteError};
use kubesim::scenario::{LoadError, Overrides, Scenario, SweptScenario, budget};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod documents;
mod signals;

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
    Run(RunArgs),
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
        /// Results folder (default: results/<name>/merged/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a scenario from Kubernetes manifests (Deployment, StatefulSet, Service, HPA,
    /// PDB): files or directories of YAML (`-` reads standard input).
    Import(documents::ImportArgs),
    /// Print the scenario format as JSON Schema (draft 2020-12), for editors: put
    /// `# yaml-language-server: $schema=<path>` at the top of a scenario.
    Schema(documents::SchemaArgs),
    /// Parse and validate a scenario without running it.
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
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
    /// Results folder (default: results/<name>/). An existing folder is replaced only if
    /// it is empty or kubesim wrote it.
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
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON (one object per variant and service) instead of a table.
    #[arg(long)]
    json: bool,
    /// Print every column of the summary table and whole variant names (by default it is
    /// fitted to 100 characters).
    #[arg(long)]
    wide: bool,
    /// Run only shard I of N of the (variant, run) pairs and write a shard folder for
    /// `kubesim merge`. `env/N` takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)
    /// or SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (both 0-based, so shard = value + 1).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Take workloads and services (with their HPAs and PDBs) from Kubernetes manifests
    /// (a file or directory, as `kubesim import` reads them); the scenario gives the rest.
    #[arg(long, value_name = "DIR")]
    manifests: Option<PathBuf>,
}

/// Stopped by a signal: exit 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
#[derive(Debug)]
struct Interrupted(i32);

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

fn invalid(message: impl std::fmt::Display) -> anyhow::Error {
    InvalidInput(message.to_string()).into()
}

/// A refusal to replace a folder is the user's to fix (exit 2); an I/O failure is not (1).
fn write_error(e: WriteError, what: &str) -> anyhow::Error {
    match e {
        WriteError::Refused(r) => invalid(r),
        io => anyhow::Error::new(io).context(what.to_string()),
    }
}

fn load(path: &Path, overrides: &Overrides) -> anyhow::Result<(Vec<SweptScenario>, String)> {
    Scenario::load_with(path, overrides).map_err(|e| match e {
        LoadError::Io(m) => invalid(m),
        LoadError::Invalid(errs) => invalid(errs.to_string().trim_end()),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { scenario, sets } => cmd_validate(&scenario, &sets),
        Command::Plot { results, kinds } => cmd_plot(&results, &kinds),
        Command::Merge { shards, out } => cmd_merge(&shards, out),
        Command::Run(args) => cmd_run(args),
        Command::Import(args) => documents::cmd_import(args),
        Command::Schema(args) => documents::cmd_schema(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(Interrupted(code)) = e.downcast_ref::<Interrupted>() {
                ExitCode::from(*code as u8)
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

fn cmd_validate(scenario: &Path, sets: &[String]) -> anyhow::Result<()> {
    let (variants, _) = load(scenario, &Overrides::sets(sets))?;
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

fn cmd_plot(results: &Path, kinds: &[String]) -> anyhow::Result<()> {
    let kinds: Vec<&str> = if kinds.is_empty() {
        report::plots::default_kinds(results)
    } else {
        kinds.iter().map(String::as_str).collect()
    };
    let files = report::plots::plot_dir(results, &kinds).map_err(invalid)?;
    emit(&format!(
        "{} plots → {}\n",
        files.len(),
        results.join("plots").display()
    ))
}

fn cmd_merge(shards: &[PathBuf], out: Option<PathBuf>) -> anyhow::Result<()> {
    // Checked before reading: a refused --out costs nothing.
    if let Some(out) = &out {
        report::outdir::check(out).map_err(invalid)?;
    }
    let merged = report::shard::merge(shards).map_err(invalid)?;
    let name = merged.result.variants[0].scenario.name.clone();
    // Default: beside the default shard folders (results/<name>/shard-I-of-N), never over them.
    let dir = out.unwrap_or_else(|| PathBuf::from("results").join(name).join("merged"));
    let target = report::outdir::check(&dir).map_err(invalid)?.target;
    for s in shards {
        if std::fs::canonicalize(s).is_ok_and(|s| s.starts_with(&target)) {
            return Err(invalid(format!(
                "refusing to replace `{}`: it holds the shard folder `{}` being merged",
                dir.display(),
                s.display()
            )));
        }
    }
    let info = ManifestInfo {
        scenario_path: Path::new(&merged.scenario_path),
        scenario_text: &merged.scenario_text,
        command_line: std::env::args().collect(),
        jobs: 0,
    };
    report::write_results(&dir, &merged.result, &info)
        .map_err(|e| write_error(e, "writing results"))?;
    warn_about(&merged.result, None);
    emit(&format!(
        "merged {} shards, {} runs → {}\n",
        shards.len(),
        merged.result.runs.len(),
        dir.display()
    ))
}

fn cmd_run(a: RunArgs) -> anyhow::Result<()> {
    if a.runs == Some(0) {
        return Err(invalid("--runs must be at least 1"));
    }
    if a.jobs == Some(0) {
        return Err(invalid("--jobs must be at least 1"));
    }
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    if shard.is_some() && a.manifests.is_some() {
        return Err(invalid(
            "--shard with --manifests: write the scenario with `kubesim import` and shard that (merge rebuilds runs from the scenario file alone)",
        ));
    }
    let manifests = match &a.manifests {
        Some(dir) => {
            let imported = documents::import_manifests(std::slice::from_ref(dir))?;
            Some(kubesim::scenario::Manifests {
                label: format!("{} (imported)", dir.display()),
                text: kubesim::import::render::fragment(&imported),
            })
        }
        None => None,
    };
    let overrides = Overrides {
        manifests: manifests.clone(),
        sets: a.sets.clone(),
        runs: a.runs.map(u64::from),
        seed: a.seed,
        limits: kubesim::scenario::Limits {
            max_events: a.max_events,
            max_total_events: a.max_total_events,
            ..Default::default()
        },
    };
    if let Some(j) = a.jobs {
        budget::check_jobs(j, &overrides.limits).map_err(invalid)?;
    }
    let (swept, mut text) = load(&a.scenario, &overrides)?;
    // manifest.json's scenario hash must cover what ran: the imported part is appended to
    // the text as comments, so a changed manifest changes the hash.
    if let Some(m) = &manifests {
        text.push_str(&format!("\n# --manifests {}:\n", m.label));
        for line in m.text.lines() {
            text.push_str(&format!("# {line}\n"));
        }
    }
    // A shard records the flags as overrides, so that `merge` rebuilds the same variants.
    let mut sets = a.sets.clone();
    sets.extend(a.runs.map(|r| format!("runs={r}")));
    sets.extend(a.seed.map(|s| format!("seed={s}")));
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let name = swept[0].scenario.name.clone();
    let dir = a.out.clone().unwrap_or_else(|| match shard {
        Some((i, n)) => PathBuf::from("results")
            .join(&name)
            .join(format!("shard-{i}-of-{n}")),
        None => PathBuf::from("results").join(&name),
    });
    let partial = partial_dir(&dir);
    // Both folders are checked before any run starts (and again when written).
    report::outdir::check(&dir).map_err(invalid)?;
    report::outdir::check(&partial).map_err(invalid)?;
    let variants: Vec<Variant> = swept.into_iter().map(Variant::from).collect();
    let pairs: u64 = variants.iter().map(|v| v.scenario.runs as u64).sum();
    if let Some((_, n)) = shard
        && n as u64 > pairs
    {
        return Err(invalid(format!(
            "--shard: {n} shards but only {pairs} runs to share (at most one shard per run)"
        )));
    }
    let total = shard.map_or(pairs, |(i, n)| (pairs + (n - i) as u64) / n as u64);
    let cancel = signals::install()?;
    let opts = ExperimentOptions {
        jobs,
        sim: SimOptions {
            max_events: a.max_events,
            ..SimOptions::default()
        },
        shard,
        cancel: Some(cancel),
    };
    let bar = progress_bar(total, a.quiet || a.json);
    let hook = signals::TestHook::from_env();
    let finished = std::sync::atomic::AtomicU64::new(0);
    let result = run_experiment(variants, &opts, &|| {
        bar.inc(1);
        hook.after_run(finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1);
    })
    .map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    let info = ManifestInfo {
        scenario_path: &a.scenario,
        scenario_text: &text,
        command_line: std::env::args().collect(),
        jobs,
    };
    if !result.complete {
        report::write_results(&partial, &result, &info)
            .map_err(|e| write_error(e, "writing partial results"))?;
        eprintln!(
            "interrupted: {} of {total} runs finished, kept in {} (not a complete result)",
            result.runs.len(),
            partial.display()
        );
        return Err(Interrupted(signals::exit_code()).into());
    }
    warn_about(&result, Some(a.max_events));
    if let Some((index, count)) = shard {
        let si = report::shard::ShardInfo {
            index,
            count,
            scenario_path: &a.scenario,
            scenario_text: &text,
            sets: &sets,
        };
        report::write_shard(&dir, &result, &info, &si)
            .map_err(|e| write_error(e, "writing shard"))?;
        if !a.quiet {
            emit(&format!(
                "shard {index}/{count}: {} runs in {:.2} s → {}\n",
                result.runs.len(),
                result.wall_s,
                dir.display()
            ))?;
        }
        return Ok(());
    }
    report::write_results(&dir, &result, &info).map_err(|e| write_error(e, "writing results"))?;
    // The results are written: a plot the data cannot fill (no services, say) is skipped
    // with a warning, not an error that hides them.
    for kind in &result.variants[0].scenario.output.plots {
        if let Err(e) = report::plots::plot_dir(&dir, &[kind.as_str()]) {
            eprintln!("warning: plot `{kind}` skipped: {e}");
        }
    }
    print_summary(&result, &a, jobs, &dir)
}

/// `<out>.partial`: where an interrupted run keeps its finished runs.
fn partial_dir(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .filter(|n| *n != "." && *n != "..")
        .map_or_else(|| "results".into(), |n| n.to_os_string());
    name.push(".partial");
    match dir.file_name() {
        Some(_) => dir.with_file_name(name),
        None => dir.join("..").join(name),
    }
}

/// Loud warnings (stderr, even with --quiet): results that cover less than they seem to.
fn warn_about(result: &ExperimentResult, max_events: Option<u64>) {
    let truncated = report::runs_truncated(result);
    if truncated > 0 {
        let budget = max_events.map_or(String::new(), |m| format!(" (--max-events {m})"));
        eprintln!(
            "warning: {truncated} of {} runs TRUNCATED: the event budget{budget} stopped them before the horizon, so their metrics cover less time; raise --max-events",
            result.runs.len()
        );
    }
    let missed = report::faults_missed(result);
    if missed > 0 {
        eprintln!(
            "warning: {missed} scripted faults (over all runs) found no target (a pod without a running container, a node the cluster autoscaler removed) and did nothing (logged as `fault-missed` with `output: {{events: true}}`)"
        );
    }
}

fn print_summary(
    result: &ExperimentResult,
    a: &RunArgs,
    jobs: usize,
    dir: &Path,
) -> anyhow::Result<()> {
    let rows = report::summarize(result);
    if a.json {
        let objects: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                o.insert("variant".into(), r.variant.clone().into());
                o.insert("service".into(), r.service.clone().into());
                o.insert("runs".into(), r.runs.into());
                o.insert("runs_truncated".into(), r.runs_truncated.into());
                o.insert("faults_missed".into(), r.faults_missed.into());
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
        emit(&(serde_json::to_string_pretty(&objects).expect("JSON of plain values") + "\n"))
    } else if !a.quiet {
        let sim_s: f64 = result.runs.iter().map(|r| r.end.as_secs_f64()).sum();
        emit(&format!(
            "{}\n{} variant{}, {} run{}, {} events, {:.1} simulated days in {:.2} s wall ({} job{}) → {}\n",
            report::table::render(&rows, a.wide),
            result.variants.len(),
            plural(result.variants.len()),
            result.runs.len(),
            plural(result.runs.len()),
            result.events,
            sim_s / 86_400.0,
            result.wall_s,
            jobs,
            plural(jobs),
            dir.display()
        ))
    } else {
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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
