//! A YAML document as a tree of nodes that remember where they were written, so that every
//! validation error can name file, line and column.
//!
//! Why not serde: serde stops at the first error, and we owe users every error at once, each
//! with its field path. The event parser of `saphyr-parser` gives positions; this module turns
//! its events into `Node`s and nothing more (no typing, no defaults).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashSet;

/// Deepest nesting of lists and maps a document may have. Scenarios need about 8 levels; the
/// limit keeps every recursive walk over the tree (clone, drop, validation) far from the end
/// of the stack.
pub const MAX_DEPTH: usize = 64;

/// Most nodes a document may expand to once aliases are copied in: bounds the memory an
/// alias bomb ("billion laughs") can claim before it is refused.
pub const MAX_NODES: usize = 1_000_000;

/// Where a node was written: which source (0 = the scenario file, others = `--set` arguments),
/// line (1-based) and column (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub source: u16,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// A scalar's text; `quoted` scalars are never read as null, numbers or booleans.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Entries in file order; duplicate keys are rejected while parsing.
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// A syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl Node {
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` of a map node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A short name of the node's kind for error messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

fn pos_of(span: &Span, source: u16) -> Pos {
    Pos {
        source,
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    }
}

/// Parses one YAML document. An empty document is a `Null` node. Anchors and aliases are
/// resolved by copying the anchored node.
pub fn parse(text: &str, source: u16) -> Result<Node, SyntaxError> {
    let docs = parse_events(text, source, false)?;
    Ok(docs.into_iter().next().unwrap_or(Node {
        value: Value::Null,
        pos: Pos {
            source,
            line: 1,
            col: 1,
        },
    }))
}

/// Parses a stream of `---`-separated documents (Kubernetes manifests, `helm template`
/// output), each a node with positions in `text`; an empty document is a `Null` node.
/// Anchors are per document, as YAML defines them; the node limit counts the whole stream.
pub fn parse_stream(text: &str, source: u16) -> Result<Vec<Node>, SyntaxError> {
    parse_events(text, source, true)
}

fn parse_events(text: &str, source: u16, multi: bool) -> Result<Vec<Node>, SyntaxError> {
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
        nodes: 0,
    };
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                return Err(SyntaxError {
                    pos: Pos {
                        source,
                        line: e.marker().line() as u32,
                        col: e.marker().col() as u32 + 1,
                    },
                    message: format!("YAML syntax: {}", e.info()),
                });
            }
        };
        let pos = pos_of(&span, source);
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) if !multi && builder.root.is_some() => {
                return Err(SyntaxError {
                    pos,
                    message: "a scenario file holds one YAML document, found a second".into(),
                });
            }
            Event::DocumentEnd if multi => {
                docs.push(builder.root.take().unwrap_or(Node {
                    value: Value::Null,
                    pos,
                }));
                builder.anchors.clear();
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, tag) => {
                // `!!str 3` is the string "3", as a quoted scalar (what editors read too).
                let str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let quoted = !matches!(style, ScalarStyle::Plain) || str_tag;
                let value = if !quoted && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Scalar {
                        text: text.into_owned(),
                        quoted,
                    }
                };
                builder.count(pos, 1)?;
                builder.push(Node { value, pos }, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some(i) = builder.anchors.iter().rposition(|(a, _, _)| *a == id) else {
                    return Err(SyntaxError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                let size = builder.anchors[i].2;
                // Counted before the copy is made, so a bomb is refused before it allocates.
                builder.count(pos, size)?;
                let node = Node {
                    value: builder.anchors[i].1.value.clone(),
                    pos,
                };
                builder.push(node, 0, size)?;
            }
            Event::SequenceStart(anchor, _) => builder.open(Value::Seq(Vec::new()), pos, anchor)?,
            Event::MappingStart(anchor, _) => builder.open(Value::Map(Vec::new()), pos, anchor)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let open = builder
                    .stack
                    .pop()
                    .expect("parser balances collection events");
                if let Some(key) = open.pending {
                    return Err(SyntaxError {
                        pos: key.pos,
                        message: "map key without a value".into(),
                    });
                }
                builder.push(open.node, open.anchor, open.size)?;
            }
        }
    }
    docs.extend(builder.root);
    Ok(docs)
}

/// A list or map being read: its anchor id, for maps a key waiting for its value and the keys
/// seen so far (duplicates are found in constant time, so many keys stay linear), and the number
/// of nodes it holds (itself included), which an alias to it would copy.
struct Open {
    node: Node,
    anchor: usize,
    pending: Option<Node>,
    keys: HashSet<String>,
    size: usize,
}

struct Builder {
    stack: Vec<Open>,
    anchors: Vec<(usize, Node, usize)>,
    root: Option<Node>,
    /// Nodes in the document so far, aliases counted as the copies they become.
    nodes: usize,
}

impl Builder {
    fn count(&mut self, pos: Pos, more: usize) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(more);
        if self.nodes > MAX_NODES {
            return Err(SyntaxError {
                pos,
                message: format!(
                    "the document expands to more than {MAX_NODES} values (aliases copy what they name)"
                ),
            });
        }
        Ok(())
    }

    fn open(&mut self, value: Value, pos: Pos, anchor: usize) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!("lists and maps are nested more than {MAX_DEPTH} deep"),
            });
        }
        self.count(pos, 1)?;
        self.stack.push(Open {
            node: Node { value, pos },
            anchor,
            pending: None,
            keys: HashSet::new(),
            size: 1,
        });
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone(), size));
        }
        let Some(open) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        open.size = open.size.saturating_add(size);
        match &mut open.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match open.pending.take() {
                None => {
                    let Some(key) = node.scalar() else {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: "map keys must be plain strings".into(),
                        });
                    };
                    if !open.keys.insert(key.to_string()) {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: format!("duplicate key `{key}`"),
                        });
                    }
                    open.pending = Some(node);
                }
                Some(key) => entries.push((key, node)),
            },
            _ => unreachable!("only collections are pushed on the stack"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let n = parse("a: 1\nb:\n  - x\n  - {c: d}\n", 0).unwrap();
        let b = n.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.col), (3, 3));
        let Value::Seq(items) = &b.value else {
            panic!("list")
        };
        assert_eq!(items[1].get("c").unwrap().scalar(), Some("d"));
        assert_eq!(
            n.get("a").unwrap().pos,
            Pos {
                source: 0,
                line: 1,
                col: 4
            }
        );
    }

    #[test]
    fn duplicate_keys_and_bad_syntax_are_errors() {
        let e = parse("a: 1\na: 2\n", 0).unwrap_err();
        assert_eq!((e.pos.line, e.message.as_str()), (2, "duplicate key `a`"));
        assert!(parse("a: [1, 2\n", 0).is_err());
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_refused() {
        let deep = "- ".repeat(100_000) + "x\n";
        let e = parse(&deep, 0).unwrap_err();
        assert_eq!(e.message, "lists and maps are nested more than 64 deep");
        assert_eq!(e.pos.line, 1);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, c) in ('b'..='k').enumerate() {
            let prev = (b'a' + i as u8) as char;
            bomb.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let e = parse(&bomb, 0).unwrap_err();
        assert!(
            e.message.starts_with("the document expands to more than"),
            "{e:?}"
        );
    }

    #[test]
    fn streams_hold_documents_with_their_positions() {
        let docs = parse_stream("---\na: 1\n---\n# only a comment\n---\nb:\n  c: 2\n", 3).unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].is_null());
        let c = docs[2].get("b").unwrap().get("c").unwrap();
        assert_eq!((c.pos.source, c.pos.line, c.pos.col), (3, 7, 6));
        assert!(parse("a: 1\n---\nb: 2\n", 0).is_err());
        assert_eq!(parse_stream("", 0).unwrap().len(), 0);
        let e = parse_stream("a: 1\n---\nb: [\n", 0).unwrap_err();
        assert_eq!(e.pos.line, 4);
    }

    #[test]
    fn many_keys_parse_in_linear_time() {
        let text: String = (0..100_000).map(|i| format!("k{i}: 1\n")).collect();
        let n = parse(&text, 0).unwrap();
        let Value::Map(entries) = n.value else {
            panic!("map")
        };
        assert_eq!(entries.len(), 100_000);
    }
}
