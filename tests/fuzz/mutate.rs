//! Mutations of text inputs (scenario YAML, `--set` strings, CSV) and of shard JSON. Every
//! decision is drawn from an `arbitrary::Unstructured`, so an input is a pure function of the
//! bytes behind it: the same decoder could serve cargo-fuzz or AFL.

use super::corpus::Corpus;
use arbitrary::{Result, Unstructured};
use serde_json::Value;

/// Tokens that stress a YAML reader or a value parser.
pub const TOKENS: &[&str] = &[
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!!binary ",
    "!tag ",
    "~",
    "null",
    "true",
    "? ",
    "|",
    ">-",
    "'",
    "\"",
    "#",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "\u{feff}",
    "\0",
    "\r",
    "\r\n",
    "\u{2028}",
    "é",
    "\u{1F600}",
    "\\",
    "=",
    ".",
    "..",
    "/",
    "0",
    "-0",
    "1",
    "-1",
    "1e308",
    "-1e308",
    "1e400",
    "1e-400",
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "0x7fffffffffffffff",
    "0o777",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967295",
    "4294967296",
    "99999999999999999999999999",
    "1e3s",
    "1e400s",
    "0ns",
    "0s",
    "1ns",
    "-1s",
    "1e308d",
    "99999999999999999999d",
    "213503d",
    "213504d",
    "1e9/s",
    "1e308/s",
    "1e-300/s",
    "0/s",
    "/dev/zero",
    "/dev/null",
    "..",
    "samples.csv",
    "load.csv",
    "missing.csv",
    "web",
    "api",
    "web-99",
    "zones",
    "power_of_two",
    "ring_hash",
    "maglev",
    "least_connections",
    "random",
];

/// Values that replace a whole scalar.
pub const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "100000",
    "1000000",
    "1e308",
    "-1e308",
    "NaN",
    ".nan",
    ".inf",
    "18446744073709551616",
    "12345678901234567",
    "4294967295",
    "1e3s",
    "1ns",
    "0s",
    "100000d",
    "1e308d",
    "1e9/s",
    "1e308/s",
    "0/s",
    "1/ns",
    "[]",
    "{}",
    "[1, 1]",
    "''",
    "~",
    "true",
    "\"\"",
    "{empirical: /dev/zero}",
    "{trace: {file: /dev/zero}}",
    "{empirical: samples.csv}",
    "{trace: {file: load.csv}}",
    "{poisson: 1e9/s}",
    "{exponential: 1ns}",
    "*a",
    "&a 1",
    "{vnodes: 10000000}",
    "[a, b, c]",
    "web",
    "web-99",
    "[random, ring_hash, maglev]",
];

/// Applies 1 to 8 random mutations to `text`.
pub fn text(u: &mut Unstructured, text: &[u8], corpus: &Corpus) -> Result<Vec<u8>> {
    let mut out = text.to_vec();
    for _ in 0..u.int_in_range(1..=8u8)? {
        one(u, &mut out, corpus)?;
    }
    Ok(out)
}

fn pos(u: &mut Unstructured, len: usize) -> Result<usize> {
    u.int_in_range(0..=len)
}

fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect()
}

fn join(ls: &[Vec<u8>]) -> Vec<u8> {
    ls.join(&b'\n')
}

fn one(u: &mut Unstructured, b: &mut Vec<u8>, corpus: &Corpus) -> Result<()> {
    let op = u.int_in_range(0..=15u8)?;
    match op {
        0 => {
            if !b.is_empty() {
                let i = u.choose_index(b.len())?;
                b[i] ^= 1 << u.int_in_range(0..=7u8)?;
            }
        }
        1 => {
            let i = pos(u, b.len())?;
            let n = u.int_in_range(1..=4u8)?;
            for _ in 0..n {
                b.insert(i, u.arbitrary()?);
            }
        }
        2 => {
            if !b.is_empty() {
                let i = u.choose_index(b.len())?;
                let n = u.int_in_range(1..=16usize)?.min(b.len() - i);
                b.drain(i..i + n);
            }
        }
        3 | 4 => {
            let t = u.choose(TOKENS)?;
            let i = pos(u, b.len())?;
            b.splice(i..i, t.bytes());
        }
        5 | 6 => replace_value(u, b)?,
        7 => splice_line(u, b, corpus)?,
        8 => {
            let mut ls = lines(b);
            let i = u.choose_index(ls.len())?;
            match u.int_in_range(0..=3u8)? {
                0 => {
                    ls.remove(i);
                }
                1 => {
                    let l = ls[i].clone();
                    ls.insert(i, l);
                }
                2 => {
                    let j = u.choose_index(ls.len())?;
                    ls.swap(i, j);
                }
                _ => {
                    let n = u.int_in_range(1..=4usize)?;
                    if u.arbitrary()? {
                        ls[i].splice(0..0, std::iter::repeat_n(b' ', n));
                    } else {
                        let k = ls[i].iter().take_while(|&&c| c == b' ').count().min(n);
                        ls[i].drain(..k);
                    }
                }
            }
            *b = join(&ls);
        }
        9 => replace_key(u, b, corpus)?,
        10 => {
            if !corpus.fragments.is_empty() {
                let f = u.choose(&corpus.fragments)?;
                let mut ls = lines(b);
                let i = pos(u, ls.len())?;
                ls.insert(i, f.as_bytes().to_vec());
                *b = join(&ls);
            }
        }
        11 => {
            let i = pos(u, b.len())?;
            b.truncate(i);
        }
        12 => {
            let v = u.choose(VALUES)?;
            let i = pos(u, b.len())?;
            b.splice(i..i, v.bytes());
        }
        // Rare: a structure that is costly to parse, expand or validate.
        13 if u.ratio(1u8, 8)? => {
            let bomb = bomb(u)?;
            let mut ls = lines(b);
            let i = pos(u, ls.len())?;
            ls.insert(i, bomb.into_bytes());
            *b = join(&ls);
        }
        _ => {
            // Non-UTF-8 or control bytes at a random place.
            let i = pos(u, b.len())?;
            let bad: &[&[u8]] = &[
                b"\xff",
                b"\xc3",
                b"\xc3\x28",
                b"\xed\xa0\x80",
                b"\x00",
                b"\x1b[2J",
            ];
            b.splice(i..i, u.choose(bad)?.iter().copied());
        }
    }
    Ok(())
}

/// Replaces what follows `: ` on a random line with a stressing value.
fn replace_value(u: &mut Unstructured, b: &mut Vec<u8>) -> Result<()> {
    let mut ls = lines(b);
    let candidates: Vec<usize> = (0..ls.len())
        .filter(|&i| ls[i].windows(2).any(|w| w == b": "))
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let i = *u.choose(&candidates)?;
    let at = ls[i].windows(2).position(|w| w == b": ").unwrap() + 2;
    let v = if u.ratio(1u8, 3)? {
        u.choose(TOKENS)?
    } else {
        u.choose(VALUES)?
    };
    ls[i].truncate(at);
    ls[i].extend_from_slice(v.as_bytes());
    *b = join(&ls);
    Ok(())
}

/// Replaces the key of a random `key: value` line with another field name.
fn replace_key(u: &mut Unstructured, b: &mut Vec<u8>, corpus: &Corpus) -> Result<()> {
    let mut ls = lines(b);
    let i = u.choose_index(ls.len())?;
    let Some(colon) = ls[i].iter().position(|&c| c == b':') else {
        return Ok(());
    };
    let start = ls[i]
        .iter()
        .position(|&c| c != b' ' && c != b'-')
        .unwrap_or(0)
        .min(colon);
    let k = u.choose(&corpus.keys)?;
    ls[i].splice(start..colon, k.bytes());
    *b = join(&ls);
    Ok(())
}

/// Inserts a line of another corpus file (or replaces one with it).
fn splice_line(u: &mut Unstructured, b: &mut Vec<u8>, corpus: &Corpus) -> Result<()> {
    let (_, other) = u.choose(&corpus.scenarios)?;
    let theirs = lines(other);
    let n = u.int_in_range(1..=6usize)?;
    let from = u.choose_index(theirs.len())?;
    let chunk = &theirs[from..(from + n).min(theirs.len())];
    let mut ls = lines(b);
    let i = pos(u, ls.len())?;
    if u.arbitrary()? && i < ls.len() {
        ls.splice(i..i + 1, chunk.iter().cloned());
    } else {
        ls.splice(i..i, chunk.iter().cloned());
    }
    *b = join(&ls);
    Ok(())
}

/// One line (or block) that is costly to parse, expand or validate.
pub fn bomb(u: &mut Unstructured) -> Result<String> {
    let size = *u.choose(&[16usize, 200, 2_000, 20_000, 100_000])?;
    let key = *u.choose(&["x", "sweep", "seed", "workloads", "nodes", "runs"])?;
    Ok(match u.int_in_range(0..=7u8)? {
        0 => format!("{key}: {}1{}", "[".repeat(size), "]".repeat(size)),
        1 => format!("{key}: {}1{}", "{a: ".repeat(size), "}".repeat(size)),
        2 => format!("{key}:\n{}1", "- ".repeat(size)),
        3 => alias_bomb(key, u.int_in_range(3..=12u32)?, u.int_in_range(2..=10u32)?),
        4 => (0..size).map(|i| format!("k{i}: {i}\n")).collect(),
        5 => {
            // Block nesting grows quadratically in bytes: keep it shallow enough.
            let depth = size.min(2_000);
            (0..depth)
                .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
                .collect::<String>()
                + &" ".repeat(depth)
                + "1"
        }
        6 => {
            let axis = |name: &str| {
                let vals: Vec<String> = (1..=size.min(1000)).map(|i| i.to_string()).collect();
                format!("  {name}: [{}]\n", vals.join(", "))
            };
            format!(
                "sweep:\n{}{}{}",
                axis("seed"),
                axis("runs"),
                axis("workloads.0.replicas")
            )
        }
        _ => format!("{key}: {}", "9".repeat(size)),
    })
}

/// "Billion laughs": `levels` anchors, each a list of `width` aliases of the one before.
pub fn alias_bomb(key: &str, levels: u32, width: u32) -> String {
    let mut s = String::from("a0: &a0 [lol]\n");
    for l in 1..levels {
        let refs = vec![format!("*a{}", l - 1); width as usize].join(", ");
        s.push_str(&format!("a{l}: &a{l} [{refs}]\n"));
    }
    s + &format!("{key}: *a{}", levels - 1)
}

/// A `--set` string: a path from known keys and indices, `=`, a value; sometimes mutated.
pub fn set(u: &mut Unstructured, corpus: &Corpus) -> Result<String> {
    if !corpus.sets.is_empty() && u.ratio(1u8, 4)? {
        let s = u.choose(&corpus.sets)?.clone();
        return mutate_string(u, &s, corpus);
    }
    let mut path = Vec::new();
    for _ in 0..u.int_in_range(1..=4u8)? {
        let seg = match u.int_in_range(0..=5u8)? {
            0 => u.int_in_range(0..=3u32)?.to_string(),
            1 => (*u.choose(&["web", "api", "w", "99", "-1", "", "18446744073709551616"])?).into(),
            _ => u.choose(&corpus.keys)?.clone(),
        };
        path.push(seg);
    }
    // Bombs are rare (1 in 8): on a loader without limits each costs seconds.
    let value = match u.int_in_range(0..=15u8)? {
        0 => {
            alias_bomb("", u.int_in_range(3..=12u32)?, u.int_in_range(2..=10u32)?)
                .replace('\n', ", ")
                .replace("a0: ", "[")
                .replace(": *", "*")
                + "]"
        }
        1 => {
            let n = *u.choose(&[10usize, 1000, 100_000])?;
            format!("{}1{}", "[".repeat(n), "]".repeat(n))
        }
        2 => u.choose(TOKENS)?.to_string(),
        _ => u.choose(VALUES)?.to_string(),
    };
    let s = format!("{}={value}", path.join("."));
    if u.ratio(1u8, 3)? {
        mutate_string(u, &s, corpus)
    } else {
        Ok(s)
    }
}

/// `--set` strings arrive as Rust `String`s (the CLI checks UTF-8), so mutate then re-validate.
fn mutate_string(u: &mut Unstructured, s: &str, corpus: &Corpus) -> Result<String> {
    let b = text(u, s.as_bytes(), corpus)?;
    Ok(String::from_utf8_lossy(&b).into_owned())
}

/// A CSV file (trace or samples): a seed, mutated, sometimes with many rows appended.
pub fn csv(u: &mut Unstructured, seeds: &[Vec<u8>], corpus: &Corpus) -> Result<Vec<u8>> {
    let mut b = u.choose(seeds)?.clone();
    if u.ratio(1u8, 10)? {
        let n = *u.choose(&[1_000usize, 100_000])?;
        let row = *u.choose(&["1,1\n", "1s\n", "0,1e308\n", "1e308,1\n", "nan,1\n"])?;
        let increasing = u.arbitrary::<bool>()?;
        for i in 0..n {
            if increasing {
                b.extend_from_slice(format!("{i},{}\n", i % 7).as_bytes());
            } else {
                b.extend_from_slice(row.as_bytes());
            }
        }
    }
    if u.ratio(3u8, 4)? {
        b = text(u, &b, corpus)?;
    }
    Ok(b)
}

/// A structural JSON mutation: replace, delete or duplicate a random node.
pub fn json(u: &mut Unstructured, v: &mut Value) -> Result<()> {
    let mut paths = Vec::new();
    collect_paths(v, &mut Vec::new(), &mut paths);
    let path = u.choose(&paths)?.clone();
    let node = v.pointer_mut(&path).expect("a collected path");
    match u.int_in_range(0..=5u8)? {
        0 | 1 => {
            *node = match u.int_in_range(0..=11u8)? {
                0 => Value::from(u64::MAX),
                1 => Value::from(-1),
                2 => Value::from(1e308),
                3 => Value::from(0),
                4 => Value::from(1_000_000_000_000_000_000u64),
                5 => Value::Null,
                6 => Value::from("x"),
                7 => Value::Array(Vec::new()),
                8 => Value::Object(Default::default()),
                9 => Value::from(true),
                10 => Value::from(u.int_in_range(0..=5u64)?),
                _ => Value::from(-1e308),
            }
        }
        2 => match node {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(u.choose_index(m.len())?).unwrap().clone();
                m.remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(u.choose_index(a.len())?);
            }
            _ => {}
        },
        3 => {
            if let Value::Array(a) = node
                && !a.is_empty()
            {
                let e = a[u.choose_index(a.len())?].clone();
                for _ in 0..u.int_in_range(1..=3u8)? {
                    a.push(e.clone());
                }
            }
        }
        4 => {
            if let Value::Array(a) = node {
                a.clear();
            }
        }
        _ => {
            if let Value::String(s) = node {
                let mut b = s.clone().into_bytes();
                let i = pos(u, b.len())?;
                b.splice(i..i, u.choose(VALUES)?.bytes());
                *s = String::from_utf8_lossy(&b).into_owned();
            }
        }
    }
    Ok(())
}

fn collect_paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<String>) {
    out.push(here.iter().map(|s| format!("/{s}")).collect());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                here.push(k.replace('~', "~0").replace('/', "~1"));
                collect_paths(c, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                here.push(i.to_string());
                collect_paths(c, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}
