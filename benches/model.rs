//! Model macro-benchmarks on `scenarios/year-100-pods.yaml` (100 pods on 25 nodes, node
//! failures, crashes, hangs, startup/readiness/liveness probes), one run on one core: a full
//! simulated year, and one week with event-driven probes against the ticking oracle.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::model::{SimOptions, simulate};
use kubesim::scenario::Scenario;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/year-100-pods.yaml");
    let (year, _) = Scenario::load(&path, &[]).expect("bench scenario is valid");
    let mut seed = 0;
    let mut g = c.benchmark_group("model");
    g.sample_size(20);
    g.bench_function("year_100_pods_one_run", |b| {
        b.iter(|| {
            seed += 1;
            simulate(&year, seed, SimOptions::default()).events
        })
    });
    g.finish();

    // The oracle costs an event per probe period per pod (~120 M events for the full year),
    // so the comparison runs one simulated week.
    let (week, _) =
        Scenario::load(&path, &["horizon=7d".to_string()]).expect("bench scenario is valid");
    let mut g = c.benchmark_group("probes_week_100_pods");
    g.sample_size(10);
    for (name, probe_oracle) in [("event_driven", false), ("ticking_oracle", true)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                simulate(
                    &week,
                    seed,
                    SimOptions {
                        probe_oracle,
                        ..SimOptions::default()
                    },
                )
                .events
            })
        });
    }
    g.finish();
}

/// Requests per second of wall time: `scenarios/requests-10-pods.yaml`, one simulated hour at
/// 1000 requests/s (3.6 M requests) per iteration.
fn requests(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/requests-10-pods.yaml");
    let (sc, _) = Scenario::load(&path, &[]).expect("bench scenario is valid");
    let mut g = c.benchmark_group("requests");
    g.sample_size(10);
    g.throughput(Throughput::Elements(3_600_000));
    let mut seed = 0;
    g.bench_function("10_pods_1000_per_s_one_hour", |b| {
        b.iter(|| {
            seed += 1;
            simulate(&sc, seed, SimOptions::default()).metrics.requests[0].requests
        })
    });
    g.finish();
}

criterion_group!(benches, bench, requests);
criterion_main!(benches);
