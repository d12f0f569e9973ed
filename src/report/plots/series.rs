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
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("`{shown}`: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
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

/// Keeps, per pixel column (`columns` of them over `t0..t1`), the first, lowest, highest and
/// last point, in time order: drawn, the reduced line covers the same pixels as the full one,
/// so a dip shorter than a pixel still reaches its depth. Points must be in time order.
pub(super) fn to_pixels(pts: &[(f64, f64)], t0: f64, t1: f64, columns: usize) -> Vec<(f64, f64)> {
    let width = (t1 - t0) / columns.max(1) as f64;
    if pts.len() <= 4 * columns || width.is_nan() || width <= 0.0 {
        return pts.to_vec();
    }
    let column = |t: f64| ((t - t0) / width).floor();
    let mut out = Vec::with_capacity(4 * columns);
    let mut i = 0;
    while i < pts.len() {
        let c = column(pts[i].0);
        let (mut lo, mut hi, mut j) = (i, i, i);
        while j < pts.len() && column(pts[j].0) == c {
            if pts[j].1 < pts[lo].1 {
                lo = j;
            }
            if pts[j].1 > pts[hi].1 {
                hi = j;
            }
            j += 1;
        }
        // A time that is not a number never matches its column: take it alone.
        let j = j.max(i + 1);
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        let mut prev = usize::MAX;
        for k in keep {
            if k != prev {
                out.push(pts[k]);
                prev = k;
            }
        }
        i = j;
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
        assert!(reduced.len() <= 4 * 801, "{} points", reduced.len());
        assert!(reduced.iter().any(|p| p.1 == 60.0), "the dip is kept");
        assert!(
            reduced.windows(2).all(|w| w[0].0 <= w[1].0),
            "in time order"
        );
        assert_eq!(reduced.first(), pts.first());
        assert_eq!(reduced.last(), pts.last());
    }

    #[test]
    fn few_points_are_kept_as_they_are() {
        let pts = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 0.0)];
        assert_eq!(to_pixels(&pts, 0.0, 2.0, 800), pts);
    }
}
