//! Every input the fuzz campaign found to panic, crash or hang, replayed from
//! `tests/fuzz_cases/NAME/` in a bounded worker process: each must end in `Ok` or a clean
//! error. A case whose fix is not merged yet is `#[ignore = "needs fix: …"]` (none now).

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
fn set_alias_bomb() {
    assert_eq!(case("set-alias-bomb"), "rejected");
}

/// A shard whose request-failure count is u64::MAX: merging it with another shard overflowed
/// in `RequestStats::merge` (a panic in debug builds, a silent wrap in release). Found by the
/// campaign (seed 7, iteration 1371), re-made in the current shard format.
#[test]
fn shard_count_overflow() {
    assert_eq!(case("shard-count-overflow"), "rejected");
}

/// A sweep of 1000 × 1000 × 1000 combinations: the combinations were materialised (and each
/// validated) before any limit, an allocation failure past 1 GiB. Found by the campaign
/// (seed 7, iteration 270).
#[test]
fn sweep_billion() {
    assert_eq!(case("sweep-billion"), "rejected");
}

/// 100,000 nested block sequences (`- - - …`) on one line after `nodes:`: a stack overflow
/// (process abort) in the recursive tree code. Found by the campaign (seed 8, iteration 5076).
#[test]
fn scenario_stack_overflow() {
    assert_eq!(case("scenario-stack-overflow"), "rejected");
}

/// Shards whose per-run event counts are u64::MAX: the total overflows in an iterator
/// `sum()` while merging (a panic in debug builds, a silent wrap in release). Found by the
/// campaign (seed 8, iteration 2855), re-made in the current shard format.
#[test]
fn shard_sum_overflow() {
    assert_eq!(case("shard-sum-overflow"), "rejected");
}

/// A shard with a latency-histogram count near u64::MAX: "attempt to add with overflow"
/// inside hdrhistogram while merging (debug builds; release wraps). Found by the campaign
/// (seed 9, iteration 7983).
#[test]
fn shard_histogram_overflow() {
    assert_eq!(case("shard-histogram-overflow"), "rejected");
}
