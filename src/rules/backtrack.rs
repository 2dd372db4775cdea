//! A bounded backtracking matcher that steps through text by characters.
//!
//! The rules' patterns are mostly literals joined by bounded windows of a character class
//! (`您[^。;]{0,60}(?:查阅|复制)`). A byte automaton needs dozens of states for one window of
//! Chinese text and builds them anew for every search; here a window is one instruction that
//! walks the characters and then tries what follows at each place, longest first.
//!
//! The program is a Thompson NFA over characters searched depth first in priority order, like
//! regex-automata's bounded backtracker, so a match is the one the regex crate reports
//! (leftmost-first). Each (join point, position) is explored once, and a run's walk is at
//! most its window long, so a search costs at most the program's size times the text's length
//! times the longest window; walks are not repeated where an earlier one already tried their
//! ends (from a later start, or entered again just before in the same exploration). A search
//! whose table would be too large is refused (`None`) and the caller uses the regex crate
//! instead.

use regex_syntax::hir::{Class, Hir, HirKind, Look};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A search needs this many visited slots at most (join points × positions), 4 bytes each.
const MAX_VISITED: usize = 1 << 20;

/// A program needs no more instructions than this; a larger one is left to the regex crate.
const MAX_INSTRUCTIONS: usize = 20_000;

/// Alternations of this many alternatives or more choose their arms by the next character
/// (a vocabulary of two hundred terms would otherwise try every term at every place).
const DISPATCH_ARMS: usize = 3;

/// A class of at most this many characters counts as that many first characters of an arm.
const SMALL_CLASS: u32 = 16;

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Inst {
    /// These bytes, then the next instruction.
    Bytes(Box<[u8]>),
    /// One character of the class.
    Class(u32),
    /// Between `min` and `max` characters of the class, then the next instruction.
    Run {
        class: u32,
        min: u32,
        max: u32,
        greedy: bool,
    },
    /// Try the first target, then the second.
    Split(u32, u32),
    /// Try, in order, the arms of an alternation that can start with the next character.
    Alt(u32),
    Jump(u32),
    Look(#[serde(with = "look_repr")] Look),
    Match,
}

/// A [`Look`] stored as its number.
mod look_repr {
    use super::*;

    pub fn serialize<S: Serializer>(look: &Look, serializer: S) -> Result<S::Ok, S::Error> {
        look.as_repr().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Look, D::Error> {
        let repr = u32::deserialize(deserializer)?;
        Look::from_repr(repr).ok_or_else(|| serde::de::Error::custom("not a look-around"))
    }
}

/// A set of characters: a bitmap for ASCII and sorted ranges for the rest, with the answer
/// for the common Chinese characters when the class holds all or none of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CharClass {
    ascii: [u64; 2],
    ranges: Box<[(u32, u32)]>,
    han: Block,
}

/// How much of the CJK Unified Ideographs block (U+4E00-U+9FFF) a class holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Block {
    All,
    None,
    Part,
}

const HAN_BLOCK: (u32, u32) = (0x4E00, 0x9FFF);

impl CharClass {
    fn new(ranges: impl Iterator<Item = (u32, u32)>) -> Self {
        let mut ascii = [0u64; 2];
        let mut rest = Vec::new();
        for (start, end) in ranges {
            for c in start..=end.min(0x7F) {
                ascii[(c / 64) as usize] |= 1 << (c % 64);
            }
            if end >= 0x80 {
                rest.push((start.max(0x80), end));
            }
        }
        let (first, last) = HAN_BLOCK;
        let han = if rest.iter().any(|&(s, e)| s <= first && last <= e) {
            Block::All
        } else if rest.iter().all(|&(s, e)| e < first || last < s) {
            Block::None
        } else {
            Block::Part
        };
        CharClass {
            ascii,
            ranges: rest.into_boxed_slice(),
            han,
        }
    }

    #[inline]
    fn contains(&self, c: u32) -> bool {
        if c < 0x80 {
            return self.ascii[(c / 64) as usize] & (1 << (c % 64)) != 0;
        }
        if self.han != Block::Part && (HAN_BLOCK.0..=HAN_BLOCK.1).contains(&c) {
            return self.han == Block::All;
        }
        match self.ranges.len() {
            0 => false,
            1..=4 => self.ranges.iter().any(|&(s, e)| s <= c && c <= e),
            _ => {
                let i = self.ranges.partition_point(|&(_, e)| e < c);
                self.ranges.get(i).is_some_and(|&(s, _)| s <= c)
            }
        }
    }

    /// The bytes the UTF-8 encoding of one of the characters can start with.
    fn lead_bytes(&self) -> ByteSet {
        let mut set = ByteSet::default();
        for b in 0..0x80u32 {
            if self.contains(b) {
                set.insert(b as u8);
            }
        }
        for &(start, end) in self.ranges.iter() {
            let (first, last) = (lead_byte(start), lead_byte(end));
            for b in first..=last {
                set.insert(b);
            }
        }
        set
    }
}

fn lead_byte(c: u32) -> u8 {
    let mut buf = [0; 4];
    char::from_u32(c).map_or(0xF4, |c| c.encode_utf8(&mut buf).as_bytes()[0])
}

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[(b / 64) as usize] |= 1 << (b % 64);
    }

    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[(b / 64) as usize] & (1 << (b % 64)) != 0
    }

    fn union(&mut self, other: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }
}

/// What may follow an instruction: the bytes it can start with, and whether it can reach
/// the end of the match without consuming anything (then any byte, or none, may follow).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct First {
    bytes: ByteSet,
    empty: bool,
}

/// A compiled branch; stored with the built-in index (see `patterns::image`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Program {
    insts: Vec<Inst>,
    classes: Vec<CharClass>,
    /// For each instruction, its slot in the visited table if it is a join point.
    slot: Vec<u32>,
    slots: usize,
    /// For each instruction, what a match from there can start with.
    first: Vec<First>,
    alts: Vec<Dispatch>,
    /// Every match starts at the start of the text (`^…`): it is tried only there.
    start_anchored: bool,
}

/// The arms of an alternation by the character they can start with. The characters and
/// their arms are kept in flat arrays: a vocabulary's dispatch is searched at every place.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Dispatch {
    /// Every arm, in order.
    arms: Box<[u32]>,
    /// Every character some arm starts with, sorted.
    chars: Box<[u32]>,
    /// The arms to try before `chars[i]`, in order, are `before[starts[i]..starts[i + 1]]`.
    starts: Box<[u32]>,
    before: Box<[u32]>,
    /// The arms that can start with any character, or with none, in order.
    other: Box<[u32]>,
}

impl Dispatch {
    fn new(arms: &[u32], firsts: &[Option<Vec<u32>>]) -> Self {
        let mut chars: Vec<u32> = firsts.iter().flatten().flatten().copied().collect();
        chars.sort_unstable();
        chars.dedup();
        let mut starts = vec![0];
        let mut before = Vec::new();
        for &c in &chars {
            before.extend(
                arms.iter()
                    .zip(firsts)
                    .filter(|(_, first)| first.as_ref().is_none_or(|chars| chars.contains(&c)))
                    .map(|(&arm, _)| arm),
            );
            starts.push(u32::try_from(before.len()).expect("fewer arms than instructions"));
        }
        let other = arms
            .iter()
            .zip(firsts)
            .filter(|(_, first)| first.is_none())
            .map(|(&arm, _)| arm)
            .collect();
        Dispatch {
            arms: arms.into(),
            chars: chars.into(),
            starts: starts.into(),
            before: before.into(),
            other,
        }
    }

    #[inline]
    fn arms_before(&self, next: Option<u32>) -> &[u32] {
        match next.map(|c| self.chars.binary_search(&c)) {
            Some(Ok(i)) => &self.before[self.starts[i] as usize..self.starts[i + 1] as usize],
            _ => &self.other,
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's search buffers.
pub fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with_borrow_mut(f)
}

/// Buffers reused from search to search (one per thread).
#[derive(Debug, Default)]
pub struct Scratch {
    stack: Vec<(u32, usize)>,
    ends: Vec<usize>,
    visited: Vec<u32>,
    stamp: u32,
    /// For each instruction that is a run, its last walk in this search.
    walks: Vec<Walk>,
}

/// A run's walk over the text: every character from `from` to `to` is in its class, and
/// the walk stopped at `to` after `max` characters (`capped`) or where the class ends.
/// Every place where it could end was pushed during the exploration from `start`, and so
/// were those of shortened walks from as early as `tried_from`, the last of them on a stack
/// `depth` deep.
#[derive(Clone, Copy, Debug, Default)]
struct Walk {
    stamp: u32,
    start: usize,
    from: usize,
    to: usize,
    capped: bool,
    tried_from: usize,
    depth: usize,
}

impl Scratch {
    /// Start a search over `positions` positions of a program with `slots` join points.
    /// False when the table would be too large.
    fn reset(&mut self, slots: usize, positions: usize, insts: usize) -> bool {
        let needed = slots * positions;
        if needed > MAX_VISITED {
            return false;
        }
        if self.visited.len() < needed {
            self.visited.resize(needed, 0);
        }
        if self.walks.len() < insts {
            self.walks.resize(insts, Walk::default());
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.visited.fill(0);
            self.walks.fill(Walk::default());
            self.stamp = 1;
        }
        self.stack.clear();
        true
    }
}

impl Program {
    /// Compile `hir`; `None` when it uses something the matcher does not support (byte
    /// classes beyond ASCII, the half word boundaries) or is too large.
    pub fn new(hir: &Hir) -> Option<Program> {
        let mut compiler = Compiler::default();
        compiler.compile(hir)?;
        compiler.push(Inst::Match)?;
        let Compiler {
            insts,
            classes,
            alts,
        } = compiler;
        let mut join = vec![false; insts.len()];
        join[0] = true;
        for (pc, inst) in insts.iter().enumerate() {
            match *inst {
                // Its arms are reached only from it, at the same place.
                Inst::Alt(_) => join[pc] = true,
                Inst::Split(a, b) => {
                    join[a as usize] = true;
                    join[b as usize] = true;
                }
                Inst::Jump(a) => join[a as usize] = true,
                Inst::Run { .. } => join[pc + 1] = true,
                _ => {}
            }
        }
        let mut slots = 0;
        let slot = join
            .iter()
            .map(|&j| {
                if j {
                    slots += 1;
                    (slots - 1) as u32
                } else {
                    u32::MAX
                }
            })
            .collect();
        let mut program = Program {
            first: Vec::new(),
            insts,
            classes,
            slot,
            slots,
            alts: Vec::new(),
            start_anchored: hir.properties().look_set_prefix().contains(Look::Start),
        };
        // Inner alternations come after outer ones: their first characters are known first.
        let mut alt_chars: Vec<Option<Vec<u32>>> = vec![None; alts.len()];
        let mut dispatches = Vec::with_capacity(alts.len());
        for (id, arms) in alts.iter().enumerate().rev() {
            let firsts: Vec<Option<Vec<u32>>> = arms
                .iter()
                .map(|&arm| program.first_chars(arm as usize, &alt_chars))
                .collect();
            alt_chars[id] = firsts.iter().try_fold(Vec::new(), |mut all, first| {
                all.extend(first.as_ref()?);
                Some(all)
            });
            dispatches.push(Dispatch::new(arms, &firsts));
        }
        dispatches.reverse();
        program.alts = dispatches;
        program.first = (0..program.insts.len())
            .map(|pc| program.first_of(pc))
            .collect();
        Some(program)
    }

    /// The characters a match from `pc` can start with; `None` when any character can, or
    /// none (the empty match). `alt_chars` holds those of the alternations after `pc`.
    fn first_chars(&self, pc: usize, alt_chars: &[Option<Vec<u32>>]) -> Option<Vec<u32>> {
        match &self.insts[pc] {
            Inst::Bytes(bytes) => {
                let head = &bytes[..bytes.len().min(4)];
                let text = match std::str::from_utf8(head) {
                    Ok(text) => text,
                    Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
                };
                text.chars().next().map(|c| vec![u32::from(c)])
            }
            Inst::Class(class) => {
                let class = &self.classes[*class as usize];
                let chars: Vec<u32> = (0..0x80)
                    .filter(|&c| class.contains(c))
                    .chain(class.ranges.iter().flat_map(|&(start, end)| start..=end))
                    .take(SMALL_CLASS as usize + 1)
                    .collect();
                (chars.len() <= SMALL_CLASS as usize).then_some(chars)
            }
            Inst::Alt(id) => alt_chars[*id as usize].clone(),
            Inst::Look(_) => self.first_chars(pc + 1, alt_chars),
            _ => None,
        }
    }

    /// What a match from `pc` can start with, following jumps, splits and look-arounds.
    fn first_of(&self, pc: usize) -> First {
        let mut first = First::default();
        let mut seen = vec![false; self.insts.len()];
        let mut todo = vec![pc];
        while let Some(pc) = todo.pop() {
            if std::mem::replace(&mut seen[pc], true) {
                continue;
            }
            match &self.insts[pc] {
                Inst::Bytes(bytes) => first.bytes.insert(bytes[0]),
                Inst::Class(class) => first
                    .bytes
                    .union(&self.classes[*class as usize].lead_bytes()),
                Inst::Run { class, min, .. } => {
                    first
                        .bytes
                        .union(&self.classes[*class as usize].lead_bytes());
                    if *min == 0 {
                        todo.push(pc + 1);
                    }
                }
                Inst::Split(a, b) => todo.extend([*a as usize, *b as usize]),
                Inst::Alt(id) => {
                    todo.extend(self.alts[*id as usize].arms.iter().map(|&a| a as usize))
                }
                Inst::Jump(a) => todo.push(*a as usize),
                Inst::Look(_) => todo.push(pc + 1),
                Inst::Match => first.empty = true,
            }
        }
        first
    }

    /// The end of the match anchored at `start` in `text`; `Some(None)` when there is none,
    /// `None` when the search would need too much memory.
    pub fn anchored(
        &self,
        scratch: &mut Scratch,
        text: &str,
        start: usize,
    ) -> Option<Option<usize>> {
        if !scratch.reset(self.slots, text.len() - start + 1, self.insts.len()) {
            return None;
        }
        Some(self.explore(scratch, text.as_bytes(), start, start))
    }

    /// Whether every match starts at the start of the text.
    #[cfg(test)]
    pub fn is_start_anchored(&self) -> bool {
        self.start_anchored
    }

    /// The leftmost-first match starting at or after `at`; `Some(None)` when there is none,
    /// `None` when the search would need too much memory.
    pub fn find(
        &self,
        scratch: &mut Scratch,
        text: &str,
        at: usize,
    ) -> Option<Option<(usize, usize)>> {
        if !scratch.reset(self.slots, text.len() - at + 1, self.insts.len()) {
            return None;
        }
        if self.start_anchored {
            let found = if at == 0 {
                self.explore(scratch, text.as_bytes(), 0, 0)
            } else {
                None
            };
            return Some(found.map(|end| (0, end)));
        }
        let bytes = text.as_bytes();
        let first = self.first[0];
        let mut start = at;
        loop {
            if (start < bytes.len() && first.bytes.contains(bytes[start])) || first.empty {
                if let Some(end) = self.explore(scratch, bytes, at, start) {
                    return Some(Some((start, end)));
                }
            }
            if start >= bytes.len() {
                return Some(None);
            }
            start += utf8_len(bytes[start]);
        }
    }

    /// Depth-first search from `start` in priority order; `origin` is where the visited
    /// table begins.
    fn explore(
        &self,
        scratch: &mut Scratch,
        text: &[u8],
        origin: usize,
        start: usize,
    ) -> Option<usize> {
        let positions = text.len() - origin + 1;
        let Scratch {
            stack,
            ends,
            visited,
            stamp,
            walks,
        } = scratch;
        let stamp = *stamp;
        stack.push((0, start));
        while let Some((pc, pos)) = stack.pop() {
            let (mut pc, mut pos) = (pc as usize, pos);
            loop {
                let slot = self.slot[pc];
                if slot != u32::MAX {
                    let cell = &mut visited[slot as usize * positions + (pos - origin)];
                    if *cell == stamp {
                        break;
                    }
                    *cell = stamp;
                }
                match &self.insts[pc] {
                    Inst::Match => {
                        stack.clear();
                        return Some(pos);
                    }
                    Inst::Bytes(bytes) => {
                        // Literals are short: a byte loop beats a call to `memcmp`.
                        let rest = &text[pos..];
                        if rest.len() >= bytes.len() && bytes.iter().zip(rest).all(|(a, b)| a == b)
                        {
                            pos += bytes.len();
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                    Inst::Class(class) => match decode(text, pos) {
                        Some((c, len)) if self.classes[*class as usize].contains(c) => {
                            pos += len;
                            pc += 1;
                        }
                        _ => break,
                    },
                    &Inst::Run {
                        class,
                        min,
                        max,
                        greedy,
                    } => {
                        let class = &self.classes[class as usize];
                        let next = pc + 1;
                        let follows = self.first[next];
                        // Where the run may end: after `min` to `max` characters of the class,
                        // where what follows can start.
                        ends.clear();
                        let mut at = pos;
                        let mut count = 0u32;
                        // From a later start, a walk inside the run's last walk in an
                        // exploration that failed ends only where that one ended, or beyond it,
                        // and every state there failed: it goes on from where that walk stopped.
                        let walk = &mut walks[pc];
                        if walk.stamp == stamp
                            && walk.start < start
                            && (walk.from..=walk.to).contains(&pos)
                        {
                            if !walk.capped {
                                break;
                            }
                            let skipped = text[walk.from..pos]
                                .iter()
                                .filter(|&&b| b & 0xC0 != 0x80)
                                .count() as u32;
                            at = walk.to;
                            count = max - skipped;
                        }
                        // In the same exploration, entered again before where its last walk
                        // began once every end of that walk was tried (the stack is back
                        // below them): each end from `min` characters past that walk's start
                        // on was tried and failed, and this walk cannot go further than that
                        // one. Only the ends before are new: adjacent windows
                        // (`[^。]{0,3000}[^。]{0,3000}`) cost their sum, not their product.
                        let tried = (walk.stamp == stamp
                            && walk.start == start
                            && pos <= walk.tried_from
                            && stack.len() <= walk.depth)
                            .then_some(walk.tried_from);
                        let mut at_tried = None;
                        loop {
                            if let Some(from) = tried {
                                if at == from {
                                    at_tried = Some(count);
                                }
                                if at_tried.is_some_and(|c| count - c >= min) {
                                    break;
                                }
                            }
                            if count >= min
                                && (follows.empty
                                    || text.get(at).is_some_and(|&b| follows.bytes.contains(b)))
                            {
                                ends.push(at);
                            }
                            if count == max {
                                break;
                            }
                            match decode(text, at) {
                                Some((c, len)) if class.contains(c) => {
                                    at += len;
                                    count += 1;
                                }
                                _ => break,
                            }
                        }
                        if tried.is_some() {
                            // The record stays that of the whole walk this one stopped inside.
                            walk.tried_from = pos;
                            walk.depth = stack.len();
                        } else {
                            *walk = Walk {
                                stamp,
                                start,
                                from: pos,
                                to: at,
                                capped: count == max,
                                tried_from: pos,
                                depth: stack.len(),
                            };
                        }
                        let next = next as u32;
                        if greedy {
                            stack.extend(ends.iter().map(|&end| (next, end)));
                        } else {
                            stack.extend(ends.iter().rev().map(|&end| (next, end)));
                        }
                        break;
                    }
                    &Inst::Split(a, b) => {
                        // Only arms that can start here are tried.
                        let next = text.get(pos).copied();
                        if self.can_start(b as usize, next) {
                            stack.push((b, pos));
                        }
                        if self.can_start(a as usize, next) {
                            pc = a as usize;
                        } else {
                            break;
                        }
                    }
                    &Inst::Alt(id) => {
                        let next = decode(text, pos).map(|(c, _)| c);
                        let arms = self.alts[id as usize].arms_before(next);
                        let Some((&first, rest)) = arms.split_first() else {
                            break;
                        };
                        stack.extend(rest.iter().rev().map(|&arm| (arm, pos)));
                        pc = first as usize;
                    }
                    &Inst::Jump(a) => pc = a as usize,
                    &Inst::Look(look) => {
                        if holds(look, text, pos) {
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
        }
        None
    }
}

impl Program {
    #[inline]
    fn can_start(&self, pc: usize, next: Option<u8>) -> bool {
        let first = &self.first[pc];
        first.empty || next.is_some_and(|b| first.bytes.contains(b))
    }
}

#[inline]
fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// The character at `at` of valid UTF-8 `text` and its length.
#[inline]
fn decode(text: &[u8], at: usize) -> Option<(u32, usize)> {
    let lead = *text.get(at)?;
    let len = utf8_len(lead);
    let c = match len {
        1 => return Some((u32::from(lead), 1)),
        2 => u32::from(lead & 0x1F),
        3 => u32::from(lead & 0x0F),
        _ => u32::from(lead & 0x07),
    };
    let c = text[at + 1..at + len]
        .iter()
        .fold(c, |c, &b| (c << 6) | u32::from(b & 0x3F));
    Some((c, len))
}

/// The character that ends at `at`.
fn decode_before(text: &[u8], at: usize) -> Option<char> {
    let mut start = at.checked_sub(1)?;
    while start > 0 && text[start] & 0xC0 == 0x80 {
        start -= 1;
    }
    decode(text, start).and_then(|(c, _)| char::from_u32(c))
}

fn is_word_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(regex_syntax::is_word_character)
}

fn holds(look: Look, text: &[u8], at: usize) -> bool {
    let before = || at > 0 && is_word_byte(text[at - 1]);
    let after = || at < text.len() && is_word_byte(text[at]);
    let before_unicode = || is_word_char(decode_before(text, at));
    let after_unicode = || is_word_char(decode(text, at).and_then(|(c, _)| char::from_u32(c)));
    match look {
        Look::Start => at == 0,
        Look::End => at == text.len(),
        Look::StartLF => at == 0 || text[at - 1] == b'\n',
        Look::EndLF => at == text.len() || text[at] == b'\n',
        Look::WordAscii => before() != after(),
        Look::WordAsciiNegate => before() == after(),
        Look::WordUnicode => before_unicode() != after_unicode(),
        Look::WordUnicodeNegate => before_unicode() == after_unicode(),
        Look::WordStartAscii => !before() && after(),
        Look::WordEndAscii => before() && !after(),
        Look::WordStartUnicode => !before_unicode() && after_unicode(),
        Look::WordEndUnicode => before_unicode() && !after_unicode(),
        // Not produced by the rules' syntax; the compiler refuses them.
        _ => false,
    }
}

#[derive(Default)]
struct Compiler {
    insts: Vec<Inst>,
    classes: Vec<CharClass>,
    /// The arms of each `Alt` instruction.
    alts: Vec<Vec<u32>>,
}

impl Compiler {
    fn push(&mut self, inst: Inst) -> Option<u32> {
        if self.insts.len() >= MAX_INSTRUCTIONS {
            return None;
        }
        self.insts.push(inst);
        Some((self.insts.len() - 1) as u32)
    }

    fn pc(&self) -> u32 {
        self.insts.len() as u32
    }

    fn patch(&mut self, at: u32, inst: Inst) {
        self.insts[at as usize] = inst;
    }

    fn class(&mut self, class: &Class) -> Option<u32> {
        let class = match class {
            Class::Unicode(class) => CharClass::new(
                class
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end()))),
            ),
            // Bytes beyond ASCII would match inside a character.
            Class::Bytes(class) => {
                if class.ranges().iter().any(|r| r.end() >= 0x80) {
                    return None;
                }
                CharClass::new(
                    class
                        .ranges()
                        .iter()
                        .map(|r| (u32::from(r.start()), u32::from(r.end()))),
                )
            }
        };
        let id = match self.classes.iter().position(|c| *c == class) {
            Some(id) => id,
            None => {
                self.classes.push(class);
                self.classes.len() - 1
            }
        };
        Some(id as u32)
    }

    fn compile(&mut self, hir: &Hir) -> Option<()> {
        match hir.kind() {
            HirKind::Empty => {}
            HirKind::Literal(literal) => {
                self.push(Inst::Bytes(literal.0.clone()))?;
            }
            HirKind::Class(class) => {
                let id = self.class(class)?;
                self.push(Inst::Class(id))?;
            }
            HirKind::Look(look) => {
                if matches!(
                    look,
                    Look::StartCRLF
                        | Look::EndCRLF
                        | Look::WordStartHalfAscii
                        | Look::WordEndHalfAscii
                        | Look::WordStartHalfUnicode
                        | Look::WordEndHalfUnicode
                ) {
                    return None;
                }
                self.push(Inst::Look(*look))?;
            }
            HirKind::Capture(capture) => self.compile(&capture.sub)?,
            HirKind::Concat(parts) => {
                for part in parts {
                    self.compile(part)?;
                }
            }
            HirKind::Alternation(alternatives) if alternatives.len() >= DISPATCH_ARMS => {
                let id = self.alts.len();
                self.alts.push(Vec::new());
                self.push(Inst::Alt(id as u32))?;
                let mut arms = Vec::new();
                let mut jumps = Vec::new();
                for alternative in alternatives {
                    arms.push(self.pc());
                    self.compile(alternative)?;
                    jumps.push(self.push(Inst::Jump(0))?);
                }
                let end = self.pc();
                for jump in jumps {
                    self.patch(jump, Inst::Jump(end));
                }
                self.alts[id] = arms;
            }
            HirKind::Alternation(alternatives) => {
                let mut jumps = Vec::new();
                for (i, alternative) in alternatives.iter().enumerate() {
                    if i + 1 == alternatives.len() {
                        self.compile(alternative)?;
                    } else {
                        let split = self.push(Inst::Jump(0))?;
                        self.compile(alternative)?;
                        jumps.push(self.push(Inst::Jump(0))?);
                        let next = self.pc();
                        self.patch(split, Inst::Split(split + 1, next));
                    }
                }
                let end = self.pc();
                for jump in jumps {
                    self.patch(jump, Inst::Jump(end));
                }
            }
            HirKind::Repetition(repetition) => {
                let (min, max) = (repetition.min, repetition.max);
                if let HirKind::Class(class) = repetition.sub.kind() {
                    let class = self.class(class)?;
                    self.push(Inst::Run {
                        class,
                        min,
                        max: max.unwrap_or(u32::MAX),
                        greedy: repetition.greedy,
                    })?;
                    return Some(());
                }
                for _ in 0..min {
                    self.compile(&repetition.sub)?;
                }
                match max {
                    None => {
                        let split = self.push(Inst::Jump(0))?;
                        self.compile(&repetition.sub)?;
                        self.push(Inst::Jump(split))?;
                        let end = self.pc();
                        self.patch(split, self.split(split + 1, end, repetition.greedy));
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in min..max {
                            splits.push(self.push(Inst::Jump(0))?);
                            self.compile(&repetition.sub)?;
                        }
                        let end = self.pc();
                        for split in splits {
                            self.patch(split, self.split(split + 1, end, repetition.greedy));
                        }
                    }
                }
            }
        }
        Some(())
    }

    fn split(&self, body: u32, skip: u32, greedy: bool) -> Inst {
        if greedy {
            Inst::Split(body, skip)
        } else {
            Inst::Split(skip, body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    type Spans = Vec<(usize, usize)>;

    fn program(pattern: &str) -> Program {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .unwrap();
        Program::new(&hir).unwrap_or_else(|| panic!("{pattern} compiles"))
    }

    /// Every match of `pattern` in `text` as the regex crate's `find_iter` gives them
    /// (skipping empty matches), and as this matcher gives them.
    fn both(pattern: &str, text: &str) -> (Spans, Spans) {
        let regex = Regex::new(pattern).unwrap();
        let expected = regex
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect();
        let program = program(pattern);
        let mut scratch = Scratch::default();
        let mut found = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            match program.find(&mut scratch, text, at).unwrap() {
                Some((start, end)) if end > start => {
                    found.push((start, end));
                    at = end;
                }
                Some((start, _)) => {
                    at = start + text[start..].chars().next().map_or(1, char::len_utf8);
                }
                None => break,
            }
        }
        (expected, found)
    }

    #[test]
    fn matches_like_the_regex_crate() {
        let text = "我们收集您的手机号码用于登录,收集位置信息以便推荐;您可以随时查阅、复制您的个人信息。\
                    Contact us at privacy@example.com or call 400-123-4567. You can't access it, \
                    you may access your data; K KELVIN the café ſ. 2023年9月6日 20230906";
        for pattern in [
            "收集|收集您的手机号码",
            "收集您的手机号码|收集",
            "用于[^,]{0,4}|收集[^,]{0,3}",
            "(?:用于|以便)[^,;。]{0,40}|[^,;。]{2,6}(?:推荐)|\\d+天",
            "收集.{0,20}?信息|信息",
            "^我们|处理,|撤回(同意)?",
            "(?:您|用户)(?:也|还|随时)?(?:可以|有权|能够|能[^不无够]|可[^能不无])[^。;不无未]{0,60}(?:查阅|查询|复制)[^。;,]{0,20}(?:信息|资料)",
            r"(?i)\byou (?:may|can) access\b[^.]{0,40}\b(?:information|data)\b",
            r"(?i:k|café|ſ)",
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
            r"(?:\+?86[- ]?)?(?:400|800)[- ]?\d{3,4}[- ]?\d{3,4}",
            r"【?\d{4}】?年【?\d{1,2}】?月(?:【?\d{1,2}】?日?)?|(?:^|[^\d])20\d{6}(?:$|[^\d])",
            r"(?:[^,]{0,3},){1,3}收集",
            r"(?:a|ab)(?:c|bcd)(?:d*)",
            r"(?:信息)+|(?:您的?)*手机",
            r"\B[a-z]+\b|(?-u:\b)data(?-u:\b)",
            r"[\p{Han}A-Za-z0-9()]{2,40}?(?:号码|信息)",
            r"(?m)^.{0,5}$",
            // alternations that choose their arms by the next character: shared first
            // characters, class and empty arms, nesting, case folding, look-arounds
            "(?:收集|收到|使用|手机|手机号码|[您你]的|)(?:号码|信息)?",
            "(?:(?:个人信息|个人资料|位置)|(?:手机号码?|电话|邮箱)|\\d{4}年)[^。]{0,8}?(?:用于|以便|、)",
            r"(?i)(?:\bcall\b|contact|\bk|privacy@)[a-z.@]{0,12}",
            "(?:、|及|和|以及)[^。;,]{0,8}?(?:手机号码|位置信息|个人信息|信息)",
            // runs walked again from later starts: capped or stopped by the class, lazy
            // and greedy, with a minimum, and one run reached at several places
            r"[\p{Han}]{1,3}信息",
            r"[\p{Han}]{2,4}?(?:信息|登录)",
            r"[^,;。]{3,5}(?:推荐|资料)",
            r"(?:收集|使用)?[^,]{0,2}?位置",
            r"(?:[^,。]{0,2}您){2}",
            r"[a-z]{2,3}@|[a-z]{1,2}\.com",
            r"(?:[^,。]{0,3}(?:的|信息)){1,3}[^,。]{0,2}?登录",
        ] {
            let (expected, found) = both(pattern, text);
            assert_eq!(found, expected, "{pattern}");
        }
    }

    /// Windows one after another: a run entered again before its last walk, in the same
    /// exploration, walks only up to where that one began.
    #[test]
    fn adjacent_windows_match_like_the_regex_crate() {
        let patterns = [
            "Q[^。]{0,30}[^。]{0,30}Z",
            "Q[^。]{2,30}?[^。]{0,30}Z",
            "Q[^。]{0,30}[^,]{3,10}Z",
            "Q[^。]{0,12}?[^,]{1,10}?Z",
            "Q(?:[^。]{0,5}R?){0,4}Z",
            "[^。]{0,8}[^,]{0,8}Z",
        ];
        // A deterministic mix of starts, ends, separators and filler.
        let alphabet = ['Q', '啊', 'R', 'Z', '。', ',', 'x', '啊', 'x', '啊'];
        let mut state = 7u32;
        let texts: Vec<String> = (0..12)
            .map(|n| {
                (0..40 + n * 10)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        alphabet[(state >> 16) as usize % alphabet.len()]
                    })
                    .collect()
            })
            .collect();
        let mut compared = 0;
        for pattern in patterns {
            let regex = Regex::new(pattern).unwrap();
            let program = program(pattern);
            let mut scratch = Scratch::default();
            for text in &texts {
                for (at, _) in text.char_indices() {
                    let expected = regex.find_at(text, at).map(|m| (m.start(), m.end()));
                    let found = program.find(&mut scratch, text, at).unwrap();
                    assert_eq!(found, expected, "{pattern} in {text} from {at}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 3_000, "only {compared} searches compared");
    }

    /// Patterns built from runs, literals and repetitions, so that runs are walked again
    /// from later starts and reached at several places in one exploration.
    #[test]
    fn repeated_runs_match_like_the_regex_crate() {
        let atoms = [
            "[^,]{0,2}",
            "[^,]{1,3}?",
            "[^,]{2,4}?",
            "您",
            "(?:您|的)",
            "[a-c]{0,2}",
            "(?:ab|a)",
            "c",
        ];
        let texts = ["您的您的您,的您您的", "abcabcab,cabab", "aabbcc您的abca"];
        let mut compared = 0;
        for a in atoms {
            for b in atoms {
                for c in atoms {
                    for repeat in ["", "{2}", "{1,3}", "{2,3}?"] {
                        let pattern = format!("(?:{a}{b}){repeat}{c}");
                        let hir = regex_syntax::parse(&pattern).unwrap();
                        if hir.properties().minimum_len() == Some(0) {
                            continue;
                        }
                        let regex = Regex::new(&pattern).unwrap();
                        let program = program(&pattern);
                        let mut scratch = Scratch::default();
                        for text in texts {
                            for (at, _) in text.char_indices() {
                                let expected =
                                    regex.find_at(text, at).map(|m| (m.start(), m.end()));
                                let found = program.find(&mut scratch, text, at).unwrap();
                                assert_eq!(found, expected, "{pattern} in {text} from {at}");
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 10_000, "only {compared} searches compared");
    }

    #[test]
    fn anchored_searches_end_where_the_regex_crate_ends() {
        let text = "您可以随时查阅、复制您的个人信息和资料。";
        let pattern = "您[^。]{0,30}(?:信息|资料)";
        let mut scratch = Scratch::default();
        assert_eq!(
            program(pattern).anchored(&mut scratch, text, 0),
            Some(Some(Regex::new(pattern).unwrap().find(text).unwrap().end()))
        );
        let lazy = "您[^。]{0,30}?(?:信息|资料)";
        assert_eq!(
            program(lazy).anchored(&mut scratch, text, 0),
            Some(Some(Regex::new(lazy).unwrap().find(text).unwrap().end()))
        );
        assert_eq!(program(pattern).anchored(&mut scratch, text, 3), Some(None));
    }

    /// Classes that hold all, none or part of the common Chinese block answer like their
    /// ranges, inside the block and at its edges.
    #[test]
    fn classes_answer_for_the_chinese_block_like_their_ranges() {
        let classes: [&[(u32, u32)]; 5] = [
            &[(0x4E00, 0x9FFF)],
            &[(0x80, 0x3001), (0x3003, 0x10FFFF)],
            &[(0xA000, 0xA0FF)],
            &[(0x3000, 0x4DFF), (0xA000, 0xFFFF)],
            &[(0x4E00, 0x4E00), (0x9FFF, 0x9FFF)],
        ];
        for ranges in classes {
            let class = CharClass::new(ranges.iter().copied());
            for c in [
                0x4DFF, 0x4E00, 0x4E01, 0x7000, 0x9FFE, 0x9FFF, 0xA000, 0xA0FF,
            ] {
                let expected = ranges.iter().any(|&(s, e)| s <= c && c <= e);
                assert_eq!(class.contains(c), expected, "{c:X} in {ranges:X?}");
            }
        }
    }

    #[test]
    fn byte_classes_beyond_ascii_are_refused() {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(r"(?-u:[\x80-\xFF])")
            .unwrap();
        assert!(Program::new(&hir).is_none());
    }

    #[test]
    fn searches_too_large_for_the_table_are_refused() {
        let text = "字".repeat(MAX_VISITED);
        let mut scratch = Scratch::default();
        assert_eq!(program("字{2}|信息").find(&mut scratch, &text, 0), None);
    }
}
