//! Turning the bytes of a file into text: byte-order marks, UTF-16 without a mark, valid UTF-8,
//! the HTML `<meta charset>` declaration, then a statistical guess (GB18030/GBK, windows-1252, ...).
//! Undecodable sequences become U+FFFD and are reported, never fatal.

use std::sync::OnceLock;

use encoding_rs::{DecoderResult, Encoding, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// Why a file's bytes could not be read as text, with the byte offset of the first problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeProblem {
    /// A NUL byte in a file that is not UTF-16: almost certainly not a text document.
    Binary { offset: usize },
    /// A byte sequence that is invalid in the detected encoding; it was replaced by U+FFFD.
    Malformed { offset: usize, count: usize },
}

#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub problem: Option<DecodeProblem>,
    pub offsets: OriginalOffsets,
}

impl Decoded {
    pub fn utf8(text: String) -> Self {
        Decoded {
            text,
            encoding: "utf-8",
            problem: None,
            offsets: OriginalOffsets::identity(0),
        }
    }
}

/// Maps an offset in the decoded text back to the byte offset in the original file.
///
/// Checkpoints are taken at the start (after any byte-order mark), after every malformed
/// sequence and at the end; between checkpoints the original length is the re-encoded
/// length of the text, capped at the next checkpoint: some legacy encodings (Shift_JIS, Big5)
/// decode bytes to characters they cannot encode again, which would otherwise overshoot.
#[derive(Clone, Debug)]
pub struct OriginalOffsets {
    encoding: &'static Encoding,
    checkpoints: Vec<(usize, usize)>,
}

impl OriginalOffsets {
    fn identity(bom: usize) -> Self {
        OriginalOffsets {
            encoding: UTF_8,
            checkpoints: vec![(0, bom)],
        }
    }

    pub fn original_offset(&self, text: &str, offset: usize) -> usize {
        let index = self.checkpoints.partition_point(|&(t, _)| t <= offset) - 1;
        let (text_start, original_start) = self.checkpoints[index];
        let at = original_start + encoded_len(self.encoding, &text[text_start..offset]);
        match self.checkpoints.get(index + 1) {
            Some(&(_, next)) => at.min(next),
            None => at,
        }
    }
}

fn encoded_len(encoding: &'static Encoding, text: &str) -> usize {
    if encoding == UTF_8 {
        text.len()
    } else if encoding == UTF_16LE || encoding == UTF_16BE {
        text.encode_utf16().count() * 2
    } else if encoding.is_single_byte() {
        text.chars().count()
    } else {
        // GB18030 can encode every scalar value, so its length is exact for GBK-decoded text.
        let target = if encoding == GBK {
            encoding_rs::GB18030
        } else {
            encoding
        };
        target.encode(text).0.len()
    }
}

/// Decode a file. `is_html` enables the `<meta charset>` prescan.
pub fn decode(bytes: &[u8], is_html: bool) -> Decoded {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom..], bom);
    }
    // Validated once, with SIMD: most files are UTF-8.
    let utf8 = simdutf8::basic::from_utf8(bytes).ok();
    if utf8.is_none()
        && let Some(encoding) = sniff_utf16(bytes)
    {
        return decode_with(encoding, bytes, 0);
    }
    if let Some(offset) = memchr_nul(bytes) {
        return Decoded {
            text: String::new(),
            encoding: "binary",
            problem: Some(DecodeProblem::Binary { offset }),
            offsets: OriginalOffsets::identity(0),
        };
    }
    if let Some(text) = utf8 {
        return Decoded::utf8(text.to_string());
    }
    if mostly_utf8(bytes) {
        return decode_with(UTF_8, bytes, 0);
    }
    if is_html {
        if let Some(encoding) = meta_charset(bytes) {
            return decode_with(encoding, bytes, 0);
        }
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    decode_with(
        detector.guess(None, chardetng::Utf8Detection::Allow),
        bytes,
        0,
    )
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8], bom: usize) -> Decoded {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity.min(bytes.len().saturating_mul(4) + 16));
    let mut checkpoints = vec![(0, bom)];
    let mut problem = None;
    let mut malformed = 0usize;
    let mut read = 0usize;
    loop {
        let (result, consumed) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += consumed;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(bytes.len() - read)
                    .unwrap_or(1024)
                    .max(16);
                text.reserve(more);
            }
            DecoderResult::Malformed(bad, after) => {
                let resume = read - after as usize;
                let bad_start = resume.saturating_sub(bad as usize);
                if problem.is_none() {
                    problem = Some(bad_start + bom);
                }
                malformed += 1;
                text.push('\u{FFFD}');
                checkpoints.push((text.len(), resume + bom));
            }
        }
    }
    if checkpoints.last() != Some(&(text.len(), bytes.len() + bom)) {
        checkpoints.push((text.len(), bytes.len() + bom));
    }
    Decoded {
        text,
        encoding: encoding_name(encoding),
        problem: problem.map(|offset| DecodeProblem::Malformed {
            offset,
            count: malformed,
        }),
        offsets: OriginalOffsets {
            encoding,
            checkpoints,
        },
    }
}

fn encoding_name(encoding: &'static Encoding) -> &'static str {
    match encoding.name() {
        "UTF-8" => "utf-8",
        "UTF-16LE" => "utf-16le",
        "UTF-16BE" => "utf-16be",
        // encoding_rs decodes GBK with its GB18030 decoder.
        "GBK" | "gb18030" => "gb18030",
        "windows-1252" => "windows-1252",
        "Big5" => "big5",
        "Shift_JIS" => "shift_jis",
        "EUC-KR" => "euc-kr",
        // Any other WHATWG encoding keeps its canonical name.
        other => other,
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(0, bytes)
}

/// UTF-16 without a byte-order mark in bytes that are not UTF-8: NUL bytes on one parity
/// (mostly ASCII text), or code units that are almost all printable ASCII, CJK or CJK
/// punctuation.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || bytes.len() % 2 != 0 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let units = sample.len() / 2;
    let score = |big_endian: bool| {
        sample
            .chunks_exact(2)
            .filter(|pair| {
                let unit = if big_endian {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                };
                plausible_utf16_unit(unit)
            })
            .count()
    };
    let (le, be) = (score(false), score(true));
    let threshold = units * 95 / 100;
    if le >= threshold && le >= be {
        Some(UTF_16LE)
    } else if be >= threshold {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn plausible_utf16_unit(unit: u16) -> bool {
    matches!(unit,
        0x09 | 0x0A | 0x0D
        | 0x20..=0x7E
        | 0xA0..=0xFF
        | 0x2000..=0x206F
        | 0x3000..=0x303F
        | 0x4E00..=0x9FFF
        | 0xFF00..=0xFFEF)
}

/// A file with at least half as many valid UTF-8 characters beyond ASCII as invalid sequences
/// is decoded as UTF-8 (with the bad bytes reported) rather than guessed as a legacy encoding,
/// which would garble all of it without a word: stray bytes, or a part pasted from a GBK
/// export. (In GBK or Big5 text about one character in five happens to be valid UTF-8, and
/// the others make one or two invalid sequences each: a ratio near 0.1.)
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut multibyte = 0usize;
    let mut invalid = 0usize;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    multibyte >= 8 && invalid <= 2 * multibyte
}

/// The encoding declared by `<meta charset=...>` or `<meta http-equiv content="...charset=...">`
/// in the first 4 KiB. UTF-16 declarations are ignored, as browsers do.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    static META: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let meta = META.get_or_init(|| {
        regex::bytes::Regex::new(r#"(?i-u)<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#)
            .expect("meta charset pattern compiles")
    });
    let head = &bytes[..bytes.len().min(4096)];
    let label = meta.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    if encoding == UTF_16LE || encoding == UTF_16BE {
        Some(UTF_8)
    } else {
        Some(encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original(decoded: &Decoded, needle: &str) -> usize {
        let offset = decoded.text.find(needle).expect("needle present");
        decoded.offsets.original_offset(&decoded.text, offset)
    }

    #[test]
    fn utf8_with_bom() {
        let decoded = decode("\u{FEFF}隐私政策".as_bytes(), false);
        assert_eq!(decoded.text, "隐私政策");
        assert_eq!(decoded.encoding, "utf-8");
        assert_eq!(original(&decoded, "政策"), 3 + 6);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "隐私政策 Privacy\n";
        for (bytes, name) in [
            (
                [&[0xFF, 0xFE][..], &utf16(text, false)].concat(),
                "utf-16le",
            ),
            ([&[0xFE, 0xFF][..], &utf16(text, true)].concat(), "utf-16be"),
            (utf16(text, false), "utf-16le"),
            (utf16(text, true), "utf-16be"),
        ] {
            let decoded = decode(&bytes, false);
            assert_eq!(decoded.text, text, "{name}");
            assert_eq!(decoded.encoding, name);
            assert!(decoded.problem.is_none());
        }
        let with_bom = [&[0xFF, 0xFE][..], &utf16(text, false)].concat();
        assert_eq!(original(&decode(&with_bom, false), "Privacy"), 2 + 5 * 2);
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    /// Sections pasted from a GBK export into a UTF-8 file, in either order: read as UTF-8
    /// with the bad bytes reported, never guessed as a single-byte encoding that garbles all.
    #[test]
    fn utf8_with_a_gbk_part_is_read_as_utf8_with_a_problem() {
        let utf8 =
            "第一部分 我们如何收集您的个人信息。我们会收集您的手机号码，用于账号登录。\n".repeat(3);
        let chinese = "第二部分 我们如何共享您的个人信息，以及您如何撤回同意。\n".repeat(4);
        let gbk = encoding_rs::GBK.encode(&chinese).0.into_owned();
        for bytes in [
            [utf8.as_bytes(), &gbk].concat(),
            [&gbk, utf8.as_bytes()].concat(),
        ] {
            let decoded = decode(&bytes, false);
            assert_eq!(decoded.encoding, "utf-8");
            assert!(decoded.problem.is_some());
            assert!(decoded.text.contains(utf8.as_str()));
        }
        // The GBK part alone is GBK.
        assert_eq!(decode(&gbk, false).encoding, "gb18030");
    }

    #[test]
    fn gb18030_is_detected_and_offsets_map_back() {
        let text = "隐私政策\n我们会收集您的手机号码，用于登录。请联系 privacy@example.cn。\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let decoded = decode(&bytes, false);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.encoding, "gb18030");
        let expected = bytes
            .windows(7)
            .position(|w| w == b"privacy")
            .expect("ascii survives");
        assert_eq!(original(&decoded, "privacy"), expected);
    }

    #[test]
    fn windows_1252_from_meta_charset() {
        let mut bytes = b"<html><head><meta charset=\"windows-1252\"></head><body>caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b" \x93quoted\x94</body></html>");
        let decoded = decode(&bytes, true);
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.contains("café “quoted”"));
        assert_eq!(original(&decoded, "quoted"), bytes.len() - 21);
    }

    #[test]
    fn stray_invalid_byte_in_utf8_is_reported_and_replaced() {
        let mut bytes = "隐私政策：我们收集您的手机号码和电子邮箱地址。"
            .as_bytes()
            .to_vec();
        let bad_at = bytes.len();
        bytes.push(0xFF);
        bytes.extend_from_slice("联系我们".as_bytes());
        let decoded = decode(&bytes, false);
        assert_eq!(decoded.encoding, "utf-8");
        assert_eq!(
            decoded.problem,
            Some(DecodeProblem::Malformed {
                offset: bad_at,
                count: 1
            })
        );
        assert!(decoded.text.contains('\u{FFFD}'));
        assert_eq!(original(&decoded, "联系"), bad_at + 1);
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let decoded = decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", false);
        assert_eq!(decoded.problem, Some(DecodeProblem::Binary { offset: 8 }));
    }

    #[test]
    fn offsets_stay_in_the_file_when_text_does_not_encode_back() {
        // Found by the property test: detected as a legacy multi-byte encoding whose decoded
        // characters do not all encode again (the encoder writes `&#...;` for them).
        let bytes = [135, 64, 137, 76, 1, 1, 137, 70, 137, 64, 160, 64];
        let decoded = decode(&bytes, false);
        let mut previous = 0;
        let ends = decoded.text.char_indices().map(|(i, _)| i);
        for offset in ends.chain([decoded.text.len()]) {
            let original = decoded.offsets.original_offset(&decoded.text, offset);
            assert!(
                original >= previous && original <= bytes.len(),
                "{original}"
            );
            previous = original;
        }
        assert_eq!(previous, bytes.len());
    }

    #[test]
    fn empty_input_is_empty_text() {
        let decoded = decode(b"", false);
        assert_eq!(decoded.text, "");
        assert!(decoded.problem.is_none());
    }
}
