//! Every input the fuzz campaign found to panic, crash or hang, replayed from
//! `tests/fuzz_cases/NAME/` in a bounded worker process: each must end in `Ok` or a clean
//! error. A case whose fix is not merged yet is `#[ignore = "needs fix: …"]`.

use std::path::Path;

fn case(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_cases")
        .join(name);
    assert!(dir.is_dir(), "no case folder {}", dir.display());
    super::replay(&dir)
}

/// An alias bomb ("billion laughs", 8^10 nodes) in a `--set` value: found by the campaign
/// (seed 1, iterations 123 and 449) as an allocation failure past 1 GiB.
#[test]
#[ignore = "needs fix: alias expansion budget for --set values (src/scenario)"]
fn set_alias_bomb() {
    assert_eq!(case("set-alias-bomb"), "rejected");
}
