//! The Pashto name scorer of rules version 14 (facts, weights and threshold of version 20):
//! builds its weights from made-up Pashto notes whose people's names are marked ⟦like this⟧,
//! compares thresholds on the corpus's tuning lines, and cross-validates on the notes.
//!
//! ```text
//! N=protocol/data/names/pashto_train/*.tsv
//! C="protocol/tests/corpus/contact_free.tsv protocol/tests/corpus/contact_free_more.tsv
//!    protocol/tests/corpus/contact_free_tune*.tsv"
//! cargo run --release -p commonground-protocol --example pashto_model -- train \
//!     protocol/data/names/pashto_model.tsv $N $C
//! cargo run --release -p commonground-protocol --example pashto_model -- thresholds \
//!     protocol/data/names/pashto_model.tsv $C
//! cargo run --release -p commonground-protocol --example pashto_model -- crossval $N $C
//! ```
//!
//! Input files are the scorer's notes (`kind<TAB>text`, `name` or `ok`; `#` lines are
//! comments) or files of the contact-free corpus (`lang split expect text`), of which only the
//! Pashto tuning lines are read; a held-out file is refused, and a held-out line skipped. The
//! files are read in the order of their names, whatever order they are given in.
//!
//! `train`: every word of a note that the scorer weighs is one example, a name if it stands
//! inside ⟦ ⟧; the corpus gives its Pashto ordinary tuning lines, as words that are no names
//! (its personal lines do not say which word is the name: `pashto_train/tm_<set>.tsv` holds
//! its name lines with the names marked, as notes). Each personal note is also added
//! with its names swapped for other marked names, so that the words around a name weigh more
//! than the name itself. The weights are those of a logistic regression fitted by stochastic
//! gradient descent with an L2 penalty, in a fixed order from a fixed seed: on one platform, the same inputs give
//! the same file. Facts seen fewer than twice are dropped, and weights are written as integers
//! in thousandths.
//!
//! `thresholds`: for each threshold, how many Pashto personal lines the check refuses and how
//! many ordinary ones, the rules alone and with the scorer whose weights are read from the file
//! given (so that weights can be compared without a rebuild). `CG_SHOW=T` lists the lines the
//! scorer at threshold T gets wrong. Since version 15 the weights shipped are learned from every
//! Pashto tuning line (ordinary, and names marked in `tm_*.tsv`): with them, these figures are
//! in sample.
//!
//! `crossval`: the same figures for each notes file but the `tm_` ones, scored by weights built
//! without it and without the six newest tuning sets' lines, summed; then for the six newest
//! tuning sets of the corpus (`contact_free_tune22.tsv` to `contact_free_tune27.tsv`, if
//! given), by weights built without any of their lines (their ordinary lines, and their name
//! lines marked in `tm_tune22.tsv` to `tm_tune27.tsv`). With `CG_NEWEST_ONLY=1`, only the
//! latter (one fit instead of one per notes file).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use commonground_protocol::privacy::{find_without_scorer, name_model_facts, normalise};

const EPOCHS: usize = 40;
const RATE: f64 = 0.05;
/// The penalty on the weights' size, applied to each fact a word has as it is learned from
/// (version 18: 1e-2, was 1e-4; with the smaller penalty the weights leaned on single words the
/// notes happen to hold, and a word's score moved far on one fact).
const L2: f64 = 1e-2;
const MIN_COUNT: usize = 2;
/// How many copies of each personal note, its names swapped for other marked names, are
/// added to the examples.
const SWAPS: usize = 6;
/// The thresholds compared.
const THRESHOLDS: [i64; 13] = [
    -1000, -500, 0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000,
];
/// The newest tuning sets, which `crossval` checks by weights built without them.
const NEWEST: [&str; 6] = ["tune22", "tune23", "tune24", "tune25", "tune26", "tune27"];

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
#[derive(Clone)]
struct Line {
    /// The file it came from.
    file: String,
    /// From the corpus: a personal line there does not say which word is the name.
    corpus: bool,
    personal: bool,
    text: String,
}

/// The lines of `inputs` (see the module's documentation).
fn read(inputs: &[String]) -> Vec<Line> {
    let files: BTreeSet<&String> = inputs.iter().collect();
    let mut lines = Vec::new();
    for input in files {
        assert!(
            !input.contains("held"),
            "{input}: a held-out file is never read here"
        );
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
            lines.push(Line {
                file: input.clone(),
                corpus,
                personal,
                text: text.to_string(),
            });
        }
    }
    lines
}

/// The text without its marks, normalised, and for each of its bytes whether it stood inside
/// ⟦ ⟧.
fn marked(text: &str) -> (String, Vec<bool>) {
    let (mut plain, mut inside) = (String::new(), Vec::new());
    let mut part = |piece: &str, within: bool| {
        let piece = normalise(piece);
        inside.extend(std::iter::repeat_n(within, piece.len()));
        plain.push_str(&piece);
    };
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('⟦') {
        part(before, false);
        let (name, after) = after.split_once('⟧').unwrap_or((after, ""));
        part(name, true);
        rest = after;
    }
    part(rest, false);
    (plain, inside)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, rest)) if command == "train" && rest.len() >= 2 => {
            let weights = fit(&read(&rest[1..]));
            write(&rest[0], &weights);
        }
        Some((command, rest)) if command == "thresholds" && rest.len() >= 2 => {
            let weights =
                std::fs::read_to_string(&rest[0]).unwrap_or_else(|e| panic!("{}: {e}", rest[0]));
            let show = std::env::var("CG_SHOW").ok().and_then(|v| v.parse().ok());
            print(&count(&read(&rest[1..]), &parse(&weights), show));
        }
        Some((command, rest)) if command == "crossval" && !rest.is_empty() => crossval(rest),
        _ => {
            eprintln!(
                "usage: pashto_model train OUT.tsv INPUT.tsv... | thresholds WEIGHTS.tsv \
                 INPUT.tsv... | crossval INPUT.tsv..."
            );
            std::process::exit(2);
        }
    }
}

/// The weights learned from `lines` (see the module's documentation), in thousandths.
fn fit(lines: &[Line]) -> BTreeMap<String, i64> {
    let notes: Vec<&Line> = lines.iter().filter(|l| !(l.corpus && l.personal)).collect();
    // Every name marked anywhere, once, in a fixed order.
    let pool: Vec<&str> = notes
        .iter()
        .flat_map(|l| {
            l.text
                .split('⟦')
                .skip(1)
                .map(|s| s.split('⟧').next().unwrap_or(""))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut swaps = Lcg(0x5eed);
    let mut texts: Vec<String> = Vec::new();
    for line in &notes {
        texts.push(line.text.clone());
        for _ in 0..if line.personal { SWAPS } else { 0 } {
            let mut parts = line.text.split('⟦');
            let mut swapped = parts.next().unwrap_or("").to_string();
            for part in parts {
                let rest = part.split_once('⟧').map_or("", |(_, r)| r);
                swapped.push('⟦');
                swapped.push_str(pool[swaps.below(pool.len())]);
                swapped.push('⟧');
                swapped.push_str(rest);
            }
            texts.push(swapped);
        }
    }
    let mut examples: Vec<(Vec<String>, bool)> = Vec::new();
    for text in &texts {
        let (plain, inside) = marked(text);
        assert_eq!(normalise(&plain), plain, "normalised twice: {text:?}");
        for (start, _, facts) in name_model_facts(&plain) {
            examples.push((facts, inside[start]));
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (facts, _) in &examples {
        for f in facts {
            *counts.entry(f.as_str()).or_default() += 1;
        }
    }
    let index: BTreeMap<&str, usize> = counts
        .iter()
        .filter(|(_, n)| **n >= MIN_COUNT)
        .enumerate()
        .map(|(k, (f, _))| (*f, k))
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
        "{} notes and lines ({} with swapped names), {} words ({positives} in names), {} facts",
        notes.len(),
        texts.len(),
        data.len(),
        index.len()
    );
    let mut w = vec![0.0f64; index.len()];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut shuffle = Lcg(0x5eed_0001);
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
            loss -= if *y > 0.5 { p } else { 1.0 - p }.max(1e-12).ln();
            let g = p - y;
            for &f in ids {
                w[f] -= rate * (g + L2 * w[f]);
            }
        }
        if epoch % 10 == 9 {
            eprintln!(
                "epoch {}: mean loss {:.4}",
                epoch + 1,
                loss / data.len() as f64
            );
        }
    }
    index
        .iter()
        .map(|(fact, &k)| (fact.to_string(), (w[k] * 1000.0).round() as i64))
        .filter(|(_, milli)| milli.abs() >= 5)
        .collect()
}

/// Writes `weights` to `out` in the format of `protocol/data/names/pashto_model.tsv`.
fn write(out: &str, weights: &BTreeMap<String, i64>) {
    let mut file = String::from(
        "# Weights of the Pashto name scorer (rules version 20), in thousandths: one fact and its\n\
         # weight per line. Built by protocol/examples/pashto_model.rs from made-up notes\n\
         # (protocol/data/names/pashto_train/); see PROTOCOL.md §9c for the facts.\n",
    );
    for (fact, milli) in weights {
        writeln!(file, "{fact}\t{milli}").expect("writing to a String");
    }
    std::fs::write(out, file).unwrap_or_else(|e| panic!("{out}: {e}"));
    eprintln!("{} weights written to {out}", weights.len());
}

/// A weights file read (as the scorer reads it).
fn parse(text: &str) -> BTreeMap<String, i64> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (fact, weight) = l.split_once('\t')?;
            Some((fact.to_string(), weight.trim().parse().ok()?))
        })
        .collect()
}

/// Personal lines refused and ordinary lines refused: by the rules alone, then with the scorer
/// at each of [`THRESHOLDS`].
#[derive(Default)]
struct Counts {
    personal: usize,
    ordinary: usize,
    rules: (usize, usize),
    with: [(usize, usize); THRESHOLDS.len()],
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.personal += other.personal;
        self.ordinary += other.ordinary;
        self.rules.0 += other.rules.0;
        self.rules.1 += other.rules.1;
        for (a, b) in self.with.iter_mut().zip(&other.with) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

/// What the check refuses of `lines` with `weights` (see [`Counts`]); with `show`, prints the
/// lines the scorer at that threshold gets wrong.
fn count(lines: &[Line], weights: &BTreeMap<String, i64>, show: Option<i64>) -> Counts {
    let mut counts = Counts::default();
    for line in lines {
        let text: String = line.text.chars().filter(|c| !"⟦⟧".contains(*c)).collect();
        // What the scorer does not judge: the patterns, and the rules where they judge alone
        // (elsewhere a rule is one of its facts).
        let rules = find_without_scorer(&text).is_some();
        let (best, word) = name_model_facts(&text)
            .into_iter()
            .map(|(_, word, facts)| {
                let score: i64 = facts.iter().filter_map(|f| weights.get(f)).sum();
                (score, word)
            })
            .max()
            .unwrap_or((i64::MIN, String::new()));
        let personal = line.personal;
        if let Some(t) = show
            && !rules
            && (personal == (best <= t))
        {
            let what = if personal { "MISS" } else { "FP" };
            println!("{what} {best} [{word}]\t{text}");
        }
        let slot = |(p, o): &mut (usize, usize), refused: bool| {
            if refused {
                *if personal { p } else { o } += 1;
            }
        };
        *if personal {
            &mut counts.personal
        } else {
            &mut counts.ordinary
        } += 1;
        slot(&mut counts.rules, rules);
        for (k, t) in THRESHOLDS.iter().enumerate() {
            slot(&mut counts.with[k], rules || best > *t);
        }
    }
    counts
}

fn print(counts: &Counts) {
    println!(
        "{} personal, {} ordinary; rules alone: {} refused, {} ordinary refused",
        counts.personal, counts.ordinary, counts.rules.0, counts.rules.1
    );
    for (t, (p, o)) in THRESHOLDS.iter().zip(&counts.with) {
        println!("threshold {t:>5}: {p} refused, {o} ordinary refused");
    }
}

/// Whether `file` holds a tuning set's name lines, marked (`tm_<set>.tsv`).
fn marked_tuning(file: &str) -> bool {
    file_name(file).starts_with("tm_")
}

/// The name of `file`, without its folders.
fn file_name(file: &str) -> &str {
    std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
}

/// See the module's documentation.
fn crossval(inputs: &[String]) {
    let lines = read(inputs);
    // A newest tuning set's lines: its corpus lines and its marked name lines.
    let newest = |l: &Line| {
        let name = file_name(&l.file);
        NEWEST.iter().any(|n| name.contains(n))
    };
    let files: BTreeSet<&str> = lines
        .iter()
        .filter(|l| !l.corpus && !marked_tuning(&l.file))
        .map(|l| l.file.as_str())
        .collect();
    // `CG_NEWEST_ONLY=1`: the six newest tuning sets only (one fit instead of one per file).
    if std::env::var_os("CG_NEWEST_ONLY").is_none() {
        let mut notes = Counts::default();
        for file in &files {
            let (out, rest): (Vec<Line>, Vec<Line>) = lines
                .iter()
                .filter(|l| !newest(l))
                .cloned()
                .partition(|l| l.file == *file);
            notes.add(&count(&out, &fit(&rest), None));
        }
        println!("the notes, each file by weights built without it:");
        print(&notes);
    }
    let (out, rest): (Vec<Line>, Vec<Line>) = lines.into_iter().partition(|l| newest(l));
    // Counted once, as the corpus has them (their marked copies are not counted again).
    let out: Vec<Line> = out.into_iter().filter(|l| l.corpus).collect();
    if !out.is_empty() {
        println!(
            "the six newest tuning sets, by weights built without their lines (ordinary, and \
             name lines marked):"
        );
        print(&count(&out, &fit(&rest), None));
    }
}
