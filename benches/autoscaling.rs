//! A month of diurnal load with an HPA between 100 and 1,000 pods on 4–40 nodes of a
//! cluster-autoscaled pool: one run, fluid traffic (the aim: < 1 s per run)
//! and, for ten minutes, per-request traffic; and a scale-out of 10,000 pods onto one-pod
//! nodes booting at random times (each boot retries every pending pod, as kube-scheduler).
//! Criterion's "elements" are simulated events.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kubesim::model::{SimOptions, simulate};
use kubesim::scenario::Scenario;
use std::path::Path;

/// 5,500–49,500 req/s over the day at 50 req/s per pod target: 110–990 pods.
pub const DIURNAL: &str = "
horizon: 30d
nodes:
  - pool: workers
    count: 5
    zones: [a, b, c]
    capacity: {cpu: 16, memory: 64Gi, pods: 110}
    boot: {lognormal: {median: 90s, sigma: 0.3}}
    autoscaling: {min: 4, max: 40}
workloads:
  - name: web
    replicas: 110
    resources: {cpu: 500m, memory: 256Mi}
    spread: zones
    start: {lognormal: {median: 20s, sigma: 0.3}}
    probes:
      readiness: {period: 5s}
    server: {concurrency: 4, queue: 50, service_time: {exponential: 20ms}}
    autoscaling:
      hpa: {min: 100, max: 1000, metrics: [{requests_per_pod: 50/s}]}
services: [{name: web, workload: web}]
traffic:
  - service: web
    model: fluid
    arrivals: {diurnal: {mean: 27500/s, amplitude: 0.8, period: 24h, peak: 14h}}
";

/// 10,000 pending pods, one per node, nodes booting in 50–70 s: the cluster autoscaler asks
/// for ~10,000 nodes and the scheduler retries the pods at each boot.
pub const SCALE_OUT: &str = "
horizon: 1h
nodes:
  - pool: w
    count: 1
    zones: [a, b, c]
    capacity: {cpu: 1, memory: 4Gi, pods: 110}
    boot: {uniform: [50s, 70s]}
    autoscaling: {min: 1, max: 30000}
cluster_autoscaler: {}
workloads:
  - name: web
    replicas: 10000
    resources: {cpu: 1, memory: 1Gi}
    spread: zones
";

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("autoscaling");
    g.sample_size(10);
    let cases = [
        ("fluid_30d", DIURNAL.to_string()),
        // Zone spread makes the cluster autoscaler add a node per zone for a few pods and
        // take them back ten minutes later: three times the node churn.
        (
            "fluid_30d_no_spread",
            DIURNAL.replace("    spread: zones\n", ""),
        ),
        (
            // 27,500–49,500 requests a second, each an event: ten minutes is 16–30 M.
            "requests_10m",
            DIURNAL
                .replace("horizon: 30d", "horizon: 10m")
                .replace("    model: fluid\n", ""),
        ),
        ("scale_out_10k_nodes", SCALE_OUT.to_string()),
    ];
    for (name, yaml) in cases {
        let sc = Scenario::from_text(&yaml, Path::new("bench.yaml"), &[]).expect("valid");
        let events = simulate(&sc, 1, SimOptions::default()).events;
        g.throughput(Throughput::Elements(events));
        g.bench_function(name, |b| {
            b.iter(|| simulate(&sc, 1, SimOptions::default()).events)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
