//! Same scenario and seed ⇒ byte-identical CSV, whatever `--jobs`; another seed ⇒ other results.

use std::path::Path;
use std::process::Command;

fn run(out: &Path, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let status = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--runs", "12", "--set", "horizon=10d", "--out"])
        .arg(out)
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success());
    (
        std::fs::read(out.join("runs.csv")).unwrap(),
        std::fs::read(out.join("summary.csv")).unwrap(),
    )
}

#[test]
fn output_does_not_depend_on_jobs() {
    let base = std::env::temp_dir().join(format!("kubesim-det-{}", std::process::id()));
    let one = run(&base.join("j1"), &["--jobs", "1"]);
    let two = run(&base.join("j2"), &["--jobs", "2"]);
    let again = run(&base.join("j2b"), &["--jobs", "2"]);
    let other = run(&base.join("s2"), &["--jobs", "2", "--seed", "2"]);
    assert!(
        one.0 == two.0,
        "runs.csv differs between --jobs 1 and --jobs 2"
    );
    assert!(
        one.1 == two.1,
        "summary.csv differs between --jobs 1 and --jobs 2"
    );
    assert!(two == again, "the same command gave different output");
    assert!(one.0 != other.0, "another seed gave identical runs");
    // 12 runs × 1 service + header.
    assert_eq!(String::from_utf8_lossy(&one.0).lines().count(), 13);
    let manifest = std::fs::read_to_string(base.join("j1/manifest.json")).unwrap();
    for key in [
        "\"scenario_sha256\"",
        "\"run_seeds\"",
        "\"kubesim_version\"",
        "\"events\"",
        "\"wall_s\"",
    ] {
        assert!(manifest.contains(key), "manifest lacks {key}");
    }
    std::fs::remove_dir_all(&base).unwrap();
}
