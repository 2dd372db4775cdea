//! Evaluating one rule on one document, given the matches of all patterns.
//!
//! * `require`: some unit must contain a live match of `patterns` (and of every `also`
//!   group); otherwise one finding at the `anchor` heading or the title. The match found is
//!   the rule's evidence.
//! * `forbid`: every live match (with its `also` groups in the same unit) is a finding.
//! * `conditional`: every live match of `if` needs a live, non-void match of `then` in the
//!   same unit (or a linked sentence); otherwise a finding per unit.
//! * `deadline`: every period captured by `patterns` is compared with `limit`.
//!
//! A match is live unless a negation cue precedes it in its clause, or `unless` matches in
//! its unit. Table cells widen sentence and paragraph units to their row.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use super::numbers::parse_number;
use super::patterns::{Blocks, Match, Matches, PatternId};
use super::spec::{CheckKind, Scope, Within};
use super::{DeadlineLimit, Group, LazyRegex, Rule, RuleSet};
use crate::diagnostic::Severity;
use crate::document::{BlockKind, Document, Lang, numbering_depth};
use crate::matcher::{Matcher, matcher};

/// The longest heading read as the purpose of its section: a title, not a sentence.
const HEADING_PURPOSE_CHARS: usize = 40;

/// The most labelled paragraphs ("设备信息:…") passed back to the paragraph they spell out.
const MAX_SIBLING_LABELS: usize = 6;

/// The most blocks (sibling items and their paragraphs) passed back to a numbered item's parent.
const MAX_ITEM_STEPS: usize = 12;

/// The longest first sentence of a numbered item read as its title ("1.2.2位置信息。").
const ITEM_TITLE_CHARS: usize = 20;

/// The most sentences after a match that refer back to it, one after another ("……征信信息。" /
/// "上述信息将被加密保存。" / "上述信息将用于评估您的信用状况。").
const MAX_BACKREF_CHAIN: usize = 3;

/// The shortest paragraph read as cut off in mid-sentence when it ends without punctuation.
const MIN_CUT_CHARS: usize = 15;

/// Whether a heading or title names data or its collection ("我们在您使用服务时获取的信息"),
/// which says what is collected and when, not what for.
fn about_data(title: &str) -> bool {
    static ABOUT_DATA: OnceLock<Matcher> = OnceLock::new();
    matcher(
        &ABOUT_DATA,
        r"(?i)信息|数据|资料|收集|获取|采集|information|data|collect",
    )
    .is_match(title)
}

/// A finding before it is placed in a file: a block and a range of its text, or the start
/// of the document when the document has no block to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub severity: Severity,
    pub block: Option<usize>,
    pub range: Range<usize>,
    /// The matched phrases, for `{match}` and `{terms}` in messages.
    pub terms: Vec<String>,
    /// For deadlines: the limit, for `{limit}`.
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// `require` rules that passed: the block and text range that satisfied them.
    pub evidence: Option<(usize, Range<usize>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Unit {
    Sentence(usize, usize),
    Block(usize),
    Row(usize, usize),
    Section(usize),
    Document,
}

struct Ctx<'a> {
    rule: &'a Rule,
    set: &'a RuleSet,
    doc: &'a Document,
    matches: &'a Matches<'a>,
    lang: Lang,
}

pub fn evaluate(rule: &Rule, set: &RuleSet, doc: &Document, matches: &Matches<'_>) -> Outcome {
    let ctx = Ctx {
        rule,
        set,
        doc,
        matches,
        lang: doc.lang,
    };
    match rule.check.kind {
        CheckKind::Require => ctx.require(),
        CheckKind::Forbid => ctx.forbid(),
        CheckKind::Conditional => ctx.conditional(),
        CheckKind::Deadline => ctx.deadline(),
        CheckKind::Builtin => Outcome::default(),
    }
}

impl Ctx<'_> {
    fn text(&self, m: &Match) -> &str {
        &self.doc.blocks[m.block].text[m.start..m.end]
    }

    /// Matches of a group with the pattern that found them, in document order.
    fn all(&self, group: &Group) -> Vec<(PatternId, Match)> {
        self.all_in(group, None)
    }

    /// Matches of a group in `blocks`, with the pattern that found them, in document order.
    fn all_in(&self, group: &Group, blocks: Blocks<'_>) -> Vec<(PatternId, Match)> {
        let within = group.within();
        let mut found: Vec<(PatternId, Match)> = group
            .get(self.lang)
            .iter()
            .flat_map(|&id| {
                self.matches
                    .find(id, blocks)
                    .into_iter()
                    .map(move |m| (id, m))
            })
            .filter(|(_, m)| self.placed(m.block, within))
            .collect();
        found.sort_by_key(|(id, m)| (m.block, m.start, std::cmp::Reverse(m.end), *id));
        found
    }

    /// Whether block `b` lies where matches restricted `within` count.
    fn placed(&self, b: usize, within: Within) -> bool {
        match within {
            Within::Anywhere => true,
            Within::Title => self.in_title(b),
            Within::Headings => self.doc.blocks[b].is_heading() || self.in_title(b),
        }
    }

    /// The title block: the document title and the headings right next to it (a subtitle
    /// below it, a site name above it), at most two blocks away.
    fn in_title(&self, b: usize) -> bool {
        let Some(title) = self.doc.title else {
            return false;
        };
        let (from, to) = (b.min(title), b.max(title));
        to - from <= 2 && (from..=to).all(|i| i == title || self.doc.blocks[i].is_heading())
    }

    /// Matches in `blocks` not preceded by a negation cue in their clause.
    fn live_in(&self, group: &Group, blocks: Blocks<'_>) -> Vec<(PatternId, Match)> {
        let mut found = self.all_in(group, blocks);
        if self.rule.check.negation {
            found.retain(|(_, m)| !self.negated(m));
        }
        found
    }

    fn negated(&self, m: &Match) -> bool {
        let lexicon = &self.set.lexicon;
        let Some(cues) = &lexicon.negation_cues[self.lang.index()] else {
            return false;
        };
        let cues = cues.get();
        let block = &self.doc.blocks[m.block];
        let sentence = &block.sentences[m.sentence];
        let before = &block.text[sentence.start..m.start];
        // The clause's last `limit` characters, read backwards from the match: a sentence
        // with thousands of matches is not read from its start for each.
        let limit = lexicon.negation_window[self.lang.index()];
        let window_start = (before.char_indices().rev())
            .take(limit)
            .take_while(|&(_, c)| !matches!(c, ',' | ';' | ':'))
            .last()
            .map_or(before.len(), |(i, _)| i);
        let window = &before[window_start..];
        let ignored: Vec<Range<usize>> = lexicon.negation_ignore[self.lang.index()]
            .as_ref()
            .map(|re| re.get().find_iter(window).map(|m| m.range()).collect())
            .unwrap_or_default();
        cues.find_iter(window).any(|cue| {
            !ignored
                .iter()
                .any(|r| r.start <= cue.start() && cue.end() <= r.end)
        })
    }

    fn unit(&self, m: &Match, scope: Scope) -> Unit {
        let block = &self.doc.blocks[m.block];
        if let BlockKind::TableCell { table, row, .. } = block.kind
            && matches!(scope, Scope::Sentence | Scope::Paragraph)
        {
            return Unit::Row(table, row);
        }
        match scope {
            Scope::Sentence => Unit::Sentence(m.block, m.sentence),
            Scope::Paragraph => Unit::Block(m.block),
            Scope::Section => Unit::Section(block.section),
            Scope::Document => Unit::Document,
        }
    }

    /// The units of `scope` where a match of `group` lies in `blocks`.
    fn units(&self, group: &Group, scope: Scope, blocks: Blocks<'_>) -> HashSet<Unit> {
        self.all_in(group, blocks)
            .iter()
            .map(|(_, m)| self.unit(m, scope))
            .collect()
    }

    /// The blocks where a match of another group can share a `scope` unit with one of
    /// `found`, or (`linked`) lie in a sentence linked to one; `None` for all of them.
    /// Groups that only qualify a match are searched there alone.
    fn reach(&self, found: &[Match], scope: Scope, linked: bool) -> Option<Vec<bool>> {
        let blocks = &self.doc.blocks;
        let mut wanted = vec![false; blocks.len()];
        match scope {
            Scope::Document => return None,
            Scope::Section => {
                let sections: HashSet<usize> =
                    found.iter().map(|m| blocks[m.block].section).collect();
                for (want, block) in wanted.iter_mut().zip(blocks) {
                    *want = sections.contains(&block.section);
                }
            }
            Scope::Sentence | Scope::Paragraph => {}
        }
        let mut tables_marked = vec![false; self.doc.tables.len()];
        for m in found {
            wanted[m.block] = true;
            if linked {
                if m.block > 0 {
                    wanted[m.block - 1] = true;
                    if let Some(lead) = self.lead_in(m.block) {
                        wanted[lead] = true;
                    }
                }
                // The sentences that refer back may run into the next blocks.
                let after = m.block + 1..=m.block + MAX_BACKREF_CHAIN;
                for next in wanted.iter_mut().take(after.end() + 1).skip(*after.start()) {
                    *next = true;
                }
                for context in self.purpose_context(m.block) {
                    wanted[context] = true;
                }
            }
            // A row is one unit, and a header cell speaks for its column. A table is marked
            // once, however many matches its cells hold.
            if let BlockKind::TableCell { table, .. } = blocks[m.block].kind
                && !std::mem::replace(&mut tables_marked[table], true)
            {
                for &cell in self.doc.tables[table].rows.iter().flatten() {
                    wanted[cell] = true;
                }
            }
        }
        Some(wanted)
    }

    /// Matches of the main patterns that survive negation, `except`, `unless` and `also`.
    /// For conditional checks an `also` match overlapping the main match does not count (the
    /// verb inside "交易记录" is not a statement that records are kept), and with `linked` it
    /// may come from the sentence a continuation continues ("例如: ..." after "我们收集...").
    fn qualifying(&self, conditional: bool, blocks: Blocks<'_>) -> Vec<(PatternId, Match)> {
        let check = &self.rule.check;
        let main: Vec<(PatternId, Match)> = self
            .live_in(&check.patterns, blocks)
            .into_iter()
            .filter(|(_, m)| check.in_headings || !self.doc.blocks[m.block].is_heading())
            .collect();
        // Each step searches only where the matches left by the previous one are.
        let spots = |found: &[(PatternId, Match)]| -> Vec<Match> {
            found.iter().map(|(_, m)| *m).collect()
        };
        let mut found = main;
        if let Some(except) = &check.except
            && !found.is_empty()
        {
            let reach = self.reach(&spots(&found), Scope::Paragraph, false);
            let excepted = Spans::new(self.all_in(except, reach.as_deref()).iter().map(|(_, e)| e));
            found.retain(|(_, m)| !excepted.cover(m));
        }
        for veto in &check.unless {
            if found.is_empty() {
                break;
            }
            // An entry with `applies_to` leaves the other matches alone.
            let applies = match &veto.applies_to {
                Some(applies_to) => {
                    let reach = self.reach(&spots(&found), Scope::Paragraph, false);
                    let inside = self.all_in(applies_to, reach.as_deref());
                    let covered = Spans::new(inside.iter().map(|(_, a)| a));
                    found.iter().map(|(_, m)| covered.cover(m)).collect()
                }
                None => vec![true; found.len()],
            };
            let vetoed: Vec<bool> =
                if veto.scope == Scope::Section && veto.group.within() == Within::Headings {
                    // A heading speaks for its subsections too ("四、您的权利" over "(一)控制设置"),
                    // one level down: higher ones are titles and dates as often as topics.
                    let vetoed = self.units(&veto.group, Scope::Section, None);
                    (found.iter())
                        .map(|(_, m)| {
                            (self.enclosing_sections(m.block).take(2))
                                .any(|s| vetoed.contains(&Unit::Section(s)))
                        })
                        .collect()
                } else {
                    let reach = self.reach(&spots(&found), veto.scope, false);
                    let vetoed = self.units(&veto.group, veto.scope, reach.as_deref());
                    (found.iter())
                        .map(|(_, m)| vetoed.contains(&self.unit(m, veto.scope)))
                        .collect()
                };
            let mut verdicts = applies.into_iter().zip(vetoed);
            found.retain(|_| {
                verdicts
                    .next()
                    .is_some_and(|(applies, vetoed)| !(applies && vetoed))
            });
        }
        let linked = conditional && check.linked;
        // Groups without patterns for this language do not apply to it.
        for (scope, group) in check
            .also
            .iter()
            .filter(|(_, g)| !g.get(self.lang).is_empty())
        {
            if found.is_empty() {
                break;
            }
            // Negation is judged on the main match; an `also` word inside its negated clause
            // ("不得以未阅读本服务条款…") still places it.
            let reach = self.reach(&spots(&found), *scope, linked);
            // Indexed by unit and by sentence: a document can hold thousands of matches.
            let mut placed: HashMap<Unit, Vec<Match>> = HashMap::new();
            let mut placed_sentences: HashSet<(usize, usize)> = HashSet::new();
            for (_, a) in self.all_in(group, reach.as_deref()) {
                placed.entry(self.unit(&a, *scope)).or_default().push(a);
                placed_sentences.insert((a.block, a.sentence));
            }
            found.retain(|(_, m)| {
                let in_unit = placed.get(&self.unit(m, *scope)).is_some_and(|same| {
                    same.iter().any(|a| {
                        let overlaps = a.block == m.block && a.start < m.end && m.start < a.end;
                        !(conditional && overlaps)
                    })
                });
                in_unit
                    || (linked
                        && self
                            .linked_sentences(m.block, m.sentence)
                            .into_iter()
                            .any(|(b, s)| {
                                (b, s) < (m.block, m.sentence) && placed_sentences.contains(&(b, s))
                            }))
            });
        }
        found
    }

    fn require(&self) -> Outcome {
        // The first qualifying match is the evidence. Whether a match qualifies does not
        // depend on the other matches, so the blocks are searched in growing runs from the
        // start, and the search stops at the first run that has one.
        let count = self.doc.blocks.len();
        let (mut from, mut run) = (0, 16);
        while from < count {
            let to = (from + run).min(count);
            let mut blocks = vec![false; count];
            blocks[from..to].fill(true);
            if let Some((_, m)) = self.qualifying(false, Some(&blocks)).into_iter().next() {
                return Outcome {
                    hits: Vec::new(),
                    evidence: Some((m.block, m.start..m.end)),
                };
            }
            (from, run) = (to, run * 2);
        }
        let anchor = self
            .rule
            .check
            .anchor
            .as_ref()
            .and_then(|g| {
                let mut headings: Vec<usize> = (self.all(g).into_iter())
                    .map(|(_, m)| m.block)
                    .filter(|&b| self.doc.blocks[b].is_heading())
                    .collect();
                headings.sort_unstable();
                // A table of contents lists the heading before the section that has the text.
                (headings.iter().find(|&&b| self.heads_text(b)))
                    .or(headings.first())
                    .copied()
            })
            .or(self.doc.title);
        let range = anchor.map_or(0..0, |b| 0..self.doc.blocks[b].text.len());
        Outcome {
            hits: vec![Hit {
                severity: self.rule.severity,
                block: anchor,
                range,
                terms: Vec::new(),
                limit: None,
            }],
            evidence: None,
        }
    }

    /// Whether heading `b` opens a section with text under it, not only headings (as the
    /// entries of a table of contents do).
    fn heads_text(&self, b: usize) -> bool {
        let section = &self.doc.sections[self.doc.blocks[b].section];
        section.heading == Some(b)
            && self.doc.blocks[section.blocks.clone()]
                .iter()
                .any(|block| !block.is_heading())
    }

    /// One finding per scope unit: the first match in it.
    fn forbid(&self) -> Outcome {
        let scope = self.rule.check.scope;
        let mut reported: HashSet<Unit> = HashSet::new();
        let hits = self
            .qualifying(false, None)
            .into_iter()
            .filter(|(_, m)| reported.insert(self.unit(m, scope)))
            .map(|(_, m)| self.hit_at(&m, vec![self.text(&m).to_string()]))
            .collect();
        Outcome {
            hits,
            evidence: None,
        }
    }

    fn hit_at(&self, m: &Match, terms: Vec<String>) -> Hit {
        Hit {
            severity: self.rule.severity,
            block: Some(m.block),
            range: m.start..m.end,
            terms,
            limit: None,
        }
    }

    fn conditional(&self) -> Outcome {
        let check = &self.rule.check;
        let scope = check.scope;
        let Some(then) = &check.then else {
            return Outcome::default();
        };
        let ifs = self.qualifying(true, None);
        if ifs.is_empty() {
            return Outcome::default();
        }
        let found: Vec<Match> = ifs.iter().map(|(_, m)| *m).collect();
        let reach = self.reach(&found, scope, check.linked);
        // Sorted, so that each match is compared with the voids of its own block only.
        let mut voids: Vec<(usize, usize, usize)> = check
            .void
            .as_ref()
            .map(|g| {
                self.all_in(g, reach.as_deref())
                    .into_iter()
                    .map(|(_, v)| (v.block, v.start, v.end))
                    .collect()
            })
            .unwrap_or_default();
        voids.sort_unstable();
        let voided = |m: &Match| {
            let first = voids.partition_point(|v| v.0 < m.block);
            voids[first..]
                .iter()
                .take_while(|v| v.0 == m.block && v.1 < m.end)
                .any(|v| m.start < v.2)
        };
        let thens: Vec<Match> = self
            .live_in(then, reach.as_deref())
            .into_iter()
            .map(|(_, m)| m)
            .filter(|m| !voided(m))
            .collect();
        let then_units: HashSet<Unit> = thens.iter().map(|m| self.unit(m, scope)).collect();
        let then_sentences: HashSet<(usize, usize)> =
            thens.iter().map(|m| (m.block, m.sentence)).collect();
        let then_blocks: HashSet<usize> = thens.iter().map(|m| m.block).collect();
        let purpose_columns = self.header_columns(&thens);

        let mut failing: BTreeMap<Unit, Vec<Match>> = BTreeMap::new();
        // Whether a row fills a purpose column, asked once per row however many matches it
        // holds.
        let mut rows_filled: HashMap<(usize, usize), bool> = HashMap::new();
        for (_, m) in ifs {
            let block = &self.doc.blocks[m.block];
            let satisfied = match block.kind {
                // Headings and header cells name things; they do not collect them.
                BlockKind::Heading { .. } | BlockKind::TableCell { header: true, .. } => true,
                BlockKind::TableCell { table, row, .. } => {
                    then_units.contains(&self.unit(&m, scope))
                        || *rows_filled
                            .entry((table, row))
                            .or_insert_with(|| self.row_fills_column(table, row, &purpose_columns))
                }
                _ => {
                    then_units.contains(&self.unit(&m, scope))
                        || (check.linked
                            && (self
                                .linked_sentences(m.block, m.sentence)
                                .iter()
                                .any(|s| then_sentences.contains(s))
                                || self
                                    .purpose_context(m.block)
                                    .iter()
                                    .any(|context| then_blocks.contains(context))))
                }
            };
            if !satisfied {
                failing.entry(self.unit(&m, scope)).or_default().push(m);
            }
        }
        let hits = failing
            .into_values()
            .map(|found| {
                let mut terms: Vec<String> = Vec::new();
                for m in &found {
                    let term = self.text(m).to_string();
                    if !terms.contains(&term) {
                        terms.push(term);
                    }
                }
                self.hit_at(&found[0], terms)
            })
            .collect();
        Outcome {
            hits,
            evidence: None,
        }
    }

    /// Columns (table, col) whose header cell matches: a filled cell in such a column
    /// says the same for its row ("用途/目的" header, "提供人脸识别服务" cell).
    fn header_columns(&self, thens: &[Match]) -> HashSet<(usize, usize)> {
        thens
            .iter()
            .filter_map(|m| match self.doc.blocks[m.block].kind {
                BlockKind::TableCell {
                    table,
                    col,
                    header: true,
                    ..
                } => Some((table, col)),
                _ => None,
            })
            .collect()
    }

    fn row_fills_column(
        &self,
        table: usize,
        row: usize,
        columns: &HashSet<(usize, usize)>,
    ) -> bool {
        let Some(cells) = self.doc.tables.get(table).and_then(|t| t.rows.get(row)) else {
            return false;
        };
        cells.iter().any(|&b| {
            let block = &self.doc.blocks[b];
            let BlockKind::TableCell { col, .. } = block.kind else {
                return false;
            };
            let text = block.text.trim();
            columns.contains(&(table, col))
                && !matches!(
                    text,
                    "" | "无" | "暂无" | "/" | "-" | "—" | "N/A" | "n/a" | "None"
                )
        })
    }

    /// The lead-in ("……这些信息包括:") of the list that block `b` is part of, when the list is
    /// a run of short labels and what follows each ("设备信息:" / "我们会记录……"): walking back
    /// within the section across such labels and their content, the first longer block that
    /// ends with a colon.
    fn lead_in(&self, b: usize) -> Option<usize> {
        const LABEL_CHARS: usize = 12;
        const MAX_STEPS: usize = 12;
        let blocks = &self.doc.blocks;
        let colon = |i: usize| blocks[i].text.trim_end().ends_with(':');
        let label = |i: usize| colon(i) && blocks[i].text.trim().chars().count() <= LABEL_CHARS;
        let mut i = b;
        for _ in 0..MAX_STEPS {
            let previous = i.checked_sub(1)?;
            let block = &blocks[previous];
            if block.section != blocks[b].section
                || block.is_heading()
                || block.sentences.is_empty()
            {
                return None;
            }
            if colon(previous) && !label(previous) {
                return Some(previous);
            }
            // Content counts only under a label; the label itself is passed.
            let under_label = previous > 0 && label(previous - 1);
            if !(label(previous) || under_label) {
                return None;
            }
            i = previous;
        }
        None
    }

    /// The section of block `b` and the sections that hold it, innermost first.
    fn enclosing_sections(&self, b: usize) -> impl Iterator<Item = usize> + '_ {
        let sections = &self.doc.sections;
        std::iter::successors(Some(self.doc.blocks[b].section), |&s| sections[s].parent)
    }

    /// Whether block `i` is a paragraph of block `b`'s section (not its heading).
    fn in_section_of(&self, i: usize, b: usize) -> bool {
        let (other, block) = (&self.doc.blocks[i], &self.doc.blocks[b]);
        other.section == block.section && !other.is_heading() && !other.sentences.is_empty()
    }

    /// Blocks that may state the purpose of what block `b` collects, beyond its linked
    /// sentences: a short section heading that states one ("3. 为您提供安全保护保障"), the
    /// paragraph whose terms a labelled paragraph spells out ("设备信息:…" after "为识别异常
    /// 账号……收集您的设备信息"), and the paragraph before a lead-in that refers back to it
    /// ("上述日志信息包括:"). They count for `then` only: they do not make `b` a collection.
    fn purpose_context(&self, b: usize) -> Vec<usize> {
        let doc = self.doc;
        let lexicon = &self.set.lexicon;
        let first_sentence = |i: usize| {
            let range = doc.blocks[i].sentences[0].clone();
            &doc.blocks[i].text[range]
        };
        let matches = |patterns: &[Option<LazyRegex>; 2], text: &str| {
            patterns[self.lang.index()]
                .as_ref()
                .is_some_and(|re| re.get().is_match(text))
        };
        let mut context = Vec::new();
        if let Some(heading) = doc.sections[doc.blocks[b].section].heading.filter(|&h| {
            let text = &doc.blocks[h].text;
            h != b && text.chars().count() <= HEADING_PURPOSE_CHARS && !about_data(text)
        }) {
            context.push(heading);
        }
        context.extend(self.parent_item(b));
        if doc.blocks[b].sentences.is_empty() || b == 0 || !self.in_section_of(b - 1, b) {
            return context;
        }
        // A paragraph cut off in mid-sentence ("……查询和收集您的" closing its emphasis before
        // the list of data) goes on in this one.
        let previous = doc.blocks[b - 1].text.trim_end();
        if previous.chars().last().is_some_and(crate::document::is_han)
            && previous.chars().count() >= MIN_CUT_CHARS
            && numbering_depth(&doc.blocks[b].text).is_none()
            && !context.contains(&(b - 1))
        {
            context.push(b - 1);
        }
        // Past the sibling labels before it ("(1)日志信息:…" before "(2)设备信息:…").
        let intro = matches(&lexicon.label, first_sentence(b))
            .then(|| {
                (b.saturating_sub(MAX_SIBLING_LABELS + 1)..b)
                    .rev()
                    .take_while(|&i| self.in_section_of(i, b))
                    .find(|&i| !matches(&lexicon.label, first_sentence(i)))
            })
            .flatten();
        context.extend(intro);
        let openers = [intro, Some(self.lead_in(b).unwrap_or(b - 1))];
        for opener in openers.into_iter().flatten() {
            if opener > 0
                && self.in_section_of(opener - 1, b)
                && first_sentence(opener).trim_end().ends_with(':')
                && matches(&lexicon.backref, first_sentence(opener))
                && !context.contains(&(opener - 1))
            {
                context.push(opener - 1);
            }
        }
        context
    }

    /// The titled item that block `b` is a sub-item of: walking back within the section past
    /// its siblings and their unnumbered paragraphs, the first block numbered one level up,
    /// when it opens with a title ("1.2.2位置信息。当您使用与位置有关的服务时……" over
    /// "(1)……通过GPS……获取"); an item that opens with a sentence is a list entry of its own.
    fn parent_item(&self, b: usize) -> Option<usize> {
        let blocks = &self.doc.blocks;
        let depth = |i: usize| numbering_depth(&blocks[i].text);
        let own = depth(b)?;
        let before = || {
            (b.saturating_sub(MAX_ITEM_STEPS)..b)
                .rev()
                .take_while(|&i| self.in_section_of(i, b))
        };
        let Some((parent, d)) =
            before().find_map(|i| depth(i).filter(|&d| d != own).map(|d| (i, d)))
        else {
            // Items straight under a heading: the paragraph that opens the section frames
            // them ("2、位置信息日志" / "当您使用与位置有关的服务时……" / "(1)……GPS……").
            let first = before().last()?;
            let heading = self.doc.sections[blocks[b].section].heading;
            let opens_section = heading.is_some() && heading == first.checked_sub(1);
            let items_follow = (first + 1..b).all(|i| depth(i) == Some(own));
            return (opens_section && depth(first).is_none() && items_follow).then_some(first);
        };
        let title = &blocks[parent].text[blocks[parent].sentences[0].clone()];
        // A title about the data ("2、我们在您使用服务时获取的信息。") speaks through the
        // sentences after it, if any.
        let titled = title.chars().count() <= ITEM_TITLE_CHARS
            && (blocks[parent].sentences.len() > 1 || !about_data(title));
        (d < own && titled).then_some(parent)
    }

    /// Sentences that carry on the thought of sentence `s` of block `b`: the lead-in of a
    /// list (ending with a colon, possibly the previous block), the sentence this one
    /// continues ("例如:..."), the lead of the list item it is in, and a next sentence, in the
    /// same paragraph or opening the next one, that refers back ("这些信息用于...").
    fn linked_sentences(&self, b: usize, s: usize) -> Vec<(usize, usize)> {
        let lexicon = &self.set.lexicon;
        let doc = self.doc;
        let block = &doc.blocks[b];
        let sentence = |block: usize, s: usize| -> &str {
            let range = doc.blocks[block].sentences[s].clone();
            &doc.blocks[block].text[range]
        };
        let current = sentence(b, s);
        let mut linked = Vec::new();
        let continues = lexicon.continuation[self.lang.index()]
            .as_ref()
            .is_some_and(|re| re.get().is_match(current));
        if s > 0 && (continues || sentence(b, s - 1).trim_end().ends_with(':')) {
            linked.push((b, s - 1));
        }
        // The lead-in of the list the block is in frames each of its sentences.
        if b > 0 && self.in_section_of(b - 1, b) {
            let last = doc.blocks[b - 1].sentences.len() - 1;
            if sentence(b - 1, last).trim_end().ends_with(':') {
                linked.push((b - 1, last));
            }
        }
        if let Some(lead) = self.lead_in(b).filter(|&lead| lead + 1 < b) {
            linked.push((lead, doc.blocks[lead].sentences.len() - 1));
        }
        // A list item's lead sentence ("(3)支付功能: ...") frames the whole item.
        if s > 0 && block.kind == BlockKind::ListItem && !linked.contains(&(b, 0)) {
            linked.push((b, 0));
        }
        // The sentences after that refer back, one after another.
        let refers_back = |(nb, ns): (usize, usize)| {
            lexicon.backref[self.lang.index()]
                .as_ref()
                .is_some_and(|re| re.get().is_match(sentence(nb, ns)))
        };
        let mut at = (b, s);
        for _ in 0..MAX_BACKREF_CHAIN {
            match self.next_sentence(at) {
                Some(next) if refers_back(next) => {
                    linked.push(next);
                    at = next;
                }
                _ => break,
            }
        }
        linked
    }

    /// The sentence after sentence `s` of block `b`, or the first of the next paragraph of the
    /// same section when `s` ends its block.
    fn next_sentence(&self, (b, s): (usize, usize)) -> Option<(usize, usize)> {
        let block = &self.doc.blocks[b];
        if s + 1 < block.sentences.len() {
            return Some((b, s + 1));
        }
        (self.doc.blocks.get(b + 1))
            .filter(|next| next.section == block.section && !next.is_heading())
            .filter(|next| !next.sentences.is_empty())
            .map(|_| (b + 1, 0))
    }

    fn deadline(&self) -> Outcome {
        let Some(limit) = self.rule.check.limit.and_then(|l| l.get(self.lang)) else {
            return Outcome::default();
        };
        let mut hits = Vec::new();
        for (id, m) in self.qualifying(false, None) {
            let block = &self.doc.blocks[m.block];
            let sentence = block.sentences[m.sentence].clone();
            let text = &block.text[sentence.clone()];
            let Some(caps) = self
                .set
                .patterns
                .regex(id)
                .captures_at(text, m.start - sentence.start)
            else {
                continue;
            };
            let (Some(n), Some(unit)) = (caps.name("n"), caps.name("unit")) else {
                continue;
            };
            let Some(value) = parse_number(n.as_str()) else {
                continue;
            };
            let period = Period::new(value, unit.as_str());
            let Some(severity) = period.judge(&limit, self.rule.severity) else {
                continue;
            };
            hits.push(Hit {
                severity,
                block: Some(m.block),
                range: m.start..m.end,
                terms: vec![self.text(&m).to_string()],
                limit: limit.working_days.or(limit.days),
            });
        }
        Outcome {
            hits,
            evidence: None,
        }
    }
}

/// A period as written: a number and its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Period {
    value: u32,
    unit: PeriodUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PeriodUnit {
    WorkingDays,
    CalendarDays,
    Weeks,
    Months,
    Hours,
}

impl Period {
    fn new(value: u32, unit: &str) -> Self {
        let lower = unit.to_ascii_lowercase();
        let unit =
            if lower.contains("工作日") || lower.contains("business") || lower.contains("working")
            {
                PeriodUnit::WorkingDays
            } else if lower.contains('月') || lower.contains("month") {
                PeriodUnit::Months
            } else if lower.contains('周') || lower.contains("星期") || lower.contains("week") {
                PeriodUnit::Weeks
            } else if lower.contains("小时") || lower.contains("hour") {
                PeriodUnit::Hours
            } else {
                PeriodUnit::CalendarDays
            };
        Period { value, unit }
    }

    /// Length in working days (five per seven calendar days; a month is thirty days).
    fn working_days(self) -> f64 {
        let v = f64::from(self.value);
        match self.unit {
            PeriodUnit::WorkingDays => v,
            PeriodUnit::CalendarDays => v * 5.0 / 7.0,
            PeriodUnit::Weeks => v * 5.0,
            PeriodUnit::Months => v * 30.0 * 5.0 / 7.0,
            PeriodUnit::Hours => v / 24.0 * 5.0 / 7.0,
        }
    }

    /// None when within the limit. Against a working-day limit, calendar days that exceed
    /// it in number but may still fit it (16 to 21 days for 15 working days) are borderline.
    fn judge(self, limit: &DeadlineLimit, severity: Severity) -> Option<Severity> {
        if let Some(days) = limit.days {
            let calendar = self.working_days() * 7.0 / 5.0;
            return (calendar > f64::from(days) + 1e-9).then_some(severity);
        }
        let working = limit.working_days?;
        if self.unit == PeriodUnit::CalendarDays {
            if self.value <= working {
                return None;
            }
            if self.value <= (working * 7).div_ceil(5) {
                return Some(limit.borderline.unwrap_or(severity));
            }
            return Some(severity);
        }
        (self.working_days() > f64::from(working) + 1e-9).then_some(severity)
    }
}

/// Spans of matches, for asking whether one of them covers a match: per block, sorted by
/// start, with the furthest end reached so far, so a question costs a binary search.
struct Spans {
    by_block: HashMap<usize, (Vec<usize>, Vec<usize>)>,
}

impl Spans {
    fn new<'m>(matches: impl Iterator<Item = &'m Match>) -> Self {
        let mut spans: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for m in matches {
            spans.entry(m.block).or_default().push((m.start, m.end));
        }
        let by_block = spans
            .into_iter()
            .map(|(block, mut spans)| {
                spans.sort_unstable();
                let starts = spans.iter().map(|&(start, _)| start).collect();
                let furthest = spans
                    .iter()
                    .scan(0, |furthest, &(_, end)| {
                        *furthest = end.max(*furthest);
                        Some(*furthest)
                    })
                    .collect();
                (block, (starts, furthest))
            })
            .collect();
        Spans { by_block }
    }

    /// Whether a span starting at or before `m` ends at or after it.
    fn cover(&self, m: &Match) -> bool {
        self.by_block
            .get(&m.block)
            .is_some_and(|(starts, furthest)| {
                let before = starts.partition_point(|&start| start <= m.start);
                before > 0 && furthest[before - 1] >= m.end
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Format, parse};
    use crate::source::SourceFile;

    /// A `require` rule searches the blocks in growing runs; its evidence is still the
    /// first qualifying match of the document, and a match its `unless` vetoes does not count.
    #[test]
    fn require_evidence_is_the_first_qualifying_match() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        let rule = set
            .rules
            .iter()
            .find(|r| r.id == "missing-contact")
            .expect("rule");
        let evidence = |paragraphs: &[(usize, &str)]| {
            let mut text = String::from("# 隐私政策\n\n");
            for i in 1..120 {
                let line = paragraphs
                    .iter()
                    .find(|(at, _)| *at == i)
                    .map_or("我们重视您的隐私。", |(_, line)| line);
                text.push_str(line);
                text.push_str("\n\n");
            }
            let file = SourceFile::from_text("p.md", &text);
            let doc = parse(&file, Format::Markdown, Some(Lang::Zh));
            let matches = set.patterns.scan(&doc);
            evaluate(rule, &set, &doc, &matches)
                .evidence
                .map(|(b, _)| b)
        };
        let email = "请发送邮件至 privacy@example.com 联系我们。";
        // names a channel ("在线客服"), but the `unless` of the rule vetoes the sentence
        let vetoed = "在线客服会在工作日处理您的问题。";
        assert_eq!(evidence(&[(90, email)]), Some(90));
        assert_eq!(evidence(&[(5, email), (90, email)]), Some(5));
        assert_eq!(evidence(&[(3, vetoed), (70, email)]), Some(70));
        assert_eq!(evidence(&[(3, vetoed)]), None);
        assert_eq!(evidence(&[]), None);
    }

    #[test]
    fn periods_are_judged_in_working_days() {
        let limit = DeadlineLimit {
            working_days: Some(15),
            days: None,
            borderline: Some(Severity::Warning),
        };
        let judge = |value, unit: &str| Period::new(value, unit).judge(&limit, Severity::Error);
        assert_eq!(judge(15, "天"), None);
        assert_eq!(judge(15, "个工作日"), None);
        assert_eq!(judge(20, "天"), Some(Severity::Warning));
        assert_eq!(judge(21, "日"), Some(Severity::Warning));
        assert_eq!(judge(30, "天"), Some(Severity::Error));
        assert_eq!(judge(16, "工作日"), Some(Severity::Error));
        assert_eq!(judge(1, "个月"), Some(Severity::Error));
        assert_eq!(judge(2, "周"), None);
        assert_eq!(judge(48, "小时"), None);
        assert_eq!(judge(30, "days"), Some(Severity::Error));
        assert_eq!(judge(10, "business days"), None);
        let calendar = DeadlineLimit {
            working_days: None,
            days: Some(45),
            borderline: None,
        };
        assert_eq!(
            Period::new(45, "days").judge(&calendar, Severity::Error),
            None
        );
        assert_eq!(
            Period::new(1, "month").judge(&calendar, Severity::Error),
            None
        );
        assert_eq!(
            Period::new(60, "days").judge(&calendar, Severity::Error),
            Some(Severity::Error)
        );
    }
}
