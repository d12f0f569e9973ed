//! Reading input files with a size limit and a located UTF-8 check, so that `/dev/zero`, a
//! huge file or a binary file given as a scenario, trace or sample file is refused with a
//! clear message instead of exhausting memory.

use std::io::Read;
use std::path::Path;

/// Largest scenario file read: scenarios are a few kilobytes.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// Largest trace (`t_s,rate_per_s`) or empirical sample file read.
pub const MAX_DATA_BYTES: u64 = 64 << 20;

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {message}")]
    Io { path: String, message: String },
    #[error("`{path}` is larger than the {limit_mib} MiB limit for {what}")]
    TooLarge {
        path: String,
        limit_mib: u64,
        what: &'static str,
    },
    /// Line and column (1-based, column in bytes) of the first byte that is not UTF-8.
    #[error("`{path}` is not UTF-8 text: invalid byte 0x{byte:02x} at line {line}, column {col}")]
    NotUtf8 {
        path: String,
        line: u32,
        col: u32,
        byte: u8,
    },
}

/// Reads at most `limit` bytes of `path` as UTF-8; `what` names the kind of file in errors.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| ReadError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells "exactly at the limit" from "over it".
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: shown,
            limit_mib: limit >> 20,
            what,
        });
    }
    decode(bytes, &shown)
}

/// `bytes` as a string, or the position of the first invalid byte.
pub fn decode(bytes: Vec<u8>, shown: &str) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let (line, col) = line_col(bytes, at);
        ReadError::NotUtf8 {
            path: shown.to_string(),
            line,
            col,
            byte: bytes[at],
        }
    })
}

fn line_col(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    (line as u32, (at - line_start + 1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        let e = decode(b"a: 1\nb: x\xffy\n".to_vec(), "f.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`f.yaml` is not UTF-8 text: invalid byte 0xff at line 2, column 5"
        );
    }
}
