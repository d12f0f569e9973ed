//! Cost per event as the cluster grows: `scenarios/year-100-pods.yaml` (node failures,
//! crashes, hangs, startup/readiness/liveness probes) at 100 / 1,000 / 10,000 / 100,000 pods
//! on pods/4 nodes, one run on one core. Horizons shrink as the cluster grows so each size
//! runs a few hundred thousand events or more; criterion reports events per second (its
//! "elements"), i.e. the inverse of ns per event, which should stay flat in cluster size.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::model::{SimOptions, simulate};
use kubesim::scenario::Scenario;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/year-100-pods.yaml");
    let mut g = c.benchmark_group("cluster_scale");
    g.sample_size(10);
    for (pods, horizon) in [
        (100u32, "365d"),
        (1_000, "365d"),
        (10_000, "30d"),
        (100_000, "3d"),
    ] {
        let sets = [
            format!("workloads.api.replicas={pods}"),
            format!("nodes.workers.count={}", pods / 4),
            format!("horizon={horizon}"),
        ];
        let (sc, _) = Scenario::load(&path, &sets).expect("bench scenario is valid");
        // Same seed every iteration: the same events, so elements = events is exact.
        let events = simulate(&sc, 1, SimOptions::default()).events;
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("{pods}_pods_{horizon}"), |b| {
            b.iter(|| simulate(&sc, 1, SimOptions::default()).events)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
