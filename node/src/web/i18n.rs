//! Translations and local formats: English, Arabic and French.
//!
//! Texts are Fluent messages in `node/locales/{en,ar,fr}/main.ftl`, compiled into the binary.
//! Numbers and dates are formatted by small hand tables below rather than an ICU crate: three
//! languages need only their digits, their grouping separator and their month names, and a
//! full ICU data set would dwarf the node. Fluent is told to use the same number formatter, so a
//! count inside a translated sentence reads the same as a count in a table.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use commonground_protocol::ids::{Day, Period};

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    En,
    /// Arabic, written right to left.
    Ar,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ar, Lang::Fr];

    /// The language's tag, as in `lang="…"`, `?lang=` and the `lang` cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
            Lang::Fr => "fr",
        }
    }

    /// The language named by a tag such as `fr`, `fr-CA` or `AR`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The language's name in itself, for the switch.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ar => "العربية",
            Lang::Fr => "Français",
        }
    }

    /// Whether the language is written right to left.
    pub fn rtl(self) -> bool {
        self == Lang::Ar
    }

    /// `rtl` or `ltr`, for the `dir` attribute.
    pub fn dir(self) -> &'static str {
        if self.rtl() { "rtl" } else { "ltr" }
    }

    /// The best language for an `Accept-Language` header (quality values respected), or English.
    pub fn negotiate(accept: &str) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for part in accept.split(',') {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::En, |(l, _)| l)
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        let b = &*BUNDLES;
        match self {
            Lang::En => &b.en,
            Lang::Ar => &b.ar,
            Lang::Fr => &b.fr,
        }
    }

    /// Whether the language has a message `id`.
    pub fn has(self, id: &str) -> bool {
        self.bundle().has_message(id)
    }

    /// The message `id`, or the id itself if the message is missing (a test keeps all three
    /// languages complete).
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with arguments. Numbers given as [`FluentValue::Number`] select plural
    /// forms and are formatted for the language.
    pub fn t_args(self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(id, Some(&fa))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, lang = self.tag(), "missing translation");
            return id.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(
                id,
                lang = self.tag(),
                ?errors,
                "translation did not format cleanly"
            );
        }
        text.into_owned()
    }

    /// What goes between a label and its value ("Housing: 12"): French puts a narrow no-break
    /// space before the colon.
    pub fn colon(self) -> &'static str {
        match self {
            Lang::Fr => "\u{202F}: ",
            Lang::En | Lang::Ar => ": ",
        }
    }

    /// What separates the parts of a one-line summary ("3 December · Meeting · 12 people"): a
    /// middle dot, but in Arabic the Arabic comma, since a dot beside Arabic-Indic digits reads
    /// as their zero (٠): "٣١ · " would look like 310.
    pub fn sep(self) -> &'static str {
        match self {
            Lang::Ar => "\u{060C} ",
            Lang::En | Lang::Fr => " · ",
        }
    }

    /// An integer with this language's digits and grouping: `12,345`, `12 345`, `١٢٬٣٤٥`.
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let (sep, zero) = match self {
            Lang::En => (',', '0'),
            // French groups with a narrow no-break space.
            Lang::Fr => ('\u{202F}', '0'),
            // Arabic-Indic digits with the Arabic thousands separator.
            Lang::Ar => ('\u{066C}', '\u{0660}'),
        };
        let mut out = String::new();
        if n < 0 {
            out.push('-');
        }
        let len = digits.len();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (len - i).is_multiple_of(3) {
                out.push(sep);
            }
            let v = d.to_digit(10).unwrap_or(0);
            out.push(char::from_u32(zero as u32 + v).unwrap_or(d));
        }
        out
    }

    fn month_name(self, month: u8) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const AR: [&str; 12] = [
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ];
        let table = match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
            Lang::Ar => &AR,
        };
        table[usize::from(month.clamp(1, 12)) - 1]
    }

    /// A day, in words: `2 December 2026`, `2 décembre 2026`, `٢ ديسمبر ٢٠٢٦`.
    pub fn date(self, day: Day) -> String {
        let d = day.date();
        format!(
            "{} {} {}",
            self.number(i64::from(d.day())),
            self.month_name(u8::from(d.month())),
            self.year(d.year())
        )
    }

    /// A month: `December 2026`, `décembre 2026`, `ديسمبر ٢٠٢٦`.
    pub fn period(self, period: Period) -> String {
        format!(
            "{} {}",
            self.month_name(period.month()),
            self.year(period.year())
        )
    }

    /// A year: digits of the language, never grouped.
    fn year(self, year: i32) -> String {
        let plain = Lang::En.number(i64::from(year)).replace(',', "");
        match self {
            Lang::Ar => plain
                .chars()
                .map(|c| {
                    c.to_digit(10)
                        .and_then(|v| char::from_u32(0x0660 + v))
                        .unwrap_or(c)
                })
                .collect(),
            _ => plain,
        }
    }
}

/// The three bundles, built once from the files compiled into the binary.
struct Bundles {
    en: FluentBundle<FluentResource>,
    ar: FluentBundle<FluentResource>,
    fr: FluentBundle<FluentResource>,
}

/// The Fluent sources, by language.
pub const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("../../locales/en/main.ftl")),
    (Lang::Ar, include_str!("../../locales/ar/main.ftl")),
    (Lang::Fr, include_str!("../../locales/fr/main.ftl")),
];

/// Formats whole numbers inside Fluent messages with [`Lang::number`].
fn fluent_number(lang: Lang, v: &FluentValue) -> Option<String> {
    match v {
        FluentValue::Number(n) if n.value.fract() == 0.0 => Some(lang.number(n.value as i64)),
        _ => None,
    }
}

fn number_en<M>(v: &FluentValue, _: &M) -> Option<String> {
    fluent_number(Lang::En, v)
}

fn number_ar<M>(v: &FluentValue, _: &M) -> Option<String> {
    fluent_number(Lang::Ar, v)
}

fn number_fr<M>(v: &FluentValue, _: &M) -> Option<String> {
    fluent_number(Lang::Fr, v)
}

fn build(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Pages mark user text with <bdi> themselves; isolation marks would only clutter copies.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::En => number_en,
        Lang::Ar => number_ar,
        Lang::Fr => number_fr,
    }));
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(lang = lang.tag(), ?errors, "translation file has errors");
        res
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            lang = lang.tag(),
            ?errors,
            "translation file has duplicate messages"
        );
    }
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| {
    let [(_, en), (_, ar), (_, fr)] = SOURCES;
    Bundles {
        en: build(Lang::En, en),
        ar: build(Lang::Ar, ar),
        fr: build(Lang::Fr, fr),
    }
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The message ids of a Fluent file (lines `id = ...` at the start of a line).
    fn ids(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter_map(|l| l.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| id.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter(|id| {
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_language_has_every_message_and_parses() {
        let en = ids(SOURCES[0].1);
        assert!(en.len() > 50, "{}", en.len());
        for (lang, source) in SOURCES {
            assert!(
                FluentResource::try_new(source.to_string()).is_ok(),
                "{lang:?} parses"
            );
            assert_eq!(ids(source), en, "{lang:?} differs from English");
            for id in &en {
                assert!(lang.bundle().has_message(id), "{lang:?} lacks {id}");
            }
        }
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::Fr.number(12_345), "12\u{202F}345");
        assert_eq!(Lang::Ar.number(1_234), "١٬٢٣٤");
        assert_eq!(Lang::En.number(-5), "-5");
        assert_eq!(Lang::En.number(999), "999");
        let day: Day = "2026-12-02".parse().unwrap();
        assert_eq!(Lang::En.date(day), "2 December 2026");
        assert_eq!(Lang::Fr.date(day), "2 décembre 2026");
        assert_eq!(Lang::Ar.date(day), "٢ ديسمبر ٢٠٢٦");
        assert_eq!(Lang::Fr.period("2026-08".parse().unwrap()), "août 2026");
    }

    #[test]
    fn fluent_numbers_use_the_same_formatter_and_plurals() {
        let n = |v: i64| [("n", FluentValue::from(v))];
        assert_eq!(Lang::En.t_args("minutes-ago", &n(1)), "1 minute ago");
        assert_eq!(
            Lang::En.t_args("minutes-ago", &n(1200)),
            "1,200 minutes ago"
        );
        assert!(Lang::Ar.t_args("minutes-ago", &n(12)).contains("١٢"));
        assert!(Lang::Fr.t_args("minutes-ago", &n(3)).contains("3 minutes"));
    }

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(Lang::negotiate("ar-EG,ar;q=0.9,en;q=0.5"), Lang::Ar);
        assert_eq!(Lang::negotiate("de-DE, fr;q=0.4, en;q=0.3"), Lang::Fr);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate("fr;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }
}
