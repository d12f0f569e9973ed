//! The compact terminal summary printed after a run.

use super::SummaryRow;

fn fmt_ci(mean: f64, ci: f64, digits: usize) -> String {
    if ci.is_nan() {
        format!("{mean:.digits$}")
    } else {
        format!("{mean:.digits$} ± {ci:.digits$}")
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
