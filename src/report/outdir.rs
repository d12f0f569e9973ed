//! Output folders: which folders kubesim may replace, and replacing one atomically and durably.
//!
//! The rule: kubesim replaces a folder only if it is empty, or if kubesim wrote it — its
//! `manifest.json` has a `kubesim_version` *and* everything in it is a file kubesim writes
//! (`KNOWN_FILES`, and `plots/` holding only plot files). One foreign file (a note, a
//! notebook, a thesis) and the folder is refused, so a mistyped `--out` never deletes what
//! the user made. The current directory and its ancestors are always refused.
//!
//! Replacing: the files go into a hidden sibling `.NAME.partial-PID`, each fsynced; the old
//! folder is renamed aside to `.NAME.old-PID`, the new one renamed into place, the parent
//! fsynced, and only then the old one removed. A kill at any point leaves either the old or
//! the new folder under NAME (plus a hidden leftover), never neither.

use std::path::{Path, PathBuf};

/// Files kubesim writes into a results, partial or shard folder.
pub const KNOWN_FILES: [&str; 6] = [
    "manifest.json",
    "runs.csv",
    "summary.csv",
    "timeseries.csv",
    "events.csv",
    "shard.json",
];

/// Why kubesim will not write to a folder (exit 2: the user picks another one).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error(
        "refusing to replace `{0}`: it holds `{1}`, which kubesim did not write (choose another folder, or an empty one)"
    )]
    Foreign(PathBuf, String),
    #[error(
        "refusing to replace `{0}`: it has no kubesim manifest.json, so kubesim did not write it (choose another folder, or an empty one)"
    )]
    NoManifest(PathBuf),
    #[error("refusing to replace `{0}`: it is the current directory or contains it")]
    HoldsCwd(PathBuf),
    #[error("cannot write results to `{0}`: it is a file, not a folder")]
    NotAFolder(PathBuf),
    #[error("cannot write results to `{0}`: it is a symbolic link to `{1}`, which does not exist")]
    DanglingLink(PathBuf, PathBuf),
    #[error("cannot write results to `{0}`: it names no folder")]
    NoName(PathBuf),
    #[error("cannot write results to `{0}`: {1}")]
    Unreadable(PathBuf, String),
    #[error(
        "refusing to write plots into `{0}`: it holds `{1}`, which kubesim did not write (move it away)"
    )]
    ForeignPlot(PathBuf, String),
    #[error(
        "refusing to write plots into `{0}`: its results folder has no kubesim manifest.json, so these plots may not be kubesim's (move them away)"
    )]
    PlotsNotOurs(PathBuf),
}

/// A checked output folder: `target` is absolute, with `.`, `..` and symbolic links of its
/// parent resolved (and of itself, when it is a link to a folder).
#[derive(Debug, Clone)]
pub struct OutDir {
    pub given: PathBuf,
    pub target: PathBuf,
}

/// Resolves `given` and checks that kubesim may (re)place a folder there. Nothing is created.
pub fn check(given: &Path) -> Result<OutDir, Refusal> {
    let target = resolve(given)?;
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Refusal::Unreadable(given.into(), e.to_string()))?;
    if cwd.starts_with(&target) {
        return Err(Refusal::HoldsCwd(given.into()));
    }
    match std::fs::metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Refusal::Unreadable(given.into(), e.to_string())),
        Ok(m) if !m.is_dir() => return Err(Refusal::NotAFolder(given.into())),
        Ok(_) => check_ours(given, &target)?,
    }
    Ok(OutDir {
        given: given.into(),
        target,
    })
}

/// The absolute path `given` stands for: symbolic links followed, `.`/`..` applied to the
/// real parent (so `inner/..` is the parent itself, as the kernel sees it).
fn resolve(given: &Path) -> Result<PathBuf, Refusal> {
    if let Ok(real) = std::fs::canonicalize(given) {
        return name_of(given, real);
    }
    if let Ok(link) = std::fs::read_link(given) {
        return Err(Refusal::DanglingLink(given.into(), link));
    }
    // Does not exist: resolve the nearest existing ancestor, keep the rest as typed.
    let abs = if given.is_absolute() {
        given.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Refusal::Unreadable(given.into(), e.to_string()))?
            .join(given)
    };
    let mut rest = Vec::new();
    let mut base = abs.as_path();
    let real = loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            break real;
        }
        if let Ok(link) = std::fs::read_link(base) {
            return Err(Refusal::DanglingLink(base.into(), link));
        }
        match (base.parent(), base.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_owned());
                base = p;
            }
            _ => return Err(Refusal::NoName(given.into())),
        }
    };
    // Components after a missing folder are plain names or `.`/`..`: apply them textually,
    // which is what the kernel would do once the missing folders exist.
    let mut out = real;
    for n in rest.iter().rev() {
        match n.to_str() {
            Some(".") => {}
            Some("..") => {
                out.pop();
            }
            _ => out.push(n),
        }
    }
    name_of(given, out)
}

fn name_of(given: &Path, p: PathBuf) -> Result<PathBuf, Refusal> {
    if p.file_name().is_none() || p.parent().is_none() {
        return Err(Refusal::NoName(given.into()));
    }
    Ok(p)
}

fn entries(dir: &Path, given: &Path) -> Result<Vec<(String, bool)>, Refusal> {
    let unreadable = |e: std::io::Error| Refusal::Unreadable(given.into(), e.to_string());
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).map_err(unreadable)? {
        let e = e.map_err(unreadable)?;
        let is_dir = e.file_type().map_err(unreadable)?.is_dir();
        names.push((e.file_name().to_string_lossy().into_owned(), is_dir));
    }
    names.sort();
    Ok(names)
}

/// Whether `target` (an existing folder) is empty or kubesim's own.
fn check_ours(given: &Path, target: &Path) -> Result<(), Refusal> {
    let names = entries(target, given)?;
    if names.is_empty() {
        return Ok(());
    }
    for (name, is_dir) in &names {
        let known = if *is_dir {
            name == "plots"
        } else {
            KNOWN_FILES.contains(&name.as_str())
        };
        if !known {
            return Err(Refusal::Foreign(given.into(), shown(name, *is_dir)));
        }
    }
    if names.iter().any(|(n, d)| *d && n == "plots")
        && let Some(foreign) = foreign_plot(&target.join("plots"), given)?
    {
        return Err(Refusal::Foreign(given.into(), format!("plots/{foreign}")));
    }
    if !has_manifest(target) {
        return Err(Refusal::NoManifest(given.into()));
    }
    Ok(())
}

fn shown(name: &str, is_dir: bool) -> String {
    if is_dir {
        format!("{name}/")
    } else {
        name.to_string()
    }
}

/// Whether `dir/manifest.json` is one kubesim wrote.
pub fn has_manifest(dir: &Path) -> bool {
    use std::io::Read;
    let mut text = String::new();
    let read = std::fs::File::open(dir.join("manifest.json"))
        .and_then(|f| f.take(1 << 20).read_to_string(&mut text));
    read.is_ok()
        && serde_json::from_str::<serde_json::Value>(&text)
            .is_ok_and(|v| v["kubesim_version"].is_string())
}

/// The first entry of `plots` (a folder) that is not a plot file kubesim draws, if any.
pub fn foreign_plot(plots: &Path, given: &Path) -> Result<Option<String>, Refusal> {
    for (name, is_dir) in entries(plots, given)? {
        // A temporary plot of a killed `kubesim plot` is kubesim's too.
        let plot = name
            .strip_prefix(super::plots::TMP_PREFIX)
            .and_then(|rest| rest.split_once('-').map(|(_, kind)| kind))
            .unwrap_or(&name);
        let known = !is_dir
            && super::plots::KINDS.iter().any(|k| {
                plot.strip_prefix(k)
                    .is_some_and(|ext| ext == ".png" || ext == ".svg")
            });
        if !known {
            return Ok(Some(shown(&name, is_dir)));
        }
    }
    Ok(None)
}

/// An I/O failure while writing, or a refusal found at write time (the folder changed since
/// the early check).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("cannot write results to `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

/// Writes `files` into `dir` (see the module comment). On failure nothing is left behind but
/// what was there before.
pub fn write_atomically(dir: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<(), WriteError> {
    let out = check(dir)?;
    let parent = out.target.parent().expect("checked: has a parent");
    let name = out.target.file_name().expect("checked: has a name");
    let name = name.to_string_lossy();
    std::fs::create_dir_all(parent).map_err(io(dir))?;
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let result = fill(&tmp, files).and_then(|()| swap_in(&out, &tmp));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn fill(tmp: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<(), WriteError> {
    use std::io::Write;
    let _ = std::fs::remove_dir_all(tmp);
    std::fs::create_dir(tmp).map_err(io(tmp))?;
    for (file, bytes) in files {
        let p = tmp.join(file);
        std::fs::File::create(&p)
            .and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_all()
            })
            .map_err(io(&p))?;
    }
    sync_dir(tmp)
}

/// Old folder aside, new one in, parent synced, old one removed.
fn swap_in(out: &OutDir, tmp: &Path) -> Result<(), WriteError> {
    let parent = out.target.parent().expect("checked: has a parent");
    // Checked again: the folder may have changed during a long run.
    let out = check(&out.given)?;
    let target = &out.target;
    let old = parent.join(format!(
        ".{}.old-{}",
        target.file_name().expect("checked").to_string_lossy(),
        std::process::id()
    ));
    let existed = target.exists();
    if existed {
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(target, &old).map_err(io(&out.given))?;
    }
    if let Err(e) = std::fs::rename(tmp, target) {
        if existed {
            let _ = std::fs::rename(&old, target);
        }
        return Err(io(&out.given)(e));
    }
    sync_dir(parent)?;
    if existed {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}
