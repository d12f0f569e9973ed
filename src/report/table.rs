//! The terminal summary printed after a run: a table that fits 100 columns by default
//! (less important columns go first, then long variant names are shortened), everything
//! with `--wide`.

use super::SummaryRow;
use crate::metrics::DownCause;

/// The default width of the table, in characters.
pub const WIDTH: usize = 100;

fn fmt_ci(mean: f64, ci: f64, digits: usize) -> String {
    // One run has no interval: print the mean alone, never "± NaN".
    if !ci.is_finite() {
        format!("{mean:.digits$}")
    } else {
        format!("{mean:.digits$} ± {ci:.digits$}")
    }
}

/// The cause with the most mean down time, and its share of the down time: "crash 62%".
fn top_cause(r: &SummaryRow) -> String {
    let total = r.get("downtime_s").0;
    let best = DownCause::ALL
        .iter()
        .map(|c| (c.name(), r.get(&format!("downtime_s_{}", c.name())).0))
        .filter(|(_, d)| *d > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        Some((name, d)) if total > 0.0 => format!("{name} {:.0}%", 100.0 * d / total),
        _ => "-".into(),
    }
}

/// A fixed-width table, one line per (variant, service); request columns appear when any
/// service had traffic. `wide`: every column and whole names, however wide.
pub fn render(rows: &[SummaryRow], wide: bool) -> String {
    let traffic = rows.iter().any(|r| r.get("requests").0 > 0.0);
    let mut header = vec![
        "variant",
        "service",
        "runs",
        "availability (95% CI)",
        "nines",
        "downtime/run",
        "incidents/run",
        "MTTR",
    ];
    // Only when something was down: a clean run keeps the table narrow.
    let downtime = rows.iter().any(|r| r.get("downtime_s").0 > 0.0);
    if downtime {
        header.push("top cause");
    }
    if traffic {
        header.extend(["success (95% CI)", "p99 latency"]);
    }
    let paired = rows.iter().any(|r| !r.paired.is_empty());
    if paired {
        header.push(if traffic {
            "Δ success (paired)"
        } else {
            "Δ availability (paired)"
        });
    }
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        let (a, ac) = r.get("availability");
        let (d, dc) = r.get("downtime_s");
        let (i, ic) = r.get("incidents");
        let (m, mc) = r.get("mttr_s");
        let mut line = vec![
            r.variant.clone(),
            r.service.clone(),
            // A truncated run covers less simulated time: never let that pass unmarked.
            if r.runs_truncated > 0 {
                format!("{} ({} TRUNCATED)", r.runs, r.runs_truncated)
            } else {
                r.runs.to_string()
            },
            fmt_ci(a * 100.0, ac * 100.0, 4) + " %",
            if r.nines.is_finite() {
                // `-0.00` for an availability of 0 reads as a typo.
                format!("{:.2}", r.nines.max(0.0))
            } else {
                "∞".into()
            },
            fmt_ci(d, dc, 1) + " s",
            fmt_ci(i, ic, 2),
            if m.is_nan() {
                "-".into()
            } else {
                fmt_ci(m, mc, 1) + " s"
            },
        ];
        if downtime {
            line.push(top_cause(r));
        }
        if traffic {
            let (sr, sc) = r.get("success_ratio");
            let (p99, _) = r.get("latency_ms_p99");
            line.push(if sr.is_nan() {
                "-".into()
            } else {
                fmt_ci(sr * 100.0, sc * 100.0, 4) + " %"
            });
            line.push(if p99.is_nan() {
                "-".into()
            } else {
                format!("{p99:.1} ms")
            });
        }
        if paired {
            let key = if traffic {
                "success_ratio"
            } else {
                "availability"
            };
            line.push(match r.paired.iter().find(|p| p.0 == key) {
                Some((_, d, c)) if c.is_finite() => {
                    format!("{:+.4} ± {:.4} pp", d * 100.0, c * 100.0)
                }
                Some((_, d, _)) => format!("{:+.4} pp", d * 100.0),
                None => "-".into(),
            });
        }
        lines.push(line);
    }
    let (hidden, legend) = if wide {
        (0, Vec::new())
    } else {
        fit(&mut lines, WIDTH)
    };
    let mut out = layout(&lines);
    for (label, name) in &legend {
        out.push_str(&format!(
            "{label} = {}\n",
            shorten(name, WIDTH - label.len() - 3)
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "({hidden} column{} hidden to fit {WIDTH} characters: --wide shows all; summary.csv has every metric)\n",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Columns that go first when the table is too wide, least useful first.
const DROPPABLE: [&str; 5] = ["incidents/run", "runs", "MTTR", "nines", "downtime/run"];

/// Each column's widest cell, in characters.
fn column_widths(lines: &[Vec<String>]) -> Vec<usize> {
    let cols = lines.first().map_or(0, Vec::len);
    (0..cols)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

fn table_width(lines: &[Vec<String>]) -> usize {
    let widths = column_widths(lines);
    widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)
}

/// Fits the table to `width`: long variant names (over 24 characters) become numbers (`#1`,
/// `#2`, …) with their names returned as a legend printed under the table, then the least
/// useful columns go. Returns how many columns it dropped, and the legend.
fn fit(lines: &mut [Vec<String>], width: usize) -> (usize, Vec<(String, String)>) {
    let mut legend = Vec::new();
    let longest = lines
        .iter()
        .skip(1)
        .map(|l| l[0].chars().count())
        .max()
        .unwrap_or(0);
    if table_width(lines) > width && longest > 24 {
        let mut seen: Vec<String> = Vec::new();
        for l in lines.iter_mut().skip(1) {
            let i = match seen.iter().position(|n| *n == l[0]) {
                Some(i) => i,
                None => {
                    seen.push(l[0].clone());
                    legend.push((format!("#{}", seen.len()), l[0].clone()));
                    seen.len() - 1
                }
            };
            l[0] = format!("#{}", i + 1);
        }
    }
    let mut hidden = 0;
    for name in DROPPABLE {
        if table_width(lines) <= width {
            break;
        }
        if let Some(c) = lines[0].iter().position(|h| h == name) {
            // A truncated run must never pass unmarked: its column stays.
            if lines.iter().any(|l| l[c].contains("TRUNCATED")) {
                continue;
            }
            for l in lines.iter_mut() {
                l.remove(c);
            }
            hidden += 1;
        }
    }
    (hidden, legend)
}

/// `text` in at most `n` characters: its start, `…`, its end.
fn shorten(text: &str, n: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= n {
        return text.to_string();
    }
    let tail = (n - 1) / 3;
    let head = n - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

fn layout(lines: &[Vec<String>]) -> String {
    let widths = column_widths(lines);
    let mut out = String::new();
    for (li, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .enumerate()
            .map(|(c, s)| format!("{s:<w$}", w = widths[c]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if li == 0 {
            out.push_str(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_both_ends() {
        assert_eq!(shorten("autoscaling={hpa: {min: 3}}", 12), "autoscal…3}}");
        assert_eq!(shorten("short", 12), "short");
    }

    #[test]
    fn fit_drops_the_least_useful_columns_first() {
        let mut lines = vec![
            vec![
                "variant".to_string(),
                "runs".into(),
                "incidents/run".into(),
                "x".repeat(90),
            ],
            vec!["v".to_string(), "3".into(), "0.00".into(), "y".into()],
        ];
        // 7 + 4 + 13 + 90 + 3 × 2 = 120 > 100: incidents/run goes (105), then runs (99).
        assert_eq!(fit(&mut lines, 100), (2, vec![]));
        assert_eq!(lines[0], ["variant".to_string(), "x".repeat(90)]);
    }

    #[test]
    fn long_variant_names_become_numbers_with_a_legend() {
        let long = "autoscaling={hpa: {min: 3, max: 40}}".repeat(3);
        let mut lines = vec![
            vec!["variant".to_string(), "x".repeat(60)],
            vec![long.clone(), "1".into()],
            vec![long.clone() + "!", "2".into()],
        ];
        let (_, legend) = fit(&mut lines, 100);
        assert_eq!((lines[1][0].as_str(), lines[2][0].as_str()), ("#1", "#2"));
        assert_eq!(
            legend,
            [
                ("#1".to_string(), long.clone()),
                ("#2".to_string(), long + "!")
            ]
        );
    }
}
