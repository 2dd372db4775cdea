//! Every regular expression of the loaded rules, and the single pass that finds them in a
//! document.
//!
//! A pattern whose top level is an alternation is split into its branches. For each branch
//! the literals that any match must start with (or end with, or contain) are extracted and
//! put in one Aho-Corasick automaton per language; a document is scanned once with it. A
//! branch with start literals is then run *anchored* at each place one of them occurs, any
//! other branch with literals only on the sentences where one occurs, and a branch without
//! literals on every sentence. The branches' matches are merged the way the whole pattern would have matched
//! (the leftmost match; at equal starts the earlier branch), so findings are exactly those
//! of the pattern. This keeps the lazy DFA small: a bounded window such as `[^。]{0,40}`
//! searched unanchored in a long alternation makes it build (and throw away) millions of
//! states, searched from a known start it needs a few dozen.
//!
//! The built-in patterns' index and their branches' programs are stored ahead of time (see
//! `patterns/image.rs`); a branch is decoded or compiled on first use, so a run pays only for what the
//! documents it reads need. Patterns from user rule files are compiled when they are added,
//! so that a bad one is reported at load time, and the index is then built at the first scan.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder};
use regex_automata::nfa::thompson::backtrack::{self, BoundedBacktracker};
use regex_automata::nfa::thompson::pikevm::{self, PikeVM};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, hybrid, meta};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Literal, Seq};
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition,
};
use serde::{Deserialize, Serialize};

mod image;
mod memo;

use super::backtrack::{Program, with_scratch};
use crate::automaton::Automaton;
use crate::document::{Document, Lang};
use memo::{Kept, SentenceMemo, Sighting};

pub type PatternId = usize;

/// Compiled size limits keep user rules from building enormous automata.
const REGEX_SIZE_LIMIT: usize = 8 << 20;
const DFA_SIZE_LIMIT: usize = 64 << 10;
const BACKTRACK_VISITED: usize = 2 << 10;

/// A match of one pattern inside one sentence. `start`/`end` index the block's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub block: usize,
    pub sentence: usize,
    pub start: usize,
    pub end: usize,
}

/// When a pattern is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compile {
    /// Now, reporting any error (patterns of user rule files).
    Now,
    /// On first use (built-in patterns, which the test suite compiles).
    OnFirstUse,
}

#[derive(Debug)]
struct Pattern {
    lang: Lang,
    source: String,
    /// The whole pattern, for captures and for patterns that can match the empty string.
    regex: OnceLock<Regex>,
    /// The parsed branches, in order (see [`split`]).
    branches: OnceLock<Vec<Hir>>,
}

impl Pattern {
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            compile_whole(&self.source).expect("pattern compiled when its rule was loaded")
        })
    }

    fn branches(&self) -> &[Hir] {
        self.branches
            .get_or_init(|| split(parse(&self.source).expect("pattern parsed when loaded")))
    }
}

/// How a branch finds its matches in a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Search {
    /// Anchored at each occurrence of one of its start literals.
    AtStarts,
    /// Unanchored, in sentences where its literals occur (or in every sentence).
    Within,
    /// The whole pattern, unanchored: it can match the empty string, so it is not split.
    Whole,
}

type SetId = usize;

#[derive(Debug)]
struct Branch {
    pattern: PatternId,
    /// Its place among the pattern's branches.
    nth: usize,
    search: Search,
    stored: StoredProgram,
    /// The character backtracker, when it supports the branch.
    program: OnceLock<Option<Program>>,
    /// The regex crate's engines, for branches or searches the backtracker refuses.
    engine: OnceLock<Engine>,
}

/// A branch's program as the stored index gives it.
#[derive(Clone, Copy, Debug)]
enum StoredProgram {
    /// Not stored: compiled from the branch on first use.
    Absent,
    /// The backtracker does not support the branch.
    Refused,
    /// Serialised, decoded on first use.
    Bytes(&'static [u8]),
}

impl StoredProgram {
    /// The stored index keeps a program's bytes, or nothing when the backtracker refused it.
    fn stored(bytes: Option<&'static [u8]>) -> Self {
        bytes.map_or(StoredProgram::Refused, StoredProgram::Bytes)
    }
}

impl Branch {
    fn new(pattern: PatternId, nth: usize, search: Search, stored: StoredProgram) -> Self {
        Branch {
            pattern,
            nth,
            search,
            stored,
            program: OnceLock::new(),
            engine: OnceLock::new(),
        }
    }

    fn hir<'t>(&self, patterns: &'t [Pattern]) -> &'t Hir {
        &patterns[self.pattern].branches()[self.nth]
    }

    fn program(&self, patterns: &[Pattern]) -> Option<&Program> {
        self.program
            .get_or_init(|| match self.stored {
                StoredProgram::Refused => None,
                StoredProgram::Bytes(bytes) => {
                    (postcard::from_bytes(bytes).ok()).or_else(|| Program::new(self.hir(patterns)))
                }
                StoredProgram::Absent => Program::new(self.hir(patterns)),
            })
            .as_ref()
    }

    /// The end of the branch's match anchored at `start`.
    fn anchored(
        &self,
        patterns: &[Pattern],
        text: &str,
        start: usize,
        end: usize,
    ) -> Option<usize> {
        if let Some(program) = self.program(patterns)
            && let Some(found) = with_scratch(|scratch| program.anchored(scratch, text, start))
        {
            // Debug builds (the test suite, fuzzing) check every search against the regex crate.
            debug_assert_eq!(
                found,
                self.anchored_by_regex(patterns, text, start, end),
                "branch {} of pattern {} in {text:?} at {start}",
                self.nth,
                self.pattern
            );
            return found;
        }
        self.anchored_by_regex(patterns, text, start, end)
    }

    fn anchored_by_regex(
        &self,
        patterns: &[Pattern],
        text: &str,
        start: usize,
        end: usize,
    ) -> Option<usize> {
        let Engine::Forward(forward) = self.engine(patterns) else {
            unreachable!("anchored branches get a forward engine");
        };
        forward.end_of_match(&Input::new(text).span(start..end).anchored(Anchored::Yes))
    }

    /// The branch's leftmost match at or after `at`.
    fn unanchored(&self, patterns: &[Pattern], text: &str, at: usize) -> Option<(usize, usize)> {
        if let Some(program) = self.program(patterns)
            && let Some(found) = with_scratch(|scratch| program.find(scratch, text, at))
        {
            debug_assert_eq!(
                found,
                self.unanchored_by_regex(patterns, text, at),
                "branch {} of pattern {} in {text:?} from {at}",
                self.nth,
                self.pattern
            );
            return found;
        }
        self.unanchored_by_regex(patterns, text, at)
    }

    fn unanchored_by_regex(
        &self,
        patterns: &[Pattern],
        text: &str,
        at: usize,
    ) -> Option<(usize, usize)> {
        let Engine::Meta(regex) = self.engine(patterns) else {
            unreachable!("unanchored branches get the meta engine");
        };
        regex
            .search(&Input::new(text).span(at..text.len()))
            .map(|m| (m.start(), m.end()))
    }

    fn engine(&self, patterns: &[Pattern]) -> &Engine {
        self.engine.get_or_init(|| {
            let hir = self.hir(patterns);
            if self.search == Search::AtStarts {
                Engine::Forward(Box::new(Forward::new(hir)))
            } else {
                Engine::Meta(
                    meta::Builder::new()
                        .configure(
                            meta::Config::new()
                                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                                .hybrid_cache_capacity(DFA_SIZE_LIMIT)
                                .which_captures(WhichCaptures::Implicit),
                        )
                        .build_from_hir(hir)
                        .expect("a branch is smaller than its pattern, which compiled"),
                )
            }
        })
    }
}

/// How a branch is run.
#[derive(Debug)]
enum Engine {
    /// Searches anchored at a known start: only the forward automaton is needed.
    Forward(Box<Forward>),
    /// Unanchored searches: the regex crate's own engine, which finds starts as well.
    Meta(meta::Regex),
}

type ForwardCaches =
    Pool<ForwardCache, Box<dyn Fn() -> ForwardCache + Send + Sync + UnwindSafe + RefUnwindSafe>>;

/// A lazy DFA run forward from a known start, with a PikeVM for the searches where it gives
/// up (a Unicode word boundary next to a non-ASCII character, too many states).
struct Forward {
    dfa: hybrid::dfa::DFA,
    backtracker: BoundedBacktracker,
    pikevm: PikeVM,
    caches: ForwardCaches,
}

struct ForwardCache {
    dfa: hybrid::dfa::Cache,
    backtracker: backtrack::Cache,
    pikevm: pikevm::Cache,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forward").finish_non_exhaustive()
    }
}

impl Forward {
    fn new(hir: &Hir) -> Self {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .which_captures(WhichCaptures::Implicit),
            )
            .build_from_hir(hir)
            .expect("a branch is smaller than its pattern, which compiled");
        // The same settings as the regex crate's own lazy DFA.
        let dfa = hybrid::dfa::Builder::new()
            .configure(
                hybrid::dfa::Config::new()
                    .cache_capacity(DFA_SIZE_LIMIT)
                    .skip_cache_capacity_check(true)
                    .minimum_cache_clear_count(None)
                    .unicode_word_boundary(true),
            )
            .build_from_nfa(nfa.clone())
            .expect("a lazy DFA builds from any NFA");
        let backtracker = BoundedBacktracker::builder()
            .configure(backtrack::Config::new().visited_capacity(BACKTRACK_VISITED))
            .build_from_nfa(nfa.clone())
            .expect("builds");
        let pikevm = PikeVM::new_from_nfa(nfa).expect("a PikeVM builds from any NFA");
        let (for_dfa, for_bt, for_pikevm) = (dfa.clone(), backtracker.clone(), pikevm.clone());
        let caches: ForwardCaches = Pool::new(Box::new(move || ForwardCache {
            dfa: for_dfa.create_cache(),
            backtracker: for_bt.create_cache(),
            pikevm: for_pikevm.create_cache(),
        }));
        Forward {
            dfa,
            backtracker,
            pikevm,
            caches,
        }
    }

    /// Where the match anchored at the start of `input` ends.
    fn end_of_match(&self, input: &Input<'_>) -> Option<usize> {
        let mut cache = self.caches.get();
        let cache = &mut *cache;
        let mut slots = [None, None];
        if let Ok(found) =
            self.backtracker
                .try_search_slots(&mut cache.backtracker, input, &mut slots)
        {
            return found.and(slots[1]).map(|end| end.get());
        }
        match self.dfa.try_search_fwd(&mut cache.dfa, input) {
            Ok(found) => found.map(|m| m.offset()),
            Err(_) => {
                let mut slots = [None, None];
                self.pikevm
                    .search_slots(&mut cache.pikevm, input, &mut slots)
                    .and(slots[1])
                    .map(|end| end.get())
            }
        }
    }
}

/// The branches of one language's patterns and the literal automaton over them. What the
/// literal pass reads for every occurrence is kept in flat lists.
#[derive(Debug, Default)]
struct LangIndex {
    branches: Vec<Branch>,
    automaton: Option<Automaton>,
    /// For each literal of the automaton, the sets it belongs to.
    sets_of: Lists,
    /// For each literal, the sets it belongs to whose places matter: a branch is anchored at
    /// them, or must find one within its match from such a start.
    placed_sets_of: Lists,
    /// For each set, the branches that start their search from it (its first set).
    owners: Lists,
    /// For each branch, the literal sets of which a sentence must contain one each for the
    /// branch to run there; the first is where an `AtStarts` branch is anchored.
    required: Lists,
    /// For each branch, what the literal pass needs to know of it.
    heads: Vec<Head>,
    /// Branches without usable literals: run on every sentence.
    always: Vec<usize>,
    /// The candidates and matches of sentences met more than once.
    memo: SentenceMemo,
}

/// What the literal pass reads of a branch, kept small.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Head {
    pattern: u32,
    anchored: bool,
    /// The longest match in bytes (`u32::MAX`: unbounded, or longer).
    longest: u32,
}

/// Lists of numbers stored end to end.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Lists {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn new(lists: &[Vec<u32>]) -> Self {
        let mut starts = Vec::with_capacity(lists.len() + 1);
        starts.push(0);
        let mut items = Vec::new();
        for list in lists {
            items.extend_from_slice(list);
            starts.push(items.len() as u32);
        }
        Lists { starts, items }
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    #[inline]
    fn get(&self, i: usize) -> &[u32] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// Builds a [`LangIndex`]: numbers literal sets and literals as they come. A fast hasher:
/// the sets of a vocabulary hold thousands of literals, hashed at every start-up.
#[derive(Default)]
struct IndexBuilder {
    index: LangIndex,
    literals: Vec<Vec<u8>>,
    literal_ids: foldhash::HashMap<Vec<u8>, usize>,
    set_ids: foldhash::HashMap<Vec<Vec<u8>>, SetId>,
    sets_of: Vec<Vec<u32>>,
    owners: Vec<Vec<u32>>,
    placed: Vec<bool>,
    required: Vec<Vec<u32>>,
}

impl IndexBuilder {
    fn set(&mut self, set: Vec<Vec<u8>>) -> SetId {
        if let Some(&id) = self.set_ids.get(&set) {
            return id;
        }
        let id = self.owners.len();
        self.owners.push(Vec::new());
        self.placed.push(false);
        for literal in &set {
            let slot = match self.literal_ids.get(literal) {
                Some(&slot) => slot,
                None => {
                    let slot = self.literals.len();
                    self.literals.push(literal.clone());
                    self.sets_of.push(Vec::new());
                    self.literal_ids.insert(literal.clone(), slot);
                    slot
                }
            };
            self.sets_of[slot].push(id as u32);
        }
        self.set_ids.insert(set, id);
        id
    }

    fn branch(&mut self, pattern: PatternId, nth: usize, plan: Plan) {
        let b = self.index.branches.len();
        let mut sets = plan.sets.into_iter();
        let sets: Vec<SetId> = match sets.next() {
            Some(main) => {
                let main = self.set(main);
                self.owners[main].push(b as u32);
                let sets: Vec<SetId> = std::iter::once(main)
                    .chain(sets.map(|set| self.set(set)))
                    .collect();
                if plan.search == Search::AtStarts {
                    for &set in &sets {
                        self.placed[set] = true;
                    }
                }
                sets
            }
            None => {
                self.index.always.push(b);
                Vec::new()
            }
        };
        self.required
            .push(sets.iter().map(|&set| set as u32).collect());
        self.index.heads.push(Head {
            pattern: pattern as u32,
            anchored: plan.search == Search::AtStarts,
            longest: plan.longest,
        });
        (self.index.branches).push(Branch::new(pattern, nth, plan.search, plan.program));
    }

    /// The index, and its literals in the order the automaton numbers them.
    fn finish(mut self) -> (LangIndex, Vec<Vec<u8>>) {
        let placed = &self.placed;
        let placed_sets_of: Vec<Vec<u32>> = (self.sets_of.iter())
            .map(|sets| {
                (sets.iter().copied())
                    .filter(|&set| placed[set as usize])
                    .collect()
            })
            .collect();
        self.index.sets_of = Lists::new(&self.sets_of);
        self.index.placed_sets_of = Lists::new(&placed_sets_of);
        self.index.owners = Lists::new(&self.owners);
        self.index.required = Lists::new(&self.required);
        self.index.automaton = Automaton::new(&self.literals);
        (self.index, self.literals)
    }
}

#[derive(Debug, Default)]
pub struct PatternTable {
    patterns: Vec<Pattern>,
    /// Each language's patterns by source.
    ids: [foldhash::HashMap<String, PatternId>; 2],
    languages: [OnceLock<LangIndex>; 2],
}

impl PatternTable {
    /// Add `pattern` for `lang`, reusing an identical earlier one. Call before any scan.
    pub fn add(&mut self, lang: Lang, pattern: &str, when: Compile) -> Result<PatternId, String> {
        if let Some(&id) = self.ids[lang.index()].get(pattern) {
            if when == Compile::Now {
                self.patterns[id]
                    .regex
                    .get_or_init(|| compile_whole(pattern).expect("an identical pattern compiled"));
            }
            return Ok(id);
        }
        let regex = OnceLock::new();
        if when == Compile::Now {
            // Each branch is part of the whole pattern, so it compiles within the same limits.
            let _ = regex.set(compile_whole(pattern)?);
        }
        let id = self.patterns.len();
        self.patterns.push(Pattern {
            lang,
            source: pattern.to_string(),
            regex,
            branches: OnceLock::new(),
        });
        self.ids[lang.index()].insert(pattern.to_string(), id);
        Ok(id)
    }

    /// The whole pattern, compiled (for captures).
    pub fn regex(&self, id: PatternId) -> &Regex {
        self.patterns[id].regex()
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Compile every pattern and every branch now (tests, benchmarks).
    pub fn compile_all(&self) {
        for lang in Lang::ALL {
            for branch in &self.lang_index(lang).branches {
                branch.engine(&self.patterns);
            }
        }
        for pattern in &self.patterns {
            pattern.regex();
        }
    }

    fn lang_index(&self, lang: Lang) -> &LangIndex {
        self.languages[lang.index()].get_or_init(|| {
            image::builtin(self, lang)
                .unwrap_or_else(|| self.build_index(lang, image::stored_plans(lang)).0)
        })
    }

    /// The sources of the patterns of `lang`, with their ids, in order.
    fn sources(&self, lang: Lang) -> impl Iterator<Item = (PatternId, &str)> {
        (self.patterns.iter().enumerate())
            .filter(move |(_, pattern)| pattern.lang == lang)
            .map(|(id, pattern)| (id, pattern.source.as_str()))
    }

    /// The index of `lang`'s patterns, with its literals; the plans of patterns found in
    /// `stored` (the built-in ones, when user rules add others) are taken from there.
    fn build_index(
        &self,
        lang: Lang,
        stored: Option<&image::StoredPlans>,
    ) -> (LangIndex, Vec<Vec<u8>>) {
        let ids: Vec<PatternId> = (0..self.patterns.len())
            .filter(|&id| self.patterns[id].lang == lang)
            .collect();
        // Parsing and literal extraction are most of a cold start: they run in parallel.
        let planned = map_in_parallel(&ids, |&id| {
            let source = self.patterns[id].source.as_str();
            match stored.and_then(|stored| stored.plans(source)) {
                Some(plans) => plans,
                None => self.patterns[id].branches().iter().map(Plan::new).collect(),
            }
        });
        let mut builder = IndexBuilder::default();
        for (&id, plans) in ids.iter().zip(planned) {
            for (nth, plan) in plans.into_iter().enumerate() {
                builder.branch(id, nth, plan);
            }
        }
        builder.finish()
    }

    /// Find where each pattern of the document's language may match, in one literal pass.
    /// The regular expressions run later, when [`Matches::find`] asks for a pattern, and
    /// only in the blocks asked for: a rule whose main patterns never match never pays for
    /// its exceptions and vetoes.
    pub fn scan<'a>(&'a self, doc: &'a Document) -> Matches<'a> {
        let mut starts = vec![0; self.patterns.len() + 1];
        if !self.patterns.iter().any(|p| p.lang == doc.lang) {
            return Matches {
                table: self,
                doc,
                index: None,
                candidates: Vec::new(),
                starts,
                kept: foldhash::HashMap::default(),
                verified: RefCell::default(),
            };
        }
        let index = self.lang_index(doc.lang);
        let mut scratch = Scratch::new(index);
        let mut kept = foldhash::HashMap::default();
        for (b, block) in doc.blocks.iter().enumerate() {
            scratch.find_candidates(index, b, &block.text, &block.sentences, &mut kept);
        }
        // Candidates come in document order: a stable counting sort by pattern keeps each
        // pattern's in that order, a sentence's together.
        for candidate in &scratch.candidates {
            starts[candidate.pattern() + 1] += 1;
        }
        for p in 1..starts.len() {
            starts[p] += starts[p - 1];
        }
        let mut next = starts.clone();
        let mut candidates = vec![Candidate::default(); scratch.candidates.len()];
        for &candidate in &scratch.candidates {
            candidates[next[candidate.pattern()]] = candidate;
            next[candidate.pattern()] += 1;
        }
        Matches {
            table: self,
            doc,
            index: Some(index),
            candidates,
            starts,
            kept,
            verified: RefCell::default(),
        }
    }

    /// The matches of one pattern in one sentence, given its candidates (each branch's
    /// together, by start), as `find_iter` of the whole pattern would give them.
    fn find_in_sentence<'c>(
        &'c self,
        index: &'c LangIndex,
        candidates: &'c [Candidate],
        cursors: &mut Vec<Cursor<'c>>,
        text: &str,
        mut found: impl FnMut(usize, usize),
    ) {
        let first = &index.branches[candidates[0].branch()];
        if first.search == Search::Whole {
            let regex = self.patterns[first.pattern].regex();
            for m in regex.find_iter(text).filter(|m| !m.is_empty()) {
                found(m.start(), m.end());
            }
            return;
        }
        cursors.clear();
        for same_branch in candidates.chunk_by(|x, y| x.branch == y.branch) {
            let b = same_branch[0].branch();
            let branch = &index.branches[b];
            cursors.push(Cursor {
                branch,
                patterns: &self.patterns,
                longest: index.heads[b].longest,
                candidates: same_branch,
                tried: 0,
                next: None,
            });
        }
        // Of matches starting at the same place, the first branch's wins, as in the whole
        // pattern's alternation.
        cursors.sort_unstable_by_key(|cursor| cursor.candidates[0].branch);
        let mut at = 0;
        // No branch matches the empty string, so every match moves `at` forward.
        loop {
            let mut best: Option<(usize, usize)> = None;
            for cursor in cursors.iter_mut() {
                if let Some((start, end)) = cursor.next_match(text, at)
                    && best.is_none_or(|(s, _)| start < s)
                {
                    best = Some((start, end));
                }
            }
            let Some((start, end)) = best else {
                break;
            };
            found(start, end);
            at = end;
        }
    }
}

/// Buffers reused from sentence to sentence during a scan.
struct Scratch {
    /// Literals seen in the current sentence.
    literals: Stamps,
    /// Sets one of whose literals occurs in the current sentence.
    present: Stamps,
    /// Sets whose places in the current sentence an anchored candidate needs.
    needed: Stamps,
    /// The literal occurrences of the current sentence: (start, literal), in 32 bits (see
    /// [`narrow`]): the pass reads millions of them.
    hits: Vec<(u32, u32)>,
    present_sets: Vec<SetId>,
    anchored: Vec<usize>,
    /// Where the needed sets occur in the current sentence, as [`place`]s, sorted.
    places: Vec<u64>,
    candidates: Vec<Candidate>,
}

impl Scratch {
    fn new(index: &LangIndex) -> Self {
        Scratch {
            literals: Stamps::new(index.sets_of.len()),
            present: Stamps::new(index.owners.len()),
            needed: Stamps::new(index.owners.len()),
            hits: Vec::new(),
            present_sets: Vec::new(),
            anchored: Vec::new(),
            places: Vec::new(),
            candidates: Vec::new(),
        }
    }

    /// Adds the candidates of block `block` to `self.candidates`, in document order: the
    /// branches whose literal sets all occur in a sentence, and every branch without
    /// literals. A sentence met before takes them from the memo, and goes into `kept`.
    fn find_candidates(
        &mut self,
        index: &LangIndex,
        block: usize,
        text: &str,
        sentences: &[Range<usize>],
        kept: &mut foldhash::HashMap<(u32, u32), Arc<Kept>>,
    ) {
        for (sentence, range) in sentences.iter().enumerate() {
            let text = &text[range.clone()];
            let at = (narrow(block), narrow(sentence));
            let sighting = index.memo.look(text);
            if let Sighting::Kept(memo) = sighting {
                self.candidates
                    .extend(memo.candidates.iter().map(|&(branch, start)| Candidate {
                        pattern: index.heads[branch as usize].pattern,
                        block: at.0,
                        sentence: at.1,
                        branch,
                        start: start as usize,
                    }));
                kept.insert(at, memo);
                continue;
            }
            let first = self.candidates.len();
            // A literal running past the sentence's end is no part of a match in it.
            self.hits.clear();
            if let Some(automaton) = &index.automaton {
                (self.hits).extend(
                    (automaton.find_overlapping(text.as_bytes()))
                        .map(|hit| (narrow(hit.start), hit.literal)),
                );
            }
            self.sentence(index, block, sentence);
            if let Sighting::Second = sighting {
                let found: Vec<(u32, u32)> = (self.candidates[first..].iter())
                    .map(|candidate| (candidate.branch, narrow(candidate.start)))
                    .collect();
                if let Some(memo) = index.memo.keep(text, &found) {
                    kept.insert(at, memo);
                }
            }
        }
    }

    /// Adds the candidates of one sentence, whose literal occurrences are in `self.hits`.
    fn sentence(&mut self, index: &LangIndex, block: usize, sentence: usize) {
        let hits = &self.hits;
        self.literals.next();
        self.present.next();
        self.needed.next();
        self.present_sets.clear();
        for &(_, literal) in hits {
            let literal = literal as usize;
            if self.literals.insert(literal) {
                for &set in index.sets_of.get(literal) {
                    if self.present.insert(set as usize) {
                        self.present_sets.push(set as usize);
                    }
                }
            }
        }
        let found = &mut self.candidates;
        self.anchored.clear();
        let candidate = |b: usize, start| Candidate {
            pattern: index.heads[b].pattern,
            block: narrow(block),
            sentence: narrow(sentence),
            branch: narrow(b),
            start,
        };
        for &set in &self.present_sets {
            for &b in index.owners.get(set) {
                let b = b as usize;
                let required = index.required.get(b);
                if !required[1..]
                    .iter()
                    .all(|&set| self.present.contains(set as usize))
                {
                    continue;
                }
                if index.heads[b].anchored {
                    self.anchored.push(b);
                    for &set in required {
                        self.needed.insert(set as usize);
                    }
                } else {
                    found.push(candidate(b, 0));
                }
            }
        }
        if !self.anchored.is_empty() {
            let places = &mut self.places;
            places.clear();
            for &(start, literal) in hits {
                for &set in index.placed_sets_of.get(literal as usize) {
                    if self.needed.contains(set as usize) {
                        places.push(place(set, start));
                    }
                }
            }
            places.sort_unstable();
            places.dedup();
            for &b in &self.anchored {
                let required = index.required.get(b);
                // A match holds a literal of each other set: a start is tried only when one
                // follows it closely enough.
                let longest = index.heads[b].longest as usize;
                let within_reach = |start: u32| {
                    required[1..].iter().all(|&set| {
                        let next = places.partition_point(|&at| at < place(set, start));
                        places.get(next).is_some_and(|&at| {
                            at >> 32 == u64::from(set)
                                && (at as u32 as usize) < start as usize + longest
                        })
                    })
                };
                let main = required[0];
                let first = places.partition_point(|&at| at < place(main, 0));
                found.extend(
                    places[first..]
                        .iter()
                        .take_while(|&&at| at >> 32 == u64::from(main))
                        .map(|&at| at as u32)
                        .filter(|&start| within_reach(start))
                        .map(|start| candidate(b, start as usize)),
                );
            }
        }
        found.extend(index.always.iter().map(|&b| candidate(b, 0)));
    }
}

/// A branch that may match in a sentence: for `AtStarts` branches, where one of its start
/// literals occurs (relative to the sentence). A sentence gives each branch's candidates
/// together, by start. Numbers are kept in 32 bits: a document with many sentences has
/// millions of candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Candidate {
    pattern: u32,
    block: u32,
    sentence: u32,
    branch: u32,
    start: usize,
}

impl Candidate {
    fn pattern(&self) -> PatternId {
        self.pattern as usize
    }

    fn block(&self) -> usize {
        self.block as usize
    }

    fn sentence(&self) -> usize {
        self.sentence as usize
    }

    fn branch(&self) -> usize {
        self.branch as usize
    }
}

/// `n` in 32 bits: counts of blocks, sentences and branches, and offsets in a block, are
/// below 2³² in any file privlint reads (files are under 2 GiB, see `max_file_size_mib`).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).expect("blocks, sentences, branches and offsets below 2^32")
}

/// A set's occurrence at `start` in one number, ordered by set, then start: one integer
/// compares faster than a pair in the sort every sentence with anchored branches needs.
fn place(set: u32, start: u32) -> u64 {
    u64::from(set) << 32 | u64::from(start)
}

/// Membership marks that are all cleared at once by moving to a new generation.
struct Stamps {
    marks: Vec<u32>,
    now: u32,
}

impl Stamps {
    fn new(len: usize) -> Self {
        Stamps {
            marks: vec![0; len],
            now: 0,
        }
    }

    fn next(&mut self) {
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.marks.fill(0);
            self.now = 1;
        }
    }

    /// Marks `i`; false when it was marked already.
    fn insert(&mut self, i: usize) -> bool {
        std::mem::replace(&mut self.marks[i], self.now) != self.now
    }

    fn contains(&self, i: usize) -> bool {
        self.marks[i] == self.now
    }
}

/// One branch searched through a sentence, remembering its next match.
struct Cursor<'a> {
    branch: &'a Branch,
    patterns: &'a [Pattern],
    /// The branch's longest match, as in [`Head`].
    longest: u32,
    /// This branch's candidates in the sentence; those before `tried` were tried.
    candidates: &'a [Candidate],
    tried: usize,
    /// The branch's leftmost match at or after the position it was asked for last; `Some(None)`
    /// once there is none.
    next: Option<Option<(usize, usize)>>,
}

impl Cursor<'_> {
    /// The branch's leftmost match starting at or after `at`.
    fn next_match(&mut self, text: &str, at: usize) -> Option<(usize, usize)> {
        match self.next {
            Some(None) => return None,
            Some(Some((start, end))) if start >= at => return Some((start, end)),
            _ => {}
        }
        let found = if self.branch.search == Search::AtStarts {
            loop {
                let Some(candidate) = self.candidates.get(self.tried) else {
                    break None;
                };
                self.tried += 1;
                if candidate.start < at {
                    continue;
                }
                // No match is longer than the branch's longest: a shorter span costs less.
                let end = text
                    .len()
                    .min(candidate.start.saturating_add(self.longest as usize));
                if let Some(end) = self
                    .branch
                    .anchored(self.patterns, text, candidate.start, end)
                {
                    break Some((candidate.start, end));
                }
            }
        } else {
            self.branch.unanchored(self.patterns, text, at)
        };
        self.next = Some(found);
        found
    }
}

/// The blocks of a document a search is limited to (`None`: all of them).
pub type Blocks<'b> = Option<&'b [bool]>;

/// Where the patterns of a document may match, and the matches found so far. A pattern's
/// regular expression runs on the first request for a block, and the result is kept.
pub struct Matches<'a> {
    table: &'a PatternTable,
    doc: &'a Document,
    index: Option<&'a LangIndex>,
    /// Sorted by pattern, block and sentence; in a sentence, each branch's together, by start.
    candidates: Vec<Candidate>,
    /// The candidates of pattern `p` are `candidates[starts[p]..starts[p + 1]]`.
    starts: Vec<usize>,
    /// The memo's entries of the document's repeated sentences, by block and sentence.
    kept: foldhash::HashMap<(u32, u32), Arc<Kept>>,
    /// The matches of a pattern in a block, once searched.
    verified: RefCell<foldhash::HashMap<(PatternId, usize), Vec<Match>>>,
}

impl Matches<'_> {
    /// The matches of pattern `id` in `blocks`, in document order.
    pub fn find(&self, id: PatternId, blocks: Blocks<'_>) -> Vec<Match> {
        let Some(index) = self.index else {
            return Vec::new();
        };
        let Some(range) = self.starts.get(id..id + 2) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut verified = self.verified.borrow_mut();
        for in_block in self.candidates[range[0]..range[1]].chunk_by(|x, y| x.block == y.block) {
            let b = in_block[0].block();
            if blocks.is_some_and(|wanted| !wanted[b]) {
                continue;
            }
            let matches = verified
                .entry((id, b))
                .or_insert_with(|| self.search_block(index, in_block));
            found.extend_from_slice(matches);
        }
        found
    }

    fn search_block(&self, index: &LangIndex, candidates: &[Candidate]) -> Vec<Match> {
        let block = &self.doc.blocks[candidates[0].block()];
        let pattern = candidates[0].pattern();
        let mut cursors = Vec::new();
        let mut found = Vec::new();
        let mut in_sentence_found = Vec::new();
        for in_sentence in candidates.chunk_by(|x, y| x.sentence == y.sentence) {
            let (b, sentence) = (in_sentence[0].block(), in_sentence[0].sentence());
            let range = block.sentences[sentence].clone();
            let kept = self
                .kept
                .get(&(in_sentence[0].block, in_sentence[0].sentence));
            in_sentence_found.clear();
            if !kept.is_some_and(|kept| kept.verified(pattern, &mut in_sentence_found)) {
                let text = &block.text[range.clone()];
                self.table.find_in_sentence(
                    index,
                    in_sentence,
                    &mut cursors,
                    text,
                    |start, end| {
                        in_sentence_found.push((narrow(start), narrow(end)));
                    },
                );
                if let Some(kept) = kept {
                    kept.set_verified(pattern, &in_sentence_found);
                }
            }
            found.extend(in_sentence_found.iter().map(|&(start, end)| Match {
                block: b,
                sentence,
                start: range.start + start as usize,
                end: range.start + end as usize,
            }));
        }
        found
    }
}

/// `f` of every item, in order, computed on as many threads as the run may use (rayon's
/// count, which `RAYON_NUM_THREADS` sets). Scoped threads, not rayon's: the caller may be a
/// rayon task holding a lock that other tasks wait for.
fn map_in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = rayon::current_num_threads().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let f = &f;
        // Interleaved, so that the large vocabulary patterns spread over the threads.
        let handles: Vec<_> = (0..threads)
            .map(|first| {
                scope.spawn(move || {
                    (first..items.len())
                        .step_by(threads)
                        .map(|i| (i, f(&items[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            let done = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, result) in done {
                results[i] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|result| result.expect("every item is mapped"))
        .collect()
}

fn compile_whole(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// The pattern as the regex crate parses it (same syntax options as [`RegexBuilder`]).
fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// The parts of a pattern searched for apart: its [`branches`], or the whole pattern when it
/// can match the empty string.
fn split(hir: Hir) -> Vec<Hir> {
    if matches_empty(&hir) {
        vec![hir]
    } else {
        branches(hir)
    }
}

/// Whether `pattern` can match empty text (false when it does not parse: compiling says why).
pub fn can_match_empty(pattern: &str) -> bool {
    parse(pattern).is_ok_and(|hir| matches_empty(&hir))
}

fn matches_empty(hir: &Hir) -> bool {
    hir.properties().minimum_len().is_none_or(|len| len == 0)
}

/// The branches of a top-level alternation (through groups), in order. Matching the whole
/// pattern at a position means trying its branches there in this order.
fn branches(hir: Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Alternation(alternatives) => {
            alternatives.iter().cloned().flat_map(branches).collect()
        }
        HirKind::Capture(capture) => branches((*capture.sub).clone()),
        _ => vec![hir],
    }
}

/// Where a branch's required literals sit in its matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Start,
    End,
    Inside,
}

/// What a branch's matches must contain: one literal of `set`, found at `place`, and one
/// literal of each of the `also` sets somewhere. Literals are ASCII-lowercased for
/// case-insensitive automata.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Required {
    place: Place,
    set: Vec<Vec<u8>>,
    also: Vec<Vec<Vec<u8>>>,
}

/// How a branch is searched: with what search, the literal sets of which a sentence must
/// contain one each for it to run there (the main one first; none: every sentence), its
/// longest match in bytes (`u32::MAX`: unbounded or longer) and its stored program.
#[derive(Clone, Debug)]
struct Plan {
    search: Search,
    sets: Vec<LiteralSet>,
    longest: u32,
    program: StoredProgram,
}

impl Plan {
    fn new(branch: &Hir) -> Self {
        let (search, required) = if matches_empty(branch) {
            // It can match the empty string: the whole pattern is searched instead.
            (Search::Whole, None)
        } else {
            match required_literals(branch) {
                Some(required) if required.place == Place::Start => {
                    (Search::AtStarts, Some(required))
                }
                required => (Search::Within, required),
            }
        };
        let sets = required.map_or_else(Vec::new, |required| {
            std::iter::once(required.set).chain(required.also).collect()
        });
        let longest = branch.properties().maximum_len();
        Plan {
            search,
            sets,
            longest: longest.map_or(u32::MAX, |len| len.try_into().unwrap_or(u32::MAX)),
            program: StoredProgram::Absent,
        }
    }
}

/// Start literals at least this long (bytes) anchor a branch whatever the other sets: a
/// single byte (`,`, a digit) occurs too often to start a search at each occurrence.
const MIN_START_LITERAL: usize = 2;

/// How many further literal sets a branch checks in a sentence before it runs.
const MAX_ALSO: usize = 3;

/// The literals a branch requires. The main set is the start set when its literals are long
/// enough (the branch is then run anchored at them), else the one with the longest shortest
/// literal, at the end or inside (as the `0` of `(?:^|[^\d])0\d{2,3}`, or `年`, `-` and `20` of an alternation
/// of date formats). `None` when no useful set exists.
fn required_literals(hir: &Hir) -> Option<Required> {
    let hir = fold_ascii_case(hir);
    let mut options: Vec<(Place, Vec<Vec<u8>>)> = Vec::new();
    let (inside, prefix) = inner_sets_and_prefix(&hir);
    options.extend(prefix.map(|set| (Place::Start, set)));
    options.extend(extract(ExtractKind::Suffix, &hir).map(|set| (Place::End, set)));
    options.extend(inside.into_iter().map(|set| (Place::Inside, set)));
    // Searches anchored at known starts cost far less than unanchored ones, even when the
    // start literals are more common than others (measured over the corpus: 10 % less time).
    let anchorable = options
        .first()
        .is_some_and(|(place, set)| *place == Place::Start && shortest(set) >= MIN_START_LITERAL);
    let best = if anchorable {
        0
    } else {
        options
            .iter()
            .enumerate()
            .fold(None, |best: Option<usize>, (i, (_, set))| match best {
                Some(b) if shortest(&options[b].1) >= shortest(set) => Some(b),
                _ => Some(i),
            })?
    };
    let (place, set) = options.swap_remove(best);
    let mut others: Vec<Vec<Vec<u8>>> = options
        .into_iter()
        .map(|(_, other)| other)
        .filter(|other| shortest(other) >= 2)
        .collect();
    others.sort_by_key(|other| std::cmp::Reverse(shortest(other)));
    // A set each of whose literals contains one of another's tells nothing more: the tails
    // of `browser` (`ser`, `er`) would only put common literals into the automaton.
    let mut also: Vec<Vec<Vec<u8>>> = Vec::new();
    for other in others {
        if !implies(&set, &other) && !also.iter().any(|kept| implies(kept, &other)) {
            also.push(other);
        }
    }
    also.truncate(MAX_ALSO);
    Some(Required { place, set, also })
}

/// Whether a text holding a literal of `set` always holds one of `other`.
fn implies(set: &[Vec<u8>], other: &[Vec<u8>]) -> bool {
    set.iter()
        .all(|literal| (other.iter()).any(|part| memchr::memmem::find(literal, part).is_some()))
}

/// Literals (ASCII-lowercased) of which every match of `pattern` contains one, or `None`
/// when some match need not contain any of a usable set. Those of the built-in vendors'
/// names are stored with the built-in index.
pub(crate) fn necessary_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    image::stored_necessary_literals(pattern).unwrap_or_else(|| analyse_necessary_literals(pattern))
}

fn analyse_necessary_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = parse(pattern).ok()?;
    if matches_empty(&hir) {
        return None;
    }
    let mut union = Vec::new();
    for branch in branches(hir) {
        union.extend(required_literals(&branch)?.set);
    }
    union.sort();
    union.dedup();
    Some(union)
}

/// Sets of literals such that every match contains a literal of each: the start literals
/// of any tail of a concatenation and the sets of its parts, or for an alternation the
/// best set of every alternative together.
fn inner_sets(hir: &Hir) -> Vec<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Concat(_) => inner_sets_and_prefix(hir).0,
        HirKind::Alternation(alternatives) => {
            let mut union = Vec::new();
            for alternative in alternatives {
                let (sets, prefix) = inner_sets_and_prefix(alternative);
                let best = sets
                    .into_iter()
                    .chain(prefix)
                    .max_by_key(|set| shortest(set));
                match best {
                    Some(set) => union.extend(set),
                    None => return Vec::new(),
                }
            }
            union.sort();
            union.dedup();
            vec![union]
        }
        HirKind::Repetition(repetition) if repetition.min > 0 => inner_sets(&repetition.sub),
        HirKind::Capture(capture) => inner_sets(&capture.sub),
        _ => extract(ExtractKind::Prefix, hir).into_iter().collect(),
    }
}

/// Literals of which a match contains one.
type LiteralSet = Vec<Vec<u8>>;

/// [`inner_sets`] of `hir` and its prefix set: a concatenation's prefix set is that of its
/// first tail, computed with the others.
fn inner_sets_and_prefix(hir: &Hir) -> (Vec<LiteralSet>, Option<LiteralSet>) {
    let HirKind::Concat(parts) = hir.kind() else {
        return (inner_sets(hir), extract(ExtractKind::Prefix, hir));
    };
    let mut tails = tail_prefixes(parts).into_iter().map(literal_set);
    let prefix = tails.next().flatten();
    let mut sets: Vec<LiteralSet> = tails.flatten().collect();
    sets.extend(parts.iter().flat_map(inner_sets));
    (sets, prefix)
}

fn extractor(kind: ExtractKind) -> Extractor {
    let mut extractor = Extractor::new();
    extractor
        .kind(kind)
        .limit_literal_len(LITERAL_LEN)
        .limit_total(LITERAL_LIMIT);
    extractor
}

/// The prefix literals of every tail `parts[i..]` of a concatenation, as the extractor
/// gives them for the concatenation of the tail, without building each tail: a part is
/// extracted once, and a tail crosses the parts' sequences the way the extractor does.
fn tail_prefixes(parts: &[Hir]) -> Vec<Seq> {
    let extractor = extractor(ExtractKind::Prefix);
    let mut of_part: Vec<Option<Seq>> = vec![None; parts.len()];
    (0..parts.len())
        .map(|first| {
            let mut seq = Seq::singleton(Literal::exact(vec![]));
            for (part, cached) in parts[first..].iter().zip(&mut of_part[first..]) {
                if seq.is_inexact() {
                    break;
                }
                let mut next = cached
                    .get_or_insert_with(|| extractor.extract(part))
                    .clone();
                if seq
                    .max_cross_len(&next)
                    .is_some_and(|len| len > LITERAL_LIMIT)
                {
                    next.make_infinite();
                }
                seq.cross_forward(&mut next);
                seq.keep_first_bytes(LITERAL_LEN);
            }
            seq
        })
        .collect()
}

fn shortest(set: &[Vec<u8>]) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// The literal set of `kind` of `hir`, lowercased and deduplicated; `None` when it is
/// infinite or contains the empty string.
fn extract(kind: ExtractKind, hir: &Hir) -> Option<Vec<Vec<u8>>> {
    literal_set(extractor(kind).extract(hir))
}

fn literal_set(seq: Seq) -> Option<Vec<Vec<u8>>> {
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    let mut set: Vec<Vec<u8>> = literals
        .iter()
        .map(|l| l.as_bytes().to_ascii_lowercase())
        .collect();
    set.sort();
    set.dedup();
    Some(set)
}

/// How many literals one branch may contribute to the automaton: enough for a vocabulary
/// alternation (every synonym of a taxonomy category) to keep whole words.
const LITERAL_LIMIT: usize = 2000;

/// Literals are cut to this many bytes (three Chinese characters, nine letters): longer ones
/// select hardly fewer sentences but multiply, as the combinations of a vocabulary with
/// what follows it, into an automaton that takes longer to build than a policy to check.
const LITERAL_LEN: usize = 9;

/// `hir` with the ASCII case variants in its small classes merged (`[Bb]` reads `b`), for
/// literal extraction only: the automaton ignores ASCII case, and a case-insensitive word
/// would otherwise expand to one literal per combination of cases.
pub(crate) fn fold_ascii_case(hir: &Hir) -> Cow<'_, Hir> {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            let chars: Vec<char> = class
                .ranges()
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .take(11)
                .collect();
            if chars.len() > 10 {
                return Cow::Borrowed(hir);
            }
            let folded = ClassUnicode::new(chars.iter().map(|c| {
                let c = c.to_ascii_lowercase();
                ClassUnicodeRange::new(c, c)
            }));
            if folded.ranges() == class.ranges() {
                Cow::Borrowed(hir)
            } else {
                Cow::Owned(Hir::class(Class::Unicode(folded)))
            }
        }
        HirKind::Concat(parts) => {
            fold_each(parts).map_or(Cow::Borrowed(hir), |parts| Cow::Owned(Hir::concat(parts)))
        }
        HirKind::Alternation(alternatives) => fold_each(alternatives)
            .map_or(Cow::Borrowed(hir), |alternatives| {
                Cow::Owned(Hir::alternation(alternatives))
            }),
        HirKind::Repetition(repetition) => match fold_ascii_case(&repetition.sub) {
            Cow::Borrowed(_) => Cow::Borrowed(hir),
            Cow::Owned(sub) => Cow::Owned(Hir::repetition(Repetition {
                sub: Box::new(sub),
                ..repetition.clone()
            })),
        },
        HirKind::Capture(capture) => match fold_ascii_case(&capture.sub) {
            Cow::Borrowed(_) => Cow::Borrowed(hir),
            Cow::Owned(sub) => Cow::Owned(Hir::capture(Capture {
                sub: Box::new(sub),
                ..capture.clone()
            })),
        },
        _ => Cow::Borrowed(hir),
    }
}

/// The folded `hirs`, or `None` when folding changes none of them (nothing is copied).
fn fold_each(hirs: &[Hir]) -> Option<Vec<Hir>> {
    let folded: Vec<Cow<'_, Hir>> = hirs.iter().map(fold_ascii_case).collect();
    if folded.iter().all(|hir| matches!(hir, Cow::Borrowed(_))) {
        return None;
    }
    Some(folded.into_iter().map(Cow::into_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Format, parse as parse_document};
    use crate::source::SourceFile;

    fn literals(pattern: &str) -> Option<(Place, Vec<Vec<u8>>)> {
        required_literals(&parse(pattern).unwrap()).map(|r| (r.place, r.set))
    }

    #[test]
    fn literals_from_prefix_or_suffix() {
        // Literals are cut to `LITERAL_LEN` bytes: three Chinese characters.
        assert_eq!(
            literals("撤回(您的)?同意"),
            Some((
                Place::Start,
                vec!["撤回同".as_bytes().to_vec(), "撤回您".as_bytes().to_vec()]
            ))
        );
        let (kind, suffix) = literals(r"\d+\s*(?:工作日|天)").unwrap();
        assert_eq!(kind, Place::End);
        assert!(suffix.contains(&"天".as_bytes().to_vec()));
        // Case variants collapse to one lowercase literal (possibly shortened by the
        // extractor's limits).
        let (_, folded) = literals("(?i)withdraw").unwrap();
        assert_eq!(folded.len(), 1);
        assert!(folded[0].len() >= 4 && b"withdraw".starts_with(&folded[0]));
        assert_eq!(literals(r"\d+"), None);
        assert_eq!(
            literals(r"(?:^|[^\d])0\d{2,3}-\d{7,8}"),
            Some((Place::Inside, vec![b"0".to_vec()]))
        );
        // A date in one of several forms contains one of their separators.
        let (place, set) = literals(r"^[^,]{0,9}(?:\d{4}年|\d{4}[-/]\d\d)").unwrap();
        assert_eq!(place, Place::Inside);
        assert_eq!(
            set,
            vec![b"-".to_vec(), b"/".to_vec(), "年".as_bytes().to_vec()]
        );
        // A branch with start literals is anchored at them; the other sets are checked too.
        let required = required_literals(&parse("(?:如|若)您[^,]{0,9}视为同意").unwrap()).unwrap();
        assert_eq!(required.place, Place::Start);
        assert_eq!(
            required.set,
            vec!["如您".as_bytes().to_vec(), "若您".as_bytes().to_vec()]
        );
        assert!(required.also.contains(&vec!["为同意".as_bytes().to_vec()]));
        // A one-byte start literal would start a search almost everywhere.
        let required = required_literals(&parse("(?:,|;)[^,]{0,9}视为同意").unwrap()).unwrap();
        assert_eq!(required.place, Place::End);
    }

    #[test]
    fn alternations_split_into_branches_through_groups() {
        let split = branches(parse("(?:ab|(cd|ef))|g[hi]").unwrap());
        let shown: Vec<String> = split.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4);
        assert!(shown[3].contains('g'));
    }

    fn scan(patterns: &[&str], text: &str) -> Vec<Vec<String>> {
        let mut table = PatternTable::default();
        let ids: Vec<PatternId> = patterns
            .iter()
            .map(|p| table.add(Lang::Zh, p, Compile::OnFirstUse).unwrap())
            .collect();
        let file = SourceFile::from_text("t.md", text);
        let doc = parse_document(&file, Format::Markdown, Some(Lang::Zh));
        let matches = table.scan(&doc);
        ids.iter()
            .map(|&id| {
                matches
                    .find(id, None)
                    .iter()
                    .map(|m| doc.blocks[m.block].text[m.start..m.end].to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn scan_finds_matches_within_sentences_only() {
        let found = scan(
            &["撤回.{0,4}同意", r"\d+"],
            "# 政策\n\n您可以撤回。同意后我们在15天内处理。您可以撤回您的同意。\n",
        );
        assert_eq!(found[0], vec!["撤回您的同意"]);
        assert_eq!(found[1], vec!["15"]);
    }

    /// The merged branches give what the whole pattern gives with `find_iter`.
    #[test]
    fn branches_merge_like_the_whole_pattern() {
        let text = "我们收集您的手机号码用于登录,收集位置信息以便推荐。为此我们会在15天内处理,通过设置撤回同意。若您已阅读全部条款并同意,如您同意。";
        for pattern in [
            // the earlier branch wins at the same start, whatever its length
            "收集|收集您的手机号码",
            "收集您的手机号码|收集",
            // leftmost start wins over branch order
            "用于[^,]{0,4}|收集[^,]{0,3}",
            // greedy and lazy windows after a start literal, and a branch without literals
            "(?:用于|以便)[^,;。]{0,40}|[^,;。]{2,6}(?:推荐)|\\d+天",
            "收集.{0,20}?信息|信息",
            "^我们|处理,|撤回(同意)?",
            // a start whose other literal lies beyond the branch's longest match is not tried
            "(?:如|若)您[^,]{0,3}同意",
            "(?:如|若)您[^,]{0,30}同意|收集",
            // can match the empty string: the whole pattern is used
            "(?:为此)?",
        ] {
            let regex = Regex::new(pattern).unwrap();
            let expected: Vec<String> = text
                .split_inclusive('。')
                .flat_map(|sentence| {
                    regex
                        .find_iter(sentence)
                        .filter(|m| !m.is_empty())
                        .map(|m| m.as_str().to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(scan(&[pattern], text)[0], expected, "{pattern}");
        }
    }

    /// A search limited to some blocks finds exactly their matches, and what it found is
    /// reused by a later search of the whole document.
    #[test]
    fn searches_limited_to_blocks() {
        let mut table = PatternTable::default();
        let id = table
            .add(Lang::Zh, "撤回[^。]{0,4}同意", Compile::OnFirstUse)
            .unwrap();
        let text = "# 政策\n\n撤回您的同意。\n\n没有。\n\n可以撤回同意。\n";
        let file = SourceFile::from_text("t.md", text);
        let doc = parse_document(&file, Format::Markdown, Some(Lang::Zh));
        assert_eq!(doc.blocks.len(), 4);
        let matches = table.scan(&doc);
        let blocks_of = |found: Vec<Match>| found.iter().map(|m| m.block).collect::<Vec<_>>();
        assert_eq!(
            blocks_of(matches.find(id, Some(&[false, false, false, true]))),
            [3]
        );
        assert_eq!(
            blocks_of(matches.find(id, Some(&[true, true, false, false]))),
            [1]
        );
        assert_eq!(
            blocks_of(matches.find(id, Some(&[false; 4]))),
            Vec::<usize>::new()
        );
        assert_eq!(blocks_of(matches.find(id, None)), [1, 3]);
    }

    fn builtin_rules() -> &'static crate::rules::RuleSet {
        static RULES: OnceLock<crate::rules::RuleSet> = OnceLock::new();
        RULES.get_or_init(|| crate::rules::load(&[]).expect("built-in rules load"))
    }

    /// Compares, for every built-in pattern of the document's language, the matches found
    /// through the literal index and the backtracker with the regex crate's, sentence by
    /// sentence; returns how many matches were compared.
    fn compare_with_regex_crate(doc: &Document) -> usize {
        let table = &builtin_rules().patterns;
        let matches = table.scan(doc);
        let mut compared = 0;
        for (id, pattern) in table.patterns.iter().enumerate() {
            if pattern.lang != doc.lang {
                continue;
            }
            let expected: Vec<(usize, usize, usize)> = doc
                .blocks
                .iter()
                .enumerate()
                .flat_map(|(b, block)| {
                    block.sentences.iter().flat_map(move |range| {
                        pattern
                            .regex()
                            .find_iter(&block.text[range.clone()])
                            .filter(|m| !m.is_empty())
                            .map(move |m| (b, range.start + m.start(), range.start + m.end()))
                    })
                })
                .collect();
            let found: Vec<(usize, usize, usize)> = matches
                .find(id, None)
                .iter()
                .map(|m| (m.block, m.start, m.end))
                .collect();
            assert_eq!(found, expected, "{}", pattern.source);
            compared += expected.len();
        }
        compared
    }

    /// A sentence met again takes its candidates, then its matches, from the memo: they are
    /// what the regex crate finds, at each copy's place.
    #[test]
    fn repeated_sentences_match_from_the_memo() {
        let sentence =
            "如您希望撤回同意,可通过“设置-隐私”关闭权限,我们将在15个工作日内处理您的请求。";
        let copies = |n: usize| {
            let text = format!(
                "# 隐私政策\n\n{}",
                format!("前言。{sentence}\n\n").repeat(n)
            );
            let file = SourceFile::from_text("t.md", &text);
            parse_document(&file, Format::Markdown, Some(Lang::Zh))
        };
        // Seen twice, the sentence is kept with its candidates; none of its matches is
        // searched for.
        let _ = builtin_rules().patterns.scan(&copies(2));
        let title = compare_with_regex_crate(&copies(0));
        let per_copy = compare_with_regex_crate(&copies(1)) - title;
        assert!(per_copy > 3);
        assert_eq!(compare_with_regex_crate(&copies(3)), title + 3 * per_copy);
    }

    /// Every built-in pattern finds, through the literal index and the backtracker, exactly
    /// what the regex crate finds sentence by sentence, on every rule example and fixture.
    #[test]
    fn builtin_patterns_match_like_the_regex_crate() {
        let mut docs: Vec<_> = builtin_rules()
            .rules
            .iter()
            .flat_map(|rule| rule.examples.valid.iter().chain(&rule.examples.invalid))
            .map(|example| {
                let file = SourceFile::from_text("example", &example.text);
                parse_document(&file, example.format, Some(example.lang))
            })
            .collect();
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/docs");
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let path = entry.unwrap().path();
            // the fixtures in other encodings are covered by the decoder's tests
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let file = SourceFile::from_text("fixture", &text);
            let format = Format::from_path(&path).unwrap();
            docs.push(parse_document(&file, format, None));
        }
        let compared: usize = docs.iter().map(compare_with_regex_crate).sum();
        assert!(compared > 1000, "only {compared} matches compared");
    }

    /// Pieces of the rule examples, for texts where the patterns' literals, windows and
    /// alternatives meet in combinations no example has.
    fn example_pieces(lang: Lang) -> Vec<String> {
        let mut pieces: Vec<String> = builtin_rules()
            .rules
            .iter()
            .flat_map(|rule| rule.examples.valid.iter().chain(&rule.examples.invalid))
            .filter(|example| example.lang == lang)
            .flat_map(|example| {
                let chars: Vec<char> = example.text.chars().collect();
                let step = if lang == Lang::Zh { 3 } else { 9 };
                chars
                    .chunks(step)
                    .map(|piece| piece.iter().collect::<String>())
                    .collect::<Vec<_>>()
            })
            .collect();
        pieces.extend(
            [
                "。", ";", ",", "、", ":", " ", "\n", "15", "2023年", "您", "的", "和",
            ]
            .map(String::from),
        );
        pieces.sort();
        pieces.dedup();
        pieces
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(48))]
        /// The same on texts stitched together from pieces of the examples.
        #[test]
        fn builtin_patterns_match_like_the_regex_crate_on_stitched_text(
            zh in proptest::bool::ANY,
            picks in proptest::collection::vec(proptest::num::usize::ANY, 10..120),
        ) {
            let lang = if zh { Lang::Zh } else { Lang::En };
            static PIECES: OnceLock<[Vec<String>; 2]> = OnceLock::new();
            let pieces = &PIECES.get_or_init(|| [example_pieces(Lang::Zh), example_pieces(Lang::En)])
                [lang.index()];
            let text: String = picks.iter().map(|&i| pieces[i % pieces.len()].as_str()).collect();
            let file = SourceFile::from_text("stitched", &text);
            compare_with_regex_crate(&parse_document(&file, Format::Text, Some(lang)));
        }
    }

    /// Every concatenation in `hir`, however deep.
    fn concatenations<'h>(hir: &'h Hir, found: &mut Vec<&'h [Hir]>) {
        match hir.kind() {
            HirKind::Concat(parts) => {
                found.push(parts);
                parts.iter().for_each(|part| concatenations(part, found));
            }
            HirKind::Alternation(alternatives) => {
                alternatives.iter().for_each(|a| concatenations(a, found));
            }
            HirKind::Repetition(repetition) => concatenations(&repetition.sub, found),
            HirKind::Capture(capture) => concatenations(&capture.sub, found),
            _ => {}
        }
    }

    #[test]
    fn tail_prefixes_equal_the_extraction_of_each_tail() {
        let table = &builtin_rules().patterns;
        let extractor = extractor(ExtractKind::Prefix);
        let mut tails = 0;
        for pattern in &table.patterns {
            let hir = fold_ascii_case(&parse(&pattern.source).unwrap()).into_owned();
            let mut found = Vec::new();
            concatenations(&hir, &mut found);
            for parts in found {
                for (i, seq) in tail_prefixes(parts).into_iter().enumerate() {
                    let direct = extractor.extract(&Hir::concat(parts[i..].to_vec()));
                    assert_eq!(
                        literal_set(seq),
                        literal_set(direct),
                        "tail {i} of a concatenation in {}",
                        pattern.source
                    );
                    tails += 1;
                }
            }
        }
        assert!(tails > 1000, "only {tails} tails compared");
    }

    #[test]
    fn case_folding_copies_only_what_it_changes() {
        let folded = fold_ascii_case(&parse("[Ss][Dd][Kk]").unwrap()).into_owned();
        assert_eq!(folded, parse("sdk").unwrap());
        let plain = parse("(?:个人|用户)信息[0-9]{2}").unwrap();
        assert!(matches!(fold_ascii_case(&plain), Cow::Borrowed(_)));
        let mixed = parse("(?:个人|用户)(?:信息|[Dd]ata)").unwrap();
        assert_eq!(
            fold_ascii_case(&mixed).into_owned(),
            parse("(?:个人|用户)(?:信息|data)").unwrap()
        );
    }

    #[test]
    fn necessary_literals_cover_every_branch() {
        let umeng = necessary_literals(r"友盟|(?i:\bu-?meng\b)").unwrap();
        assert!(umeng.contains(&"友盟".as_bytes().to_vec()));
        assert!(umeng.iter().any(|l| l.starts_with(b"u")));
        // A branch without literals, or a pattern matching the empty string, gives none.
        assert_eq!(necessary_literals(r"友盟|\d+"), None);
        assert_eq!(necessary_literals(r"(?:友盟)?"), None);
    }

    #[test]
    fn builtin_patterns_and_their_branches_compile() {
        let set = crate::rules::load(&[]).expect("built-in rules load");
        set.patterns.compile_all();
        // User patterns that can match empty text are refused; built-in ones never do.
        let empty: Vec<&str> = (set.patterns.patterns.iter())
            .map(|p| p.source.as_str())
            .filter(|p| can_match_empty(p))
            .collect();
        assert!(empty.is_empty(), "{empty:?}");
    }

    #[test]
    fn user_patterns_compile_when_added() {
        let mut table = PatternTable::default();
        assert!(table.add(Lang::En, "(", Compile::Now).is_err());
        let huge = r"\w{1000}{1000}";
        assert!(table.add(Lang::En, huge, Compile::Now).is_err());
        assert!(table.add(Lang::En, huge, Compile::OnFirstUse).is_ok());
    }
}
