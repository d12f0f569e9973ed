//! The seed corpus: the shipped scenarios, the bad-input catalogue's string literals (YAML
//! fragments and `--set` strings), small trace/empirical files, and shard folders written by
//! the real binary. Built the same way on every run, so an input is a function of its seed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A shard folder: its files as (name, bytes), sorted by name.
pub type ShardSeed = Vec<(String, Vec<u8>)>;

pub struct Corpus {
    /// Whole scenario files (name, text).
    pub scenarios: Vec<(String, Vec<u8>)>,
    /// YAML snippets (one or more lines) from the bad-input catalogue.
    pub fragments: Vec<String>,
    /// `PATH=VALUE` strings from the catalogue.
    pub sets: Vec<String>,
    /// Field names seen anywhere in the corpus, for key replacement and `--set` paths.
    pub keys: Vec<String>,
    pub traces: Vec<Vec<u8>>,
    pub samples: Vec<Vec<u8>>,
    /// Sets of shard folders that merge cleanly together.
    pub shards: Vec<Vec<ShardSeed>>,
}

/// A scenario that reads a rate trace and an empirical sample file next to it: the files the
/// trace and empirical targets rewrite.
pub const WITH_FILES: &str = "horizon: 10m
runs: 2
nodes: [{pool: w, count: 3, zones: [a, b, c]}]
workloads:
  - name: web
    replicas: 3
    start: {empirical: samples.csv}
    probes: {readiness: {period: 5s}}
    server: {concurrency: 2, service_time: {empirical: samples.csv}}
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {trace: {file: load.csv}}, timeout: 1s}]
";

/// Small scenarios for the shard seeds: one with traffic and a sweep, one without either.
const SHARD_SCENARIOS: &[(&str, &str)] = &[
    (
        "traffic.yaml",
        "horizon: 1m
warmup: 10s
runs: 2
seed: 9
nodes: [{pool: w, count: 3}]
workloads:
  - name: web
    replicas: 3
    failures: {crash: {exponential: 1m}}
    probes: {readiness: {period: 2s}}
    server: {concurrency: 2, service_time: {exponential: 10ms}}
services: [{name: web, workload: web}]
traffic: [{service: web, arrivals: {poisson: 5/s}, timeout: 1s, retries: {attempts: 1}}]
sweep:
  services.web.balancer: [random, power_of_two]
",
    ),
    (
        "plain.yaml",
        "horizon: 1d
runs: 2
nodes: [{pool: w, count: 2, zones: [a, b]}]
workloads:
  - name: web
    replicas: 2
    failures: {crash: {exponential: 6h}}
    probes: {readiness: {period: 10s}}
services: [{name: web, workload: web}]
",
    ),
];

impl Corpus {
    /// Builds the corpus; the shard seeds are written under `work` by the binary, or, with
    /// `reuse`, read back from there (a worker must see the supervisor's exact bytes).
    pub fn build(work: &Path, reuse: bool) -> Corpus {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut scenarios = Vec::new();
        for p in sorted_files(&root.join("scenarios"), "yaml") {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            scenarios.push((name, std::fs::read(&p).unwrap()));
        }
        scenarios.push(("with-files.yaml".into(), WITH_FILES.as_bytes().to_vec()));
        for (name, text) in SHARD_SCENARIOS {
            scenarios.push((name.to_string(), text.as_bytes().to_vec()));
        }
        let mut literals = Vec::new();
        for p in catalogue_files(&root.join("tests")) {
            literals.extend(string_literals(&std::fs::read_to_string(&p).unwrap()));
        }
        let mut fragments = Vec::new();
        let mut sets = Vec::new();
        for l in literals {
            if l.starts_with("horizon:") && l.contains("\nworkloads:") {
                scenarios.push((
                    format!("catalogue-{}.yaml", scenarios.len()),
                    l.into_bytes(),
                ));
            } else if !l.contains('\n') && !l.contains(' ') && l.contains('=') {
                sets.push(l);
            } else if l.contains(": ") || l.contains("- ") || l.starts_with('{') {
                fragments.push(l);
            }
        }
        fragments.sort();
        fragments.dedup();
        sets.sort();
        sets.dedup();
        let mut keys: Vec<String> = scenarios
            .iter()
            .map(|(_, t)| String::from_utf8_lossy(t).to_string())
            .chain(fragments.iter().cloned())
            .flat_map(|t| field_names(&t))
            .collect();
        keys.sort();
        keys.dedup();
        Corpus {
            scenarios,
            fragments,
            sets,
            keys,
            traces: vec![
                b"t_s,rate_per_s\n0,10\n60,40\n300,5\n".to_vec(),
                b"0,1\n1,2\n2,3\n# comment\n\n3,0\n".to_vec(),
                b"t_s,rate_per_s\n0.5,1e3\n".to_vec(),
            ],
            samples: vec![
                b"1s\n2s\n500ms\n".to_vec(),
                b"# startup times\n3s\n\n4500ms\n1m\n".to_vec(),
                b"10ms\n".to_vec(),
            ],
            shards: shard_seeds(work, reuse),
        }
    }
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

/// The bad-input catalogue, wherever it lives (`tests/bad_input*.rs`, a folder, and the
/// helpers they share).
fn catalogue_files(tests: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = sorted_files(tests, "rs")
        .into_iter()
        .filter(|p| {
            p.file_stem()
                .is_some_and(|s| s.to_string_lossy().starts_with("bad_input"))
        })
        .collect();
    v.extend(sorted_files(&tests.join("bad_input"), "rs"));
    // The base scenario and the alias bombs the catalogues share.
    let shared = tests.join("common").join("catalogue.rs");
    if shared.exists() {
        v.push(shared);
    }
    v
}

/// The ordinary (non-raw) string literals of a Rust source, unescaped. Enough for the
/// catalogue, which only uses `\n`, `\t`, `\\`, `\"` and line continuations.
pub fn string_literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = src.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'/') {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            prev = '\n';
            continue;
        }
        // `'"'` is a char literal, not the start of a string.
        if c != '"' || prev == '\'' {
            prev = c;
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('\n') => {
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    Some(other) => s.push(other),
                    None => break,
                },
                c => s.push(c),
            }
        }
        out.push(s);
        prev = '"';
    }
    out
}

/// Identifier-like words before a `:` (YAML keys), in any line of `text`.
fn field_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for part in line.split(['{', ',', '[']) {
            let part = part.trim().trim_start_matches("- ");
            if let Some((k, _)) = part.split_once(':') {
                let k = k.trim();
                if !k.is_empty()
                    && k.len() < 40
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.".contains(c))
                {
                    out.push(k.to_string());
                }
            }
        }
    }
    out
}

/// Runs the real binary to write shard folders (1/2 and 2/2 of each shard scenario).
fn shard_seeds(work: &Path, reuse: bool) -> Vec<Vec<ShardSeed>> {
    let dir = work.join("shard-seeds");
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut out = Vec::new();
    for (name, text) in SHARD_SCENARIOS {
        if !reuse {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let mut set = Vec::new();
        for i in 1..=2 {
            let shard_dir = dir.join(format!("{name}-{i}"));
            if !reuse {
                let status = Command::new(env!("CARGO_BIN_EXE_kubesim"))
                    .current_dir(&dir)
                    .args([
                        "run",
                        name,
                        "--quiet",
                        "--shard",
                        &format!("{i}/2"),
                        "--out",
                    ])
                    .arg(&shard_dir)
                    .status()
                    .unwrap();
                assert!(status.success(), "writing the shard seed {name} {i}/2");
            }
            let mut files: ShardSeed = std::fs::read_dir(&shard_dir)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect();
            files.sort();
            set.push(files);
        }
        out.push(set);
    }
    out
}
