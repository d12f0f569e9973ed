//! The schema never refuses what the validator accepts (else an editor would mark a good
//! scenario wrong): scenarios mutated from the shipped ones (a value swapped for another
//! field's, a key dropped or emptied, a key copied from a map in the same place of another
//! scenario, a list cut) that `kubesim validate` accepts must pass the JSON Schema too. The
//! reverse is only counted: the schema cannot state rules across fields. (A sweep may complete
//! a file the schema refuses, `pdb: {}` with the bound swept: the mutants have no sweep.)

use kubesim::scenario::Scenario;
use kubesim::scenario::schema::yaml_to_json;
use kubesim::scenario::yaml;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;
use common::jsonschema::schema_errors;

/// Mutated scenarios per run (about 2 s with the schema check); KUBESIM_SCHEMA_MUTANTS and
/// KUBESIM_SCHEMA_SEED (default 7) explore further.
fn mutants() -> (usize, u64) {
    let env = |name: &str, default: u64| {
        std::env::var(name).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number, found `{v}`"))
        })
    };
    (
        env("KUBESIM_SCHEMA_MUTANTS", 3000) as usize,
        env("KUBESIM_SCHEMA_SEED", 7),
    )
}

fn seeds() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut doc = yaml_to_json(&yaml::parse(&text, 0).unwrap());
            // A sweep may complete or override what the file says (a `pdb: {}` whose bound
            // each variant sets): the schema sees the file, the validator the variants. The
            // mutants leave sweeps out so that both judge the same document.
            doc.as_object_mut().unwrap().remove("sweep");
            (p, doc)
        })
        .collect()
}

/// A place in a document with its list indices dropped: `workloads.probes.readiness`.
fn signature(path: &[Step]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every node of a document: its path, and the node.
fn walk<'a>(v: &'a Value, here: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, &'a Value)>) {
    out.push((here.clone(), v));
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                here.push(Step::Key(k.clone()));
                walk(c, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                here.push(Step::Index(i));
                walk(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// What the corpus holds at each signature: its values, and its maps' entries.
struct Corpus {
    values: BTreeMap<String, Vec<Value>>,
    entries: BTreeMap<String, Vec<(String, Value)>>,
}

impl Corpus {
    fn new(docs: &[Value]) -> Corpus {
        let mut values: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut entries: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        for d in docs {
            let mut nodes = Vec::new();
            walk(d, &mut Vec::new(), &mut nodes);
            for (path, v) in nodes {
                let sig = signature(&path);
                values.entry(sig.clone()).or_default().push(v.clone());
                if let Value::Object(m) = v {
                    let e = entries.entry(sig).or_default();
                    e.extend(m.iter().map(|(k, c)| (k.clone(), c.clone())));
                }
            }
        }
        Corpus { values, entries }
    }
}

/// Values that sit on the edges of the readers' rules.
fn edge_values() -> Vec<Value> {
    json!([
        0, 1, -1, 2, 3, 100000, 100001, 0.5, 1.5, 1e3, -0.0, 18446744073709551615u64,
        "0s", "1ns", "10s", "1h", "365d", "-1s", "1e3s", "10", "0/s", "100/s", "1e3/s", "0%",
        "50%", "100%", "100.0%", "101%", "500m", "2", "0.5", "16Gi", "1Pi", "2Pi", "", "web",
        "w-0", "a", "any", "Web", "web-0", "true", true, false, null, [], {}, ["1s", "2s"],
        {"exponential": "5s"}, {"exponential": "0s"}, {"uniform": ["2s", "1s"]}
    ])
    .as_array()
    .unwrap()
    .clone()
}

fn mutate(doc: &mut Value, corpus: &Corpus, edges: &[Value], rng: &mut Pcg64Mcg) {
    let mut nodes = Vec::new();
    walk(doc, &mut Vec::new(), &mut nodes);
    let (path, node) = nodes[rng.random_range(0..nodes.len())].clone();
    let (path, node) = (path, node.clone());
    let sig = signature(&path);
    let pick = |rng: &mut Pcg64Mcg, list: &[Value]| list[rng.random_range(0..list.len())].clone();
    match rng.random_range(0..6) {
        // Another scenario's value for the same place: mostly valid, so the property is tried.
        0 | 1 => {
            if let Some(vs) = corpus.values.get(&sig) {
                *at(doc, &path) = pick(rng, vs);
            }
        }
        2 => *at(doc, &path) = pick(rng, edges),
        // A map gains an entry found in the same place elsewhere, or loses or empties one.
        3 => {
            if let (Value::Object(_), Some(es)) = (&node, corpus.entries.get(&sig)) {
                let (k, v) = es[rng.random_range(0..es.len())].clone();
                at(doc, &path)[k.as_str()] = v;
            }
        }
        4 => {
            if let Value::Object(m) = &node
                && !m.is_empty()
            {
                let k = m.keys().nth(rng.random_range(0..m.len())).unwrap().clone();
                let target: &mut Map<String, Value> = at(doc, &path).as_object_mut().unwrap();
                if rng.random_bool(0.5) {
                    target.remove(&k);
                } else {
                    target.insert(k, Value::Null);
                }
            }
        }
        _ => {
            if let Value::Array(items) = at(doc, &path)
                && !items.is_empty()
            {
                let i = rng.random_range(0..items.len());
                items.remove(i);
            }
        }
    }
}

#[test]
fn the_schema_accepts_every_scenario_the_validator_accepts() {
    let seeds = seeds();
    let docs: Vec<Value> = seeds.iter().map(|(_, d)| d.clone()).collect();
    let corpus = Corpus::new(&docs);
    let edges = edge_values();
    let (count, seed) = mutants();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut accepted: Vec<(String, Value)> = Vec::new();
    let mut rejected: Vec<(String, Value)> = Vec::new();
    for i in 0..count {
        let (path, seed) = &seeds[rng.random_range(0..seeds.len())];
        let mut doc = seed.clone();
        for _ in 0..rng.random_range(1..=3) {
            mutate(&mut doc, &corpus, &edges, &mut rng);
        }
        // JSON is YAML: the validator reads the very document the schema checks.
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let name = format!("mutant {i} of {}", path.display());
        match Scenario::variants_from_text(&text, path, &[]) {
            Ok(_) => accepted.push((name, doc)),
            Err(_) => rejected.push((name, doc)),
        }
    }
    // Enough of both kinds that the property is tried, not vacuous.
    assert!(
        accepted.len() > count / 5 && rejected.len() > count / 5,
        "{} accepted, {} rejected",
        accepted.len(),
        rejected.len()
    );
    let Some(results) = schema_errors("agreement-accepted", &accepted) else {
        return;
    };
    let refused: Vec<_> = results.iter().filter(|(_, e, _)| !e.is_empty()).collect();
    assert!(
        refused.is_empty(),
        "{} of {} scenarios the validator accepts fail the schema; the first: {:#?}\n{}",
        refused.len(),
        accepted.len(),
        refused[0],
        serde_json::to_string(&accepted.iter().find(|(n, _)| *n == refused[0].0).unwrap().1)
            .unwrap()
    );
    let caught = schema_errors("agreement-rejected", &rejected)
        .expect("checked above")
        .iter()
        .filter(|(_, e, _)| !e.is_empty())
        .count();
    eprintln!(
        "{} mutants: the validator accepts {} (the schema too), rejects {} (the schema {} of them)",
        count,
        accepted.len(),
        rejected.len(),
        caught
    );
}
