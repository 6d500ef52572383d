//! C1: the contact-free check's time on one text of 600 to 9,600 characters of ordinary
//! organising words in English, Arabic and French (no personal data: every rule runs to the end
//! of the text), and on Pashto texts of 4,800 and 9,600 characters (where the name rules also
//! run the Pashto scorer, since rules version 14). The target is that it grows with the text,
//! not with its square: a plan's goal is checked whole when a list shows it.

use std::time::{Duration, Instant};

use super::Row;

/// Ordinary Pashto words: a Pashto text, which the name rules also weigh with the Pashto
/// scorer (rules version 14).
const PASHTO: &[&str] = &[
    "غونډه",
    "د",
    "کونسل",
    "په",
    "اړه",
    "ژباړونکی",
    "ته",
    "راشئ",
    "خوړو",
    "بانک",
    "کورنۍ",
    "مرسته",
    "وکړئ",
    "لپاره",
    "اونۍ",
    "ښوونځي",
    "ټولګي",
];

/// A text of at least `chars` characters of ordinary words, the same every run.
fn ordinary(chars: usize) -> String {
    words(
        chars,
        &[
            "campaign",
            "housing",
            "the",
            "council",
            "meeting",
            "تعلم",
            "السكن",
            "réunion",
            "au",
            "centre",
            "Tuesday",
            "12",
            "families",
            "legal",
            "aid",
        ],
    )
}

/// A text of at least `chars` characters of `vocabulary`, in an order the same every run.
fn words(chars: usize, vocabulary: &[&str]) -> String {
    let (mut text, mut state) = (String::new(), 0u64);
    while text.chars().count() < chars {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(vocabulary[(state >> 33) as usize % vocabulary.len()]);
        text.push(' ');
    }
    text
}

/// The median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

pub(crate) fn c1() -> Row {
    use commonground_protocol::privacy::{check_text, explain_name, find, name_model_facts};
    // The first check builds the rules (regular expressions, name lists): not timed.
    let _ = check_text("goal", "warm up");
    let sizes = [600, 1_200, 2_400, 4_800, 9_600];
    let mut parts = Vec::new();
    let mut times = Vec::new();
    for n in sizes {
        let text = ordinary(n);
        let all = median(7, || assert!(check_text("goal", &text).is_ok()));
        let names = median(7, || assert!(explain_name(&text).is_none()));
        parts.push(format!(
            "{n}: {:.2} ms (names {:.2} ms)",
            all.as_secs_f64() * 1e3,
            names.as_secs_f64() * 1e3
        ));
        times.push(all.as_secs_f64());
    }
    let growth = times[4] / times[3];
    let pashto = words(9_600, PASHTO);
    let found = (find(&pashto), explain_name(&pashto));
    assert_eq!(
        found,
        (None, None),
        "the Pashto text of C1 must hold no personal data"
    );
    let pashto_all = median(7, || assert!(check_text("goal", &pashto).is_ok()));
    // Half as long: the scorer too grows with the text, not its square.
    let half = words(4_800, PASHTO);
    let pashto_half = median(7, || assert!(check_text("goal", &half).is_ok()));
    let pashto_names = median(7, || assert!(explain_name(&pashto).is_none()));
    // The scorer's facts of every word, alone (tokens and lists included).
    let scorer = median(7, || assert!(!name_model_facts(&pashto).is_empty()));
    parts.push(format!(
        "Pashto 9,600: {:.2} ms (names {:.2} ms; the Pashto scorer's tokens, lists and facts \
         alone {:.2} ms; ×{:.2} from Pashto 4,800, {:.2} ms)",
        pashto_all.as_secs_f64() * 1e3,
        pashto_names.as_secs_f64() * 1e3,
        scorer.as_secs_f64() * 1e3,
        pashto_all.as_secs_f64() / pashto_half.as_secs_f64(),
        pashto_half.as_secs_f64() * 1e3
    ));
    Row {
        name: "C1 contact-free check of one text",
        result: format!(
            "{}; ×{growth:.2} from 4,800 to 9,600 characters",
            parts.join(", ")
        ),
        baseline: "—".into(),
        target: "grows with the text (×2 per doubling), not its square (×4)",
    }
}
