//! Sentences met again during a run. Policies share boilerplate: in the benchmark set a
//! third of the sentences' bytes repeat a sentence met before. A sentence's candidates and
//! its patterns' matches depend on its text alone, so a repeated sentence reuses them instead
//! of another literal pass and another verification.
//!
//! A sentence's first sighting leaves only its hash; from the second on it is kept, so the
//! memo holds repeated sentences only. Both are bounded: past the bounds, sentences are
//! checked afresh, with the same result.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::PatternId;

/// Shorter sentences (headings, list labels) are checked afresh: they cost less than the
/// memo's lookups.
const MIN_SENTENCE: usize = 16;
/// Shards, each behind its own lock: the files of a run are checked in parallel.
const SHARDS: usize = 16;
/// Hashes of sentences seen once, per shard (with 16 shards, about 260,000 sentences).
const SEEN_PER_SHARD: usize = 1 << 14;
/// Bytes kept per shard (16 MiB in all): each kept sentence counts its text and
/// [`BYTES_PER_CANDIDATE`] per candidate.
const KEPT_BYTES_PER_SHARD: usize = 1 << 20;
/// An estimate of a candidate's share of the memo: itself and the matches found from it.
const BYTES_PER_CANDIDATE: usize = 24;

pub(super) struct SentenceMemo {
    hasher: foldhash::fast::FixedState,
    shards: Box<[Mutex<Shard>]>,
}

impl std::fmt::Debug for SentenceMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceMemo").finish_non_exhaustive()
    }
}

impl Default for SentenceMemo {
    fn default() -> Self {
        SentenceMemo {
            hasher: foldhash::fast::FixedState::default(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

#[derive(Default)]
struct Shard {
    /// Hashes of sentences seen once.
    seen: foldhash::HashSet<u64>,
    kept: foldhash::HashMap<Box<str>, Arc<Kept>>,
    kept_bytes: usize,
}

/// How often a sentence was met before.
pub(super) enum Sighting {
    First,
    /// Met once: to be kept with its candidates ([`SentenceMemo::keep`]).
    Second,
    Kept(Arc<Kept>),
}

/// What a repeated sentence's checks found.
pub(super) struct Kept {
    /// Its candidates: branch and start in the sentence, in the order the literal pass gave
    /// them.
    pub candidates: Box<[(u32, u32)]>,
    /// Each verified pattern's matches. A sentence has a few patterns' candidates: a list is
    /// smaller than a map.
    verified: Mutex<Vec<(PatternId, Spans)>>,
}

/// Matches in a sentence: start and end.
type Spans = Box<[(u32, u32)]>;

impl Kept {
    /// Adds to `found` the matches of `pattern` found in the sentence before; false when it
    /// was not verified yet.
    pub fn verified(&self, pattern: PatternId, found: &mut Vec<(u32, u32)>) -> bool {
        let verified = lock(&self.verified);
        let Some((_, matches)) = verified.iter().find(|(p, _)| *p == pattern) else {
            return false;
        };
        found.extend_from_slice(matches);
        true
    }

    pub fn set_verified(&self, pattern: PatternId, matches: &[(u32, u32)]) {
        let mut verified = lock(&self.verified);
        if verified.iter().all(|(p, _)| *p != pattern) {
            verified.push((pattern, matches.into()));
        }
    }
}

impl SentenceMemo {
    pub fn look(&self, sentence: &str) -> Sighting {
        if sentence.len() < MIN_SENTENCE {
            return Sighting::First;
        }
        let hash = self.hasher.hash_one(sentence);
        let mut shard = self.shard(hash);
        if let Some(kept) = shard.kept.get(sentence) {
            return Sighting::Kept(Arc::clone(kept));
        }
        if shard.seen.contains(&hash) {
            return Sighting::Second;
        }
        if shard.seen.len() < SEEN_PER_SHARD {
            shard.seen.insert(hash);
        }
        Sighting::First
    }

    /// Keep `sentence` with its candidates; `None` when the memo is full.
    pub fn keep(&self, sentence: &str, candidates: &[(u32, u32)]) -> Option<Arc<Kept>> {
        let hash = self.hasher.hash_one(sentence);
        let mut shard = self.shard(hash);
        if let Some(kept) = shard.kept.get(sentence) {
            return Some(Arc::clone(kept));
        }
        let bytes = sentence.len() + candidates.len() * BYTES_PER_CANDIDATE;
        if shard.kept_bytes + bytes > KEPT_BYTES_PER_SHARD {
            return None;
        }
        shard.kept_bytes += bytes;
        shard.seen.remove(&hash);
        let kept = Arc::new(Kept {
            candidates: candidates.into(),
            verified: Mutex::default(),
        });
        shard.kept.insert(sentence.into(), Arc::clone(&kept));
        Some(kept)
    }

    fn shard(&self, hash: u64) -> MutexGuard<'_, Shard> {
        lock(&self.shards[(hash % SHARDS as u64) as usize])
    }
}

/// The memo only caches: what a panicking check left in it is whole or absent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_sentence_from_its_second_sighting() {
        let memo = SentenceMemo::default();
        assert!(matches!(memo.look("我们收集您的位置信息"), Sighting::First));
        assert!(matches!(
            memo.look("我们收集您的位置信息"),
            Sighting::Second
        ));
        let kept = memo
            .keep("我们收集您的位置信息", &[(3, 0), (7, 6)])
            .expect("room");
        kept.set_verified(5, &[(0, 9)]);
        let Sighting::Kept(again) = memo.look("我们收集您的位置信息") else {
            panic!("kept");
        };
        assert_eq!(&*again.candidates, [(3, 0), (7, 6)]);
        let mut found = Vec::new();
        assert!(again.verified(5, &mut found));
        assert_eq!(found, [(0, 9)]);
        assert!(!again.verified(4, &mut found));
        assert_eq!(found, [(0, 9)]);
        assert!(matches!(
            memo.look("我们不收集您的位置信息"),
            Sighting::First
        ));
    }

    #[test]
    fn stops_keeping_when_full() {
        let memo = SentenceMemo::default();
        let long = "x".repeat(KEPT_BYTES_PER_SHARD + 1);
        assert!(memo.keep(&long, &[]).is_none());
        assert!(matches!(memo.look(&long), Sighting::First));
    }
}
