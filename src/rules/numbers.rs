//! Numbers as policies write them: `15`, `十五`, `三十`, `两`, `一百八十`, `fifteen`.

/// Parse an Arabic, Chinese or spelled-out English number.
pub fn parse_number(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // A number too large for 32 bits is as large as can be: "4294967296天内" is beyond any
    // limit, not unreadable.
    if text.chars().all(|c| c.is_ascii_digit()) {
        return Some(text.parse().unwrap_or(u32::MAX));
    }
    if let Some(n) = english(text) {
        return Some(n);
    }
    chinese(text)
}

fn digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn chinese(text: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in text.chars() {
        match c {
            '十' | '百' | '千' => {
                let unit = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                // "十五": a unit with no digit before it means one of that unit.
                total = total.saturating_add(current.unwrap_or(1).saturating_mul(unit));
                current = None;
            }
            _ => {
                let d = digit(c)?;
                current = Some(current.unwrap_or(0).saturating_mul(10).saturating_add(d));
            }
        }
    }
    Some(total.saturating_add(current.unwrap_or(0)))
}

fn english(text: &str) -> Option<u32> {
    let words = [
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("fourteen", 14),
        ("fifteen", 15),
        ("twenty", 20),
        ("thirty", 30),
        ("forty-five", 45),
        ("forty five", 45),
        ("sixty", 60),
        ("ninety", 90),
    ];
    let lower = text.to_ascii_lowercase();
    words.iter().find(|(w, _)| *w == lower).map(|&(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (text, value) in [
            ("十五", 15),
            ("十", 10),
            ("三十", 30),
            ("二十一", 21),
            ("一百八十", 180),
            ("两", 2),
            ("五百四十", 540),
            ("一〇五", 105),
            ("15", 15),
            ("thirty", 30),
            ("Forty-five", 45),
        ] {
            assert_eq!(parse_number(text), Some(value), "{text}");
        }
        assert_eq!(parse_number("若干"), None);
        assert_eq!(parse_number("4294967296"), Some(u32::MAX));
        assert_eq!(parse_number("99999999999999999999"), Some(u32::MAX));
        assert_eq!(parse_number("九九九九九九九九九九九"), Some(u32::MAX));
        assert_eq!(parse_number(""), None);
    }
}
