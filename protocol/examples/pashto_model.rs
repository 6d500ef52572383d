//! The Pashto name scorer of rules version 14: builds its weights from made-up Pashto notes
//! whose people's names are marked ⟦like this⟧, and compares thresholds on the corpus's tuning
//! lines.
//!
//! ```text
//! cargo run --release -p commonground-protocol --example pashto_model -- train \
//!     protocol/data/names/pashto_model.tsv protocol/data/names/pashto_train/*.tsv \
//!     protocol/tests/corpus/contact_free*.tsv
//! cargo run --release -p commonground-protocol --example pashto_model -- thresholds \
//!     protocol/data/names/pashto_model.tsv protocol/tests/corpus/contact_free*.tsv
//! ```
//!
//! Input files are the scorer's notes (`kind<TAB>text`, `name` or `ok`; `#` lines are
//! comments) or files of the contact-free corpus (`lang split expect text`), of which only the
//! Pashto tuning lines are read, never the held-out ones.
//!
//! `train`: every word of a text that the scorer weighs is one example, a name if it was inside
//! ⟦ ⟧; the corpus gives its Pashto ordinary tuning lines, as words that are no names (its
//! personal lines do not say which word is the name). Each personal note is also added with its
//! names swapped for other marked names, so that the words around a name weigh more than the
//! name itself. The weights are those of a logistic regression fitted by stochastic gradient
//! descent, in a fixed order from a fixed seed, so the same inputs give the same file. Facts
//! seen fewer than twice are dropped, and weights are written as integers in thousandths.
//!
//! `thresholds`: for each threshold, how many Pashto personal lines the check refuses and how
//! many ordinary lines, the rules alone and with the scorer whose weights are read from the file
//! given (so that weights can be compared without a rebuild; a notes file given here checks a
//! scorer built without it). `CG_SHOW=T` lists the lines the scorer at threshold T gets wrong.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use commonground_protocol::privacy::{find_without_scorer, name_model_facts, normalise};

const EPOCHS: usize = 40;
const RATE: f64 = 0.05;
const L2: f64 = 1e-4;
const MIN_COUNT: usize = 2;
/// How many copies of each personal note, its names swapped for other marked names, are
/// added to the examples.
const SWAPS: usize = 6;

/// A linear congruential generator: the same numbers every run.
struct Lcg(u64);

impl Lcg {
    /// A number below `n`.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize % n
    }
}

/// One line of an input file.
struct Line {
    /// From the corpus: a personal line there does not say which word is the name.
    corpus: bool,
    personal: bool,
    text: String,
}

/// The lines of `inputs` (see the module's documentation).
fn read(inputs: &[String]) -> Vec<Line> {
    let mut lines = Vec::new();
    for input in inputs {
        let text = std::fs::read_to_string(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let corpus = text.starts_with("lang\tsplit\texpect\ttext");
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            let (personal, text) = match cols[..] {
                ["ps", "tune", expect, text] if corpus => (expect != "ok", text),
                [kind, text] if !corpus => {
                    assert_eq!(kind == "name", text.contains('⟦'), "{input}: {line:?}");
                    (kind == "name", text)
                }
                _ if corpus => continue,
                _ => panic!("{input}: not kind<TAB>text: {line:?}"),
            };
            let text = text.to_string();
            lines.push(Line {
                corpus,
                personal,
                text,
            });
        }
    }
    lines
}

/// The words inside ⟦ ⟧, normalised, and the text without the marks.
fn marked(text: &str) -> (String, HashSet<String>) {
    let plain: String = text.chars().filter(|c| *c != '⟦' && *c != '⟧').collect();
    let mut names = HashSet::new();
    for span in text.split('⟦').skip(1) {
        let inside = span.split('⟧').next().unwrap_or("");
        for word in normalise(inside).split(|c: char| !c.is_alphanumeric() && c != '\u{200C}') {
            if !word.is_empty() {
                names.insert(word.to_string());
            }
        }
    }
    (plain, names)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, rest)) if command == "train" && rest.len() >= 2 => {
            train(&rest[0], &rest[1..])
        }
        Some((command, rest)) if command == "thresholds" && rest.len() >= 2 => {
            thresholds(&rest[0], &rest[1..])
        }
        _ => {
            eprintln!(
                "usage: pashto_model train OUT.tsv INPUT.tsv... | thresholds WEIGHTS.tsv INPUT.tsv..."
            );
            std::process::exit(2);
        }
    }
}

/// Builds the weights from `inputs` and writes them to `out`.
fn train(out: &str, inputs: &[String]) {
    let texts: Vec<(bool, String)> = read(inputs)
        .into_iter()
        .filter(|l| !(l.corpus && l.personal))
        .map(|l| (l.personal, l.text))
        .collect();
    let mut examples: Vec<(Vec<String>, bool)> = Vec::new();
    let mut lines = 0;
    // Every name marked anywhere, once, in a fixed order.
    let pool: Vec<String> = texts
        .iter()
        .flat_map(|(_, t)| {
            t.split('⟦')
                .skip(1)
                .map(|s| s.split('⟧').next().unwrap_or("").to_string())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut swaps = Lcg(0x5eed);
    // Each personal line also with its names swapped for other marked names (SWAPS times), so
    // that the words around a name weigh more than the name itself.
    let mut all: Vec<String> = Vec::new();
    for (personal, text) in texts {
        all.push(text.clone());
        if personal {
            for _ in 0..SWAPS {
                let mut out = String::new();
                let mut parts = text.split('⟦');
                out.push_str(parts.next().unwrap_or(""));
                for part in parts {
                    let rest = part.split_once('⟧').map_or("", |(_, r)| r);
                    out.push('⟦');
                    out.push_str(&pool[swaps.below(pool.len())]);
                    out.push('⟧');
                    out.push_str(rest);
                }
                all.push(out);
            }
        }
    }
    for text in &all {
        let (plain, names) = marked(text);
        lines += 1;
        for (word, facts) in name_model_facts(&plain) {
            let word = normalise(&word);
            examples.push((facts, names.contains(&word)));
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (facts, _) in &examples {
        for f in facts {
            *counts.entry(f.clone()).or_default() += 1;
        }
    }
    let index: BTreeMap<&str, usize> = counts
        .iter()
        .filter(|(_, n)| **n >= MIN_COUNT)
        .enumerate()
        .map(|(k, (f, _))| (f.as_str(), k))
        .collect();
    let data: Vec<(Vec<usize>, f64)> = examples
        .iter()
        .map(|(facts, name)| {
            let ids = facts
                .iter()
                .filter_map(|f| index.get(f.as_str()).copied())
                .collect();
            (ids, if *name { 1.0 } else { 0.0 })
        })
        .collect();
    let positives = data.iter().filter(|(_, y)| *y > 0.5).count();
    eprintln!(
        "{lines} lines, {} words ({positives} in names), {} facts",
        data.len(),
        index.len()
    );
    let mut w = vec![0.0f64; index.len()];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut shuffle = Lcg(0x5eed);
    for epoch in 0..EPOCHS {
        // Fisher-Yates with a fixed generator: the same order every run.
        for k in (1..order.len()).rev() {
            order.swap(k, shuffle.below(k + 1));
        }
        let rate = RATE / (1.0 + epoch as f64 * 0.1);
        let mut loss = 0.0;
        for &e in &order {
            let (ids, y) = &data[e];
            let z: f64 = ids.iter().map(|&f| w[f]).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            loss -= if *y > 0.5 {
                p.max(1e-12).ln()
            } else {
                (1.0 - p).max(1e-12).ln()
            };
            let g = p - y;
            for &f in ids {
                w[f] -= rate * (g + L2 * w[f]);
            }
        }
        if epoch % 10 == 9 || epoch + 1 == EPOCHS {
            eprintln!(
                "epoch {}: mean loss {:.4}",
                epoch + 1,
                loss / data.len() as f64
            );
        }
    }
    let mut file = String::new();
    file.push_str(
        "# Weights of the Pashto name scorer (rules version 14), in thousandths: one fact and its\n\
         # weight per line. Built by protocol/examples/pashto_model.rs from made-up notes\n\
         # (protocol/data/names/pashto_train/); see PROTOCOL.md §9c for the facts.\n",
    );
    let mut kept = 0;
    for (fact, &k) in &index {
        let milli = (w[k] * 1000.0).round() as i64;
        if milli.abs() >= 5 {
            kept += 1;
            writeln!(file, "{fact}\t{milli}").expect("writing to a String");
        }
    }
    std::fs::write(out, file).unwrap_or_else(|e| panic!("{out}: {e}"));
    eprintln!("{kept} weights written to {out}");
}

/// Prints what the check refuses at each threshold with the weights of `weights`.
fn thresholds(weights: &str, inputs: &[String]) {
    let weights = std::fs::read_to_string(weights).unwrap_or_else(|e| panic!("{weights}: {e}"));
    let weights: HashMap<&str, i64> = weights
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (f, w) = l.split_once('\t')?;
            Some((f, w.parse().ok()?))
        })
        .collect();
    let show: Option<i64> = std::env::var("CG_SHOW").ok().and_then(|v| v.parse().ok());
    let mut lines: Vec<(bool, bool, i64)> = Vec::new();
    for line in read(inputs) {
        let personal = line.personal;
        let text: String = line
            .text
            .chars()
            .filter(|c| *c != '⟦' && *c != '⟧')
            .collect();
        let text = text.as_str();
        let rules = find_without_scorer(text).is_some();
        let (best, word) = name_model_facts(text)
            .into_iter()
            .map(|(word, facts)| {
                let score: i64 = facts.iter().filter_map(|f| weights.get(f.as_str())).sum();
                (score, word)
            })
            .max()
            .unwrap_or((i64::MIN, String::new()));
        if let Some(t) = show
            && !rules
            && ((!personal && best > t) || (personal && best <= t))
        {
            println!(
                "{} {best} [{word}]\t{text}",
                if personal { "MISS" } else { "FP" }
            );
        }
        lines.push((personal, rules, best));
    }
    let (personal, ordinary) = (
        lines.iter().filter(|l| l.0).count(),
        lines.iter().filter(|l| !l.0).count(),
    );
    println!("Pashto tuning lines: {personal} personal, {ordinary} ordinary");
    let count = |personal: bool, threshold: Option<i64>| {
        lines
            .iter()
            .filter(|l| l.0 == personal && (l.1 || threshold.is_some_and(|t| l.2 > t)))
            .count()
    };
    println!(
        "rules alone: {} refused, {} ordinary refused",
        count(true, None),
        count(false, None)
    );
    for t in (-1000..=5000).step_by(500) {
        println!(
            "threshold {t:>5}: {} refused, {} ordinary refused",
            count(true, Some(t)),
            count(false, Some(t))
        );
    }
}
