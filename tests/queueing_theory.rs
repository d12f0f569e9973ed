//! Queueing theory on fixed seeds: pod servers and balancers against closed forms.
//! Infinite queues are approximated by a queue of 10⁶ and timeouts of an hour; no failures.

mod common;
use common::*;
use kubesim::experiment::{ExperimentOptions, Variant, run_experiment};
use kubesim::model::SimOptions;
use kubesim::report::{SummaryRow, summarize};

fn scenario_text(
    pods: u32,
    concurrency: u32,
    mean_service: &str,
    rate: &str,
    balancer: &str,
) -> String {
    format!(
        "
horizon: 3000s
warmup: 100s
runs: 4
seed: 21
nodes: [{{pool: w, count: {pods}}}]
workloads:
  - name: web
    replicas: {pods}
    spread: nodes
    server: {{concurrency: {concurrency}, queue: 1000000, service_time: {{exponential: {mean_service}}}}}
services: [{{name: web, workload: web, balancer: {balancer}}}]
traffic: [{{service: web, arrivals: {{poisson: {rate}}}, timeout: 1h}}]
"
    )
}

fn summary(yaml: &str) -> SummaryRow {
    let sc = scenario(yaml);
    let result = run_experiment(
        vec![Variant::single("base", sc)],
        &ExperimentOptions::new(2, SimOptions::default()),
        &|| {},
    )
    .expect("runs");
    let row = summarize(&result).remove(0);
    assert_eq!(
        row.get("requests_failed").0,
        0.0,
        "no request may fail in a theory test"
    );
    row
}

fn within(got: f64, want: f64, rel: f64, what: &str) {
    let err = (got - want).abs() / want;
    eprintln!(
        "{what}: simulated {got:.4}, theory {want:.4} ({:+.2} %)",
        100.0 * (got - want) / want
    );
    assert!(
        err <= rel,
        "{what}: simulated {got}, theory {want}, error {:.2} % > {:.1} %",
        100.0 * err,
        100.0 * rel
    );
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    last / (sum + last)
}

#[test]
fn one_pod_with_four_workers_is_m_m_4() {
    // λ = 80/s, μ = 25/s per worker, c = 4: a = 3.2, ρ = 0.8.
    // W = C(4, 3.2) / (cμ − λ) + 1/μ = 0.5964 / 20 + 0.04 = 69.82 ms.
    let (lambda, mu, c) = (80.0, 25.0, 4);
    let w = erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + 1.0 / mu;
    assert!((w * 1e3 - 69.82).abs() < 0.01, "{w}");
    let row = summary(&scenario_text(1, 4, "40ms", "80/s", "random"));
    within(
        row.get("latency_ms_mean").0,
        w * 1e3,
        0.03,
        "M/M/4 mean response",
    );
}

#[test]
fn random_over_four_pods_is_four_m_m_1() {
    // Uniform random splitting of Poisson(320/s) gives four Poisson(80/s) streams; μ = 100/s:
    // W = 1/(μ − λ/n) = 50 ms; p99 of the exponential response time = ln(100)·W = 230.3 ms.
    let row = summary(&scenario_text(4, 1, "10ms", "320/s", "random"));
    within(
        row.get("latency_ms_mean").0,
        50.0,
        0.03,
        "random mean response",
    );
    within(
        row.get("latency_ms_p99").0,
        100f64.ln() * 50.0,
        0.05,
        "random p99 response",
    );
}

#[test]
fn round_robin_over_four_pods_is_e4_m_1() {
    // Round robin gives each pod every 4th arrival: Erlang-4 inter-arrivals (rate 80/s).
    // GI/M/1: σ solves σ = A*(μ(1−σ)) with A*(s) = (λ/(λ+s))⁴, λ = 320/s; W = 1/(μ(1−σ)) = 32.67 ms (σ = 0.6939).
    let (lambda, mu) = (320.0f64, 100.0f64);
    let mut sigma = 0.5;
    for _ in 0..200 {
        sigma = (lambda / (lambda + mu * (1.0 - sigma))).powi(4);
    }
    let w = 1.0 / (mu * (1.0 - sigma));
    assert!((w * 1e3 - 32.67).abs() < 0.01, "E4/M/1 mean response {w}");
    let row = summary(&scenario_text(4, 1, "10ms", "320/s", "round_robin"));
    within(
        row.get("latency_ms_mean").0,
        w * 1e3,
        0.03,
        "round-robin mean response",
    );
}

#[test]
fn load_aware_balancers_beat_random_on_p99_at_80_percent() {
    let p99 = |b: &str| {
        summary(&scenario_text(4, 1, "10ms", "320/s", b))
            .get("latency_ms_p99")
            .0
    };
    let (random, lc, p2c) = (p99("random"), p99("least_connections"), p99("power_of_two"));
    eprintln!("p99: random {random} ms, least_connections {lc} ms, power_of_two {p2c} ms");
    assert!(
        lc < 0.7 * random,
        "least_connections p99 {lc} vs random {random}"
    );
    assert!(
        p2c < 0.8 * random,
        "power_of_two p99 {p2c} vs random {random}"
    );
    assert!(
        lc <= p2c * 1.05,
        "full information is at least as good as two choices"
    );
}
