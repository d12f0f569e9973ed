//! Plots: a run with `output.plots` draws PNG and SVG files; `kubesim plot` redraws them from
//! a results folder; plots that need a time series say so.

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
