//! Plots (plotters): availability per variant with CI bars and nines, latency percentiles per
//! variant, and serving pods / replicas over time — PNG and SVG, drawn from the CSV files of a
//! results folder, so `kubesim plot` works on any finished (or merged) run.
//!
//! Text needs a font: DejaVu Sans is bundled (assets/, its licence beside it), so plots look
//! the same on every machine.

use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

pub const KINDS: [&str; 4] = ["timeline", "availability", "latency", "replicas"];

/// Consistent colours: variant i always gets palette colour i.
fn colour(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(213, 94, 0),
        RGBColor(120, 120, 120),
        RGBColor(240, 228, 66),
    ];
    P[i % P.len()]
}

type Table = Vec<BTreeMap<String, String>>;

const SIZE: (u32, u32) = (900, 500);

/// Runs one drawing function on a PNG or an SVG backend (the types differ, the code not).
macro_rules! on_backend {
    ($path:expr, $ext:expr, |$area:ident| $draw:expr) => {
        if $ext == "png" {
            let $area = BitMapBackend::new($path, SIZE).into_drawing_area();
            $draw
        } else {
            let $area = SVGBackend::new($path, SIZE).into_drawing_area();
            $draw
        }
    };
}

fn read_csv(path: &Path) -> Result<Table, String> {
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let headers = r.headers().map_err(|e| e.to_string())?.clone();
    r.records()
        .map(|rec| {
            let rec = rec.map_err(|e| format!("`{}`: {e}", path.display()))?;
            Ok(headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect())
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, k: &str) -> Option<f64> {
    row.get(k).and_then(|v| v.parse().ok())
}

/// Draws the requested plots of `dir` into `dir/plots/` (PNG and SVG each). Returns the files.
pub fn plot_dir(dir: &Path, kinds: &[&str]) -> Result<Vec<PathBuf>, String> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "cannot load the bundled font".to_string())?;
    let summary = read_csv(&dir.join("summary.csv"))?;
    let ts_path = dir.join("timeseries.csv");
    let timeseries = if ts_path.exists() {
        Some(read_csv(&ts_path)?)
    } else {
        None
    };
    let ev_path = dir.join("events.csv");
    let events = if ev_path.exists() {
        read_csv(&ev_path)?
    } else {
        Vec::new()
    };
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let mut variants: Vec<String> = Vec::new();
    for r in &summary {
        if !variants.contains(&r["variant"]) {
            variants.push(r["variant"].clone());
        }
    }
    let mut files = Vec::new();
    for kind in kinds {
        for ext in ["png", "svg"] {
            let path = out.join(format!("{kind}.{ext}"));
            let drawn = match *kind {
                "availability" => {
                    on_backend!(&path, ext, |area| availability(area, &summary, &variants))
                }
                "latency" => on_backend!(&path, ext, |area| latency(area, &summary, &variants)),
                "timeline" | "replicas" => {
                    let Some(ts) = &timeseries else {
                        return Err(format!(
                            "`{kind}` needs timeseries.csv: set `output: {{timeseries: 1m}}` in the scenario"
                        ));
                    };
                    let column = if *kind == "timeline" {
                        "serving"
                    } else {
                        "replicas"
                    };
                    let marks = if *kind == "timeline" {
                        failure_marks(&events, &variants)
                    } else {
                        Vec::new()
                    };
                    on_backend!(&path, ext, |area| over_time(
                        area, ts, &variants, column, &marks
                    ))
                }
                other => {
                    return Err(format!(
                        "unknown plot `{other}` (expected one of: {})",
                        KINDS.join(", ")
                    ));
                }
            };
            drawn.map_err(|e| format!("drawing `{}`: {e}", path.display()))?;
            files.push(path);
        }
    }
    Ok(files)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn availability<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    summary: &Table,
    variants: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let pts: Vec<(usize, f64, f64, String)> = summary
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let label = format!("{} / {}", r["variant"], r["service"]);
            (
                i,
                100.0 * num(r, "availability_mean").unwrap_or(f64::NAN),
                100.0 * num(r, "availability_ci95").unwrap_or(0.0),
                label,
            )
        })
        .collect();
    let lo = pts.iter().map(|p| p.1 - p.2).fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .map(|p| p.1 + p.2)
        .fold(f64::NEG_INFINITY, f64::max)
        .min(100.0);
    let pad = ((hi - lo) * 0.15).max(1e-4);
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "Availability per variant (mean, 95% CI)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(
            -0.5f64..(pts.len() as f64 - 0.5),
            (lo - pad)..(hi + pad).min(100.0 + pad),
        )?;
    let labels: Vec<String> = pts.iter().map(|p| p.3.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(pts.len().max(1))
        .x_label_formatter(&|x| {
            labels
                .get(x.round() as usize)
                .filter(|_| (x - x.round()).abs() < 1e-6)
                .cloned()
                .unwrap_or_default()
        })
        .y_desc("availability (%)")
        .y_label_formatter(&|y| format!("{y:.4}"))
        .draw()?;
    for (i, mean, ci, _) in &pts {
        let v = variants
            .iter()
            .position(|v| Some(v) == summary[*i].get("variant"))
            .unwrap_or(0);
        let c = colour(v);
        chart.draw_series(std::iter::once(ErrorBar::new_vertical(
            *i as f64,
            mean - ci,
            *mean,
            mean + ci,
            c.filled(),
            12,
        )))?;
        let unavail = 1.0 - mean / 100.0;
        let nines = if unavail > 0.0 {
            format!("{:.2} nines", -unavail.log10())
        } else {
            "∞ nines".into()
        };
        chart.draw_series(std::iter::once(Text::new(
            nines,
            (*i as f64 + 0.05, *mean),
            ("sans-serif", 15).into_font().color(&c),
        )))?;
    }
    area.present()?;
    Ok(())
}

fn latency<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    summary: &Table,
    variants: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    const P: [(&str, &str); 4] = [
        ("p50", "latency_ms_p50_mean"),
        ("p90", "latency_ms_p90_mean"),
        ("p99", "latency_ms_p99_mean"),
        ("p99.9", "latency_ms_p999_mean"),
    ];
    let series: Vec<(usize, String, Vec<f64>)> = summary
        .iter()
        .filter_map(|r| {
            let v = variants.iter().position(|v| *v == r["variant"])?;
            let ys: Option<Vec<f64>> = P.iter().map(|(_, k)| num(r, k)).collect();
            Some((v, format!("{} / {}", r["variant"], r["service"]), ys?))
        })
        .collect();
    if series.is_empty() {
        return Err("no latency in summary.csv (no traffic in this scenario)".into());
    }
    let ymax = series
        .iter()
        .flat_map(|s| s.2.iter())
        .fold(0.0f64, |a, b| a.max(*b))
        * 1.1;
    let mut chart = ChartBuilder::on(&area)
        .caption("Latency of successful requests", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.3f64..3.3, 0.0..ymax.max(1e-3))?;
    chart
        .configure_mesh()
        .x_labels(4)
        .x_label_formatter(&|x| {
            P.get(x.round() as usize)
                .filter(|_| (x - x.round()).abs() < 1e-6)
                .map(|p| p.0.to_string())
                .unwrap_or_default()
        })
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .draw()?;
    for (v, label, ys) in &series {
        let c = colour(*v);
        chart
            .draw_series(LineSeries::new(
                ys.iter().enumerate().map(|(i, y)| (i as f64, *y)),
                c.stroke_width(2),
            ))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(
            ys.iter()
                .enumerate()
                .map(|(i, y)| Circle::new((i as f64, *y), 4, c.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    area.present()?;
    Ok(())
}

/// Failures of the first variant's first run (all variants share them: common random
/// numbers), in hours, from events.csv when the run wrote one.
fn failure_marks(events: &Table, variants: &[String]) -> Vec<f64> {
    use crate::model::TraceKind;
    events
        .iter()
        .filter(|e| {
            variants.first() == e.get("variant")
                && TraceKind::parse(&e["kind"]).is_some_and(TraceKind::is_failure)
        })
        .filter_map(|e| num(e, "t_s").map(|t| t / 3600.0))
        .collect()
}

fn over_time<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    ts: &Table,
    variants: &[String],
    column: &str,
    marks: &[f64],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let mut lines: BTreeMap<(usize, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in ts {
        let Some(v) = variants.iter().position(|v| *v == r["variant"]) else {
            continue;
        };
        if let (Some(t), Some(y)) = (num(r, "t_s"), num(r, column)) {
            lines
                .entry((v, r["service"].clone()))
                .or_default()
                .push((t / 3600.0, y));
        }
    }
    let tmax = lines
        .values()
        .flatten()
        .map(|p| p.0)
        .fold(0.0f64, f64::max)
        .max(1e-6);
    let ymax = lines.values().flatten().map(|p| p.1).fold(0.0f64, f64::max) + 1.0;
    let title = if column == "serving" {
        "Serving pods over time (first run of each variant)"
    } else {
        "Replicas over time (first run of each variant)"
    };
    let mut chart = ChartBuilder::on(&area)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..tmax, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc("time (h)")
        .y_desc(if column == "serving" {
            "serving pods"
        } else {
            "replicas"
        })
        .draw()?;
    if !marks.is_empty() {
        let red = RGBColor(200, 30, 30);
        chart
            .draw_series(marks.iter().map(|t| {
                PathElement::new(vec![(*t, 0.0), (*t, ymax)], red.mix(0.6).stroke_width(1))
            }))?
            .label("failure (node, crash, hang, kill)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(1)));
    }
    for ((v, service), pts) in &lines {
        let c = colour(*v);
        // Samples are states at instants: draw them as steps.
        let steps: Vec<(f64, f64)> = pts
            .windows(2)
            .flat_map(|w| [w[0], (w[1].0, w[0].1)])
            .chain(pts.last().copied())
            .collect();
        chart
            .draw_series(LineSeries::new(steps, c.stroke_width(2)))?
            .label(format!("{} / {service}", variants[*v]))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    area.present()?;
    Ok(())
}
