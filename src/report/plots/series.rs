//! timeseries.csv read once into typed series per (variant, service), and reduced to the
//! pixel grid (first, lowest, highest and last sample per pixel column) so a year at
//! one-minute samples draws as fast, and as small, as an hour.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The columns the plots draw, in `Samples::cols` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Col {
    Serving,
    Replicas,
    Ready,
    Desired,
    Offered,
    Success,
}

const COLS: [(Col, &str); 6] = [
    (Col::Serving, "serving"),
    (Col::Replicas, "replicas"),
    (Col::Ready, "ready"),
    (Col::Desired, "desired_replicas"),
    (Col::Offered, "offered_rps"),
    (Col::Success, "success_ratio"),
];

/// One (variant, service): sample instants in seconds and each column (NaN where the cell
/// was empty, NaN or absent from the file).
#[derive(Default)]
pub(super) struct Samples {
    t: Vec<f64>,
    cols: [Vec<f64>; 6],
}

impl Samples {
    /// (seconds, value) of `col` where both are finite.
    pub(super) fn points(&self, col: Col) -> Vec<(f64, f64)> {
        self.t
            .iter()
            .zip(&self.cols[col as usize])
            .filter(|(t, y)| t.is_finite() && y.is_finite())
            .map(|(t, y)| (*t, *y))
            .collect()
    }
}

/// timeseries.csv of a results folder.
pub(super) struct TimeSeries {
    pub(super) path: PathBuf,
    header: Vec<String>,
    /// Per (variant index in summary.csv, service), in file order.
    pub(super) series: BTreeMap<(usize, String), Samples>,
}

impl TimeSeries {
    pub(super) fn has(&self, column: &str) -> bool {
        self.header.iter().any(|h| h == column)
    }

    /// Every named column must exist: a missing one is an error naming the file and column.
    pub(super) fn need(&self, columns: &[&str]) -> Result<(), String> {
        match columns.iter().find(|c| !self.has(c)) {
            Some(c) => Err(format!("`{}` has no `{c}` column", self.path.display())),
            None => Ok(()),
        }
    }
}

/// A row's series, or none for a variant summary.csv does not name.
type Key = Option<(usize, String)>;

fn parse(b: &[u8]) -> f64 {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .unwrap_or(f64::NAN)
}

/// Reads `path` (at most `limit` bytes) keeping the rows of `variants`; rows of other
/// variants are skipped. Byte records and one key lookup per change of (variant, service):
/// 525,600 rows read in a fraction of a second.
pub(super) fn read(path: &Path, variants: &[String], limit: u64) -> Result<TimeSeries, String> {
    let bytes = super::read_bytes(path, limit)?;
    let shown = path.display();
    let (mut r, header) = super::csv_with_header(&bytes, path)?;
    let at = |c: &str| header.iter().position(|h| h == c);
    let (vi, si, ti) = (at("variant"), at("service"), at("t_s"));
    let cols: Vec<Option<usize>> = COLS.iter().map(|(_, c)| at(c)).collect();
    let mut series: BTreeMap<(usize, String), Samples> = BTreeMap::new();
    let mut rec = csv::ByteRecord::new();
    // The (variant, service) of the row before and its key: rows come in long runs of one.
    let mut last: Option<(Vec<u8>, Vec<u8>, Key)> = None;
    while r
        .read_byte_record(&mut rec)
        .map_err(|e| format!("`{shown}`: {e}"))?
    {
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or(b"");
        let (v, s) = (field(vi), field(si));
        let key = match &last {
            Some((lv, ls, key)) if lv == v && ls == s => key.clone(),
            _ => {
                let key = variants
                    .iter()
                    .position(|x| x.as_bytes() == v)
                    .map(|i| (i, String::from_utf8_lossy(s).into_owned()));
                last = Some((v.to_vec(), s.to_vec(), key.clone()));
                key
            }
        };
        let Some(key) = key else { continue };
        let samples = series.entry(key).or_default();
        samples.t.push(parse(field(ti)));
        for (c, i) in cols.iter().enumerate() {
            samples.cols[c].push(i.map_or(f64::NAN, |i| parse(field(Some(i)))));
        }
    }
    Ok(TimeSeries {
        path: path.to_path_buf(),
        header,
        series,
    })
}

/// Whether `column` of the CSV file at `path` holds a number somewhere: one pass over that
/// column alone, stopping at the first value.
pub(super) fn has_values(path: &Path, column: &str, limit: u64) -> bool {
    let Ok(bytes) = super::read_bytes(path, limit) else {
        return false;
    };
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let Some(i) = r
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == column))
    else {
        return false;
    };
    let mut rec = csv::ByteRecord::new();
    while let Ok(true) = r.read_byte_record(&mut rec) {
        if rec.get(i).is_some_and(|b| parse(b).is_finite()) {
            return true;
        }
    }
    false
}

/// A line on the pixel grid: the points to join, and per pixel column the range the full
/// line sweeps there, as (time, lowest, highest).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Reduced {
    pub(super) line: Vec<(f64, f64)>,
    pub(super) bars: Vec<(f64, f64, f64)>,
}

impl Reduced {
    /// Every value drawn.
    pub(super) fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let bars = self.bars.iter().flat_map(|b| [b.1, b.2]);
        self.line.iter().map(|p| p.1).chain(bars)
    }

    pub(super) fn map(self, f: impl Fn((f64, f64)) -> (f64, f64)) -> Reduced {
        Reduced {
            line: self.line.into_iter().map(&f).collect(),
            bars: self
                .bars
                .into_iter()
                .map(|(t, lo, hi)| {
                    let (t, lo) = f((t, lo));
                    (t, lo, f((t, hi)).1)
                })
                .collect(),
        }
    }
}

/// Reduces a line with more points than `columns` (pixel columns over `t0..t1`) to the
/// last point of each column, at the column's left edge, plus a bar over the lowest to the
/// highest value of the column: drawn, they cover the pixels the full line covers, so a dip
/// shorter than a pixel still reaches its depth. (One polyline going up and down within a
/// column draws as specks on a raster backend; separate bars do not.) Points must be in
/// time order.
pub(super) fn to_pixels(pts: &[(f64, f64)], t0: f64, t1: f64, columns: usize) -> Reduced {
    let width = (t1 - t0) / columns.max(1) as f64;
    if pts.len() <= columns || width.is_nan() || width <= 0.0 {
        return Reduced {
            line: pts.to_vec(),
            bars: Vec::new(),
        };
    }
    let column = |t: f64| ((t - t0) / width).floor();
    let mut out = Reduced::default();
    out.line.extend(pts.first().copied());
    let mut i = 0;
    while i < pts.len() {
        let c = column(pts[i].0);
        let (mut lo, mut hi, mut j) = (pts[i].1, pts[i].1, i);
        while j < pts.len() && column(pts[j].0) == c {
            lo = lo.min(pts[j].1);
            hi = hi.max(pts[j].1);
            j += 1;
        }
        // A time that is not a number never matches its column: take it alone.
        let j = j.max(i + 1);
        let x = if c.is_finite() {
            (t0 + c * width).max(pts[0].0)
        } else {
            pts[i].0
        };
        if hi > lo {
            out.bars.push((x, lo, hi));
        }
        if out.line.last().is_none_or(|p| p.1 != pts[j - 1].1) {
            out.line.push((x, pts[j - 1].1));
        }
        i = j;
    }
    // The line runs to the last sample.
    if let (Some(end), Some(last)) = (pts.last(), out.line.last().copied())
        && last.0 < end.0
    {
        out.line.push((end.0, last.1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_pixels;

    #[test]
    fn a_dip_shorter_than_a_pixel_keeps_its_depth() {
        // A year at one-minute samples, 100 pods, with a two-hour dip to 60 on day 200.
        let dip = 200.0 * 86_400.0;
        let pts: Vec<(f64, f64)> = (0..525_600)
            .map(|m| {
                let t = 60.0 * f64::from(m);
                let y = if (dip..dip + 7200.0).contains(&t) {
                    60.0
                } else {
                    100.0
                };
                (t, y)
            })
            .collect();
        let reduced = to_pixels(&pts, 0.0, 365.0 * 86_400.0, 800);
        assert!(reduced.line.len() <= 802, "{} points", reduced.line.len());
        assert!(reduced.bars.len() <= 800, "{} bars", reduced.bars.len());
        let bar = reduced.bars.iter().find(|b| b.1 == 60.0);
        assert!(
            bar.is_some_and(|b| b.2 == 100.0 && (b.0..b.0 + 39_420.0).contains(&dip)),
            "the dip is a bar in its column: {bar:?}"
        );
        assert!(
            reduced.line.windows(2).all(|w| w[0].0 <= w[1].0),
            "in time order"
        );
        assert_eq!(reduced.line.first(), pts.first());
        assert_eq!(reduced.line.last(), pts.last());
    }

    #[test]
    fn few_points_are_kept_as_they_are() {
        let pts = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 0.0)];
        assert_eq!(to_pixels(&pts, 0.0, 2.0, 800).line, pts);
    }
}
