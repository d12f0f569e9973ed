//! The notebook path: `examples/analysis.py` loads runs.csv and summary.csv with pandas and
//! re-derives the summary from the runs. Where Python or pandas is missing the test skips
//! with a message, unless KUBESIM_REQUIRE_PANDAS=1 (set by `.ci/run`, which installs
//! pandas): then a missing pandas fails the test instead of passing silently.

use std::path::Path;
use std::process::Command;

#[test]
fn pandas_reads_and_reproduces_the_summary() {
    let has_pandas = Command::new("python3")
        .args(["-c", "import pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pandas {
        let required = std::env::var("KUBESIM_REQUIRE_PANDAS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "KUBESIM_REQUIRE_PANDAS=1 but `python3 -c 'import pandas'` fails: \
             install it (`python3 -m pip install pandas`)"
        );
        eprintln!("skipped: python3 with pandas is not available");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("kubesim-notebook-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("run")
        .arg(root.join("scenarios/quickstart.yaml"))
        .args(["--quiet", "--runs", "6", "--set", "horizon=5d", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let py = Command::new("python3")
        .arg(root.join("examples/analysis.py"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert!(String::from_utf8_lossy(&py.stdout).contains("base"));
    std::fs::remove_dir_all(&out).unwrap();
}
