//! The bad-output catalogue: `--out`, `merge` and `plot` never touch what kubesim did not
//! write; failed writes leave nothing behind; hostile shard and summary files are exit-2
//! errors naming the file (never a panic, hang or huge allocation); truncated runs and
//! missed faults are said loudly. Each case asserts the exact message, the exit code, and
//! that the folder's contents are byte for byte what they were.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCENARIO: &str = "
horizon: 10m
runs: 3
seed: 1
nodes: [{pool: w, count: 2}]
workloads: [{name: web, replicas: 2, start: 1s}]
traffic: [{service: web, arrivals: {poisson: 20/s}}]
";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubesim-bo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.yaml"), SCENARIO).unwrap();
    dir
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn kubesim(dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Everything under `dir` (links not followed): relative path → contents, `dir/`, or `-> target`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("-> {}", t.display()).into_bytes());
            } else if m.is_dir() {
                out.insert(rel + "/", Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Runs `args` in `dir`, expecting exit 2 with exactly `message` and no change under `dir`.
fn refused(dir: &Path, args: &[&str], message: &str) {
    let before = snapshot(dir);
    let o = kubesim(dir, args);
    assert_eq!(o.stderr.trim_end(), format!("error: {message}"), "{args:?}");
    assert_eq!(o.code, Some(2), "{args:?}");
    assert_eq!(snapshot(dir), before, "{args:?} changed the folder");
}

/// A user's folder: a thesis and a subfolder with notes.
fn user_folder(dir: &Path) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("thesis.tex"), "\\chapter{One}").unwrap();
    std::fs::write(dir.join("sub/notes.txt"), "n").unwrap();
}

fn ok(dir: &Path, args: &[&str]) -> Out {
    let o = kubesim(dir, args);
    assert_eq!(o.code, Some(0), "{args:?}: {}", o.stderr);
    o
}

// ---- item 1: --out never replaces what kubesim did not write -----------------------------

#[test]
fn out_refuses_a_users_folder_and_leaves_it_byte_for_byte() {
    let d = scratch("mydocs");
    user_folder(&d.join("mydocs"));
    refused(
        &d,
        &["run", "s.yaml", "--out", "mydocs"],
        "refusing to replace `mydocs`: it holds `sub/`, which kubesim did not write (choose another folder, or an empty one)",
    );
}

#[test]
fn out_refuses_the_current_directory_and_its_parents() {
    let d = scratch("cwd");
    std::fs::create_dir(d.join("inner")).unwrap();
    for out in [".", "inner/..", "./inner/../."] {
        refused(
            &d,
            &["run", "s.yaml", "--out", out],
            &format!("refusing to replace `{out}`: it is the current directory or contains it"),
        );
    }
    refused(
        &d.join("inner"),
        &["run", "../s.yaml", "--out", ".."],
        "refusing to replace `..`: it is the current directory or contains it",
    );
}

#[test]
fn out_refuses_a_folder_named_through_dotdot_or_a_symlink() {
    let d = scratch("resolve");
    user_folder(&d.join("mydocs"));
    std::fs::create_dir(d.join("x")).unwrap();
    std::os::unix::fs::symlink("mydocs", d.join("link")).unwrap();
    refused(
        &d,
        &["run", "s.yaml", "--out", "x/../mydocs"],
        "refusing to replace `x/../mydocs`: it holds `sub/`, which kubesim did not write (choose another folder, or an empty one)",
    );
    refused(
        &d,
        &["run", "s.yaml", "--out", "link"],
        "refusing to replace `link`: it holds `sub/`, which kubesim did not write (choose another folder, or an empty one)",
    );
}

#[test]
fn out_refuses_a_file_and_a_dangling_link_leaving_nothing_behind() {
    let d = scratch("file");
    std::fs::write(d.join("afile"), "keep").unwrap();
    std::os::unix::fs::symlink("nowhere", d.join("dl")).unwrap();
    refused(
        &d,
        &["run", "s.yaml", "--out", "afile"],
        "cannot write results to `afile`: it is a file, not a folder",
    );
    refused(
        &d,
        &["run", "s.yaml", "--out", "dl"],
        "cannot write results to `dl`: it is a symbolic link to `nowhere`, which does not exist",
    );
}

#[test]
fn out_refuses_kubesim_files_without_a_manifest_or_with_a_users_file() {
    let d = scratch("almost");
    std::fs::create_dir(d.join("a")).unwrap();
    std::fs::write(d.join("a/runs.csv"), "mine").unwrap();
    refused(
        &d,
        &["run", "s.yaml", "--out", "a"],
        "refusing to replace `a`: it has no kubesim manifest.json, so kubesim did not write it (choose another folder, or an empty one)",
    );
    ok(&d, &["run", "s.yaml", "-q", "--out", "r"]);
    std::fs::write(d.join("r/my-analysis.ipynb"), "{}").unwrap();
    refused(
        &d,
        &["run", "s.yaml", "--out", "r"],
        "refusing to replace `r`: it holds `my-analysis.ipynb`, which kubesim did not write (choose another folder, or an empty one)",
    );
    std::fs::remove_file(d.join("r/my-analysis.ipynb")).unwrap();
    std::fs::create_dir(d.join("r/plots")).unwrap();
    std::fs::write(d.join("r/plots/figure1.pdf"), "fig").unwrap();
    refused(
        &d,
        &["run", "s.yaml", "--out", "r"],
        "refusing to replace `r`: it holds `plots/figure1.pdf`, which kubesim did not write (choose another folder, or an empty one)",
    );
}

#[test]
fn out_refuses_a_users_partial_folder_before_running() {
    let d = scratch("partial");
    user_folder(&d.join("r.partial"));
    refused(
        &d,
        &["run", "s.yaml", "--out", "r"],
        "refusing to replace `r.partial`: it holds `sub/`, which kubesim did not write (choose another folder, or an empty one)",
    );
}

#[test]
fn out_replaces_its_own_or_an_empty_folder_atomically_leaving_no_leftovers() {
    let d = scratch("own");
    std::fs::create_dir(d.join("empty")).unwrap();
    ok(&d, &["run", "s.yaml", "-q", "--out", "empty"]);
    ok(&d, &["run", "s.yaml", "-q", "--out", "r", "--seed", "1"]);
    let first = std::fs::read(d.join("r/runs.csv")).unwrap();
    // Through a link to it: the folder is replaced, the link stays a link.
    std::os::unix::fs::symlink("r", d.join("link")).unwrap();
    ok(&d, &["run", "s.yaml", "-q", "--out", "link", "--seed", "2"]);
    assert!(
        std::fs::symlink_metadata(d.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_ne!(std::fs::read(d.join("r/runs.csv")).unwrap(), first);
    let names: Vec<String> = snapshot(&d)
        .into_keys()
        .filter(|k| !k.contains('/') || k.ends_with('/'))
        .collect();
    assert_eq!(names, ["empty/", "link", "r/", "s.yaml"]);
}

#[test]
fn merge_out_is_checked_before_reading_the_shards() {
    let d = scratch("mergeout");
    user_folder(&d.join("mydocs"));
    refused(
        &d,
        &["merge", "no-such-shard", "--out", "mydocs"],
        "refusing to replace `mydocs`: it holds `sub/`, which kubesim did not write (choose another folder, or an empty one)",
    );
}

// ---- item 5: merge checks every shard -----------------------------------------------------

/// Two shards of SCENARIO (3 runs): s1 holds runs 0 and 2, s2 holds run 1.
fn shards(name: &str) -> PathBuf {
    let d = scratch(name);
    for i in 1..=2 {
        ok(
            &d,
            &[
                "run",
                "s.yaml",
                "-q",
                "--shard",
                &format!("{i}/2"),
                "--out",
                &format!("s{i}"),
            ],
        );
    }
    d
}

fn edit_shard(d: &Path, shard: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let p = d.join(shard).join("shard.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, v.to_string()).unwrap();
}

fn merge_refused(d: &Path, message: &str) {
    refused(d, &["merge", "s1", "s2", "--out", "m"], message);
}

#[test]
fn merge_rejects_shards_with_missing_duplicated_or_misplaced_runs() {
    let d = shards("merge-runs");
    ok(&d, &["merge", "s1", "s2", "--out", "m"]);
    std::fs::remove_dir_all(d.join("m")).unwrap();
    let original = std::fs::read(d.join("s1/shard.json")).unwrap();
    let restore = || std::fs::write(d.join("s1/shard.json"), &original).unwrap();
    edit_shard(&d, "s1", |v| v["runs"] = serde_json::json!([]));
    merge_refused(&d, "`s1/shard.json` holds 0 runs; shard 1 of 2 has 2");
    restore();
    edit_shard(&d, "s1", |v| {
        let runs = v["runs"].as_array().unwrap().clone();
        v["runs"].as_array_mut().unwrap().extend(runs);
    });
    merge_refused(&d, "`s1/shard.json` holds 4 runs; shard 1 of 2 has 2");
    restore();
    edit_shard(&d, "s1", |v| v["runs"][1]["run"] = 99.into());
    merge_refused(
        &d,
        "`s1/shard.json`: found variant 0 run 99 where shard 1 of 2 has variant 0 run 2",
    );
    restore();
    edit_shard(&d, "s1", |v| v["runs"][0]["variant"] = 7.into());
    merge_refused(
        &d,
        "`s1/shard.json`: found variant 7 run 0 where shard 1 of 2 has variant 0 run 0",
    );
    restore();
    edit_shard(&d, "s1", |v| v["runs"][0]["seed"] = 5.into());
    merge_refused(
        &d,
        &format!(
            "`s1/shard.json`: variant 0 run 0 does not match the scenario (seed 5, 1 workloads, 1 services; expected seed {}, 1 workloads, 1 services)",
            kubesim::rng::run_seed(1, 0)
        ),
    );
}

#[test]
fn merge_rejects_shards_without_workloads_or_requests() {
    let d = shards("merge-shape");
    edit_shard(&d, "s2", |v| {
        v["runs"][0]["workloads"] = serde_json::json!([])
    });
    let seed = kubesim::rng::run_seed(1, 1);
    merge_refused(
        &d,
        &format!(
            "`s2/shard.json`: variant 0 run 1 does not match the scenario (seed {seed}, 0 workloads, 1 services; expected seed {seed}, 1 workloads, 1 services)"
        ),
    );
    let d = shards("merge-shape2");
    edit_shard(&d, "s2", |v| {
        v["runs"][0]["requests"] = serde_json::json!([])
    });
    merge_refused(
        &d,
        &format!(
            "`s2/shard.json`: variant 0 run 1 does not match the scenario (seed {seed}, 1 workloads, 0 services; expected seed {seed}, 1 workloads, 1 services)"
        ),
    );
    edit_shard(&d, "s2", |v| v["runs"] = serde_json::json!("lots"));
    merge_refused(&d, "`s2/shard.json`: `runs` is not a list");
}

#[test]
fn merge_rejects_bad_shard_numbers_without_allocating_by_them() {
    let d = shards("merge-count");
    edit_shard(&d, "s1", |v| v["of"] = 1_000_000_000_000_000_000u64.into());
    edit_shard(&d, "s2", |v| v["of"] = 1_000_000_000_000_000_000u64.into());
    merge_refused(&d, "shard 3 of 1000000000000000000 is missing");
    edit_shard(&d, "s2", |v| v["shard"] = 1.into());
    merge_refused(&d, "`s2/shard.json` and `s1/shard.json` are both shard 1");
    edit_shard(&d, "s2", |v| v["shard"] = 0.into());
    merge_refused(
        &d,
        "`s2/shard.json`: shard number 0 is not within 1..=1000000000000000000",
    );
    edit_shard(&d, "s2", |v| v["of"] = 3.into());
    merge_refused(
        &d,
        "`s2/shard.json` belongs to another scenario or shard count",
    );
    edit_shard(&d, "s1", |v| v["kubesim_version"] = "0.0.1".into());
    merge_refused(
        &d,
        &format!(
            "`s1/shard.json` was written by kubesim 0.0.1, this is {}: rerun that shard",
            env!("CARGO_PKG_VERSION")
        ),
    );
}

#[test]
fn run_rejects_more_shards_than_runs() {
    let d = scratch("shardcount");
    refused(
        &d,
        &["run", "s.yaml", "--shard", "1/1000000000000000000"],
        "--shard: 1000000000000000000 shards but only 3 runs to share (at most one shard per run)",
    );
}

#[test]
fn merge_refuses_to_write_over_a_shard_it_reads() {
    let d = shards("merge-self");
    refused(
        &d,
        &["merge", "s1", "s2", "--out", "s1"],
        "refusing to replace `s1`: it holds the shard folder `s1` being merged",
    );
}

// ---- item 6: plot -------------------------------------------------------------------------

fn results(name: &str) -> PathBuf {
    let d = scratch(name);
    ok(&d, &["run", "s.yaml", "-q", "--out", "r"]);
    d
}

#[test]
fn plot_rejects_summaries_without_columns_or_rows_and_never_hangs() {
    let d = results("plot-bad");
    let cases: [(&str, &str); 5] = [
        ("", "`r/summary.csv` has no `variant` column"),
        ("a,b\n1,2\n", "`r/summary.csv` has no `variant` column"),
        (
            "variant,service\nbase,web\n",
            "`r/summary.csv` has no `availability_mean` column",
        ),
        (
            "variant,service,availability_mean\n",
            "`r/summary.csv` has no row with an availability: nothing to plot (a scenario without services?)",
        ),
        (
            "variant,service,availability_mean\nbase,web,NaN\nbase,api,inf\n",
            "`r/summary.csv` has no row with an availability: nothing to plot (a scenario without services?)",
        ),
    ];
    for (text, message) in cases {
        std::fs::write(d.join("r/summary.csv"), text).unwrap();
        refused(&d, &["plot", "r", "--kinds", "availability"], message);
    }
    refused(
        &d,
        &["plot", "r", "--kinds", "latency"],
        "`r/summary.csv` has no `latency_ms_p50_mean` column",
    );
    refused(
        &d,
        &["plot", "r", "--kinds", "timeline"],
        "`timeline` needs timeseries.csv: set `output: {timeseries: 1m}` in the scenario",
    );
    refused(
        &d,
        &["plot", "r", "--kinds", "pie"],
        "unknown plot `pie` (expected one of: timeline, availability, latency, replicas, success)",
    );
    // Some NaN rows: skipped, the rest is drawn.
    std::fs::write(
        d.join("r/summary.csv"),
        "variant,service,availability_mean\nbase,web,NaN\nbase,api,0.99\n",
    )
    .unwrap();
    let o = ok(&d, &["plot", "r", "--kinds", "availability"]);
    assert_eq!(o.stdout.trim(), "2 plots → r/plots");
}

#[test]
fn plot_never_overwrites_a_users_files_in_plots() {
    let d = results("plot-user");
    std::fs::create_dir(d.join("r/plots")).unwrap();
    std::fs::write(d.join("r/plots/figure1.pdf"), "fig").unwrap();
    refused(
        &d,
        &["plot", "r"],
        "refusing to write plots into `r/plots`: it holds `figure1.pdf`, which kubesim did not write (move it away)",
    );
    // Plot-named files in a folder kubesim did not write may be the user's own.
    std::fs::remove_file(d.join("r/plots/figure1.pdf")).unwrap();
    std::fs::write(d.join("r/plots/availability.png"), "mine").unwrap();
    std::fs::remove_file(d.join("r/manifest.json")).unwrap();
    refused(
        &d,
        &["plot", "r"],
        "refusing to write plots into `r/plots`: its results folder has no kubesim manifest.json, so these plots may not be kubesim's (move them away)",
    );
    std::fs::remove_dir_all(d.join("r/plots")).unwrap();
    std::fs::write(d.join("r/plots"), "a file").unwrap();
    refused(
        &d,
        &["plot", "r"],
        "refusing to write plots into `r`: it holds `plots`, which kubesim did not write (move it away)",
    );
}

#[test]
fn a_run_without_services_skips_its_plot_with_a_warning() {
    let d = scratch("noservices");
    std::fs::write(
        d.join("n.yaml"),
        "horizon: 10m\nnodes: [{pool: w, count: 1}]\nworkloads: [{name: web, replicas: 1}]\nservices: []\noutput: {plots: [availability]}\n",
    )
    .unwrap();
    let o = kubesim(&d, &["run", "n.yaml", "-q", "--out", "r"]);
    // Rejecting `services: []` at validation (exit 2) is fine too; hanging or exit 1 is not.
    if o.code == Some(2) {
        return;
    }
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(
        o.stderr.trim(),
        "warning: plot `availability` skipped: `r/summary.csv` has no row with an availability: nothing to plot (a scenario without services?)"
    );
}

// ---- item 4: truncation and missed faults are loud ----------------------------------------

#[test]
fn truncated_runs_are_warned_marked_and_counted() {
    let d = scratch("trunc");
    // Node failure cycles every ~3 min: about 5,000 events per run, while the up-front
    // estimate (8 events per failure cycle) stays under the 4,000 budget, so the runs start
    // and are cut short by the budget instead of being refused.
    std::fs::write(
        d.join("s.yaml"),
        "horizon: 10h
runs: 3
seed: 1
nodes: [{pool: w, count: 2, failures: {time_to_failure: {exponential: 2m}, time_to_repair: 1m}}]
workloads: [{name: web, replicas: 2, start: 1s, probes: {readiness: {period: 2s}}}]
",
    )
    .unwrap();
    let o = ok(&d, &["run", "s.yaml", "--out", "r", "--max-events", "4000"]);
    assert_eq!(
        o.stderr.trim(),
        "warning: 3 of 3 runs TRUNCATED: the event budget (--max-events 4000) stopped them before the horizon, so their metrics cover less time; raise --max-events"
    );
    assert!(o.stdout.contains(" 3 (3 TRUNCATED) "), "{}", o.stdout);
    let summary = std::fs::read_to_string(d.join("r/summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    let at = |k: &str| row[header.iter().position(|h| *h == k).unwrap()];
    assert_eq!((at("runs_truncated"), at("faults_missed")), ("3", "0"));
    let manifest = std::fs::read_to_string(d.join("r/manifest.json")).unwrap();
    assert!(manifest.contains("\"runs_truncated\": 3,"), "{manifest}");
    let json = ok(
        &d,
        &[
            "run",
            "s.yaml",
            "--out",
            "r",
            "--max-events",
            "4000",
            "--json",
        ],
    );
    assert!(
        json.stdout.contains("\"runs_truncated\": 3,"),
        "{}",
        json.stdout
    );
    // Not truncated: no warning, no marker.
    let o = ok(&d, &["run", "s.yaml", "--out", "r"]);
    assert_eq!(o.stderr, "");
    assert!(!o.stdout.contains("TRUNCATED"));
}

#[test]
fn missed_pod_faults_are_warned_and_counted() {
    let d = scratch("missed");
    let yaml = format!("{SCENARIO}faults: [{{at: 5m, kill_pod: web-7}}]\n");
    std::fs::write(d.join("f.yaml"), yaml).unwrap();
    let o = kubesim(&d, &["run", "f.yaml", "-q", "--out", "r"]);
    // A validator may reject `web-7` of 2 replicas outright (exit 2); if it runs, it warns.
    if o.code == Some(2) {
        return;
    }
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(
        o.stderr.trim(),
        "warning: 3 scripted faults (over all runs) found no target (a pod without a running container, a node the cluster autoscaler removed) and did nothing (logged as `fault-missed` with `output: {events: true}`)"
    );
    let manifest = std::fs::read_to_string(d.join("r/manifest.json")).unwrap();
    assert!(manifest.contains("\"faults_missed\": 3,"), "{manifest}");
}
