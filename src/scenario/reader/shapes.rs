//! Oracle builds check the validator against the shape tables that `kubesim schema` prints:
//! each map is read with the table its parent's field names, each typed read matches the
//! field's shape and bounds, and each required field that is missing is reported.

use super::super::shape::{Need, Shape, Table};
use super::super::yaml::{Node, Value};
use super::{Reader, join};
use std::collections::HashMap;

/// The shapes of the fields read so far, by path, and the required fields found missing.
#[derive(Default)]
pub struct ShapeLog {
    at: HashMap<String, &'static Shape>,
    missing: Vec<(String, &'static str)>,
}

impl ShapeLog {
    /// A log whose root (path `""`) has this shape.
    pub fn new(root: &'static Shape) -> Self {
        let mut log = ShapeLog::default();
        log.at.insert(String::new(), root);
        log
    }
}

impl Reader<'_> {
    /// The shape at `path`: recorded for a field, or the item shape of the list above it.
    fn shape_at(&self, path: &str) -> Option<&'static Shape> {
        let log = self.shapes.as_ref()?;
        if let Some(s) = log.at.get(path) {
            return Some(s);
        }
        let parent = path.strip_suffix(']')?.rsplit_once('[')?.0;
        self.shape_at(parent)?.item()
    }

    /// Oracle check: the field at `path` is read as `what`, which its shape must admit.
    pub fn expect(&self, path: &str, what: &str, ok: &dyn Fn(&Shape) -> bool) {
        if let Some(problem) = self.disagreement(path, what, ok) {
            oracle_assert!(false, "{problem}");
        }
    }

    /// Why reading `path` as `what` disagrees with its shape, if it does (and shapes are kept).
    fn disagreement(&self, path: &str, what: &str, ok: &dyn Fn(&Shape) -> bool) -> Option<String> {
        self.shapes.as_ref()?;
        let shape = self.shape_at(path);
        match shape {
            Some(s) if s.admits(ok) => None,
            _ => Some(format!(
                "`{path}` is read as {what} but its shape table says {shape:?}"
            )),
        }
    }

    /// Oracle check: the field at `path` is read as one of `words`, exactly its table's `Enum`.
    pub fn expect_words(&self, path: &str, words: &[&str]) {
        if self.shapes.is_none() {
            return;
        }
        self.expect(path, &format!("one of {words:?}"), &|s| match s {
            Shape::Enum(table) => {
                table.len() == words.len() && table.iter().all(|w| words.contains(w))
            }
            _ => false,
        });
    }

    /// Oracle check and record on reading a map with `table`: the parent's field names this
    /// table; its fields' shapes are recorded, the missing required ones remembered.
    pub(super) fn enter(&mut self, node: &Node, path: &str, table: &'static Table) {
        if self.shapes.is_none() {
            return;
        }
        self.expect(path, "a map", &|s| match s {
            Shape::Map(t) | Shape::OneKey(t) => std::ptr::eq(*t, table),
            _ => false,
        });
        let Value::Map(entries) = &node.value else {
            return;
        };
        let log = self.shapes.as_mut().expect("checked");
        for field in table.fields {
            // Absent fields too: some readers read a default map in their place.
            log.at.insert(join(path, field.key), &field.shape);
            let given = entries
                .iter()
                .any(|(k, v)| k.scalar() == Some(field.key) && !v.is_null());
            if !given && field.need == Need::Always {
                log.missing.push((path.to_string(), field.key));
            }
        }
    }

    /// Records the shape of the one key of a one-key map (`{exponential: 30s}`) read with
    /// `table`, at `path.key`.
    pub fn enter_one_key(&mut self, path: &str, table: &'static Table, key: &str) {
        if self.shapes.is_none() {
            return;
        }
        if let Some(field) = table.field(key) {
            let log = self.shapes.as_mut().expect("checked");
            log.at.insert(join(path, key), &field.shape);
        }
    }

    /// Oracle check: `required` is asked only of fields the table says may be required.
    pub(super) fn expect_required(&self, table: &'static Table, path: &str, key: &str) {
        if self.shapes.is_none() {
            return;
        }
        let need = table.field(key).map(|f| f.need);
        oracle_assert!(
            matches!(need, Some(Need::Always | Need::Sometimes)),
            "`{path}.{key}` is read as required but its shape table says {need:?}"
        );
    }

    /// Oracle check at the end of validation: where a required field was missing, the map
    /// holding it has an error.
    pub fn check_missing_reported(&self) {
        if let Some(problem) = self.unreported_missing().first() {
            oracle_assert!(false, "{problem}");
        }
    }

    fn unreported_missing(&self) -> Vec<String> {
        let Some(log) = &self.shapes else {
            return Vec::new();
        };
        log.missing
            .iter()
            .filter(|(path, _)| !self.errors.has_at(path))
            .map(|(path, key)| {
                format!("`{key}` is required at `{path}` by its shape table, but its absence was not reported")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::error::Errors;
    use super::super::super::shape::{POSITIVE, opt, req, table};
    use super::super::super::yaml;
    use super::super::Fields;
    use super::*;
    use std::path::Path;

    static T: Table = table(&[
        opt("n", Shape::Int { min: 1, max: 10 }),
        req("d", POSITIVE),
        opt("inner", Shape::Map(&INNER)),
    ])
    .named("T");
    static INNER: Table = table(&[opt("x", Shape::Rate)]).named("INNER");
    static OTHER: Table = table(&[opt("x", Shape::Rate)]).named("OTHER");
    static ROOT: Shape = Shape::Map(&T);

    /// Reads `text` with `T` (shapes kept whatever the build) and gives what `check` finds.
    fn disagreements(text: &str, check: impl FnOnce(&mut Reader) -> Vec<String>) -> Vec<String> {
        let node = yaml::parse(text, 0).unwrap();
        let mut errors = Errors::new(vec!["t.yaml".into()]);
        let mut r = Reader {
            errors: &mut errors,
            base_dir: Path::new("."),
            shapes: Some(ShapeLog::new(&ROOT)),
        };
        let f = r.fields(&node, "", &T).unwrap();
        let _ = f;
        check(&mut r)
    }

    #[test]
    fn reads_that_agree_with_the_table_pass() {
        let found = disagreements("n: 3\nd: 1s\ninner: {x: 1/s}\n", |r| {
            let int = |s: &Shape| matches!(s, Shape::Int { min: 1, max: 10 });
            let pos = |s: &Shape| matches!(s, Shape::Duration { positive: true });
            let inner = |s: &Shape| matches!(s, Shape::Map(t) if std::ptr::eq(*t, &INNER));
            [
                ("n", &int as &dyn Fn(&Shape) -> bool),
                ("d", &pos),
                ("inner", &inner),
            ]
            .iter()
            .filter_map(|(p, ok)| r.disagreement(p, "it", *ok))
            .chain(r.unreported_missing())
            .collect()
        });
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn other_bounds_another_type_or_another_table_are_caught() {
        let found = disagreements("n: 3\nd: 1s\n", |r| {
            let int20 = |s: &Shape| matches!(s, Shape::Int { min: 1, max: 20 });
            let rate = |s: &Shape| matches!(s, Shape::Rate);
            let other = |s: &Shape| matches!(s, Shape::Map(t) if std::ptr::eq(*t, &OTHER));
            [
                r.disagreement("n", "an integer in [1, 20]", &int20),
                r.disagreement("d", "a rate", &rate),
                r.disagreement("inner", "a map", &other),
                r.disagreement("nowhere", "a rate", &rate),
            ]
            .into_iter()
            .flatten()
            .collect()
        });
        assert_eq!(
            found,
            [
                "`n` is read as an integer in [1, 20] but its shape table says Some(Int { min: 1, max: 10 })",
                "`d` is read as a rate but its shape table says Some(Duration { positive: true })",
                "`inner` is read as a map but its shape table says Some(Map(Table { name: \"INNER\", fields: [Field { key: \"x\", shape: Rate, need: Optional }], exactly_one: [] }))",
                "`nowhere` is read as a rate but its shape table says None",
            ]
        );
    }

    #[test]
    fn a_missing_required_field_must_be_reported() {
        let found = disagreements("n: 3\n", |r| r.unreported_missing());
        assert_eq!(
            found,
            ["`d` is required at `` by its shape table, but its absence was not reported"]
        );
        let found = disagreements("n: 3\n", |r| {
            let f = Fields {
                node: &yaml::Node {
                    value: yaml::Value::Null,
                    pos: Default::default(),
                },
                path: String::new(),
                table: &T,
            };
            let _ = r.required(&f, "d");
            r.unreported_missing()
        });
        assert_eq!(found, Vec::<String>::new());
    }
}
