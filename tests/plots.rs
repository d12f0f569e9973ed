//! Plots: a run with `output.plots` draws PNG and SVG files; `kubesim plot` redraws them from
//! a results folder; plots that need a time series say so. The replicas plot shows desired vs
//! ready replicas with the offered load when timeseries.csv has those columns, and the plain
//! replica count of an older timeseries.csv otherwise.

use std::process::Command;

#[test]
fn plots_are_drawn_as_png_and_svg() {
    let dir = std::env::temp_dir().join(format!("kubesim-plots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = "
horizon: 30m
runs: 3
nodes: [{pool: w, count: 3}]
workloads: [{name: web, replicas: 3, start: 1s, failures: {crash: {exponential: 10m}}, server: {concurrency: 2}}]
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {poisson: 50/s}}]
faults: [{at: 10m, kill_node: w-0, for: 5m}]
sweep: {services.web.balancer: [random, power_of_two]}
output: {timeseries: 1m, plots: [timeline, availability, latency, replicas]}
";
    std::fs::write(dir.join("s.yaml"), yaml).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "s.yaml", "-q", "--out", "r"])
        .status()
        .unwrap();
    assert!(st.success());
    for kind in ["timeline", "availability", "latency", "replicas"] {
        let png = std::fs::read(dir.join(format!("r/plots/{kind}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{kind}.png is a PNG");
        assert!(png.len() > 5_000, "{kind}.png has content");
        let svg = std::fs::read_to_string(dir.join(format!("r/plots/{kind}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("power_of_two"),
            "{kind}.svg names the variants"
        );
    }
    std::fs::remove_dir_all(dir.join("r/plots")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["plot", "r"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "8 plots → r/plots"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A results folder written by hand: summary.csv for the variants, and a timeseries.csv.
fn folder(name: &str, timeseries: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kubesim-plots-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("summary.csv"),
        "variant,service,availability_mean\nlow,web,0.999\nhigh,web,0.998\n",
    )
    .unwrap();
    std::fs::write(dir.join("timeseries.csv"), timeseries).unwrap();
    dir
}

/// Draws the replicas plot of `dir`; returns the SVG text (its labels say what was drawn).
fn replicas_svg(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("plot")
        .arg(dir)
        .args(["--kinds", "replicas"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.join("plots/replicas.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "replicas.png is a PNG");
    std::fs::read_to_string(dir.join("plots/replicas.svg")).unwrap()
}

#[test]
fn replicas_plot_shows_desired_and_ready_replicas_with_the_offered_load() {
    // Two variants whose traffic differs: each load gets its own line on the second axis.
    let mut ts = String::from(
        "variant,sweep.rate,t_s,service,ready,serving,replicas,requests,success_ratio,\
         latency_ms_p99,desired_replicas,metric_value,offered_rps\n",
    );
    for (variant, rate) in [("low", 100.0), ("high", 300.0)] {
        for i in 1..=6 {
            let desired = if i < 3 { 2 } else { (rate / 50.0) as u32 };
            let ready = if i < 4 { 2 } else { desired };
            ts.push_str(&format!(
                "{variant},{rate},{},web,{ready},{ready},{desired},{},1,12.5,{desired},50,{rate}\n",
                60 * i,
                rate as u32 * 60,
            ));
        }
    }
    let dir = folder("hpa", &ts);
    let svg = replicas_svg(&dir);
    for label in [
        "low desired",
        "low ready",
        "high desired",
        "high ready",
        "offered load (req/s)",
        "offered load, low",
        "offered load, high",
    ] {
        assert!(svg.contains(label), "the replicas plot shows `{label}`");
    }
    // The same traffic for both variants: one load line, said to be theirs.
    let shared = ts.replace(",300\n", ",100\n");
    let dir2 = folder("hpa-shared", &shared);
    let svg = replicas_svg(&dir2);
    assert!(
        svg.contains("offered load (all variants)"),
        "one shared load line"
    );
    assert!(!svg.contains("offered load, "), "no per-variant load lines");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&dir2).unwrap();
}

#[test]
fn replicas_plot_of_an_older_timeseries_draws_the_replica_count() {
    // Before autoscaling, timeseries.csv had no desired_replicas, offered_rps nor ready.
    let mut ts = String::from(
        "variant,t_s,service,serving,replicas,requests,success_ratio,latency_ms_p99\n",
    );
    for variant in ["low", "high"] {
        for i in 1..=6 {
            ts.push_str(&format!("{variant},{},web,3,3,600,1,12.5\n", 60 * i));
        }
    }
    let dir = folder("old", &ts);
    let svg = replicas_svg(&dir);
    assert!(svg.contains("low / web") && svg.contains("high / web"));
    assert!(
        !svg.contains("offered load"),
        "no load axis without offered_rps"
    );
    assert!(
        !svg.contains("desired"),
        "no desired line without desired_replicas"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
