//! The compact terminal summary printed after a run.

use super::SummaryRow;
use crate::metrics::DownCause;

fn fmt_ci(mean: f64, ci: f64, digits: usize) -> String {
    if ci.is_nan() {
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
/// service had traffic.
pub fn render(rows: &[SummaryRow]) -> String {
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
        header.extend(["success ratio (95% CI)", "p99 latency"]);
    }
    let paired = rows.iter().any(|r| !r.paired.is_empty());
    if paired {
        header.push(if traffic {
            "Δ success vs first (paired)"
        } else {
            "Δ availability vs first (paired)"
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
                format!("{:.2}", r.nines)
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
                Some((_, d, c)) => format!("{:+.4} ± {:.4} pp", d * 100.0, c * 100.0),
                None => "-".into(),
            });
        }
        lines.push(line);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
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
