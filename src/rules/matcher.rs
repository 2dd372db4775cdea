//! A built-in regular expression run by the character backtracker, with the regex crate
//! behind it.
//!
//! The regex crate compiles a bounded window of a large Unicode class as one copy of the
//! class per repetition: `[\w&.,' -]{1,40}?` takes it 12 ms, more than all the other built-in
//! patterns a cold start compiles. The backtracker compiles such a window as one instruction;
//! the regex crate is compiled only when the backtracker refuses the pattern or a search.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::backtrack::{Program, with_scratch};

pub(crate) struct Matcher {
    source: &'static str,
    program: Option<Program>,
    regex: OnceLock<Regex>,
}

impl Matcher {
    /// `source` must be a valid pattern that cannot match the empty string (tests check the
    /// built-in ones).
    pub fn new(source: &'static str) -> Self {
        let program = regex_syntax::parse(source)
            .ok()
            .and_then(|hir| Program::new(&hir));
        Matcher {
            source,
            program,
            regex: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Regex {
        (self.regex).get_or_init(|| Regex::new(self.source).expect("built-in pattern compiles"))
    }

    /// The leftmost-first match in `text`, as [`Regex::find`] gives it.
    pub fn find(&self, text: &str) -> Option<Range<usize>> {
        if let Some(program) = &self.program
            && let Some(found) = with_scratch(|scratch| program.find(scratch, text, 0))
        {
            return found.map(|(start, end)| start..end);
        }
        self.regex().find(text).map(|m| m.range())
    }
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
        assert!(
            !regex.is_match(""),
            "{source} cannot match the empty string"
        );
        for text in texts {
            let expected = regex.find(text).map(|m| m.range());
            assert_eq!(matcher.find(text), expected, "{source} in {text:?}");
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
    }

    #[test]
    fn falls_back_to_the_regex_crate_for_what_the_backtracker_refuses() {
        // Half word boundaries are not the backtracker's.
        let matcher = Matcher::new(r"\b{start-half}ltd");
        assert!(matcher.program.is_none());
        assert_eq!(matcher.find("acme ltd"), Some(5..8));
    }
}
