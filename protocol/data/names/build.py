#!/usr/bin/env python3
"""Regenerate given.txt and family.txt, the name lists read by the privacy checker.

Standard library only (Python 3.11). Deterministic: the same pinned packages give
byte-identical files.

    python3 build.py --fetch                  # download the pinned packages, then build
    python3 build.py --downloads DIR          # build from packages already in DIR
    python3 build.py --stats                  # also print counts per source and script
    python3 build.py --why Tesfaye            # which sources gave a name
    python3 build.py --without-nam-dict       # leave out the one GFDL source (see SOURCES.md)

The packages (about 25 MB) are kept in --downloads, by default a folder in the system's
temporary directory, never in the repository.

--fetch runs `pip download --no-deps --only-binary=:all: NAME==VERSION` and
`npm pack NAME@VERSION`, so it needs the two package registries and nothing else. Every
package file is checked against the SHA-256 pinned below before it is read; a package is
read from its archive directly (nothing is installed, no package code is run).

The output is written next to this script unless --out is given. See SOURCES.md for what
each source is, its licence, and why it was chosen; the licence texts are in licences/.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    key: str
    registry: str  # "pypi" or "npm"
    name: str
    version: str
    file: str
    sha256: str


PACKAGES = [
    Package("faker", "pypi", "faker", "40.63.0", "faker-40.63.0-py3-none-any.whl",
            "36627c20b575b4138f54b6c21f8703e9ab122fd487aca11319beec2aa6ca7232"),
    Package("fakerjs", "npm", "@faker-js/faker", "10.6.0", "faker-js-faker-10.6.0.tgz",
            "13b79ed894af1a52a624fdb144384e1fd6c4afc1a30488830d3be64924333674"),
    Package("mimesis", "pypi", "mimesis", "22.2.0", "mimesis-22.2.0-py3-none-any.whl",
            "037011eb3d5edf0b0b5d9eafd74d9881f6dce25b4f01032da0e13fb2a56f37e9"),
    Package("namdict", "pypi", "gender-guesser", "0.4.0", "gender_guesser-0.4.0-py2.py3-none-any.whl",
            "7cb01ce5d8d43b94573498bc02c959b622872abd399622ca67d1b73ba6e7e222"),
    Package("habesha", "pypi", "habesha-names", "0.2.0", "habesha_names-0.2.0-py3-none-any.whl",
            "98c9c7e2b1845111278f2e5db03a92496715f8cff49f62e0f646573856f74026"),
    Package("persian", "pypi", "persian-names", "1.5.1", "persian_names-1.5.1-py3-none-any.whl",
            "412202569e0e99046e312612aaa8055d925c5270ba196a4688f4027b1c12f0aa"),
    Package("romanizer", "pypi", "arabic-name-romanizer", "0.2.0",
            "arabic_name_romanizer-0.2.0-py3-none-any.whl",
            "f70b89614d9b5866dcf911d098c5e45d2b1f559461f238e8c5259b731fcf2a7e"),
    Package("morphex", "pypi", "morphex", "0.1.0", "morphex-0.1.0-py3-none-any.whl",
            "cf23c829e51d2d262f0c356a9dfb0734022411b1125f9c5e5a978f94be273c0f"),
    Package("niafaker", "pypi", "niafaker", "1.0.0", "niafaker-1.0.0-py3-none-any.whl",
            "a2f04c2913e2375e0e3007fb34aeae40f14b8b21969a35597543c229d3637804"),
]

# Word lists, not names: read by derived.py (sorani.txt), fetched and verified like the name
# packages. KLPT's Sorani hunspell dictionary (CC-BY-SA-4.0) tags each entry with its part of
# speech; its everyday words (not `po:propn`) tell a Sorani word from a name.
WORD_PACKAGES = [
    Package("klpt", "pypi", "klpt", "0.1.7", "klpt-0.1.7-py3-none-any.whl",
            "4109c56128fd9af478881c3516cc28106b593dae2ccdf769d1c1d361be00749d"),
]

# arabic-name-romanizer: keep a Wikidata-derived name part only when at least this many
# people carry it, so a list entry is a shared name, not one person's.
ROMANIZER_MIN_BEARERS = 3

GIVEN, FAMILY = "given", "family"

# ---------------------------------------------------------------------------------------
# Fetching and verifying
# ---------------------------------------------------------------------------------------


def fetch(dl: str, without: frozenset[str] = frozenset()) -> None:
    os.makedirs(dl, exist_ok=True)
    for p in PACKAGES + WORD_PACKAGES:
        if p.key in without or os.path.exists(os.path.join(dl, p.file)):
            continue
        if p.registry == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-q", "-d", dl, f"{p.name}=={p.version}"]
        else:
            cmd = ["npm", "pack", "--silent", "--pack-destination", dl, f"{p.name}@{p.version}"]
        print("+", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True)


def open_verified(dl: str, p: Package) -> bytes:
    path = os.path.join(dl, p.file)
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != p.sha256:
        sys.exit(f"{path}: sha256 {digest}, expected {p.sha256} ({p.name} {p.version})")
    return data


class Archive:
    """Read-only view of a wheel (zip) or an npm tarball (tgz)."""

    def __init__(self, data: bytes, kind: str):
        self.files: dict[str, bytes] = {}
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for n in z.namelist():
                    if not n.endswith("/"):
                        self.files[n] = z.read(n)
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
                for m in t.getmembers():
                    if m.isfile():
                        self.files[m.name] = t.extractfile(m).read()

    def names(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        return sorted(n for n in self.files if rx.fullmatch(n))

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")


# ---------------------------------------------------------------------------------------
# Cleaning: one raw entry -> zero or more single-token names
# ---------------------------------------------------------------------------------------

# The same characters that the checker's `is_invisible` (protocol/src/privacy) removes,
# so a listed name looks exactly like the checker's normalised copy of typed text. For
# Persian this joins compounds written with a zero-width non-joiner (علی‌پور -> علیپور).
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Arabic-script vowel marks and tatweel: names are typed without them.
ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
# Apostrophe look-alikes (including ʿ ʾ of Arabic transliteration) read as ASCII '.
APOSTROPHES = re.compile("[\u2018\u2019\u02bc\u02bb\u02be\u02bf\u0060\u00b4]")

# Tokens that are particles, articles or religious words inside multi-part names (al-,
# bin, abd, Allah, de, van ...). Never listed on their own: they are ordinary words in
# running text ("insha Allah", "et al", "de"), not names.
STOP_TOKENS = {t.casefold() for t in """
    al el ul ud ad as ash at ar az an ibn bin ben bint binti abu abou umm um ould wuld
    abd allah ullah llah din deen uddin
    egziabher igziabher iyesus kristos kirsitos
    de da di del della dei der den des du dos das do la le lo los las van von ter ten
    y e i o a of the and st mc mac
    ال عبد بن ابن بنت ابو أبو ام أم الله الدين ولد
    الرحمن الرحمان الرحيم الاسلام الإسلام السلام الحق الخير الزمان العالم الان
    እግዚአብሔር ኢየሱስ ክርስቶስ
""".split()}

# Fewest letters a listed name may have. Two-letter tokens in alphabetic scripts are, in
# these sources, mostly initials, fragments or words (So, My, In, Un, Jc, Xx, and in Arabic
# script من، در، به، لا), so alphabets and abjads need three letters; abugidas, where one
# letter is a syllable, need two. One exception: a two-letter Latin name that still has a
# letter outside ASCII once folded as the checker folds (NFD, combining marks removed,
# lower case) is kept (Vietnamese Đỗ, Đô); Lê, Vũ, Hồ fold to le, vu, ho and are not.
MIN_LETTERS = {"ETHIOPIC": 2, "THAANA": 2, "DEVANAGARI": 2, "BENGALI": 2, "GUJARATI": 2,
               "GURMUKHI": 2, "ORIYA": 2, "TAMIL": 2, "TELUGU": 2, "KANNADA": 2,
               "MALAYALAM": 2, "SINHALA": 2}

# Scripts written without spaces between words: a listed name would match inside other
# words, so these are left out (their romanised forms, where a source has them, stay in).
UNSPACED_SCRIPTS = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR",
                    "TIBETAN"}


def script_of(ch: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, ARABIC,
    ETHIOPIC, CYRILLIC, CJK, HANGUL ...); modifier letters count as Latin."""
    name = unicodedata.name(ch, "UNKNOWN")
    return "LATIN" if name.startswith("MODIFIER LETTER") else name.split(" ")[0]


def token_script(tok: str) -> str | None:
    """The one script of a token's letters, or None if it mixes scripts."""
    scripts = {script_of(c) for c in tok if unicodedata.category(c).startswith("L")}
    return scripts.pop() if len(scripts) == 1 else None


def checker_fold(tok: str) -> str:
    """How protocol/src/privacy/names.rs compares names: NFD, combining marks removed,
    lower case."""
    d = unicodedata.normalize("NFD", tok)
    return "".join(c for c in d if not unicodedata.combining(c)).lower()


def is_name_token(tok: str) -> bool:
    """Letters (with their combining marks) only; ' and - allowed between letters; at least
    MIN_LETTERS[script] (default 3) letters, or two Latin ones not ASCII once folded."""
    if len(tok) < 2:
        return False
    prev_joiner = True  # no joiner at the start
    for c in tok:
        cat = unicodedata.category(c)
        if c in "'-":
            if prev_joiner:
                return False
            prev_joiner = True
        elif cat.startswith("L") or (cat.startswith("M") and not prev_joiner):
            prev_joiner = False
        else:
            return False
    if prev_joiner:  # ends with a joiner
        return False
    letters = sum(1 for c in tok if unicodedata.category(c).startswith("L"))
    script = token_script(tok)
    if script == "LATIN" and letters == 2 and not checker_fold(tok).isascii():
        return True
    return script is not None and letters >= MIN_LETTERS.get(script, 3)


def clean(raw: str, split_hyphen: bool = True) -> list[str]:
    """One source entry -> the single-token names it contains (possibly none)."""
    s = unicodedata.normalize("NFC", raw)
    s = INVISIBLE.sub("", s)
    s = ARABIC_MARKS.sub("", s)
    s = APOSTROPHES.sub("'", s)
    s = unicodedata.normalize("NFC", s)
    out: list[str] = []
    words = s.split()
    for i, tok in enumerate(words):
        tok = tok.strip("'-")
        # In Arabic-script compound names the later words of "عبد الرحمن", "نور الدين",
        # "سيف الإسلام", "عبد ربه" are divine epithets or ordinary words (the Merciful, the
        # religion, Islam, his Lord), not names on their own: after the first word, skip
        # any word with the article and any word that follows عبد.
        if i > 0 and (tok.startswith(("ال", "ٱل")) or words[i - 1] == "عبد"):
            continue
        if not is_name_token(tok):
            continue
        sc = token_script(tok)
        if sc is None or sc in UNSPACED_SCRIPTS:
            continue
        parts = [tok]
        if split_hyphen and "-" in tok:  # Jean-Pierre, Abdel-Aziz: the whole and each part
            parts += [p.strip("'") for p in tok.split("-")]
        for p in parts:
            if is_name_token(p) and p.casefold() not in STOP_TOKENS:
                out.append(p)
    return out


def sorani_modern(s: str) -> str:
    """Older Sorani Kurdish encodings -> the current one: heh + ZWNJ -> ae (ە), Arabic kaf
    and yeh -> keheh and Farsi yeh. Applied to the faker-js ku_ckb lists only, which use the
    old encoding; both spellings are listed."""
    return s.replace("\u0647\u200c", "\u06d5").replace("\u0643", "\u06a9").replace("\u064a", "\u06cc")


# ---------------------------------------------------------------------------------------
# Extractors: each yields (kind, group, raw_string[, split_hyphen]); group names the
# source's locale or sub-list (used only for --stats and --why)
# ---------------------------------------------------------------------------------------


def strings_in(node: ast.AST):
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            yield n.value


def faker_kind(attr: str) -> str | None:
    if "name" not in attr or attr in ("names", "language_names"):
        return None
    if attr.startswith(("first_", "middle_")):
        return GIVEN
    if attr.startswith("last_") or "_last_" in attr:
        return FAMILY
    return None


# Python Faker locales left out because of where their names came from: ka_GE cites the
# "2012 Voters List" of Georgia; en_KE cites forebears.io, whose underlying records are not
# documented (they may include electoral rolls).
FAKER_EXCLUDED_LOCALES = {"ka_GE", "en_KE"}


def extract_faker(a: Archive):
    """Python Faker: class attributes of every person provider (first_names*, last_names*,
    middle_names*, romanised and paired variants), read from the source with `ast` (not
    imported). Only string constants inside those attributes' literal values are taken, so
    format templates ("{{first_name}} {{last_name}}"), prefixes and suffixes are never read."""
    for path in a.names(r"faker/providers/person/[a-z]{2,3}(_[A-Za-z]{2,4})?/__init__\.py"):
        locale = path.split("/")[3]
        if locale in FAKER_EXCLUDED_LOCALES:
            continue
        tree = ast.parse(a.text(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            kind = faker_kind(target.id)
            if kind is None:
                continue
            for s in strings_in(value):
                yield kind, f"faker:{locale}", s


class JsReader:
    """Just enough of JavaScript's expression syntax to read the data objects of a bundled
    faker-js locale: object and array literals, string and template literals, and
    `literal.split(sep)`. Anything else (identifiers, calls, numbers) is read as None."""

    def __init__(self, src: str, pos: int):
        self.s, self.i = src, pos

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def string(self) -> str:
        q = self.s[self.i]
        self.i += 1
        out = []
        while True:
            c = self.s[self.i]
            if c == "\\":
                n = self.s[self.i + 1]
                if n == "u":
                    if self.s[self.i + 2] == "{":
                        end = self.s.index("}", self.i)
                        out.append(chr(int(self.s[self.i + 3:end], 16)))
                        self.i = end + 1
                    else:
                        out.append(chr(int(self.s[self.i + 2:self.i + 6], 16)))
                        self.i += 6
                    continue
                out.append({"n": "\n", "t": "\t"}.get(n, n))
                self.i += 2
                continue
            if c == q:
                self.i += 1
                return "".join(out)
            if q == "`" and c == "$" and self.s[self.i + 1] == "{":
                raise ValueError("template substitution in data")
            out.append(c)
            self.i += 1

    def value(self):
        c = self.peek()
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c in "`'\"":
            v = self.string()
            if self.s.startswith(".split(", self.i):
                self.i += len(".split(")
                self.ws()
                sep = self.string()
                self.ws()
                assert self.s[self.i] == ")"
                self.i += 1
                return v.split(sep)
            return v
        # anything else: skip to the end of this expression
        depth = 0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in "`'\"":
                self.string()
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    return None
                depth -= 1
            elif c == "," and depth == 0:
                return None
            self.i += 1
        return None

    def obj(self) -> dict:
        self.i += 1
        out = {}
        while True:
            c = self.peek()
            if c == "}":
                self.i += 1
                return out
            if c in "`'\"":
                key = self.string()
            else:
                m = re.compile(r"[A-Za-z_$][\w$]*").match(self.s, self.i)
                if not m:
                    raise ValueError(f"bad key at {self.i}")
                key = m.group(0)
                self.i = m.end()
            if self.peek() != ":":
                raise ValueError(f"no ':' at {self.i}")
            self.i += 1
            out[key] = self.value()
            if self.peek() == ",":
                self.i += 1

    def arr(self) -> list:
        self.i += 1
        out = []
        while True:
            if self.peek() == "]":
                self.i += 1
                return out
            out.append(self.value())
            if self.peek() == ",":
                self.i += 1


def js_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from js_strings(x)
    elif isinstance(v, dict):
        for k in sorted(v):
            if k != "weight":
                yield from js_strings(v[k])


def extract_fakerjs(a: Archive):
    """@faker-js/faker: the `person` definitions (first_name, middle_name, last_name) of
    every locale chunk that dist/locale/<locale>.js imports."""
    for path in a.names(r"package/dist/locale/[A-Za-z_]+\.js"):
        locale = path.rsplit("/", 1)[1][:-3]
        m = re.search(r'from"\.\./([^"]+\.js)"', a.text(path))
        if not m:
            continue
        src = a.text("package/dist/" + m.group(1))
        for pm in re.finditer(r"[{,]person:\{", src):
            person = JsReader(src, pm.end() - 1).value()
            for key, kind in (("first_name", GIVEN), ("middle_name", GIVEN), ("last_name", FAMILY)):
                for s in js_strings(person.get(key)):
                    if locale == "ku_ckb":
                        modern = sorani_modern(s)
                        if modern != s:
                            yield kind, f"faker-js:{locale}", modern
                    yield kind, f"faker-js:{locale}", s


def extract_mimesis(a: Archive):
    """mimesis: datasets/<locale>/person.json, keys `names` (given) and `surnames`."""
    for path in a.names(r"mimesis/datasets/[a-z-]+/person\.json"):
        locale = path.split("/")[2]
        d = json.loads(a.text(path))
        for key, kind in (("names", GIVEN), ("surnames", FAMILY)):
            for s in js_strings(d.get(key)):
                yield kind, f"mimesis:{locale}", s


NAMDICT_COUNTRIES = """great_britain ireland usa italy malta portugal spain france belgium
    luxembourg the_netherlands east_frisia germany austria swiss iceland denmark norway sweden
    finland estonia latvia lithuania poland czech_republic slovakia hungary romania bulgaria
    bosnia_and_herzegovina croatia kosovo macedonia montenegro serbia slovenia albania greece
    russia belarus moldova ukraine armenia azerbaijan georgia kazakhstan_uzbekistan turkey
    arabia_persia israel china india_sri_lanka japan korea vietnam other_countries""".split()

NAMDICT_KEEP_RARE = {"arabia_persia", "turkey", "kazakhstan_uzbekistan", "india_sri_lanka",
                     "albania", "kosovo", "azerbaijan", "other_countries"}


def extract_namdict(a: Archive):
    """gender-guesser's nam_dict.txt (Jörg Michael): every first name line. A '+' inside a
    name stands, per the file's own header, for '-', ' ' or nothing ("Jun+Wei": Jun-Wei,
    Jun Wei, Junwei); the one-token spellings (Junwei, Jun-Wei) are read, not the parts,
    which are listed only where the file lists them as names on their own. Lines starting
    with '=' (short-form equivalences) add no new names. The group is the country column
    with the highest frequency (first one on a tie). Yields (kind, group, raw, split).

    Names whose highest frequency is 1 (the file's "rare") in every country are left out
    (the file holds ~23,000 such, mostly two-syllable Chinese combinations), except where
    listed for a country in NAMDICT_KEEP_RARE: the regions most of the people this list
    protects come from, where the file's statistics are thinner."""
    text = a.text("gender_guesser/data/nam_dict.txt")
    for line in text.splitlines():
        if not line or line[0] in "#=":
            continue
        name = line.split()[1]
        freqs = line[30:30 + len(NAMDICT_COUNTRIES)]
        best, group = -1, "other_countries"
        for col, ch in zip(NAMDICT_COUNTRIES, freqs):
            if ch.strip():
                v = int(ch, 16)
                if v > best:
                    best, group = v, col
        if best < 2 and not any(ch.strip() and col in NAMDICT_KEEP_RARE
                                for col, ch in zip(NAMDICT_COUNTRIES, freqs)):
            continue
        g = f"nam_dict:{group}"
        if "+" in name:
            for sep in ("", "-"):
                yield GIVEN, g, name.replace("+", sep), False
        else:
            yield GIVEN, g, name


def extract_habesha(a: Archive):
    """habesha-names: given_names.json (Fidel, canonical Latin, attested Latin variants) and
    the parts of compound given names in compounds.json (Gebre-, Wolde-, -Mariam ...).
    Ethiopian and Eritrean names are patronymic: there is no family-name list."""
    g = json.loads(a.text("habesha_names/data/given_names.json"))
    for e in g["entries"]:
        for s in [e["fidel"], e["canonical"], *e["variants"]]:
            yield GIVEN, f"habesha:{e['origin']}", s
    c = json.loads(a.text("habesha_names/data/compounds.json"))
    for e in c["prefixes"] + c["second_elements"]:
        for s in [e["fidel"], e["latin"], *e["variants"]]:
            yield GIVEN, "habesha:compound-part", s


def extract_persian(a: Archive):
    """persian-names: data/{male,female}{,_en,_fa}.txt (region_*.txt are place names)."""
    for stem in ("male", "female", "male_en", "female_en", "male_fa", "female_fa"):
        for line in a.text(f"persian_names/data/{stem}.txt").splitlines():
            yield GIVEN, "persian-names:" + ("fa" if stem.endswith("_fa") else "latin"), line


def extract_romanizer(a: Archive):
    """arabic-name-romanizer: its `units` table (one row per name part, Arabic-script key,
    Latin spelling, country, role, number of bearers), rows whose source is Wikidata (CC0)
    with the role `given` or `surname`. A spelling is kept when at least
    ROMANIZER_MIN_BEARERS Wikidata people carry it in that role (summed over countries and
    the other script's spellings), so an entry is a shared name, not one person's. Rows from
    its other source (DziriNames, whose upstream provenance is not documented) and its
    table of full names are not read."""
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "names.sqlite3")
        with open(db, "wb") as f:
            f.write(a.files["arabic_name_romanizer/resources/names.sqlite3"])
        con = sqlite3.connect(db)
        rows = con.execute(
            "SELECT arabic_key, latin, country, role, count FROM units "
            "WHERE source = 'wikidata' AND role IN ('given', 'surname') "
            "ORDER BY arabic_key, latin, country, role").fetchall()
        con.close()
    bearers_ar: Counter = Counter()
    bearers_la: Counter = Counter()
    for ar, la, _country, role, n in rows:
        bearers_ar[(ar, role)] += n
        bearers_la[(la.casefold(), role)] += n
    for ar, la, country, role, _n in rows:
        kind = GIVEN if role == "given" else FAMILY
        if bearers_ar[(ar, role)] >= ROMANIZER_MIN_BEARERS:
            yield kind, f"romanizer:{country}", ar
        if bearers_la[(la.casefold(), role)] >= ROMANIZER_MIN_BEARERS:
            yield kind, f"romanizer:{country}", la


def extract_morphex(a: Archive):
    """morphex: data/lexicon.tsv (Yoruba, Igbo, Hausa), rows not marked `rejected`."""
    for line in a.text("morphex/data/lexicon.tsv").splitlines():
        if not line or line.startswith("#") or line.startswith("name\t"):
            continue
        name, tradition, typ, _prov, status, *_ = line.split("\t")
        if status == "rejected":
            continue
        yield (FAMILY if typ == "surname" else GIVEN), f"morphex:{tradition}", name


def extract_niafaker(a: Archive):
    """niafaker: locales/<country>/person.json."""
    for path in a.names(r"niafaker/locales/[a-z]+/person\.json"):
        country = path.split("/")[2]
        d = json.loads(a.text(path))
        for key, kind in (("male_first_names", GIVEN), ("female_first_names", GIVEN),
                          ("last_names", FAMILY)):
            for s in d.get(key, []):
                yield kind, f"niafaker:{country}", s


EXTRACTORS = {
    "faker": extract_faker, "fakerjs": extract_fakerjs, "mimesis": extract_mimesis,
    "namdict": extract_namdict, "habesha": extract_habesha, "persian": extract_persian,
    "romanizer": extract_romanizer, "morphex": extract_morphex, "niafaker": extract_niafaker,
}

# ---------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------


# Scripts whose names are written with an initial capital. (Georgian has capitals since
# Unicode 11, but names are written in lower-case Mkhedruli only.)
CASED_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN"}


def representative(forms: set[str]) -> str:
    """One spelling per case-insensitive name: prefer a mixed-case form as a source wrote it
    (Mohammed over MOHAMMED or mohammed); a name only ever written in one case is given an
    initial capital (ADEBAYO -> Adebayo)."""
    def rank(f: str):
        return (f == f.upper() or f == f.lower(), f)
    best = min(forms, key=rank)
    if (best == best.upper() or best == best.lower()) and token_script(best) in CASED_SCRIPTS:
        low = best.lower()
        best = low[:1].upper() + low[1:]
    return best


def build(dl: str, without: frozenset[str] = frozenset()):
    records = []  # (kind, group, tokens, from a multi-word entry)
    for p in PACKAGES:
        if p.key in without:
            continue
        archive = Archive(open_verified(dl, p), "zip" if p.file.endswith(".whl") else "tgz")
        for kind, group, raw, *split in EXTRACTORS[p.key](archive):
            multi = len(INVISIBLE.sub("", raw).split()) > 1
            records.append((kind, group, clean(raw, *split), multi))
    # Outside the Latin script, a word of a multi-word entry ("نسرین دخت", "بنو كلب", "בן מלך",
    # "Ысқақ ұлы") is listed only if some source lists it as a one-word name: there the
    # later parts of compound names are often suffixes or ordinary words (daughter, tribe
    # of, king, son). In Latin script the words left after the particles are taken out
    # (van Rooyen, du Plessis, Abu Daqqa, Quỳnh Trâm) are themselves names, and all stay.
    one_word = {t.casefold() for _k, _g, toks, multi in records if not multi for t in toks}
    lists: dict[str, dict[str, set[str]]] = {GIVEN: defaultdict(set), FAMILY: defaultdict(set)}
    contrib: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (kind, group, script)
    origin: dict[tuple[str, str], set[str]] = defaultdict(set)  # (kind, casefolded) -> groups
    for kind, group, toks, multi in records:
        for tok in toks:
            key = tok.casefold()
            if multi and key not in one_word and token_script(tok) != "LATIN":
                continue
            # A given name is not written alone with the Arabic article: such tokens are
            # the second half of compound names (نور الدين, عز العرب) or transliterated
            # foreign names (البرت), and many are ordinary words.
            if kind == GIVEN and tok.startswith(("ال", "ٱل")):
                continue
            lists[kind][key].add(tok)
            contrib[(kind, group, token_script(tok))].add(key)
            origin[(kind, key)].add(group)
    final = {k: sorted(representative(v) for v in d.values()) for k, d in lists.items()}
    return final, contrib, origin


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--downloads", default=os.path.join(tempfile.gettempdir(), "common-ground-names"),
                    help="folder holding the pinned package files (default: %(default)s)")
    ap.add_argument("--fetch", action="store_true", help="download missing packages first")
    ap.add_argument("--out", default=here, help="where to write given.txt and family.txt")
    ap.add_argument("--stats", action="store_true", help="print counts per source and script")
    ap.add_argument("--without-nam-dict", action="store_true",
                    help="leave out gender-guesser's nam_dict.txt (GFDL): every remaining source "
                         "is MIT or CC0-derived")
    ap.add_argument("--why", metavar="NAME", action="append", default=[],
                    help="print which sources gave NAME (repeatable)")
    args = ap.parse_args()
    without = frozenset({"namdict"} if args.without_nam_dict else ())
    if args.fetch:
        fetch(args.downloads, without)
    final, contrib, origin = build(args.downloads, without)
    for name in args.why:
        for kind in (GIVEN, FAMILY):
            groups = sorted(origin.get((kind, name.casefold()), ()))
            print(f"{name}\t{kind}\t{' '.join(groups) or '-'}")
    os.makedirs(args.out, exist_ok=True)
    for kind in (GIVEN, FAMILY):
        path = os.path.join(args.out, f"{kind}.txt")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(n + "\n" for n in final[kind]))
        print(f"{path}: {len(final[kind])} names", file=sys.stderr)
    if args.stats:
        for kind in (GIVEN, FAMILY):
            by_script = Counter(token_script(n) for n in final[kind])
            print(f"\n## {kind}.txt by script: " + ", ".join(f"{s} {c}" for s, c in sorted(by_script.items())))
        print("\n## distinct names (case-insensitive) contributed, by source group and script")
        for (kind, group, script), keys in sorted(contrib.items()):
            print(f"{kind}\t{group}\t{script}\t{len(keys)}")


if __name__ == "__main__":
    main()
