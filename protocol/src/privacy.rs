//! The contact-free check: free text must not hold personal data.
//!
//! Every free-text field is passed through [`check_text`] before it is written, locally and (in a
//! later stage) on every change received from a peer. The check errs on the side of refusing:
//! a refused sentence costs an organiser a rewording, a leaked phone number can cost someone
//! their safety. Ordinary organising text (dates, times, amounts, years, ward and room numbers)
//! must pass; `tests` below holds the corpus both ways.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use thiserror::Error;

/// What kind of personal data a text seemed to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDataKind {
    /// An e-mail address.
    Email,
    /// A phone number, international or UK local.
    Phone,
    /// A UK postcode.
    Postcode,
    /// A Home Office, immigration, case, National Insurance or similar reference number.
    Reference,
}

impl fmt::Display for PersonalDataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Email => "an e-mail address",
            Self::Phone => "a phone number",
            Self::Postcode => "a postcode",
            Self::Reference => "a case or reference number",
        })
    }
}

/// Free text refused because it seems to hold personal data. It names the field and the kind of
/// data, never the text itself, so that it can be logged and shown safely.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{field} seems to hold {kind}; Common Ground keeps no personal data, so please remove it")]
pub struct PersonalData {
    /// The field, as the user knows it (`goal`, `action title`, ...).
    pub field: String,
    /// What was found.
    pub kind: PersonalDataKind,
}

struct Pattern {
    kind: PersonalDataKind,
    re: Regex,
    /// A match for which this returns true is not personal data after all.
    except: fn(&str) -> bool,
}

fn never(_: &str) -> bool {
    false
}

/// `2nd`, `3rd`, `4th` after an outward code (`room G1 2nd floor`) is an ordinal, not an inward
/// code.
fn ordinal_inward(m: &str) -> bool {
    let inward = m
        .trim()
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    let lower = inward.to_ascii_lowercase();
    lower.len() == 3 && ["st", "nd", "rd", "th"].contains(&&lower[1..])
}

/// A match that begins with a day-month-year date (`05-12-2026`, `05/12/2026`, `05.12.2026`)
/// is a date and a time, not a phone number.
fn date_then_time(m: &str) -> bool {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\d{2}[-./]\d{2}[-./]\d{4}").expect("built-in pattern compiles")
    });
    DATE.is_match(m.trim_start_matches(['(', ' ']))
}

/// "Our case no longer…", "Home Office reference letters…": the word after the label has no
/// digit, so it is a word, not a reference.
fn no_digit_in_reference(m: &str) -> bool {
    let last = m
        .rsplit(|c: char| c.is_whitespace() || c == ':' || c == '#')
        .next()
        .unwrap_or("");
    !last.chars().any(|c| c.is_ascii_digit())
}

/// Whether ten digits fail the NHS number's modulus-11 check digit.
fn not_an_nhs_number(m: &str) -> bool {
    let d: Vec<u32> = m.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 10 {
        return true;
    }
    let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return true,
        c => c,
    };
    check != d[9]
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |kind, re: &str, except| Pattern {
        kind,
        re: Regex::new(re).expect("built-in pattern compiles"),
        except,
    };
    use PersonalDataKind::*;
    vec![
        // name@domain.tld, also with " at " / " dot " spelled out.
        p(
            Email,
            r"(?i)[a-z0-9._%+-]+\s*(?:@|\(at\)|\[at\])\s*[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}",
            never,
        ),
        // +44 7700 900123, 0044 20 7946 0958, +1 (555) 010-9999
        p(
            Phone,
            r"(?:\+|\b00)\s?\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?(?:\(?\d+\)?[\s.-]?){2,6}\d",
            never,
        ),
        // "name at domain dot com", "name[at]domain[dot]org": spelled out, ending in a common
        // top-level domain (so that "meet at the hall" stays ordinary text).
        p(
            Email,
            r"(?i)\b[a-z0-9._%+-]+\s*(?:\bat\b|\(at\)|\[at\]|\{at\})\s*[a-z0-9-]+(?:\s*(?:\.|\bdot\b|\(dot\)|\[dot\]|\{dot\})\s*[a-z0-9-]+)*?\s*(?:\bdot\b|\(dot\)|\[dot\]|\{dot\}|\.)\s*(?:com|org|net|info|co|uk|fr|de|io|me)\b",
            never,
        ),
        // UK numbers: 0 then 9 or 10 more digits, however separated (spaces, dashes, dots,
        // brackets: "(0121) 496.0000"), except a date followed by a time ("05-12-2026 18:30").
        p(Phone, r"\b0(?:[\s.()\-]{0,2}\d){9,10}\b", date_then_time),
        // UK postcodes: outward code, optional space, inward code.
        p(
            Postcode,
            r"(?i)\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b",
            ordinal_inward,
        ),
        // National Insurance numbers: AB 12 34 56 C, AB-123-456-C, and the QQ prefix of the
        // examples people copy.
        p(
            Reference,
            r"(?i)\b(?:[A-CEGHJ-PR-TW-Z]{2}|QQ)[\s-]?(?:\d[\s-]?){6}[A-D]\b",
            never,
        ),
        // Home Office references (A1234567, B1234567/2), BRP numbers (ZU1234567), GWF numbers.
        p(
            Reference,
            r"(?i)\b(?:GWF\d{9}|[A-Z]{1,2}\d{7}(?:/\d{1,3})?)\b",
            never,
        ),
        // Port references (LHR/12345678) and unique application numbers (1234-5678-9012-3456).
        p(
            Reference,
            r"(?i)\b[A-Z]{3}/\d{5,}\b|\b\d{4}[\s-]\d{4}[\s-]\d{4}[\s-]\d{4}\b",
            never,
        ),
        // A reference introduced as one: "case ref: 88AB12", "HO no. K123456".
        p(
            Reference,
            r"(?i)\b(?:home\s+office|ho|case|port|uan|cid|nass|asylum|claim)\s*(?:ref(?:erence)?|no|number|id)\.?\s*[:#]?\s*[A-Z0-9][A-Z0-9/-]{3,}",
            no_digit_in_reference,
        ),
        // NHS numbers written in groups (943 476 5919, 943-476-5919), when the check digit
        // holds (modulus 11), so that other 3-3-4 groups stay ordinary text.
        p(
            Reference,
            r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b",
            not_an_nhs_number,
        ),
        // Any run of seven or more digits: passport, NHS and case numbers, phone numbers
        // written without a leading zero. Amounts are written with separators (12,000).
        p(Reference, r"\d{7,}", never),
    ]
});

/// Whether a character only hides or reorders text: zero-width characters, the soft hyphen,
/// word joiners and invisible operators, the byte-order mark, and bidirectional controls
/// (embeddings, overrides, isolates, the Arabic letter mark). Typed inside a number or an
/// address they would split it for the patterns while leaving it readable.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The private copy of a text that the patterns read (the text stored stays exactly as typed):
/// Unicode NFKC (full-width letters, digits and `＠` become ASCII), invisible characters
/// removed, and Arabic-Indic and Persian (Extended Arabic-Indic) digits read as ASCII digits.
pub fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc()
        .filter(|c| !is_invisible(*c))
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            other => other,
        })
        .collect()
}

/// Checks one free-text field. Returns the first kind of personal data found, naming `field`.
/// The patterns read the text's [`normalise`]d copy.
pub fn check_text(field: &str, text: &str) -> Result<(), PersonalData> {
    let text = normalise(text);
    for pattern in PATTERNS.iter() {
        if pattern
            .re
            .find_iter(&text)
            .any(|m| !(pattern.except)(m.as_str()))
        {
            return Err(PersonalData {
                field: field.to_string(),
                kind: pattern.kind,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text that must be refused, with the kind it must be refused as.
    const POSITIVES: &[(&str, PersonalDataKind)] = &[
        (
            "write to amina.k@example.org for details",
            PersonalDataKind::Email,
        ),
        ("contact: someone@mail.co.uk", PersonalDataKind::Email),
        ("email ali (at) example.com", PersonalDataKind::Email),
        ("Call +44 7700 900123 after six", PersonalDataKind::Phone),
        ("call +447700900123", PersonalDataKind::Phone),
        ("ring 0044 20 7946 0958", PersonalDataKind::Phone),
        (
            "+33 1 23 45 67 89 is the Paris office",
            PersonalDataKind::Phone,
        ),
        ("+1 (555) 010-9999", PersonalDataKind::Phone),
        ("+44 (0)121 496 0000", PersonalDataKind::Phone),
        ("her mobile is 07700 900123", PersonalDataKind::Phone),
        ("07700900123", PersonalDataKind::Phone),
        ("landline 020 7946 0958", PersonalDataKind::Phone),
        ("0121-496-0000", PersonalDataKind::Phone),
        ("lives at B1 1AA", PersonalDataKind::Postcode),
        ("CV1 5FB near the station", PersonalDataKind::Postcode),
        ("postcode sw1a 1aa", PersonalDataKind::Postcode),
        ("M60 2LA", PersonalDataKind::Postcode),
        ("EC1A1BB", PersonalDataKind::Postcode),
        ("NI number JT 12 34 56 C", PersonalDataKind::Reference),
        ("NINO AB123456D", PersonalDataKind::Reference),
        ("HO ref B1234567", PersonalDataKind::Reference),
        (
            "Home Office reference K1234567/2",
            PersonalDataKind::Reference,
        ),
        ("BRP ZU1234567", PersonalDataKind::Reference),
        ("GWF012345678 pending", PersonalDataKind::Reference),
        ("port ref LHR/12345678", PersonalDataKind::Reference),
        ("UAN 1234-5678-9012-3456", PersonalDataKind::Reference),
        ("case ref: 88AB12", PersonalDataKind::Reference),
        ("claim number AS-20931", PersonalDataKind::Reference),
        ("passport 123456789", PersonalDataKind::Reference),
        ("NHS 9434765919", PersonalDataKind::Reference),
        ("ring (0121) 496.0000 after 5", PersonalDataKind::Phone),
        ("her number 07700.900.123", PersonalDataKind::Phone),
        ("0 7 7 0 0 9 0 0 1 2 3", PersonalDataKind::Phone),
        ("write to amina at example dot com", PersonalDataKind::Email),
        ("amina[at]example[dot]org", PersonalDataKind::Email),
        ("NI QQ-12-34-56-C", PersonalDataKind::Reference),
        ("NI AB 123 456 C", PersonalDataKind::Reference),
        (
            "her NHS number is 943 476 5919",
            PersonalDataKind::Reference,
        ),
        ("943-476-5919", PersonalDataKind::Reference),
    ];

    /// Ordinary organising text that must pass.
    const NEGATIVES: &[&str] = &[
        "Legal aid for every asylum seeker in the city",
        "Meet the council's cabinet member on 2026-12-10 at 18:30",
        "Meeting on 10/12/2026 from 10:00 - 12:00",
        "Raise £1,200 for bus fares; target £12,000 by March",
        "Costs 25.50 per person, 300 leaflets",
        "Since 2019 the waiting time rose from 6 to 18 months",
        "Ward 12 and ward 7 councillors; room G1 2nd floor",
        "Meet in room 3B, level 2, on the 3rd of May",
        "Between 2025-2026 there were 40 evictions",
        "Tuesday 7pm at the community centre, bring 20 chairs",
        "Demand: end detention of children (Immigration Act 2014, s.55)",
        "Petition with 4,500 signatures, 1 in 3 households affected",
        "Council budget 2026/27 allocates 3.2m to housing",
        "Call the MP's office and ask for a meeting",
        "Agenda: 1. Welcome 2. Housing report 3. AOB",
        "Use hashtag #SanctuaryCity and @CouncilName on social media",
        "A4 flyers, 500 copies",
        "Version 2.0 of the plan, approved 12-0",
        "The M6 junction 6 is closed on 2026-11-28",
        "Open 9-5 weekdays, 10 to 4 on Saturdays",
        "Vigil on 05-12-2026 18:30 outside the town hall",
        "Our case no longer goes to the tribunal",
        "Home Office reference letters arrive late",
        "Meet at the library at 6, bring the banner",
        "We are at the hall dot matrix printer session",
        "Print 250 400 1000 leaflets in three runs",
    ];

    #[test]
    fn positives_are_refused_with_their_kind_and_field() {
        for (text, kind) in POSITIVES {
            match check_text("goal", text) {
                Err(e) => {
                    assert_eq!(e.kind, *kind, "wrong kind for {text:?}");
                    assert_eq!(e.field, "goal");
                    assert!(
                        !e.to_string().contains(text),
                        "message must not echo the text"
                    );
                }
                Ok(()) => panic!("not refused: {text:?}"),
            }
        }
    }

    #[test]
    fn negatives_pass() {
        for text in NEGATIVES {
            assert_eq!(check_text("goal", text), Ok(()), "refused: {text:?}");
        }
    }

    #[test]
    fn message_names_the_field() {
        let e = check_text("action title", "call 07700 900123").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("action title seems to hold a phone number")
        );
    }

    fn uk_mobile() -> impl Strategy<Value = String> {
        (0u32..1_000_000_000).prop_map(|n| format!("07{n:09}"))
    }

    /// `text` as someone hiding it from the check might type it, each character chosen by
    /// `choices` in turn: digits as Arabic-Indic, Persian or full-width ones, letters (when
    /// `letters`) as full-width ones, and invisible marks (zero-width, bidi controls, soft
    /// hyphen) after some characters.
    fn disguise(text: &str, choices: &[u8], letters: bool) -> String {
        const MARKS: [char; 6] = [
            '\u{200B}', '\u{200D}', '\u{200F}', '\u{2066}', '\u{00AD}', '\u{061C}',
        ];
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            let k = choices[i % choices.len()];
            let shifted = |base: u32| char::from_u32(base + (c as u32 - '0' as u32)).unwrap();
            out.push(match (c, k % 4) {
                ('0'..='9', 1) => shifted(0x0660),
                ('0'..='9', 2) => shifted(0x06F0),
                ('0'..='9', 3) => shifted(0xFF10),
                ('A'..='Z' | 'a'..='z', 1) if letters => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                _ => c,
            });
            if k >= 10 {
                out.push(MARKS[usize::from(k) % MARKS.len()]);
            }
        }
        out
    }

    #[test]
    fn nhs_numbers_are_told_by_their_check_digit() {
        assert!(!not_an_nhs_number("943 476 5919"));
        assert!(not_an_nhs_number("943 476 5918"));
        // Any other wrong check digit.
        assert!(not_an_nhs_number("000 000 0010"));
    }

    #[test]
    fn the_checked_copy_is_normalised_and_the_text_is_not() {
        assert_eq!(normalise("٠٧٧٠٠ ۹۰۰۱۲۳"), "07700 900123");
        assert_eq!(normalise("ａｌｉ＠ｅｘａｍｐｌｅ.com"), "ali@example.com");
        assert_eq!(
            normalise("07\u{200B}700\u{2066}900\u{2069}123"),
            "07700900123"
        );
        // Arabic letters, accents and emoji are kept as they are (NFKC leaves them).
        assert_eq!(normalise("Réunion أحمد 👩🏽"), "Réunion أحمد 👩🏽");
        assert!(check_text("notes", "رقمها ٠٧٧٠٠ ٩٠٠١٢٣").is_err());
    }

    proptest! {
        #[test]
        fn any_embedded_uk_mobile_is_refused(pre in "[a-z ]{0,30}", num in uk_mobile(), post in "[a-z ]{0,30}") {
            let text = format!("{pre} {num} {post}");
            prop_assert!(check_text("notes", &text).is_err());
        }

        #[test]
        fn any_embedded_email_is_refused(user in "[a-z][a-z0-9.]{0,12}", host in "[a-z]{2,10}", tld in "(org|com|uk|net)") {
            let text = format!("ask {user}@{host}.{tld} please");
            prop_assert_eq!(check_text("notes", &text).unwrap_err().kind, PersonalDataKind::Email);
        }

        #[test]
        fn plain_words_and_small_numbers_pass(words in prop::collection::vec("[a-z]{1,10}|[1-9][0-9]{0,2}", 0..20)) {
            let text = words.join(" ");
            prop_assert_eq!(check_text("notes", &text), Ok(()));
        }

        #[test]
        fn a_disguised_form_of_every_refused_sample_is_refused_alike(
            sample in 0..POSITIVES.len(),
            choices in prop::collection::vec(0u8..16, 1..64),
        ) {
            let (text, kind) = POSITIVES[sample];
            let disguised = disguise(text, &choices, true);
            prop_assert_eq!(
                check_text("notes", &disguised).map_err(|e| e.kind),
                Err(kind),
                "{:?} disguised as {:?}", text, disguised
            );
        }

        #[test]
        fn ordinary_text_with_other_digits_and_invisible_marks_still_passes(
            sample in 0..NEGATIVES.len(),
            choices in prop::collection::vec(0u8..16, 1..64),
        ) {
            let text = NEGATIVES[sample];
            let disguised = disguise(text, &choices, false);
            prop_assert_eq!(check_text("notes", &disguised), Ok(()), "{:?}", disguised);
        }

        #[test]
        fn dates_pass(y in 2000u32..2100, m in 1u32..=12, d in 1u32..=28) {
            let text = format!("on {y:04}-{m:02}-{d:02} and {d:02}/{m:02}/{y:04}");
            prop_assert_eq!(check_text("notes", &text), Ok(()));
        }
    }
}
