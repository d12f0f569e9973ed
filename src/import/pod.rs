//! The pod template: labels, summed resource requests, probes, preStop sleep, termination
//! grace and hard topology spread; every other scheduling or lifecycle field is a warning.

use super::context::{Ctx, at};
use super::{ImportedProbe, ImportedResources, Origin, Src};
use crate::scenario::error::Errors;
use crate::scenario::reader::Reader;
use crate::scenario::yaml::{Node, Value};
use crate::scenario::{ProbeHandler, Spread};
use std::path::Path;

/// What a pod template gives a workload.
pub struct Pod {
    pub labels: Vec<(String, String)>,
    pub resources: Option<ImportedResources>,
    pub spread: Option<Src<Spread>>,
    pub termination_grace: Option<Src<u64>>,
    pub pre_stop: Option<Src<u64>>,
    pub readiness: Option<ImportedProbe>,
    pub liveness: Option<ImportedProbe>,
    pub startup: Option<ImportedProbe>,
}

/// Pod spec fields with no bearing on availability as kubesim models it.
const SPEC_INERT: &[&str] = &[
    "restartPolicy",
    "dnsPolicy",
    "dnsConfig",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "securityContext",
    "schedulerName",
    "imagePullSecrets",
    "enableServiceLinks",
    "hostname",
    "subdomain",
    "shareProcessNamespace",
];

/// Container fields with no bearing on availability as kubesim models it (volumes are
/// reported once, at the pod's `volumes`).
const CONTAINER_INERT: &[&str] = &[
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "env",
    "envFrom",
    "ports",
    "workingDir",
    "securityContext",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "volumeMounts",
    "stdin",
    "stdinOnce",
    "tty",
];

const PROBES: [(&str, usize); 3] = [
    ("readinessProbe", 0),
    ("livenessProbe", 1),
    ("startupProbe", 2),
];

pub fn read(ctx: &mut Ctx, template: &Node, path: &str) -> Option<Pod> {
    ctx.check_keys(template, path, &["metadata", "spec"], &[]);
    let labels = template
        .get("metadata")
        .map(|m| ctx.labels(m.get("labels"), &at(path, "metadata.labels")))
        .unwrap_or_default();
    let spath = at(path, "spec");
    let spec = ctx.required_map(template, "spec", path, "the pod template")?;
    let spath = format!("{spath}.");
    ctx.check_keys(
        spec,
        &spath,
        &[
            "containers",
            "terminationGracePeriodSeconds",
            "topologySpreadConstraints",
        ],
        SPEC_INERT,
    );
    let grace = ctx.int(
        spec.get("terminationGracePeriodSeconds"),
        &at(&spath, "terminationGracePeriodSeconds"),
        1_000_000_000,
    );
    let spread = spread(ctx, spec, &spath);
    let cpath = at(&spath, "containers");
    let containers = ctx.list(spec.get("containers"), &cpath);
    if containers.is_empty() {
        ctx.error(spec.pos, &spath, "the pod template has no containers");
        return None;
    }
    let mut pod = Pod {
        labels,
        resources: None,
        spread,
        termination_grace: grace,
        pre_stop: None,
        readiness: None,
        liveness: None,
        startup: None,
    };
    for (i, c) in containers.iter().enumerate() {
        container(ctx, c, &format!("{cpath}[{i}]."), &mut pod);
    }
    Some(pod)
}

/// Adds one container to the pod: its requests to the sum, its probes and preStop sleep
/// where no earlier container gave them (kubesim models one container's).
fn container(ctx: &mut Ctx, c: &Node, p: &str, pod: &mut Pod) {
    let Some(c) = ctx.map(Some(c), p.trim_end_matches('.')) else {
        return;
    };
    ctx.check_keys(
        c,
        p,
        &[
            "resources",
            "readinessProbe",
            "livenessProbe",
            "startupProbe",
            "lifecycle",
        ],
        CONTAINER_INERT,
    );
    requests(ctx, c, p, &mut pod.resources);
    for (key, slot) in PROBES {
        let Some(pn) = ctx.map(c.get(key), &at(p, key)) else {
            continue;
        };
        let have = match slot {
            0 => &mut pod.readiness,
            1 => &mut pod.liveness,
            _ => &mut pod.startup,
        };
        if let Some(first) = have {
            let place = ctx.place(first.at);
            ctx.warn(
                pn.pos,
                &at(p, key),
                format!("kubesim models one container's probes: the {key} at {place} is used, this one ignored"),
            );
        } else {
            *have = probe(ctx, pn, &format!("{p}{key}."), slot == 0);
        }
    }
    let stop = lifecycle(ctx, c, p);
    if pod.pre_stop.is_none() {
        pod.pre_stop = stop;
    } else if let Some(s) = stop {
        ctx.warn(
            s.at.into(),
            &at(p, "lifecycle.preStop"),
            "kubesim models one preStop sleep: the first container's is used",
        );
    }
}

/// Adds a container's CPU and memory requests to the pod's sum (limits stand in for absent
/// requests, as the API server defaults them).
fn requests(ctx: &mut Ctx, c: &Node, p: &str, sum: &mut Option<ImportedResources>) {
    let rpath = at(p, "resources");
    let Some(res) = ctx.map(c.get("resources"), &rpath) else {
        return;
    };
    let rpath = format!("{rpath}.");
    ctx.check_keys(res, &rpath, &["requests", "limits"], &[]);
    let requests = ctx.map(res.get("requests"), &at(&rpath, "requests"));
    let limits = ctx.map(res.get("limits"), &at(&rpath, "limits"));
    if limits.is_some() {
        ctx.warn(
            Ctx::key_pos(res, "limits"),
            &at(&rpath, "limits"),
            "limits are not modelled (no CPU throttling or OOM kills); requests are",
        );
    }
    for (node, which) in [(requests, "requests"), (limits, "limits")] {
        if let Some(n) = node {
            let Value::Map(entries) = &n.value else {
                continue;
            };
            for (k, _) in entries {
                let key = k.scalar().unwrap_or_default();
                if key != "cpu" && key != "memory" && which == "requests" {
                    ctx.warn(
                        k.pos,
                        &at(&rpath, &format!("requests.{key}")),
                        format!("the `{key}` request is not modelled (CPU and memory are)"),
                    );
                }
            }
        }
    }
    let mut errors = Errors::new(ctx.files.clone());
    let mut r = Reader::new(&mut errors, Path::new("."));
    let mut add = |key: &str, sum: &mut Option<ImportedResources>| {
        let from_requests = requests.and_then(|n| n.get(key)).filter(|n| !n.is_null());
        let n =
            from_requests.or_else(|| limits.and_then(|n| n.get(key)).filter(|n| !n.is_null()))?;
        let which = if from_requests.is_some() {
            "requests"
        } else {
            "limits"
        };
        let fpath = at(&rpath, &format!("{which}.{key}"));
        let v = if key == "cpu" {
            r.cpu_milli(n, &fpath)?
        } else {
            r.memory_bytes(n, &fpath)?
        };
        let s = sum.get_or_insert(ImportedResources {
            cpu_milli: 0,
            memory_bytes: 0,
            from: Vec::new(),
        });
        if key == "cpu" {
            s.cpu_milli += v;
        } else {
            s.memory_bytes += v;
        }
        s.from.push(n.pos.into());
        Some(())
    };
    add("cpu", sum);
    add("memory", sum);
    if let Err(errs) = errors.into_result(()) {
        ctx.errors.extend(errs.0);
    }
}

fn probe(ctx: &mut Ctx, node: &Node, p: &str, is_readiness: bool) -> Option<ImportedProbe> {
    const FIELDS: [&str; 5] = [
        "periodSeconds",
        "timeoutSeconds",
        "failureThreshold",
        "successThreshold",
        "initialDelaySeconds",
    ];
    const HANDLERS: [(&str, ProbeHandler); 4] = [
        ("httpGet", ProbeHandler::Http),
        ("tcpSocket", ProbeHandler::Tcp),
        ("exec", ProbeHandler::Exec),
        ("grpc", ProbeHandler::Grpc),
    ];
    let mut mapped: Vec<&str> = FIELDS.to_vec();
    mapped.extend(HANDLERS.iter().map(|h| h.0));
    ctx.check_keys(node, p, &mapped, &[]);
    let given: Vec<ProbeHandler> = HANDLERS
        .iter()
        .filter(|(k, _)| node.get(k).is_some())
        .map(|(_, h)| *h)
        .collect();
    let [handler] = given[..] else {
        ctx.error(
            node.pos,
            p,
            "a probe has exactly one handler: httpGet, tcpSocket, exec or grpc",
        );
        return None;
    };
    // 0 is "unset": the API server defaults period, timeout and thresholds that are 0.
    let [period, timeout, failure, success, initial] =
        FIELDS.map(|f| ctx.int(node.get(f), &at(p, f), 1_000_000));
    let [period, timeout, failure, success] =
        [period, timeout, failure, success].map(|v| v.filter(|v| v.value > 0));
    if let Some(s) = success.as_ref().filter(|s| s.value != 1 && !is_readiness) {
        ctx.error(
            s.at.into(),
            &at(p, "successThreshold"),
            "must be 1 for liveness and startup probes (Kubernetes rejects it)",
        );
    }
    let period_s = period.as_ref().map_or(10, |p| p.value);
    // The default timeout (1 s) counts too: `periodSeconds: 1` alone needs the clamp.
    let mut timeout_ms = timeout.map(|t| Src {
        value: t.value * 1000,
        at: t.at,
    });
    let given = timeout_ms.as_ref().map_or(1000, |t| t.value);
    if given >= period_s * 1000 {
        let at_ = timeout_ms
            .as_ref()
            .map_or_else(|| Origin::from(node.pos), |t| t.at);
        ctx.warn(
            at_.into(),
            &at(p, "timeoutSeconds"),
            format!(
                "kubesim needs a timeout shorter than the period ({period_s}s): clamped to {}ms",
                period_s * 1000 - 1
            ),
        );
        timeout_ms = Some(Src {
            value: period_s * 1000 - 1,
            at: at_,
        });
    }
    Some(ImportedProbe {
        at: node.pos.into(),
        handler,
        period,
        timeout_ms,
        failure_threshold: failure,
        success_threshold: success,
        initial_delay: initial,
    })
}

/// The preStop sleep in milliseconds: `sleep: {seconds: N}` or an exec of `sleep N`
/// (directly or through `sh -c`). Any other hook is a warning.
fn lifecycle(ctx: &mut Ctx, c: &Node, p: &str) -> Option<Src<u64>> {
    let lpath = at(p, "lifecycle");
    let l = ctx.map(c.get("lifecycle"), &lpath)?;
    let lpath = format!("{lpath}.");
    ctx.check_keys(l, &lpath, &["preStop"], &[]);
    let spath = at(&lpath, "preStop");
    let stop = ctx.map(l.get("preStop"), &spath)?;
    let spath = format!("{spath}.");
    if let Some(s) = ctx.map(stop.get("sleep"), &at(&spath, "sleep")) {
        let secs = ctx.int(s.get("seconds"), &at(&spath, "sleep.seconds"), 1_000_000)?;
        return Some(Src {
            value: secs.value * 1000,
            at: secs.at,
        });
    }
    let command = stop.get("exec").and_then(|e| e.get("command"));
    let words: Vec<&str> = match command.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar).collect(),
        _ => Vec::new(),
    };
    let script = match words[..] {
        [sh, "-c", script] if sh.ends_with("sh") => script.trim(),
        _ => "",
    };
    let argv: Vec<&str> = if script.is_empty() {
        words.clone()
    } else {
        script.split_whitespace().collect()
    };
    let ms = match argv[..] {
        [cmd, n] if cmd == "sleep" || cmd.ends_with("/sleep") => sleep_ms(n),
        _ => None,
    };
    match (ms, command) {
        (Some(ms), Some(n)) => Some(Src {
            value: ms,
            at: Origin::from(n.pos),
        }),
        _ => {
            ctx.warn(
                Ctx::key_pos(l, "preStop"),
                &at(&lpath, "preStop"),
                "only a preStop sleep (`sleep: {seconds: N}` or exec `sleep N`) is modelled: this hook is ignored",
            );
            None
        }
    }
}

/// `5`, `5s` or `0.5` as `sleep` reads them, in milliseconds.
fn sleep_ms(text: &str) -> Option<u64> {
    let t = text.strip_suffix('s').unwrap_or(text);
    let secs: f64 = t.parse().ok()?;
    (secs.is_finite() && (0.0..=1e6).contains(&secs)).then(|| (secs * 1000.0).round() as u64)
}

/// `topologySpreadConstraints` with `DoNotSchedule` over zones or nodes (kubesim's hard
/// spread, maxSkew 1). Zones win when both are given: kubesim spreads over one key.
fn spread(ctx: &mut Ctx, spec: &Node, p: &str) -> Option<Src<Spread>> {
    let tpath = at(p, "topologySpreadConstraints");
    let mut found: Option<Src<Spread>> = None;
    for (i, c) in ctx
        .list(spec.get("topologySpreadConstraints"), &tpath)
        .iter()
        .enumerate()
    {
        let cp = format!("{tpath}[{i}].");
        let Some(kind) = constraint(ctx, c, &cp) else {
            continue;
        };
        match &found {
            Some(f) if f.value == Spread::Zones || kind == Spread::Nodes => ctx.warn(
                c.pos,
                &cp,
                "kubesim spreads over one topology key: this constraint is ignored",
            ),
            Some(f) => {
                let place = ctx.place(c.pos.into());
                ctx.warn(
                    f.at.into(),
                    &tpath,
                    format!("kubesim spreads over one topology key: the zone spread at {place} wins, this node spread is ignored"),
                );
                found = Some(Src {
                    value: kind,
                    at: c.pos.into(),
                });
            }
            None => {
                found = Some(Src {
                    value: kind,
                    at: c.pos.into(),
                })
            }
        }
    }
    found
}

/// One hard constraint as kubesim's spread, or a warning (soft, another key).
fn constraint(ctx: &mut Ctx, c: &Node, cp: &str) -> Option<Spread> {
    ctx.check_keys(
        c,
        cp,
        &["topologyKey", "whenUnsatisfiable", "maxSkew"],
        &["labelSelector", "matchLabelKeys"],
    );
    let key = c
        .get("topologyKey")
        .and_then(Node::scalar)
        .unwrap_or_default();
    let when = c
        .get("whenUnsatisfiable")
        .and_then(Node::scalar)
        .unwrap_or("DoNotSchedule");
    if when != "DoNotSchedule" {
        ctx.warn(
            c.pos,
            cp,
            format!("`whenUnsatisfiable: {when}` (soft spread) is not modelled: ignored"),
        );
        return None;
    }
    let kind = match key {
        "topology.kubernetes.io/zone" | "failure-domain.beta.kubernetes.io/zone" => Spread::Zones,
        "kubernetes.io/hostname" => Spread::Nodes,
        _ => {
            ctx.warn(
                c.pos,
                &at(cp, "topologyKey"),
                format!("spread over `{key}` is not modelled (zones and nodes are): ignored"),
            );
            return None;
        }
    };
    if let Some(s) = c.get("maxSkew").and_then(Node::scalar)
        && s != "1"
    {
        ctx.warn(
            c.get("maxSkew").expect("read").pos,
            &at(cp, "maxSkew"),
            format!("kubesim spreads with maxSkew 1; `{s}` is treated as 1"),
        );
    }
    Some(kind)
}
