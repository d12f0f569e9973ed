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

/// A table with no exactly-one groups.
pub const fn table(fields: &'static [Field]) -> Table {
    Table {
        fields,
        exactly_one: &[],
    }
}

pub const DURATION: Shape = Shape::Duration { positive: false };
pub const POSITIVE: Shape = Shape::Duration { positive: true };

impl Table {
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

    /// The shape of a list's items (of the first list branch of an `AnyOf`).
    pub fn item(&self) -> Option<&'static Shape> {
        match self {
            Shape::List(s) | Shape::Pair(s) => Some(s),
            Shape::AnyOf(branches) => branches.iter().find_map(Shape::item),
            _ => None,
        }
    }
}

/// The distributions (SCENARIO.md "Distributions"): the one-key form of `Shape::Dist`.
pub static DIST: Table = table(&[
    opt("exponential", POSITIVE),
    opt("uniform", Shape::Pair(&DURATION)),
    opt("normal", Shape::Map(&NORMAL)),
    opt("lognormal", Shape::Map(&LOGNORMAL)),
    opt("weibull", Shape::Map(&WEIBULL)),
    opt("gamma", Shape::Map(&GAMMA)),
    opt("empirical", Shape::String),
]);
pub static NORMAL: Table = table(&[req("mean", DURATION), req("sd", DURATION)]);
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
]);
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
]);
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
]);
