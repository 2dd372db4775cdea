//! A YAML tree with a byte span for every node, built from saphyr-parser events.
//!
//! Typed values come from serde_yaml; this tree answers "where in the file is this value?"
//! so that errors and findings point at the offending key or entry. Depth and aliases are
//! bounded so a hostile file cannot exhaust memory or the stack.

use std::collections::HashSet;

use saphyr_parser::{Event, Parser};

use crate::source::Span;

/// Deeper nesting than this is refused (the manifest and rule schemas need fewer than 10).
pub const MAX_DEPTH: usize = 64;
/// More alias references than this are refused (alias expansion bombs).
pub const MAX_ALIASES: usize = 256;

#[derive(Clone, Debug)]
pub enum Node {
    Scalar {
        value: String,
        span: Span,
    },
    Seq {
        items: Vec<Node>,
        span: Span,
    },
    Map {
        entries: Vec<(Node, Node)>,
        span: Span,
    },
    Alias {
        span: Span,
    },
}

#[derive(Clone, Copy, Debug)]
pub enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Scalar { span, .. }
            | Node::Seq { span, .. }
            | Node::Map { span, .. }
            | Node::Alias { span } => *span,
        }
    }

    /// Where the scalars of this tree are, by start: a line inside one is text, never a comment.
    pub fn scalar_spans(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut pending = vec![self];
        while let Some(node) = pending.pop() {
            match node {
                Node::Scalar { span, .. } => spans.push(*span),
                Node::Seq { items, .. } => pending.extend(items),
                Node::Map { entries, .. } => {
                    pending.extend(entries.iter().flat_map(|(k, v)| [k, v]));
                }
                Node::Alias { .. } => {}
            }
        }
        spans.sort_unstable_by_key(|s| s.start);
        spans
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match self {
            Node::Map { entries, .. } => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn index(&self, index: usize) -> Option<&Node> {
        match self {
            Node::Seq { items, .. } => items.get(index),
            _ => None,
        }
    }

    /// The deepest node along `path` that exists (so a missing key points at its parent).
    pub fn locate(&self, path: &[PathSeg<'_>]) -> &Node {
        let mut node = self;
        for seg in path {
            let next = match seg {
                PathSeg::Key(key) => node.get(key),
                PathSeg::Index(i) => node.index(*i),
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }
}

/// Parses the first document of `text`. An empty document is an empty mapping.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let offsets = CharOffsets::new(text);
    let mut builder = TreeBuilder {
        stack: Vec::new(),
        root: None,
        aliases: 0,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            // The reader stops deep flow collections before `TreeBuilder` sees them.
            message: if e.info().contains("recursion limit") {
                format!("nesting deeper than {MAX_DEPTH} levels")
            } else {
                e.info().to_string()
            },
            span: offsets.point(e.marker().index()),
        })?;
        let span = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        if builder.event(event, span)? {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node::Map {
        entries: Vec::new(),
        span: Span::new(0, 0),
    }))
}

struct CharOffsets {
    bytes: Vec<usize>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        CharOffsets { bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or_else(|| *self.bytes.last().unwrap_or(&0))
    }

    fn point(&self, char_index: usize) -> Span {
        let at = self.byte(char_index);
        Span::new(at, at)
    }
}

enum Open {
    Seq(Vec<Node>, Span),
    /// Entries, the key waiting for its value, and the scalar keys seen.
    Map(Vec<(Node, Node)>, Option<Node>, Span, HashSet<String>),
}

struct TreeBuilder {
    stack: Vec<Open>,
    root: Option<Node>,
    aliases: usize,
}

impl TreeBuilder {
    /// Handles one event; returns true when the first document is complete.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, YamlError> {
        match event {
            Event::Scalar(value, ..) => self.add(Node::Scalar {
                value: value.into_owned(),
                span,
            }),
            Event::Alias(_) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return Err(YamlError {
                        message: format!("more than {MAX_ALIASES} aliases; refusing to expand"),
                        span,
                    });
                }
                self.add(Node::Alias { span })
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span,
                    });
                }
                self.stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(Vec::new(), span),
                    _ => Open::Map(Vec::new(), None, span, HashSet::new()),
                });
                Ok(false)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(items, start)) => Node::Seq {
                        items,
                        span: start.cover(span),
                    },
                    Some(Open::Map(entries, _, start, _)) => Node::Map {
                        entries,
                        span: start.cover(span),
                    },
                    None => return Ok(false),
                };
                self.add(node)
            }
            Event::DocumentEnd => Ok(self.root.is_some()),
            _ => Ok(false),
        }
    }

    fn add(&mut self, node: Node) -> Result<bool, YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(false)
            }
            Some(Open::Seq(items, _)) => {
                items.push(node);
                Ok(false)
            }
            Some(Open::Map(entries, pending, _, keys)) => {
                match pending.take() {
                    None => {
                        // serde keeps the last of repeated keys: the earlier entry would be
                        // lost without a word.
                        if let Node::Scalar { value, span } = &node
                            && !keys.insert(value.clone())
                        {
                            return Err(YamlError {
                                message: format!("duplicate key `{value}`"),
                                span: *span,
                            });
                        }
                        *pending = Some(node);
                    }
                    Some(key) => entries.push((key, node)),
                }
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn block_scalars_span_their_lines() {
        let text = "a: |\n  # not a comment\n  more\nb: x\n";
        let spans = super::parse(text).unwrap().scalar_spans();
        let inside = text.find("# not").unwrap();
        assert!(
            spans.iter().any(|s| s.start <= inside && inside < s.end),
            "{spans:?}"
        );
    }

    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text = "id: demo\ncheck:\n  patterns:\n    zh: ['撤回', '(unclosed']\n";
        let root = parse(text).unwrap();
        let node = root.locate(&[
            PathSeg::Key("check"),
            PathSeg::Key("patterns"),
            PathSeg::Key("zh"),
            PathSeg::Index(1),
        ]);
        let span = node.span();
        assert!(text[span.start..span.end].contains("(unclosed"));
        let missing = root.locate(&[PathSeg::Key("check"), PathSeg::Key("nope")]);
        assert!(matches!(missing, Node::Map { .. }));
    }

    #[test]
    fn refuses_duplicate_keys() {
        let text = "a:\n  x: 1\n  y: 2\n  x: 3\nb: {x: 1}\n";
        let error = parse(text).unwrap_err();
        assert_eq!(error.message, "duplicate key `x`");
        assert_eq!(&text[error.span.start..error.span.end], "x");
        assert_eq!(error.span.start, text.find("  x: 3").unwrap() + 2);
        // The same key in different mappings is fine.
        assert!(parse("a: {x: 1}\nb: {x: 1}\n").is_ok());
    }

    #[test]
    fn refuses_deep_nesting_and_alias_bombs() {
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
        let mut bomb = String::from("a: &a [x]\n");
        for i in 0..300 {
            bomb.push_str(&format!("k{i}: [*a, *a]\n"));
        }
        assert!(parse(&bomb).unwrap_err().message.contains("aliases"));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: }").unwrap_err();
        assert!(err.span.start > 0);
    }
}
