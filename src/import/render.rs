//! Writing imported manifests as a commented scenario: each value's comment names the manifest
//! line it came from; nodes and traffic, which manifests do not say, are defaults or templates.

use super::{
    Imported, ImportedHpa, ImportedMetric, ImportedPolicy, ImportedProbe, ImportedRules,
    ImportedWorkload, IntOrPct, Origin, Src,
};
use crate::scenario::{Pdb, PdbValue, ProbeHandler, Spread, WorkloadKind};
use std::fmt::Write;

/// What the command line prefills.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--nodes`: the pool's node count (default: enough for the workloads).
    pub nodes: Option<u32>,
    /// `--rate`: one Poisson source per service at this rate (as written, e.g. `200/s`).
    pub rate: Option<String>,
}

/// Default node shape: a common 4-CPU, 16 GiB worker.
const NODE_CPU_MILLI: u64 = 4000;
const NODE_MEMORY: u64 = 16 << 30;
const NODE_PODS: u64 = 110;

/// Lines with comments aligned at one column.
struct Out {
    text: String,
}

impl Out {
    fn line(&mut self, indent: usize, body: &str, comment: Option<String>) {
        let mut l = format!("{}{body}", " ".repeat(indent));
        if let Some(c) = comment {
            let pad = 44usize.saturating_sub(l.chars().count()).max(2);
            l.push_str(&" ".repeat(pad));
            l.push_str("# ");
            l.push_str(&c);
        }
        self.text.push_str(l.trim_end());
        self.text.push('\n');
    }

    fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }
}

fn secs(s: u64) -> String {
    format!("{s}s")
}

fn millis(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        secs(ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

pub fn cpu(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

pub fn memory(bytes: u64) -> String {
    for (shift, unit) in [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] {
        if bytes > 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

fn int_or_pct(v: IntOrPct) -> String {
    match v {
        IntOrPct::Int(n) => n.to_string(),
        IntOrPct::Percent(p) => format!("{p}%"),
    }
}

/// The whole scenario file `kubesim import` writes.
pub fn scenario(im: &Imported, opts: &Options) -> String {
    let mut o = Out {
        text: String::new(),
    };
    o.raw("# kubesim scenario imported from Kubernetes manifests by `kubesim import`:\n");
    for f in &im.files {
        o.raw(&format!("#   {f}\n"));
    }
    o.raw(
        "# Comments name the manifest line each value came from; fields left out take the\n\
         # Kubernetes defaults. Manifests say nothing about nodes, load or failures: review\n\
         # `nodes`, fill in `traffic`, and add node `failures` or `faults` for your question.\n\
         # Editors complete and check this file from `kubesim schema -o kubesim.schema.json`\n\
         # named in a yaml-language-server modeline on line 1 (see docs/scenario.md).\n\
         horizon: 7d\nruns: 10\nseed: 1\n\n",
    );
    nodes(&mut o, im, opts);
    o.raw("\n");
    body(&mut o, im);
    o.raw("\n");
    traffic(&mut o, im, opts);
    o.raw(
        "\n# faults:                                    # scripted faults, e.g.\n\
         #   - {at: 2h, kill_node: workers-0}\n\
         #   - {at: 3h, zone_outage: a, for: 30m}\n\
         #   - {at: 4h, rollout: <workload>}\n",
    );
    o.text
}

/// Only `workloads:` and `services:`, for `kubesim run --manifests`.
pub fn fragment(im: &Imported) -> String {
    let mut o = Out {
        text: String::new(),
    };
    body(&mut o, im);
    o.text
}

fn body(o: &mut Out, im: &Imported) {
    o.raw("workloads:\n");
    for w in &im.workloads {
        workload(o, im, w);
    }
    if !im.services.is_empty() {
        o.raw("\nservices:\n");
    }
    for s in &im.services {
        let w = &im.workloads[s.workload];
        o.line(
            2,
            &format!("- name: {}", s.name.value),
            Some(format!("Service, from {}", im.place(s.name.at))),
        );
        o.line(
            4,
            &format!("workload: {}", w.name.value),
            Some("its selector matches this workload's pod labels".into()),
        );
        o.line(
            4,
            "balancer: random",
            Some("kube-proxy iptables/nftables; IPVS: round_robin".into()),
        );
        if let Some(a) = &s.client_ip {
            let t = a
                .value
                .map_or(String::new(), |t| format!(": {{timeout: {}}}", secs(t)));
            let body = if t.is_empty() {
                "session_affinity: {client_ip: {timeout: 10800s}}".to_string()
            } else {
                format!("session_affinity: {{client_ip{t}}}")
            };
            o.line(
                4,
                &body,
                Some(format!(
                    "sessionAffinity: ClientIP, from {}",
                    im.place(a.at)
                )),
            );
        }
    }
}

fn from(im: &Imported, at: Origin) -> Option<String> {
    Some(format!("from {}", im.place(at)))
}

fn opt_line<T>(
    o: &mut Out,
    im: &Imported,
    indent: usize,
    key: &str,
    v: &Option<Src<T>>,
    show: impl Fn(&T) -> String,
) {
    if let Some(s) = v {
        o.line(
            indent,
            &format!("{key}: {}", show(&s.value)),
            from(im, s.at),
        );
    }
}

fn workload(o: &mut Out, im: &Imported, w: &ImportedWorkload) {
    let kind = match w.kind {
        WorkloadKind::Deployment => "Deployment",
        WorkloadKind::StatefulSet => "StatefulSet",
    };
    o.line(
        2,
        &format!("- name: {}", w.name.value),
        Some(format!("{kind}, from {}", im.place(w.name.at))),
    );
    o.line(4, &format!("kind: {kind}"), None);
    match &w.replicas {
        Some(r) => o.line(4, &format!("replicas: {}", r.value), from(im, r.at)),
        // An HPA-managed Deployment usually leaves replicas out: the HPA keeps it at least
        // at minReplicas, so that is where it starts.
        None => match &w.hpa {
            Some(h) => {
                let min = h.min.as_ref().map_or(1, |m| m.value);
                let why = "not set: the HPA's minReplicas";
                o.line(4, &format!("replicas: {min}"), Some(why.into()))
            }
            None => o.line(
                4,
                "replicas: 1",
                Some("not set: the Kubernetes default".into()),
            ),
        },
    }
    if let Some(r) = &w.resources {
        let places: Vec<String> = r.from.iter().map(|&a| im.place(a)).collect();
        o.line(
            4,
            &format!(
                "resources: {{cpu: {}, memory: {}}}",
                cpu(r.cpu_milli),
                memory(r.memory_bytes)
            ),
            Some(format!(
                "requests summed over containers, from {}",
                places.join(", ")
            )),
        );
    }
    opt_line(o, im, 4, "spread", &w.spread, |s| match s {
        Spread::Zones => "zones".into(),
        Spread::Nodes => "nodes".into(),
        Spread::None => "none".into(),
    });
    opt_line(o, im, 4, "termination_grace", &w.termination_grace, |s| {
        secs(*s)
    });
    opt_line(o, im, 4, "pre_stop", &w.pre_stop, |ms| millis(*ms));
    if w.readiness.is_some() || w.liveness.is_some() || w.startup.is_some() {
        o.line(4, "probes:", None);
        for (key, p) in [
            ("readiness", &w.readiness),
            ("liveness", &w.liveness),
            ("startup", &w.startup),
        ] {
            if let Some(p) = p {
                probe(o, im, key, p);
            }
        }
    }
    rollout(o, im, w);
    if let Some(p) = &w.pdb {
        let v = |v: PdbValue| match v {
            PdbValue::Count(n) => n.to_string(),
            PdbValue::Percent(p) => format!("{p}%"),
        };
        let body = match p.value {
            Pdb::MinAvailable(x) => format!("pdb: {{min_available: {}}}", v(x)),
            Pdb::MaxUnavailable(x) => format!("pdb: {{max_unavailable: {}}}", v(x)),
        };
        o.line(
            4,
            &body,
            Some(format!("PodDisruptionBudget, from {}", im.place(p.at))),
        );
    }
    if let Some(h) = &w.hpa {
        hpa(o, im, h);
    }
}

fn probe(o: &mut Out, im: &Imported, key: &str, p: &ImportedProbe) {
    let (handler, k8s) = match p.handler {
        ProbeHandler::Http => ("http", "httpGet"),
        ProbeHandler::Tcp => ("tcp", "tcpSocket"),
        ProbeHandler::Exec => ("exec", "exec"),
        ProbeHandler::Grpc => ("grpc", "grpc"),
    };
    o.line(
        6,
        &format!("{key}:"),
        Some(format!("{key}Probe, from {}", im.place(p.at))),
    );
    o.line(8, &format!("handler: {handler}"), Some(k8s.into()));
    opt_line(o, im, 8, "period", &p.period, |s| secs(*s));
    opt_line(o, im, 8, "timeout", &p.timeout_ms, |ms| millis(*ms));
    opt_line(
        o,
        im,
        8,
        "failure_threshold",
        &p.failure_threshold,
        u64::to_string,
    );
    opt_line(
        o,
        im,
        8,
        "success_threshold",
        &p.success_threshold,
        u64::to_string,
    );
    opt_line(o, im, 8, "initial_delay", &p.initial_delay, |s| secs(*s));
}

fn rollout(o: &mut Out, im: &Imported, w: &ImportedWorkload) {
    let r = &w.rollout;
    let any = r.max_surge.is_some()
        || r.max_unavailable.is_some()
        || r.min_ready.is_some()
        || r.progress_deadline.is_some()
        || r.partition.is_some();
    if !any {
        return;
    }
    o.line(4, "rollout:", None);
    opt_line(o, im, 6, "max_surge", &r.max_surge, |v| int_or_pct(*v));
    opt_line(o, im, 6, "max_unavailable", &r.max_unavailable, |v| {
        int_or_pct(*v)
    });
    opt_line(o, im, 6, "min_ready", &r.min_ready, |s| secs(*s));
    opt_line(o, im, 6, "progress_deadline", &r.progress_deadline, |s| {
        secs(*s)
    });
    opt_line(o, im, 6, "partition", &r.partition, u64::to_string);
}

fn hpa(o: &mut Out, im: &Imported, h: &ImportedHpa) {
    o.line(4, "autoscaling:", None);
    o.line(
        6,
        "hpa:",
        Some(format!(
            "HorizontalPodAutoscaler {}, from {}",
            h.name,
            im.place(h.at)
        )),
    );
    opt_line(o, im, 8, "min", &h.min, u64::to_string);
    o.line(8, &format!("max: {}", h.max.value), from(im, h.max.at));
    o.line(8, "metrics:", None);
    for m in &h.metrics {
        let body = match m.value {
            ImportedMetric::CpuUtilization(p) => format!("- {{cpu_utilization: {p}%}}"),
            ImportedMetric::RequestsPerPod(r) => format!("- {{requests_per_pod: {r}/s}}"),
        };
        let comment = if h.default_metric {
            "no metrics: the autoscaling/v2 default".to_string()
        } else {
            format!("from {}", im.place(m.at))
        };
        o.line(10, &body, Some(comment));
    }
    if h.scale_up.is_some() || h.scale_down.is_some() {
        o.line(8, "behavior:", None);
        for (key, r) in [("scale_up", &h.scale_up), ("scale_down", &h.scale_down)] {
            if let Some(r) = r {
                rules(o, im, key, r);
            }
        }
    }
}

fn rules(o: &mut Out, im: &Imported, key: &str, r: &ImportedRules) {
    o.line(10, &format!("{key}:"), from(im, r.at));
    opt_line(o, im, 12, "stabilization", &r.stabilization, |s| secs(*s));
    opt_line(o, im, 12, "select", &r.select, |s| s.to_string());
    if let Some(ps) = &r.policies {
        o.line(12, "policies:", None);
        for p in ps {
            let body = match p.value {
                ImportedPolicy::Pods { value, period } => {
                    format!("- {{pods: {value}, period: {}}}", secs(period))
                }
                ImportedPolicy::Percent { value, period } => {
                    format!("- {{percent: {value}, period: {}}}", secs(period))
                }
            };
            o.line(14, &body, from(im, p.at));
        }
    }
}

/// Nodes enough for every workload at its largest size (HPA max), with room to spare,
/// 3 zones when a workload spreads over zones.
pub fn default_nodes(im: &Imported) -> (u32, bool) {
    let zones = im
        .workloads
        .iter()
        .any(|w| w.spread.as_ref().is_some_and(|s| s.value == Spread::Zones));
    let size = |w: &ImportedWorkload| {
        let r = w.replicas.as_ref().map_or(1, |r| r.value);
        w.hpa.as_ref().map_or(r, |h| r.max(h.max.value))
    };
    let (mut cpu, mut mem, mut pods, mut spread_nodes, mut many) = (0u64, 0u64, 0u64, 0u64, false);
    for w in &im.workloads {
        let n = size(w);
        pods += n;
        many |= n > 1;
        if let Some(r) = &w.resources {
            cpu = cpu.saturating_add(n.saturating_mul(r.cpu_milli));
            mem = mem.saturating_add(n.saturating_mul(r.memory_bytes));
        }
        if w.spread.as_ref().is_some_and(|s| s.value == Spread::Nodes) {
            spread_nodes = spread_nodes.max(n);
        }
    }
    // 80 % of allocatable at most, as a cluster usually runs.
    let need = [
        (cpu.saturating_mul(5) / 4).div_ceil(NODE_CPU_MILLI),
        (mem.saturating_mul(5) / 4).div_ceil(NODE_MEMORY),
        pods.div_ceil(NODE_PODS),
        spread_nodes,
        if many || zones { 3 } else { 1 },
    ];
    let mut n = need.into_iter().max().unwrap_or(1).max(1);
    if zones {
        n = n.div_ceil(3) * 3;
    }
    (n.min(u32::MAX as u64) as u32, zones)
}

fn nodes(o: &mut Out, im: &Imported, opts: &Options) {
    let (count, zones) = default_nodes(im);
    o.raw("nodes:\n");
    o.line(
        2,
        "- pool: workers",
        Some("not in the manifests: review".into()),
    );
    match opts.nodes {
        Some(n) => o.line(4, &format!("count: {n}"), Some("--nodes".into())),
        None => o.line(
            4,
            &format!("count: {count}"),
            Some("enough for every workload at its HPA max".into()),
        ),
    }
    if zones {
        o.line(
            4,
            "zones: [a, b, c]",
            Some("a workload spreads over zones".into()),
        );
    }
    let cap = format!(
        "capacity: {{cpu: {}, memory: {}, pods: {NODE_PODS}}}",
        cpu(NODE_CPU_MILLI),
        memory(NODE_MEMORY)
    );
    o.line(4, &cap, None);
    o.raw(
        "    # failures:                                # independent node failures, e.g.\n\
         #   time_to_failure: {exponential: 60d}\n\
         #   time_to_repair: {lognormal: {median: 2h, sigma: 0.8}}\n"
            .replace("\n#", "\n    #")
            .as_str(),
    );
}

fn traffic(o: &mut Out, im: &Imported, opts: &Options) {
    match &opts.rate {
        Some(rate) if !im.services.is_empty() => {
            o.raw("traffic:\n");
            for s in &im.services {
                o.line(2, &format!("- service: {}", s.name.value), None);
                o.line(
                    4,
                    &format!("arrivals: {{poisson: {rate}}}"),
                    Some("--rate".into()),
                );
            }
        }
        _ => {
            let mut t = String::from(
                "# traffic:                                  # the load: fill in (or import with --rate 200/s)\n",
            );
            for s in &im.services {
                let _ = writeln!(t, "#   - service: {}", s.name.value);
                t.push_str("#     arrivals: {poisson: 200/s}\n#     timeout: 2s\n");
            }
            o.raw(&t);
        }
    }
}
