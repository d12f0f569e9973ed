//! Ctrl-C half-way: no results folder that looks complete; the finished runs are kept in a
//! clearly marked `<name>.partial` folder whose manifest says so; exit code 130.

use std::process::Command;
use std::time::Duration;

#[test]
fn interrupted_run_keeps_a_marked_partial_folder() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("kubesim-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // 40 runs of an hour at 1000 req/s: many seconds of work, interrupted after one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(&dir)
        .arg("run")
        .arg(root.join("scenarios/requests-10-pods.yaml"))
        .args(["--runs", "40", "--jobs", "2", "--out", "r"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        !dir.join("r").exists(),
        "no results folder that looks complete"
    );
    let manifest = std::fs::read_to_string(dir.join("r.partial/manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"), "{manifest}");
    let runs = std::fs::read_to_string(dir.join("r.partial/runs.csv")).unwrap();
    let finished = runs.lines().count() - 1;
    assert!(finished > 0 && finished < 40, "{finished} runs kept");
    std::fs::remove_dir_all(&dir).unwrap();
}
