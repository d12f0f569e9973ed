//! The scenario format's shape: each map's fields and what each field holds, as static
//! tables. The validator takes a map's allowed keys from its table, oracle builds check that
//! every typed read agrees with the table, and `kubesim schema` prints the tables as JSON Schema.

/// What one field (or list item) holds. Bounds are the validator's own: the reader that
/// reads the field is checked against them (see `reader/shapes.rs`).
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Anything (a sweep's values, which are checked where they land).
    Any,
    /// Nothing (`ring_hash:` with no value: the defaults).
    Null,
    String,
    /// A DNS-label-like name (pods, nodes and result folders are named after it).
    Name,
    Bool,
    Int {
        min: u64,
        max: u64,
    },
    Float {
        min: f64,
        min_exclusive: bool,
        max: f64,
    },
    /// `10s`, `250ms`, `30d` (one number and one unit).
    Duration {
        positive: bool,
    },
    /// `200/s`, `12000/m`.
    Rate,
    /// `99.9%`, between 0 % and 100 %.
    Percent,
    /// `25%`: a whole percentage, 0 % to 100 % (a PDB's bound, as Kubernetes' IntOrString).
    WholePercent,
    /// An HPA utilization target `60%`, above 0 % and up to 10 000 %.
    Utilization,
    /// A Kubernetes CPU quantity (`500m`, `2`).
    Cpu,
    /// A Kubernetes memory quantity (`256Mi`, `16Gi`).
    Memory,
    /// A duration, or a one-key distribution map (`{exponential: 30s}`), see `DIST`.
    Dist,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// A map with these fields.
    Map(&'static Table),
    /// A map with exactly one of these fields (`{poisson: 200/s}`).
    OneKey(&'static Table),
    List(&'static Shape),
    /// A list of exactly two.
    Pair(&'static Shape),
    /// A map with free keys (a sweep's paths), each holding this.
    Dict(&'static Shape),
    /// Any one of these.
    AnyOf(&'static [Shape]),
}

/// One map's fields, and the groups of keys of which exactly one must be given.
#[derive(Debug)]
pub struct Table {
    /// The table's static's name (`PROBE`): the key of its fields' descriptions in
    /// `field_docs.rs`, unique among the tables the schema reaches (tested there).
    pub name: &'static str,
    pub fields: &'static [Field],
    pub exactly_one: &'static [&'static [&'static str]],
}

#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub shape: Shape,
    pub need: Need,
}

/// Whether a field must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Optional,
    /// Always: the schema says `required`, and oracle builds check that the validator reports
    /// it missing.
    Always,
    /// Under conditions on other fields (a seasonal model's `period`): the validator says so,
    /// the schema cannot.
    Sometimes,
}

/// An optional field.
pub const fn opt(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        need: Need::Optional,
    }
}

/// A required field.
pub const fn req(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        need: Need::Always,
    }
}

/// A field required only when other fields say so.
pub const fn cond(key: &'static str, shape: Shape) -> Field {
    Field {
        key,
        shape,
        need: Need::Sometimes,
    }
}

/// A table with no exactly-one groups (and no name: give it one with `named`).
pub const fn table(fields: &'static [Field]) -> Table {
    Table {
        name: "",
        fields,
        exactly_one: &[],
    }
}

pub const DURATION: Shape = Shape::Duration { positive: false };
pub const POSITIVE: Shape = Shape::Duration { positive: true };

impl Table {
    /// This table named `name` (its static's name, by convention).
    pub const fn named(mut self, name: &'static str) -> Table {
        self.name = name;
        self
    }

    pub fn keys(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.key).collect()
    }

    pub fn field(&self, key: &str) -> Option<&'static Field> {
        // `fields` is `'static`, so its items are too.
        let fields: &'static [Field] = self.fields;
        fields.iter().find(|f| f.key == key)
    }
}

impl Shape {
    /// This shape, or (for `AnyOf`) any of its branches, satisfies `ok`.
    pub fn admits(&self, ok: &dyn Fn(&Shape) -> bool) -> bool {
        match self {
            Shape::AnyOf(branches) => branches.iter().any(|b| b.admits(ok)),
            s => ok(s),
        }
    }

    /// Every table this shape reaches (itself, its fields' shapes, their items...), each
    /// once, in first-reached order.
    pub fn tables(&'static self) -> Vec<&'static Table> {
        let mut out: Vec<&'static Table> = Vec::new();
        self.collect_tables(&mut out);
        out
    }

    fn collect_tables(&'static self, out: &mut Vec<&'static Table>) {
        match self {
            Shape::Map(t) | Shape::OneKey(t) => {
                if out.iter().any(|seen| std::ptr::eq(*seen, *t)) {
                    return;
                }
                out.push(*t);
                for f in t.fields {
                    f.shape.collect_tables(out);
                }
            }
            Shape::List(s) | Shape::Pair(s) | Shape::Dict(s) => s.collect_tables(out),
            Shape::AnyOf(branches) => branches.iter().for_each(|b| b.collect_tables(out)),
            // A dist's tables are reached through the `DIST` map it stands for.
            Shape::Dist => DIST_MAP.collect_tables(out),
            _ => {}
        }
    }

    /// The shape of a list's items (of the first list branch of an `AnyOf`).
    pub fn item(&self) -> Option<&'static Shape> {
        match self {
            Shape::List(s) | Shape::Pair(s) => Some(s),
            Shape::AnyOf(branches) => branches.iter().find_map(Shape::item),
            _ => None,
        }
    }
}

/// `Shape::Dist`'s map form, as a shape (for `Shape::tables`).
static DIST_MAP: Shape = Shape::OneKey(&DIST);

/// The distributions (SCENARIO.md "Distributions"): the one-key form of `Shape::Dist`.
pub static DIST: Table = table(&[
    opt("exponential", POSITIVE),
    opt("uniform", Shape::Pair(&DURATION)),
    opt("normal", Shape::Map(&NORMAL)),
    opt("lognormal", Shape::Map(&LOGNORMAL)),
    opt("weibull", Shape::Map(&WEIBULL)),
    opt("gamma", Shape::Map(&GAMMA)),
    opt("empirical", Shape::String),
])
.named("DIST");
pub static NORMAL: Table = table(&[req("mean", DURATION), req("sd", DURATION)]).named("NORMAL");
pub static LOGNORMAL: Table = table(&[
    req("median", POSITIVE),
    req(
        "sigma",
        Shape::Float {
            min: 0.0,
            min_exclusive: false,
            max: 10.0,
        },
    ),
])
.named("LOGNORMAL");
pub static WEIBULL: Table = table(&[
    req(
        "shape",
        Shape::Float {
            min: 0.0,
            min_exclusive: true,
            max: 1e3,
        },
    ),
    req("scale", POSITIVE),
])
.named("WEIBULL");
pub static GAMMA: Table = table(&[
    req(
        "shape",
        Shape::Float {
            min: 0.0,
            min_exclusive: true,
            max: 1e6,
        },
    ),
    req("mean", POSITIVE),
])
.named("GAMMA");
