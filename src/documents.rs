//! The subcommands that write a document, a scenario (`import`) or the scenario format's
//! JSON Schema (`schema`), to `--out` or standard output; an existing file is never replaced
//! without `--force`.

use super::{emit, invalid};
use kubesim::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Manifest files or directories (searched recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Scenario file to write (default or `-`: standard output). An existing file is never
    /// replaced without --force, and with it only by a finished copy.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file (an error without --out: there is nothing to replace).
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Nodes in the default pool (default: enough for every workload at its HPA max).
    #[arg(long)]
    pub nodes: Option<u32>,
    /// Prefill `traffic` with one Poisson source per Service at this rate, e.g. 200/s.
    #[arg(long)]
    pub rate: Option<String>,
}

/// Imports manifests: warnings and skip notes on stderr, the scenario to `--out` or stdout.
pub fn cmd_import(a: ImportArgs) -> anyhow::Result<()> {
    if a.nodes == Some(0) {
        return Err(invalid("--nodes must be at least 1"));
    }
    if let Some(r) = &a.rate {
        kubesim::import::check_rate(r).map_err(invalid)?;
    }
    // Checked before reading: a refused --out costs nothing.
    if let Some(out) = out_file(&a.out) {
        refuse_dir(out)?;
        if !a.force && out.exists() {
            return Err(exists(out, "kubesim import"));
        }
    }
    let imported = import_manifests(&a.paths)?;
    let opts = kubesim::import::render::Options {
        nodes: a.nodes,
        rate: a.rate.clone(),
    };
    let text = kubesim::import::render::scenario(&imported, &opts);
    // What import writes must load: a failure here is a bug in the importer, not the input.
    let shown = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("imported.yaml"));
    Scenario::from_text(&text, &shown, &[]).map_err(|e| {
        anyhow::anyhow!("the imported scenario does not load (a kubesim bug):\n{e}")
    })?;
    let summary = format!(
        "imported {} workloads, {} services from {} files ({} warnings, {} skipped)",
        imported.workloads.len(),
        imported.services.len(),
        imported.files.len(),
        imported.warnings.len(),
        imported.notes.len()
    );
    match out_file(&a.out) {
        Some(out) => {
            write_out(out, &text, a.force, "kubesim import")?;
            eprintln!("{summary} → {}", out.display());
            Ok(())
        }
        None => {
            eprintln!("{summary}");
            emit(&text)
        }
    }
}

/// Reads manifests, printing warnings and skip notes to stderr; errors exit 2.
pub fn import_manifests(paths: &[PathBuf]) -> anyhow::Result<kubesim::import::Imported> {
    let imported = kubesim::import::import(paths).map_err(invalid)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    Ok(imported)
}

#[derive(clap::Args)]
pub struct SchemaArgs {
    /// File to write (default or `-`: standard output). An existing file is never replaced
    /// without --force, and with it only by a finished copy.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file (an error without --out: there is nothing to replace).
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// Prints (or writes) the JSON Schema of the scenario format.
pub fn cmd_schema(a: SchemaArgs) -> anyhow::Result<()> {
    let schema = kubesim::scenario::schema::scenario_schema();
    let text = serde_json::to_string_pretty(&schema)? + "\n";
    match out_file(&a.out) {
        Some(out) => write_out(out, &text, a.force, "kubesim schema"),
        None => emit(&text),
    }
}

/// `--out` as a file to write; none, or `-` (as `-` is standard input to `import`), is
/// standard output.
fn out_file(out: &Option<PathBuf>) -> Option<&Path> {
    out.as_deref().filter(|o| *o != Path::new("-"))
}

/// The refusal to replace an existing `--out` without `--force`.
fn exists(out: &Path, command: &str) -> anyhow::Error {
    invalid(format!(
        "`{}` exists: {command} does not replace it without --force",
        out.display()
    ))
}

/// A directory as `--out` is refused as such, not as "exists", which would suggest that
/// --force could replace it.
fn refuse_dir(out: &Path) -> anyhow::Result<()> {
    if out.is_dir() {
        return Err(invalid(format!(
            "`{}` is a directory: --out takes a file path",
            out.display()
        )));
    }
    Ok(())
}

/// Writes `text` to `out`: created new unless `force` (checked by the open itself, so a file
/// that appears meanwhile is not replaced either). With `force`, an existing regular file is
/// replaced by a rename of a finished copy beside it: a write that fails half-way (a full
/// disk) leaves the old file whole.
fn write_out(out: &Path, text: &str, force: bool, command: &str) -> anyhow::Result<()> {
    refuse_dir(out)?;
    let context = || format!("writing `{}`", out.display());
    let replace = force && std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_file());
    if !replace {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true);
        if force {
            // Not a regular file (a device such as /dev/stdout): written in place.
            opts.create(true).truncate(true);
        } else {
            opts.create_new(true);
        }
        let mut f = opts.open(out).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists(out, command),
            _ => anyhow::Error::new(e).context(context()),
        })?;
        return std::io::Write::write_all(&mut f, text.as_bytes())
            .map_err(|e| anyhow::Error::new(e).context(context()));
    }
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = out.with_file_name(format!(
        ".{}.kubesim-{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    // create_new: the copy is this process's own file, so removing it on failure can never
    // remove someone else's.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| anyhow::Error::new(e).context(context()))?;
    let written = std::io::Write::write_all(&mut f, text.as_bytes())
        .and(f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, out));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(context())
    })
}
