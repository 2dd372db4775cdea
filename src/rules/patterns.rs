//! Every regular expression of the loaded rules, compiled once, and the single pass that
//! finds them in a document.
//!
//! For each pattern the literals that any match must start (or end) with are extracted and
//! put in one Aho-Corasick automaton per language. A document is scanned once with it; the
//! full regex runs only on the sentences where one of its literals occurs, so the cost grows
//! with the text and the number of candidate sentences, not with text size times rule count.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::document::{Document, Lang};

pub type PatternId = usize;

/// Compiled size limits keep user rules from building enormous automata.
const REGEX_SIZE_LIMIT: usize = 8 << 20;
const DFA_SIZE_LIMIT: usize = 8 << 20;

/// A match of one pattern inside one sentence. `start`/`end` index the block's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub block: usize,
    pub sentence: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Default)]
struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each literal of the automaton, the patterns it stands for.
    owners: Vec<Vec<PatternId>>,
    /// Patterns without usable literals: run on every sentence.
    always: Vec<PatternId>,
}

#[derive(Debug, Default)]
pub struct PatternTable {
    regexes: Vec<Regex>,
    langs: Vec<Lang>,
    index: HashMap<(Lang, String), PatternId>,
    prefilters: [Prefilter; 2],
}

impl PatternTable {
    /// Compile `pattern` for `lang`, reusing an identical earlier one.
    pub fn add(&mut self, lang: Lang, pattern: &str) -> Result<PatternId, String> {
        if let Some(&id) = self.index.get(&(lang, pattern.to_string())) {
            return Ok(id);
        }
        let regex = RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(DFA_SIZE_LIMIT)
            .build()
            .map_err(|e| e.to_string())?;
        let id = self.regexes.len();
        self.regexes.push(regex);
        self.langs.push(lang);
        self.index.insert((lang, pattern.to_string()), id);
        Ok(id)
    }

    pub fn regex(&self, id: PatternId) -> &Regex {
        &self.regexes[id]
    }

    pub fn len(&self) -> usize {
        self.regexes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty()
    }

    /// Patterns that have no literal prefilter and run on every sentence.
    pub fn unfiltered(&self) -> usize {
        self.prefilters.iter().map(|p| p.always.len()).sum()
    }

    /// Build the per-language literal automata. Call once, after all patterns are added.
    pub fn build_prefilters(&mut self) {
        for lang in Lang::ALL {
            let mut literals: Vec<Vec<u8>> = Vec::new();
            let mut literal_index: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut owners: Vec<Vec<PatternId>> = Vec::new();
            let mut always = Vec::new();
            for (id, regex) in self.regexes.iter().enumerate() {
                if self.langs[id] != lang {
                    continue;
                }
                match required_literals(regex.as_str()) {
                    Some(found) => {
                        for literal in found {
                            let slot = *literal_index.entry(literal.clone()).or_insert_with(|| {
                                literals.push(literal);
                                owners.push(Vec::new());
                                owners.len() - 1
                            });
                            if owners[slot].last() != Some(&id) {
                                owners[slot].push(id);
                            }
                        }
                    }
                    None => always.push(id),
                }
            }
            let automaton = (!literals.is_empty()).then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .expect("literal automaton builds")
            });
            self.prefilters[lang.index()] = Prefilter {
                automaton,
                owners,
                always,
            };
        }
    }

    /// Find every pattern of the document's language in one pass.
    pub fn scan(&self, doc: &Document) -> Matches {
        let prefilter = &self.prefilters[doc.lang.index()];
        let mut candidates: Vec<(PatternId, usize, usize)> = Vec::new();
        for (b, block) in doc.blocks.iter().enumerate() {
            if let Some(automaton) = &prefilter.automaton {
                for hit in automaton.find_overlapping_iter(&block.text) {
                    let Some(s) = sentence_at(&block.sentences, hit.start()) else {
                        continue;
                    };
                    for &id in &prefilter.owners[hit.pattern().as_usize()] {
                        candidates.push((id, b, s));
                    }
                }
            }
            for &id in &prefilter.always {
                candidates.extend((0..block.sentences.len()).map(|s| (id, b, s)));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut by_pattern = vec![Vec::new(); self.regexes.len()];
        for (id, b, s) in candidates {
            let block = &doc.blocks[b];
            let range = block.sentences[s].clone();
            let text = &block.text[range.clone()];
            for m in self.regexes[id].find_iter(text) {
                if m.is_empty() {
                    continue;
                }
                by_pattern[id].push(Match {
                    block: b,
                    sentence: s,
                    start: range.start + m.start(),
                    end: range.start + m.end(),
                });
            }
        }
        Matches { by_pattern }
    }
}

/// All matches of a document, per pattern, in document order.
#[derive(Debug, Default)]
pub struct Matches {
    by_pattern: Vec<Vec<Match>>,
}

impl Matches {
    pub fn of(&self, id: PatternId) -> &[Match] {
        self.by_pattern.get(id).map_or(&[], Vec::as_slice)
    }
}

fn sentence_at(sentences: &[std::ops::Range<usize>], at: usize) -> Option<usize> {
    let index = sentences.partition_point(|r| r.end <= at);
    sentences
        .get(index)
        .filter(|r| r.start <= at)
        .map(|_| index)
}

/// Literals one of which every match must start with (or end with), ASCII-lowercased for a
/// case-insensitive automaton. `None` when no useful set exists.
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let mut best: Option<(usize, Vec<Vec<u8>>)> = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let seq = Extractor::new().kind(kind).extract(&hir);
        let Some(literals) = seq.literals() else {
            continue;
        };
        if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
            continue;
        }
        let shortest = literals
            .iter()
            .map(|l| l.as_bytes().len())
            .min()
            .unwrap_or(0);
        let mut set: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_bytes().to_ascii_lowercase())
            .collect();
        set.sort();
        set.dedup();
        if best.as_ref().is_none_or(|(len, _)| shortest > *len) {
            best = Some((shortest, set));
        }
    }
    best.map(|(_, set)| set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Format, parse};
    use crate::source::SourceFile;

    #[test]
    fn literals_from_prefix_or_suffix() {
        assert_eq!(
            required_literals("撤回(您的)?同意"),
            Some(vec![
                "撤回同意".as_bytes().to_vec(),
                "撤回您的同意".as_bytes().to_vec()
            ])
        );
        let suffix = required_literals(r"\d+\s*(?:工作日|天)").unwrap();
        assert!(suffix.contains(&"天".as_bytes().to_vec()));
        // Case variants collapse to one lowercase literal (possibly shortened by the
        // extractor's limits).
        let folded = required_literals("(?i)withdraw").unwrap();
        assert_eq!(folded.len(), 1);
        assert!(folded[0].len() >= 4 && b"withdraw".starts_with(&folded[0]));
        assert_eq!(required_literals(r"\d+"), None);
    }

    #[test]
    fn scan_finds_matches_within_sentences_only() {
        let mut table = PatternTable::default();
        let withdraw = table.add(Lang::Zh, "撤回.{0,4}同意").unwrap();
        let digits = table.add(Lang::Zh, r"\d+").unwrap();
        table.build_prefilters();
        assert_eq!(table.unfiltered(), 1);
        let file = SourceFile::from_text(
            "t.md",
            "# 政策\n\n您可以撤回。同意后我们在15天内处理。您可以撤回您的同意。\n",
        );
        let doc = parse(&file, Format::Markdown, Some(Lang::Zh));
        let matches = table.scan(&doc);
        let found: Vec<&str> = matches
            .of(withdraw)
            .iter()
            .map(|m| &doc.blocks[m.block].text[m.start..m.end])
            .collect();
        assert_eq!(found, vec!["撤回您的同意"]);
        assert_eq!(matches.of(digits).len(), 1);
    }
}
