//! The contact-free check: free text must not hold personal data.
//!
//! Every free-text field is passed through [`check_text`] before it is written, locally and on
//! every change received from a peer. The check errs on the side of refusing: a refused
//! sentence costs an organiser a rewording, a leaked phone number can cost someone their
//! safety. Ordinary organising text (dates, times, amounts, years, ward and room numbers of
//! public venues, public places and organisations) must pass.
//!
//! It reads a private, [`normalise`]d copy of the text (the text stored stays exactly as typed)
//! and looks for two families of personal data:
//! - [`patterns`]: what is told by its form — phone numbers, e-mail addresses however spelled
//!   out, postcodes, National Insurance and NHS numbers (by their check digit), dates of birth,
//!   home addresses and immigration references;
//! - [`names`]: people's names, from lists of common given and family names in the groups'
//!   languages (see `protocol/data/names/SOURCES.md`) and the context around them, and in
//!   Pashto text also a scorer with learned weights (rules version 14; its facts, weights and
//!   threshold since version 15).
//!
//! The rules carry a version, [`RULES_VERSION`]; PROTOCOL.md §9a says which version a node
//! applies. `protocol/tests/contact_free.rs` measures them on a corpus of organising notes.

use std::fmt;

use thiserror::Error;

mod names;
mod patterns;

/// The version of the rules [`check_text`] applies. Two nodes with the same version refuse the
/// same texts.
pub const RULES_VERSION: u32 = 20;

/// What kind of personal data a text seemed to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalDataKind {
    /// An e-mail address, however spelled out.
    Email,
    /// A phone number, international or local.
    Phone,
    /// A UK postcode.
    Postcode,
    /// A National Insurance number.
    NationalInsurance,
    /// An NHS number.
    NhsNumber,
    /// A Home Office, tribunal, asylum-support, port, ARC, passport or case reference.
    Reference,
    /// A date of birth.
    DateOfBirth,
    /// Where someone lives: a street address, a flat, a room at a hotel or hostel.
    Address,
    /// A person's name.
    Name,
}

impl PersonalDataKind {
    /// Every kind.
    pub const ALL: &'static [PersonalDataKind] = &[
        Self::Email,
        Self::Phone,
        Self::Postcode,
        Self::NationalInsurance,
        Self::NhsNumber,
        Self::Reference,
        Self::DateOfBirth,
        Self::Address,
        Self::Name,
    ];

    /// A short stable key (`email`, `phone`, `postcode`, `ni`, `nhs`, `reference`, `dob`,
    /// `address`, `name`), for messages in other languages and for the test corpus.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Postcode => "postcode",
            Self::NationalInsurance => "ni",
            Self::NhsNumber => "nhs",
            Self::Reference => "reference",
            Self::DateOfBirth => "dob",
            Self::Address => "address",
            Self::Name => "name",
        }
    }

    /// How to write the same thing without the personal data.
    pub fn advice(&self) -> &'static str {
        match self {
            Self::Name => "write a role, not a name: 'a family in the hotel', 'one of our members'",
            Self::Phone | Self::Email => {
                "write who to contact by role ('our legal aid caseworker'); keep contact details out of shared text"
            }
            Self::Postcode => {
                "write the area or ward instead ('north of the city', 'Foleshill ward')"
            }
            Self::Address => {
                "write the area or a public place, not where someone lives ('a family in the north of the city')"
            }
            Self::DateOfBirth => "write an age group instead ('a man in his thirties', 'under 18')",
            Self::NationalInsurance | Self::NhsNumber | Self::Reference => {
                "keep reference numbers in the person's own papers; write the situation ('waiting for an appeal hearing')"
            }
        }
    }
}

impl fmt::Display for PersonalDataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Email => "an e-mail address",
            Self::Phone => "a phone number",
            Self::Postcode => "a postcode",
            Self::NationalInsurance => "a National Insurance number",
            Self::NhsNumber => "an NHS number",
            Self::Reference => "a case or reference number",
            Self::DateOfBirth => "a date of birth",
            Self::Address => "a home address",
            Self::Name => "a person's name",
        })
    }
}

/// Free text refused because it seems to hold personal data. It names the field, the kind of
/// data and how to write it instead, never the text itself, so that it can be logged and shown
/// safely.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error(
    "{field} seems to hold {kind}; Common Ground keeps no personal data: {advice}",
    advice = kind.advice()
)]
pub struct PersonalData {
    /// The field, as the user knows it (`goal`, `action title`, ...).
    pub field: String,
    /// What was found.
    pub kind: PersonalDataKind,
}

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
/// removed, Arabic short vowels and tatweel removed, and Arabic-Indic and Persian (Extended
/// Arabic-Indic) digits read as ASCII digits, and Ethiopic numerals (፲፱፻፹፱) as the number they
/// write (1989).
pub fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    ethiopic_numerals(text)
        .nfkc()
        // Arabic short vowels and tatweel: "وُلد" is "ولد".
        .filter(|c| {
            !is_invisible(*c) && !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
        })
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            other => other,
        })
        .collect()
}

/// The value of an Ethiopic numeral sign: ones and tens (፩ 1 … ፺ 90), hundred and ten
/// thousand.
enum EthiopicNumeral {
    Small(u64),
    Hundred,
    TenThousand,
}

fn ethiopic_numeral(c: char) -> Option<EthiopicNumeral> {
    match c {
        '\u{1369}'..='\u{1371}' => Some(EthiopicNumeral::Small(u64::from(c as u32 - 0x1368))),
        '\u{1372}'..='\u{137A}' => Some(EthiopicNumeral::Small(10 * u64::from(c as u32 - 0x1371))),
        '\u{137B}' => Some(EthiopicNumeral::Hundred),
        '\u{137C}' => Some(EthiopicNumeral::TenThousand),
        _ => None,
    }
}

/// Runs of Ethiopic numerals written as ASCII digits: ፲፭ is 15, ፲፱፻፹፱ is 19 × 100 + 89 =
/// 1989, ፼ multiplies what stands before it by ten thousand. A ፻ or ፼ with nothing before it
/// counts one.
fn ethiopic_numerals(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| ethiopic_numeral(c).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // (ten thousands, hundreds, ones and tens) of the run being read.
    let mut run: Option<(u64, u64, u64)> = None;
    let flush = |run: &mut Option<(u64, u64, u64)>, out: &mut String| {
        if let Some((big, hundreds, small)) = run.take() {
            out.push_str(&(big + hundreds + small).to_string());
        }
    };
    for c in text.chars() {
        let Some(n) = ethiopic_numeral(c) else {
            flush(&mut run, &mut out);
            out.push(c);
            continue;
        };
        // A number joined to a prefix ("ብ፲፭", in 15) is read as a word of its own.
        if run.is_none() && out.chars().last().is_some_and(char::is_alphabetic) {
            out.push(' ');
        }
        let (big, hundreds, small) = run.get_or_insert((0, 0, 0));
        match n {
            EthiopicNumeral::Small(v) => *small = small.saturating_add(v),
            EthiopicNumeral::Hundred => {
                *hundreds = hundreds.saturating_add((*small).max(1).saturating_mul(100));
                *small = 0;
            }
            EthiopicNumeral::TenThousand => {
                *big = big.saturating_add(
                    hundreds
                        .saturating_add(*small)
                        .max(1)
                        .saturating_mul(10_000),
                );
                *hundreds = 0;
                *small = 0;
            }
        }
    }
    flush(&mut run, &mut out);
    std::borrow::Cow::Owned(out)
}

/// Checks one free-text field. Returns the first kind of personal data found, naming `field`.
/// The rules read the text's [`normalise`]d copy.
pub fn check_text(field: &str, text: &str) -> Result<(), PersonalData> {
    match find(text) {
        None => Ok(()),
        Some(kind) => Err(PersonalData {
            field: field.to_string(),
            kind,
        }),
    }
}

/// For tuning on the corpus only: which name rule fired, at which word (it holds the text, so
/// it is never part of a message).
#[doc(hidden)]
pub fn explain_name(text: &str) -> Option<(&'static str, String)> {
    names::explain(&normalise(text))
}

/// For building and tuning the Pashto name scorer only: each word of `normalise(text)` it
/// weighs, with where it starts there (a byte offset), as written, and its facts.
#[doc(hidden)]
pub fn name_model_facts(text: &str) -> Vec<(usize, String, Vec<String>)> {
    names::model_facts(&normalise(text))
}

/// For tuning the Pashto name scorer only: [`find`] without the scorer's own verdicts (the
/// patterns, and the name rules where they judge alone: at every word of a text the scorer
/// does not weigh; in one it weighs, at the words it does not weigh and where a decisive rule
/// finds a name).
#[doc(hidden)]
pub fn find_without_scorer(text: &str) -> Option<PersonalDataKind> {
    let text = normalise(text);
    patterns::find(&text)
        .or_else(|| names::found_by_rules_alone(&text).then_some(PersonalDataKind::Name))
}

/// The first kind of personal data found in `text`, if any.
pub fn find(text: &str) -> Option<PersonalDataKind> {
    let text = normalise(text);
    patterns::find(&text).or_else(|| names::explain(&text).map(|_| PersonalDataKind::Name))
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
        (
            "NI number JT 12 34 56 C",
            PersonalDataKind::NationalInsurance,
        ),
        ("NINO AB123456D", PersonalDataKind::NationalInsurance),
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
        // Rules version 4: e-mail words and reference labels in the groups' scripts.
        ("ኢመይል: selam.t ኣት example ዶት org", PersonalDataKind::Email),
        (
            "ايميلها amina.h آت example دوت كوم",
            PersonalDataKind::Email,
        ),
        (
            "ئیمەیڵ: shilan ئەت example دۆت com",
            PersonalDataKind::Email,
        ),
        ("amina.h@جيميل", PersonalDataKind::Email),
        ("مرجعه: HX884213", PersonalDataKind::Reference),
        (
            "رقم ملفها 448812 في وزارة الداخلية",
            PersonalDataKind::Reference,
        ),
        ("ہوم آفس ریفرنس نمبر 55120 ہے", PersonalDataKind::Reference),
        ("ሪፈረንስ ቁጽሪ 77310", PersonalDataKind::Reference),
        (
            "ሞባይል፡ ዜሮ ሸውዓተ ሸውዓተ ዜሮ ዜሮ ትሽዓተ ዜሮ ዜሮ ሸሞንተ ሓደ ክልተ",
            PersonalDataKind::Phone,
        ),
        (
            "هاتفه صفر سبعة سبعة صفر صفر، تسعة صفر صفر، أربعة خمسة ستة",
            PersonalDataKind::Phone,
        ),
        (
            "( yonas_k ) ( at ) ( yahoo ) ( dot ) ( co.uk )",
            PersonalDataKind::Email,
        ),
        (
            "[shilan.h] لە [hotmail] خاڵ [co.uk]",
            PersonalDataKind::Email,
        ),
        (
            "Ew di 3ê Adara 2008an de hatiye dinyayê",
            PersonalDataKind::DateOfBirth,
        ),
        ("claim number AS-20931", PersonalDataKind::Reference),
        ("passport 123456789", PersonalDataKind::Reference),
        ("NHS 9434765919", PersonalDataKind::NhsNumber),
        ("ring (0121) 496.0000 after 5", PersonalDataKind::Phone),
        ("her number 07700.900.123", PersonalDataKind::Phone),
        ("0 7 7 0 0 9 0 0 1 2 3", PersonalDataKind::Phone),
        ("write to amina at example dot com", PersonalDataKind::Email),
        ("amina[at]example[dot]org", PersonalDataKind::Email),
        ("NI QQ-12-34-56-C", PersonalDataKind::NationalInsurance),
        ("NI AB 123 456 C", PersonalDataKind::NationalInsurance),
        (
            "her NHS number is 943 476 5919",
            PersonalDataKind::NhsNumber,
        ),
        ("943-476-5919", PersonalDataKind::NhsNumber),
        // Rules version 5: numbers partly read out, the groups' words for "at" and "on", more
        // references and words for birth.
        (
            "Hejmar: sifir heft heft sifir sifir 900 461",
            PersonalDataKind::Phone,
        ),
        (
            "الرقم صفر سبعة سبعة صفر صفر 900 512",
            PersonalDataKind::Phone,
        ),
        (
            "الإيميل: fatima_h على example نقطة org",
            PersonalDataKind::Email,
        ),
        (
            "U dir: bashiir_nuur (calaamadda @) example (dhibic) org",
            PersonalDataKind::Email,
        ),
        (
            "[ s e r h a t 7 ] (et) example nuqte com",
            PersonalDataKind::Email,
        ),
        (
            "ajmal . khan . 92 [په] example [ټکی] net",
            PersonalDataKind::Email,
        ),
        (
            "asylum support حواله S95/2025/330918 ده",
            PersonalDataKind::Reference,
        ),
        (
            "رقم بطاقة ARC هو ABC 123456 7 / GBR",
            PersonalDataKind::Reference,
        ),
        (
            "د تذکرې له مخې زوکړه یې ۱۳۷۰/۰۲/۱۸ ده",
            PersonalDataKind::DateOfBirth,
        ),
        ("زېږېدلی: د وږي په ۱۲مه", PersonalDataKind::DateOfBirth),
        ("د پیدایښت نیټه یې ۵ حمل ده", PersonalDataKind::DateOfBirth),
        // Rules version 6: a digit may still be joined to a label.
        ("she lives in flat3", PersonalDataKind::Address),
        // Rules version 7: a Kurmanji hotel room, a Persian "his house", a street type, a
        // Pashto word for birth.
        (
            "Jûreya 12 li Britannia Hotel, ew bi tenê ye",
            PersonalDataKind::Address,
        ),
        ("خانه‌اش: 19 Sewall Highway", PersonalDataKind::Address),
        ("زېږدنه: ۱۱/۰۴/۲۰۰۳", PersonalDataKind::DateOfBirth),
        // Rules version 8: -ullah in Latin letters and Sorani, a Latin tribal name, a roll
        // after those present.
        (
            "Yê ku wergêr hewce dike Neqîbullah e",
            PersonalDataKind::Name,
        ),
        ("بۆ ئەسەدوڵڵا پارێزەرمان دۆزییەوە", PersonalDataKind::Name),
        ("Zaroka Gulalay Ehmedzay nexweş e", PersonalDataKind::Name),
        ("بەشداربووان: دیلان، کاروان، ڕێژنە", PersonalDataKind::Name),
        // Rules version 9: an English street type in Pashto and Sorani letters, the Dari
        // "flat", a Kurmanji call.
        (
            "هغه اوس په ۱۴ مېپل روډ، براډفورډ کې اوسېږي",
            PersonalDataKind::Address,
        ),
        ("ئێستا لە ١٤ مەیپڵ ڕۆد دەژی", PersonalDataKind::Address),
        ("آدرس جدید: فلت ۳، منچستر", PersonalDataKind::Address),
        ("Sibê telefonî Rojan bikin", PersonalDataKind::Name),
        // Rules version 10: "lane" as Pashto writes it, a Pashtun name with حضرت.
        (
            "هغه اوس په ۲۳ ګرین لېن، برمنګهم کې اوسېږي",
            PersonalDataKind::Address,
        ),
        ("حضرت ګل سبا له وکیل سره مرکه لري", PersonalDataKind::Name),
    ];

    /// Ordinary organising text that must pass.
    #[rustfmt::skip]
    const NEGATIVES: &[&str] = &[
        "Legal aid for every asylum seeker in the city",
        // Rules version 9: a river, not a road; Downing Street in Sorani letters.
        "۲ نفر در رود غرق شدند",
        "وەزیر نامەیەکی لە ١٠ داونینگ ستریت نارد",
        "ኣኼባ ኣብ ክፍሊ 3 ሰዓት 6:00",
        "رقم 2026 عام التضامن",
        "we meet at the hall, dot the i's",
        "ሪፈረንስ ደብዳበ ካብ ቤት ምኽሪ ከተማ",
        "we need two or three volunteers, five or six chairs and one or two tables",
        "ክልተ ወይ ሰለስተ ሰባት ንሓሙስ",
        "Join us for a free lunch and watch a live stream",
        "pommes et orange pour le goûter",
        "Countdown: ten, nine, eight, seven, six, five, four, three, two, one!",
        "Meet the council's cabinet member on 2026-12-10 at 18:30",
        "Meeting on 10/12/2026 from 10:00 - 12:00",
        "Raise £1,200 for bus fares; target £12,000 by March",
        "Costs 25.50 per person, 300 leaflets",
        "Since 2019 the waiting time rose from 6 to 18 months",
        "Ward 12 and ward 7 councillors; room G1 2nd floor",
        "Meet in room 3B, level 2, on the 3rd of May", "Between 2025-2026 there were 40 evictions",
        "Tuesday 7pm at the community centre, bring 20 chairs",
        "Demand: end detention of children (Immigration Act 2014, s.55)",
        "Petition with 4,500 signatures, 1 in 3 households affected",
        "Council budget 2026/27 allocates 3.2m to housing",
        "Call the MP's office and ask for a meeting",
        "Agenda: 1. Welcome 2. Housing report 3. AOB",
        "Use hashtag #SanctuaryCity and @CouncilName on social media", "A4 flyers, 500 copies",
        "Version 2.0 of the plan, approved 12-0", "The M6 junction 6 is closed on 2026-11-28",
        "Open 9-5 weekdays, 10 to 4 on Saturdays",
        "Vigil on 05-12-2026 18:30 outside the town hall",
        "Our case no longer goes to the tribunal", "Home Office reference letters arrive late",
        "Meet at the library at 6, bring the banner",
        "We are at the hall dot matrix printer session",
        "Print 250 400 1000 leaflets in three runs",
        // A count read out, and a zero before too few digits, are no phone numbers.
        "zero one two three, go", "Room 0 on floor 2 seats 40",
        // Kurmanji plurals: "numbers" (statistics) and "houses" (a count).
        "Hejmarên anketê: 150 300 450 bersiv", "council 120 xaniyên nû veqetand",
        // Rules version 6: a label is a whole word, not the start of one ("NI AA 110010",
        // "Flat A 1" and "room 12 at the hotel" were read into these).
        "nick 123 456", "niaa 1 100 10", "flata 1", "a roomy 12 seat minibus from the hotel",
        // Rules version 7: law firms named after people, an MP named in Sorani.
        "a lawyer from Duncan Lewis comes next week", "یک وکیل از Duncan Lewis هفته بعد می‌آید",
        "نامەکەمان بۆ پەرلەمانتار Mark Tami نارد",
        // Rules version 8: an MP named with a title after the office, Pashto adjectives
        // before people, a fund named after Malala, a role before "said", a home town in a
        // slot, a Persian idiom.
        "Parlamentera me, Xanim Dawn Butler, got ku ew ê pirsê bike",
        "ننګیالي ځوانان هره شپه خواړه وېشي", "د ملالې بنسټ کتابونه ولېږل",
        "د ټولنې مشر وویل چې غونډه د شنبې په ورځ ده", "Zarokên Kobanê stran gotin",
        "با کمال احترام از وزیر خواستیم", "کډوالو وویل چې خواړه سړه دي",
        "د ښځو ټولنې وویل چې مرسته کوي", "یوسف و زلیخا نمایشنامه‌ی بچه‌ها بود",
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
    fn dates_of_birth_in_other_calendars_and_scripts() {
        for text in [
            "ዕለተ ልደቱ ብናይ ኢትዮጵያ ዓውደ ኣዋርሕ መስከረም 12 1988 ዓ.ም. እዩ።",
            "ሰኔ 5 ቀን 2000 ዓ.ም. ቢወለድም",
            "Taariikhda dhalashadiisa ee foomka ku qoran (15.04.1985) waa khalad.",
        ] {
            assert_eq!(find(text), Some(PersonalDataKind::DateOfBirth), "{text}");
        }
    }

    #[test]
    fn ethiopic_numerals_are_read_as_numbers() {
        assert_eq!(normalise("ብ፲፭ ግንቦት ፲፱፻፹፱"), "ብ 15 ግንቦት 1989");
        assert_eq!(normalise("፻ ፼ ፪፼፫፻"), "100 10000 20300");
        assert_eq!(
            find("ፍቕሪ ብ፲፭ ግንቦት ፲፱፻፹፱ ዓ.ም. ተወሊዳ።"),
            Some(PersonalDataKind::DateOfBirth)
        );
    }

    #[test]
    fn message_names_the_field() {
        let e = check_text("action title", "call 07700 900123").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("action title seems to hold a phone number")
        );
    }

    /// Words that introduce personal data (a street type, "room", "ref", "born", "phone", an
    /// e-mail's "at"): random words stay ordinary text only without them.
    #[rustfmt::skip]
    const SIGNALS: &[&str] = &[
        "rue", "avenue", "av", "bd", "boulevard", "allee", "impasse", "chemin", "quai", "cours",
        "route", "residence", "cite", "flat", "apartment", "apt", "appartement", "appt", "room",
        "rm", "chambre", "oda", "odeya", "qol", "qolka", "guri", "guriga", "mal", "mala", "male",
        "aqalka", "no", "nr", "number", "ref", "reference", "case", "port", "ho", "uan", "cid",
        "nass", "asylum", "claim", "file", "client", "application", "appeal", "arc", "brp", "asr",
        "asu", "gwf", "passport", "visa", "born", "dob", "b", "ddn", "nee", "ne", "dh", "phone",
        "tel", "mobile", "call", "ring", "text", "contact", "whatsapp", "signal", "cell", "mob",
        "at", "dot", "point", "chez", "arobase", "et", "kolan", "waddada", "jidka", "ku", "id",
        "num", "card", "birthday", "naissance", "hejmar", "lambarka", "nambarka", "tixraac",
        "tixraaca", "wac", "taleefan", "dhalash", "dhashay", "dhalat", "punto", "xal", "dhibic",
        "numero", "dossier", "agdref", "passeport", "appeler", "joindre", "portable", "telephone",
        "hotel", "hostel", "house", "nino", "ni", "national", "insurance", "maisonette",
    ];

    /// The endings a label may take and stay one (PROTOCOL.md §9c, "Labels"): a plural, the
    /// Kurmanji and Somali forms.
    #[rustfmt::skip]
    const LABEL_FORMS: &[&str] = &[
        "flats", "rooms", "chambres", "apartments", "appartements", "maisonettes", "hejmara",
        "hejmarek", "hejmareke", "odeya", "kolana", "falaadhka", "taleefanka", "mobaylkiisa",
        "numbarkiisa", "lambarkiisa", "lambarkeeda",
    ];

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
        use patterns::not_an_nhs_number;
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

    /// Whether a word introduces personal data. Since rules version 6 a label is a whole word:
    /// words that only begin with one ("nick", "flata", "roomy") are plain words again.
    fn introduces(w: &str) -> bool {
        SIGNALS.contains(&w)
    }

    /// Whether a two-letter word is followed by number words holding six digits or more: a
    /// National Insurance number however it was typed ("jg 100 100 c"), not plain words.
    fn forms_ni_number(words: &[String]) -> bool {
        (0..words.len()).any(|i| {
            let w = &words[i];
            w.len() == 2
                && w.chars().all(|c| c.is_ascii_alphabetic())
                && words[i + 1..]
                    .iter()
                    .take_while(|w| w.chars().all(|c| c.is_ascii_digit()))
                    .map(String::len)
                    .sum::<usize>()
                    >= 6
        })
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
        fn plain_words_and_small_numbers_pass(words in prop::collection::vec(
            "[a-z]{1,10}|[1-9][0-9]{0,2}".prop_filter("not a word that introduces personal data", |w| !introduces(w)),
            0..20,
        )) {
            // Two letters followed by six digits in groups (and maybe a letter) are a National
            // Insurance number however they were typed ("jg 100 100 c"): not plain words.
            prop_assume!(!forms_ni_number(&words));
            let text = words.join(" ");
            prop_assert_eq!(check_text("notes", &text), Ok(()));
        }

        #[test]
        fn words_that_only_begin_with_a_label_are_plain_words(
            label in prop::sample::select(SIGNALS),
            tail in "[a-z]{1,3}",
            numbers in prop::collection::vec("[1-9][0-9]{0,2}", 1..6),
        ) {
            let word = format!("{label}{tail}");
            prop_assume!(!introduces(&word) && !LABEL_FORMS.contains(&word.as_str()));
            let text = format!("{word} {}", numbers.join(" "));
            prop_assert_eq!(check_text("notes", &text), Ok(()), "{}", text);
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
