//! Checks JSON documents against `kubesim schema` with Python's `jsonschema` (draft 2020-12).
//! Where Python or jsonschema is missing the callers skip with a message, unless
//! KUBESIM_REQUIRE_JSONSCHEMA=1 (set by `.ci/run`, which installs it).

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The schema as `kubesim schema` prints it.
pub fn printed_schema() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh folder under the system's temporary one (this process's, this caller's).
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubesim-jsonschema-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CHECKER: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
def leaves(e):
    """What went wrong at the bottom of an anyOf or oneOf: each branch's own errors."""
    return [m for c in e.context for m in leaves(c)] if e.context else [e.message]
for name, doc in json.load(open(sys.argv[2])):
    errors = list(v.iter_errors(doc))
    print(json.dumps([name, sorted(e.message for e in errors), sorted({m for e in errors for m in leaves(e)})]))
"#;

/// A document's schema errors: the top-level ones and, below each anyOf, each branch's.
pub type SchemaErrors = (String, Vec<String>, Vec<String>);

/// Each document's schema errors, from Python's jsonschema; `None` where it is missing.
pub fn schema_errors(test: &str, docs: &[(String, Value)]) -> Option<Vec<SchemaErrors>> {
    let has = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        let required = std::env::var("KUBESIM_REQUIRE_JSONSCHEMA").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "KUBESIM_REQUIRE_JSONSCHEMA=1 but `python3 -c 'import jsonschema'` fails: \
             install it (`python3 -m pip install jsonschema`)"
        );
        eprintln!("skipped: python3 with jsonschema is not available");
        return None;
    }
    let dir = temp_dir(test);
    let schema = dir.join("schema.json");
    std::fs::write(&schema, printed_schema()).unwrap();
    let input = dir.join("docs.json");
    std::fs::write(&input, serde_json::to_string(docs).unwrap()).unwrap();
    let out = Command::new("python3")
        .args(["-c", CHECKER])
        .arg(&schema)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let lines = String::from_utf8(out.stdout).unwrap();
    Some(
        lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}
