//! What one fuzz input is (scenario text, `--set` strings, trace/empirical file contents,
//! shard folders), how it is derived from a seed, and how it is fed to the library.

use super::corpus::{Corpus, WITH_FILES};
use super::mutate;
use arbitrary::Unstructured;
use kubesim::report;
use kubesim::scenario::Scenario;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// One fuzz input. Files are written into the worker's scratch folder before the call.
#[derive(Debug)]
pub enum Input {
    /// Scenario bytes (maybe not UTF-8) and `--set` strings.
    Scenario { text: Vec<u8>, sets: Vec<String> },
    /// A valid scenario with fuzzed `--set` strings.
    Sets { text: Vec<u8>, sets: Vec<String> },
    /// `load.csv` and `samples.csv` next to a scenario that reads them.
    Files { trace: Vec<u8>, samples: Vec<u8> },
    /// Shard folders (each a list of files) given to `merge`.
    Shards(Vec<Vec<(String, Vec<u8>)>>),
}

impl Input {
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Scenario { .. } => "scenario",
            Input::Sets { .. } => "set",
            Input::Files { .. } => "files",
            Input::Shards(_) => "shards",
        }
    }
}

/// The input of iteration `i` of campaign `seed`: the same pair gives the same input.
pub fn generate(seed: u64, i: u64, corpus: &Corpus) -> Input {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut bytes = vec![0u8; 4096];
    rng.fill_bytes(&mut bytes);
    let mut u = Unstructured::new(&bytes);
    // Running out of decision bytes never fails: the decoder falls back to defaults.
    decode(&mut u, corpus).unwrap_or(Input::Sets {
        text: WITH_FILES.into(),
        sets: Vec::new(),
    })
}

fn decode(u: &mut Unstructured, corpus: &Corpus) -> arbitrary::Result<Input> {
    Ok(match u.int_in_range(0..=19u8)? {
        0..=8 => {
            let (_, seed) = u.choose(&corpus.scenarios)?;
            let text = mutate::text(u, seed, corpus)?;
            let mut sets = Vec::new();
            if u.ratio(1u8, 5)? {
                sets.push(mutate::set(u, corpus)?);
            }
            Input::Scenario { text, sets }
        }
        9..=11 => {
            let (_, seed) = u.choose(&corpus.scenarios)?;
            let mut sets = Vec::new();
            for _ in 0..u.int_in_range(1..=4u8)? {
                sets.push(mutate::set(u, corpus)?);
            }
            Input::Sets {
                text: seed.clone(),
                sets,
            }
        }
        12..=14 => Input::Files {
            trace: mutate::csv(u, &corpus.traces, corpus)?,
            samples: mutate::csv(u, &corpus.samples, corpus)?,
        },
        _ => {
            let set = u.choose(&corpus.shards)?;
            let mut folders = Vec::new();
            for _ in 0..u.int_in_range(1..=3u8)? {
                let mut folder = u.choose(set)?.clone();
                if u.ratio(4u8, 5)? {
                    let f = u.choose_index(folder.len())?;
                    folder[f].1 = shard_file(u, &folder[f].1, corpus)?;
                }
                folders.push(folder);
            }
            Input::Shards(folders)
        }
    })
}

fn shard_file(u: &mut Unstructured, bytes: &[u8], corpus: &Corpus) -> arbitrary::Result<Vec<u8>> {
    if u.ratio(1u8, 4)? {
        return mutate::text(u, bytes, corpus);
    }
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return mutate::text(u, bytes, corpus);
    };
    for _ in 0..u.int_in_range(1..=4u8)? {
        mutate::json(u, &mut v)?;
    }
    Ok(v.to_string().into_bytes())
}

/// How an input ended (a panic or a crash never gets here).
pub enum Outcome {
    Ok,
    Rejected,
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Feeds `input` to the library, with `work` as the folder its files live in.
pub fn run(input: &Input, work: &Path) -> Outcome {
    let scenario_path = work.join("fuzz.yaml");
    let ok = match input {
        Input::Scenario { text, sets } | Input::Sets { text, sets } => {
            match std::str::from_utf8(text) {
                Ok(t) => {
                    // `from_text` ignores a sweep: called for coverage; the outcome is the
                    // sweep's.
                    let _ = Scenario::from_text(t, &scenario_path, sets);
                    Scenario::variants_from_text(t, &scenario_path, sets).is_ok()
                }
                Err(_) => {
                    std::fs::write(&scenario_path, text).unwrap();
                    Scenario::load_variants(&scenario_path, sets).is_ok()
                }
            }
        }
        Input::Files { trace, samples } => {
            std::fs::write(work.join("load.csv"), trace).unwrap();
            std::fs::write(work.join("samples.csv"), samples).unwrap();
            Scenario::variants_from_text(WITH_FILES, &scenario_path, &[]).is_ok()
        }
        Input::Shards(folders) => {
            let dirs = write_shards(folders, work);
            match report::shard::merge(&dirs) {
                Ok(m) => {
                    // What `kubesim merge` computes before writing.
                    let _ = report::runs_csv(&m.result);
                    let _ = report::summary_csv(&m.result);
                    true
                }
                Err(_) => false,
            }
        }
    };
    if ok { Outcome::Ok } else { Outcome::Rejected }
}

pub fn write_shards(folders: &[Vec<(String, Vec<u8>)>], work: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for (i, files) in folders.iter().enumerate() {
        let d = work.join(format!("shard-{i}"));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for (name, bytes) in files {
            std::fs::write(d.join(name), bytes).unwrap();
        }
        dirs.push(d);
    }
    dirs
}

/// Writes `input` as files a person (or a regression test) can replay with the binary.
pub fn save(input: &Input, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    match input {
        Input::Scenario { text, sets } | Input::Sets { text, sets } => {
            std::fs::write(dir.join("scenario.yaml"), text).unwrap();
            std::fs::write(dir.join("sets.json"), serde_json::json!(sets).to_string()).unwrap();
        }
        Input::Files { trace, samples } => {
            std::fs::write(dir.join("scenario.yaml"), WITH_FILES).unwrap();
            std::fs::write(dir.join("load.csv"), trace).unwrap();
            std::fs::write(dir.join("samples.csv"), samples).unwrap();
        }
        Input::Shards(folders) => {
            write_shards(folders, dir);
        }
    }
}

/// Reads back an input written by `save` (a crash folder, or a regression case).
pub fn load(dir: &Path) -> Input {
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_default();
    if dir.join("shard-0").is_dir() {
        let mut folders = Vec::new();
        for i in 0.. {
            let d = dir.join(format!("shard-{i}"));
            if !d.is_dir() {
                break;
            }
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap())
                })
                .collect();
            files.sort();
            folders.push(files);
        }
        Input::Shards(folders)
    } else if dir.join("load.csv").exists() {
        Input::Files {
            trace: read("load.csv"),
            samples: read("samples.csv"),
        }
    } else {
        let sets = serde_json::from_slice(&read("sets.json")).unwrap_or_default();
        Input::Scenario {
            text: read("scenario.yaml"),
            sets,
        }
    }
}
