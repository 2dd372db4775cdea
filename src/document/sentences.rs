//! Sentence splitting on normalised block text.
//!
//! Chinese: after 。 ! ? ; (full-width forms are already half-width) and at line breaks.
//! English: after . ! ? when the next word starts a sentence and the period does not end an
//! abbreviation (e.g., Inc., U.S.), and at line breaks.

use std::ops::Range;

use super::Lang;

const CLOSERS: &[char] = &['"', '\'', ')', ']', '」', '』', '】', '》', '〉'];

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "inc", "ltd", "co", "corp", "llc", "mr", "mrs", "ms", "dr", "st", "no",
    "vs", "jr", "sr", "u.s", "u.k", "e.u", "art", "sec", "cf", "al", "fig", "approx", "dept",
    "gov", "p", "pp", "para", "v",
];

pub(crate) fn split(text: &str, lang: Lang) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut at = 0;
    // Only these bytes can start a terminator (0xE3 leads '。').
    let may_end = |b: &u8| matches!(b, b'\n' | b';' | b'!' | b'?' | b'.' | 0xE3);
    while let Some(offset) = text.as_bytes()[at..].iter().position(may_end) {
        let i = at + offset;
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let ends = match c {
            '\n' => true,
            '。' => true,
            ';' => lang == Lang::Zh,
            '!' | '?' => !inside_token(text, i),
            '.' => lang == Lang::En && ends_english_sentence(text, i),
            _ => false,
        };
        at = i + c.len_utf8();
        if ends {
            if c != '\n' {
                at += closers_at(text, at);
            }
            push_trimmed(text, start..at, &mut sentences);
            start = at;
        }
    }
    push_trimmed(text, start..text.len(), &mut sentences);
    sentences
}

/// The length of the closing quotes and brackets at `at`.
fn closers_at(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .take_while(|c| CLOSERS.contains(c))
        .map(char::len_utf8)
        .sum()
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let leading = piece.len() - piece.trim_start().len();
    let trailing = piece.len() - piece.trim_end().len();
    let trimmed = range.start + leading..range.end - trailing;
    if trimmed.start < trimmed.end {
        out.push(trimmed);
    }
}

/// `!` or `?` at `at` between two non-space ASCII characters belongs to a URL or code.
fn inside_token(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + 1..].chars().next();
    matches!((before, after), (Some(b), Some(a)) if b.is_ascii_graphic() && a.is_ascii_graphic() && !CLOSERS.contains(&a))
}

/// Whether the period at `at` ends a sentence.
fn ends_english_sentence(text: &str, at: usize) -> bool {
    // The next non-closer character must be whitespace (or the end), then a sentence start.
    let after = at + 1 + closers_at(text, at + 1);
    match text[after..].chars().next() {
        None => return true,
        Some(c) if !c.is_whitespace() => return false,
        _ => {}
    }
    let next = text[after..].chars().find(|c| !c.is_whitespace());
    if let Some(next) = next
        && next.is_lowercase()
    {
        return false;
    }
    // The word before the period.
    let word_start = text[..at]
        .rfind(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map_or(0, |p| {
            p + text[p..].chars().next().map_or(1, char::len_utf8)
        });
    let word = text[word_start..at].to_ascii_lowercase();
    let is_initial = word.chars().count() == 1 && word.chars().all(|c| c.is_alphabetic());
    !(is_initial || ABBREVIATIONS.contains(&word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, lang: Lang) -> Vec<&str> {
        split(text, lang).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn chinese_terminators_and_line_breaks() {
        assert_eq!(
            pieces(
                "我们收集信息。您可以撤回同意;或者注销账号!\n联系我们",
                Lang::Zh
            ),
            vec![
                "我们收集信息。",
                "您可以撤回同意;",
                "或者注销账号!",
                "联系我们"
            ]
        );
        assert_eq!(
            pieces("他说:\"已阅读。\"然后继续", Lang::Zh),
            vec!["他说:\"已阅读。\"", "然后继续"]
        );
    }

    #[test]
    fn urls_keep_their_question_marks() {
        assert_eq!(
            pieces("详见 http://a.cn/p?id=1 页面。谢谢", Lang::Zh),
            vec!["详见 http://a.cn/p?id=1 页面。", "谢谢"]
        );
    }

    #[test]
    fn english_abbreviations() {
        assert_eq!(
            pieces(
                "Example Inc. collects data, e.g. your email. We keep it for 30 days. J. Smith is our DPO.",
                Lang::En
            ),
            vec![
                "Example Inc. collects data, e.g. your email.",
                "We keep it for 30 days.",
                "J. Smith is our DPO."
            ]
        );
        assert_eq!(
            pieces("Version 1.2 applies.", Lang::En),
            vec!["Version 1.2 applies."]
        );
    }
}
