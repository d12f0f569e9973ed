//! The fuzz campaign: mutated scenarios, `--set` strings, trace/empirical files and shard
//! folders fed to the loader and the shard reader; every input must end in `Ok` or a clean
//! error, within a time and memory bound.
//!
//! `fuzz_campaign` supervises a worker process (this same test binary, `fuzz_worker`) that
//! runs the inputs under `ulimit -v`. A panic is caught in the worker (catch_unwind is the
//! detector only) and reported; an abort, a stack overflow or an allocation failure ends the
//! worker, and a hang past the time bound gets it killed: the supervisor records the input
//! (regenerated from its seed and index) and restarts the worker after it.
//!
//! Environment (all optional): KUBESIM_FUZZ_SEED (default 1), KUBESIM_FUZZ_ITERS (default
//! 4000, the CI run: about 30 s), KUBESIM_FUZZ_SECS (a wall-clock budget; without ITERS it
//! runs until then), KUBESIM_FUZZ_TIMEOUT_S (per input, default 10), KUBESIM_FUZZ_MEM_MB (default
//! 1024), KUBESIM_FUZZ_OUT (crash folder, default target/fuzz).

mod corpus;
mod mutate;
mod regressions;
mod targets;

use corpus::Corpus;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, found `{v}`"))
    })
}

/// The campaign's settings, from the environment.
struct Settings {
    seed: u64,
    iters: u64,
    deadline: Option<Instant>,
    timeout: Duration,
    mem_mb: u64,
    out: PathBuf,
}

impl Settings {
    fn from_env() -> Settings {
        let secs = env_u64("KUBESIM_FUZZ_SECS");
        let iters =
            env_u64("KUBESIM_FUZZ_ITERS").unwrap_or(if secs.is_some() { u64::MAX } else { 4000 });
        Settings {
            seed: env_u64("KUBESIM_FUZZ_SEED").unwrap_or(1),
            iters,
            deadline: secs.map(|s| Instant::now() + Duration::from_secs(s)),
            timeout: Duration::from_secs(env_u64("KUBESIM_FUZZ_TIMEOUT_S").unwrap_or(10)),
            mem_mb: env_u64("KUBESIM_FUZZ_MEM_MB").unwrap_or(1024),
            out: std::env::var_os("KUBESIM_FUZZ_OUT").map_or_else(
                || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz"),
                PathBuf::from,
            ),
        }
    }
}

/// One finding: the iteration that caused it, the input kind and what happened.
struct Finding {
    iter: u64,
    kind: &'static str,
    what: String,
}

#[test]
fn fuzz_campaign() {
    let s = Settings::from_env();
    let work = s.out.join(format!("work-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let corpus = Corpus::build(&work, false);
    let started = Instant::now();
    let mut next = 0;
    let mut executed = 0;
    let mut findings: Vec<Finding> = Vec::new();
    let mut slow = Vec::new();
    while next < s.iters && s.deadline.is_none_or(|d| Instant::now() < d) {
        let run = supervise(&s, &work, next);
        executed += run.executed;
        slow.extend(run.slow);
        for (iter, what) in run.findings {
            let kind = targets::generate(s.seed, iter, &corpus).kind();
            findings.push(Finding { iter, kind, what });
        }
        next = run.resume_at;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "fuzz: seed {}, {executed} executions in {elapsed:.1} s ({:.0}/s), {} findings",
        s.seed,
        executed as f64 / elapsed,
        findings.len()
    );
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (secs, iter) in slow.iter().take(5) {
        let kind = targets::generate(s.seed, *iter, &corpus).kind();
        println!("  slow: iteration {iter} ({kind}) took {secs:.1} s");
    }
    let mut distinct: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        distinct.entry(signature(&f.what)).or_default().push(f);
    }
    for (sig, fs) in &distinct {
        let first = fs[0];
        let dir = s
            .out
            .join(format!("crash-seed{}-iter{}", s.seed, first.iter));
        targets::save(&targets::generate(s.seed, first.iter, &corpus), &dir);
        std::fs::write(dir.join("what.txt"), &first.what).unwrap();
        let all: Vec<String> = fs
            .iter()
            .take(30)
            .map(|f| format!("{}:{}", f.kind, f.iter))
            .collect();
        println!(
            "  {} × {sig}\n    first: {} input, iteration {} → {}\n    all: {}",
            fs.len(),
            first.kind,
            first.iter,
            dir.display(),
            all.join(" ")
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        findings.is_empty(),
        "{} inputs panicked, crashed or hung; replay: KUBESIM_FUZZ_SEED={} and the iteration",
        findings.len(),
        s.seed
    );
}

/// A crash message without the parts that vary between inputs (numbers, quoted text).
fn signature(what: &str) -> String {
    let first = what.lines().next().unwrap_or_default();
    let mut out = String::new();
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                out.push(c);
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    out.chars().take(160).collect()
}

/// What one worker process did before it finished, crashed or was killed.
struct WorkerRun {
    executed: u64,
    /// (seconds, iteration) of every input that took longer than a second.
    slow: Vec<(f64, u64)>,
    findings: Vec<(u64, String)>,
    resume_at: u64,
}

/// Runs a worker from iteration `start`; returns when it ends for any reason.
fn supervise(s: &Settings, work: &Path, start: u64) -> WorkerRun {
    let exe = std::env::current_exe().unwrap();
    let stderr_file = work.join("worker-stderr.txt");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", s.mem_mb * 1024))
        .arg(&exe)
        .args(["--exact", "fuzz_worker", "--nocapture", "--test-threads=1"])
        .env("KUBESIM_FUZZ_WORKER", "1")
        .env("RUST_BACKTRACE", "0")
        .env("KUBESIM_FUZZ_SEED", s.seed.to_string())
        .env("KUBESIM_FUZZ_START", start.to_string())
        .env("KUBESIM_FUZZ_END", s.iters.to_string())
        .env(
            "KUBESIM_FUZZ_LEFT_MS",
            s.deadline
                .map_or(u64::MAX, |d| {
                    d.saturating_duration_since(Instant::now()).as_millis() as u64
                })
                .to_string(),
        )
        .env("KUBESIM_FUZZ_WORK", work)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let mut run = WorkerRun {
        executed: 0,
        slow: Vec::new(),
        findings: Vec::new(),
        resume_at: start,
    };
    let mut current = None;
    let mut since = Instant::now();
    loop {
        let received = rx.recv_timeout(s.timeout);
        if let (Some(i), Ok(line)) = (current, &received)
            && !line.starts_with("P ")
        {
            let took = since.elapsed().as_secs_f64();
            if took > 1.0 {
                run.slow.push((took, i));
            }
        }
        match received {
            Ok(line) => {
                if let Some(i) = line.strip_prefix("S ") {
                    since = Instant::now();
                    current = Some(i.parse::<u64>().unwrap());
                    run.executed += 1;
                } else if let Some(rest) = line.strip_prefix("P ") {
                    let (i, msg) = rest.split_once(' ').unwrap();
                    run.findings.push((
                        i.parse().unwrap(),
                        format!("panic: {}", msg.replace('\u{1}', "\n")),
                    ));
                } else if let Some(i) = line.strip_prefix("D ") {
                    run.resume_at = i.parse().unwrap();
                    let _ = child.wait();
                    return run;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                let i = current.unwrap_or(start);
                run.findings.push((
                    i,
                    format!("hang: no result within {} s", s.timeout.as_secs()),
                ));
                run.resume_at = i + 1;
                return run;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().unwrap();
                let stderr = std::fs::read_to_string(&stderr_file).unwrap_or_default();
                // A worker that never started an input is a broken harness (say, the test
                // binary was rebuilt under a running campaign), not a finding.
                let Some(i) = current else {
                    panic!("the fuzz worker did not start ({status}): {stderr}");
                };
                let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
                run.findings.push((
                    i,
                    format!(
                        "crash ({status}): {}",
                        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                    ),
                ));
                run.resume_at = i + 1;
                return run;
            }
        }
    }
}

/// The worker: does nothing unless started by `fuzz_campaign` or a regression test.
#[test]
fn fuzz_worker() {
    let replay = std::env::var_os("KUBESIM_FUZZ_REPLAY").map(PathBuf::from);
    if std::env::var_os("KUBESIM_FUZZ_WORKER").is_none() && replay.is_none() {
        return;
    }
    // The binary runs the loader on the main thread (8 MiB of stack): so does the worker,
    // rather than on a test thread's 2 MiB, to judge deep nesting as the binary would.
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || match replay {
            Some(case) => {
                let scratch = std::env::temp_dir()
                    .join(format!("kubesim-fuzz-replay-{}", std::process::id()));
                std::fs::create_dir_all(&scratch).unwrap();
                let input = targets::load(&case);
                let outcome = targets::run(&input, &scratch);
                let _ = std::fs::remove_dir_all(&scratch);
                println!("replayed: {}", outcome.name());
            }
            None => worker(),
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Runs one saved input in a worker process under the same bounds as the campaign; returns
/// the outcome, or panics naming the panic, crash or hang.
pub fn replay(case: &Path) -> String {
    // `timeout` guards against a hang (exit 124); it is no timing assertion: a clean input
    // takes milliseconds.
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576; exec timeout -s KILL 60 \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "fuzz_worker", "--nocapture", "--test-threads=1"])
        .env("KUBESIM_FUZZ_REPLAY", case)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}: {} — {}",
        case.display(),
        out.status,
        stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(4)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    stdout
        .lines()
        // libtest may print `test fuzz_worker ... ` on the same line first.
        .find_map(|l| l.split_once("replayed: ").map(|(_, o)| o))
        .unwrap_or("?")
        .to_string()
}

fn worker() {
    let seed = env_u64("KUBESIM_FUZZ_SEED").unwrap();
    let start = env_u64("KUBESIM_FUZZ_START").unwrap();
    let end = env_u64("KUBESIM_FUZZ_END").unwrap();
    let left = Duration::from_millis(env_u64("KUBESIM_FUZZ_LEFT_MS").unwrap());
    let deadline = Instant::now().checked_add(left);
    let work = PathBuf::from(std::env::var_os("KUBESIM_FUZZ_WORK").unwrap());
    let scratch = work.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let corpus = Corpus::build(&work, true);
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let hook_slot = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| {
        *hook_slot.lock().unwrap() = info.to_string();
    }));
    let mut out = std::io::stdout().lock();
    let mut i = start;
    while i < end && deadline.is_none_or(|d| Instant::now() < d) {
        writeln!(out, "S {i}").unwrap();
        out.flush().unwrap();
        let input = targets::generate(seed, i, &corpus);
        let result = std::panic::catch_unwind(|| targets::run(&input, &scratch));
        if result.is_err() {
            let msg = last_panic.lock().unwrap().replace('\n', "\u{1}");
            writeln!(out, "P {i} {msg}").unwrap();
        }
        i += 1;
    }
    writeln!(out, "D {i}").unwrap();
    out.flush().unwrap();
}
