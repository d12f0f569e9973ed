//! The legend below the plot area, never over the data: one or two columns of entries, a
//! label too long for its column (a map-valued sweep names its variant by the whole YAML
//! value) cut in the middle with `…` (summary.csv keeps the full name).

use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// How an entry's sample is drawn.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    Line(ShapeStyle),
    Dashed(ShapeStyle),
    /// A short vertical tick (failure marks).
    Tick(ShapeStyle),
    /// Text only (a note under the entries).
    Note,
}

pub(super) type Entries = Vec<(String, Swatch)>;

const ROW: u32 = 18;
const FONT: u32 = 13;
/// Rough width of a character at `FONT` px (DejaVu Sans averages 0.55 em).
const CHAR_PX: f64 = 7.2;
const SWATCH: i32 = 28;

/// One column when any label would not fit half the width.
fn columns(entries: &Entries, width: u32) -> usize {
    let half = f64::from(width / 2) - f64::from(SWATCH as u32 + 20);
    let fits = entries
        .iter()
        .all(|(l, s)| matches!(s, Swatch::Note) || l.chars().count() as f64 * CHAR_PX <= half);
    if fits && entries.len() > 1 { 2 } else { 1 }
}

/// Splits a canvas into the plot area and the strip below it where `entries` are drawn.
pub(super) fn split<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &Entries,
) -> (
    DrawingArea<DB, plotters::coord::Shift>,
    DrawingArea<DB, plotters::coord::Shift>,
) {
    let (w, h) = area.dim_in_pixel();
    area.split_vertically(h - height(entries, w))
}

/// The height the legend takes below a plot `width` wide.
pub(super) fn height(entries: &Entries, width: u32) -> u32 {
    if entries.is_empty() {
        return 0;
    }
    let cols = columns(entries, width);
    let (notes, rest): (Vec<_>, Vec<_>) = entries.iter().partition(|e| matches!(e.1, Swatch::Note));
    let rows = rest.len().div_ceil(cols) + notes.len();
    rows as u32 * ROW + 12
}

/// `label` cut to `max` characters by an ellipsis in the middle: the start names the swept
/// field, the end holds what tells variants apart (the last key of a map value, the
/// service, `ready` or `desired`).
pub(super) fn shorten(label: &str, max: usize) -> String {
    let n = label.chars().count();
    if n <= max {
        return label.to_string();
    }
    let head = max.saturating_sub(1) * 2 / 5;
    let tail = max.saturating_sub(1) - head;
    let mut s: String = label.chars().take(head).collect();
    s.push('…');
    s.extend(label.chars().skip(n - tail));
    s
}

/// Draws `entries` into `area` (the strip below the chart), left to right, then down.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &Entries,
    left: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, _) = area.dim_in_pixel();
    let cols = columns(entries, width);
    let col_w = (width as i32 - left - 10) / cols as i32;
    let max_chars = ((f64::from(col_w - SWATCH - 14)) / CHAR_PX).max(8.0) as usize;
    let font = ("sans-serif", FONT).into_font();
    let (mut col, mut row) = (0usize, 0i32);
    for (label, swatch) in entries {
        if matches!(swatch, Swatch::Note) && col > 0 {
            (col, row) = (0, row + 1);
        }
        let x = left + col as i32 * col_w;
        let y = 6 + row * ROW as i32 + ROW as i32 / 2;
        let sample = vec![(x, y), (x + SWATCH - 6, y)];
        match swatch {
            Swatch::Line(s) => area.draw(&PathElement::new(sample, *s))?,
            Swatch::Dashed(s) => area.draw(&DashedPathElement::new(sample, 6, 3, *s))?,
            Swatch::Tick(s) => {
                for dx in [6, 12, 18] {
                    area.draw(&PathElement::new(
                        vec![(x + dx, y - 6), (x + dx, y + 6)],
                        *s,
                    ))?;
                }
            }
            Swatch::Note => {}
        }
        let (tx, chars) = match swatch {
            Swatch::Note => (x, max_chars * cols + SWATCH as usize / 7),
            _ => (x + SWATCH, max_chars),
        };
        area.draw(&Text::new(
            shorten(label, chars),
            (tx, y - FONT as i32 / 2 - 1),
            font.clone(),
        ))?;
        if matches!(swatch, Swatch::Note) || col + 1 == cols {
            (col, row) = (0, row + 1);
        } else {
            col += 1;
        }
    }
    Ok(())
}
