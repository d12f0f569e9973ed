//! Plots over time from timeseries.csv: serving pods (`timeline`, with failure marks) and
//! replicas (`replicas`: the HPA's desired vs ready replicas, offered load on a second axis).

use super::{DrawResult, Prepared, Row, Table, cell, colour, num, top};
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Step lines per (variant index, service).
pub(super) type Lines = BTreeMap<(usize, String), Vec<(f64, f64)>>;

/// The replicas plot of one timeseries.csv with the autoscaling columns.
pub(super) struct Replicas {
    /// Ready and desired replicas per (variant index, service), (hours, count) at instants.
    fleets: BTreeMap<(usize, String), Fleet>,
    /// The distinct offered-load lines, on the second axis.
    loads: Vec<Load>,
    /// More than one service: labels name the service too.
    services: usize,
}

#[derive(Default)]
struct Fleet {
    ready: Vec<(f64, f64)>,
    desired: Vec<(f64, f64)>,
}

struct Load {
    variant: usize,
    /// How many variants offered this very load.
    shared_by: usize,
    service: String,
    /// (hours, req/s) as interval averages: each value covers the time since the row before.
    steps: Vec<(f64, f64)>,
}

/// The timeseries kinds: `timeline` (serving pods) and `replicas` (desired vs ready with the
/// load, or the plain `replicas` column of a timeseries.csv older than autoscaling).
pub(super) fn prepare(
    kind: &str,
    timeseries: Option<&Table>,
    events: &[Row],
    variants: &[String],
) -> Result<Prepared, String> {
    let Some(ts) = timeseries else {
        return Err(format!(
            "`{kind}` needs timeseries.csv: set `output: {{timeseries: 1m}}` in the scenario"
        ));
    };
    let has = |c: &str| ts.header.iter().any(|h| h == c);
    if kind == "replicas" && has("desired_replicas") && has("offered_rps") {
        return replicas_of(ts, variants).map(Prepared::Replicas);
    }
    let column = if kind == "timeline" {
        "serving"
    } else {
        "replicas"
    };
    ts.need(&["variant", "t_s", "service", column])?;
    let mut lines = Lines::new();
    for r in &ts.rows {
        if let (Some(v), Some(t), Some(y)) =
            (variant_of(r, variants), num(r, "t_s"), num(r, column))
        {
            let key = (v, cell(r, "service").to_string());
            lines.entry(key).or_default().push((t / 3600.0, y));
        }
    }
    if lines.is_empty() {
        return Err(no_samples(ts));
    }
    let marks = if kind == "timeline" {
        failure_marks(events, variants)
    } else {
        Vec::new()
    };
    Ok(Prepared::OverTime(lines, column, marks))
}

fn variant_of(r: &Row, variants: &[String]) -> Option<usize> {
    variants.iter().position(|v| v == cell(r, "variant"))
}

fn no_samples(ts: &Table) -> String {
    format!(
        "`{}` has no samples of the variants in summary.csv: nothing to plot",
        ts.path.display()
    )
}

fn replicas_of(ts: &Table, variants: &[String]) -> Result<Replicas, String> {
    ts.need(&["variant", "t_s", "service", "ready"])?;
    let mut fleets: BTreeMap<(usize, String), Fleet> = BTreeMap::new();
    let mut offered: BTreeMap<(usize, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in &ts.rows {
        let (Some(v), Some(t)) = (variant_of(r, variants), num(r, "t_s")) else {
            continue;
        };
        let (key, h) = ((v, cell(r, "service").to_string()), t / 3600.0);
        let fleet = fleets.entry(key.clone()).or_default();
        if let Some(y) = num(r, "ready") {
            fleet.ready.push((h, y));
        }
        if let Some(y) = num(r, "desired_replicas") {
            fleet.desired.push((h, y));
        }
        if let Some(y) = num(r, "offered_rps") {
            offered.entry(key).or_default().push((h, y));
        }
    }
    if fleets
        .values()
        .all(|f| f.ready.is_empty() && f.desired.is_empty())
    {
        return Err(no_samples(ts));
    }
    // Variants that share their traffic offer the same load: one line per distinct load of a
    // service (the first variant's), and none at all when nothing was offered.
    let mut loads: Vec<Load> = Vec::new();
    for ((variant, service), pts) in offered {
        let steps = interval_steps(&pts);
        if !steps.iter().any(|p| p.1 > 0.0) {
            continue;
        }
        match loads
            .iter_mut()
            .find(|l| l.service == service && l.steps == steps)
        {
            Some(l) => l.shared_by += 1,
            None => loads.push(Load {
                variant,
                shared_by: 1,
                service,
                steps,
            }),
        }
    }
    let services = {
        let mut names: Vec<&String> = fleets.keys().map(|k| &k.1).collect();
        names.sort();
        names.dedup();
        names.len()
    };
    Ok(Replicas {
        fleets,
        loads,
        services,
    })
}

/// Each offered_rps value is the average since the row before (the first: since 0).
fn interval_steps(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut from = 0.0;
    let mut out = Vec::with_capacity(2 * pts.len());
    for &(t, y) in pts {
        out.extend([(from, y), (t, y)]);
        from = t;
    }
    out
}

/// Samples are states at instants: each holds until the next sample.
fn state_steps(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    pts.windows(2)
        .flat_map(|w| [w[0], (w[1].0, w[0].1)])
        .chain(pts.last().copied())
        .collect()
}

/// Failures of the first variant's first run (all variants share them: common random
/// numbers), in hours, from events.csv when the run wrote one.
fn failure_marks(events: &[Row], variants: &[String]) -> Vec<f64> {
    use crate::model::TraceKind;
    events
        .iter()
        .filter(|e| {
            variants.first() == e.get("variant")
                && TraceKind::parse(cell(e, "kind")).is_some_and(TraceKind::is_failure)
        })
        .filter_map(|e| num(e, "t_s").map(|t| t / 3600.0))
        .collect()
}

pub(super) fn over_time<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    lines: &Lines,
    variants: &[String],
    column: &str,
    marks: &[f64],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
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
        .build_cartesian_2d(0.0..top(tmax, 1e-6), 0.0..top(ymax, 1.0))?;
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
    for ((v, service), pts) in lines {
        let c = colour(*v);
        chart
            .draw_series(LineSeries::new(state_steps(pts), c.stroke_width(2)))?
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

/// Desired replicas dashed, ready replicas solid (both in the variant's colour), the offered
/// load light on the right axis.
pub(super) fn replicas<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    data: &Replicas,
    variants: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let fleet_pts = || {
        data.fleets
            .values()
            .flat_map(|f| f.ready.iter().chain(&f.desired))
    };
    let load_pts = || data.loads.iter().flat_map(|l| l.steps.iter());
    let tmax = fleet_pts()
        .chain(load_pts())
        .map(|p| p.0)
        .fold(0.0f64, f64::max);
    let ymax = fleet_pts().map(|p| p.1).fold(0.0f64, f64::max);
    let lmax = load_pts().map(|p| p.1).fold(0.0f64, f64::max);
    // Headroom above the highest line for the legend.
    let (x, y, y2) = (
        0.0..top(tmax, 1e-6),
        0.0..top(ymax * 1.3 + 1.0, 1.0),
        0.0..top(lmax * 1.3, 1e-3),
    );
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "Desired vs ready replicas (first run of each variant)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .right_y_label_area_size(if data.loads.is_empty() { 0 } else { 70 })
        .build_cartesian_2d(x.clone(), y)?
        .set_secondary_coord(x, y2);
    chart
        .configure_mesh()
        .x_desc("time (h)")
        .y_desc("replicas")
        .y_label_formatter(&whole)
        .draw()?;
    let grey = RGBColor(120, 120, 120);
    if !data.loads.is_empty() {
        chart
            .configure_secondary_axes()
            .y_desc("offered load (req/s)")
            .y_label_formatter(&whole)
            .draw()?;
    }
    for l in &data.loads {
        // One load line for all: grey; several (variants differ in traffic): their colours.
        let (c, label) = if data.loads.len() == 1 {
            (grey, "offered load".to_string())
        } else {
            let who = name(data, variants, l.variant, &l.service);
            (colour(l.variant), format!("offered load, {who}"))
        };
        let style = light(c, 0.35).stroke_width(2);
        let label = if l.shared_by > 1 && l.shared_by == variants.len() {
            format!("{label} (all variants)")
        } else if l.shared_by > 1 {
            format!("{label} (and {} more)", l.shared_by - 1)
        } else {
            label
        };
        chart
            .draw_secondary_series(LineSeries::new(l.steps.iter().copied(), style))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    // Ready wide and light, desired thin and dashed on top: they coincide most of the time
    // (capacity arrives a start and a readiness period late), and both stay visible.
    for ((v, service), f) in &data.fleets {
        let (c, who) = (colour(*v), name(data, variants, *v, service));
        let wide = light(c, 0.55).stroke_width(4);
        chart
            .draw_series(LineSeries::new(state_steps(&f.ready), wide))?
            .label(format!("{who} ready"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], wide));
        chart
            .draw_series(DashedLineSeries::new(
                state_steps(&f.desired),
                8,
                5,
                c.stroke_width(2),
            ))?
            .label(format!("{who} desired"))
            .legend(move |(x, y)| {
                plotters::element::DashedPathElement::new(
                    vec![(x, y), (x + 20, y)],
                    6,
                    3,
                    c.stroke_width(2),
                )
            });
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

/// The variant, and the service when the plot has more than one.
fn name(data: &Replicas, variants: &[String], v: usize, service: &str) -> String {
    if data.services > 1 {
        format!("{} / {service}", variants[v])
    } else {
        variants[v].clone()
    }
}

/// `c` faded towards white, opaque: a translucent line darkens where its many short
/// segments overlap.
fn light(c: RGBColor, strength: f64) -> RGBColor {
    let f = |x: u8| (255.0 - (255.0 - f64::from(x)) * strength).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}

/// Counts without a useless `.0`; fractions as plotters chose them.
fn whole(y: &f64) -> String {
    if y.fract() == 0.0 {
        format!("{y:.0}")
    } else {
        format!("{y}")
    }
}
