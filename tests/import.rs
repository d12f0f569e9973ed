//! `kubesim import` and `kubesim run --manifests` on the realistic manifests in
//! tests/manifests/: every mapped field, the warnings for what is not modelled (located), bad
//! input, and the round trip (import → run equals the hand-written scenario).

use kubesim::import::{Origin, import, render};
use kubesim::scenario::autoscaling::{HpaMetric, PolicyAmount, ScalingPolicy, SelectPolicy};
use kubesim::scenario::{
    IntOrPercent, Pdb, PdbValue, ProbeHandler, Scenario, Spread, WorkloadKind,
};
use kubesim::time::SimDuration;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap()
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubesim-import-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

/// The manifests imported and the written scenario loaded back.
fn imported() -> Scenario {
    let im = import(&[PathBuf::from(ROOT).join("tests/manifests")]).unwrap();
    let text = render::scenario(&im, &render::Options::default());
    Scenario::from_text(&text, Path::new("imported.yaml"), &[]).unwrap()
}

#[test]
fn every_mapped_field_reaches_the_scenario() {
    let sc = imported();
    let names: Vec<&str> = sc.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["db", "web"], "files in sorted order");

    let web = &sc.workloads[1];
    assert_eq!(web.kind, WorkloadKind::Deployment);
    assert_eq!(web.replicas, 3);
    // Requests of both containers: 500m + 100m, 256Mi + 64Mi (what the scheduler fits).
    assert_eq!(web.resources.cpu_milli, 600);
    assert_eq!(web.resources.memory_bytes, 320 << 20);
    assert_eq!(web.spread, Spread::Zones, "DoNotSchedule over zones");
    assert_eq!(web.termination_grace, secs(45));
    assert_eq!(web.pre_stop, secs(5), "exec /bin/sh -c 'sleep 5'");
    let r = web.probes.readiness.unwrap();
    assert_eq!(r.handler, ProbeHandler::Http);
    assert_eq!(
        (
            r.period,
            r.timeout,
            r.failure_threshold,
            r.success_threshold,
            r.initial_delay
        ),
        (secs(5), secs(2), 2, 2, secs(3))
    );
    let l = web.probes.liveness.unwrap();
    assert_eq!(l.handler, ProbeHandler::Tcp);
    assert_eq!(
        (l.period, l.timeout, l.failure_threshold),
        (secs(20), secs(3), 4)
    );
    let s = web.probes.startup.unwrap();
    assert_eq!(s.handler, ProbeHandler::Exec);
    assert_eq!(
        (s.period, s.timeout, s.failure_threshold),
        (secs(2), secs(1), 60)
    );
    assert_eq!(web.rollout.max_surge, IntOrPercent::Int(1));
    assert_eq!(web.rollout.max_unavailable, IntOrPercent::Int(0));
    assert_eq!(web.rollout.min_ready, secs(10));
    assert_eq!(web.rollout.progress_deadline, secs(300));
    assert_eq!(web.pdb, Some(Pdb::MinAvailable(PdbValue::Count(2))));
    let hpa = &web.autoscaling.as_ref().unwrap().hpa;
    assert_eq!((hpa.min, hpa.max), (3, 12));
    assert_eq!(
        hpa.metrics,
        [
            HpaMetric::CpuUtilization(0.6),
            HpaMetric::RequestsPerPod(50.0)
        ],
        "the memory metric is a warning"
    );
    let up = &hpa.behavior.scale_up;
    assert_eq!((up.stabilization, up.select), (secs(0), SelectPolicy::Max));
    assert_eq!(
        up.policies,
        [
            ScalingPolicy {
                amount: PolicyAmount::Pods(4),
                period: secs(15)
            },
            ScalingPolicy {
                amount: PolicyAmount::Percent(100),
                period: secs(15)
            }
        ]
    );
    let down = &hpa.behavior.scale_down;
    assert_eq!(
        (down.stabilization, down.select),
        (secs(120), SelectPolicy::Min)
    );
    assert_eq!(
        down.policies,
        [ScalingPolicy {
            amount: PolicyAmount::Percent(50),
            period: secs(60)
        }]
    );

    let db = &sc.workloads[0];
    assert_eq!(db.kind, WorkloadKind::StatefulSet, "from a kind: List");
    assert_eq!(db.replicas, 3);
    assert_eq!(
        (db.resources.cpu_milli, db.resources.memory_bytes),
        (1000, 2 << 30)
    );
    assert_eq!(db.spread, Spread::Nodes);
    assert_eq!(db.termination_grace, secs(60));
    assert_eq!(db.pre_stop, secs(10), "preStop sleep: {{seconds: 10}}");
    let r = db.probes.readiness.unwrap();
    assert_eq!(
        (r.handler, r.period, r.timeout),
        (ProbeHandler::Exec, secs(10), secs(5))
    );
    let l = db.probes.liveness.unwrap();
    assert_eq!(
        (l.handler, l.period, l.failure_threshold),
        (ProbeHandler::Grpc, secs(15), 5)
    );
    assert!(db.probes.startup.is_none());
    assert_eq!(db.rollout.partition, 1);
    assert_eq!(db.pdb, Some(Pdb::MaxUnavailable(PdbValue::Percent(34))));
    assert!(db.autoscaling.is_none());

    let svc: Vec<(&str, usize, Option<SimDuration>)> = sc
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.workload, s.session_affinity))
        .collect();
    assert_eq!(svc, [("db", 0, None), ("web", 1, Some(secs(600)))]);

    // Default pool: 3 zones (web spreads over zones), enough nodes for web at its HPA max
    // (12 × 600m) and db (3 × 1 CPU) with 20 % headroom: ceil(10.2 × 1.25 / 4) = 4 → 6.
    assert_eq!(sc.zones(), ["a", "b", "c"]);
    assert_eq!(sc.nodes.len(), 6);
    assert!(sc.traffic.is_empty(), "traffic is left to the user");
}

#[test]
fn values_remember_their_manifest_line() {
    let im = import(&[PathBuf::from("tests/manifests")]).unwrap();
    let web = &im.workloads[1];
    assert_eq!(
        im.files[web.name.at.file as usize],
        "tests/manifests/web/deployment.yaml"
    );
    assert_eq!(
        web.replicas.as_ref().unwrap().at,
        Origin {
            file: 1,
            line: 10,
            col: 13
        }
    );
    let text = render::scenario(&im, &render::Options::default());
    assert!(
        text.contains("replicas: 3                             # from tests/manifests/web/deployment.yaml:10\n"),
        "{text}"
    );
    assert!(
        text.contains("# traffic:"),
        "commented template without --rate"
    );
}

#[test]
fn what_is_not_modelled_is_a_located_warning() {
    let out = kubesim(&["import", "tests/manifests"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "warning: tests/manifests/db.yaml:58:11: items[0].spec.template.spec.volumes: not modelled by kubesim: ignored",
            "warning: tests/manifests/web/deployment.yaml:29:7: spec.template.spec.nodeSelector: not modelled by kubesim: ignored",
            "warning: tests/manifests/web/deployment.yaml:38:11: spec.template.spec.topologySpreadConstraints[1]: `whenUnsatisfiable: ScheduleAnyway` (soft spread) is not modelled: ignored",
            "warning: tests/manifests/web/deployment.yaml:53:13: spec.template.spec.containers[0].resources.limits: limits are not modelled (no CPU throttling or OOM kills); requests are",
            "warning: tests/manifests/web/deployment.yaml:86:13: spec.template.spec.containers[1].readinessProbe: kubesim models one container's probes: the readinessProbe at tests/manifests/web/deployment.yaml:56:13 is used, this one ignored",
            "warning: tests/manifests/web/service-and-hpa.yaml:57:7: spec.metrics[2]: a memory Utilization target is not modelled (CPU Utilization is): ignored",
            "note: tests/manifests/web/service-and-hpa.yaml:22:1: skipped ConfigMap/web-config (not modelled)",
            "imported 2 workloads, 2 services from 3 files (6 warnings, 1 skipped)",
        ]
    );
    let scenario = String::from_utf8(out.stdout).unwrap();
    assert!(scenario.starts_with("# kubesim scenario imported"));
}

#[test]
fn unreadable_yaml_is_located_and_nothing_is_written() {
    let d = temp("bad");
    std::fs::write(
        d.join("a.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\n---\nkind: Service\nspec: [1, 2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("b.yml"),
        "kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n  template: {spec: {containers: [{name: a}]}}\n",
    )
    .unwrap();
    let out_file = d.join("out.yaml");
    let out = kubesim(&[
        "import",
        d.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let a = d.join("a.yaml").display().to_string();
    let b = d.join("b.yml").display().to_string();
    assert!(err.contains(&format!("  {a}:6:1: YAML syntax")), "{err}");
    assert!(
        err.contains(&format!(
            "  {b}:4:13: spec.replicas: expected an integer from 0 to 100000, found `many`"
        )),
        "all errors at once: {err}"
    );
    assert!(!out_file.exists());
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let d = temp("force");
    let f = d.join("s.yaml");
    std::fs::write(&f, "mine").unwrap();
    let f_arg = f.to_str().unwrap();
    let out = kubesim(&["import", "tests/manifests/web", "-o", f_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--force"));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "mine");
    let out = kubesim(&["import", "tests/manifests/web", "-o", f_arg, "--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&f).unwrap().contains("name: web"));
}

/// The scenario an SRE would write by hand for tests/manifests, with the same nodes and
/// traffic as `--nodes 6 --rate 40/s`.
const HAND_WRITTEN: &str = "
horizon: 7d
runs: 10
seed: 1
nodes:
  - {pool: workers, count: 6, zones: [a, b, c], capacity: {cpu: 4, memory: 16Gi, pods: 110}}
workloads:
  - name: db
    kind: StatefulSet
    replicas: 3
    resources: {cpu: 1, memory: 2Gi}
    spread: nodes
    termination_grace: 60s
    pre_stop: 10s
    probes:
      readiness: {handler: exec, period: 10s, timeout: 5s}
      liveness: {handler: grpc, period: 15s, failure_threshold: 5}
    rollout: {partition: 1}
    pdb: {max_unavailable: 34%}
  - name: web
    replicas: 3
    resources: {cpu: 600m, memory: 320Mi}
    spread: zones
    termination_grace: 45s
    pre_stop: 5s
    probes:
      readiness: {handler: http, period: 5s, timeout: 2s, failure_threshold: 2, success_threshold: 2, initial_delay: 3s}
      liveness: {handler: tcp, period: 20s, timeout: 3s, failure_threshold: 4}
      startup: {handler: exec, period: 2s, failure_threshold: 60}
    rollout: {max_surge: 1, max_unavailable: 0, min_ready: 10s, progress_deadline: 300s}
    pdb: {min_available: 2}
    autoscaling:
      hpa:
        min: 3
        max: 12
        metrics: [{cpu_utilization: 60%}, {requests_per_pod: 50/s}]
        behavior:
          scale_up: {stabilization: 0s, select: max, policies: [{pods: 4, period: 15s}, {percent: 100, period: 15s}]}
          scale_down: {stabilization: 120s, select: min, policies: [{percent: 50, period: 60s}]}
services:
  - {name: db, workload: db}
  - {name: web, workload: web, session_affinity: {client_ip: {timeout: 600s}}}
traffic:
  - {service: db, arrivals: {poisson: 40/s}}
  - {service: web, arrivals: {poisson: 40/s}}
";

/// What the scenario file gives when the manifests come from `--manifests`.
const REST: &str = "
horizon: 7d
runs: 10
seed: 1
nodes:
  - {pool: workers, count: 6, zones: [a, b, c], capacity: {cpu: 4, memory: 16Gi, pods: 110}}
traffic:
  - {service: db, arrivals: {poisson: 40/s}}
  - {service: web, arrivals: {poisson: 40/s}}
";

/// Short runs with a node failure and a rollout, so that probes, PDB-free recovery, spread,
/// surge and the HPA all act.
const SETS: [&str; 4] = [
    "--set",
    "horizon=40m",
    "--set",
    "faults=[{at: 5m, kill_node: workers-0, for: 10m}, {at: 20m, rollout: web}, {at: 25m, rollout: db}]",
];

fn run_csv(d: &Path, scenario: &Path, tag: &str, extra: &[&str]) -> Vec<u8> {
    let out_dir = d.join(tag);
    let mut args = vec!["run", scenario.to_str().unwrap(), "--runs", "2", "-q"];
    args.extend(SETS);
    args.extend(["--out", out_dir.to_str().unwrap()]);
    args.extend(extra);
    let out = kubesim(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{tag}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(out_dir.join("runs.csv")).unwrap()
}

#[test]
fn import_then_run_equals_the_hand_written_scenario() {
    let d = temp("roundtrip");
    let imported = d.join("imported.yaml");
    let out = kubesim(&[
        "import",
        "tests/manifests",
        "--nodes",
        "6",
        "--rate",
        "40/s",
        "-o",
        imported.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let hand = d.join("hand.yaml");
    std::fs::write(&hand, HAND_WRITTEN).unwrap();
    let rest = d.join("rest.yaml");
    std::fs::write(&rest, REST).unwrap();

    let a = run_csv(&d, &imported, "imported", &[]);
    let b = run_csv(&d, &hand, "hand", &[]);
    let c = run_csv(&d, &rest, "manifests", &["--manifests", "tests/manifests"]);
    assert!(a.len() > 1000);
    assert!(
        a == b,
        "import → run differs from the hand-written scenario"
    );
    assert!(a == c, "run --manifests differs from import → run");
}

#[test]
fn a_name_in_both_manifests_and_scenario_is_an_error() {
    let d = temp("clash");
    let s = d.join("s.yaml");
    std::fs::write(
        &s,
        "horizon: 1h\nnodes: [{pool: w, count: 3}]\nworkloads:\n  - name: web\n",
    )
    .unwrap();
    let out = kubesim(&[
        "run",
        s.to_str().unwrap(),
        "--manifests",
        "tests/manifests/web",
        "--out",
        d.join("r").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!(
            "{}:4:11: workloads[0].name: `web` is also imported from tests/manifests/web (imported): a name in both is an error",
            s.display()
        )),
        "{err}"
    );
    assert!(!d.join("r").exists());
}

const EDGES: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: api, tier: be}}
    spec:
      affinity: {podAntiAffinity: {}}
      tolerations: [{key: a, operator: Exists}]
      initContainers: [{name: init, image: busybox}]
      containers:
        - name: app
          image: api
          resources: {limits: {cpu: 250m, memory: 128Mi}}
          readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 0, timeoutSeconds: 10}
          lifecycle: {preStop: {exec: {command: ["sleep", "3"]}}, postStart: {exec: {command: [x]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    metadata: {labels: {tier: be}}
    spec:
      containers: [{name: w, lifecycle: {preStop: {httpGet: {path: /stop, port: 80}}}}]
---
kind: Service
metadata: {name: be}
spec: {selector: {tier: be}}
---
kind: Service
metadata: {name: nobody}
spec: {selector: {app: nobody}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker}
spec:
  scaleTargetRef: {kind: Deployment, name: worker}
  maxReplicas: 5
  metrics:
    - {type: External, external: {metric: {name: queue_depth}, target: {type: AverageValue, averageValue: "30"}}}
    - {type: Pods, pods: {metric: {name: queue_latency}, target: {type: AverageValue, averageValue: "1"}}}
"#;

#[test]
fn edge_cases_are_mapped_or_warned_never_dropped() {
    let d = temp("edges");
    let f = d.join("edges.yaml");
    std::fs::write(&f, EDGES).unwrap();
    let im = import(std::slice::from_ref(&f)).unwrap();
    let file = f.display().to_string();
    let warnings: Vec<String> = im
        .warnings
        .iter()
        .map(|w| w.to_string().replacen(&file, "F", 1))
        .collect();
    assert_eq!(
        warnings,
        [
            "F:9:7: spec.template.spec.affinity: not modelled by kubesim: ignored",
            "F:10:7: spec.template.spec.tolerations: not modelled by kubesim: ignored",
            "F:11:7: spec.template.spec.initContainers: not modelled by kubesim: ignored",
            "F:15:23: spec.template.spec.containers[0].resources.limits: limits are not modelled (no CPU throttling or OOM kills); requests are",
            "F:16:92: spec.template.spec.containers[0].readinessProbe.timeoutSeconds: kubesim needs a timeout shorter than the period (10s): clamped to 9999ms",
            "F:17:67: spec.template.spec.containers[0].lifecycle.postStart: not modelled by kubesim: ignored",
            "F:26:42: spec.template.spec.containers[0].lifecycle.preStop: only a preStop sleep (`sleep: {seconds: N}` or exec `sleep N`) is modelled: this hook is ignored",
            "F:30:18: spec.selector: Service `be` selects the pods of several workloads (api, worker); kubesim ties it to one: not imported",
            "F:34:18: spec.selector: Service `nobody` selects none of the imported workloads' pods: not imported",
            "F:40:3: spec: HPA `worker` has no metric kubesim models: not imported",
            "F:43:7: spec.metrics[0]: `External` metrics are not modelled: ignored",
            "F:44:26: spec.metrics[1]: metric `queue_latency` is not modelled (only a per-pod request rate with an AverageValue target is): ignored",
        ]
    );
    let text = render::scenario(&im, &render::Options::default());
    let sc = Scenario::from_text(&text, Path::new("edges.yaml"), &[]).unwrap();
    let api = &sc.workloads[0];
    // Limits stand in for missing requests (the API server's defaulting).
    assert_eq!(
        (api.resources.cpu_milli, api.resources.memory_bytes),
        (250, 128 << 20)
    );
    let r = api.probes.readiness.unwrap();
    assert_eq!(r.period, secs(10), "periodSeconds: 0 is unset");
    assert_eq!(r.timeout, SimDuration::from_millis(9999));
    assert_eq!(api.pre_stop, secs(3), "exec [sleep, 3]");
    assert!(
        im.services.is_empty(),
        "both Services warned about, not imported"
    );
    assert!(sc.workloads[1].autoscaling.is_none());
    assert_eq!(sc.workloads[1].replicas, 1, "replicas not set: the default");
}

#[test]
fn an_hpa_managed_deployment_without_replicas_starts_at_min() {
    let d = temp("hpa-min");
    let f = d.join("m.yaml");
    let text = "kind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: 100m}}}]\n---\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {kind: Deployment, name: api}\n  minReplicas: 4\n  maxReplicas: 9\n";
    std::fs::write(&f, text).unwrap();
    let im = import(std::slice::from_ref(&f)).unwrap();
    assert!(im.warnings.is_empty(), "{:?}", im.warnings);
    let text = render::scenario(&im, &render::Options::default());
    assert!(
        text.contains("replicas: 4                             # not set: the HPA's minReplicas"),
        "{text}"
    );
    let sc = Scenario::from_text(&text, Path::new("m.yaml"), &[]).unwrap();
    let hpa = &sc.workloads[0].autoscaling.as_ref().unwrap().hpa;
    assert_eq!((sc.workloads[0].replicas, hpa.min, hpa.max), (4, 4, 9));
    assert_eq!(
        hpa.metrics,
        [HpaMetric::CpuUtilization(0.8)],
        "no metrics: 80 % CPU"
    );
    assert!(text.contains("# no metrics: the autoscaling/v2 default"));
}

#[test]
fn manifests_can_come_from_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let manifest = std::fs::read(Path::new(ROOT).join("tests/manifests/db.yaml")).unwrap();
    child.stdin.take().unwrap().write_all(&manifest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("warning: <stdin>:58:11: items[0].spec.template.spec.volumes"),
        "{err}"
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("pdb: {max_unavailable: 34%}")
    );
}

#[test]
fn hostile_manifests_are_all_reported_at_once() {
    let d = temp("hostile");
    let files = [
        ("1.yaml", "kind: Deployment\nmetadata: {name: a}\nspec: 5\n"),
        ("2.yaml", "kind: Deployment\nmetadata: [1]\n"),
        (
            "3.yaml",
            "kind: Deployment\nmetadata: {name: B_ad}\nspec: {template: {spec: {containers: [1, {name: x, readinessProbe: {httpGet: {}, exec: {}}}]}}}\n",
        ),
        (
            "4.yaml",
            "hello\n---\nkind: {a: 1}\n---\nkind: List\nitems: 5\n",
        ),
        (
            "5.yaml",
            "kind: Service\nspec: {selector: 5}\nmetadata: {name: s}\n---\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1, maxUnavailable: 2}\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let out = kubesim(&["import", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let dir = format!("{}/", d.display());
    let err = String::from_utf8(out.stderr).unwrap().replace(&dir, "");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "error: 10 errors in manifests:",
            "  1.yaml:3:7: spec: expected a map, found a scalar",
            "  2.yaml:2:11: metadata: expected a map, found a list",
            "  3.yaml:2:18: metadata.name: `B_ad` is not a name kubesim accepts (lowercase letters, digits and `-`, at most 63)",
            "  3.yaml:3:39: spec.template.spec.containers[0]: expected a map, found a scalar",
            "  3.yaml:3:68: spec.template.spec.containers[1].readinessProbe: a probe has exactly one handler: httpGet, tcpSocket, exec or grpc",
            "  4.yaml:1:1: expected a map, found a scalar",
            "  4.yaml:3:7: kind: expected a string, found a map",
            "  4.yaml:6:8: items: expected a list, found a scalar",
            "  5.yaml:2:18: spec.selector: expected a map, found a scalar",
            "  5.yaml:7:7: spec: a PodDisruptionBudget has minAvailable or maxUnavailable, not both",
        ]
    );
}

/// Every manifest with one line or one character deleted, or cut short: import never panics, and whatever it
/// accepts renders to a scenario that loads (import never writes what `run` refuses).
#[test]
fn damaged_manifests_never_panic_and_accepted_ones_load() {
    let d = temp("damaged");
    let mut cases = 0;
    for name in ["db.yaml", "web/deployment.yaml", "web/service-and-hpa.yaml"] {
        let text =
            std::fs::read_to_string(Path::new(ROOT).join("tests/manifests").join(name)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut variants: Vec<String> = (0..lines.len())
            .map(|k| {
                let mut l = lines.clone();
                l.remove(k);
                l.join("\n")
            })
            .collect();
        variants.extend((0..text.len()).step_by(23).map(|n| text[..n].to_string()));
        // One character deleted (digits change values, letters change keys and kinds).
        variants.extend(
            text.char_indices()
                .step_by(11)
                .map(|(i, c)| format!("{}{}", &text[..i], &text[i + c.len_utf8()..])),
        );
        for v in variants {
            let f = d.join("m.yaml");
            std::fs::write(&f, &v).unwrap();
            cases += 1;
            if let Ok(im) = import(std::slice::from_ref(&f)) {
                let opts = render::Options {
                    nodes: None,
                    rate: Some("10/s".into()),
                };
                let out = render::scenario(&im, &opts);
                if let Err(e) = Scenario::from_text(&out, Path::new("s.yaml"), &[]) {
                    panic!(
                        "accepted manifest renders a scenario that does not load:\n{v}\n---\n{out}\n{e}"
                    );
                }
            }
        }
    }
    assert!(cases > 800, "{cases}");
}
