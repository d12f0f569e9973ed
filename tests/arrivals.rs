//! Arrival processes: the number of requests matches ∫ rate dt for each kind, within 4σ of
//! the Poisson count (one run, no failures, so every arrival is counted).

mod common;
use common::*;

fn count(arrivals: &str, horizon: &str, dir: &std::path::Path) -> u64 {
    let yaml = format!(
        "
horizon: {horizon}
nodes: [{{pool: w, count: 2}}]
workloads:
  - name: web
    replicas: 2
    server: {{concurrency: 64, queue: 10000, service_time: 1ms}}
traffic: [{{service: web, arrivals: {arrivals}, timeout: 1h}}]
"
    );
    let path = dir.join("arrivals.yaml");
    let sc =
        kubesim::scenario::Scenario::from_text(&yaml, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    run_traced(&sc, 5).metrics.requests[0].requests
}

fn near(got: u64, want: f64, what: &str) {
    eprintln!("{what}: {got} arrivals, expected {want}");
    assert!(
        (got as f64 - want).abs() <= 4.0 * want.sqrt(),
        "{what}: {got} vs {want}"
    );
}

#[test]
fn every_arrival_process_delivers_its_integral() {
    let dir = std::env::temp_dir().join(format!("kubesim-arrivals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    near(count("{poisson: 300/s}", "10m", &dir), 180_000.0, "poisson");
    // 100/s for 10 min, then 400/s for 10 min.
    near(
        count(
            "{steps: [{at: 0s, rate: 100/s}, {at: 10m, rate: 400/s}]}",
            "20m",
            &dir,
        ),
        300_000.0,
        "steps",
    );
    // Over whole periods the cosine integrates to zero: mean × time.
    near(
        count(
            "{diurnal: {mean: 50/s, amplitude: 0.8, period: 1h, peak: 10m}}",
            "2h",
            &dir,
        ),
        360_000.0,
        "diurnal",
    );
    // A quarter period from the peak: mean·(T + a·P/(2π)·sin(2πT/P)) with sin(π/2) = 1.
    near(
        count(
            "{diurnal: {mean: 50/s, amplitude: 0.8, period: 2h, peak: 0s}}",
            "30m",
            &dir,
        ),
        50.0 * (1800.0 + 0.8 * 7200.0 / (2.0 * std::f64::consts::PI)),
        "diurnal quarter",
    );
    // A trace: 0–60 s at 10/s, 60–120 s at 1000/s, then 0.
    std::fs::write(
        dir.join("load.csv"),
        "t_s,rate_per_s\n0,10\n60,1000\n120,0\n",
    )
    .unwrap();
    near(
        count("{trace: {file: load.csv}}", "10m", &dir),
        600.0 + 60_000.0,
        "trace",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
