//! A multi-literal automaton that ignores ASCII case: its literals are lowercased when it is
//! built, and the text as it is read. daachorse's double-array automaton builds in a tenth of
//! the time aho-corasick's takes for the same thousands of literals, which a cold start pays.

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};

pub(crate) struct Automaton(DoubleArrayAhoCorasick<u32>);

/// One occurrence of a literal: its byte range and its number (its place among the literals).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub literal: u32,
}

impl Automaton {
    /// An automaton over `literals`, numbered in order; `None` when there are none. Literals
    /// that are equal once lowercased share the first one's number.
    pub fn new<L: AsRef<[u8]>>(literals: impl IntoIterator<Item = L>) -> Option<Self> {
        let mut seen = std::collections::HashSet::new();
        let mut distinct = Vec::new();
        for (literal, n) in literals.into_iter().zip(0u32..) {
            let lowercase = literal.as_ref().to_ascii_lowercase();
            if seen.insert(lowercase.clone()) {
                distinct.push((lowercase, n));
            }
        }
        if distinct.is_empty() {
            return None;
        }
        let automaton = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build_with_values(distinct)
            .expect("a literal automaton builds from distinct literals");
        Some(Automaton(automaton))
    }

    /// Every occurrence of every literal in `text`, overlapping ones included, in order of
    /// their ends.
    pub fn find_overlapping<'t>(&'t self, text: &'t [u8]) -> impl Iterator<Item = Hit> + 't {
        let lowercase = text.iter().map(u8::to_ascii_lowercase);
        (self.0.find_overlapping_iter_from_iter(lowercase)).map(|hit| Hit {
            start: hit.start(),
            end: hit.end(),
            literal: hit.value(),
        })
    }

    /// The stored built-in index is written by the test suite.
    #[cfg(test)]
    pub fn serialize(&self) -> Vec<u8> {
        self.0.serialize()
    }

    /// The automaton [`Automaton::serialize`] wrote; `None` when `bytes` are not one.
    pub fn deserialize(bytes: &[u8]) -> Option<Self> {
        let (automaton, _) = DoubleArrayAhoCorasick::deserialize(bytes).ok()?;
        Some(Automaton(automaton))
    }
}

impl std::fmt::Debug for Automaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Automaton")
            .field("states", &self.0.num_states())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(literals: &[&str], text: &str) -> Vec<(usize, usize, u32)> {
        let automaton = Automaton::new(literals).expect("literals");
        (automaton.find_overlapping(text.as_bytes()))
            .map(|hit| (hit.start, hit.end, hit.literal))
            .collect()
    }

    #[test]
    fn finds_overlapping_literals_whatever_their_ascii_case() {
        assert_eq!(
            hits(&["SDK", "dk名", "名称"], "sdk名称 SdK"),
            [(0, 3, 0), (1, 6, 1), (3, 9, 2), (10, 13, 0)]
        );
    }

    #[test]
    fn literals_equal_but_for_case_share_a_number() {
        assert_eq!(hits(&["ab", "AB", "c"], "Ab c"), [(0, 2, 0), (3, 4, 2)]);
        assert!(Automaton::new(Vec::<&str>::new()).is_none());
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let automaton = Automaton::new(["隐私", "policy"]).expect("literals");
        let back = Automaton::deserialize(&automaton.serialize()).expect("reads back");
        let found: Vec<u32> = (back.find_overlapping("Privacy Policy 隐私".as_bytes()))
            .map(|hit| hit.literal)
            .collect();
        assert_eq!(found, [1, 0]);
        assert!(Automaton::deserialize(b"nonsense").is_none());
    }
}
