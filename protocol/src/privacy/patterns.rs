//! The shapes of personal data that are told by their form: numbers, addresses, dates of birth,
//! e-mail addresses. Each pattern reads the normalised copy of a text; a match may be excused by
//! its context (a date then a time is not a phone number, a rally outside 10 Downing Street is
//! not anyone's home).

use std::sync::LazyLock;

use regex::Regex;

use super::PersonalDataKind::{self, *};

/// A match of a pattern, with the text around it for the context rules.
pub(super) struct Found<'a> {
    /// The whole normalised text.
    pub text: &'a str,
    /// Byte range of the match.
    pub start: usize,
    pub end: usize,
}

impl<'a> Found<'a> {
    fn matched(&self) -> &'a str {
        &self.text[self.start..self.end]
    }

    /// Up to `n` characters before the match, lower-cased.
    fn before(&self, n: usize) -> String {
        let head = &self.text[..self.start];
        let skip = head.chars().count().saturating_sub(n);
        head.chars().skip(skip).collect::<String>().to_lowercase()
    }

    /// Up to `n` characters after the match, lower-cased.
    fn after(&self, n: usize) -> String {
        self.text[self.end..]
            .chars()
            .take(n)
            .collect::<String>()
            .to_lowercase()
    }
}

pub(super) struct Pattern {
    pub kind: PersonalDataKind,
    pub re: Regex,
    /// A match for which this returns true is not personal data after all.
    pub except: fn(&Found) -> bool,
}

fn never(_: &Found) -> bool {
    false
}

/// `2nd`, `3rd`, `4th` after an outward code (`room G1 2nd floor`) is an ordinal, not an inward
/// code.
fn ordinal_inward(f: &Found) -> bool {
    let inward = f
        .matched()
        .trim()
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    let lower = inward.to_ascii_lowercase();
    lower.len() == 3 && ["st", "nd", "rd", "th"].contains(&&lower[1..])
}

/// A match that begins with a day-month-year date (`05-12-2026`, `05/12/2026`, `05.12.2026`)
/// is a date and a time, not a phone number.
fn date_then_time(f: &Found) -> bool {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\d{2}[-./]\d{2}[-./]\d{4}").expect("built-in pattern compiles")
    });
    DATE.is_match(f.matched().trim_start_matches(['(', ' ']))
}

/// UK numbers of services, not of persons: freephone (0800, 0808), non-geographic (03, 0845,
/// 0870), as helplines and councils give them.
fn service_number(f: &Found) -> bool {
    let digits: String = f.matched().chars().filter(char::is_ascii_digit).collect();
    ["0800", "0808", "030", "033", "034", "037", "0845", "0870"]
        .iter()
        .any(|p| digits.starts_with(p))
}

fn date_then_time_or_service(f: &Found) -> bool {
    date_then_time(f) || service_number(f)
}

/// "Our case no longer…", "Home Office reference letters…", "reference 2026": the code after the
/// label has too few digits, or is a year, so it is a word, not a reference.
fn not_a_code(f: &Found) -> bool {
    let m = f.matched();
    let code = m
        .rsplit(|c: char| c.is_whitespace() || c == ':' || c == '#' || c == '.')
        .find(|s| !s.is_empty())
        .unwrap_or("");
    // Labels hold no digits: every digit of the match is the code's.
    let digits = m.chars().filter(char::is_ascii_digit).count();
    let year = code.len() == 4 && digits == 4 && (code.starts_with("19") || code.starts_with("20"));
    // A code written in several groups ("25 018 432") needs more digits than one in a piece:
    // "ho 1 100" is a count.
    let groups = m
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .count();
    digits < if groups > 1 { 6 } else { 4 } || year
}

/// A number partly read out that holds fewer than ten digits (a digit word is one) is no phone
/// number, and neither is one written in digits only (the patterns below judge those).
fn too_few_digits(f: &Found) -> bool {
    static DIGIT_WORD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?i)\b(?:{DIGIT_WORDS})\b")).expect("built-in pattern compiles")
    });
    let m = f.matched();
    let words = DIGIT_WORD.find_iter(m).count();
    let digits = m.chars().filter(char::is_ascii_digit).count();
    words == 0 || words + digits < 10
}

/// A birthday of the group or a campaign, not a person's: "روز تولد گروه ما ۱۲ اسفند".
fn a_groups_birthday(f: &Found) -> bool {
    has_word(
        &f.matched().to_lowercase(),
        &[
            "group",
            "groupe",
            "گروه",
            "کمپین",
            "انجمن",
            "campaign",
            "association",
            "کۆمەڵە",
            "koma",
            "kooxda",
            "ጉጅለ",
            "ማሕበር",
        ],
    )
}

/// A code of fewer than eight digits, or a date (2026-01-15, 15/01/2026).
fn short_or_date(f: &Found) -> bool {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})$")
            .expect("built-in pattern compiles")
    });
    let m = f.matched();
    m.chars().filter(char::is_ascii_digit).count() < 8 || DATE.is_match(m)
}

/// Whether ten digits fail the NHS number's modulus-11 check digit.
pub(super) fn not_an_nhs_number(m: &str) -> bool {
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

fn not_nhs(f: &Found) -> bool {
    not_an_nhs_number(f.matched())
}

/// A run of digits that is an NHS number is told as one by the NHS pattern before this one; any
/// other long run is a reference of some kind.
fn nhs_run(f: &Found) -> bool {
    !not_an_nhs_number(f.matched())
}

/// Government buildings and other public addresses that organisers write as places to protest
/// at, lobby or write to. Matched on the address as written, lower case.
#[rustfmt::skip]
const PUBLIC_ADDRESSES: &[&str] = &[
    "10 downing street", "11 downing street", "70 whitehall", "2 marsham street",
    "102 petty france", "40 wellesley road", "1 parliament street", "100 parliament street",
    "55 broadway", "20 avenue de ségur", "55 rue du faubourg saint-honoré", "57 rue de varenne",
    "1 place beauvau", "88 rosebery avenue",
    // Version 9: Downing Street as the groups' scripts write it.
    "10 داونینگ", "10 داونينگ", "10 ډاونینګ", "10 داونینګ", "10 داوننگ", "10 ڈاؤننگ",
];

/// Words that, a little before an address, say it is a public place: a protest or a venue.
#[rustfmt::skip]
const PUBLIC_CONTEXT: &[&str] = &[
    "rally", "protest", "vigil", "demo", "demonstration", "march", "picket", "outside", "lobby",
    "gather", "stall", "office", "offices", "centre", "center", "hall", "library", "church",
    "mosque", "gurdwara", "temple", "council", "tribunal", "court", "station", "school", "college",
    "university", "hospital", "clinic", "surgery", "gallery", "museum", "hub", "cafe", "café",
    "theatre", "venue", "headquarters", "hq", "manifestation", "rassemblement", "devant",
    "préfecture", "mairie", "ministère", "permanence", "tribunal", "local", "salle",
    "دادگاه", "محکمه", "محكمة", "کتابخانه", "مكتبة", "مسجد", "کلیسا", "شهرداری", "شاروالی",
    "ፍርዲ", "لونەر", "لونار", "lunar",
];

/// An address is ordinary text when it is a known public address or when a protest or a public
/// venue is named just before it ("rally outside 10 Downing Street", "the community centre at
/// 14 High Street"). A person's home address is not.
fn public_place(f: &Found) -> bool {
    let m = f.matched().trim().to_lowercase();
    if PUBLIC_ADDRESSES.iter().any(|p| m.contains(p)) {
        return true;
    }
    let before = f.before(40);
    // Someone living there is never public, whatever else is near.
    if has_word(&before, HOME_CONTEXT) {
        return false;
    }
    words(&before)
        .rev()
        .take(6)
        .any(|w| PUBLIC_CONTEXT.contains(&w))
}

/// The words of a text: runs of letters and digits.
fn words(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && !is_mark(c))
        .filter(|w| !w.is_empty())
}

/// Combining marks belong to the word they sit on (Arabic vowel signs, Ethiopic and Indic
/// marks).
pub(super) fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{135D}'..='\u{135F}')
}

/// Whether `text` holds one of `list`: a whole word, or (for entries of several words) the
/// words in a row. An entry ending in `*` is a stem: it matches a word that begins with it
/// (Latin script: "hoteelka", "otêla") or holds it (other scripts, where prefixes attach:
/// "بالفندق", "هۆتێلەکە").
fn has_word(text: &str, list: &[&str]) -> bool {
    let ws: Vec<&str> = words(text).collect();
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(stem)
            if stem.is_ascii()
                || stem
                    .chars()
                    .all(|c| c.is_alphabetic() && (c as u32) < 0x250) =>
        {
            ws.iter().any(|w| w.starts_with(stem))
        }
        Some(stem) => ws.iter().any(|w| w.contains(stem)),
        None => {
            let want: Vec<&str> = entry.split(' ').collect();
            ws.windows(want.len()).any(|w| w == want.as_slice())
        }
    })
}

/// Words before an address that say someone lives there.
#[rustfmt::skip]
const HOME_CONTEXT: &[&str] = &[
    "lives", "living", "live", "resides", "staying", "stays", "moved", "address", "habite",
    "domicilié", "domiciliée", "vit", "loge",
];

/// Room numbers: a room at a hotel or hostel is where someone lives; a room at the library is
/// a meeting place. The words after (or before) the number decide.
/// A public place, or no street name between the number and the street type: a preposition
/// or "and" there makes "رود" a river ("۲ نفر در رود", two people in the river) (version 9).
fn street_name_or_public(f: &Found) -> bool {
    const NOT_IN_A_NAME: &[&str] = &[
        "در", "به", "از", "تا", "کنار", "با", "بر", "و", "په", "له", "لە", "بۆ", "ته", "نفر", "تن",
        "کس", "کسان", "کەس",
    ];
    words(f.matched()).any(|w| NOT_IN_A_NAME.contains(&w)) || public_place(f)
}

fn not_lodging(f: &Found) -> bool {
    let around = format!("{} {}", f.before(40), f.after(50));
    !has_word(&around, LODGING)
}

/// Words that make a room number someone's home, in the languages of the groups.
#[rustfmt::skip]
const LODGING: &[&str] = &[
    "hotel*", "hôtel*", "hostel*", "ہاسٹل*", "هاسټل*", "هاستل*", "هاسٹل*", "inn", "lodge",
    "accommodation*", "barracks", "foyer*", "cada", "huda", "hébergement*", "فندق*", "نزل", "سكن*",
    "هتل*", "مهمانخانه*", "ہوٹل*", "هوټل*", "هوتل*", "هۆتێل*", "otêl*", "otel*", "ሆቴል*",
    "hudheel*", "hoteel*", "lives", "living", "stays", "staying",
];

/// "at" in an e-mail address spelled out, in the languages of the groups (and the Kurmanji
/// "li" in brackets, see `PATTERNS`); in an address the
/// French "a" and "et" too (not before a provider's name alone: "pommes et orange").
const AT_WORDS: &str = r"\bat\b|\bchez\b|\barobase\b|آت|اَت|ات|أت|ایٹ|اٹ|اټ|ئات|ئەت|ኣት|አት|ኤት";
/// Mail providers whose names are no everyday words: after a spelled-out "at", or after
/// "in"/"on" in the groups' scripts (لە, في, على)...
const PLAIN_PROVIDERS: &str = r"gmail|googlemail|hotmail|yahoo|outlook|icloud|protonmail|aol|btinternet|ymail|msn|wanadoo|laposte";
/// ...and those that are ("a free lunch", "a live stream"), after "@" only.
const WORD_PROVIDERS: &str = r"proton|live|orange|free|sfr";

/// `words` standing alone or in brackets: "(at)", "[arobase]", "(et)", "(dot)", "[point]".
fn bracketed(words: &str) -> String {
    format!(r"[(\[{{]?\s*(?:{words})\s*[)\]}}]?")
}
/// "dot" in an e-mail address spelled out, in the languages of the groups (see [`bracketed`]).
const DOT_WORDS: &str = r"(?:\bdot\b|\bpoint\b|\bpunto\b|نقطة|نقطه|دات|دوت|دۆت|ڈاٹ|ڈوٹ|ډاټ|ټکی|ټکي|خاڵ|\bxal\b|\bnuqte\b|\bnuqta\b|\bnoqte\b|ነጥቢ|ነጥብ|ዶት|\bdhibic\b)";

/// Top-level domains written out in the groups' scripts: "دوت كوم", "ነጥቢ ኦርግ".
const LOCAL_TLDS: &str =
    r"نیټ|نېټ|نیٹ|نت|نێت|كوم|کوم|کام|کۆم|ڪام|اورغ|اورج|أورغ|ارگ|اورگ|ኮም|ኦርግ|ኦርጅ";
/// Mail providers written in the groups' scripts: "amina آت جيميل".
const LOCAL_PROVIDERS: &str = r"جيميل|جی‌میل|جیمیل|جيمیل|جی\s?میل|هوتميل|هاتمیل|هات‌میل|ہاٹ\s?میل|جیمەیڵ|جیمێڵ|هۆتمەیڵ|ياهو|یاهو|یاہو|یاهوو|آؤٹ\s?لک|اوٹ\s?لک|آوتلوک|اوتلوک|ጂሜይል|ጂሜል|ያሁ";

/// Digits written as words in the languages of the groups, for phone numbers read out
/// ("zero seven seven zero zero …", "صفر سبعة سبعة …", "ዜሮ ሸውዓተ …", "eber toddoba …").
/// A number read out starts with its zero (a count or a countdown does not).
const ZERO_WORDS: &str = r"zero|oh|zéro|صفر|سفر|زیرو|زيرو|sifir|ዜሮ|eber";
const DIGIT_WORDS: &str = r"زیرو|زيرو|toddobo|zero|oh|one|two|three|four|five|six|seven|eight|nine|zéro|un|deux|trois|quatre|cinq|sept|huit|neuf|صفر|سفر|واحد|اثنان|اثنين|ثلاثة|ثلاث|أربعة|اربعة|أربع|اربع|خمسة|خمس|ستة|ست|سبعة|سبع|ثمانية|ثمانيه|ثمان|تسعة|تسع|یک|يك|دو|سه|چهار|پنج|شش|هفت|هشت|نه|ایک|تین|چار|پانچ|چھ|سات|آٹھ|نو|یو|دوه|درې|دری|څلور|پنځه|شپږ|اووه|اوه|اته|نهه|یەک|دوو|سێ|چوار|پێنج|شەش|حەوت|هەشت|نۆ|sifir|yek|du|sê|çar|pênc|şeş|heft|heşt|neh|ዜሮ|ሓደ|ክልተ|ሰለስተ|ኣርባዕተ|ሓሙሽተ|ሽዱሽተ|ሸውዓተ|ሸሞንተ|ትሽዓተ|አንድ|ሁለት|ሶስት|ሦስት|አራት|አምስት|ስድስት|ሰባት|ስምንት|ዘጠኝ|eber|kow|laba|saddex|afar|shan|lix|toddoba|siddeed|sagaal";

/// Names of months in the languages of the groups, for dates written in words.
const MONTHS: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر|كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين|فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|جنوری|فروری|مارچ|اپریل|مئی|جون|جولائی|اگست|ستمبر|اکتوبر|نومبر|دسمبر|حمل|ثور|جوزا|سرطان|اسد|سنبله|میزان|عقرب|قوس|جدی|دلو|حوت|وری|غویی|غبرګولی|چنګاښ|زمری|وږی|وږي|تله|لړم|لیندۍ|مرغومی|سلواغه|کب|jannaayo|febraayo|maarso|abriil|luulyo|agoosto|sebtembar|oktoobar|nofembar|desembar|መስከረም|ጥቅምቲ|ጥቅምት|ሕዳር|ኅዳር|ታሕሳስ|ታኅሣሥ|ጥሪ|ጥር|ለካቲት|የካቲት|መጋቢት|ሚያዝያ|ግንቦት|ሰነ|ሰኔ|ሓምለ|ሐምሌ|ነሓሰ|ነሐሴ|ጳጉሜ";

/// What introduces a date of birth, in the languages of the groups (version 7: the Pashto
/// "زېږدنه", birth, written without the second vowel).
const BIRTH_LABELS: &str = r"زادروز|تاريخ\s+ميلاد|ميلاده|ميلادها|زیږېدو|زیږیدو|زېږيدو|زیږېدلی|زیږېدلې|لەدایک\s*ب|ወለድ|ወልደ|ልደቱ|ልደታ|ልደቷ|ልደትኪ|ልደትካ|\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bbirthday\b|\bborn\b|\bb\.\s|\bnée?\b|\bnaissance\b|\bddn\b|تاريخ\s+الميلاد|تاريخ\s+الولادة|الميلاد|مواليد|مواليد|\bولد\b|\bولدت\b|\bمولود\b|\bمولودة\b|تاریخ\s+تولد|متولد|تولد|به\s+دنیا\s+آمد|بدنیا\s+آمد|تاریخ\s+پیدائش|پیدائش|پیدا\s+ہو|پیدا\s+شو|پیدایښت|نړۍ\s+ته\s+راغل|ز[ېیي]ږ[ېیي]د|\bzokra\b|\bzokre\b|زیږیدو|زېږېدو|زیږیدلی|زیږېدلې|زېږېدلی|زېږېدلي|زیږیدلي|ز[ېیي]ږون|زوکړه|زوکړې|کلیزه\s+یې|هغ[هې]\s+کلیزه|لەدایکبوون|لە\s+دایک\s+بوو|jidayikbûn|ji\s+dayik\s+bû|bûyîn|hatiye\s+dinyayê|hat\s+dinyayê|زېږېدنه|زیږیدنه|زیږېدنه|زېږیدنه|ز[ېیي]ږدن|سالگرہ|سالگره|ዕለተ\s*ልደት|ዝተወለደ|ዝተወልደ|ዝተወልደት|ተወሊደ|ተወሊዱ|ተወሊዳ|ልደት|የትውልድ|የተወለደ|ተወለደ|ተወለደች|dhalash|dhashay|dhalat|\bdh\.";

/// A date of birth: a label, then (within a few words, in the same sentence) a date or a
/// year.
fn dob_pattern() -> String {
    // Years of the Gregorian, Solar Hijri (13xx, 14xx) and Ethiopian calendars; a suffix may
    // follow ("2008an" in Kurmanji).
    let date = format!(
        r"(?:\b\d{{1,2}}\s*[./-]\s*\d{{1,2}}\s*[./-]\s*(?:\d{{4}}|\d{{2}})\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:19|20|13|14)\d{{2}}(?:[^\d]|$)|\b\d{{1,2}}(?:st|nd|rd|th|er|مه)?\s+(?:of\s+)?(?:{MONTHS})\b|(?:{MONTHS})\s+(?:په\s+)?\d{{1,2}}(?:مه)?\b)"
    );
    // Arabic and Persian yeh are one letter here: "پيدا شوی" is "پیدا شوی" (a nested class
    // keeps the classes that already hold both).
    let labels = BIRTH_LABELS.replace(['ی', 'ي'], "[یي]");
    // A label then a date ("born 12 March 1988"), or a date then a label ("۱۸ جون ۲۰۱۶ کو پیدا
    // ہوئی", "ብ 3 ለካቲት 2008 ዝተወልደ").
    format!(r"(?i)(?:{labels})[^\n;!?]{{0,48}}?{date}|{date}[^\n;!?]{{0,32}}?(?:{labels})")
}

/// Street types of addresses in the UK and France, for "42 Acacia Road", "12 rue des Lilas".
const STREET: &str = r"road|rd|street|st|avenue|ave|highway|hwy|lane|ln|close|drive|dr|way|crescent|cres|grove|gardens|gdns|place|pl|terrace|tce|court|ct|square|sq|mews|walk|hill|row|rise|view|green|parade|vale|park|estate|house|tower|towers|court";

/// Words that introduce a phone number, in the languages of the groups.
const PHONE_LABELS: &str = r"\b(?:phone|tel|telephone|mobile|mob|cell|whatsapp|signal|call|ring|text|contact|numéro|portable|téléphone|tél|appeler|joindre)\b|هاتف|جوال|موبايل|واتساب|واتس|تلفون|اتصل|تلفن|موبایل|واتساپ|زنگ|فون|موبائل|کال|ټیلیفون|ټلیفون|موبایل|زنګ|تەلەفۆن|مۆبایل|واتسئەپ|پەیوەندی|\btelefon\b|\bhejmar(?:a|ê|ek)?\b|ስልኪ|ስልክ|ቴሌፎን|\btaleefan(?:ka|kiisa|keeda)?\b|\bmobaylk(?:a|iisa|eeda)\b|\bwac\b|\bnumbark(?:a|iisa|eeda)\b|\blambark(?:a|iisa|eeda)\b";

/// Words for a house or a flat (someone's home), in the groups' languages. Version 7: the
/// Persian "house" with a possessive ending ("خانه‌اش" his or her house, the joiner gone from
/// the private copy).
const HOME_WORDS: &str = r"\bflats?|\bapartments?|\bapt\b|\bappartements?|\bappt\b|\bmaisonettes?|\bhouse\s+(?:no|number)\b|شقة|شقه|البيت\b|بيت\b|منزل\b|المنزل\b|آپارتمان|خانه\b|خانهی|خانه(?:اش|ش|شان|مان|تان)\b|پلاک|فلیٹ|فلېټ|فلیټ|فلت\b|مکان\b|گھر\b|کور\b|ماڵی\b|ماڵ\b|\bmala\b|\bmalê\b|\bmal\b|ገዛ|ቤት|ፍላት|\bguriga|\bguri\b|\baqalka|\bfalaadh(?:ka)?|\bxaniy(?:ê|a|ek|ekî)\b|\bxanî\b|\bda[iî]re(?:ya|yê|ê|a)?";

/// What a label may carry joined to it: the endings of scripts that write them on the word
/// ("شقتها", "ژووری", "ክፍሉ"), never Latin letters: in Latin script a label is a whole word, so
/// that "flata 1" is not read as "flat A 1" (a digit may still be joined: "flat3", "room12").
const SUFFIX: &str = r"[\p{Arabic}\p{Ethiopic}\p{M}]*";

/// Words for a room, in the groups' languages (a home only where the context says so).
/// Version 7: Kurmanji "jûre" (room) beside "ode".
const ROOM_WORDS: &str = r"\brooms?|\brm\b|\bchambres?|غرفة|غرفه|اتاق|کمرہ|کمره|کوټه|کوټې|ژووری|ژوور|\bodey(?:a|ê)|\boda\b|\bjûre(?:ya|yê|yên|yek)?\b|ክፍሊ|ክፍል|\bqolka|\bqol\b";

/// Words for a street, in the groups' languages other than English (see `STREET`).
const STREET_WORDS: &str =
    r"شارع|خیابان|کوچه|کوچه‌ی|روڈ|روڈ|سڑک|سړک|سرک|شەقام|\bkolan(?:a|ê|ên)?|\bwaddada|\bjidka|ጎደና";

/// English street types as Persian, Pashto, Urdu and Sorani write them after the street's
/// name ("۱۴ مېپل روډ", "۵۸ گرینفیلد رود", "١٤ مەیپڵ ڕۆد") (version 9; version 10: the Pashto
/// spellings of lane and street with ې, "۲۳ ګرین لېن").
const STREET_AFTER_WORDS: &str = r"رود|روډ|روڈ|ڕۆد|رۆد|استریت|سټریټ|ستریټ|سټریت|ستریت|سترێت|ایونیو|اونیو|ئەڤنیو|کلوز|کلۆز|درایو|ډرایو|تراس|ټېرس|ټیرس|تیرس|گاردنز|ګارډنز|لین|لەین|لېن|سټرېټ|سترېټ";

/// Words that say "number" before a number, in the groups' languages.
const NUMBER_WORDS: &str = r"\bno\b\.?|\bnumber\b|\bnº|n°|\bnr\b|رقم|شماره|شمارهٔ|شماره‌ی|نمبر|شمېره|شمیره|ژمارە|ژمارەی|\bhejmar(?:a|ê|ek|eke)?\b|ቁጽሪ|ቁጥር|\blambarka\b|\bnambarka\b";

/// Labels that introduce a reference number, in the languages of the groups.
const REFERENCE_LABELS: &str = r"\b(?:home\s+office|ho|case|port|uan|cid|nass|asylum|claim|file|client|application|appeal|arc|brp|asr|asu|gwf|passport|visa|residence\s+permit|reference|ref)\b(?:\s*(?:(?:ref(?:erence)?|no|nr|number|num|id|card)\b|#)\.?)*\s*[:#]?\s*|(?:\b(?:référence|numéro|numero|dossier|agdref|titre\s+de\s+séjour|passeport)\b|\bn°)(?:\s+(?:(?:de|du|étranger|dossier|passeport|agdref)\b|d'))*\s*[:#n°]*\s*|(?:رقم|الرقم)\s+(?:المرجع|المرجعي|الملف|القضية|الطلب|جواز\s+السفر|الإقامة|الاقامة|البطاقة|اللجوء|الحالة|مرجع|مرجعه|مرجعها|مرجعي|ملف|ملفه|ملفها|قضيته|قضيتها|طلبه|طلبها|جوازه|جوازها|إقامته|إقامتها|اقامته|اقامتها|بطاقته|بطاقتها|لجوئه|لجوئها)\s*[:#]?\s*|(?:المرجع|مرجعه|مرجعها|الرقم\s+المرجعي)\s*[:#]\s*|(?:ریفرنس|ریفرینس|رفرنس|ڕیفرێنس|ریفرێنس)(?:\s+(?:نمبر|شمیره|شمېره|شماره|ژمارە))?\s*[:#]?\s*|کد\s+رهگیری\s*[:#]?\s*|(?:ሪፈረንስ|ረፈረንስ|ማጣቀሻ)(?:\s+(?:ቁጽሪ|ቁጥር))?\s*[:#]?\s*|(?:ቁጽሪ|ቁጥር)\s+(?:ፋይል|ፋይሉ|ፋይላ|ጉዳይ|ጉዳዩ|ጉዳያ|ፓስፖርት|ፓስፖርቱ|ፓስፖርታ|ሆም\s+ኦፊስ)\s*[:#]?\s*|شماره\s+(?:پرونده|مرجع|پاسپورت|گذرنامه|کارت|درخواست)\s*[:#]?\s*|کد\s+پرونده\s*[:#]?\s*|(?:حوالہ|کیس|فائل|پاسپورٹ|درخواست)\s+نمبر\s*[:#]?\s*|(?:د\s+)?(?:دوسیې|قضیې|پاسپورټ|غوښتنلیک)\s+(?:شمیره|شمېره|نمبر)\s*[:#]?\s*|ژمارەی\s+(?:دۆسیە|پاسپۆرت|داواکاری|کەیس)\s*[:#]?\s*|\b(?:hejmara|jimara)\s+\w+\b\s*[:#]?\s*|(?:ቁጽሪ|ቁፅሪ|ቁጥር|የፋይል\s+ቁጥር|የፓስፖርት\s+ቁጥር|መወከሲ)\s*[:#]?\s*|\b(?:lambarka|tixraaca|tixraac|nambarka)\b(?:\s+\w+\b)?\s*[:#]?\s*";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    // Spelled out between a user and a domain that ends in a dot word and a top-level domain,
    // "at" may also be the groups' word for "on" or "in" (fatima على example نقطة org) or "@"
    // itself.
    let at = bracketed(&format!(
        r"{AT_WORDS}|\ba\b|\bet\b|على|علی|في|فی|لە|له|په|پہ|\bcalaamadda(?:\s*@)?|@"
    ));
    // Kurmanji "li" (at, in) is too common a word to be read as "at" unless it is bracketed:
    // "zana (li) example (xal) com".
    let at = format!(r"{at}|[(\[{{]\s*li\s*[)\]}}]");
    let at_before_provider = bracketed(AT_WORDS);
    let dot = bracketed(DOT_WORDS);
    let p = |kind, re: &str, except| Pattern {
        kind,
        re: Regex::new(re).expect("built-in pattern compiles"),
        except,
    };
    vec![
        // name@domain.tld, also with "(at)" / "[at]".
        p(
            Email,
            r"(?i)[a-z0-9._%+-]+\s*(?:@|\(at\)|\[at\]|\{at\}|\(a\)|\[a\]|\(arobase\)|\[arobase\]|\(li\)|\[li\])\s*[a-z0-9-]+(?:\s?\.\s?[a-z0-9-]+)*\s?\.\s?[a-z]{2,}",
            never,
        ),
        // "name at domain dot com", "name[at]domain[dot]org": spelled out, ending in a common
        // top-level domain (so that "meet at the hall" stays ordinary text).
        p(
            Email,
            &format!(
                r"(?i)\b[a-z0-9._%+-]+\s*[)\]}}]?\s*(?:{at})\s*[(\[{{]?\s*[a-z0-9-]+\s*[)\]}}]?(?:\s*(?:\.|{dot})\s*[(\[{{]?\s*[a-z0-9-]+\s*[)\]}}]?)*?\s*(?:{dot}|\.)\s*[(\[{{]?\s*(?:(?:com|org|net|info|co|uk|fr|de|io|me|edu|gov|ac|iq|ir|af|so|er|et|pk|sy|sd|tr|eu)\b|{LOCAL_TLDS})"
            ),
            never,
        ),
        // A user at a mail provider, with or without the rest: "amina at gmail", "x @ hotmail".
        p(
            Email,
            &format!(
                r"(?i)\b[a-z0-9._%+-]{{2,}}\s*[)\]}}]?\s*(?:@\s*[(\[{{]?\s*(?:(?:{PLAIN_PROVIDERS}|{WORD_PROVIDERS})\b|{LOCAL_PROVIDERS})|(?:{at_before_provider}|لە|له|في|على|\bli\b)\s*[(\[{{]?\s*(?:(?:{PLAIN_PROVIDERS})\b|{LOCAL_PROVIDERS}))"
            ),
            never,
        ),
        // A phone number read out digit by digit: a zero and eight or more digit words after
        // it, with spaces, commas or dashes between.
        p(
            Phone,
            &format!(
                r"(?i)\b(?:{ZERO_WORDS})\b[\s,،.\-፡፣]*(?:\b(?:{DIGIT_WORDS})\b[\s,،.\-፡፣]*){{8,}}"
            ),
            never,
        ),
        // ... or partly read out, partly in digits ("sifir heft heft sifir sifir 900 461"):
        // starting with a zero, ten digits or more in all.
        p(
            Phone,
            &format!(
                r"(?i)(?:\b(?:{ZERO_WORDS})\b|\b0\d{{2,4}}\b)(?:[\s,،.\-፡፣]*(?:\b(?:{DIGIT_WORDS})\b|\d+))+"
            ),
            too_few_digits,
        ),
        // +44 7700 900123, 0044 20 7946 0958, +1 (555) 010-9999
        p(
            Phone,
            r"(?:\+|\b00)\s?\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?(?:\(?\d+\)?[\s.-]?){2,6}\d",
            never,
        ),
        // Local numbers: 0 then 9 or 10 more digits, however separated (spaces, dashes, dots,
        // brackets: "(0121) 496.0000"), except a date followed by a time ("05-12-2026 18:30").
        p(
            Phone,
            r"\b0(?:[\s.()/\-]{0,2}\d){9,10}\b",
            date_then_time_or_service,
        ),
        // A number introduced as a phone number, however written: eight digits or more.
        p(
            Phone,
            &format!(r"(?i)(?:{PHONE_LABELS})[^\d\n]{{0,16}}\(?\d(?:[\s.()\-/]{{0,3}}\d){{7,}}"),
            date_then_time,
        ),
        // UK postcodes: outward code, optional space, inward code.
        p(
            Postcode,
            r"(?i)\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b",
            ordinal_inward,
        ),
        // National Insurance numbers: AB 12 34 56 C, AB-123-456-C, and the QQ prefix of the
        // examples people copy.
        p(
            NationalInsurance,
            r"(?i)\b(?:[A-CEGHJ-PR-TW-Z]{2}|QQ)[\s-]?(?:\d[\s-]?){6}[A-D]\b",
            never,
        ),
        // ... or introduced as one, with the final letter left off.
        p(
            NationalInsurance,
            r"(?i)\b(?:n\.?i\b\.?|nino\b|national\s+insurance\b)(?:\s+(?:no|number|num)\b)?\.?\s*[:#]?\s*[A-Z]{2}[\s-]?(?:\d[\s-]?){6}",
            never,
        ),
        // NHS numbers written in groups (943 476 5919, 943-476-5919) or whole, when the check
        // digit holds (modulus 11), so that other 3-3-4 groups stay ordinary text.
        p(NhsNumber, r"\b\d{3}[\s.-]?\d{3}[\s.-]?\d{4}\b", not_nhs),
        // A date of birth, in any of the groups' languages.
        p(DateOfBirth, &dob_pattern(), a_groups_birthday),
        // Home Office references (A1234567, B1234567/2), BRP numbers (ZU1234567), GWF numbers.
        p(
            Reference,
            r"(?i)\b(?:GWF\d{9}|[A-Z]{1,2}\d{7}(?:/\d{1,3})?)\b",
            never,
        ),
        // Asylum support references with a year (S95/2025/330918), and ARC numbers (ABC
        // 123456 7 / GBR).
        p(
            Reference,
            r"(?i)\b[A-Z]{1,4}\d{1,3}/(?:19|20)\d{2}/\d{4,7}\b|\b[A-Z]{3}[\s/-]?\d{6,8}(?:\s?\d)?\s?/\s?GBR\b",
            never,
        ),
        // Port references (LHR/12345678), unique application numbers (1234-5678-9012-3456),
        // tribunal appeal references (PA/12345/2026, HU/01234/2025, UI-2024-001234).
        p(
            Reference,
            r"(?i)\b[A-Z]{2,4}/\d{2,4}/(?:\d{2}/)?\d{4,6}\b|\b[A-Z]{3}/\d{5,}\b|\b\d{4}[\s-]\d{4}[\s-]\d{4}[\s-]\d{4}\b|\b[A-Z]{2}/\d{4,6}/\d{2,4}\b|\b(?:UI|JR|IA|AA)[-/ ]\d{4}[-/ ](?:[A-Z]{3}[-/ ])?\d{4,7}\b|\b[A-Z]{2,4}/\d{4,6}/[A-Z]{1,4}\b",
            never,
        ),
        // A reference introduced as one: "case ref: 88AB12", "HO no. K123456", "رقم الملف
        // 448812", "lambarka kiiska 55120".
        p(
            Reference,
            &format!(r"(?i)(?:{REFERENCE_LABELS})[A-Z0-9][A-Z0-9/-]*(?:\s\d[\d/-]*)*"),
            not_a_code,
        ),
        // A Home Office reference written in groups (B 123 4567, H-1234567/2).
        p(
            Reference,
            r"(?i)\b[A-Z]{1,2}[\s-]?\d{3}[\s-]?\d{4}(?:/\d{1,3})?\b",
            never,
        ),
        // A word for "number" and, within three words, a code of six digits or more ("رقم
        // الهوم أوفيس 4471902", "number on the letter: 448812").
        p(
            Reference,
            &format!(
                r"(?i)(?:{NUMBER_WORDS})(?:\s+[^\s\d]+){{0,4}}?\s*[:#]?\s*[A-Z]{{0,3}}[\s-]?\d{{6,}}"
            ),
            never,
        ),
        // ... or a code in groups ("تذکرې نمبر ۱۴۰۰-۰۱۰۱-۵۵۸۲۱"): eight digits or more that are
        // no date.
        p(
            Reference,
            &format!(
                r"(?i)(?:{NUMBER_WORDS})(?:\s+[^\s\d]+){{0,3}}?\s*[:#]?\s*\d{{2,}}(?:[-/.]\d{{2,}}){{1,4}}"
            ),
            short_or_date,
        ),
        // Any run of seven or more digits: passport and case numbers, phone numbers written
        // without a leading zero (an NHS number among them was told above). Amounts are written
        // with separators (12,000).
        p(Reference, r"\d{7,}", nhs_run),
        // A home address: "42 Acacia Road", "Flat 3, 15 Mill Lane", "12 rue des Lilas".
        p(
            Address,
            &format!(
                r"\b\d{{1,4}}[a-zA-Z]?,?\s+(?:[A-Z][\w'’-]*\s+){{1,3}}(?i:{STREET})\b|(?i)\b\d{{1,4}}(?:\s*(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|allée|allee|impasse|chemin|quai|cours|route|résidence|residence|cité|cite)\s+\w"
            ),
            public_place,
        ),
        // A house or flat with its number, either way round ("flat 3", "البيت رقم ٣١",
        // "۶۱ نمبر کور", "ገዛ ቁጽሪ 33", "guriga 71"): someone's home.
        p(
            Address,
            &format!(
                r"(?i)(?:{HOME_WORDS}){SUFFIX}\.?\s*(?:{NUMBER_WORDS})?\s*[:#]?\s*\d{{1,4}}|\b\d{{1,4}}\w{{0,3}}\s*(?:{NUMBER_WORDS})?\s*(?:{HOME_WORDS}){SUFFIX}\b"
            ),
            never,
        ),
        // A street with a number in the groups' languages ("١٩ شارع ألبرت", "کوچه ۱۲").
        p(
            Address,
            &format!(
                r"(?i)\b\d{{1,4}}\w{{0,3}}[،,]?\s*(?:{STREET_WORDS}){SUFFIX}\b|(?:{STREET_WORDS}){SUFFIX}\s+\S+\s*(?:{NUMBER_WORDS})\s*\d{{1,4}}"
            ),
            public_place,
        ),
        // Version 9: a number, one to three words and an English street type as the groups'
        // scripts write it ("۱۴ مېپل روډ", "٥٨ گرینفیلد رود").
        p(
            Address,
            &format!(
                r"\b\d{{1,4}}[،,]?\s+(?:[^\s\d،,.]+\s+){{1,3}}(?:{STREET_AFTER_WORDS})(?:[\s،,.]|$)"
            ),
            street_name_or_public,
        ),
        // A room, with its number either side, where someone lives: at a hotel or hostel
        // ("room 214 at the Britannia Hotel", "ژووری ٣٢ی هۆتێلەکە", "۴۰۶مه کوټه").
        p(
            Address,
            &format!(
                r"(?i)(?:{ROOM_WORDS}){SUFFIX}\.?\s*(?:{NUMBER_WORDS})?\s*[:#]?\s*\d{{1,4}}[a-z]?|\b\d{{1,4}}\w{{0,3}}\s*(?:{NUMBER_WORDS})?\s*(?:{ROOM_WORDS}){SUFFIX}\b"
            ),
            not_lodging,
        ),
    ]
});

/// The first personal data the patterns find in `text` (already normalised).
pub(super) fn find(text: &str) -> Option<PersonalDataKind> {
    for pattern in PATTERNS.iter() {
        let hit = pattern.re.find_iter(text).any(|m| {
            let found = Found {
                text,
                start: m.start(),
                end: m.end(),
            };
            !(pattern.except)(&found)
        });
        if hit {
            return Some(pattern.kind);
        }
    }
    None
}
