//! Plots over time from timeseries.csv: serving pods (`timeline`), success ratio (`success`)
//! and the plain replica count of an older file (`replicas` without autoscaling columns),
//! with failures as ticks in a strip below the data; the HPA's replicas plot is in
//! `replicas.rs`. Every line is reduced to the pixel grid first (`series::to_pixels`).

use super::axes::{self, TimeUnit};
use super::legend::{self, Entries, Swatch};
use super::series::{Col, Reduced, TimeSeries, to_pixels};
use super::{DrawResult, Prepared, Table, cell, colour, num};
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Pixel columns a time series is reduced to: about the plot area's width.
pub(super) const COLUMNS: usize = 800;

/// Lines per (variant index, service): (seconds, value).
pub(super) type Lines = BTreeMap<(usize, String), Vec<(f64, f64)>>;

/// What a line plot over time shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    Serving,
    Replicas,
    /// Success ratio in %, each value covering the interval since the row before.
    Success,
}

pub(super) struct OverTime {
    what: What,
    lines: Lines,
    marks: Marks,
}

/// Failures of the first variant's first run (all variants share them: common random
/// numbers), in seconds: whole nodes (failure, partition) and single pods.
#[derive(Default)]
pub(super) struct Marks {
    nodes: Vec<f64>,
    pods: Vec<f64>,
}

/// The timeseries kinds but the HPA's replicas plot.
pub(super) fn prepare(
    kind: &str,
    timeseries: Option<&TimeSeries>,
    events: Option<&Table>,
    variants: &[String],
) -> Result<Prepared, String> {
    let Some(ts) = timeseries else {
        return Err(format!(
            "`{kind}` needs timeseries.csv: set `output: {{timeseries: 1m}}` in the scenario"
        ));
    };
    if kind == "replicas" && ts.has("desired_replicas") && ts.has("offered_rps") {
        return super::replicas::prepare(ts).map(Prepared::Replicas);
    }
    let (what, col, column) = match kind {
        "timeline" => (What::Serving, Col::Serving, "serving"),
        "success" => (What::Success, Col::Success, "success_ratio"),
        _ => (What::Replicas, Col::Replicas, "replicas"),
    };
    ts.need(&["variant", "t_s", "service", column])?;
    let scale = if what == What::Success { 100.0 } else { 1.0 };
    let lines: Lines = ts
        .series
        .iter()
        .map(|(k, s)| {
            let pts = s.points(col).into_iter().map(|(t, y)| (t, y * scale));
            (k.clone(), pts.collect::<Vec<_>>())
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(if what == What::Success {
            format!(
                "`{}` has no success_ratio values (no traffic in this scenario)",
                ts.path.display()
            )
        } else {
            no_samples(ts)
        });
    }
    let marks = match (what, events) {
        (What::Replicas, _) | (_, None) => Marks::default(),
        (_, Some(ev)) => failure_marks(ev, variants),
    };
    Ok(Prepared::OverTime(OverTime { what, lines, marks }))
}

pub(super) fn no_samples(ts: &TimeSeries) -> String {
    format!(
        "`{}` has no samples of the variants in summary.csv: nothing to plot",
        ts.path.display()
    )
}

fn failure_marks(events: &Table, variants: &[String]) -> Marks {
    use crate::model::TraceKind;
    let mut marks = Marks::default();
    for e in events.rows() {
        if variants.first().map(String::as_str) != Some(cell(e, "variant")) {
            continue;
        }
        let (Some(kind), Some(t)) = (TraceKind::parse(cell(e, "kind")), num(e, "t_s")) else {
            continue;
        };
        match kind {
            TraceKind::NodeFailed | TraceKind::NodePartitioned => marks.nodes.push(t),
            k if k.is_failure() => marks.pods.push(t),
            _ => {}
        }
    }
    marks
}

/// Samples are states at instants: each holds until the next sample. (No point twice in a
/// row: a zero-length segment draws as a spike on the PNG.)
pub(super) fn state_steps(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = pts
        .windows(2)
        .flat_map(|w| [w[0], (w[1].0, w[0].1)])
        .chain(pts.last().copied())
        .collect();
    out.dedup();
    out
}

/// Each value is the average since the row before (the first: since 0).
pub(super) fn interval_steps(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut from = 0.0;
    let mut out = Vec::with_capacity(2 * pts.len());
    for &(t, y) in pts {
        out.extend([(from, y), (t, y)]);
        from = t;
    }
    out.dedup();
    out
}

type Points = Vec<(f64, f64)>;
/// How samples hold between rows: `state_steps` or `interval_steps`.
pub(super) type Steps = fn(&[(f64, f64)]) -> Points;
type Bar = PathElement<(f64, f64)>;

/// A reduced line as drawn: its steps (`steps` says how samples hold) and its column bars,
/// both moved up by `dy`.
pub(super) fn drawn(r: &Reduced, steps: Steps, dy: f64, style: ShapeStyle) -> (Points, Vec<Bar>) {
    let line = steps(&r.line)
        .into_iter()
        .map(|(t, y)| (t, y + dy))
        .collect();
    let bars = r
        .bars
        .iter()
        .map(|&(t, lo, hi)| PathElement::new(vec![(t, lo + dy), (t, hi + dy)], style))
        .collect();
    (line, bars)
}

/// The x axis: the unit, its end and its ticks.
pub(super) struct TimeAxis {
    pub(super) unit: TimeUnit,
    pub(super) end: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) step: f64,
    /// The last sample, in seconds (the pixel grid spans 0..this).
    pub(super) span_s: f64,
}

pub(super) fn time_axis<'a>(pts: impl Iterator<Item = &'a (f64, f64)>) -> TimeAxis {
    let span_s = pts.map(|p| p.0).fold(0.0f64, f64::max).max(1e-6);
    let unit = axes::time_unit(span_s);
    let end = span_s / unit.seconds;
    let ticks = unit.ticks(end);
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    TimeAxis {
        unit,
        end,
        ticks,
        step,
        span_s,
    }
}

impl TimeAxis {
    /// `pts` reduced to the pixel grid and put in this axis's unit.
    pub(super) fn reduce(&self, pts: &[(f64, f64)]) -> Reduced {
        let unit = self.unit.seconds;
        to_pixels(pts, 0.0, self.span_s, COLUMNS).map(|(t, y)| (t / unit, y))
    }

    pub(super) fn desc(&self) -> String {
        format!("time ({})", self.unit.name)
    }

    /// Failure instants as one tick per pixel column (thousands of crashes in a year are
    /// hundreds of ticks, not a red wall), in this axis's unit.
    fn columns(&self, ts: &[f64]) -> Vec<f64> {
        let w = self.span_s / COLUMNS as f64;
        let cols: BTreeSet<i64> = ts.iter().map(|t| (t / w).floor() as i64).collect();
        cols.into_iter()
            .map(|c| (c as f64 + 0.5) * w / self.unit.seconds)
            .collect()
    }
}

/// Vertical offsets in pixels, one per line, centred on 0: lines that coincide lie side by
/// side, each in its own colour, at most 3 px apart and 12 px in all (a few pixels misread
/// no value a reader takes from a plot this size).
pub(super) fn offsets_px(n: usize) -> (Vec<f64>, f64) {
    if n < 2 {
        return (vec![0.0; n], 0.0);
    }
    let step = (12.0 / (n - 1) as f64).min(3.0);
    let mid = (n - 1) as f64 / 2.0;
    ((0..n).map(|i| (i as f64 - mid) * step).collect(), step)
}

pub(super) fn offset_note(step: f64) -> (String, Swatch) {
    (
        format!(
            "Lines are drawn {step:.1} px apart so that variants with equal values stay visible."
        ),
        Swatch::Note,
    )
}

const NODE_RED: RGBColor = RGBColor(190, 30, 30);
const POD_ORANGE: RGBColor = RGBColor(225, 120, 30);

impl OverTime {
    fn label(&self, variants: &[String], v: usize, service: &str) -> String {
        format!("{} / {service}", variants[v])
    }

    fn entries(&self, variants: &[String]) -> Entries {
        let mut e: Entries = self
            .lines
            .keys()
            .map(|(v, s)| {
                let style = colour(*v).stroke_width(2);
                (self.label(variants, *v, s), Swatch::Line(style))
            })
            .collect();
        if !self.marks.nodes.is_empty() {
            e.push((
                "node failure or partition".into(),
                Swatch::Tick(NODE_RED.stroke_width(1)),
            ));
        }
        if !self.marks.pods.is_empty() {
            e.push((
                "pod failure (crash, hang, kill)".into(),
                Swatch::Tick(POD_ORANGE.stroke_width(1)),
            ));
        }
        if self.lines.len() > 1 {
            e.push(offset_note(offsets_px(self.lines.len()).1));
        }
        e
    }

    /// The canvas: the chart's 900 × 500 and the legend below it.
    pub(super) fn size(&self, variants: &[String]) -> (u32, u32) {
        let (w, h) = super::SIZE;
        (w, h + legend::height(&self.entries(variants), w))
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: DrawingArea<DB, plotters::coord::Shift>,
        variants: &[String],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let entries = self.entries(variants);
        let (top, bottom) = legend::split(&area, &entries);
        let x = time_axis(self.lines.values().flatten());
        let reduced: Vec<Reduced> = self.lines.values().map(|p| x.reduce(p)).collect();
        let (ylo, yhi, yticks, ystep) = self.y_range(&reduced);
        let has_marks = !(self.marks.nodes.is_empty() && self.marks.pods.is_empty());
        // The failure strip lies below the data, in the same chart (one x axis).
        let strip = if has_marks { 0.09 * (yhi - ylo) } else { 0.0 };
        let (title, desc) = match self.what {
            What::Serving => ("Serving pods over time", "serving pods"),
            What::Replicas => ("Replicas over time", "replicas"),
            What::Success => ("Success ratio over time", "requests that succeeded (%)"),
        };
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!("{title} (first run of each variant)"),
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                axes::ticked(0.0..x.end, x.ticks.clone()),
                axes::ticked(ylo - strip..yhi, yticks),
            )?;
        chart
            .configure_mesh()
            .x_desc(x.desc())
            .y_desc(desc)
            .x_label_formatter(&|v| axes::label(*v, x.step))
            .y_label_formatter(&|v| axes::label(*v, ystep))
            .draw()?;
        if has_marks {
            let band = |ts: &[f64], lo: f64, hi: f64, c: RGBColor| {
                x.columns(ts)
                    .into_iter()
                    .map(move |t| PathElement::new(vec![(t, lo), (t, hi)], c.stroke_width(2)))
            };
            let base = ylo - strip;
            chart.draw_series(band(
                &self.marks.pods,
                base,
                base + strip * 0.45,
                POD_ORANGE,
            ))?;
            chart.draw_series(band(
                &self.marks.nodes,
                base + strip * 0.5,
                base + strip * 0.95,
                NODE_RED,
            ))?;
        }
        let (off, _) = offsets_px(reduced.len());
        let per_px = (yhi - ylo + strip) / f64::from(chart.plotting_area().dim_in_pixel().1.max(1));
        for (((v, _), r), dy) in self.lines.keys().zip(&reduced).zip(off) {
            let steps = match self.what {
                What::Success => interval_steps,
                _ => state_steps,
            };
            let style = colour(*v).stroke_width(2);
            let (line, bars) = drawn(r, steps, dy * per_px, style);
            chart.draw_series(LineSeries::new(line, style))?;
            chart.draw_series(bars)?;
        }
        legend::draw(&bottom, &entries, 85)?;
        area.present()?;
        Ok(())
    }

    /// (bottom, top, ticks, tick step): counts from 0 with a little headroom; success from
    /// just below its lowest value to 100 %, with headroom but no tick above 100.
    fn y_range(&self, reduced: &[Reduced]) -> (f64, f64, Vec<f64>, f64) {
        let ys = || reduced.iter().flat_map(Reduced::values);
        let max = ys().fold(0.0f64, f64::max);
        if self.what == What::Success {
            let min = ys().fold(100.0f64, f64::min).clamp(0.0, 100.0);
            let lo = if min >= 100.0 { 99.0 } else { min };
            let pad = (100.0 - lo) * 0.05;
            let (ticks, step) = axes::percent_ticks((lo - pad).max(0.0), 100.0);
            ((lo - pad).max(0.0), 100.0 + pad, ticks, step)
        } else {
            let min = ys().fold(f64::INFINITY, f64::min);
            let floor = axes::count_floor(min, max);
            let top = super::top(max + 0.05 * (max - floor) + 1.0, 1.0);
            let (ticks, step) = axes::count_ticks(floor, top);
            (floor, top, ticks, step)
        }
    }
}
