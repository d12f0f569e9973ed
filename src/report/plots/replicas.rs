//! The replicas plot: the HPA's desired (dashed) vs ready (wide, light) replicas per
//! variant, the offered load light on a second axis; reduced to the pixel grid like the
//! timeline, variants offset a few pixels apart, the legend below.

use super::axes;
use super::legend::{self, Entries, Swatch};
use super::over_time::{
    TimeAxis, drawn, interval_steps, no_samples, offset_note, offsets_px, state_steps, time_axis,
};
use super::series::{Col, Reduced, TimeSeries};
use super::{DrawResult, colour, top};
use plotters::prelude::*;
use std::collections::BTreeMap;

pub(super) struct Replicas {
    /// Ready and desired replicas per (variant index, service), (seconds, count).
    fleets: BTreeMap<(usize, String), Fleet>,
    /// The distinct offered-load lines, on the second axis.
    loads: Vec<Load>,
    /// More than one service: labels name the service too.
    services: usize,
}

struct Fleet {
    ready: Vec<(f64, f64)>,
    desired: Vec<(f64, f64)>,
}

struct Load {
    variant: usize,
    /// How many variants offered this very load.
    shared_by: usize,
    service: String,
    /// (seconds, req/s) at the rows: each value covers the time since the row before.
    pts: Vec<(f64, f64)>,
}

pub(super) fn prepare(ts: &TimeSeries) -> Result<Replicas, String> {
    ts.need(&["variant", "t_s", "service", "ready"])?;
    let fleets: BTreeMap<(usize, String), Fleet> = ts
        .series
        .iter()
        .map(|(k, s)| {
            let f = Fleet {
                ready: s.points(Col::Ready),
                desired: s.points(Col::Desired),
            };
            (k.clone(), f)
        })
        .collect();
    if fleets
        .values()
        .all(|f| f.ready.is_empty() && f.desired.is_empty())
    {
        return Err(no_samples(ts));
    }
    // Variants that share their traffic offer the same load: one line per distinct load of a
    // service (the first variant's), and none at all when nothing was offered.
    let mut loads: Vec<Load> = Vec::new();
    for ((variant, service), s) in &ts.series {
        let pts = s.points(Col::Offered);
        if !pts.iter().any(|p| p.1 > 0.0) {
            continue;
        }
        match loads
            .iter_mut()
            .find(|l| &l.service == service && l.pts == pts)
        {
            Some(l) => l.shared_by += 1,
            None => loads.push(Load {
                variant: *variant,
                shared_by: 1,
                service: service.clone(),
                pts,
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

/// A fleet's key with its ready and desired lines on the pixel grid.
type ReducedFleet<'a> = (&'a (usize, String), Reduced, Reduced);

const GREY: RGBColor = RGBColor(120, 120, 120);

impl Replicas {
    /// The variant, and the service when the plot has more than one.
    fn name(&self, variants: &[String], v: usize, service: &str) -> String {
        if self.services > 1 {
            format!("{} / {service}", variants[v])
        } else {
            variants[v].clone()
        }
    }

    fn load_style(&self, l: &Load) -> ShapeStyle {
        let c = if self.loads.len() == 1 {
            GREY
        } else {
            colour(l.variant)
        };
        light(c, 0.35).stroke_width(2)
    }

    fn entries(&self, variants: &[String]) -> Entries {
        let mut e = Entries::new();
        for (v, service) in self.fleets.keys() {
            let (c, who) = (colour(*v), self.name(variants, *v, service));
            e.push((
                format!("{who} ready"),
                Swatch::Line(light(c, 0.55).stroke_width(4)),
            ));
            e.push((format!("{who} desired"), Swatch::Dashed(c.stroke_width(2))));
        }
        for l in &self.loads {
            // One load line for all: grey; several (variants differ in traffic): their colours.
            let label = if self.loads.len() == 1 {
                "offered load".to_string()
            } else {
                format!(
                    "offered load, {}",
                    self.name(variants, l.variant, &l.service)
                )
            };
            let label = if l.shared_by > 1 && l.shared_by == variants.len() {
                format!("{label} (all variants)")
            } else if l.shared_by > 1 {
                format!("{label} (and {} more)", l.shared_by - 1)
            } else {
                label
            };
            e.push((label, Swatch::Line(self.load_style(l))));
        }
        if self.fleets.len() > 1 {
            e.push(offset_note(offsets_px(self.fleets.len()).1));
        }
        e
    }

    pub(super) fn size(&self, variants: &[String]) -> (u32, u32) {
        let (w, h) = super::SIZE;
        (w, h + legend::height(&self.entries(variants), w))
    }

    fn axis(&self) -> TimeAxis {
        let fleet = self
            .fleets
            .values()
            .flat_map(|f| f.ready.iter().chain(&f.desired));
        time_axis(fleet.chain(self.loads.iter().flat_map(|l| l.pts.iter())))
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
        let (upper, bottom) = legend::split(&area, &entries);
        let x = self.axis();
        let fleets: Vec<ReducedFleet> = self
            .fleets
            .iter()
            .map(|(k, f)| (k, x.reduce(&f.ready), x.reduce(&f.desired)))
            .collect();
        let loads: Vec<Reduced> = self.loads.iter().map(|l| x.reduce(&l.pts)).collect();
        let ys = || fleets.iter().flat_map(|f| f.1.values().chain(f.2.values()));
        let ymax = ys().fold(0.0f64, f64::max);
        let ymin = ys().fold(f64::INFINITY, f64::min);
        let lmax = loads
            .iter()
            .flat_map(Reduced::values)
            .fold(0.0f64, f64::max);
        let ylo = axes::count_floor(ymin, ymax);
        let yhi = top(ymax + 0.1 * (ymax - ylo) + 1.0, 1.0);
        let (yticks, ystep) = axes::count_ticks(ylo, yhi);
        let y2hi = top(lmax * 1.1, 1e-3);
        let (y2ticks, y2step) = axes::count_ticks(0.0, y2hi);
        let xr = || axes::ticked(0.0..x.end, x.ticks.clone());
        let mut chart = ChartBuilder::on(&upper)
            .caption(
                "Desired vs ready replicas (first run of each variant)",
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .right_y_label_area_size(if self.loads.is_empty() { 0 } else { 70 })
            .build_cartesian_2d(xr(), axes::ticked(ylo..yhi, yticks))?
            .set_secondary_coord(xr(), axes::ticked(0.0..y2hi, y2ticks));
        chart
            .configure_mesh()
            .x_desc(x.desc())
            .y_desc("replicas")
            .x_label_formatter(&|v| axes::label(*v, x.step))
            .y_label_formatter(&|v| axes::label(*v, ystep))
            .draw()?;
        if !self.loads.is_empty() {
            chart
                .configure_secondary_axes()
                .y_desc("offered load (req/s)")
                .y_label_formatter(&|v| axes::label(*v, y2step))
                .draw()?;
        }
        for (l, r) in self.loads.iter().zip(&loads) {
            let (line, bars) = drawn(r, interval_steps, 0.0, self.load_style(l));
            chart.draw_secondary_series(LineSeries::new(line, self.load_style(l)))?;
            chart.draw_secondary_series(bars)?;
        }
        // Ready wide and light, desired thin and dashed on top: they coincide most of the time
        // (capacity arrives a start and a readiness period late), and both stay visible.
        let (off, _) = offsets_px(fleets.len());
        let per_px = (yhi - ylo) / f64::from(chart.plotting_area().dim_in_pixel().1.max(1));
        for (((v, _), ready, desired), dy) in fleets.iter().zip(off) {
            let (c, dy) = (colour(*v), dy * per_px);
            let wide = light(c, 0.55).stroke_width(4);
            let (line, bars) = drawn(ready, state_steps, dy, wide);
            chart.draw_series(LineSeries::new(line, wide))?;
            chart.draw_series(bars)?;
            let (line, bars) = drawn(desired, state_steps, dy, c.stroke_width(2));
            chart.draw_series(DashedLineSeries::new(line, 8, 5, c.stroke_width(2)))?;
            chart.draw_series(bars)?;
        }
        legend::draw(&bottom, &entries, 85)?;
        area.present()?;
        Ok(())
    }
}

/// `c` faded towards white, opaque: a translucent line darkens where its many short
/// segments overlap.
fn light(c: RGBColor, strength: f64) -> RGBColor {
    let f = |x: u8| (255.0 - (255.0 - f64::from(x)) * strength).round() as u8;
    RGBColor(f(c.0), f(c.1), f(c.2))
}
