//! Finding and reading manifest files (directories recursively, sorted; `-` is stdin) and
//! splitting documents into objects (`kind: List` expanded), each with its field path.

use super::ImportError;
use super::context::{Ctx, at};
use crate::scenario::input::{self, MAX_DATA_BYTES};
use crate::scenario::yaml::Node;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One manifest file's name (as shown in messages) and text.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Every manifest file under `paths`, read. Directories give their `*.yaml`/`*.yml` files,
/// recursively in sorted order, so that output never depends on the file system's order.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Source>, ImportError> {
    let mut files = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
        } else if p.is_dir() {
            walk(p, &mut files)?;
        } else {
            files.push(p.clone());
        }
    }
    if files.len() > u16::MAX as usize {
        return Err(ImportError::Io(format!(
            "{} manifest files: at most {}",
            files.len(),
            u16::MAX
        )));
    }
    if files.is_empty() {
        return Err(ImportError::Io(
            "no *.yaml or *.yml files found in the given directories".into(),
        ));
    }
    files.iter().map(|f| read(f)).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let io = |e: std::io::Error| ImportError::Io(format!("cannot read `{}`: {e}", dir.display()));
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        // Symlinked directories are not followed: a link cycle cannot loop the walk.
        if e.file_type().map_err(io)?.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() && path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Source, ImportError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_DATA_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImportError::Io(format!("cannot read standard input: {e}")))?;
        if bytes.len() as u64 > MAX_DATA_BYTES {
            return Err(ImportError::Io(format!(
                "standard input is larger than the {} MiB limit for manifests",
                MAX_DATA_BYTES >> 20
            )));
        }
        let text = input::decode(bytes, "<stdin>").map_err(|e| ImportError::Io(e.to_string()))?;
        return Ok(Source {
            name: "<stdin>".into(),
            text,
        });
    }
    let text = input::read_text(path, MAX_DATA_BYTES, "manifests")
        .map_err(|e| ImportError::Io(e.to_string()))?;
    Ok(Source {
        name: path.display().to_string(),
        text,
    })
}

/// The Kubernetes objects of one document: the document itself, or the `items` of a
/// `kind: List` (or `…List`, as `kubectl get` prints), each with its path prefix and kind.
pub fn objects<'a>(
    ctx: &mut Ctx,
    doc: &'a Node,
    prefix: String,
    out: &mut Vec<(&'a Node, String, String)>,
) {
    if doc.is_null() {
        return;
    }
    let Some(doc) = ctx.map(Some(doc), &prefix) else {
        return;
    };
    let Some(kind) = ctx.string(doc.get("kind"), &at(&prefix, "kind")) else {
        ctx.warn(
            doc.pos,
            &prefix,
            "a document without `kind` is not a Kubernetes object: skipped",
        );
        return;
    };
    if kind.value == "List" || (kind.value.ends_with("List") && doc.get("items").is_some()) {
        let items_path = at(&prefix, "items");
        for (i, item) in ctx.list(doc.get("items"), &items_path).iter().enumerate() {
            objects(ctx, item, format!("{items_path}[{i}]."), out);
        }
        return;
    }
    out.push((doc, prefix, kind.value));
}
