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
output: {timeseries: 1m, plots: [timeline, availability, latency, replicas, success]}
";
    std::fs::write(dir.join("s.yaml"), yaml).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["run", "s.yaml", "-q", "--out", "r"])
        .status()
        .unwrap();
    assert!(st.success());
    for kind in ["timeline", "availability", "latency", "replicas", "success"] {
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
        "10 plots → r/plots"
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

/// The texts of an SVG's `<text>` elements, with their y position.
fn texts(svg: &str) -> Vec<(f64, String)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let y = t.split("y=\"").nth(1)?.split('"').next()?.parse().ok()?;
            let body = t.split_once('>')?.1.split("</text>").next()?;
            Some((y, body.trim().to_string()))
        })
        .collect()
}

/// Runs `kubesim plot DIR [--kinds KINDS]`; returns stderr on failure.
fn plot(dir: &std::path::Path, kinds: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubesim"));
    cmd.arg("plot").arg(dir);
    if let Some(k) = kinds {
        cmd.args(["--kinds", k]);
    }
    let out = cmd.output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn a_year_at_one_minute_samples_plots_into_small_files() {
    // 525,600 rows per variant, two variants that coincide but for a two-hour dip, and a
    // crash every three hours in events.csv.
    let mut ts = String::with_capacity(60 << 20);
    ts.push_str(
        "variant,t_s,service,ready,serving,replicas,success_ratio,desired_replicas,offered_rps\n",
    );
    let dip = 200.0 * 86_400.0;
    for variant in ["low", "high"] {
        for m in 1..=525_600u32 {
            let t = 60.0 * f64::from(m);
            let serving = if variant == "low" && (dip..dip + 7200.0).contains(&t) {
                60
            } else {
                100
            };
            let ok = if serving == 100 { "1" } else { "0.6" };
            ts.push_str(&format!(
                "{variant},{t},web,{serving},{serving},100,{ok},100,500\n"
            ));
        }
    }
    let dir = folder("year", &ts);
    drop(ts);
    let mut ev = String::from("variant,t_s,kind,entity,detail\n");
    for h in (0..8760).step_by(3) {
        ev.push_str(&format!("low,{},crash,web-{},\n", h * 3600, h % 100));
    }
    ev.push_str(&format!("low,{dip},node-failed,w-3,\n"));
    std::fs::write(dir.join("events.csv"), ev).unwrap();
    plot(&dir, None).unwrap();
    for kind in ["timeline", "replicas", "success", "availability"] {
        for ext in ["png", "svg"] {
            let size = std::fs::metadata(dir.join(format!("plots/{kind}.{ext}")))
                .unwrap()
                .len();
            assert!(size < 1 << 20, "{kind}.{ext} is {size} bytes");
        }
    }
    let svg = std::fs::read_to_string(dir.join("plots/timeline.svg")).unwrap();
    let t = texts(&svg);
    let has = |s: &str| t.iter().any(|(_, x)| x == s);
    assert!(has("time (days)"), "a year is in days");
    for tick in ["0", "60", "120", "180", "240", "300", "360"] {
        assert!(has(tick), "tick {tick}");
    }
    assert!(has("node failure or partition") && has("pod failure (crash, hang, kill)"));
    assert!(
        svg.contains("px apart"),
        "coinciding variants are offset and said to be"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn time_axis_is_in_minutes_for_half_an_hour() {
    let mut ts = String::from("variant,t_s,service,ready,serving,replicas\n");
    for variant in ["low", "high"] {
        for i in 0..=30 {
            ts.push_str(&format!("{variant},{},web,3,3,3\n", 60 * i));
        }
    }
    let dir = folder("minutes", &ts);
    plot(&dir, Some("timeline")).unwrap();
    let svg = std::fs::read_to_string(dir.join("plots/timeline.svg")).unwrap();
    let t = texts(&svg);
    assert!(t.iter().any(|(_, x)| x == "time (min)"));
    assert!(t.iter().any(|(_, x)| x == "15"), "a tick every 5 minutes");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn availability_ticks_never_pass_100_percent() {
    let dir = folder("ci", "variant,t_s,service\n");
    // 99.999 % ± 0.005 %: the interval would reach 100.004 %.
    std::fs::write(
        dir.join("summary.csv"),
        "variant,service,availability_mean,availability_ci95\nlow,web,0.99999,0.00005\nhigh,web,0.99997,0.00001\n",
    )
    .unwrap();
    plot(&dir, Some("availability")).unwrap();
    let svg = std::fs::read_to_string(dir.join("plots/availability.svg")).unwrap();
    let ticks: Vec<f64> = texts(&svg)
        .iter()
        .filter_map(|(_, x)| x.parse::<f64>().ok())
        .collect();
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert!(ticks.iter().all(|t| *t <= 100.0), "{ticks:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn success_plot_draws_the_success_ratio_and_skips_empty_cells() {
    let mut ts = String::from("variant,t_s,service,ready,serving,replicas,success_ratio\n");
    for variant in ["low", "high"] {
        for i in 1..=20 {
            let ratio = match i {
                5 => String::new(),
                6 => "NaN".into(),
                10 => "0.5".into(),
                _ => "1".into(),
            };
            ts.push_str(&format!("{variant},{},web,3,3,3,{ratio}\n", 60 * i));
        }
    }
    let dir = folder("success", &ts);
    plot(&dir, None).unwrap();
    let svg = std::fs::read_to_string(dir.join("plots/success.svg")).unwrap();
    let t = texts(&svg);
    assert!(
        t.iter()
            .any(|(_, x)| x.starts_with("Success ratio over time"))
    );
    assert!(t.iter().any(|(_, x)| x == "low / web") && t.iter().any(|(_, x)| x == "high / web"));
    let ticks: Vec<f64> = t
        .iter()
        .filter_map(|(_, x)| x.parse::<f64>().ok())
        .collect();
    assert!(ticks.contains(&100.0) && ticks.contains(&50.0), "{ticks:?}");
    // No success ratio at all (no traffic): not drawn by default, an error when asked for.
    let quiet = ts
        .replace(",1\n", ",\n")
        .replace(",0.5\n", ",\n")
        .replace(",NaN\n", ",\n");
    let dir2 = folder("no-success", &quiet);
    plot(&dir2, None).unwrap();
    assert!(!dir2.join("plots/success.svg").exists());
    let err = plot(&dir2, Some("success")).unwrap_err();
    assert!(err.contains("no success_ratio values"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&dir2).unwrap();
}

#[test]
fn long_variant_names_are_shortened_in_a_legend_below_the_data() {
    let long = "workloads.web.autoscaling={min: 2, max: 40, metrics: [{cpu: 60%}], behavior: {scale_down: {stabilization: 5m, policies: [{pods: 4, period: 1m}]}}}";
    let mut ts = String::from("variant,t_s,service,ready,serving,replicas\n");
    for variant in ["short", long] {
        for i in 1..=30 {
            ts.push_str(&format!("\"{variant}\",{},web,3,3,3\n", 60 * i));
        }
    }
    let dir = folder("long", &ts);
    std::fs::write(
        dir.join("summary.csv"),
        format!("variant,service,availability_mean\nshort,web,0.999\n\"{long}\",web,0.998\n"),
    )
    .unwrap();
    plot(&dir, Some("timeline")).unwrap();
    let svg = std::fs::read_to_string(dir.join("plots/timeline.svg")).unwrap();
    let t = texts(&svg);
    let (y, label) = t
        .iter()
        .find(|(_, x)| x.starts_with("workloads.web.autoscaling="))
        .expect("the long name is in the legend");
    assert!(
        label.contains('…') && label.ends_with("period: 1m}]}}} / web"),
        "cut in the middle, the end kept: {label}"
    );
    assert!(
        *y > 500.0,
        "the legend lies below the 500-px chart, at y = {y}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
