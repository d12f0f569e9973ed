//! kubesim: discrete-event simulation of Kubernetes service availability.
//!
//! Glossary: a *scenario* is one YAML file; a *variant* is one point of its sweep; a *run* is
//! one seeded replication of a variant; an *event* is one scheduled state change of the
//! simulated cluster; a pod is *serving* when its process answers and a service endpoint
//! lists it.

/// Internal consistency checks (indexes against full scans, incremental counts against
/// recounts): on in debug builds, and in release builds with `--features oracles` (what the
/// README's test command uses, so tests share the release build's dependencies).
pub(crate) const ORACLES: bool = cfg!(any(debug_assertions, feature = "oracles"));

/// `assert!` when `ORACLES` is on.
macro_rules! oracle_assert {
    ($($arg:tt)*) => {
        if $crate::ORACLES {
            assert!($($arg)*);
        }
    };
}

/// `assert_eq!` when `ORACLES` is on.
macro_rules! oracle_assert_eq {
    ($($arg:tt)*) => {
        if $crate::ORACLES {
            assert_eq!($($arg)*);
        }
    };
}

pub mod dist;
pub mod engine;
pub mod experiment;
pub mod import;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod time;
