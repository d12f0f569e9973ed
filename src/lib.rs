//! kubesim: discrete-event simulation of Kubernetes service availability.
//!
//! Glossary: a *scenario* is one YAML file; a *variant* is one point of its sweep; a *run* is
//! one seeded replication of a variant; an *event* is one scheduled state change of the
//! simulated cluster; a pod is *serving* when its process answers and a service endpoint
//! lists it.

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
