//! A YAML document as a tree of nodes that remember where they were written, so that every
//! validation error can name file, line and column.
//!
//! Why not serde: serde stops at the first error, and we owe users every error at once, each
//! with its field path. The event parser of `saphyr-parser` gives positions; this module turns
//! its events into `Node`s and nothing more (no typing, no defaults).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

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
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
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
            Event::DocumentStart(_) if builder.root.is_some() => {
                return Err(SyntaxError {
                    pos,
                    message: "a scenario file holds one YAML document, found a second".into(),
                });
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {}
            Event::Scalar(text, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let value = if !quoted && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Scalar {
                        text: text.into_owned(),
                        quoted,
                    }
                };
                builder.push(Node { value, pos }, anchor)?;
            }
            Event::Alias(id) => {
                let node = builder
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| Node {
                        value: n.value.clone(),
                        pos,
                    })
                    .ok_or(SyntaxError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    })?;
                builder.push(node, 0)?;
            }
            Event::SequenceStart(anchor, _) => builder.stack.push((
                Node {
                    value: Value::Seq(Vec::new()),
                    pos,
                },
                anchor,
                None,
            )),
            Event::MappingStart(anchor, _) => builder.stack.push((
                Node {
                    value: Value::Map(Vec::new()),
                    pos,
                },
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, pending) = builder
                    .stack
                    .pop()
                    .expect("parser balances collection events");
                if let Some(key) = pending {
                    return Err(SyntaxError {
                        pos: key.pos,
                        message: "map key without a value".into(),
                    });
                }
                builder.push(node, anchor)?;
            }
        }
    }
    Ok(builder.root.unwrap_or(Node {
        value: Value::Null,
        pos: Pos {
            source,
            line: 1,
            col: 1,
        },
    }))
}

struct Builder {
    /// Open collections, each with its anchor id and, for maps, a key waiting for its value.
    stack: Vec<(Node, usize, Option<Node>)>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        let Some((parent, _, pending)) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match pending.take() {
                None => {
                    if node.scalar().is_none() {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: "map keys must be plain strings".into(),
                        });
                    }
                    if entries.iter().any(|(k, _)| k.scalar() == node.scalar()) {
                        return Err(SyntaxError {
                            pos: node.pos,
                            message: format!(
                                "duplicate key `{}`",
                                node.scalar().unwrap_or_default()
                            ),
                        });
                    }
                    *pending = Some(node);
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
}
