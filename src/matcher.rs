//! A built-in regular expression run by the character backtracker, with the regex crate
//! behind it.
//!
//! The regex crate builds a pattern's automata in both directions and a prefilter, which for
//! the small patterns of the SDK and structure recognisers costs a millisecond or so each,
//! most of a cold start together; and it compiles a bounded window of a large Unicode class
//! as one copy of the class per repetition: `[\w&.,' -]{1,40}?` alone takes it 12 ms. The
//! backtracker compiles in a fraction of that (a window is one instruction); the regex crate
//! is compiled only when the backtracker refuses the pattern or a search.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::rules::backtrack::{Program, with_scratch};

#[derive(Debug)]
pub(crate) struct Matcher {
    source: String,
    /// `None` also for patterns that can match the empty string: the regex crate's rules for
    /// empty matches are its own.
    program: Option<Program>,
    regex: OnceLock<Regex>,
}

impl Matcher {
    /// `source` must be a valid pattern (tests compile the built-in ones).
    pub fn new(source: impl Into<String>) -> Self {
        let source = source.into();
        let program = regex_syntax::parse(&source)
            .ok()
            .filter(|hir| hir.properties().minimum_len().is_some_and(|len| len > 0))
            .and_then(|hir| Program::new(&hir));
        Matcher {
            source,
            program,
            regex: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Regex {
        (self.regex).get_or_init(|| Regex::new(&self.source).expect("built-in pattern compiles"))
    }

    /// The leftmost-first match starting at or after `at`, as [`Regex::find_at`] gives it.
    pub fn find_at(&self, text: &str, at: usize) -> Option<Range<usize>> {
        if let Some(program) = &self.program
            && let Some(found) = with_scratch(|scratch| program.find(scratch, text, at))
        {
            let found = found.map(|(start, end)| start..end);
            // Debug builds (the test suite, fuzzing) check every search against the regex crate.
            debug_assert_eq!(
                found,
                self.regex().find_at(text, at).map(|m| m.range()),
                "the backtracker and the regex crate differ on {} in {text:?} from {at}",
                self.source
            );
            return found;
        }
        self.regex().find_at(text, at).map(|m| m.range())
    }

    pub fn find(&self, text: &str) -> Option<Range<usize>> {
        self.find_at(text, 0)
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.find(text).is_some()
    }
}

/// A built-in pattern, compiled once per process.
pub(crate) fn matcher(cell: &'static OnceLock<Matcher>, pattern: &'static str) -> &'static Matcher {
    cell.get_or_init(|| Matcher::new(pattern))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Compares [`Matcher::find`] with the regex crate's on `texts`; the backtracker must
    /// support the pattern, or the comparison would test the regex crate against itself.
    pub(crate) fn assert_finds_like_the_regex_crate(source: &'static str, texts: &[&str]) {
        let matcher = Matcher::new(source);
        assert!(
            matcher.program.is_some(),
            "the backtracker supports {source}"
        );
        let regex = Regex::new(source).expect("compiles");
        for text in texts {
            assert_eq!(
                matcher.is_match(text),
                regex.is_match(text),
                "{source} in {text:?}"
            );
            for (at, _) in text.char_indices().take(40) {
                let expected = regex.find_at(text, at).map(|m| m.range());
                assert_eq!(
                    matcher.find_at(text, at),
                    expected,
                    "{source} in {text:?} from {at}"
                );
            }
        }
    }

    #[test]
    fn finds_like_the_regex_crate() {
        let texts = [
            "",
            "abc",
            "由 Acme Widgets Ltd. 提供",
            "acme ltdx",
            "x ACME Corp",
            "北京某某科技有限公司(北京)",
        ];
        assert_finds_like_the_regex_crate(r"(?i:[A-Z][\w ]{1,20}?\b(?:ltd|corp)\b\.?)", &texts);
        assert_finds_like_the_regex_crate(r"[^\s,]{2,8}?有限公司(?:\([^)]{1,4}\))?", &texts);
        let numbered = [
            "1、收集",
            "12 . 使用",
            "a1、",
            "一.",
            "(三)",
            "三、",
            "第一条",
        ];
        let anchored = r"^(?:\d{1,2}|[一二三]) ?[、.]|^\((?:\d|[一二三])\)";
        assert!(
            Matcher::new(anchored)
                .program
                .is_some_and(|p| p.is_start_anchored())
        );
        assert_finds_like_the_regex_crate(anchored, &numbered);
    }

    #[test]
    fn falls_back_to_the_regex_crate_for_what_the_backtracker_refuses() {
        // Half word boundaries are not the backtracker's.
        let matcher = Matcher::new(r"\b{start-half}ltd");
        assert!(matcher.program.is_none());
        assert_eq!(matcher.find("acme ltd"), Some(5..8));
        // Empty matches are the regex crate's.
        let optional = Matcher::new("a?");
        assert!(optional.program.is_none());
        assert_eq!(optional.find("ba"), Some(0..0));
    }
}
