//! What a policy file holds: a privacy policy, a user agreement that leaves privacy to a
//! separate policy, or a text about something else. Rules about what a privacy policy must
//! say run only on the first (`documents: policies`).

use std::ops::Range;
use std::sync::OnceLock;

use crate::document::{Document, Lang, numbering};
use crate::matcher::{Matcher, matcher};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// A privacy policy, or an agreement that carries its privacy rules itself.
    Policy,
    /// A user agreement or terms of service that refers to a separate privacy policy, at
    /// `range` of block `block` (normalised text).
    Agreement { block: usize, range: Range<usize> },
    /// A text that never mentions privacy or personal information (a README, a notice).
    Unrelated,
}

pub fn classify(doc: &Document) -> DocumentKind {
    static PRIVACY: OnceLock<Matcher> = OnceLock::new();
    let privacy = matcher(
        &PRIVACY,
        r"(?i)隐私|个人信息|个人资料|用户信息|privacy|personal (?:data|information)|personally identifiable",
    );
    if !doc.blocks.iter().any(|b| privacy.is_match(&b.text)) {
        return DocumentKind::Unrelated;
    }
    if !titled_as_agreement(doc) || names_a_privacy_part(doc) {
        return DocumentKind::Policy;
    }
    match separate_policy_reference(doc) {
        Some((block, range)) => DocumentKind::Agreement { block, range },
        None => DocumentKind::Policy,
    }
}

/// The title names an agreement and nothing in the title block names privacy: "XX用户服务协议",
/// "注册条款", "Terms of Service". A combined title ("用户协议及隐私政策"), also as a heading
/// right next to the title, is a policy; a numbered heading there ("七、隐私保护政策") is a
/// section, not a title.
fn titled_as_agreement(doc: &Document) -> bool {
    static AGREEMENT: OnceLock<Matcher> = OnceLock::new();
    static PRIVACY: OnceLock<Matcher> = OnceLock::new();
    static PRIVACY_TITLE: OnceLock<Matcher> = OnceLock::new();
    let agreement = matcher(
        &AGREEMENT,
        r#"(?i)(?:协议|(?:服务|使用|用户|注册|平台|软件)(?:条款|须知))》?$|^(?:[\w&.,'’ -]{0,40} )?(?:terms of (?:service|use)|terms and conditions|terms|user agreement|conditions of use)$"#,
    );
    let privacy = matcher(
        &PRIVACY,
        r"(?i)隐私|个人信息|个人资料|用户信息|数据保护|privacy|personal|data protection|cookie",
    );
    let privacy_title = matcher(
        &PRIVACY_TITLE,
        r"(?i)(?:隐私|个人信息)[^。;]{0,10}(?:政策|声明|指引|规则|条款)|privacy (?:policy|notice|statement)",
    );
    let Some(title) = doc.title else {
        return calls_itself_an_agreement(doc);
    };
    let text = doc.blocks[title].text.trim();
    let mut next_to_it = (title.saturating_sub(2)..=title + 2)
        .filter(|&i| i != title)
        .filter_map(|i| doc.blocks.get(i))
        .filter(|b| b.is_heading() && numbering(b.text.trim()).is_none());
    // A policy's title names privacy: the whole text is read only for the others.
    !privacy.is_match(text)
        && !next_to_it.any(|b| privacy_title.is_match(&b.text))
        && (agreement.is_match(text) || calls_itself_an_agreement(doc))
}

/// A document without an agreement's title ("重要声明", a file name, none) that names
/// itself an agreement again and again ("本协议", "本服务条款", "these Terms") and never a
/// policy ("本政策", "本隐私政策", "本个人信息处理规则", "this Privacy Policy"; "本规则" alone is a
/// platform's rules).
fn calls_itself_an_agreement(doc: &Document) -> bool {
    static AGREEMENT: OnceLock<Matcher> = OnceLock::new();
    static POLICY: OnceLock<Matcher> = OnceLock::new();
    let agreement = matcher(
        &AGREEMENT,
        r"(?i)本(?:服务|用户|使用)?(?:协议|条款)|\b(?:these|this) (?:terms|agreement)\b",
    );
    let policy = matcher(
        &POLICY,
        r"(?i)本(?:隐私(?:权)?(?:保护)?|个人信息(?:保护|处理)?)?(?:政策|指引|声明)|本(?:隐私(?:权)?(?:保护)?|个人信息(?:保护|处理)?)规则|\bthis (?:privacy )?(?:policy|notice|statement)\b",
    );
    let mut agreements = 0;
    for block in &doc.blocks {
        if policy.is_match(&block.text) {
            return false;
        }
        let mut at = 0;
        while let Some(found) = agreement.find_at(&block.text, at) {
            agreements += 1;
            at = found.end;
        }
    }
    agreements >= SELF_NAMED_AGREEMENT
}

/// How often a document without an agreement's title must call itself one: a privacy
/// policy may mention "本协议" once, when it speaks of the user agreement.
const SELF_NAMED_AGREEMENT: usize = 3;

/// A heading names a privacy policy as a part of the document ("第二部分 隐私政策") and the
/// part is long enough to be one: the agreement and the policy are one document. A short
/// clause under such a heading that only points to the policy ("七、隐私保护政策" over
/// "按照《XX隐私权政策》……") is not.
fn names_a_privacy_part(doc: &Document) -> bool {
    static PART: OnceLock<Matcher> = OnceLock::new();
    let part = matcher(
        &PART,
        r"(?i)(?:隐私(?:权)?(?:保护)?(?:政策|声明|条款|指引)|个人信息(?:保护|处理)(?:政策|规则|指引|声明))》?$|^(?:[\w&.,' -]{0,40} )?privacy (?:policy|notice|statement)$",
    );
    doc.sections.iter().any(|section| {
        section
            .heading
            .is_some_and(|h| part.is_match(doc.blocks[h].text.trim()))
            && doc.blocks[section.blocks.clone()]
                .iter()
                .map(|b| b.text.chars().count())
                .sum::<usize>()
                >= PRIVACY_PART_CHARS
    })
}

/// The shortest privacy part taken for a policy: pointer clauses run to a few hundred
/// characters, an embedded policy to thousands.
const PRIVACY_PART_CHARS: usize = 800;

/// Where the document sends the reader to a separate privacy policy: "《XX隐私权政策》"
/// (not "本《隐私政策》", the document itself, nor a law such as 《…个人信息保护规定》),
/// "另行发布的隐私政策", "受XX隐私政策的约束", a link "[隐私政策](privacy.html)", "our Privacy
/// Policy".
fn separate_policy_reference(doc: &Document) -> Option<(usize, Range<usize>)> {
    static ZH: OnceLock<Matcher> = OnceLock::new();
    static EN: OnceLock<Matcher> = OnceLock::new();
    let reference = match doc.lang {
        Lang::Zh => matcher(
            &ZH,
            r"(?:^|[^本该此])《[^》本]{0,20}(?:隐私|个人信息(?:保护|处理))[^》]{0,10}(?:政策|指引|声明|规则|条款)》|(?:另行|单独)(?:发布|制定|公布|提供)的[^。;]{0,16}隐私(?:权)?(?:保护)?(?:政策|声明|指引)|(?:受|遵守|遵循|参见|详见|参阅|查阅)[^。;本该此]{0,12}隐私(?:权)?(?:保护)?(?:政策|声明|指引)|\[[^\]本]{0,20}隐私(?:权)?(?:保护)?(?:政策|声明|指引)\]\(",
        ),
        Lang::En => matcher(
            &EN,
            r"(?i)\b(?:our|see|read|review|refer to|subject to|governed by)\b[^.]{0,30}\bprivacy (?:policy|notice|statement)\b",
        ),
    };
    doc.blocks.iter().enumerate().find_map(|(b, block)| {
        if block.is_heading() {
            return None;
        }
        let found = reference.find(&block.text)?;
        // The name alone: not the character before a title mark, the verb before a name or
        // a link's brackets.
        let text = &block.text[found.clone()];
        let name = match text.find('《') {
            Some(at) => &text[at..],
            None => text
                .trim_start_matches(|c| "受遵守循参见详阅查[".contains(c))
                .trim_end_matches(['(', ']']),
        };
        let start = found.start + (name.as_ptr() as usize - text.as_ptr() as usize);
        Some((b, start..start + name.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{self, Format};
    use crate::source::SourceFile;

    fn kind_in(format: Format, text: &str) -> DocumentKind {
        let source = SourceFile::from_text("doc", text);
        classify(&document::parse(&source, format, None))
    }

    fn kind(text: &str) -> DocumentKind {
        kind_in(Format::Markdown, text)
    }

    fn is_agreement(text: &str) -> bool {
        matches!(kind(text), DocumentKind::Agreement { .. })
    }

    #[test]
    fn agreement_that_refers_to_a_separate_policy() {
        assert!(is_agreement(
            "# XX用户服务协议\n\n## 一、隐私保护\n\n我们将按照《XX隐私权政策》处理您的个人信息。\n"
        ));
        assert!(is_agreement(
            "# 注册条款\n\n个人信息的处理以另行发布的隐私政策的内容为准。\n"
        ));
        // a privacy heading over a clause that only points to the policy
        assert!(is_agreement(
            "# XX服务协议\n\n## 七、隐私保护政策\n\n我们将按照本协议及《XX隐私权政策》的规定收集您的个人信息。\n"
        ));
        assert!(is_agreement(
            "# Terms of Service\n\nYour use of the Service is subject to our Privacy Policy.\n"
        ));
        assert!(is_agreement(
            "# XX服务条款\n\n用户在使用XX服务时也同样受XX隐私政策的约束,我们会保护用户信息。\n"
        ));
        // a link left as text by a page converted to plain text
        assert!(matches!(
            kind_in(
                Format::Text,
                "用户服务协议\n\n[关于我们](about.html) [隐私政策](privacy.html)\n\n我们重视用户的个人信息。\n"
            ),
            DocumentKind::Agreement { .. }
        ));
    }

    #[test]
    fn untitled_agreement_known_by_what_it_calls_itself() {
        let clauses =
            "用户应遵守本协议。本协议的修改以公告为准。违反本服务条款的,我们有权终止服务。";
        assert!(is_agreement(&format!(
            "# 重要声明\n\n{clauses}\n\n您的个人信息按照《XX隐私声明》处理。\n"
        )));
        // a policy that mentions the user agreement, and calls itself a policy
        assert_eq!(
            kind(&format!(
                "# 重要声明\n\n{clauses}本政策说明我们如何处理您的个人信息,另见《XX隐私政策》。\n"
            )),
            DocumentKind::Policy
        );
        // the platform's rules are no policy
        assert!(is_agreement(&format!(
            "# 第二条 协议的补充\n\n{clauses}用户应遵守本规则。\n\n隐私保护的内容请参见《隐私政策》。\n"
        )));
        assert_eq!(
            kind(&format!(
                "# 重要声明\n\n{clauses}本个人信息处理规则说明我们如何处理您的个人信息。请参见《XX隐私政策》。\n"
            )),
            DocumentKind::Policy
        );
        // named an agreement only twice
        assert_eq!(
            kind(
                "# 重要声明\n\n用户应遵守本协议。本协议的修改以公告为准。您的个人信息按照《XX隐私声明》处理。\n"
            ),
            DocumentKind::Policy
        );
    }

    #[test]
    fn combined_or_self_contained_documents_are_policies() {
        // a combined title
        assert_eq!(
            kind("# 用户协议及隐私政策\n\n详见《隐私政策》。本政策说明我们如何处理个人信息。\n"),
            DocumentKind::Policy
        );
        // the agreement carries the policy as a part
        let part = "我们收集您的手机号码用于注册账号。".repeat(60);
        assert_eq!(
            kind(&format!(
                "# XX用户协议\n\n## 第二部分 隐私政策\n\n请阅读《XX隐私政策》。{part}\n"
            )),
            DocumentKind::Policy
        );
        // a privacy policy's own opening section ("提示条款") is no agreement title
        assert_eq!(
            kind("# 提示条款\n\n请阅读《XX隐私权政策》,了解我们如何处理个人信息。\n"),
            DocumentKind::Policy
        );
        // the document refers to itself
        assert_eq!(
            kind("# XX用户协议\n\n本《隐私政策》说明我们如何处理您的个人信息。\n"),
            DocumentKind::Policy
        );
        assert_eq!(
            kind("# XX用户协议\n\n您同意受本隐私政策的约束,我们如何处理您的个人信息见下文。\n"),
            DocumentKind::Policy
        );
        // a law, not a policy
        assert_eq!(
            kind("# XX用户协议\n\n我们遵守《电信和互联网用户个人信息保护规定》。\n"),
            DocumentKind::Policy
        );
        // no reference: the agreement's own privacy clause is all there is
        assert_eq!(
            kind("# XX用户协议\n\n## 隐私保护\n\n我们收集您的个人信息用于提供服务。\n"),
            DocumentKind::Policy
        );
        // a privacy policy that refers to the user agreement
        assert_eq!(
            kind(
                "# XX隐私政策\n\n本政策是《XX用户协议》的组成部分,请同时阅读《儿童隐私保护指引》。\n"
            ),
            DocumentKind::Policy
        );
    }

    #[test]
    fn texts_about_something_else_are_unrelated() {
        assert_eq!(
            kind("# README\n\nBuild with cargo.\n"),
            DocumentKind::Unrelated
        );
    }

    #[test]
    fn the_reference_span_is_the_name_alone() {
        for (format, text, name) in [
            (
                Format::Markdown,
                "# XX用户协议\n\n请您阅读《XX隐私政策》。\n",
                "《XX隐私政策》",
            ),
            (
                Format::Markdown,
                "# XX服务条款\n\n用户同样受XX隐私政策的约束。\n",
                "XX隐私政策",
            ),
            (
                Format::Text,
                "用户服务协议\n\n[关于我们](about.html) [隐私政策](privacy.html)\n\n我们重视用户的个人信息。\n",
                "隐私政策",
            ),
        ] {
            let source = SourceFile::from_text("doc", text);
            let doc = document::parse(&source, format, None);
            let DocumentKind::Agreement { block, range } = classify(&doc) else {
                panic!("not an agreement: {text}");
            };
            assert_eq!(&doc.blocks[block].text[range], name);
        }
    }
}
