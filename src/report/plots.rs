//! Plots (plotters): availability per variant with CI bars and nines, latency percentiles per
//! variant, and serving pods / success ratio / replicas over time (`over_time`, `replicas`) —
//! PNG and SVG, drawn from the CSV files of a results folder, so `kubesim plot` works on any
//! finished (or merged) run.
//!
//! Text needs a font: DejaVu Sans is bundled (assets/, its licence beside it), so plots look
//! the same on every machine.

mod axes;
mod legend;
mod over_time;
mod replicas;
mod series;

use plotters::prelude::*;
use std::path::{Path, PathBuf};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

pub const KINDS: [&str; 5] = ["timeline", "availability", "latency", "replicas", "success"];

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

/// A CSV file read whole: its path (for messages), header and records.
struct Table {
    path: PathBuf,
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
}

/// One record of a `Table`, read by column name.
#[derive(Clone, Copy)]
struct Row<'a> {
    header: &'a [String],
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    fn get(&self, k: &str) -> Option<&'a str> {
        let i = self.header.iter().position(|h| h == k)?;
        self.record.get(i)
    }
}

impl Table {
    /// Every named column must exist: a missing one is an error naming the file and column.
    fn need(&self, columns: &[&str]) -> Result<(), String> {
        match columns
            .iter()
            .find(|c| !self.header.iter().any(|h| h == *c))
        {
            Some(c) => Err(format!("`{}` has no `{c}` column", self.path.display())),
            None => Ok(()),
        }
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|record| Row {
            header: &self.header,
            record,
        })
    }
}

const SIZE: (u32, u32) = (900, 500);

/// The largest CSV file a plot reads: far above real results, far below memory trouble.
const MAX_CSV_BYTES: u64 = 256 << 20;

/// Runs one drawing function on a PNG or an SVG backend (the types differ, the code not).
macro_rules! on_backend {
    ($path:expr, $ext:expr, $size:expr, |$area:ident| $draw:expr) => {
        if $ext == "png" {
            let $area = BitMapBackend::new($path, $size).into_drawing_area();
            $draw
        } else {
            let $area = SVGBackend::new($path, $size).into_drawing_area();
            $draw
        }
    };
}

/// The file's bytes, refusing one larger than `limit`.
fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "`{shown}` is larger than {} MiB: not a kubesim table",
            limit >> 20
        ));
    }
    Ok(bytes)
}

/// A CSV reader over `bytes` and its header row (errors name `path`).
fn csv_with_header<'b>(
    bytes: &'b [u8],
    path: &Path,
) -> Result<(csv::Reader<&'b [u8]>, Vec<String>), String> {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r
        .headers()
        .map_err(|e| format!("`{}`: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    Ok((r, header))
}

fn read_csv(path: &Path) -> Result<Table, String> {
    let shown = path.display();
    let bytes = read_bytes(path, MAX_CSV_BYTES)?;
    let (mut r, header) = csv_with_header(&bytes, path)?;
    let records = r
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{shown}`: {e}"))?;
    Ok(Table {
        path: path.to_path_buf(),
        header,
        records,
    })
}

/// A finite number in column `k`: empty, NaN and infinite cells are missing values.
fn num(row: Row, k: &str) -> Option<f64> {
    row.get(k)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn cell<'a>(row: Row<'a>, k: &str) -> &'a str {
    row.get(k).unwrap_or("")
}

const LATENCY: [(&str, &str); 4] = [
    ("p50", "latency_ms_p50_mean"),
    ("p90", "latency_ms_p90_mean"),
    ("p99", "latency_ms_p99_mean"),
    ("p99.9", "latency_ms_p999_mean"),
];

/// The plots a results folder's files allow: availability always; latency when some service
/// had traffic; timeline and replicas with a time series, and success when it holds success
/// ratios.
pub fn default_kinds(dir: &Path) -> Vec<&'static str> {
    let mut kinds = vec!["availability"];
    let summary = read_csv(&dir.join("summary.csv"));
    let has_latency = summary.as_ref().is_ok_and(|t| {
        t.rows()
            .any(|r| LATENCY.iter().all(|(_, k)| num(r, k).is_some()))
    });
    if has_latency {
        kinds.push("latency");
    }
    let ts_path = dir.join("timeseries.csv");
    if ts_path.exists() {
        kinds.extend(["timeline", "replicas"]);
        if series::has_values(&ts_path, "success_ratio", MAX_CSV_BYTES) {
            kinds.push("success");
        }
    }
    kinds
}

/// The variants of summary.csv, in order of first appearance.
fn variants_of(summary: &Table) -> Vec<String> {
    let mut variants: Vec<String> = Vec::new();
    for r in summary.rows() {
        if !variants.iter().any(|v| v == cell(r, "variant")) {
            variants.push(cell(r, "variant").to_string());
        }
    }
    variants
}

/// Checks that `dir/plots/` may receive plots: absent, empty, or holding only plots in a
/// folder kubesim wrote. Never touches a user's files.
fn check_plots_dir(dir: &Path) -> Result<PathBuf, String> {
    use super::outdir::{Refusal, foreign_plot, has_manifest};
    let out = dir.join("plots");
    match std::fs::symlink_metadata(&out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("cannot write plots into `{}`: {e}", out.display())),
        Ok(m) if !m.is_dir() => {
            return Err(Refusal::ForeignPlot(dir.into(), "plots".into()).to_string());
        }
        Ok(_) => {}
    }
    if let Some(foreign) = foreign_plot(&out, &out).map_err(|e| e.to_string())? {
        return Err(Refusal::ForeignPlot(out, foreign).to_string());
    }
    let empty = std::fs::read_dir(&out).map_or(true, |mut d| d.next().is_none());
    if !empty && !has_manifest(dir) {
        return Err(Refusal::PlotsNotOurs(out).to_string());
    }
    Ok(out)
}

/// Draws the requested plots of `dir` into `dir/plots/` (PNG and SVG each). Returns the files.
/// Each file is drawn under a temporary name and renamed into place.
pub fn plot_dir(dir: &Path, kinds: &[&str]) -> Result<Vec<PathBuf>, String> {
    if let Some(other) = kinds.iter().find(|k| !KINDS.contains(k)) {
        return Err(format!(
            "unknown plot `{other}` (expected one of: {})",
            KINDS.join(", ")
        ));
    }
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "cannot load the bundled font".to_string())?;
    let summary = read_csv(&dir.join("summary.csv"))?;
    summary.need(&["variant", "service"])?;
    let variants = variants_of(&summary);
    let over_time = kinds
        .iter()
        .any(|k| ["timeline", "replicas", "success"].contains(k));
    let ts_path = dir.join("timeseries.csv");
    let timeseries = if over_time && ts_path.exists() {
        Some(series::read(&ts_path, &variants, MAX_CSV_BYTES)?)
    } else {
        None
    };
    let ev_path = dir.join("events.csv");
    let events = if over_time && ev_path.exists() {
        Some(read_csv(&ev_path)?)
    } else {
        None
    };
    // Everything is read and checked before the first file is written.
    let mut jobs = Vec::new();
    for kind in kinds {
        jobs.push((
            *kind,
            prepare(
                kind,
                &summary,
                timeseries.as_ref(),
                events.as_ref(),
                &variants,
            )?,
        ));
    }
    let out = check_plots_dir(dir)?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let mut files = Vec::new();
    for (kind, data) in &jobs {
        for ext in ["png", "svg"] {
            let path = out.join(format!("{kind}.{ext}"));
            let tmp = out.join(format!("{TMP_PREFIX}{}-{kind}.{ext}", std::process::id()));
            let drawn = match data {
                Prepared::Availability(pts) => {
                    let size = (
                        SIZE.0,
                        SIZE.1 + legend::height(&availability_entries(pts), SIZE.0),
                    );
                    on_backend!(&tmp, ext, size, |area| availability(area, pts))
                }
                Prepared::Latency(series) => {
                    let size = latency_size(series);
                    on_backend!(&tmp, ext, size, |area| latency(area, series))
                }
                Prepared::OverTime(data) => {
                    let size = data.size(&variants);
                    on_backend!(&tmp, ext, size, |area| data.draw(area, &variants))
                }
                Prepared::Replicas(data) => {
                    let size = data.size(&variants);
                    on_backend!(&tmp, ext, size, |area| data.draw(area, &variants))
                }
            };
            let placed = drawn
                .map_err(|e| format!("drawing `{}`: {e}", path.display()))
                .and_then(|()| {
                    std::fs::rename(&tmp, &path)
                        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
                });
            if let Err(e) = placed {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            files.push(path);
        }
    }
    Ok(files)
}

/// Temporary plot files start with this (and are allowed in `plots/`, see `outdir::foreign_plot`).
pub const TMP_PREFIX: &str = ".kubesim-tmp-";

/// (label, variant index, mean %, ci %) per availability point.
type Points = Vec<(String, usize, f64, f64)>;
/// (variant index, label, percentiles) per latency series.
type Series = Vec<(usize, String, Vec<f64>)>;

/// What one plot draws, extracted and checked before any file is written.
enum Prepared {
    Availability(Points),
    Latency(Series),
    OverTime(over_time::OverTime),
    Replicas(replicas::Replicas),
}

fn prepare(
    kind: &str,
    summary: &Table,
    timeseries: Option<&series::TimeSeries>,
    events: Option<&Table>,
    variants: &[String],
) -> Result<Prepared, String> {
    let shown = summary.path.display();
    let variant_of = |r: Row| variants.iter().position(|v| v == cell(r, "variant"));
    match kind {
        "availability" => {
            summary.need(&["availability_mean"])?;
            let pts: Points = summary
                .rows()
                .filter_map(|r| {
                    let mean = num(r, "availability_mean")?;
                    let label = format!("{} / {}", cell(r, "variant"), cell(r, "service"));
                    let ci = num(r, "availability_ci95").unwrap_or(0.0);
                    Some((label, variant_of(r)?, 100.0 * mean, 100.0 * ci))
                })
                .collect();
            if pts.is_empty() {
                return Err(format!(
                    "`{shown}` has no row with an availability: nothing to plot (a scenario without services?)"
                ));
            }
            Ok(Prepared::Availability(pts))
        }
        "latency" => {
            let columns: Vec<&str> = LATENCY.iter().map(|(_, k)| *k).collect();
            summary.need(&columns)?;
            let series: Series = summary
                .rows()
                .filter_map(|r| {
                    let ys: Option<Vec<f64>> = LATENCY.iter().map(|(_, k)| num(r, k)).collect();
                    let label = format!("{} / {}", cell(r, "variant"), cell(r, "service"));
                    Some((variant_of(r)?, label, ys?))
                })
                .collect();
            if series.is_empty() {
                return Err(format!(
                    "`{shown}` has no latency figures (no traffic in this scenario)"
                ));
            }
            Ok(Prepared::Latency(series))
        }
        _ => over_time::prepare(kind, timeseries, events, variants),
    }
}

/// The top of an axis from 0: at least `min`, finite even when the data overflowed.
fn top(x: f64, min: f64) -> f64 {
    if x.is_finite() {
        x.max(min)
    } else {
        f64::MAX / 4.0
    }
}

/// A drawable axis range around `lo..hi` (finite, non-empty), whatever the data.
fn span(lo: f64, hi: f64, min_pad: f64) -> std::ops::Range<f64> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let pad = ((hi - lo) * 0.15).max(min_pad).max(hi.abs() * 1e-9);
    (lo - pad)..(hi + pad)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Means with 95 % CI bars, clipped at 100 % (an interval above it is no availability);
/// ticks at 1-2-5 steps, none above 100 %.
/// Labels longer than their share of the x axis: the axis says v1, v2… and a legend below
/// names them (cut to the width; summary.csv has them whole). None when all labels fit.
fn availability_entries(pts: &Points) -> legend::Entries {
    let chars = 800 / pts.len().max(1) / 7;
    if pts.iter().all(|p| p.0.chars().count() <= chars) {
        return Vec::new();
    }
    pts.iter()
        .enumerate()
        .map(|(i, p)| {
            let style = colour(p.1).stroke_width(3);
            (format!("v{}: {}", i + 1, p.0), legend::Swatch::Line(style))
        })
        .collect()
}

fn availability<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    pts: &Points,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let entries = availability_entries(pts);
    let (area, bottom) = legend::split(&area, &entries);
    let lo = pts.iter().map(|p| p.2 - p.3).fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .map(|p| p.2 + p.3)
        .fold(f64::NEG_INFINITY, f64::max)
        .min(100.0);
    let y = span(lo, hi, 1e-4);
    let (ticks, step) = axes::percent_ticks(y.start, y.end);
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "Availability per variant (mean, 95% CI)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5f64..(pts.len() as f64 - 0.5), axes::ticked(y, ticks))?;
    let labels: Vec<String> = if entries.is_empty() {
        pts.iter().map(|p| p.0.clone()).collect()
    } else {
        (1..=pts.len()).map(|i| format!("v{i}")).collect()
    };
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
        .y_label_formatter(&|y| axes::label(*y, step))
        .draw()?;
    for (i, (_, v, mean, ci)) in pts.iter().enumerate() {
        let c = colour(*v);
        chart.draw_series(std::iter::once(ErrorBar::new_vertical(
            i as f64,
            mean - ci,
            *mean,
            (mean + ci).min(100.0),
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
            (i as f64 + 0.05, *mean),
            ("sans-serif", 15).into_font().color(&c),
        )))?;
    }
    legend::draw(&bottom, &entries, 105)?;
    area.present()?;
    Ok(())
}

fn latency_entries(series: &Series) -> legend::Entries {
    series
        .iter()
        .map(|(v, label, _)| {
            let style = colour(*v).stroke_width(2);
            (label.clone(), legend::Swatch::Line(style))
        })
        .collect()
}

fn latency_size(series: &Series) -> (u32, u32) {
    (
        SIZE.0,
        SIZE.1 + legend::height(&latency_entries(series), SIZE.0),
    )
}

fn latency<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    series: &Series,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    const P: [(&str, &str); 4] = LATENCY;
    let entries = latency_entries(series);
    let (upper, bottom) = legend::split(&area, &entries);
    let ymax = series
        .iter()
        .flat_map(|s| s.2.iter())
        .fold(0.0f64, |a, b| a.max(*b))
        * 1.1;
    let mut chart = ChartBuilder::on(&upper)
        .caption("Latency of successful requests", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.3f64..3.3, 0.0..top(ymax, 1e-3))?;
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
    for (v, _, ys) in series {
        let c = colour(*v);
        chart.draw_series(LineSeries::new(
            ys.iter().enumerate().map(|(i, y)| (i as f64, *y)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(
            ys.iter()
                .enumerate()
                .map(|(i, y)| Circle::new((i as f64, *y), 4, c.filled())),
        )?;
    }
    legend::draw(&bottom, &entries, 85)?;
    area.present()?;
    Ok(())
}
