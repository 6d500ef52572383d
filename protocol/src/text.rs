//! Text as organisers type it: stored exactly, merged without loss.
//!
//! Two kinds of text field exist, and every field of every schema is one of them:
//!
//! - **Long text** ([`Text`]: a goal, demands, notes, agenda items, outcomes, decisions) is an
//!   Automerge text object, so two organisers editing different words of it offline both keep
//!   their words. It is stored exactly as typed, surrounding spaces and all.
//! - **Labels** (plain `String`: titles, roles, institutions, issue labels) are whole values: the
//!   last writer wins field by field. [`label`] gives the form stored: the text with the
//!   surrounding ASCII spaces, tabs and line breaks a form or a shell leaves behind taken off, and
//!   nothing else changed (not U+3000, not a no-break space, not a right-to-left mark).
//!
//! autosurgeon's own `Text::update` counts bytes where Automerge's splice counts Unicode code
//! points, which garbled every edit with a character outside ASCII (and could break the
//! document). [`Text`] replaces it at this one boundary: its reconcile hands the new value to
//! Automerge's `update_text`, which diffs by grapheme and splices in the document's own units.
//!
//! An edit made from a form carries the heads it was made from (its *base*). [`merge_text`]
//! applies only what the person changed between the base and the form onto the text as it is
//! now, mapping positions through Automerge cursors, so that a concurrent edit elsewhere in the
//! same text survives; [`changed`] says whether a whole value was touched at all.

use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, Value};
use autosurgeon::reconcile::{LoadKey, NoKey, TextReconciler};
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

use crate::error::ValidationError;
use crate::ids::ItemId;

/// Long free text, kept as an Automerge text object. Hydrates from a text object or, for
/// documents written before text fields became text objects, from a plain string; the first
/// write after that turns it into a text object in place.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    /// A text holding `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Replaces the whole value; the change written is the smallest difference.
    pub fn set(&mut self, value: impl Into<String>) {
        self.0 = value.into();
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        String::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Text {}

impl Hydrate for Text {
    fn hydrate_text<D: autosurgeon::ReadDoc>(doc: &D, obj: &ObjId) -> Result<Self, HydrateError> {
        Ok(Self(doc.text(obj)?))
    }

    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Ok(Self(s.to_string()))
    }
}

impl Reconcile for Text {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        // `text()` reuses the text object already there (or makes one in place of a plain
        // string); `update` diffs by grapheme and splices in Automerge's own units. An unchanged
        // value writes nothing.
        reconciler.text()?.update(&self.0)
    }

    fn key(&self) -> LoadKey<Self::Key<'_>> {
        LoadKey::NoKey
    }
}

/// A label that hydrates from a plain string or from a text object (plan titles were text
/// objects before labels became whole values); always written as a plain string.
#[derive(Clone, Default, PartialEq, Eq, Hash, Debug)]
pub struct Label(pub String);

impl Label {
    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Hydrate for Label {
    fn hydrate_text<D: autosurgeon::ReadDoc>(doc: &D, obj: &ObjId) -> Result<Self, HydrateError> {
        Ok(Self(doc.text(obj)?))
    }

    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Ok(Self(s.to_string()))
    }
}

impl Reconcile for Label {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

/// The whitespace a label loses at its ends: what a form field, a terminal or a pasted line
/// leaves behind. Nothing else is taken off (U+3000 and the no-break space are kept).
fn is_edge_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The form of a label that is stored: `text` without surrounding ASCII spaces, tabs and line
/// breaks, and otherwise exactly as typed.
pub fn label(text: &str) -> String {
    text.trim_matches(is_edge_space).to_string()
}

/// Whether a text has nothing in it but whitespace.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Why the characters of a text are refused (see [`unprintable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unprintable {
    /// A C0 or C1 control character or DEL. Line breaks (`\n`, `\r`, as a browser sends them)
    /// and tabs are allowed in long text only.
    Control(char),
    /// A bidi embedding or override (U+202A–U+202E): it can make text read otherwise than it
    /// was typed, and spill over what follows it on the page. The marks scripts need (LRM, RLM,
    /// ALM) and the bidi isolates (U+2066–U+2069) are kept.
    BidiOverride(char),
    /// Nothing in the text is visible: it holds only spaces and characters that draw nothing
    /// (zero-width spaces, joiners, marks, variation selectors...).
    Invisible,
}

impl std::fmt::Display for Unprintable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Control(c) => write!(f, "holds a control character (U+{:04X})", *c as u32),
            Self::BidiOverride(c) => write!(
                f,
                "holds a bidi embedding or override character (U+{:04X}), which can make \
                 text read otherwise than it was typed",
                *c as u32
            ),
            Self::Invisible => f.write_str("has no visible character"),
        }
    }
}

impl Unprintable {
    /// A stable word for the kind (`control`, `bidi_override`, `invisible`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Control(_) => "control",
            Self::BidiOverride(_) => "bidi_override",
            Self::Invisible => "invisible",
        }
    }
}

/// Whether `c` draws nothing: whitespace, or a character Unicode marks as default-ignorable
/// (zero-width space and joiners, LRM/RLM/ALM, bidi controls, word joiner, invisible
/// operators, Hangul fillers, variation selectors, tags, the byte-order mark) or the blank
/// braille pattern.
pub fn draws_nothing(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
        || c.is_control()
}

/// What is wrong with the characters of `text`, if anything: a control character (line breaks
/// and tabs allowed when `long`), a bidi embedding or override, or, in a text that is not empty,
/// no visible character at all. Nothing is changed: a text is taken as typed or refused.
pub fn unprintable(text: &str, long: bool) -> Option<Unprintable> {
    for c in text.chars() {
        if c.is_control() && !(long && matches!(c, '\n' | '\r' | '\t')) {
            return Some(Unprintable::Control(c));
        }
        if ('\u{202A}'..='\u{202E}').contains(&c) {
            return Some(Unprintable::BidiOverride(c));
        }
    }
    (!text.is_empty() && text.chars().all(draws_nothing)).then_some(Unprintable::Invisible)
}

/// The heads a form was made from, parsed from their hex form.
pub fn parse_heads(heads: &[String]) -> Result<Vec<ChangeHash>, ValidationError> {
    heads
        .iter()
        .map(|h| {
            h.parse().map_err(|_| ValidationError::Rejected {
                field: "base",
                reason: format!(
                    "`{}` is not a change hash",
                    h.chars().take(70).collect::<String>()
                ),
            })
        })
        .collect()
}

/// The version an edit was made from: the document as it was when the form was filled in.
#[derive(Debug, Clone)]
pub struct Base<'a> {
    doc: &'a Automerge,
    heads: Vec<ChangeHash>,
}

impl<'a> Base<'a> {
    /// The base `heads` of `doc`, refused (naming the field `base`) when the document does not
    /// hold all of them.
    pub fn new(doc: &'a Automerge, heads: Vec<ChangeHash>) -> Result<Self, ValidationError> {
        if heads.is_empty() {
            return Err(ValidationError::Rejected {
                field: "base",
                reason: "no heads given".into(),
            });
        }
        if let Some(h) = heads
            .iter()
            .find(|h| doc.get_change_meta_by_hash(h).is_none())
        {
            return Err(ValidationError::Rejected {
                field: "base",
                reason: format!("this node does not hold version {h}; reload and edit again"),
            });
        }
        Ok(Self { doc, heads })
    }

    /// The heads.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }

    /// The document as it was at the base.
    pub fn fork(&self) -> Result<Automerge, ValidationError> {
        self.doc
            .fork_at(&self.heads)
            .map_err(|e| ValidationError::Rejected {
                field: "base",
                reason: e.to_string(),
            })
    }

    /// The value a long text field should take when the person turned `base` into `form` while
    /// the field became `now` meanwhile. `path` leads from the document's root to the text
    /// object. Only the difference between `base` and `form` is applied to `now`: characters
    /// the person deleted are deleted if they are still there, and what they typed is inserted
    /// where it was typed, found through Automerge cursors. Where the field was not a text
    /// object at the base (a document from before text objects), the form's value wins.
    pub fn merge_text(&self, path: &[Seg<'_>], base: &str, form: &str, now: &str) -> String {
        if form == base {
            return now.to_string();
        }
        if now == base {
            return form.to_string();
        }
        match find_text(self.doc, path, &self.heads) {
            Some(obj) => merge_with_cursors(self.doc, &obj, &self.heads, base, form, now)
                .unwrap_or_else(|| form.to_string()),
            None => form.to_string(),
        }
    }
}

/// One step of a path to a text object: a map key, or the element of a list whose `id` is the
/// given item id.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'a> {
    /// A key of a map.
    Key(&'a str),
    /// The list element (a map) whose `id` field is this item id.
    Item(&'a ItemId),
}

/// The text object at `path`, if it is one now and was the same object at `heads`.
fn find_text(doc: &Automerge, path: &[Seg<'_>], heads: &[ChangeHash]) -> Option<ObjId> {
    let mut obj = automerge::ROOT;
    for (n, seg) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        let (value, id) = match seg {
            Seg::Key(k) => doc.get(&obj, *k).ok()??,
            Seg::Item(item) => {
                let want = item.to_string();
                (0..doc.length(&obj)).find_map(|i| {
                    let (v, id) = doc.get(&obj, i).ok()??;
                    let (idv, _) = doc.get(&id, "id").ok()??;
                    (idv.as_str() == Some(want.as_str())).then_some((v, id))
                })?
            }
        };
        match value {
            Value::Object(ObjType::Text) if last => {}
            Value::Object(ObjType::Map | ObjType::List) if !last => {}
            _ => return None,
        }
        obj = id;
    }
    // The same object must have been a text object at the base, for cursors to map.
    matches!(doc.object_type(&obj), Ok(ObjType::Text))
        .then(|| doc.text_at(&obj, heads).ok())
        .flatten()
        .map(|_| obj)
}

/// The edits that turn `from` into `to`: (start, characters deleted, text inserted), in
/// Unicode code points of `from`, in order, from a diff by grapheme cluster.
pub fn char_edits(from: &str, to: &str) -> Vec<(usize, usize, String)> {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut pos = 0;
    for change in similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_graphemes(from, to)
        .iter_all_changes()
    {
        let value = change.value();
        let width = value.chars().count();
        match change.tag() {
            similar::ChangeTag::Equal => pos += width,
            similar::ChangeTag::Delete => {
                match edits.last_mut() {
                    Some(last) if last.0 + last.1 == pos => last.1 += width,
                    _ => edits.push((pos, width, String::new())),
                }
                pos += width;
            }
            similar::ChangeTag::Insert => match edits.last_mut() {
                Some(last) if last.0 + last.1 == pos => last.2.push_str(value),
                _ => edits.push((pos, 0, value.to_string())),
            },
        }
    }
    edits
}

fn merge_with_cursors(
    doc: &Automerge,
    obj: &ObjId,
    heads: &[ChangeHash],
    base: &str,
    form: &str,
    now: &str,
) -> Option<String> {
    // The cursors must see what `base` and `now` say they see.
    if doc.text_at(obj, heads).ok()? != base || doc.text(obj).ok()? != now {
        return None;
    }
    let base_len = base.chars().count();
    let now_chars: Vec<char> = now.chars().collect();
    let mut deleted = vec![false; now_chars.len()];
    let mut inserts: Vec<Vec<String>> = vec![Vec::new(); now_chars.len() + 1];
    // Where base character `i` is now: its own position if it is still there, else the next
    // one that is (or the end).
    let now_pos = |i: usize| -> Option<usize> {
        if i >= base_len {
            return Some(now_chars.len());
        }
        let c = doc.get_cursor(obj, i, Some(heads)).ok()?;
        doc.get_cursor_position(obj, &c, None).ok()
    };
    for (start, del, insert) in char_edits(base, form) {
        let at = now_pos(start)?.min(now_chars.len());
        inserts[at].push(insert);
        for i in start..start + del {
            let c = doc.get_cursor(obj, i, Some(heads)).ok()?;
            let p = doc.get_cursor_position(obj, &c, None).ok()?;
            // Still there only if the element at `p` now is that very element.
            if p < now_chars.len() && doc.get_cursor(obj, p, None).ok()? == c {
                deleted[p] = true;
            }
        }
    }
    let mut out = String::with_capacity(form.len() + now.len());
    for (i, c) in now_chars.iter().enumerate() {
        for s in &inserts[i] {
            out.push_str(s);
        }
        if !deleted[i] {
            out.push(*c);
        }
    }
    for s in &inserts[now_chars.len()] {
        out.push_str(s);
    }
    Some(out)
}

/// Whether a whole-value field was touched: `form` differs from what the field held at the base
/// (or, with no base, from what it holds now).
pub fn changed<T: PartialEq>(base: Option<&T>, form: &T, now: &T) -> bool {
    match base {
        Some(b) => b != form,
        None => now != form,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use autosurgeon::{hydrate_prop, reconcile_prop};

    fn doc_with(text: &str) -> Automerge {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            reconcile_prop(tx, automerge::ROOT, "t", Text::new(text)).expect("reconcile");
            Ok(())
        })
        .expect("transact");
        doc
    }

    fn update(doc: &mut Automerge, text: &str) {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let mut t: Text = hydrate_prop(&*tx, automerge::ROOT, "t").expect("hydrate");
            t.set(text);
            reconcile_prop(tx, automerge::ROOT, "t", &t).expect("reconcile");
            Ok(())
        })
        .expect("transact");
    }

    fn read(doc: &Automerge) -> String {
        let t: Text = hydrate_prop(doc, automerge::ROOT, "t").expect("hydrate");
        t.0
    }

    #[test]
    fn edits_outside_ascii_are_stored_exactly() {
        for (from, to) in [
            ("OCELOT plain ascii", "OCELOT £5 fails"),
            ("أحمد حسن يحتاج مساعدة", "شخص يحتاج مساعدة"),
            ("Réunion à la mairie", "Réunion à l’hôtel de ville 🙂"),
            ("👩🏽‍⚖️ avocate", "👨🏿‍⚖️ avocat"),
        ] {
            let mut doc = doc_with(from);
            update(&mut doc, to);
            assert_eq!(read(&doc), to);
            update(&mut doc, from);
            assert_eq!(read(&doc), from);
            let loaded = Automerge::load(&doc.save()).expect("load");
            assert_eq!(read(&loaded), from);
        }
    }

    #[test]
    fn an_unchanged_value_writes_nothing() {
        let mut doc = doc_with("شخص يحتاج مساعدة");
        let heads = doc.get_heads();
        update(&mut doc, "شخص يحتاج مساعدة");
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn a_plain_string_becomes_a_text_object_on_its_first_write() {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "t", "ancienne note")?;
            Ok(())
        })
        .expect("transact");
        assert_eq!(read(&doc), "ancienne note");
        update(&mut doc, "nouvelle note");
        assert_eq!(read(&doc), "nouvelle note");
        let (v, _) = doc
            .get(automerge::ROOT, "t")
            .expect("get")
            .expect("present");
        assert!(matches!(v, Value::Object(ObjType::Text)));
    }

    #[test]
    fn control_characters_overrides_and_invisible_text_are_refused() {
        use Unprintable::*;
        // What scripts need is kept: RLM, LRM, ALM, the isolates, ZWNJ in Farsi, ZWJ in emoji.
        for ok in [
            "Housing",
            "سكن\u{200F}",
            "\u{200E}A1 \u{061C}٣",
            "\u{2067}عربي\u{2069} and \u{2066}English\u{2069}",
            "می\u{200C}خواهم",
            "👩\u{200D}👧",
            "ا\u{0651}",
            "\u{3000}سكن",
        ] {
            assert_eq!(unprintable(ok, false), None, "{ok:?}");
            assert_eq!(unprintable(ok, true), None, "{ok:?}");
        }
        assert_eq!(unprintable("", true), None, "an empty optional text");
        assert_eq!(unprintable("line one\r\nline\ttwo\n", true), None);
        assert_eq!(unprintable("a\nb", false), Some(Control('\n')));
        assert_eq!(unprintable("a\tb", false), Some(Control('\t')));
        for (bad, c) in [
            ("a\u{0}b", '\u{0}'),
            ("\u{1b}[31mred", '\u{1b}'),
            ("x\u{7f}", '\u{7f}'),
            ("x\u{85}y", '\u{85}'),
            ("x\u{9b}y", '\u{9b}'),
        ] {
            assert_eq!(unprintable(bad, true), Some(Control(c)), "{bad:?}");
            assert_eq!(unprintable(bad, false), Some(Control(c)), "{bad:?}");
        }
        for c in '\u{202A}'..='\u{202E}' {
            let bad = format!("abc{c}def");
            assert_eq!(unprintable(&bad, true), Some(BidiOverride(c)), "{bad:?}");
        }
        for bad in [
            "\u{200B}\u{200B}",
            "\u{200B} \u{FEFF}",
            "\u{2060}",
            "\u{3164}",
            "\u{200F}\u{200E}",
            " ",
        ] {
            assert_eq!(unprintable(bad, true), Some(Invisible), "{bad:?}");
            assert_eq!(unprintable(bad, false), Some(Invisible), "{bad:?}");
        }
        assert_eq!(
            unprintable("\u{202E}", false).map(|u| u.to_string()),
            Some(
                "holds a bidi embedding or override character (U+202E), which can make text read \
                 otherwise than it was typed"
                    .into()
            )
        );
    }

    proptest::proptest! {
        /// Text in any script, with the marks scripts need, is taken as typed; the same text
        /// with one forbidden character put anywhere is refused, for that character.
        #[test]
        fn forbidden_characters_are_found_wherever_they_are(
            text in "[a-zA-Zéçà0-9 ءابتثجحخدذرسشصضطعغفقكلمنهوي٠-٩ሀ-ሆکگپچژ一-十\u{200C}\u{200D}\u{200E}\u{200F}\u{061C}\u{2066}-\u{2069}\n\t.,!?]{0,40}[a-zا-ي]",
            at in 0usize..50,
            bad in proptest::prop_oneof![
                proptest::char::range('\u{0}', '\u{8}'),
                proptest::char::range('\u{b}', '\u{c}'),
                proptest::char::range('\u{e}', '\u{1f}'),
                proptest::char::range('\u{7f}', '\u{9f}'),
                proptest::char::range('\u{202a}', '\u{202e}'),
            ],
        ) {
            proptest::prop_assert_eq!(unprintable(&text, true), None);
            let mut chars: Vec<char> = text.chars().collect();
            let at = at.min(chars.len());
            chars.insert(at, bad);
            let spoiled: String = chars.into_iter().collect();
            let found = unprintable(&spoiled, true);
            let expected = if ('\u{202a}'..='\u{202e}').contains(&bad) {
                Unprintable::BidiOverride(bad)
            } else {
                Unprintable::Control(bad)
            };
            proptest::prop_assert_eq!(found, Some(expected));
            if text.contains(['\n', '\t']) {
                proptest::prop_assert!(matches!(unprintable(&text, false), Some(Unprintable::Control(_))));
            }
        }
    }

    #[test]
    fn labels_lose_ascii_edges_only() {
        assert_eq!(label("  Housing \n"), "Housing");
        assert_eq!(label("\u{3000}سكن\u{3000}"), "\u{3000}سكن\u{3000}");
        assert_eq!(label("\u{a0}x"), "\u{a0}x");
        assert!(is_blank(" \u{3000}\t"));
        assert!(!is_blank(" a "));
    }

    #[test]
    fn a_form_edit_keeps_a_concurrent_edit_elsewhere_in_the_text() {
        let mut doc = doc_with("Fund two legal aid posts. Open a drop-in.");
        let base = doc.get_heads();
        // Another group changes the second sentence meanwhile.
        update(
            &mut doc,
            "Fund two legal aid posts. Open a drop-in at the library.",
        );
        let now = read(&doc);
        // The form, made at the base, changes the first sentence.
        let b = Base::new(&doc, base).expect("base");
        let merged = b.merge_text(
            &[Seg::Key("t")],
            "Fund two legal aid posts. Open a drop-in.",
            "Fund three legal aid posts. Open a drop-in.",
            &now,
        );
        assert_eq!(
            merged,
            "Fund three legal aid posts. Open a drop-in at the library."
        );
    }

    #[test]
    fn a_form_edit_in_arabic_keeps_a_concurrent_edit() {
        let mut doc = doc_with("نريد سكنا لائقا. ونريد محاميا.");
        let base = doc.get_heads();
        update(&mut doc, "نريد سكنا لائقا. ونريد محاميا خلال أسبوع.");
        let now = read(&doc);
        let b = Base::new(&doc, base).expect("base");
        let merged = b.merge_text(
            &[Seg::Key("t")],
            "نريد سكنا لائقا. ونريد محاميا.",
            "نريد سكنا آمنا. ونريد محاميا.",
            &now,
        );
        assert_eq!(merged, "نريد سكنا آمنا. ونريد محاميا خلال أسبوع.");
    }

    #[test]
    fn text_deleted_meanwhile_is_not_brought_back() {
        let mut doc = doc_with("one two three");
        let base = doc.get_heads();
        update(&mut doc, "one three");
        let now = read(&doc);
        let b = Base::new(&doc, base).expect("base");
        assert_eq!(
            b.merge_text(
                &[Seg::Key("t")],
                "one two three",
                "one two three four",
                &now
            ),
            "one three four"
        );
        // Which characters Automerge's diff took out of "two " is its choice; whichever it
        // took stay out, and all of "three" goes.
        let merged = b.merge_text(&[Seg::Key("t")], "one two three", "one two", &now);
        assert!(
            merged.starts_with("one") && !merged.contains("hree") && merged.len() <= 5,
            "{merged}"
        );
    }

    #[test]
    fn unknown_base_heads_are_refused() {
        let doc = doc_with("x");
        let other = doc_with("y");
        let e = Base::new(&doc, other.get_heads()).unwrap_err();
        assert_eq!(e.field(), Some("base"));
        assert!(parse_heads(&["zz".into()]).is_err());
    }

    #[test]
    fn char_edits_count_code_points() {
        assert_eq!(char_edits("£5", "£6"), vec![(1, 1, "6".to_string())]);
        assert_eq!(char_edits("أحمد", "أحمدي"), vec![(4, 0, "ي".to_string())]);
    }
}
