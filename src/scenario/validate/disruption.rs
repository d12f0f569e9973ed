//! Validation of voluntary disruption settings: a workload's `pdb` (one bound, an integer or
//! a whole percentage, as Kubernetes' `IntOrString`).

use super::super::reader::{Fields, Reader};
use super::super::shape::{Shape, Table, opt};
use super::super::yaml::Node;
use super::super::*;

const BOUNDS: [&str; 2] = ["min_available", "max_unavailable"];

/// A pod count or `25%` (a PDB's count may be as large as a `u32`).
const COUNT_OR_PERCENT: Shape = Shape::AnyOf(&[
    Shape::Int {
        min: 0,
        max: u32::MAX as u64,
    },
    Shape::WholePercent,
]);

pub(super) static PDB: Table = Table {
    name: "PDB",
    fields: &[
        opt(BOUNDS[0], COUNT_OR_PERCENT),
        opt(BOUNDS[1], COUNT_OR_PERCENT),
    ],
    exactly_one: &[&BOUNDS],
};

/// `workloads[i].pdb`: `Some(None)` when absent, `None` after an error.
pub(super) fn pdb(r: &mut Reader, f: &Fields) -> Option<Option<Pdb>> {
    let Some(n) = f.get("pdb") else {
        return Some(None);
    };
    let path = f.at("pdb");
    let pf = r.fields(n, &path, &PDB)?;
    let given: Vec<&str> = BOUNDS.into_iter().filter(|b| pf.get(b).is_some()).collect();
    let [bound] = given[..] else {
        let message = if given.is_empty() {
            "a PDB needs one of `min_available` or `max_unavailable`"
        } else {
            "a PDB has either `min_available` or `max_unavailable`, not both"
        };
        r.error(n.pos, &path, message);
        return None;
    };
    let value = int_or_percent(r, pf.get(bound).expect("given"), &pf.at(bound))?;
    Some(Some(match bound {
        "min_available" => Pdb::MinAvailable(value),
        _ => Pdb::MaxUnavailable(value),
    }))
}

/// `2` or `25%` (whole percentages only, as `intstr.GetScaledValueFromIntOrPercent`).
fn int_or_percent(r: &mut Reader, n: &Node, path: &str) -> Option<PdbValue> {
    let text = n.scalar().map(str::trim).unwrap_or_default();
    let (digits, percent) = match text.strip_suffix('%') {
        Some(d) => (d.trim(), true),
        None => (text, false),
    };
    // A quoted count is a string, as Kubernetes and editors read it (`"25%"` is fine).
    if !percent && r.quoted(n, path, "a pod count or a percentage") {
        return None;
    }
    let Ok(value) = digits.parse::<i64>() else {
        r.error(
            n.pos,
            path,
            format!("expected a pod count like `2` or a percentage like `25%`, found `{text}`"),
        );
        return None;
    };
    // `-0` too: the schema that editors check has no `-`.
    if value < 0 || digits.starts_with('-') {
        r.error(n.pos, path, format!("must not be negative, found `{text}`"));
        return None;
    }
    if percent && value > 100 {
        r.error(n.pos, path, format!("at most 100%, found `{text}`"));
        return None;
    }
    let Ok(value) = u32::try_from(value) else {
        r.error(
            n.pos,
            path,
            format!("at most 4294967295 pods, found `{text}`"),
        );
        return None;
    };
    Some(if percent {
        PdbValue::Percent(value)
    } else {
        PdbValue::Count(value)
    })
}
