//! `kubesim import`: Kubernetes manifests (Deployment, StatefulSet, Service, HPA, PDB) to a
//! scenario. Reads files and directories of multi-document YAML and `kind: List`, maps what
//! kubesim models, and reports everything else as a located warning (never dropped silently).
//!
//! The mapped values stay typed (`Imported`) with the manifest position each came from, so
//! that `render` can write a commented scenario and `kubesim run --manifests` can use the same
//! values.

mod context;
mod files;
mod hpa;
mod pod;
mod policy;
pub mod render;
mod workload;

use crate::scenario::{FieldError, Pdb, ProbeHandler, Spread, WorkloadKind, yaml};
pub use context::Ctx;
use std::path::PathBuf;

/// Where a value was written: index into `Imported::files`, line and column (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: u16,
    pub line: u32,
    pub col: u32,
}

impl From<yaml::Pos> for Origin {
    fn from(p: yaml::Pos) -> Self {
        Origin {
            file: p.source,
            line: p.line,
            col: p.col,
        }
    }
}

/// A mapped value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Src<T> {
    pub value: T,
    pub at: Origin,
}

/// A Deployment's `maxSurge`/`maxUnavailable` as written: a count or a whole percentage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPct {
    Int(u32),
    Percent(u32),
}

/// A probe as the kubelet runs it; fields absent in the manifest stay `None` (the scenario's
/// defaults are the Kubernetes defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedProbe {
    pub at: Origin,
    pub handler: ProbeHandler,
    /// Seconds.
    pub period: Option<Src<u64>>,
    /// Milliseconds: kubesim needs timeout < period, which Kubernetes does not (clamped).
    pub timeout_ms: Option<Src<u64>>,
    pub failure_threshold: Option<Src<u64>>,
    pub success_threshold: Option<Src<u64>>,
    pub initial_delay: Option<Src<u64>>,
}

/// Requests summed over the pod's containers (what the scheduler fits on a node).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedResources {
    pub cpu_milli: u64,
    pub memory_bytes: u64,
    /// Where each summed request was written.
    pub from: Vec<Origin>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportedRollout {
    pub max_surge: Option<Src<IntOrPct>>,
    pub max_unavailable: Option<Src<IntOrPct>>,
    /// Seconds.
    pub min_ready: Option<Src<u64>>,
    pub progress_deadline: Option<Src<u64>>,
    pub partition: Option<Src<u64>>,
}

/// An HPA metric kubesim models.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportedMetric {
    /// Target in percent of the CPU request.
    CpuUtilization(u32),
    /// Target requests per second per pod.
    RequestsPerPod(f64),
}

/// A scaling policy: `Pods` or `Percent` amount per `period` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportedPolicy {
    Pods { value: u32, period: u64 },
    Percent { value: u32, period: u64 },
}

/// One direction of `behavior`; absent fields take the Kubernetes defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedRules {
    pub at: Origin,
    pub stabilization: Option<Src<u64>>,
    /// `max`, `min` or `disabled`.
    pub select: Option<Src<&'static str>>,
    pub policies: Option<Vec<Src<ImportedPolicy>>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportedHpa {
    pub at: Origin,
    pub name: String,
    pub min: Option<Src<u64>>,
    pub max: Src<u64>,
    /// Empty metrics in the manifest: the API default, 80 % CPU (marked by `default_metric`).
    pub metrics: Vec<Src<ImportedMetric>>,
    pub default_metric: bool,
    pub scale_up: Option<ImportedRules>,
    pub scale_down: Option<ImportedRules>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportedWorkload {
    pub name: Src<String>,
    pub kind: WorkloadKind,
    pub namespace: Option<String>,
    /// The pod template's labels (Services, HPAs and PDBs select on them).
    pub labels: Vec<(String, String)>,
    pub replicas: Option<Src<u64>>,
    pub resources: Option<ImportedResources>,
    pub spread: Option<Src<Spread>>,
    /// Seconds.
    pub termination_grace: Option<Src<u64>>,
    /// Milliseconds of preStop sleep.
    pub pre_stop: Option<Src<u64>>,
    pub readiness: Option<ImportedProbe>,
    pub liveness: Option<ImportedProbe>,
    pub startup: Option<ImportedProbe>,
    pub rollout: ImportedRollout,
    pub pdb: Option<Src<Pdb>>,
    pub hpa: Option<ImportedHpa>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportedService {
    pub name: Src<String>,
    /// Index into `Imported::workloads`.
    pub workload: usize,
    /// `sessionAffinity: ClientIP`, with its timeout in seconds when given.
    pub client_ip: Option<Src<Option<u64>>>,
}

/// Everything read from the manifests.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// Manifest files as shown to the user, indexed by `Origin::file`.
    pub files: Vec<String>,
    pub workloads: Vec<ImportedWorkload>,
    pub services: Vec<ImportedService>,
    /// Unmodelled fields and unmatched selectors, in file order.
    pub warnings: Vec<FieldError>,
    /// One line per skipped object of another kind.
    pub notes: Vec<String>,
}

impl Imported {
    /// `file:line` of an origin, for comments.
    pub fn place(&self, at: Origin) -> String {
        let file = self.files.get(at.file as usize).map_or("", String::as_str);
        format!("{file}:{}", at.line)
    }
}

/// Why nothing could be imported: every located error (unreadable file, YAML syntax, a value
/// Kubernetes itself would reject).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(String),
    #[error("{}", render_errors(.0))]
    Invalid(Vec<FieldError>),
}

fn render_errors(errors: &[FieldError]) -> String {
    let n = errors.len();
    let mut out = format!("{n} error{} in manifests:", if n == 1 { "" } else { "s" });
    for e in errors {
        out.push_str(&format!("\n  {e}"));
    }
    out
}

/// Reads every manifest under `paths` (files, or directories searched recursively for
/// `*.yaml`/`*.yml` in sorted order; `-` is standard input) and maps them.
pub fn import(paths: &[PathBuf]) -> Result<Imported, ImportError> {
    let sources = files::collect(paths)?;
    let mut ctx = Ctx::new(sources.iter().map(|s| s.name.clone()).collect());
    let mut docs = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match yaml::parse_stream(&s.text, i as u16) {
            Ok(d) => docs.extend(d),
            Err(e) => ctx.error(e.pos, "", e.message),
        }
    }
    let mut objects = Vec::new();
    for doc in &docs {
        files::objects(&mut ctx, doc, String::new(), &mut objects);
    }
    let mut workloads: Vec<ImportedWorkload> = Vec::new();
    let mut rest = Vec::new();
    for (node, path, kind) in objects {
        match kind.as_str() {
            "Deployment" | "StatefulSet" => {
                if let Some(w) = workload::read(&mut ctx, node, &path, &kind) {
                    if let Some(prev) = workloads.iter().find(|p| p.name.value == w.name.value) {
                        let place = ctx.place(prev.name.at);
                        ctx.error(
                            w.name.at.into(),
                            &format!("{path}metadata.name"),
                            format!(
                                "`{}` is also the name of the workload at {place}: kubesim names must be unique",
                                w.name.value
                            ),
                        );
                    } else {
                        workloads.push(w);
                    }
                }
            }
            "Service" | "HorizontalPodAutoscaler" | "PodDisruptionBudget" => {
                rest.push((node, path, kind))
            }
            _ => ctx.skip(node, &kind),
        }
    }
    let mut services = Vec::new();
    for (node, path, kind) in rest {
        match kind.as_str() {
            "Service" => {
                let s = policy::service(&mut ctx, node, &path, &workloads, &services);
                services.extend(s);
            }
            "HorizontalPodAutoscaler" => hpa::read(&mut ctx, node, &path, &mut workloads),
            _ => policy::pdb(&mut ctx, node, &path, &mut workloads),
        }
    }
    if workloads.is_empty() && ctx.errors.is_empty() {
        ctx.errors.push(FieldError {
            file: ctx.files.join(", "),
            line: 0,
            col: 0,
            path: String::new(),
            message: "no Deployment or StatefulSet found: a scenario needs at least one workload"
                .into(),
        });
    }
    ctx.finish(workloads, services)
}

impl From<Origin> for yaml::Pos {
    fn from(o: Origin) -> Self {
        yaml::Pos {
            source: o.file,
            line: o.line,
            col: o.col,
        }
    }
}

/// Checks a `--rate` value (`200/s`) as the scenario reader will read it.
pub fn check_rate(text: &str) -> Result<(), String> {
    let mut errors = crate::scenario::error::Errors::new(vec!["--rate".into()]);
    let mut r = crate::scenario::reader::Reader::new(&mut errors, std::path::Path::new("."));
    let node = yaml::Node {
        value: yaml::Value::Scalar {
            text: text.to_string(),
            quoted: false,
        },
        pos: yaml::Pos::default(),
    };
    let ok = r.rate(&node, "").is_some_and(|x| x > 0.0);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--rate expects a positive rate like `200/s` or `12000/m`, found `{text}`"
        ))
    }
}
