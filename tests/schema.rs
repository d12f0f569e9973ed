//! `kubesim schema`: what it prints is the committed `docs/scenario.schema.json`; a JSON Schema
//! validator (Python's `jsonschema`, draft 2020-12) accepts every shipped scenario and an
//! imported one and odd but valid spellings, and rejects a catalogue of bad ones that
//! `kubesim validate` rejects too.
//! Where Python or jsonschema is missing the validator tests skip with a message, unless
//! KUBESIM_REQUIRE_JSONSCHEMA=1 (set by `.ci/run`, which installs it).

use kubesim::scenario::Scenario;

mod common;
use common::jsonschema::{printed_schema, schema_errors, temp_dir};
use kubesim::scenario::schema::yaml_to_json;
use kubesim::scenario::yaml;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn kubesim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn committed_schema_is_what_kubesim_prints() {
    let committed = std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap();
    assert!(
        committed == printed_schema(),
        "docs/scenario.schema.json is stale: regenerate it with \
         `cargo run -- schema -o docs/scenario.schema.json --force`"
    );
}

#[test]
fn schema_out_never_replaces_a_file_without_force() {
    let dir = temp_dir("out");
    let out = dir.join("s.json");
    std::fs::write(&out, "mine").unwrap();
    let o = kubesim(&["schema", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: `{}` exists: kubesim schema does not replace it without --force\n",
            out.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let o = kubesim(&["schema", "-o", out.to_str().unwrap(), "--force"]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), printed_schema());
    for force in [&[][..], &["--force"]] {
        let o = kubesim(&[&["schema", "-o", dir.to_str().unwrap()][..], force].concat());
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            format!(
                "error: `{}` is a directory: --out takes a file path\n",
                dir.display()
            )
        );
    }
    // --force replaced the file by a rename of a finished copy: no copy is left beside it.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["s.json"]);
    // --force says to replace the --out file: without --out it is a mistake, not ignored.
    let o = kubesim(&["schema", "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--out <OUT>"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // `-o -` is standard output, not a file named `-`.
    let o = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .args(["schema", "-o", "-"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8(o.stdout).unwrap(), printed_schema());
    assert!(!dir.join("-").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The schema's shape where editors look: closed maps with the validator's keys, required
/// fields, the exactly-one groups, bounds.
#[test]
fn schema_carries_the_validators_keys_and_bounds() {
    let s: Value = serde_json::from_str(&printed_schema()).unwrap();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["required"], json!(["horizon", "nodes", "workloads"]));
    // An optional field may also be null (absent to the validator): `{anyOf: [shape, null]}`.
    let field = |map: &Value, key: &str| -> Value {
        let v = &map["properties"][key];
        assert_eq!(v["anyOf"][1], json!({"type": "null"}), "{key}: {v}");
        v["anyOf"][0].clone()
    };
    let workload = &s["properties"]["workloads"]["items"];
    assert_eq!(workload["properties"]["name"]["$ref"], "#/$defs/name");
    assert_eq!(
        field(workload, "replicas"),
        json!({"type": "integer", "minimum": 0, "maximum": 100000})
    );
    assert_eq!(
        field(workload, "kind"),
        json!({"enum": ["Deployment", "StatefulSet"]})
    );
    assert_eq!(
        field(workload, "start"),
        json!({"$ref": "#/$defs/distribution"})
    );
    let probe = field(&field(workload, "probes"), "readiness");
    assert_eq!(
        field(&probe, "period"),
        json!({"$ref": "#/$defs/positive_duration"})
    );
    let fault = field(&s, "faults")["items"].clone();
    let groups = fault["allOf"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "`at`/`every`, and the action");
    assert_eq!(groups[1]["oneOf"].as_array().unwrap().len(), 7);
    assert_eq!(
        groups[0]["oneOf"][0],
        json!({"required": ["at"], "properties": {"at": {"not": {"type": "null"}}}})
    );
    let hpa = &field(workload, "autoscaling")["properties"]["hpa"];
    assert_eq!(hpa["required"], json!(["max", "metrics"]));
}

/// Editors show a property's `description` on hover: every property has one (on the outer
/// object, beside an optional field's `anyOf` with null), from `field_docs.rs`.
#[test]
fn every_property_has_a_description() {
    fn walk(v: &Value, path: &str, found: &mut usize, missing: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    for (key, p) in props {
                        // An exactly-one group's `{"not": {"type": "null"}}` is no field.
                        if p.get("not").is_some() {
                            continue;
                        }
                        *found += 1;
                        let text = p["description"].as_str().unwrap_or_default();
                        if text.trim().is_empty() {
                            missing.push(format!("{path}.{key}"));
                        }
                    }
                }
                for (k, x) in m {
                    walk(x, &format!("{path}/{k}"), found, missing);
                }
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, path, found, missing)),
            _ => {}
        }
    }
    let s: Value = serde_json::from_str(&printed_schema()).unwrap();
    let (mut found, mut missing) = (0, Vec::new());
    walk(&s, "", &mut found, &mut missing);
    assert!(
        found > 200,
        "only {found} properties: did the walk miss some?"
    );
    assert!(missing.is_empty(), "no description: {missing:?}");
    let defs = s["$defs"].as_object().unwrap();
    assert!(defs.len() >= 10, "{:?}", defs.keys());
    for def in defs.keys() {
        let text = defs[def]["description"].as_str().unwrap_or_default();
        assert!(!text.is_empty(), "$defs.{def} has no description");
    }
}

/// A shared table's field reads the same wherever it is used; an optional field's text sits
/// beside its `anyOf`, a required one's beside its `$ref`.
#[test]
fn descriptions_are_where_editors_look() {
    let s: Value = serde_json::from_str(&printed_schema()).unwrap();
    let workload = &s["properties"]["workloads"]["items"]["properties"];
    assert_eq!(
        workload["replicas"]["description"],
        "Pods wanted (`spec.replicas`), 0 to 100000. Default 1."
    );
    assert_eq!(
        s["properties"]["horizon"],
        json!({
            "$ref": "#/$defs/positive_duration",
            "description": "Simulated time per run, e.g. `30d` (required).",
        })
    );
    let probes = &workload["probes"]["anyOf"][0]["properties"];
    for kind in ["readiness", "liveness", "startup"] {
        assert_eq!(
            probes[kind]["anyOf"][0]["properties"]["period"]["description"],
            "Time between probes (`periodSeconds`). Default 10s.",
            "{kind}"
        );
    }
    let dist = &s["$defs"]["distribution"]["anyOf"][1]["properties"];
    assert_eq!(
        dist["exponential"]["description"],
        "Exponential with this mean."
    );
}

/// A scenario every bad case below starts from (valid for both checkers).
const BASE: &str = "\
horizon: 1h
nodes:
  - pool: w
    count: 3
    zones: [a, b, c]
workloads:
  - name: web
    replicas: 2
    start: {exponential: 5s}
    probes:
      readiness: {period: 10s}
    autoscaling:
      hpa: {max: 4, metrics: [{requests_per_pod: 50/s}]}
    pdb: {min_available: 1}
services:
  - name: web
    workload: web
    balancer: round_robin
traffic:
  - service: web
    arrivals: {poisson: 100/s}
faults:
  - at: 10m
    kill_node: w-0
slo:
  availability: 99.9%
";

/// (what is wrong, text replaced in BASE, its replacement, what jsonschema says).
const BAD: &[(&str, &str, &str, &str)] = &[
    (
        "unknown top-level key",
        "horizon: 1h",
        "horizn: 1h\nhorizon: 1h",
        "'horizn' was unexpected",
    ),
    (
        "missing horizon",
        "horizon: 1h\n",
        "",
        "'horizon' is a required property",
    ),
    (
        "integer as a word",
        "replicas: 2",
        "replicas: two",
        "'two' is not of type 'integer'",
    ),
    (
        "integer below its minimum",
        "replicas: 2",
        "replicas: -1",
        "-1 is less than the minimum of 0",
    ),
    (
        "integer above its maximum",
        "count: 3",
        "count: 100001",
        "100001 is greater than the maximum of 100000",
    ),
    (
        "a word not in the enum",
        "balancer: round_robin",
        "balancer: round_robin2",
        "'round_robin2' is not one of ['random', 'round_robin'",
    ),
    (
        "a duration without a unit",
        "period: 10s",
        "period: 10",
        "10 is not of type 'string'",
    ),
    (
        "a zero positive duration",
        "period: 10s",
        "period: 0s",
        "'0s' does not match",
    ),
    (
        "a rate without a unit",
        "poisson: 100/s",
        "poisson: 100",
        "100 is not of type 'string'",
    ),
    (
        "a percentage above 100",
        "99.9%",
        "100.1%",
        "'100.1%' does not match",
    ),
    (
        "an upper-case name",
        "- name: web\n    replicas",
        "- name: Web\n    replicas",
        "'Web' does not match",
    ),
    (
        "a fault with both at and every",
        "- at: 10m",
        "- at: 10m\n    every: 1d",
        "'at': '10m', 'every': '1d', 'kill_node': 'w-0'} is valid under each of",
    ),
    (
        "a fault with two actions",
        "kill_node: w-0",
        "kill_node: w-0\n    drain_node: w-1",
        "'drain_node': 'w-1', 'kill_node': 'w-0'} is valid under each of",
    ),
    (
        "a fault with no time",
        "  - at: 10m\n    kill_node",
        "  - kill_node",
        "'every' is a required property",
    ),
    (
        "two distributions",
        "{exponential: 5s}",
        "{exponential: 5s, uniform: [1s, 2s]}",
        "{'exponential': '5s', 'uniform': ['1s', '2s']} has too many properties",
    ),
    (
        "uniform with one bound",
        "{exponential: 5s}",
        "{uniform: [1s]}",
        "['1s'] is too short",
    ),
    (
        "two arrival processes",
        "{poisson: 100/s}",
        "{poisson: 100/s, steps: []}",
        "has too many properties",
    ),
    (
        "an HPA without max",
        "{max: 4, metrics",
        "{metrics",
        "'max' is a required property",
    ),
    (
        "a metric with two targets",
        "{requests_per_pod: 50/s}",
        "{requests_per_pod: 50/s, cpu_utilization: 50%}",
        "{'cpu_utilization': '50%', 'requests_per_pod': '50/s'} is valid under each of",
    ),
    (
        "a PDB with both bounds",
        "{min_available: 1}",
        "{min_available: 1, max_unavailable: 1}",
        "{'max_unavailable': 1, 'min_available': 1} is valid under each of",
    ),
    (
        "a balancer map with two keys",
        "balancer: round_robin",
        "balancer: {ring_hash: {}, maglev: {}}",
        "{'maglev': {}, 'ring_hash': {}} has too many properties",
    ),
    (
        "a misspelt probe field",
        "{period: 10s}",
        "{perod: 10s}",
        "'perod' was unexpected",
    ),
    (
        "a CPU quantity with a bad suffix",
        "count: 3",
        "count: 3\n    capacity: {cpu: 500x}",
        "'500x' does not match",
    ),
    (
        "a list where a map goes",
        "slo:\n  availability: 99.9%",
        "slo: [99.9%]",
        "['99.9%'] is not of type 'object'",
    ),
    (
        "a quoted integer",
        "replicas: 2",
        "replicas: \"2\"",
        "'2' is not of type 'integer'",
    ),
    (
        "a fractional PDB percentage",
        "{min_available: 1}",
        "{min_available: 25.5%}",
        "'25.5%' does not match",
    ),
];

fn bad_cases() -> Vec<(String, String)> {
    BAD.iter()
        .map(|(what, from, to, _)| {
            assert!(
                BASE.contains(from),
                "case `{what}`: `{from}` is not in BASE"
            );
            (what.to_string(), BASE.replacen(from, to, 1))
        })
        .collect()
}

fn to_json(text: &str) -> Value {
    yaml_to_json(&yaml::parse(text, 0).unwrap())
}

/// The documents the schema must accept: every shipped scenario, BASE, and what
/// `kubesim import` writes from the test manifests.
fn good_documents() -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "the shipped scenarios: {paths:?}");
    let mut docs: Vec<(String, Value)> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            (p.display().to_string(), to_json(&text))
        })
        .collect();
    docs.push(("BASE".into(), to_json(BASE)));
    let manifests = root().join("tests/manifests");
    let imported = kubesim(&["import", manifests.to_str().unwrap(), "--rate", "100/s"]);
    assert!(imported.status.success());
    docs.push((
        "kubesim import tests/manifests".into(),
        to_json(&String::from_utf8(imported.stdout).unwrap()),
    ));
    docs
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let docs = good_documents();
    let Some(results) = schema_errors("good", &docs) else {
        return;
    };
    assert_eq!(results.len(), docs.len());
    for (name, errors, _) in results {
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

/// Odd but valid spellings (an outside attack found each one rejected by the schema while the
/// validator accepted it): what, and the edits of BASE that make it.
const ODD: &[(&str, &[(&str, &str)])] = &[
    (
        "a name YAML reads as a float",
        &[("horizon: 1h", "horizon: 1h\nname: 1e-3")],
    ),
    (
        "a percentage with leading zeros",
        &[("availability: 99.9%", "availability: 099.9%")],
    ),
    (
        "a PDB percentage with leading zeros",
        &[("min_available: 1}", "min_available: 0100%}")],
    ),
    (
        "a utilization with an exponent",
        &[
            ("replicas: 2", "replicas: 2\n    resources: {cpu: 100m}"),
            ("requests_per_pod: 50/s", "cpu_utilization: 6e1%"),
        ],
    ),
    (
        "CPU as a quoted number with an exponent",
        &[("count: 3", "count: 3\n    capacity: {cpu: '1e3'}")],
    ),
    (
        "CPU millicores with a plus sign",
        &[("replicas: 2", "replicas: 2\n    resources: {cpu: +500m}")],
    ),
];

#[test]
fn odd_but_valid_spellings_pass_the_schema() {
    let docs: Vec<(String, Value)> = ODD
        .iter()
        .map(|(what, edits)| {
            let mut text = BASE.to_string();
            for (from, to) in *edits {
                assert!(
                    text.contains(from),
                    "case `{what}`: `{from}` is not in BASE"
                );
                text = text.replacen(from, to, 1);
            }
            if let Err(e) = Scenario::from_text(&text, Path::new("odd.yaml"), &[]) {
                panic!("the validator rejects {what}: {e:?}");
            }
            (what.to_string(), to_json(&text))
        })
        .collect();
    let Some(results) = schema_errors("odd", &docs) else {
        return;
    };
    for (name, errors, _) in results {
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

/// What the schema's patterns cannot spell, the validator refuses too: a minus sign on a zero
/// and a quoted PDB count (a string, as Kubernetes and editors read it).
#[test]
fn negative_zero_and_a_quoted_pdb_count_are_errors() {
    for (from, to) in [
        ("horizon: 1h", "horizon: 1h\nwarmup: -0s"),
        ("poisson: 100/s", "poisson: -0/s"),
        ("availability: 99.9%", "availability: -0%"),
        ("replicas: 2", "replicas: 2\n    resources: {cpu: '-0'}"),
        (
            "replicas: 2",
            "replicas: 2\n    resources: {memory: '-0Mi'}",
        ),
        ("min_available: 1}", "min_available: -0}"),
        ("min_available: 1}", "min_available: '1'}"),
    ] {
        let text = BASE.replacen(from, to, 1);
        assert!(
            Scenario::from_text(&text, Path::new("bad.yaml"), &[]).is_err(),
            "the validator accepts `{to}`"
        );
    }
}

#[test]
fn bad_scenarios_are_rejected_by_the_schema_and_by_the_validator() {
    let cases = bad_cases();
    for (what, text) in &cases {
        assert!(
            Scenario::from_text(text, Path::new("bad.yaml"), &[]).is_err(),
            "the validator accepts {what}"
        );
    }
    let docs: Vec<(String, Value)> = cases
        .iter()
        .map(|(what, text)| (what.clone(), to_json(text)))
        .collect();
    let Some(results) = schema_errors("bad", &docs) else {
        return;
    };
    for ((name, errors, leaves), (_, _, _, says)) in results.iter().zip(BAD) {
        assert!(
            errors.len() == 1 && leaves.iter().any(|m| m.contains(says)),
            "{name}: expected one error, with `{says}` at the bottom, found {errors:#?} {leaves:#?}"
        );
    }
}

/// YAML's core schema, as editors read a scenario: plain scalars become numbers, booleans
/// and null; quoted ones stay strings.
#[test]
fn yaml_scalars_resolve_as_yaml_1_2_core() {
    let v = to_json(
        "a: 3\nb: -2\nc: 1.5\nd: 1e3\ne: true\nf: ~\ng: \"3\"\nh: 500m\ni: 99.9%\nj: 18446744073709551615\nk: .5\nl: 0x1f\n",
    );
    assert_eq!(
        v,
        json!({"a": 3, "b": -2, "c": 1.5, "d": 1000.0, "e": true, "f": null, "g": "3",
               "h": "500m", "i": "99.9%", "j": 18446744073709551615u64, "k": 0.5, "l": "0x1f"})
    );
}
