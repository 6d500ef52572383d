//! Version 14: a learned scorer for people's names in Pashto text, beside the rules. Version 15
//! gives it six more facts (the sentence's last word, the word with its neighbours), more
//! notes to learn from, and a new threshold. Version 17 gives it the rules' own findings as
//! facts: in a text it weighs, a word it weighs is a name when its score says so, the rule that
//! finds a name there (unless a decisive one, see `DECISIVE` in [`super`]) being one of its
//! facts, so that it learns how far each rule is to be trusted next to the word's other facts.
//! Version 18 gives it the word's first two and three letters as facts, leaves dictionary words
//! in Latin letters to the rules, and learns its weights with a stronger penalty on their size
//! (see the example), so that they lean less on single words the notes happen to hold.
//! Version 19 gives it the sentence's last two words (most often a compound verb: "انتظار
//! کوي", waits), alone and with the word's class, and learns from 1,599 more notes.
//! Version 20 takes a sentence's last words in the word's own kind of script, so that Pashto
//! followed by French or English in one sentence still ends at its Pashto verb.
//!
//! The rules of [`super`] tell a name by lists and frames; in Pashto, where many given names
//! are everyday words (امید hope, بهار spring, ستوری star) and the lists miss many names,
//! frames written by hand did not generalise to new text. This scorer weighs, for each word of
//! a Pashto text, thirty-one facts about the word and its neighbours (which lists and
//! dictionaries hold it, its ending, the words before and after it, the sentence's last word)
//! with weights learned from made-up Pashto notes whose names are marked
//! (`protocol/data/names/pashto_model.tsv`, built by `cargo run --release -p
//! commonground-protocol --example pashto_model -- train`; see that example).
//!
//! A word is a name when the sum of the weights of its facts exceeds [`THRESHOLD`]. Weights are
//! integers, so that every implementation adds them to the same sum (PROTOCOL.md §9c). The
//! scorer is pure: the weights are part of the rules, compiled in.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use super::{
    FUNCTION_WORDS, LISTS, NAME_PARTS, NAME_SECOND_HALVES, Token, ambiguous, common,
    everyday_by_rules, family, given, in_list, name_shaped, pashto_noun_shaped, sorani, strong,
    written,
};

const WEIGHTS: &str = include_str!("../../../data/names/pashto_model.tsv");

/// A word whose facts weigh more than this (in thousandths) is a person's name.
pub(super) const THRESHOLD: i64 = 1000;

static MODEL: LazyLock<HashMap<&'static str, i64>> = LazyLock::new(|| parse(WEIGHTS));

/// The weights file: `#` comments, then one `fact<TAB>weight` per line (weight an integer, in
/// thousandths). The file shipped has no other line and no fact twice (a unit test says so).
pub(super) fn parse(text: &str) -> HashMap<&str, i64> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (fact, weight) = l.split_once('\t')?;
            Some((fact, weight.trim().parse().ok()?))
        })
        .collect()
}

/// The lists and dictionaries that hold a word: `9` for a word with a digit; otherwise `Xc` or
/// `Xl` for a capitalised or lower-case word of a script with case, then a letter for each of:
/// G given name, F family name, A name that is also a word, S well-attested name, P Pashto
/// dictionary, C (if not P) other everyday word, L town, W function word, N shaped as a Pashto
/// plural, doer, oblique or verb; U if none holds it.
pub(super) fn class(t: &Token) -> String {
    if t.text.chars().any(|c| c.is_numeric()) {
        return "9".to_string();
    }
    let mut s = String::new();
    if t.cased {
        s.push_str(if t.capital { "Xc" } else { "Xl" });
    }
    let pashto = LISTS.pashto.contains(&t.folded);
    for (holds, letter) in [
        (given(t), 'G'),
        (family(t), 'F'),
        (ambiguous(t), 'A'),
        (strong(t), 'S'),
        (pashto, 'P'),
        (!pashto && common(t), 'C'),
        (written(t).any(|f| LISTS.places.contains(f)), 'L'),
        (in_list(t, FUNCTION_WORDS), 'W'),
        (pashto_noun_shaped(t), 'N'),
    ] {
        if holds {
            s.push(letter);
        }
    }
    if s.is_empty() || (s.starts_with('X') && s.len() == 2) {
        s.push('U');
    }
    s
}

/// The word at `i` as a neighbour sees it: its folded form, or `^` before the text or a
/// sentence and `$` after.
fn neighbour(ts: &[Token], i: Option<usize>, before: bool) -> &str {
    match i.and_then(|k| ts.get(k)) {
        Some(t) => &t.folded,
        None if before => "^",
        None => "$",
    }
}

/// The last `n` characters of `s` (all of it if it is shorter).
fn last(s: &str, n: usize) -> &str {
    s.char_indices()
        .rev()
        .nth(n - 1)
        .map_or(s, |(k, _)| &s[k..])
}

/// The first `n` characters of `s` (all of it if it is shorter).
fn first(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(k, _)| &s[..k])
}

/// Pashto's particles "of", "in", "to", "with", "for", "in" (postposition), "that", "is" and
/// "his, her": compared folded, so also as typed on a Persian or Arabic keyboard (کی, چی, یی).
#[rustfmt::skip]
const PARTICLES: &[&str] = &["د", "په", "ته", "سره", "لپاره", "کې", "چې", "دی", "یې"];

/// Whether the scorer weighs the words of a text: a Pashto text (see `tokens`), or one with no
/// letter only Urdu or Sorani writes that holds "د" or "په" alone and two of Pashto's particles
/// (Pashto typed on a Persian keyboard, with everyday words that are no Pashto dictionary's:
/// "د فرزانی میره … پیدا کری"). Two particles: two words, which may be the same particle.
pub(super) fn weighs(ts: &[Token]) -> bool {
    let Some(first) = ts.first() else {
        return false;
    };
    first.in_pashto
        || (!first.in_urdu
            && !ts.iter().any(sorani)
            && ts.iter().any(|t| in_list(t, &["د", "په"]))
            && ts.iter().filter(|t| in_list(t, PARTICLES)).nth(1).is_some())
}

/// Whether the word at `i` of a text the scorer weighs is one it weighs: a name-shaped word
/// that is no function word, not the second half of a compound name written as two words
/// ("الله" of "رحمت الله", which alone is God's name: "په امان الله"; the rules tell those
/// compounds, rule 8b) and no word that makes names with another (ګل, خان, جان, لالا: rule 8a).
/// Since version 18 not a word in Latin (or another cased) script that the dictionaries hold
/// ("Friday", "Community", "Hope" in a Pashto message): the scorer learned from few of them and
/// refused English words as names; the rules judge them as they judge English text.
pub(super) fn scored(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // After ګل in the same sentence, one of the rules' everyday words makes a phrase, as in
    // rule 8a ("ګل باران", a shower of flowers).
    let phrase = i > 0 && !t.initial && in_list(&ts[i - 1], &["ګل"]) && everyday_by_rules(t);
    // Version 18: a dictionary word in Latin (or another cased) script is the rules'.
    let cased_word = t.cased && common(t);
    name_shaped(t)
        && !cased_word
        && !phrase
        && ![FUNCTION_WORDS, NAME_SECOND_HALVES, NAME_PARTS]
            .iter()
            .any(|list| in_list(t, list))
}

/// What the scorer knows of every word of a text before it weighs one: its [`class`], and the
/// position of the last word of its sentence written in its kind of script (since version 20).
/// Found once per text, in one pass each.
pub(super) struct Context {
    classes: Vec<String>,
    ends: Vec<usize>,
}

impl Context {
    pub(super) fn of(ts: &[Token]) -> Context {
        // Backwards, a sentence at a time (it ends before a word that opens one): a word's end
        // is its sentence's last word of its own kind of script, with letter case or without
        // (version 20), so that a Pashto sentence going on in French or English ("… تود وي —
        // réunion à l'école") still ends at its Pashto verb. `last[cased]` is the first word of
        // that kind this pass met in the sentence, that is its last one.
        let mut ends = vec![0; ts.len()];
        let mut last: [Option<usize>; 2] = [None, None];
        for k in (0..ts.len()).rev() {
            if ts.get(k + 1).is_none_or(|next| next.initial) {
                last = [None, None];
            }
            ends[k] = *last[usize::from(ts[k].cased)].get_or_insert(k);
        }
        Context {
            classes: ts.iter().map(class).collect(),
            ends,
        }
    }
}

/// Hands each fact the scorer weighs for the word at `i` to `visit`, given every word's
/// [`Context`] and the rule that finds a name at the word, if one does (see PROTOCOL.md §9c for
/// the facts' exact form). One buffer serves every fact: the
/// scorer runs on every word of a Pashto text, and looks each fact up without keeping it.
fn each_fact(
    ts: &[Token],
    context: &Context,
    i: usize,
    rule: Option<&str>,
    mut visit: impl FnMut(&str),
) {
    let classes = &context.classes;
    let t = &ts[i];
    // Neighbours within the sentence: the word after `k`, unless it opens a sentence.
    let after = |k: usize| (k + 1 < ts.len() && !ts[k + 1].initial).then_some(k + 1);
    let prev = (i > 0 && !t.initial).then(|| i - 1);
    let next = after(i);
    let next2 = next.and_then(after);
    let class_of = |k: Option<usize>| k.map_or("-", |k| classes[k].as_str());
    let end = |k: Option<usize>| k.map_or("", |k| last(&ts[k].folded, 2));
    let (w, c) = (t.folded.as_str(), classes[i].as_str());
    let p1 = neighbour(ts, prev, true);
    let (n1, n2) = (neighbour(ts, next, false), neighbour(ts, next2, false));
    let (pc, nc) = (class_of(prev), class_of(next));
    let punct = t.next_punct.unwrap_or('_');
    let initial = t.initial;
    // The sentence's last word, most often its verb (Pashto puts it last): `=` if it is this
    // word (by position: the same word earlier in the sentence is not).
    let close = context.ends[i];
    let verb = if close == i {
        "="
    } else {
        ts[close].folded.as_str()
    };
    // Version 19: the word before the sentence's last word, which with it is most often a
    // compound verb ("انتظار کوي", waits; "لاسلیک وکړ", signed): `-` if the last word is this
    // word or the one after it (the sentence's end is never before the word: no underflow).
    // Since version 20 the last word is of this word's kind of script (see [`Context`]), and
    // the word before it is the one right before, of either kind.
    let before_verb = if close <= i + 1 {
        "-"
    } else {
        ts[close - 1].folded.as_str()
    };
    let mut fact = String::new();
    let mut say = |args: std::fmt::Arguments| {
        fact.clear();
        fact.write_fmt(args).expect("writing to a String");
        visit(&fact);
    };
    say(format_args!("b"));
    say(format_args!("w={w}"));
    say(format_args!("c={c}"));
    say(format_args!("s1={}", last(w, 1)));
    say(format_args!("s2={}", last(w, 2)));
    say(format_args!("s3={}", last(w, 3)));
    say(format_args!("f2={}", first(w, 2)));
    say(format_args!("f3={}", first(w, 3)));
    say(format_args!("pu={punct}"));
    say(format_args!("p1={p1}"));
    say(format_args!("n1={n1}"));
    say(format_args!("n2={n2}"));
    say(format_args!("pc={pc}"));
    say(format_args!("nc={nc}"));
    say(format_args!("c+n1={c}|{n1}"));
    say(format_args!("c+p1={c}|{p1}"));
    say(format_args!("p1+n1={p1}|{n1}"));
    say(format_args!("pc+c+nc={pc}|{c}|{nc}"));
    say(format_args!("c+i={c}|{initial}"));
    say(format_args!("ns2={}", end(next)));
    say(format_args!("ps2={}", end(prev)));
    say(format_args!("v={verb}"));
    say(format_args!("v+i={verb}|{initial}"));
    say(format_args!("ve={}|{initial}", last(verb, 2)));
    say(format_args!("w+n1={w}|{n1}"));
    say(format_args!("w+p1={w}|{p1}"));
    say(format_args!("w+i={w}|{initial}"));
    say(format_args!("v2={before_verb}|{verb}"));
    say(format_args!("v2+c={before_verb}|{verb}|{c}"));
    // Version 17: the rule that finds a name at the word, if one does.
    let rule = rule.unwrap_or("-");
    say(format_args!("r={rule}"));
    say(format_args!("r+c={rule}|{c}"));
}

/// The facts the scorer weighs for the word at `i` (see [`each_fact`]), kept: for building the
/// scorer.
pub(super) fn facts(ts: &[Token], context: &Context, i: usize, rule: Option<&str>) -> Vec<String> {
    let mut all = Vec::new();
    each_fact(ts, context, i, rule, |f| all.push(f.to_string()));
    all
}

/// The score of the word at `i`: the sum of its facts' weights.
pub(super) fn score(ts: &[Token], context: &Context, i: usize, rule: Option<&str>) -> i64 {
    let mut sum = 0;
    each_fact(ts, context, i, rule, |f| {
        sum += MODEL.get(f).copied().unwrap_or(0)
    });
    sum
}

#[cfg(test)]
mod tests {
    use super::super::tokens;
    use super::*;

    fn facts_of(text: &str, word: &str) -> Vec<String> {
        let ts = tokens(text);
        let context = Context::of(&ts);
        let i = ts
            .iter()
            .position(|t| t.text == word)
            .expect("word in text");
        facts(&ts, &context, i, None)
    }

    /// Each of `wanted` is among `facts`.
    fn has(facts: &[String], wanted: &[&str]) {
        for fact in wanted {
            assert!(facts.iter().any(|f| f == fact), "{fact} not in {facts:?}");
        }
    }

    #[test]
    fn the_weights_file_is_read_whole() {
        let parsed = parse("# comment\nb\t-12\nw=امید\t340\nbroken line\n");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["b"], -12);
        assert_eq!(parsed["w=امید"], 340);
        // Every line of the shipped file that is no comment is a fact and an integer.
        let lines = WEIGHTS.lines().filter(|l| !l.starts_with('#')).count();
        assert!(lines > 1000, "{lines} weights");
        assert_eq!(MODEL.len(), lines);
    }

    #[test]
    fn facts_name_the_word_its_lists_and_its_neighbours_within_the_sentence() {
        let f = facts_of("ښه ده. زرغونه نن ناروغه ده", "زرغونه");
        // Its neighbour before is across a full stop: the start of a sentence.
        has(
            &f,
            &["p1=^", "n1=نن", "n2=ناروغه", "pc=-", "w=زرغونه", "s2=نه"],
        );
        let last = facts_of("زرغونه نن ناروغه ده", "ده");
        has(&last, &["n1=$", "pu=_"]);
        // The classes: a listed given name, a Pashto dictionary word, a function word.
        let ts = tokens("زرغونه د ښځو ټولګي ته ځي");
        assert!(class(&ts[0]).contains('G'), "{}", class(&ts[0]));
        assert!(class(&ts[1]).contains('W'), "{}", class(&ts[1]));
        assert_eq!(class(&tokens("Zarghona")[0]), "XcU");
        assert_eq!(class(&tokens("42")[0]), "9");
    }

    #[test]
    fn facts_since_version_15_name_the_sentences_last_word_and_the_word_with_its_neighbours() {
        let f = facts_of("ښه وه. زرغونه نن ډاکټر ته ورځي. سبا راځي", "زرغونه");
        // The last word of its own sentence, not of the text or of the sentence before.
        has(
            &f,
            &[
                "v=ورځي",
                "v+i=ورځي|true",
                "ve=ځي|true",
                "w+n1=زرغونه|نن",
                "w+p1=زرغونه|^",
                "w+i=زرغونه|true",
            ],
        );
        assert_eq!(f.len(), 31, "{f:?}");
        // The last word is itself: `=`, by position; the same word earlier in the sentence
        // sees the last one.
        let ts = tokens("امید نن راځي او امید");
        let context = Context::of(&ts);
        has(&facts(&ts, &context, 4, None), &["v==", "ve==|false"]);
        has(
            &facts(&ts, &context, 0, None),
            &[&format!("v={}", ts[4].folded)],
        );
        // A text of one word.
        let one = tokens("امید");
        has(&facts(&one, &Context::of(&one), 0, None), &["v=="]);
    }

    /// Version 17: the rule that finds a name at the word (of those the scorer weighs: not a
    /// decisive one), alone and with the word's class; `-` where none does.
    #[test]
    fn facts_since_version_17_name_the_rule_that_finds_a_name_there() {
        let text = super::super::super::normalise("سپینغر ته زنګ ووهه، زرغونه");
        let words = super::super::model_facts(&text);
        let facts_of = |word: &str| {
            let (_, _, facts) = words.iter().find(|(_, w, _)| w == word).expect(word);
            facts.clone()
        };
        let spinghar = facts_of("سپینغر");
        has(&spinghar, &["r=marked"]);
        assert!(
            spinghar.iter().any(|f| f.starts_with("r+c=marked|")),
            "{spinghar:?}"
        );
        // Rule 9's finding too (a well-attested given name alone).
        has(&facts_of("زرغونه"), &["r=given", "r+c=given|GSN"]);
        assert!(
            words.iter().any(|(_, _, f)| f.contains(&"r=-".to_string())),
            "{words:?}"
        );
    }

    /// Version 18: a word's first two and three letters; a dictionary word in Latin letters is
    /// left to the rules, an unknown one (a name spelled in Latin letters) is still weighed.
    #[test]
    fn facts_since_version_18_name_the_words_first_letters_and_latin_words_are_the_rules() {
        let f = facts_of("زرغونه نن ناروغه ده", "زرغونه");
        has(&f, &["f2=زر", "f3=زرغ"]);
        // A word shorter than three letters gives all of itself.
        assert_eq!(first("زر", 3), "زر");
        assert_eq!(first("زرغونه", 2), "زر");
        let ts = tokens("د Community Centre غونډه د Zarghona لپاره ده");
        assert!(weighs(&ts));
        let at = |w: &str| ts.iter().position(|t| t.text == w).expect(w);
        assert!(!scored(&ts, at("Community")));
        assert!(scored(&ts, at("Zarghona")));
    }

    /// Version 19: the sentence's last two words (most often a compound verb), alone and with
    /// the word's class; `-` for the first when the word is one of the two.
    #[test]
    fn facts_since_version_19_name_the_sentences_last_two_words() {
        let text = "صبر لا هم د وکیل ځواب ته انتظار کوي. سبا راځي";
        let ts = tokens(text);
        let context = Context::of(&ts);
        let at = |w: &str| ts.iter().position(|t| t.text == w).expect(w);
        // As folded (کوي with the Arabic kaf).
        let (wait, does) = (&ts[at("انتظار")].folded, &ts[at("کوي")].folded);
        let f = facts(&ts, &context, at("صبر"), None);
        has(&f, &[&format!("v2={wait}|{does}")]);
        let with_class = format!("v2+c={wait}|{does}|{}", context.classes[at("صبر")]);
        has(&f, &[&with_class]);
        // The word before the last, and the last: `-`.
        let before = format!("v2=-|{does}");
        has(&facts(&ts, &context, at("انتظار"), None), &[&before]);
        has(&facts(&ts, &context, at("کوي"), None), &["v2=-|="]);
        // A sentence of two words: the first is the word before the last.
        let comes = format!("v2=-|{}", ts[at("راځي")].folded);
        has(&facts(&ts, &context, at("سبا"), None), &[&comes]);
        // A sentence of one word, after one that ends with a full stop: `-` and `=`, never a
        // word of the sentence before.
        let ts = tokens("صبر انتظار کوي. راځي");
        let context = Context::of(&ts);
        let one = facts(&ts, &context, 3, None);
        let class = &context.classes[3];
        has(&one, &["v2=-|=", &format!("v2+c=-|=|{class}")]);
    }

    /// Version 20: a sentence's last words are taken in the word's kind of script, so a
    /// Pashto sentence that goes on in French ends at its Pashto verb; English words inside it
    /// do not end it; a Latin word's sentence ends at its own script's last word.
    #[test]
    fn facts_since_version_20_take_the_last_words_in_the_words_own_script() {
        let ts = tokens("لمر سبا ډېر تود وي — réunion à l'école, apportez de l'eau. ګل راځي");
        let context = Context::of(&ts);
        let at = |w: &str| ts.iter().position(|t| t.text == w).expect(w);
        let (warm, is) = (&ts[at("تود")].folded, &ts[at("وي")].folded);
        let f = facts(&ts, &context, at("لمر"), None);
        has(&f, &[&format!("v={is}"), &format!("v2={warm}|{is}")]);
        // The word before the last is the one right before it, of either kind.
        has(
            &facts(&ts, &context, at("réunion"), None),
            &["v=l'eau", "v2=de|l'eau"],
        );
        // The next sentence is its own.
        let comes = &ts[at("راځي")].folded;
        has(
            &facts(&ts, &context, at("ګل"), None),
            &[&format!("v2=-|{comes}")],
        );
        // And for a Pashto word, the word before its verb may be a Latin one.
        let ts = tokens("زرغونه انتظار Centre کوي");
        let context = Context::of(&ts);
        let does = &ts[3].folded;
        has(
            &facts(&ts, &context, 0, None),
            &[&format!("v2=centre|{does}")],
        );
        // A Latin word inside a Pashto sentence leaves the Pashto words' end where it was; its
        // own is the sentence's last Latin word.
        let ts = tokens("صبر په Community Centre کې انتظار کوي");
        let context = Context::of(&ts);
        let does = &ts[ts.len() - 1].folded;
        has(&facts(&ts, &context, 0, None), &[&format!("v={does}")]);
        has(&facts(&ts, &context, 2, None), &["v=centre", "v2=-|centre"]);
        // A sentence wholly in one script is as before (version 19).
        let ts = tokens("Maryam comes tomorrow");
        let context = Context::of(&ts);
        has(
            &facts(&ts, &context, 0, None),
            &["v=tomorrow", "v2=comes|tomorrow"],
        );
    }

    #[test]
    fn only_pashto_texts_are_weighed() {
        let pashto = tokens("زرغونه نن ناروغه ده");
        assert!(weighs(&pashto) && scored(&pashto, 0));
        // Pashto typed on a Persian keyboard.
        assert!(weighs(&tokens(
            "د فرزانی میره د اپیل لپاره نوی سولیسیتر پیدا کری"
        )));
        // A function word is never weighed.
        let with_d = tokens("د زرغونې کیس ښه دی");
        assert!(!scored(&with_d, 0));
        // Persian, Arabic and English text is left to the rules.
        for text in [
            "مریم امروز مریض است",
            "مريم مريضة اليوم",
            "Maryam is ill today",
        ] {
            assert!(!weighs(&tokens(text)), "{text}");
        }
    }
}
