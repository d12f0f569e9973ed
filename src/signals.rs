//! The binary's interrupt handling (not part of the library): SIGINT and SIGTERM set one
//! cancel flag that the runs poll; the signal that came first decides the exit code (130 or
//! 143); a second signal ends the process at once. Also a hidden test hook.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static CANCEL: AtomicBool = AtomicBool::new(false);
/// The first signal received (0: none).
static FIRST: AtomicUsize = AtomicUsize::new(0);
/// Any signal received; the second one finds it set and exits.
static SEEN: AtomicBool = AtomicBool::new(false);

/// Installs the handlers once; returns the flag to hand to the experiment.
pub fn install() -> anyhow::Result<&'static AtomicBool> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::low_level::register;
    for sig in [SIGINT, SIGTERM] {
        let code = 128 + sig;
        // SAFETY: the action only loads and stores atomics and calls `exit` (async-signal-safe).
        unsafe {
            register(sig, move || {
                if SEEN.swap(true, Ordering::SeqCst) {
                    signal_hook::low_level::exit(code);
                }
                let _ = FIRST.compare_exchange(0, sig as usize, Ordering::SeqCst, Ordering::SeqCst);
                CANCEL.store(true, Ordering::SeqCst);
            })
        }?;
    }
    Ok(&CANCEL)
}

/// 128 + the first signal received (130 when none was: an interrupt without a signal).
pub fn exit_code() -> i32 {
    match FIRST.load(Ordering::SeqCst) {
        0 => 130,
        sig => 128 + sig as i32,
    }
}

/// `KUBESIM_TEST_HOOK`, for the interrupt tests only: `announce` prints `test-hook: run N
/// finished` on stderr after each run; `sigint-after:N` / `sigterm-after:N` raise that signal
/// (through the real handler) once N runs have finished. Unset: does nothing.
pub enum TestHook {
    None,
    Announce,
    Raise(i32, u64),
}

impl TestHook {
    pub fn from_env() -> Self {
        let Ok(v) = std::env::var("KUBESIM_TEST_HOOK") else {
            return TestHook::None;
        };
        let raise = |prefix: &str, sig| {
            v.strip_prefix(prefix)
                .and_then(|n| n.parse().ok())
                .map(|n| TestHook::Raise(sig, n))
        };
        if v == "announce" {
            TestHook::Announce
        } else {
            raise("sigint-after:", signal_hook::consts::SIGINT)
                .or_else(|| raise("sigterm-after:", signal_hook::consts::SIGTERM))
                .unwrap_or(TestHook::None)
        }
    }

    pub fn after_run(&self, finished: u64) {
        match *self {
            TestHook::None => {}
            TestHook::Announce => eprintln!("test-hook: run {finished} finished"),
            TestHook::Raise(sig, n) if finished == n => {
                let _ = signal_hook::low_level::raise(sig);
            }
            TestHook::Raise(..) => {}
        }
    }
}
