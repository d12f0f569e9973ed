//! Experiments: every run of every variant on rayon (order-preserving), and the statistics
//! across runs. Results depend only on the scenario and seeds, never on `jobs`.

pub use crate::engine::StopReason;
use crate::metrics::RunMetrics;
use crate::model::{SimOptions, simulate};
use crate::rng::run_seed;
use crate::scenario::Scenario;
use crate::time::SimTime;
use rayon::prelude::*;

/// One variant of the scenario. Sweeps (later) make several; without one there is `base`.
#[derive(Clone, Debug)]
pub struct Variant {
    pub name: String,
    /// Swept (label, value) pairs; empty without a sweep.
    pub params: Vec<(String, String)>,
    pub scenario: Scenario,
}

impl Variant {
    pub fn single(name: &str, scenario: Scenario) -> Self {
        Variant {
            name: name.to_string(),
            params: Vec::new(),
            scenario,
        }
    }
}

impl From<crate::scenario::SweptScenario> for Variant {
    fn from(s: crate::scenario::SweptScenario) -> Self {
        Variant {
            name: s.name,
            params: s.params,
            scenario: s.scenario,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RunRecord {
    pub variant: usize,
    pub run: u32,
    pub seed: u64,
    pub metrics: RunMetrics,
    pub stop: StopReason,
    pub end: SimTime,
    pub events: u64,
    /// Time series and event log: first run of each variant, when `output:` asks for them.
    pub samples: Vec<crate::model::Sample>,
    pub trace: Vec<crate::model::TraceEvent>,
}

pub struct ExperimentResult {
    pub variants: Vec<Variant>,
    pub runs: Vec<RunRecord>,
    pub events: u64,
    pub wall_s: f64,
    /// False when an interrupt skipped some runs: the results are partial.
    pub complete: bool,
}

#[derive(Clone, Debug)]
pub struct ExperimentOptions {
    pub jobs: usize,
    pub sim: SimOptions,
    /// Run only shard `index` (1-based) of `count`: the (variant, run) pairs whose position in
    /// the canonical order is ≡ index − 1 (mod count).
    pub shard: Option<(usize, usize)>,
    /// Set (by SIGINT/SIGTERM) to stop: runs not started are skipped, runs in progress stop
    /// within `engine::CANCEL_CHECK_EVERY` events and are discarded; finished runs are kept.
    pub cancel: Option<&'static std::sync::atomic::AtomicBool>,
}

impl ExperimentOptions {
    pub fn new(jobs: usize, sim: SimOptions) -> Self {
        ExperimentOptions {
            jobs,
            sim,
            shard: None,
            cancel: None,
        }
    }
}

/// The (variant, run, seed) triples a run (or shard `(index, count)` of it) covers, in the
/// canonical order; `merge` checks shards against the same list.
pub fn run_specs(variants: &[Variant], shard: Option<(usize, usize)>) -> Vec<(usize, u32, u64)> {
    variants
        .iter()
        .enumerate()
        .flat_map(|(v, var)| {
            (0..var.scenario.runs).map(move |r| (v, r, run_seed(var.scenario.seed, r)))
        })
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(index, count)| i % count == index - 1))
        .map(|(_, spec)| spec)
        .collect()
}

/// Runs `scenario.runs` seeded runs of each variant. Output order is (variant, run) whatever
/// the thread count.
pub fn run_experiment(
    variants: Vec<Variant>,
    opts: &ExperimentOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<ExperimentResult, String> {
    let started = std::time::Instant::now();
    let specs = run_specs(&variants, opts.shard);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| format!("cannot start {} threads: {e}", opts.jobs))?;
    let runs: Vec<Option<RunRecord>> = pool.install(|| {
        specs
            .par_iter()
            .map(|&(variant, run, seed)| {
                // After an interrupt, runs not yet started are skipped.
                if opts
                    .cancel
                    .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
                {
                    return None;
                }
                let sc = &variants[variant].scenario;
                let mut sim = opts.sim;
                sim.cancel = opts.cancel;
                if run == 0 {
                    sim.timeseries = sc.output.timeseries;
                    sim.trace |= sc.output.events;
                }
                let out = simulate(sc, seed, sim);
                if out.stop == StopReason::Cancelled {
                    return None;
                }
                progress();
                Some(RunRecord {
                    variant,
                    run,
                    seed,
                    metrics: out.metrics,
                    stop: out.stop,
                    end: out.end,
                    events: out.events,
                    samples: out.samples,
                    trace: if sc.output.events {
                        out.trace
                    } else {
                        Vec::new()
                    },
                })
            })
            .collect()
    });
    let complete = runs.iter().all(Option::is_some);
    let runs: Vec<RunRecord> = runs.into_iter().flatten().collect();
    let events = runs.iter().map(|r| r.events).sum();
    Ok(ExperimentResult {
        variants,
        runs,
        events,
        wall_s: started.elapsed().as_secs_f64(),
        complete,
    })
}
