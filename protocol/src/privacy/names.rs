//! People's names. A name is told by two things together: lists of common given and family
//! names in the languages of the groups (`protocol/data/names/`, with their sources and
//! licences in SOURCES.md), and the words around it. "Amina Yusuf from the hotel", "Mr Haile",
//! "Umm Ahmed", "اسمها فاطمة" are names; "the Herbert Art Gallery", "Victoria Park", "Cllr Jane
//! Smith" (a public office-holder, named with the office) and "we have hope" are not.
//!
//! Words are compared in a folded form ([`fold`]): lower case, accents off, and the Arabic
//! script's variant letters made one (alef forms, yeh and kaf in Arabic, Persian and Urdu
//! spelling, teh marbuta and heh), so that one list serves every spelling.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, PoisonError, RwLock};

use super::patterns::is_mark;

use unicode_normalization::UnicodeNormalization;

mod model;

const GIVEN: &str = include_str!("../../data/names/given.txt");
const FAMILY: &str = include_str!("../../data/names/family.txt");
/// Common Eritrean and Ethiopian given names in Ethiopic letters, by hand (the public lists
/// hold few): `ethiopic.txt`.
const ETHIOPIC: &str = include_str!("../../data/names/ethiopic.txt");
/// Family and tribal names common among the groups' members, by hand: `family_extra.txt`.
/// They count as firm family names after a given name, never alone.
const FAMILY_EXTRA: &str = include_str!("../../data/names/family_extra.txt");
/// Pashtun and Kurdish given names as written, by hand: `given_extra.txt`.
const GIVEN_EXTRA: &str = include_str!("../../data/names/given_extra.txt");
/// Names that are also everyday words (hope, grace, rose; أمل, نور): they count as names only
/// with a title, beside another name, or where a name is introduced (`derived.py`).
const AMBIGUOUS: &str = include_str!("../../data/names/ambiguous.txt");
/// Names that two or more source packages list: a name written alone counts only if it is one
/// of these, or if a verb of speech or wanting follows it (`derived.py`).
const STRONG: &str = include_str!("../../data/names/strong.txt");
/// Everyday words of Arabic, Persian and Urdu text (`derived.py`): in a slot where a person is
/// named, a word of the Arabic script that is not one of these is taken for a name.
const COMMON: &str = include_str!("../../data/names/common.txt");
/// Everyday words of Sorani (`derived.py`, from KLPT's Sorani dictionary, no proper names):
/// read with [`COMMON`], which has no Sorani (version 11).
const SORANI: &str = include_str!("../../data/names/sorani.txt");
/// Everyday words of Pashto (`derived.py`, from Tesseract's Pashto word list, less every listed
/// name): read with [`COMMON`], which has no Pashto (version 13).
const PASHTO: &str = include_str!("../../data/names/pashto.txt");
/// Towns and cities (`derived.py`): a place's name written alone is not a person's.
const PLACES: &str = include_str!("../../data/names/places.txt");

/// The folded form of a word, used for every comparison.
pub(super) fn fold(word: &str) -> String {
    word.nfd()
        .filter(|c| !is_mark(*c) && *c != '\u{0640}')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            // Not 'ى' (alef maksura): Arabic keeps على "on" apart from علي "Ali".
            'ی' | 'ې' | 'ۍ' | 'ێ' | 'ئ' | 'ے' => 'ي',
            'ک' | 'ڪ' => 'ك',
            'ګ' => 'گ',
            'ة' | 'ۃ' | 'ہ' | 'ە' | 'ھ' => 'ه',
            'ؤ' => 'و',
            '’' | 'ʼ' | '`' => '\'',
            c => c,
        })
        .collect()
}

struct Lists {
    given: HashSet<String>,
    family: HashSet<String>,
    ambiguous: HashSet<String>,
    strong: HashSet<String>,
    common: HashSet<String>,
    /// The everyday words of Pashto alone (`pashto.txt`, also in `common`): words that Arabic,
    /// Persian and Urdu text seldom holds, so that two of them make a text Pashto.
    pashto: HashSet<String>,
    places: HashSet<String>,
    /// The everyday words of [`AMBIGUOUS_RULES`] alone (not the dictionaries' lists, which
    /// in Arabic script also hold the most frequent names).
    rules: HashSet<String>,
    /// The hand list of family names (`family_extra.txt`): chosen as names, so firm even
    /// where a dictionary also holds the word ("الخطيب" the preacher).
    family_extra: HashSet<String>,
    /// The hand list of given names, as written: names chosen as names, which the
    /// dictionaries' word lists do not make everyday words (only [`AMBIGUOUS_RULES`] does).
    /// Not the family names: many are also words (نظری "opinion", قربانی "victim"), so they
    /// count only after a given name (see `hand_family`).
    by_hand: HashSet<String>,
}

fn set(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(fold)
        .collect()
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let given_extra = set(GIVEN_EXTRA);
    let family_extra = set(FAMILY_EXTRA);
    let mut ambiguous = set(AMBIGUOUS);
    ambiguous.extend(AMBIGUOUS_RULES.iter().map(|w| fold(w)));
    Lists {
        given: set(GIVEN)
            .into_iter()
            .chain(set(ETHIOPIC))
            .chain(given_extra.iter().cloned())
            .collect(),
        family: set(FAMILY)
            .into_iter()
            .chain(family_extra.iter().cloned())
            .collect(),
        ambiguous,
        strong: set(STRONG)
            .into_iter()
            .chain(given_extra.iter().cloned())
            .collect(),
        common: set(COMMON)
            .into_iter()
            .chain(set(SORANI))
            .chain(set(PASHTO))
            .collect(),
        pashto: set(PASHTO),
        places: set(PLACES),
        rules: AMBIGUOUS_RULES.iter().map(|w| fold(w)).collect(),
        family_extra,
        by_hand: given_extra,
    }
});

/// Towns and regions of Kurdistan and Afghanistan as the groups write them, beside the
/// gazetteer's (which holds the larger ones under other spellings, and many towns named like
/// people): in a person's slot, a place ("Zarokên Kobanê", the children of Kobanî)
/// (version 8).
#[rustfmt::skip]
const HOME_PLACES: &[&str] = &[
    "kobanê", "kobanî", "efrîn", "amed", "qamişlo", "şengal", "hewlêr", "silêmanî", "kerkûk",
    "mehabad", "cizîr", "dihok", "helebce", "rojava", "kurdistan", "kurdistanê", "کۆبانێ",
    "عەفرین", "هەولێر", "سلێمانی", "کەرکووک", "هەڵەبجە", "مەهاباد", "دهۆک", "شنگال", "ڕۆژاوا",
    "کوردستان", "کابل", "کندهار", "هلمند", "ننګرهار", "هرات", "کندز", "پکتیا", "خوست", "غزني",
    "غزنی", "کونړ", "لغمان", "میوند", "پنجشیر", "بامیان", "بدخشان", "تخار", "لوګر", "وردګ",
];

/// Countries the groups' members come from or pass through, as Kurmanji (with the oblique),
/// Sorani, Pashto and Persian write them, which the lists hold as names: in a person's slot
/// they are no one ("zarokên Sûriyê", the children of Syria) (version 11).
#[rustfmt::skip]
const COUNTRIES: &[&str] = &[
    "sûriye", "sûriyê", "iraq", "iraqê", "îran", "îranê", "tirkiye", "tirkiyê", "efxanistan",
    "efxanistanê", "brîtanya", "brîtanyayê", "ewropa", "ewropayê", "almanya", "almanyayê",
    "yewnanistan", "yewnanistanê", "fransa", "fransayê", "سووریا", "عێراق", "ئێران", "تورکیا",
    "ئەفغانستان", "بەریتانیا", "ئەوروپا", "ئەڵمانیا", "یۆنان", "فەرەنسا", "افغانستان",
    "پاکستان", "ایران", "ترکیه", "بریتانیا", "برتانیا", "اروپا", "المان", "آلمان", "یونان",
    "فرانسه", "عراق", "سوریه", "سوریې",
];

/// Months and festivals of the groups' calendars that the lists hold as names: in a person's
/// slot they are no one ("li şûna Newrozê", instead of Newroz) (version 9). Not the months
/// that are also frequent given names (مهر, the Afghan اسد).
#[rustfmt::skip]
const CALENDAR: &[&str] = &[
    "newroz", "newrozê", "nowruz", "نەورۆز", "نوروز", "یلدا", "yalda", "ramadan", "ramazan",
    "ramazanê", "رمضان", "christmas", "easter", "eid", "çile", "sibat", "adar", "nîsan",
    "gulan", "hezîran", "tîrmeh", "tebax", "îlon", "cotmeh", "mijdar", "berfanbar", "ئازار",
    "نیسان", "ئایار", "حوزەیران", "تەمموز", "ئاب", "ئەیلوول", "فروردین", "اردیبهشت", "خرداد",
    "تیر", "مرداد", "شهریور", "آبان", "آذر", "دی", "بهمن", "اسفند", "حمل", "ثور", "جوزا",
    "سرطان", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت",
    // Version 11: the Pashto names of the solar months (not زمری, "lion", also a frequent
    // given name), and the days of the week in Kurmanji (with the oblique), Sorani, Pashto and
    // Persian: a day is no one ("li şûna Înê", instead of Friday).
    "وری", "غویی", "غبرګولی", "چنګاښ", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب",
    "duşem", "duşemê", "sêşem", "sêşemê", "çarşem", "çarşemê", "pêncşem", "pêncşemê", "în",
    "înê", "îne", "şemî", "şemiyê", "yekşem", "yekşemê", "شەممە", "یەکشەممە", "دووشەممە",
    "سێشەممە", "چوارشەممە", "پێنجشەممە", "هەینی", "شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه",
    "سهشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "جمعې",
];

/// Everyday words of the groups' languages that the name lists also hold, beyond those the
/// generated `ambiguous.txt` finds in dictionaries: words of scripts with no dictionary there.
#[rustfmt::skip]
const AMBIGUOUS_RULES: &[&str] = &[
    // Arabic
    "أمل", "نور", "سلام", "كريم", "جميل", "سعيد", "حسن", "عادل", "أمين", "صالح", "منى", "هدى",
    "رحمة", "إيمان", "أمان", "وفاء", "صفاء", "هناء", "ضياء", "نجاح", "فرح", "سرور", "بشرى", "رجاء",
    "أمير", "ملك", "سلطان", "شريف", "عزيز", "لطيف", "حليم", "رشيد", "مجيد", "حميد", "حبيب", "فاضل",
    "كامل", "ناصر", "منصور", "صابر", "شاكر", "طاهر", "باسم", "هادي", "نبيل", "نجيب", "فارس",
    "وليد", "سامي", "عالي", "غالي", "حياة", "ريم", "ورد", "وردة", "زهرة", "شمس", "قمر", "نجمة",
    "سماء", "بحر", "جبل", "أسد", "نمر", "صقر", "فهد", "غزال", "هلال", "سالم", "سليم", "مأمون",
    "محمود", "مسعود", "مبارك", "منير", "مصباح", "ربيع", "خريف", "فجر", "صباح", "مساء", "ليل",
    "عيد", "جمعة", "خميس", "سبت", "ياسمين", "عبير", "نسيم", "أحلام", "آمال", "أماني", "تهاني",
    "سعادة", "كرم", "شهد", "ندى", "سحر", "غادة", "دعاء", "إسلام", "إحسان", "عدل", "حق", "علا",
    "رضا", "وائل", "مراد", "حامد", "عابد", "عامر", "غني", "فقير", "ابن", "بنت", "أم", "أبو", "عم",
    "خال", "جد", "جدة",
    // Persian / Dari
    "امید", "شادی", "گل", "بهار", "نسیم", "مهر", "آرزو", "روشن", "پروانه", "ستاره", "شیرین",
    "آزاد", "آزادی", "دریا", "باران", "آسمان", "مهتاب", "خورشید", "پیروز", "بهروز", "نیکو",
    "نازنین", "فرشته", "صبا", "ژاله", "شبنم", "لاله", "نرگس", "یاس", "سرو", "کوه", "شاه", "ماه",
    "خانم", "آقا", "جان", "بی بی", "دنیا", "روز", "شب",
    // Urdu
    "خوشی", "روشنی", "چاند", "پھول", "سچ", "آزاد", "رہا", "رہی", "شام",
    // Pashto
    "ګل", "ښکلی", "زړه", "ستوری", "سوله", "وږمه", "هیله", "سپوږمۍ", "اجمل", "حسینه",
    // Version 7: Pashto names of the hand list that are also words: a Pashtun woman, green,
    // sender, lasting, blossom.
    "پښتنه", "ځرغونه", "مرسل", "پاینده", "شګوفه",
    // Kurdish
    "ئاشتی", "هیوا", "ژیان", "ئازاد", "شادی", "ڕووناک", "بەهار", "گوڵ", "ئاسمان", "دڵ", "ئاوات",
    "ئاسۆ", "زانا", "ڕەنج", "هەڤاڵ", "heval", "baran", "welat", "ronahî", "berxwedan", "delal",
    "evîn", "ciwan", "zozan", "hejar", "dilşad", "serhat", "nûdem", "هەژار", "سەردار", "لانە",
    "شوان", "دلێر", "پشتیوان", "هاوکار", "کوێستان", "ڕێباز", "دڵشاد", "کاروان",
    "بەفرین", "ڕۆژان", "زیاد",
    "azad", "aşitî", "hêvî", "jiyan", "bihar", "gul", "şirîn", "dil", "welat",
    // Version 6: "revolution", "kind" (Kurmanji, Sorani).
    "şoreş", "dilovan", "شۆڕش", "جوان", "سپیده", "آزاده", "داستان",
    // Tigrinya / Amharic
    "ሰላም", "ተስፋ", "ፍቕሪ", "ብርሃን", "ሓጎስ", "ደስታ", "ፍቅር", "ጸጋ", "ምሕረት", "ከተማ", "ሃገር",
    // ...virtues, nature and blessings that are also given names...
    "መሰረት", "መሠረት", "አበባ", "ኣበባ", "ኣዲስ", "ዕምባባ", "ሙሉ", "በላይ", "ፀሐይ", "ጸሓይ", "ፀሓይ", "ጨረቃ", "ኮከብ",
    "ቅድስት", "ቅዱስ", "ማርያም", "ትዕግስት", "ትዕግሥት", "ትዕግስቲ", "እምነት", "ገነት", "ፍሬ", "ወርቅ",
    "አልማዝ", "ሕይወት", "ህይወት", "ሂወት", "በረከት", "ድል", "ዓወት", "ነፃነት", "ናጽነት", "ናፅነት",
    "ሃይማኖት", "ኪዳን", "ልዑል", "ንጉሥ", "ንግሥት", "ዘመን", "ዓለም", "ጽጌረዳ", "ሀብት", "ሃብቲ", "ክብረት",
    "ብሩክ", "ፍትሒ", "ፍትህ", "መብራት", "ሓቂ", "እውነት", "ጽናት", "ሓድነት", "አንድነት", "ብርቱካን", "ሎሚ",
    "ሰናይ", "ጥዑም", "ውብ", "ክብሪ", "ተስፋችን", "ሰላማዊ", "ሰላማዊት", "ካሳ", "ወይኒ", "ጽጌ", "ቤዛ",
    "ብሥራት", "ቃልኪዳን", "ትዕዛዝ", "ዘላለም", "ንግስቲ", "ጽዮን", "መቅደስ", "ፍቃዱ", "ፍቓዱ", "ወንድሙ",
    "ፍስሃ", "ፍስሓ", "ሓሰን",
    // ...months of the Ethiopian calendar, and the Gregorian ones as written in Ethiopic...
    "መስከረም", "ጥቅምቲ", "ጥቅምት", "ሕዳር", "ኅዳር", "ታሕሳስ", "ታኅሣሥ", "ታህሳስ", "ጥሪ", "ጥር", "ለካቲት",
    "የካቲት", "መጋቢት", "ሚያዝያ", "ግንቦት", "ሰነ", "ሰኔ", "ሓምለ", "ሐምሌ", "ነሓሰ", "ነሐሴ", "ጳጉሜ",
    "ጃንዩወሪ", "ጃንዋሪ", "ፌብሩወሪ", "ማርች", "ኤፕሪል", "ሜይ", "ጁን", "ጁላይ", "ኦገስት", "ሴፕቴምበር",
    "ኦክቶበር", "ኖቬምበር", "ዲሴምበር",
    // ...days of the week and festivals.
    "ሰኑይ", "ሰሉስ", "ረቡዕ", "ሓሙስ", "ዓርቢ", "ቀዳም", "ሰንበት", "ሰኞ", "ማክሰኞ", "ሐሙስ", "ዓርብ", "ቅዳሜ",
    "እሁድ", "እሑድ", "ፋሲካ", "ገና", "ልደት", "ጥምቀት", "ዒድ", "ኢድ", "ረመዳን", "ኣሸንዳ", "ኢሬቻ", "ቡሄ",
    // Months, festivals and particles of the groups' languages that the lists hold as names.
    "على", "الى", "إلى", "في", "من", "عن", "مع", "غالية", "غالي", "نصر", "رمضان", "شعبان", "محرم",
    "رجب", "شوال", "یلدا", "نوروز", "نەورۆز", "newroz", "newrozê", "محفوظ", "عمر", "سبا", "አዲስ",
    "አንድ", "መስቀል", "እንቁጣጣሽ", "ilaa", "ilmo", "nimco", "janaayo", "febraayo", "maarso", "abriil",
    "juun", "luulyo", "ogosto", "sebtembar", "oktoobar", "nofembar", "desembar", "çile", "sibat",
    "adar", "nîsan", "nîsanê", "gulan", "hezîran", "tîrmeh", "tebax", "îlon", "cotmeh", "mijdar",
    "berfanbar", "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "آبان", "آذر", "دی",
    "بهمن", "اسفند", "ئازار", "نیسان", "ئایار",
    // English and French: months, days and seasons are capitalised but no one's name here.
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "easter", "christmas", "eid", "ramadan", "nowruz", "diwali",
    // Somali
    "nabad", "hodan", "ayaan", "farxad", "guul", "nuur", "xasan", "barwaaqo", "caafimaad", "hooyo",
    "aabo", "walaal",
    // Everyday words, festivals, rivers and towns the lists also hold as names: "جمال"
    // (beauty), Pashto "اختر" (Eid), "پلار" (father), "خلکو" (people); "مانش" (the Channel),
    // "کافی" (enough); Kurmanji "Înê" (Friday), "Dicle" (the Tigris); Sorani "ڕۆژ" (day);
    // Somali "Adxa" (Eid al-Adha), "Baska" (the bus) and towns.
    "جمال", "اختر", "پلار", "خلکو", "مانش", "کافی", "înê", "dicle", "ڕۆژ", "ڕۆژی", "نوێ", "የአንድ",
    "adxa", "baska", "kismaayo", "muqdisho", "hargeysa", "yalda", "christian",
    // "مفتاح" (key), "فروغ" (glow), "ሓዘን" (grief), "ramadaan" and "fitri" (the fast and its
    // feast in Somali).
    "مفتاح", "فروغ", "ሓዘን", "ramadaan", "fitri", "ciidul", "mubaarak", "kariim", "نوید", "مینه", "mubarak",
    "اتنا", "اتنی", "اتنے", "ዓመት", "ዓመቱ",
    // Urdu virtues that are also names: dignity, mercy, kindness, love, justice, peace, courage.
    "عزت", "رحمت", "شفقت", "محبت", "انصاف", "عدالت", "امن", "ہمت", "خدمت", "دولت", "قسمت",
    "عظمت", "شرافت", "صداقت", "برکت", "نصرت", "راحت", "عنایت", "ہدایت", "سخاوت", "حمایت",
    "قدرت", "نعمت", "کرامت", "حشمت", "سپوږمۍ", "شینکۍ", "شینکی", "زلمی", "زلمي", "ubax",
    // Jasmine, ideal, Venus, story, anthology; language; calm, snowdrop, leader; health, mind.
    "یاسمن", "آرمان", "ناهید", "داستان", "دیوان", "زمانی", "زمان", "aram", "berfîn", "rêber",
    "ጥዕና", "ኣእምሮ", "صادق", "عقاب", "شاهین", "مبارکۍ", "مبارکي", "مبارک", "میلاد", "dilan", "بریالی", "بریالۍ", "dema", "مژده", "پلوشې", "پلوشه",
    // Version 8: Persian "respect" (با کمال احترام), Sorani "dance" (as the Latin "dilan"),
    // Kurmanji names of peoples that the lists hold as names ("Kurd, Ereb û Faris").
    "احترام", "دیلان", "faris", "ereb", "tirk",
    // Version 8: Pashto given names of the hand list that are also words: smile, thriving,
    // colourful; Sorani given names that are everyday words of organising notes (there is no
    // Sorani dictionary to say so): hope, message, cry for help, displaced, calm, brave,
    // free, promise, pledge, life, sea, sun, breeze, eagle.
    "مسکا", "ودان", "رنګینه", "ئومێد", "پەیام", "هاوار", "ئاوارە", "ئارام", "ئازا", "سەربەست",
    "بەڵێن", "پەیمان", "ژین", "دەریا", "هەتاو", "شەماڵ", "هەڵۆ", "سروە",
    // Version 10: the Sorani poppy ("ئەستێرە و گوڵاڵە", stars and poppies), which the hand
    // list holds as the Sorani spelling of Gulalai.
    "گوڵاڵە",
    // Version 9: Kurmanji "part, section" of a form or an Act ("Beşa 95an"), which the lists
    // hold as a given name; Pashto "fairy", a given name of the hand list.
    "beş", "beşa", "beşê", "beşên", "ښاپېرۍ", "ښاپیرۍ",
    // Version 9: the Pashto "green" in its plural and oblique forms ("زرغونې ونې", green
    // trees), which the hand list holds as the name Zarghuna's oblique; the name as written
    // alone, زرغونه, stays a name.
    "زرغون", "زرغونې", "زرغونو",
    // Version 9: Pashto "lion", the given name Zmaray of the hand list.
    "زمری", "زمري",
    // Version 13: milk (Pashto), an owner (of a house, a shop), the rose.
    "شیدې", "شیدو", "مالک", "ګلاب", "جامې",
];

/// Words before a name that say it is a person: courtesy titles, kinship forms of address,
/// "Umm" and "Abu".
#[rustfmt::skip]
const PERSON_TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "madame", "monsieur", "mme", "mlle", "mister", "missus",
    "auntie", "aunty", "uncle", "sister", "brother", "umm", "um", "oum", "om", "abu", "abou",
    "abo", "bint", "ibn", "haji", "hajji", "hajja", "hajia", "sayed", "sayyid", "agha", "aga",
    "khanum", "khanom", "bibi", "kaka", "kak", "xanim", "birêz", "mudane", "marwo", "marwada",
    "aw", "eedo", "abti", "السيد", "السيدة", "سيد", "الأخ", "الأخت", "الاخ", "الاخت", "الحاج",
    "الحاجة", "حاج", "حاجي", "أم", "أبو", "بنت", "ابن", "آقای", "آقا", "خانم", "جناب", "مسٹر",
    "مسز", "محترمہ", "محترم", "ماسٹر", "بی‌بی", "بيبي", "کاک", "کاکە", "کاکه", "خاتوو", "خاتون", "ښاغلی",
    "ښاغلي", "میرمن", "اغلې", "ادې", "انا", "ኣቶ", "አቶ", "ወይዘሮ", "ወይዘሪት", "ወሮ", "ወሪት", "ዶክተር",
];

/// Titles that need a known name after them (they are also everyday words: "أم" is "or",
/// "kak" is a word in Kurmanji).
#[rustfmt::skip]
const WEAK_TITLES: &[&str] = &[
    "sister", "brother", "auntie", "aunty", "uncle", "um", "om", "aw", "eedo", "abti", "sayed",
    "agha", "aga", "kaka", "kak", "أم", "أبو", "بنت", "ابن", "سيد", "حاج", "جناب", "آقا", "کاک",
    "محترم", "bint", "ibn", "ادې", "انا",
];

/// Public offices: a name right after one (or before "MP") is a public office-holder's.
#[rustfmt::skip]
const OFFICES: &[&str] = &[
    "cllr", "councillor", "councilor", "mp", "msp", "mep", "mayor", "minister", "secretary",
    "lord", "baroness", "baron", "senator", "president", "commissioner", "chancellor", "premier",
    "députée", "député", "maire", "ministre", "sénateur", "sénatrice", "préfet", "préfète", "sir",
    "dame", "king", "queen", "prince", "princess", "prophet", "saint", "st", "imam", "rev",
    "reverend", "bishop", "archbishop", "pope", "father", "nabi", "hazrat", "النائب", "النائبة",
    "الوزير", "الوزيرة", "وزير", "وزيرة", "العمدة", "الملك", "الملكة", "الأمير", "الأميرة",
    "الشيخ", "النبي", "الرسول", "سيدنا", "الإمام", "الامام", "الرئيس", "حضرت", "پیامبر", "امام",
    "نماینده", "وزیر", "شهردار", "ایم‌پی", "conseiller", "conseillère", "municipal", "municipale",
    "adjoint", "adjointe", "leader", "wezîr", "wezîrê", "wezîra", "serok", "serokê", "ቅድስት", "ቅዱስ",
    "ሚኒስትር", "ከንቲባ", "wasiir", "wasiirka", "guddoomiye", "şaredar", "şaredarê", "şaredara",
    "شارەدار", "شارەداری", "علامہ", "علامه", "علامة", "በቅድስት", "poet", "poète", "شاعر", "author",
    "writer", "écrivain", "رئيس", "رئيسة", "مدير", "مديرة", "استازي", "استازی", "کانسلر", "قاضی", "قاضي", "پەرلەمان", "پارلمان", "شێخ", "شيخ", "şêx", "pêşewa", "کونسلر", "کونسلرہ", "ښاروال", "ښاروالۍ", "xildhibaan", "xildhibaanka",
    "xildhibaanadda", "ኣጼ", "ዓፄ", "ዓጼ", "ራእሲ", "ሚኒስተር",
    // Version 7: a member of parliament in Sorani and Kurmanji; religious leaders' titles
    // (beside imam and sheikh).
    "مولوی", "مولوي", "مولانا",
    // Version 9: the mullah (Pashto, Dari, Sorani), a title before a name and a role.
    "ملا", "مەلا", "mela",
    "پەرلەمانتار", "پەرلەمانتاری", "parlamenter", "parlamenterê", "parlamentera", "parlementer",
    // Version 8: a minister in Sorani, a leader "of" in Kurmanji, and "Saint" as Persian,
    // Pashto and Sorani write it before a church's or a school's saint ("سینټ جان کلیسا").
    "وەزیر", "وەزیری", "rêberê", "rêbera", "سنت", "سینت", "سینټ", "سېنټ", "سەینت", "سانت",
];

/// Words after a name that make it a place, building, organisation or day named after someone
/// ("Victoria Park", "Nelson Mandela Place", "Martin Luther King Day").
#[rustfmt::skip]
const PLACE_AFTER: &[&str] = &[
    // "جلال اباد", "Jalal Abad": a town written in two words.
    "اباد", "آباد", "abad",
    "street", "st", "road", "rd", "avenue", "ave", "lane", "way", "close", "drive", "park",
    "square", "place", "gardens", "station", "hall", "house", "centre", "center", "library",
    "gallery", "museum", "school", "academy", "college", "university", "hospital", "clinic",
    "surgery", "practice", "church", "mosque", "chapel", "cathedral", "temple", "gurdwara",
    "trust", "foundation", "fund", "institute", "society", "court", "bridge", "tower", "building",
    "estate", "hotel", "inn", "lodge", "arena", "stadium", "theatre", "theater", "cinema",
    "market", "ward", "line", "day", "award", "prize", "lecture", "memorial", "statue", "act",
    "law", "bill", "report", "review", "rule", "fellowship", "prison", "barracks", "airport",
    "terminal", "dock", "docks", "quay", "wharf", "green", "common", "heath", "campus", "rooms",
    "room", "hub", "cafe", "café", "kitchen", "network", "project", "group", "association",
    "union", "party", "council", "rue", "avenue", "gare", "école", "lycée", "collège", "hôpital",
    "église", "mosquée", "salle", "maison", "parc", "pont", "quai", "boulevard", "centre",
    "fondation", "association", "collectif", "foyer", "stade", "hotel's", "family's", "aid",
    "relief", "action", "international", "rescue", "watch", "crescent", "cross", "alliance",
    "coalition", "forum", "committee", "charity", "partnership", "solidarity", "solidarité",
    "ቤተ", "ቤተ-ክርስቲያን", "ክርስቲያን", "መስጊድ",
    // Version 7: law firms ("Wilson Solicitors", "Garden Court Chambers").
    "solicitors", "chambers", "associates", "llp",
    // Version 13: Afghan districts and provinces named after a man ("د محمد اغې ولسوالۍ",
    // "د سید کرم ولسوالۍ").
    "ولسوالۍ", "ولسوالي", "ولایت",
];

/// People everyone knows and organisers quote or write to, who are no private person: poets,
/// writers, campaigners, office-holders named without their title. Written as the lists fold
/// them, each name's words in order.
#[rustfmt::skip]
const PUBLIC_FIGURES: &[&[&str]] = &[
    &["victor", "hugo"], &["mahmoud", "darwish"], &["mahmoud", "darwich"], &["محمود", "درويش"],
    &["محمود", "درویش"], &["faiz", "ahmed", "faiz"], &["فیض", "احمد", "فیض"], &["ahmed", "faiz"],
    &["aime", "cesaire"], &["frantz", "fanon"], &["nelson", "mandela"], &["martin", "luther"],
    &["luther", "king"], &["rosa", "parks"], &["malcolm", "x"], &["edward", "said"],
    &["james", "baldwin"], &["hannah", "arendt"], &["jo", "cox"], &["sadiq", "khan"],
    &["صادق", "خان"], &["andy", "burnham"], &["keir", "starmer"], &["yvette", "cooper"],
    &["abbe", "pierre"], &["nazim", "hikmet"], &["ahmad", "shamlou"], &["احمد", "شاملو"],
    &["forough", "farrokhzad"], &["فروغ", "فرخزاد"], &["allama", "iqbal"], &["علامہ", "اقبال"],
    &["ahmad", "khani"], &["ehmedê", "xanî"], &["sherko", "bekas"], &["شێرکۆ", "بێکەس"],
    &["warsan", "shire"], &["nuruddin", "farah"], &["haile", "gebrselassie"],
    &["greta", "thunberg"], &["malala", "yousafzai"], &["ملالہ", "یوسفزئی"],
    &["خوشحال", "خان", "خټک"], &["خوشحال", "خټک"], &["رحمان", "بابا"], &["ملالۍ", "یوسفزۍ"],
    &["ملاله", "یوسفزی"], &["ملالۍ", "میوندۍ"], &["میرویس", "نیکه"], &["ملالۍ", "میوند"], &["ملالۍ", "د", "میوند"], &["خوشال", "خان", "خټک"], &["خوشال", "خان"], &["خوشحال", "خان"], &["باچا", "خان"],
    &["غني", "خان"], &["غنی", "خان"], &["حکیم", "توس"], &["بیژن", "و", "منیژه"],
    &["احمد", "ظاهر"], &["گوگوش"], &["نیما", "یوشیج"], &["سهراب", "سپهری"], &["رستم", "و", "سهراب"],
    &["şêx", "seîd"], &["seyîd", "riza"], &["حەسەن", "زیرەک"], &["محەمەد", "ماملێ"], &["قازی", "محەمەد"],
    &["marx"], &["karl", "marx"], &["aram", "tigran"], &["پیرەمێرد"], &["نازو", "انا"], &["میوند", "ملالۍ"], &["پروین", "اعتصامی"], &["عبدالله", "اوجالان"],
    &["سعدی", "شیرازی"], &["حافظ", "شیرازی"], &["pierre", "mendes", "france"],
    &["jules", "ferry"], &["jean", "jaures"], &["victor", "schoelcher"], &["louise", "michel"],
    &["simone", "veil"], &["olympe", "de", "gouges"], &["ኃይለሥላሴ"], &["ሃይለስላሴ"], &["ኃይለ", "ሥላሴ"],
    &["ተክለሃይማኖት"], &["حمزه", "شینواري"], &["حمزه", "شینواری"], &["sayid", "maxamed"],
    &["maxamed", "cabdulle", "xasan"], &["cilmi", "boodhari"], &["hadraawi"], &["صلاح", "الدين"],
    &["صلاح", "الدین"], &["دایان", "ابوت"], &["diane", "abbott"], &["የማነ", "ባርያ"], &["ሄለን", "መለስ"],
    &["ሄለን", "መለስን"], &["ኣብርሃም", "ኣፈወርቂ"], &["ኣብርሃም", "ኣፈወርቅን"], &["ሻባና", "ማሕሙድ"],
    &["shabana", "mahmood"], &["hafez"], &["hafiz"], &["rumi"], &["saadi"], &["ferdowsi"],
    &["سعدی"], &["فردوسی"], &["مولوی"], &["رومی"], &["مهسا", "امینی"], &["مهسا", "ژینا", "امینی"],
    &["ژینا", "امینی"], &["mahsa", "amini"], &["کاوه", "آهنگر"], &["احمدشاه", "مسعود"],
    &["احمد", "شاه", "مسعود"], &["شێخ", "مەحمود"], &["شێخ", "مەحمودی"], &["şivan", "perwer"],
    &["leyla", "zana"], &["qazî", "mihemed"], &["qazi", "muhammad"], &["cegerxwîn"],
    &["ኪዳነ", "ምሕረት"], &["mem", "û", "zîn"], &["علی", "دایی"], &["مهدی", "طارمی"], &["خداوند", "رحمان"], &["ahmedê", "xanî"], &["mem", "û", "zîna"], &["ደቂ", "ኣዳም"], &["መዝሙረ", "ዳዊት"], &["የማነ", "ባርያን"], &["ዘርኣይ", "ደረስ"], &["ራእሲ", "ኣሉላ"], &["ኣሉላ"],
    // Version 6: heroes of the Shahnameh.
    &["آرش", "کمانگیر"], &["رستم", "دستان"], &["رستم"],
    // Version 8: Kawa the Blacksmith of the Newroz legend, in Kurmanji.
    &["kawa", "hesinkar"], &["kawaye", "hesinkar"],
    // Version 8: Afghan, Pakistani and Kurdish statesmen and poets organisers quote or
    // recall on national days ("Talabani", "Mam Jalal" with the Sorani "uncle").
    &["امان", "الله", "خان"], &["امان‌الله", "خان"], &["امانالله", "خان"], &["عمران", "خان"],
    &["imran", "khan"], &["اشرف", "غني"], &["اشرف", "غنی"], &["حامد", "کرزی"], &["حامد", "کرزي"],
    &["ظاهر", "شاه"], &["احمد", "شاه", "بابا"], &["احمدشاه", "بابا"], &["عمر", "خیام"],
    &["خیام"], &["بیدل"], &["مام", "جەلال"], &["جەلال", "تاڵەبانی"], &["مەسعود", "بارزانی"],
    &["مستەفا", "بارزانی"], &["مەلا", "مستەفا"], &["عەبدوڵڵا", "پەشێو"], &["mam", "celal"],
    &["celal", "talabanî"], &["mesûd", "barzanî"], &["mustafa", "barzanî"],
    &["abdullah", "öcalan"], &["selahattin", "demirtaş"], &["ahmet", "kaya"],
    &["ciwan", "haco"], &["yaşar", "kemal"], &["zehra", "doğan"], &["leyla", "qasim"],
    &["پاچا", "خان"], &["هێمن", "و", "هەژار"], &["آمر", "صاحب"],
    // Lovers of the classic tales, named as a pair.
    &["یوسف", "و", "زلیخا"], &["لیلی", "و", "مجنون"], &["خسرو", "و", "شیرین"],
    &["شیرین", "و", "فرهاد"], &["آدم", "خان", "او", "درخانۍ"], &["موسی", "خان", "او", "ګلمکۍ"],
    // Version 7: law firms and charities named after their founders, that organisers name
    // as bodies, often without "Solicitors" or "Foundation" ("a lawyer from Duncan Lewis").
    &["duncan", "lewis"], &["leigh", "day"], &["deighton", "pierce", "glynn"],
    &["birnberg", "peirce"], &["turpin", "miller"], &["bhatia", "best"],
    &["luqmani", "thompson"], &["wesley", "gryk"], &["elder", "rahimi"],
    &["sutovic", "hartigan"], &["lawrence", "lupin"], &["matthew", "gold"],
    &["goodman", "ray"], &["hodge", "jones"], &["irwin", "mitchell"], &["simpson", "millar"],
    &["fisher", "meredith"], &["helen", "bamber"], &["joseph", "rowntree"],
    &["paul", "hamlyn"],
];

/// Whether the words at `i` begin one of [`PUBLIC_FIGURES`] or end one that began before. Not
/// where a family name of the hand list follows that is no part of a public figure's name
/// (version 10): "خوشحال خان مومند" is a member, the poet is "خوشحال خان خټک".
fn public_figure(ts: &[Token], i: usize) -> bool {
    let names = folded_phrases(PUBLIC_FIGURES);
    let covered = |j: usize| {
        names
            .iter()
            .any(|name| (0..name.len()).any(|k| j >= k && phrase_at(ts, j - k, name)))
    };
    names.iter().any(|name| {
        (0..name.len()).any(|k| {
            i >= k && phrase_at(ts, i - k, name) && {
                let end = i - k + name.len();
                !(ts[end - 1].next_punct.is_none()
                    && ts.get(end).is_some_and(|n| hand_family(n) && !covered(end)))
            }
        })
    })
}

/// Words before a name that make it a place named after someone (Arabic and Persian put the
/// kind of place first: "مسجد محمد", "خیابان فردوسی"), or a public figure.
#[rustfmt::skip]
const PLACE_BEFORE: &[&str] = &[
    "st", "saint", "sainte", "mount", "lake", "port", "fort", "cape", "rue", "avenue", "place",
    "boulevard", "école", "lycée", "collège", "hôpital", "gare", "pont", "quai", "parc", "مسجد",
    "شارع", "مدرسة", "مستشفى", "ساحة", "جامعة", "حي", "مركز", "قاعة", "مكتبة", "فندق", "جامع",
    "خیابان", "میدان", "مدرسه", "بیمارستان", "دانشگاه", "کوچه", "بلوار", "سڑک", "ہسپتال", "اسپتال",
    "جومات", "سړک", "روغتون", "ښوونځی", "مزگەوت", "شەقام", "قوتابخانە", "نەخۆشخانە", "ቤተ", "ሆቴል",
    "መስጊድ", "ትምህርት", "ሆስፒታል", "masjidka", "dugsiga", "isbitaalka", "wadada", "hotelka",
    "ቤተ-ክርስቲያን", "ክርስቲያን", "salle", "gymnase", "stade", "médiathèque", "bibliothèque",
    "maison", "espace", "centre", "résidence", "cité", "square", "allée", "impasse", "l'école",
    "l'hôpital", "l'avenue", "l'allée", "l'espace", "l'impasse", "golaha", "degmada", "magaalada",
    // Version 10: Kurmanji places and bodies in the construct state, before the name they
    // carry ("Çiyayê Qendîlê", "Deşta Mêrdînê", "Xizmeta Tenduristiyê").
    "çiyayê", "çiyayên", "deşta", "geliyê", "gundê", "bajarê", "navenda", "zanîngeha", "parka",
    "kolana", "nexweşxaneya", "dibistana", "komeleya", "şaredariya", "xizmeta", "meclisa",
    "rêxistina", "mizgefta", "qada", "meydana", "herêma", "kampa", "baxçeyê", "pira",
    "wezareta", "yekîtiya", "partiya", "desteya", "ofîsa", "saziya", "komîteya", "encumena",
    // Version 11: a team, a group, a project, a campaign, a fund of … ("Tîma Hiqûqî", the
    // legal team).
    "tîma", "tîmê", "tîmên", "koma", "komên", "projeya", "kampanyaya", "fona",
];

/// Words that introduce a name ("her name is", "called", "اسمها").
#[rustfmt::skip]
const NAME_INTRODUCERS: &[&[&str]] = &[
    &["name", "is"], &["name's"], &["named"], &["called"], &["known", "as"], &["s'appelle"],
    &["nommé"], &["nommée"], &["appelé"], &["appelée"], &["prénom"], &["اسمه"], &["اسمها"],
    &["اسمي"], &["يدعى"], &["تدعى"], &["المدعو"], &["المدعوة"], &["اسمش"], &["نامش"],
    &["به", "نام"], &["بنام"], &["نام", "او"], &["نام"], &["کا", "نام"], &["کی", "نام"],
    &["نوم", "یې"], &["نومیږي"],
    // Version 17: the Pashto "my name", "his name", "her name" before the name.
    &["زما", "نوم"], &["نوم", "مې"], &["د", "هغه", "نوم"], &["د", "هغې", "نوم"],
    &["ناوی"], &["ناوی", "ی"], &["navê", "wî"], &["navê", "wê"],
    &["navê"], &["ስሙ"], &["ስማ"], &["ስሟ"], &["ስማ"], &["ስሙ", "ዝተባህለ"], &["ዝተባህለ"], &["ዝተባህለት"],
    &["የተባለ"], &["የተባለች"], &["magaciisa"], &["magaceeda"], &["magaciisu"], &["magaceedu"],
    &["magacaygu"], &["la", "yiraahdo"],
];

/// Words right before a name that make it a person's: asking, telling, thanking someone.
#[rustfmt::skip]
const PERSON_BEFORE: &[&[&str]] = &[
    &["ask"], &["tell"], &["thank"], &["thanks", "to"], &["demander", "à"], &["dire", "à"],
    &["parler", "à"], &["écrire", "à"], &["merci", "à"], &["rappeler"], &["اسألوا"], &["اسأل"],
    &["شكرا", "ل"],
];

fn asked(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    known(t) && name_shaped(t) && phrase_before(ts, i, PERSON_BEFORE)
}

/// Phrases right before a word that leave a slot for a person: asking, thanking, addressing,
/// kinship, tasks and speakers, "instead of". Written folded-comparable; a trailing ":" is
/// not needed (punctuation is not a word).
#[rustfmt::skip]
const SLOT_BEFORE: &[&[&str]] = &[
    &["dear"], &["ask"], &["thanks", "to"], &["thank"], &["uncle"], &["auntie"], &["aunty"],
    &["task"], &["speakers"], &["instead", "of"], &["cher"], &["chère"], &["demander", "à"],
    &["merci", "à"], &["d'après"], &["selon"], &["tonton"], &["tata"], &["tâche"],
    &["intervenants"], &["عزيزي"], &["عزيزتي"], &["اسأل"], &["اسألوا"], &["شكرا"], &["شكراً"],
    &["المهمة"], &["المتحدثون"], &["بدل"], &["يرافق"], &["عمو"], &["خالتو"], &["الخالة"],
    &["العم"], &["کاکا"], &["عمو"], &["خاله"], &["عمه"], &["دایی"], &["وظیفه"], &["سخنرانان"],
    &["به", "جای"], &["چچا"], &["ماموں"], &["خالہ"], &["پھوپھی"], &["باجی"], &["آپا"],
    &["ذمہ", "داری"], &["مقررین"], &["ترور"], &["ماما"], &["ګرانه"], &["ګرانو"],
    &["مام"], &["پوورە"], &["پوور"], &["خاڵە"], &["ئەرک"], &["سوپاس", "بۆ"], &["apê"],
    &["xaltî"], &["ئاخێوەران"], &["keça"], &["kurê"], &["پیاری"], &["پیارے"], &["እማማ"], &["ኣደይ"],
    &["ኣቦይ"], &["ኣያ"], &["ውድ"], &["ዕማም"], &["ተግባር"], &["ተዛረብቲ"], &["ተናጋሪዎች"], &["ኣብ", "ክንዲ"],
    &["ዝጸሓፈ"], &["ስድራ", "ቤት"], &["hooyo"], &["aabo"], &["adeer"], &["eedo"], &["abti"], &["habo"],
    &["weydiiya"], &["weydii"], &["mahadsanid"], &["hadlayaasha"], &["gabadha"], &["wiilka"], &["halkii"],
    &["loo", "bixiyay"], &["دنده"], &["ንጓል"], &["ጓል"], &["ወዲ"], &["ንወዲ"], &["ናይ", "ጓል"],
    &["بی", "بی"], &["بي", "بي"], &["د", "بي", "بي"],
    // "Ina Cali" (son of Cali), Kurmanji and Sorani mother, father, brother, sister of, the
    // Arabic colloquial "son of" and a person's application or case.
    // Greetings and thanks, and kin or messages "of" someone, in English and French.
    &["silav"], &["slav"], &["سڵاو"], &["salaan"], &["hi"], &["hello"], &["cheers"], &["thanks"], &["bravo"], &["salut"], &["bonjour"],
    &["coucou"], &["maman"], &["papa"], &["mama"], &["congratulations"], &["félicitations"],
    &["son", "of"], &["daughter", "of"], &["wife", "of"], &["husband", "of"], &["mother", "of"],
    &["father", "of"], &["message", "from"], &["fils", "de"], &["fille", "de"], &["femme", "de"],
    &["mari", "de"], &["mère", "de"], &["père", "de"], &["frère", "de"], &["sœur", "de"],
    &["soeur", "de"], &["enfants", "de"], &["message", "de"],
    // Arabic vocative and a person's children, home, appointment, appeal.
    &["ولاد"], &["موعد"], &["استئناف"], &["خبروا"], &["أشكر"], &["اشكر"], &["نشكر"], &["أكلم"],
    &["اكلم"], &["كلموا"], &["سلم", "على"], &["سلموا", "على"], &["حكيت", "مع"], &["حكينا", "مع"],
    &["تحيات"],
    // "Our friend X".
    &["زموږ", "ملګری"], &["زموږ", "ملګرې"], &["our", "friend"], &["my", "friend"], &["notre", "ami"],
    &["notre", "amie"], &["صديقنا"], &["صديقتنا"], &["دوستمان"], &["ہمارے", "دوست"],
    &["ہماری", "دوست"], &["hevalê", "me"], &["saaxiibkeen"], &["saaxiibteen"],
    &["ina"], &["dayika"], &["diya"], &["bavê"], &["birayê"], &["xwişka"], &["دایکی"], &["باوکی"],
    &["خوشکی"], &["کوڕی"], &["ولد"], &["اولاد"], &["أولاد"], &["طلب"], &["قضية"],
    // Kinship and a person's own things before the name: "زوجة حيدر", "أطفال مصطفى", "همسر
    // حمید", "بچه‌های بصیر", "پرونده‌ی نرگس", "ملف عائشة".
    &["زوجة"], &["زوج"], &["ابن"], &["ابنة"], &["أخت"], &["شقيق"],
    &["شقيقة"], &["والدة"], &["ملف"], &["همسر"], &["بچههای"], &["بچه‌های"], &["پسر"], &["دختر"],
    &["خواهر"], &["برادر"], &["پروندهی"], &["پرونده‌ی"], &["کچەکەی"],
    // Version 10: Sorani "his son", "my son", "my daughter", "his brother".
    &["کوڕەکەی"], &["کوڕەکەم"], &["کچەکەم"], &["براکەی"],
    &["هاوسەری"], &["zarokên"], &["jina"], &["mêrê"],
    // Version 7: Kurmanji and Sorani "instead of", Sorani "the children of".
    &["li", "şûna"], &["لە", "جیاتی"], &["لەبری"], &["منداڵەکانی"], &["مناڵەکانی"],
    // Version 9: Kurmanji kin with the possessive pronoun before the name ("mêrê wê Cîhan",
    // her husband Cîhan).
    &["mêrê", "wê"], &["jina", "wî"], &["keça", "wê"], &["keça", "wî"], &["kurê", "wê"],
    &["kurê", "wî"], &["birayê", "wê"], &["birayê", "wî"], &["xwişka", "wê"], &["xwişka", "wî"],
];

/// Words right after a word that make it a person: vocatives, "asking", "daughter of",
/// "family", in languages that put them after the name.
#[rustfmt::skip]
const SLOT_AFTER: &[&[&str]] = &[
    &["جان"], &["گیان"], &["can"], &["walaal"], &["ሓብተይ"], &["ሓወይ"], &["سے", "پوچھیں"],
    &["سے", "پوچھ"], &["وپوښتئ"], &["بپرسن"], &["bipirsin"], &["ሕተትዋ"], &["ሕተቱ"], &["ጠይቋት"],
    &["ጠይቁት"], &["بپرسید"], &["لور"], &["زوی"], &["ሴት", "ልጅ"], &["ቤተሰብ"], &["پر", "ځای"], &["ፋንታ"],
    &["تشکر"], &["مننه"], &["څخه", "مننه"], &["بھائی", "نے"], &["and", "her"], &["and", "his"],
    &["et", "sa"], &["et", "son"], &["የቐንየልና"], &["እናመሰግናለን"], &["کېښود"], &["ولیکل"], &["نوشت"],
    // "… and her husband", "… and his wife", the Urdu honorific صاحب and بی بی after a name.
    &["و", "شوهرش"], &["و", "همسرش"], &["و", "خانمش"], &["وزوجته"], &["وزوجها"], &["و", "زوجته"],
    &["و", "زوجها"], &["اور", "ان", "کی", "اہلیہ"], &["اور", "اس", "کی", "بیوی"], &["اور", "اس", "کا", "شوہر"],
    &["اور", "اس", "کا", "بھائی"], &["صاحب"], &["صاحبہ"], &["بی", "بی"], &["and", "her", "husband"],
    &["and", "his", "wife"], &["et", "son", "mari"], &["et", "sa", "femme"], &["û", "birayê", "wê"],
    &["û", "birayê", "wî"], &["û", "mêrê", "wê"], &["û", "jina", "wî"], &["iyo", "xaaskiisa"],
    &["iyo", "ninkeeda"],
    // Urdu puts the kin after the name and "کا/کی/کے": "رضوانہ کا بھائی", "شازیہ کے بچوں".
    &["کا", "بھائی"], &["کی", "بہن"], &["کے", "بچوں"], &["کے", "بچے"], &["کا", "شوہر"], &["کی", "بیوی"],
    &["کی", "والدہ"], &["کے", "والد"], &["کا", "بیٹا"], &["کی", "بیٹی"], &["کی", "اہلیہ"],
    &["اور", "اس", "کی", "بیٹی"], &["اور", "اس", "کا", "بیٹا"], &["و", "دخترش"], &["و", "پسرش"],
    &["وأمها"], &["وابنها"], &["وابنتها"], &["وأطفالها"], &["و", "کچەکەی"], &["و", "کوڕەکەی"],
    &["û", "keça", "xwe"], &["او", "لور", "یې"],
    // Version 7: more kin after a name in Persian, Pashto and Kurmanji.
    &["و", "مادرش"], &["و", "پدرش"], &["و", "برادرش"], &["و", "خواهرش"], &["و", "بچههایش"],
    &["و", "فرزندانش"], &["او", "د", "هغې", "خور"], &["او", "د", "هغه", "ورور"],
    &["او", "د", "هغې", "ماشومان"], &["او", "د", "هغه", "ماشومان"], &["û", "xwişka", "wê"],
    &["û", "zarokên", "wê"], &["û", "zarokên", "wî"], &["او", "مور", "یې"], &["او", "پلار", "یې"],
    &["او", "ورور", "یې"], &["او", "خور", "یې"], &["او", "میړه", "یې"], &["او", "ماشومان", "یې"],
    // Somali puts the kin after the name: "Xaliimo gabadheeda" (her daughter); Urdu
    // honorifics after a name.
    &["gabadheeda"], &["gabadhiisa"], &["ninkeeda"], &["wiilkeeda"], &["wiilkiisa"],
    &["xaaskiisa"], &["hooyadeed"], &["hooyadiis"], &["walaalkeed"], &["walaalkiis"],
    &["walaasheed"], &["walaashiis"], &["carruurteeda"], &["carruurtiisa"], &["keligeed"],
    &["keligiis"], &["باجی"], &["آپا"], &["بھائی"], &["کے", "بھائی"], &["کی", "بہن"],
];

/// Whether one of `phrases` ends right before word `i`.
fn phrase_before(ts: &[Token], i: usize, phrases: &'static [&'static [&'static str]]) -> bool {
    folded_phrases(phrases)
        .iter()
        .any(|phrase| i >= phrase.len() && phrase_at(ts, i - phrase.len(), phrase))
}

/// Whether one of `phrases` starts right after word `i`.
fn phrase_after(ts: &[Token], i: usize, phrases: &'static [&'static [&'static str]]) -> bool {
    folded_phrases(phrases)
        .iter()
        .any(|phrase| phrase_at(ts, i + 1, phrase))
}

fn common(t: &Token) -> bool {
    forms(t).any(|f| LISTS.common.contains(f))
}

/// Whether a word standing where a person is named is one: a word of the name lists; or, in
/// a script without letter case, a word that is no everyday word, role, pronoun or noun with
/// the article.
/// Sorani articles and plurals: a name takes none ("خێزانێک" a family, "منداڵەکان" the
/// children).
const SORANI_ARTICLES: &[&str] = &["ێک", "ەکە", "ەکان", "ەکەی", "ەکانی", "یەک"];

/// A word written with a letter only Sorani (of the groups' languages) writes: ە ێ ۆ ڵ ڕ ڤ.
fn sorani(t: &Token) -> bool {
    t.text.chars().any(|c| "ەێۆڵڕڤ".contains(c))
}

fn person_in_slot(t: &Token) -> bool {
    // A home town is no person ("Zarokên Kobanê") (version 8), nor a month or a festival
    // ("li şûna Newrozê", instead of Newroz) (version 9).
    if !person_in_slot_shape(t)
        || written(t).any(|f| folded_list(HOME_PLACES).contains(f))
        || written(t).any(|f| folded_list(COUNTRIES).contains(f))
        || forms(t).any(|f| folded_list(CALENDAR).contains(f))
    {
        return false;
    }
    if t.cased {
        let all_caps = t.text.chars().all(|c| !c.is_lowercase());
        return t.capital
            && !all_caps
            && ((known(t) && !(t.initial && ambiguous(t))) || (!common(t) && !ambiguous(t)));
    }
    // In a person's slot a listed name is one, even if it is also a word (حبیب "beloved").
    // Ethiopic and Sorani have no dictionary here: there only a listed name.
    known(t)
        || (!ethiopic(t)
            && !sorani(t)
            && !common(t)
            && !ambiguous(t)
            && !t.folded.starts_with("ال")
            && !t.folded.starts_with("لل")
            // Persian adjectives with the negation بی ("بی‌سرپرست" without a guardian), and
            // nouns with the ezafe after ه ("مدرسه‌ی", the joiner gone from the private copy).
            && !t.folded.starts_with("بي")
            && !t.text.ends_with("هی")
            && !SORANI_ARTICLES.iter().any(|end| t.text.ends_with(end))
            // Sorani "your", "our" after a noun ("بەشداریتان" your taking part).
            && !["یتان", "یمان", "تان", "مان"].iter().any(|end| t.text.ends_with(end))
            // Pashto plurals in the oblique ("رضاکارانو" volunteers).
            && !t.text.ends_with("انو")
            // Version 13: nor any word of a Pashto text shaped as a plural, a doer, a
            // feminine oblique or a verb ("تعقیبوو", we follow).
            && !pashto_noun_shaped(t))
}

/// Words that address the one named right before them: "Hêvî can,", "Ayaan walaal,".
const VOCATIVES: &[&[&str]] = &[
    &["جان"],
    &["جانه"],
    &["جانې"],
    &["لالا"],
    &["گیان"],
    &["can"],
    &["walaal"],
    &["ሓብተይ"],
    &["ሓወይ"],
];

/// Pashto kin after "د" and a name: "د نازیې ورور" (Naziya's brother), "د لیما پلار".
#[rustfmt::skip]
const PASHTO_KIN: &[&str] = &[
    "ورور", "پلار", "مور", "خور", "میړه", "مېړه", "ښځه", "ماشومان", "زوی", "لور", "کاغذونه", "قضیه",
    "دوسیه", "وکیل", "فایل", "اپیل", "کیس", "قضیې", "غوښتنه", "مېرمن", "میرمن",
    // Version 9: a person's asylum interview ("د وږمې مرکه").
    "مرکه", "مرکې",
    // Version 12: a child, grandparents and grandchildren, uncles, aunts, nephews and in-laws
    // ("د فوزیې ماشوم", Fawzia's child; "د اجمل تره").
    "ماشوم", "نیکه", "لمسی", "لمسۍ", "تره", "ماما", "ترور", "وراره", "خسر", "خواښې", "ناوې",
    // Version 13: children as Pashto also says it; sons and daughters.
    "بچیان", "بچي", "زامن", "زامنو", "لوڼې", "لوڼو",
];

/// Pashto kin and a person's claim in the oblique, after "د X د" (version 7).
#[rustfmt::skip]
const PASHTO_KIN_OBLIQUE: &[&str] = &[
    "ماشومانو", "زامنو", "لوڼو", "ورونو", "خویندو", "میړه", "مېړه", "ښځې", "پلار", "مور",
    "ورور", "خور", "پناه", "قضیې", "دوسیې", "اپیل",
    // Version 13: a child, a son, a daughter, a family ("د بلال د ماشوم فورمه"); a lawyer
    // ("د مرجان د سولیسټر دفتر").
    "ماشوم", "زوی", "لور", "کورنۍ", "وکیل", "سولیسټر", "زوکړې",
];

/// What a Pashto "د X" also names a person by, after a well-attested given name only ("د نوې
/// کورنۍ" is a new family): "د اجمل کورنۍ", "د شینکۍ استیناف".
const PASHTO_FAMILY: &[&str] = &["کورنۍ", "استیناف", "زامن", "لوڼې"];

/// What a person has, after an English possessive: "Layla's kids", "Xaawo's son".
#[rustfmt::skip]
const POSSESSED: &[&str] = &[
    "son", "sons", "daughter", "daughters", "kids", "children", "child", "baby", "wife",
    "husband", "mum", "mother", "dad", "father", "brother", "sister", "family", "appeal", "case",
    "claim", "interview", "hearing", "room", "solicitor", "lawyer", "caseworker", "papers",
    "letter", "visa", "asylum", "application",
];

fn in_slot(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    if (t.text.ends_with("'s") || t.text.ends_with("’s"))
        && ts.get(i + 1).is_some_and(|n| in_list(n, POSSESSED))
        && person_in_slot(t)
    {
        return true;
    }
    // The Arabic vocative, as written with the Arabic ي (Persian, Pashto and Urdu "یا" is
    // "or"): "مبروك يا سميرة".
    if i >= 1 && ts[i - 1].text == "يا" && person_in_slot(t) {
        return true;
    }
    // Minutes and to-do lists: "Moussa : ramener la banderole", "Shahid: bring the banner".
    if t.initial
        && matches!(t.next_punct, Some(':'))
        && given(t)
        && person_in_slot_shape(t)
        && if t.cased {
            !ambiguous(t)
        } else {
            strong(t) && !everyday_by_rules(t)
        }
    {
        return true;
    }
    // The name may have two words: "د ولي خان ورور".
    // Version 13: a word of age or health may stand before the kin ("د لیلا کوچنی زوی").
    let kin_at = |j: usize| {
        ts.get(j).is_some_and(|n| in_list(n, PASHTO_KIN))
            || (ts.get(j).is_some_and(|a| {
                a.next_punct.is_none() && a.in_pashto && in_list(a, KIN_ADJECTIVES)
            }) && ts.get(j + 1).is_some_and(|n| in_list(n, PASHTO_KIN)))
    };
    // Version 7: "د X د ماشومانو …", "د X د پناه غوښتنې …" (of X's children, of X's asylum
    // claim): a second "د" and a kin word or a person's claim in the oblique. Version 13: or
    // two people before their kin ("د حلیمې او مدینې د ماشومانو", of Halima's and Madina's
    // children), both listed names.
    let and_second = ts.get(i + 1).is_some_and(|n| n.text == "او")
        && ts
            .get(i + 2)
            .is_some_and(|n| n.next_punct.is_none() && known(n) && person_in_slot_shape(n));
    let of_at = if and_second { i + 3 } else { i + 1 };
    if i >= 1
        && ts[i - 1].folded == "د"
        && t.next_punct.is_none()
        && ts.get(of_at).is_some_and(|n| n.folded == "د")
        && ts
            .get(of_at + 1)
            .is_some_and(|n| in_list(n, PASHTO_KIN_OBLIQUE))
        && (if and_second {
            known(t)
        } else {
            known_or_unlisted(t)
        })
        && !written(t).any(|f| LISTS.places.contains(f))
        && person_in_slot_shape(t)
    {
        return true;
    }
    if i >= 1
        && ts[i - 1].folded == "د"
        && (kin_at(i + 1)
            || (kin_at(i + 2)
                && ts
                    .get(i + 1)
                    .is_some_and(|n| known(n) && n.next_punct.is_none())))
        && known_or_unlisted(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    if i >= 1
        && ts[i - 1].folded == "د"
        && ts.get(i + 1).is_some_and(|n| in_list(n, PASHTO_FAMILY))
        && caseless_given(t)
        && strong(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 11: "د X لپاره" (for X), "د X په اړه" (about X): a well-attested given name that
    // is no everyday word, town, day or month.
    if i >= 1
        && ts[i - 1].text == "د"
        && t.next_punct.is_none()
        && (ts.get(i + 1).is_some_and(|n| n.text == "لپاره")
            || (ts.get(i + 1).is_some_and(|n| n.text == "په")
                && ts.get(i + 2).is_some_and(|n| n.text == "اړه")))
        && caseless_given(t)
        && strong(t)
        && !everyday_by_rules(t)
        && !ambiguous(t)
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 11: "د X" and a person's room, phone, number, address, papers or form ("د
    // پلوشې کوټه", Palwasha's room): a listed given name, even one that is also a word, that
    // is no town, day or month.
    if i >= 1
        && ts[i - 1].text == "د"
        && t.next_punct.is_none()
        && (ts
            .get(i + 1)
            .is_some_and(|n| in_list(n, PASHTO_POSSESSIONS))
            // Version 13: "new" or "old" between ("د بریالي نوې شمېره").
            || (ts.get(i + 1).is_some_and(|n| {
                in_list(n, &["نوې", "نوی", "نوي", "زړه", "زوړ", "پخوانۍ", "پخوانی"])
            }) && ts
                .get(i + 2)
                .is_some_and(|n| in_list(n, PASHTO_POSSESSIONS))))
        && caseless_given(t)
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && !written(t).any(|f| folded_list(HOME_PLACES).contains(f))
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 11: Pashto kin with "یې" (his, her) or "زما" (my) before a listed name, even one
    // that is also a word ("مېړه یې زلمی", her husband Zalmay; "زما ملګری نجیب"), but no town.
    if phrase_before(ts, i, PASHTO_KIN_OF)
        && known_or_unlisted(t)
        && !in_list(t, KIN_ADJECTIVES)
        && !written(t).any(|f| LISTS.places.contains(f))
        && person_in_slot(t)
    {
        return true;
    }
    // Pashto "dear" to a woman, as written: folded, it is the Persian گرانی (dearness).
    if i >= 1 && ts[i - 1].text == "ګرانې" && known_or_unlisted(t) && person_in_slot_shape(t) {
        return true;
    }
    // Version 13: congratulated by name, the name closed by punctuation: "مبارک شه وږمې!",
    // "مبارک مو شه، زلمي!" (a listed name only).
    if i >= 2
        && ts[i - 1].folded == "شه"
        && ts[i.saturating_sub(3)..i - 1]
            .iter()
            .any(|w| w.text == "مبارک")
        && matches!(t.next_punct, Some('!' | '،' | ',' | '.'))
        && known(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: a Pashto note opening with a name and a comma, then spoken to ("سمیرا، سبا
    // راتلای شې؟", Samira, can you come tomorrow?): a listed given name, even one that is also
    // a word, before a word of "you".
    if t.initial
        && t.in_pashto
        && matches!(t.next_punct, Some(',' | '،'))
        && caseless_given(t)
        && person_in_slot_shape(t)
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && !in_list(t, &["سلام", "مننه", "هو", "ښه", "سمه", "بښنه"])
        // A name that is also a word ("امید، ستا …", "بهار، سبا … راشه") only where "you"
        // follows the comma or the note asks "you" to come or bring.
        && (!everyday_by_rules(t)
            || ts
                .get(i + 1)
                .is_some_and(|n| in_list(n, &["ته", "ستا", "تاسو", "ستاسو"]))
            || ts
                .iter()
                .skip(i + 1)
                .any(|w| in_list(w, &["راشه", "راشئ", "راوړه", "راوړئ"])))
        && ts.iter().skip(i + 1).any(|w| in_list(w, PASHTO_YOU))
    {
        return true;
    }
    // Version 13: in a Pashto text, a given name in Latin letters that is no English or French
    // word ("Basir به سبا…", "Zarlasht سره"): the Latin words of such a note are names, bodies
    // and forms (BRP, Home Office).
    if t.in_pashto
        && t.cased
        && t.capital
        && !t.text.chars().all(|c| !c.is_lowercase())
        && given(t)
        && !ambiguous(t)
        && !common(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: a Pashto name and the word of respect or kinship said after it ("زرین صیب",
    // "شیرینه ترور", "بادشاه ګل صیب ته"), the name in one or two words: a listed name, even
    // one that is also a word, or a word of no list and no dictionary.
    let honoured = |j: usize| {
        ts.get(j)
            .is_some_and(|n| t.in_pashto && in_list(n, PASHTO_HONORIFICS))
    };
    if t.next_punct.is_none()
        && (honoured(i + 1)
            || (ts.get(i + 1).is_some_and(|n| {
                n.next_punct.is_none()
                    && (NAME_PART_WORDS.contains(&n.text.as_str())
                        || ["الحق", "الله", "الدین", "الرحمن"].contains(&n.text.as_str()))
            }) && honoured(i + 2)))
        // (With ګل, خان or جان between, any first word: "سپین ګل ورور".)
        && (known_or_unlisted(t) || !honoured(i + 1))
        && !(i >= 1 && ts[i - 1].text == "د" && !known(t))
        // "یو نوی ورور" (a new brother): a word after a numeral or a demonstrative describes.
        && !(i >= 1 && in_list(&ts[i - 1], PASHTO_DETERMINERS))
        && person_in_slot_shape(t)
        && !public_figure(ts, i)
    {
        return true;
    }
    // Version 13: "X and her two daughters", "X او د هغې خور": the one before "and her" or
    // "and his" and a kin word is a person, even where the name is also a word ("سپینه", white).
    if t.in_pashto
        && t.next_punct.is_none()
        && ts.get(i + 1).is_some_and(|n| n.text == "او")
        && ts.get(i + 2).is_some_and(|n| n.text == "د")
        && ts.get(i + 3).is_some_and(|n| in_list(n, &["هغې", "هغه"]))
        && ts.iter().skip(i + 4).take(3).any(|n| {
            in_list(n, PASHTO_KIN) || in_list(n, PASHTO_KIN_AFTER_AND) || in_list(n, PASHTO_FAMILY)
        })
        && (known_or_unlisted(t) || t.initial || NAME_PART_WORDS.contains(&t.text.as_str()))
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: a Pashto kin word and a name between commas ("زموږ د غړي خور، ماریه، نن…",
    // our member's sister, Maria, today…): a listed given name or a word of no list.
    if i >= 1
        && t.in_pashto
        && matches!(ts[i - 1].next_punct, Some(',' | '،'))
        && in_list(&ts[i - 1], PASHTO_KIN)
        && matches!(t.next_punct, Some(',' | '،'))
        && caseless_given(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: "زه او X" (I and X), "X او زه": a listed given name, or a word of no list
    // and no dictionary, beside "I".
    if t.in_pashto
        && ((i >= 2 && ts[i - 1].text == "او" && ts[i - 2].text == "زه")
            || (ts.get(i + 1).is_some_and(|n| n.text == "او")
                && ts.get(i + 2).is_some_and(|n| n.text == "زه")))
        && t.next_punct.is_none()
        && caseless_given(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: a Pashto kin word and the kin's name after it ("زما د تره زوی هارون", my
    // cousin Haroun; "ښځه یې وږمه"): a well-attested given name that is no everyday word.
    // After "زما" (my) and the kin ("زما لور مسکا", "زما د کوچني ورور بلال"), any listed given
    // name, even one that is also a word.
    let my_kin = ts[i.saturating_sub(4)..i.saturating_sub(1)]
        .iter()
        .any(|w| w.text == "زما");
    if i >= 1
        && t.in_pashto
        && in_list(&ts[i - 1], PASHTO_KIN)
        && ts[i - 1].next_punct.is_none()
        && caseless_given(t)
        && (my_kin || (strong(t) && !ambiguous(t) && !everyday_by_rules(t)))
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Version 13: "X او Y دواړه خویندې دي" (X and Y are both sisters), "X او ملګري یې" (X and
    // his friends): listed given names, even words, beside kin said of them.
    let both_kin = ts.get(i + 1).is_some_and(|n| n.text == "او")
        && ts
            .get(i + 2)
            .is_some_and(|n| caseless_given(n) && n.next_punct.is_none())
        && ts
            .get(i + 3)
            .is_some_and(|n| in_list(n, &["دواړه", "دواړې"]))
        && ts
            .get(i + 4)
            .is_some_and(|n| in_list(n, &["خویندې", "ورونه", "ملګرې", "ملګري", "خوېندې"]));
    let with_friends = ts.get(i + 1).is_some_and(|n| n.text == "او")
        && ts
            .get(i + 2)
            .is_some_and(|n| in_list(n, &["ملګري", "ملګرې", "ماشومان", "ورونه", "خویندې"]))
        && ts.get(i + 3).is_some_and(|n| n.text == "یې");
    if t.in_pashto
        && t.next_punct.is_none()
        && (both_kin || with_friends)
        && caseless_given(t)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Greeted or thanked by name, with no comma between: "سلام سپوږمۍ!", "مننه پلوشې!"; a
    // listed name only ("سلام دوستان", "سلام همسایه‌ها" greet everyone).
    if i >= 1
        && ["سلام", "مننه"].contains(&ts[i - 1].text.as_str())
        && ts[i - 1].next_punct.is_none()
        && known_or_unlisted(t)
        && !in_list(t, WHEN_WORDS)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // Addressed by name, a listed name is one even where it is also a word opening the
    // sentence.
    if phrase_after(ts, i, VOCATIVES)
        && !jan_idiom(ts, i + 1)
        && known(t)
        // Version 13: "ادې جانې" (dear mother) addresses no one by name.
        && !in_list(t, PASHTO_HONORIFICS)
        && person_in_slot_shape(t)
    {
        return true;
    }
    // A two-word name with a part ("شیرین گل و دخترش", "شیرین ګله او لور یې"): the part,
    // which alone is a word (a flower), stands in the slot after a well-attested given name.
    if i >= 1
        && phrase_after(ts, i, SLOT_AFTER)
        && NAME_PART_WORDS.contains(&t.text.as_str())
        && ts[i - 1].next_punct.is_none()
        && caseless_given(&ts[i - 1])
        && strong(&ts[i - 1])
    {
        return true;
    }
    // "بی بی ګل": after the title written in two words, the flower is a name.
    if i >= 2
        && NAME_PART_WORDS.contains(&t.text.as_str())
        && phrase_before(ts, i, &[&["بی", "بی"], &["بي", "بي"]])
    {
        return true;
    }
    // Version 10: after the Pashto "د" an Arabic word for a person's appeal, file or
    // appointment is owned, not owning: "د استیناف لیکونه" (the appeal letters).
    let pashto_owned = i >= 2 && ts[i - 2].text == "د" && in_list(&ts[i - 1], ARABIC_POSSESSIONS);
    ((phrase_before(ts, i, SLOT_BEFORE) && !in_list(t, KIN_ADJECTIVES) && !pashto_owned)
        || (phrase_after(ts, i, SLOT_AFTER) && !jan_idiom(ts, i + 1)))
        && person_in_slot(t)
}

/// Pashto words of respect and of kinship said after a name: sir, elder brother, elder sister,
/// aunt, uncle (version 13; not بابا or نیکه, said after the poets and kings of old too).
#[rustfmt::skip]
const PASHTO_HONORIFICS: &[&str] = &[
    "صیب", "صاحب", "لالا", "ادې", "ترور", "کاکا", "آغا", "اغا", "خور", "ورور", "وروره", "خورې",
    "ماما",
];

/// Pashto words of "you" and verbs said to "you" (version 13).
#[rustfmt::skip]
const PASHTO_YOU: &[&str] = &[
    "ته", "تاسو", "تاسې", "ستا", "ستاسو", "ستاسې", "شې", "شئ", "وکړې", "وکړئ", "ولیکې", "راشه",
    "راشئ", "راوړه", "راوړئ", "ونیسه", "کولای",
];

/// Pashto kin in the plural or with a numeral, after "X او د هغې" (version 13): daughters,
/// sons, children, mother-in-law, nephew.
#[rustfmt::skip]
const PASHTO_KIN_AFTER_AND: &[&str] = &[
    "لوڼې", "زامن", "ماشومان", "بچیان", "خواښې", "وراره", "خوریه", "ورېره", "خسر", "ښځه",
    "ماشومانو", "لوڼو", "زامنو",
];

/// What a person has, after a Pashto "د X": a room, a phone, a number, an address, papers, a
/// passport, a form (version 11).
#[rustfmt::skip]
const PASHTO_POSSESSIONS: &[&str] = &[
    // Version 13: a house, a home ("د ناهید کور"); eyes, hands, feet, teeth, health,
    // illness, medicine ("د مهرالنسا سترګې").
    "کور", "کوره", "سترګې", "لاس", "لاسونه", "پښه", "پښې", "غاښونه", "روغتیا", "ناروغي",
    "ناروغۍ", "درمل",
    "کوټه", "کوټې", "خونه", "خونې", "تلیفون", "ټیلیفون", "شمېره", "شمیره", "پته", "اسناد",
    "پاسپورټ", "فورم", "فورمونه",
];

/// Pashto kin with "یې" (his, her) after, or "زما" (my) before, and "my friend" (version 11).
#[rustfmt::skip]
const PASHTO_KIN_OF: &[&[&str]] = &[
    &["ورور", "یې"], &["خور", "یې"], &["مېړه", "یې"], &["میړه", "یې"], &["ښځه", "یې"],
    &["زوی", "یې"], &["لور", "یې"], &["مور", "یې"], &["پلار", "یې"], &["زما", "ورور"],
    &["زما", "خور"], &["زما", "ملګری"], &["زما", "ملګرې"],
];

/// Arabic words of [`SLOT_BEFORE`] for what a person has (appeal, appointment, file,
/// application, case), which Pashto also writes, after "د" (version 10).
const ARABIC_POSSESSIONS: &[&str] = &["استئناف", "موعد", "ملف", "طلب", "قضية"];

/// Words of age, size, birth order and health that follow a kin word to describe the kin, not
/// to name them: Persian "دختر جوان" (a young daughter), "پسر کوچک", "برادر بزرگ", Pashto
/// "زوی کشر", Sorani "کوڕی گەورە", Kurmanji "keça biçûk" (version 9).
#[rustfmt::skip]
const KIN_ADJECTIVES: &[&str] = &[
    "جوان", "جوانش", "کوچک", "کوچیک", "کوچکتر", "کوچکش", "کوچکم", "بزرگ", "بزرگتر", "بزرگش",
    "بزرگم", "ارشد", "نوجوان", "خردسال", "شیرخوار", "نوزاد", "بیمار", "مریض", "معلول", "یتیم",
    "تنها", "اول", "دوم", "سوم", "اولش", "دومش", "عزیز", "عزیزم", "عزیزش", "تازه", "ناتنی",
    "کشر", "مشر", "وړوکی", "وړوکې", "ځوان", "لوی", "ناروغ", "یتیمه", "گەورە", "گەورەی",
    // Version 11: Pashto small, young, ill, elder, younger, big in the feminine.
    "کوچنی", "کوچنۍ", "ځوانه", "ناروغه", "مشره", "کشره", "لویه",
    "بچووک", "بچووکی", "بچکۆڵە", "گەنج", "نەخۆش", "mezin", "biçûk", "ciwan", "nexweş",
    // ... and of displacement: "منداڵەکانی ئاوارە" (displaced children), "zarokên penaber".
    "ئاوارە", "ئاوارەی", "پەنابەر", "آواره", "پناهنده", "پناهجو", "کډوال", "penaber", "koçber",
    "sêwî",
    // Version 13: both ("د آمنې دواړه زامن").
    "دواړه", "دواړو",
];

/// Whether the word at `j` is "جان" (life) in a Persian idiom of dying or surviving, not the
/// "dear" after a name: "در دریا جان باختند" (they lost their lives at sea), "جان سپرد"
/// (version 9).
fn jan_idiom(ts: &[Token], j: usize) -> bool {
    ts.get(j)
        .is_some_and(|w| w.text == "جان" && w.next_punct.is_none())
        && ts.get(j + 1).is_some_and(|v| {
            ["باخت", "میباخت", "سپرد", "میسپرد", "دادند", "داده"]
                .iter()
                .any(|stem| v.folded.starts_with(&fold(stem)))
        })
}

/// The second words of Persian, Dari and Pashto names that alone are words: flower (and its
/// Pashto feminine), Khan, dear (version 7).
const NAME_PART_WORDS: &[&str] = &["گل", "ګل", "ګله", "گله", "خان", "جان"];

/// A word that may stand for a person at all: no role, pronoun, office or place word.
fn person_in_slot_shape(t: &Token) -> bool {
    !(t.quoted
        || !name_shaped(t)
        || in_list(t, FUNCTION_WORDS)
        || in_list(t, PERSON_TITLES)
        || in_list(t, OFFICES)
        || in_list(t, NOT_PERSONS)
        || in_list(t, PLACE_BEFORE)
        || in_list(t, PLACE_AFTER))
}

/// Words that introduce a family by its name ("the Haile family" has it before).
#[rustfmt::skip]
const FAMILY_WORDS: &[&str] = &[
    "family", "famille", "عائلة", "أسرة", "عائله", "خانواده", "خاندان", "کورنۍ", "بنەماڵەی",
    "malbata", "ቤተሰብ", "qoyska", "reerka", "reer",
];

#[derive(Debug)]
struct Token {
    /// As written (normalised copy).
    text: String,
    folded: String,
    /// The word as the lists spell it in Somali spelling (Maxamed → mahamed).
    latin: Vec<String>,
    /// An Ethiopic word read in Latin letters (see [`ethiopic_latin`]).
    translit: Vec<String>,
    /// The word without the affixes a name takes in a sentence (see [`bare_forms`]).
    bare: Vec<String>,
    /// Starts with an upper-case letter (scripts with case only).
    capital: bool,
    /// In a script with letter case (Latin, Greek, Cyrillic).
    cased: bool,
    /// First word of a sentence.
    initial: bool,
    /// Followed, after spaces, by this punctuation (',' '(' etc.), if any.
    next_punct: Option<char>,
    /// Right after a quotation mark: the name of a thing ("the kitchen is called «Noor»").
    quoted: bool,
    /// Where it starts: its byte offset in the text (after the Ethiopic titles are made one
    /// word), for building the Pashto scorer.
    start: usize,
    /// Whether the whole text is Pashto (see [`pashto`]): the same on every token, found once
    /// in [`tokens`] so that the rules that ask it for every word stay linear in the text.
    in_pashto: bool,
    /// Whether the whole text is Pashto or holds a verb of [`PASHTO_SEEN`] (see
    /// [`pashto_letters_or_verb`]): as `in_pashto`.
    in_pashto_or_seen: bool,
    /// Whether the whole text holds a letter only Urdu writes (see [`urdu_subject`]).
    in_urdu: bool,
    /// Whether the whole text holds a letter Arabic does not write (Persian, Pashto, Kurdish).
    not_arabic: bool,
}

/// Whether a token holds one of `letters`.
fn holds(t: &Token, letters: &str) -> bool {
    t.text.chars().any(|c| letters.contains(c))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_mark(c) || c == '\'' || c == '’' || c == '\u{200C}'
}

fn tokens(text: &str) -> Vec<Token> {
    // "ወ/ሮ" (Mrs in Amharic) is one word.
    let text = text
        .replace("ወ/ሮ", "ወሮ")
        .replace("ወ/ሪት", "ወሪት")
        .replace("ዶ/ር", "ዶክተር");
    let mut out: Vec<Token> = Vec::new();
    let mut initial = true;
    let mut quote = false;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) || c == '\'' || c == '’' {
            if matches!(
                c,
                '.' | '!' | '?' | ':' | ';' | '\n' | '•' | '؟' | '۔' | '።' | '፧'
            ) {
                initial = true;
            }
            if !c.is_whitespace() {
                quote = matches!(c, '"' | '“' | '”' | '«' | '»' | '„' | '\'' | '‘' | '’');
            }
            if let Some(last) = out.last_mut()
                && last.next_punct.is_none()
                && !c.is_whitespace()
            {
                last.next_punct = Some(c);
            }
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            let joins = (d == '-' || d == '\'' || d == '’')
                && text[i + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic);
            if is_word_char(d) || joins {
                end = i + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let word = &text[start..end];
        let word = word.trim_end_matches(['\'', '’']);
        let cased = c.is_uppercase() || c.is_lowercase();
        let folded = fold(word);
        let latin: Vec<String> = somali_variant(&folded).into_iter().collect();
        let mut translit = ethiopic_latin(word);
        translit.extend(bare_ethiopic_latin(word));
        let bare = bare_forms(word, &folded);
        out.push(Token {
            text: word.to_string(),
            latin,
            translit,
            bare,
            folded,
            capital: c.is_uppercase(),
            cased,
            initial,
            next_punct: None,
            quoted: quote,
            start,
            in_pashto: false,
            in_pashto_or_seen: false,
            in_urdu: false,
            not_arabic: false,
        });
        initial = false;
        quote = false;
    }
    // Facts of the whole text, found once: rules ask them for every word.
    let in_urdu = out.iter().any(|t| holds(t, "ےںہٹڈڑ"));
    // Version 13: Pashto written without its own letters ("شفیق نن ناروغ و، سبا به راشي") is
    // told by its words: two everyday words of Pashto that are none of Arabic, Persian or Urdu,
    // in a text with no letter only Urdu or Sorani writes.
    let pashto_words = || {
        !in_urdu
            && !out.iter().any(sorani)
            && out
                .iter()
                .filter(|t| !t.cased && LISTS.pashto.contains(&t.folded))
                .nth(1)
                .is_some()
    };
    let in_pashto = out.iter().any(|t| holds(t, PASHTO_LETTERS)) || pashto_words();
    let in_pashto_or_seen = in_pashto || out.iter().any(|v| in_list(v, PASHTO_SEEN));
    let not_arabic = out.iter().any(|t| holds(t, "پچژگکیۍېڵەڕ"));
    for t in &mut out {
        t.in_pashto = in_pashto;
        t.in_pashto_or_seen = in_pashto_or_seen;
        t.in_urdu = in_urdu;
        t.not_arabic = not_arabic;
    }
    out
}

/// Arabic-script words carry the prefix و "and" ("وفاطمة"): a name is looked up with and
/// without it. (Other one-letter prefixes make too many everyday words look like names:
/// برای "for" is ب + a name.)
fn forms(t: &Token) -> impl Iterator<Item = &str> {
    written(t).chain(t.translit.iter().map(String::as_str))
}

/// The forms of a word as written, not read in another script.
fn written(t: &Token) -> impl Iterator<Item = &str> {
    let f = t.folded.as_str();
    let stripped = f.strip_prefix('و').filter(|rest| rest.chars().count() >= 3);
    std::iter::once(f)
        .chain(stripped)
        .chain(t.latin.iter().map(String::as_str))
        .chain(t.bare.iter().map(String::as_str))
}

/// The word without the affixes a name takes in a sentence: "'s"; Kurmanji -ê/-yê
/// ("Zozanê"); Pashto -ې ("زرمینې"); Ethiopic prepositions ን ለ በ ከ የ before it and the
/// object ending ን after it ("ንሰምሃር", "ሰላማዊትን"); Arabic ل "to" ("لمنى"). Each is tried only
/// when at least three letters are left.
fn bare_forms(word: &str, folded: &str) -> Vec<String> {
    let long = |s: &str| s.chars().count() >= 3;
    let mut out = Vec::new();
    if let Some(s) = folded.strip_suffix("'s").filter(|s| long(s)) {
        out.push(s.to_string());
    }
    // Decided on the word as written: Kurmanji -ê/-yê and Pashto -ې, never a plain e.
    if word.ends_with('ê') || word.ends_with('ې') {
        let chars: Vec<char> = folded.chars().collect();
        let cut = if word.ends_with("yê") { 2 } else { 1 };
        let s: String = chars[..chars.len().saturating_sub(cut)].iter().collect();
        if long(&s) {
            // Pashto feminine names ending in ه take ې in the oblique: فرشتې is فرشته's.
            if word.ends_with('ې') {
                out.push(fold(&format!("{s}ه")));
            }
            out.push(s);
        }
    }
    if let Some(s) = folded.strip_prefix('ل').filter(|s| long(s)) {
        out.push(s.to_string());
    }

    let ethiopic = ethiopic_stem(word);
    if ethiopic != word {
        out.push(fold(&ethiopic));
    }
    out.extend(sorani_as_arabic(word));
    out
}

/// A Sorani word written as Arabic and Persian spell names, for the lists: Sorani writes the
/// short vowels (ە, and و for u) that Arabic script leaves out, ڵ and ڕ for l and r, and ئ
/// before a first vowel: کەریم → کریم, محەمەد → محمد, ئەحمەد → احمد, عومەر → عمر.
fn sorani_as_arabic(word: &str) -> Vec<String> {
    if !word.contains('ە') && !word.contains('ڵ') && !word.contains('ڕ') {
        return Vec::new();
    }
    let mut plain: String = word
        .chars()
        .map(|c| match c {
            'ڵ' => 'ل',
            'ڕ' => 'ر',
            c => c,
        })
        .collect();
    if let Some(rest) = plain.strip_prefix("ئە") {
        plain = format!("ا{rest}");
    }
    let no_e: String = plain.chars().filter(|c| *c != 'ە').collect();
    let mut out = vec![fold(&no_e)];
    // Sorani writes a long u as وو where Arabic writes one و: ڕەسووڵ → رسول, مەحموود → محمود
    // (version 7).
    if no_e.contains("وو") {
        out.push(fold(&no_e.replace("وو", "و")));
    }
    // The u written as و after the first letter: عومەر → عمر.
    let chars: Vec<char> = no_e.chars().collect();
    if chars.len() >= 4 && chars[1] == 'و' {
        let no_u: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, c)| *c)
            .collect();
        out.push(fold(&no_u));
    }
    out.retain(|f| f.chars().count() >= 3);
    out
}

/// An Ethiopic word without the prepositions ን ለ በ ከ የ before it and the object ending ን
/// after it (as long as two syllables are left); the word itself otherwise.
fn ethiopic_stem(word: &str) -> String {
    let mut stem = word;
    for p in ['ን', 'ለ', 'በ', 'ከ', 'የ'] {
        if let Some(s) = stem.strip_prefix(p).filter(|s| s.chars().count() >= 2) {
            stem = s;
            break;
        }
    }
    if let Some(s) = stem.strip_suffix('ን').filter(|s| s.chars().count() >= 2) {
        stem = s;
    }
    stem.to_string()
}

/// The Ethiopic word without its affixes, read in Latin letters (see [`ethiopic_latin`]).
fn bare_ethiopic_latin(word: &str) -> Vec<String> {
    let stem = ethiopic_stem(word);
    if stem == word {
        Vec::new()
    } else {
        ethiopic_latin(&stem)
    }
}

/// Somali spelling (x for ḥ, c for ʿayn, doubled long vowels: Maxamed, Cabdi, Faadumo) as the
/// name lists write it (Mohamed, Abdi, Fadumo); `None` when the word has none of these.
fn somali_variant(folded: &str) -> Option<String> {
    let somali = folded.contains('x')
        || folded.starts_with('c')
        || ["aa", "ee", "ii", "oo", "uu"]
            .iter()
            .any(|d| folded.contains(d));
    // Nouns with the article ("Ciidda" the Eid, "hoteelka") are no names.
    let article = ["ha", "ka", "ku", "ta", "da", "ga", "tu", "du", "gu"]
        .iter()
        .any(|a| folded.ends_with(a));
    if !somali || article || !folded.chars().all(|c| c.is_ascii_lowercase() || c == '\'') {
        return None;
    }
    let mut out = String::new();
    let mut prev = None;
    for (i, c) in folded.chars().enumerate() {
        let c = match c {
            'x' => 'h',
            'c' if i == 0 => continue,
            'c' => continue,
            c => c,
        };
        if Some(c) == prev && "aeiou".contains(c) {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    (out != folded).then_some(out)
}

/// An Ethiopic word read in Latin letters as the name lists spell Ethiopian and Eritrean names
/// (ሃብቶም → habtom, ተስፋይ → tesfay, ትዕግስት → tigist): each syllable is a consonant and the
/// vowel of its order; the sixth order is silent or "i", the first order of a throat letter
/// is "e" or "a" (ሀብታሙ Habtamu), ወ is "we" or "wo" (ወልዱ Woldu), and ኸ is "k" (ተኽለ Tekle): each
/// reading is tried, at most 64 of them. Words of fewer than three syllables are not read:
/// short readings match too many names of other languages. Empty for other scripts.
fn ethiopic_latin(word: &str) -> Vec<String> {
    const ROWS: &[(u32, &str)] = &[
        (0x1200, "h"),
        (0x1208, "l"),
        (0x1210, "h"),
        (0x1218, "m"),
        (0x1220, "s"),
        (0x1228, "r"),
        (0x1230, "s"),
        (0x1238, "sh"),
        (0x1240, "k"),
        (0x1250, "k"),
        (0x1260, "b"),
        (0x1268, "v"),
        (0x1270, "t"),
        (0x1278, "ch"),
        (0x1280, "h"),
        (0x1290, "n"),
        (0x1298, "ny"),
        (0x12A0, ""),
        (0x12A8, "k"),
        (0x12B8, "k"),
        (0x12C8, "w"),
        (0x12D0, ""),
        (0x12D8, "z"),
        (0x12E0, "zh"),
        (0x12E8, "y"),
        (0x12F0, "d"),
        (0x1300, "j"),
        (0x1308, "g"),
        (0x1320, "t"),
        (0x1328, "ch"),
        (0x1330, "p"),
        (0x1338, "ts"),
        (0x1340, "ts"),
        (0x1348, "f"),
        (0x1350, "p"),
    ];
    /// Rows whose first order is read "a" as often as "e": ሀ ሐ ኀ አ ዐ.
    const THROAT: &[u32] = &[0x1200, 0x1210, 0x1280, 0x12A0, 0x12D0];
    const VOWELS: [&str; 8] = ["e", "u", "i", "a", "e", "", "o", "wa"];
    const MAX_READINGS: usize = 64;
    let syllables: Option<Vec<Vec<String>>> = word
        .chars()
        .map(|c| {
            let cp = c as u32;
            let (base, consonant) = ROWS
                .iter()
                .rev()
                .find(|(base, _)| cp >= *base && cp < base + 8)?;
            let order = (cp - base) as usize;
            let options: Vec<String> = match order {
                5 => vec![consonant.to_string(), format!("{consonant}i")],
                0 if THROAT.contains(base) => {
                    vec![format!("{consonant}e"), format!("{consonant}a")]
                }
                0 if *base == 0x12C8 => vec!["we".into(), "wo".into()],
                _ => vec![format!("{consonant}{}", VOWELS[order])],
            };
            Some(options)
        })
        .collect();
    let Some(syllables) = syllables else {
        return Vec::new();
    };
    if syllables.len() < 3 {
        return Vec::new();
    }
    let mut readings = vec![String::new()];
    for options in &syllables {
        if readings.len() * options.len() > MAX_READINGS {
            // Too many readings: the first of each option from here on.
            readings.iter_mut().for_each(|r| r.push_str(&options[0]));
            continue;
        }
        readings = readings
            .iter()
            .flat_map(|r| options.iter().map(move |o| format!("{r}{o}")))
            .collect();
    }
    readings.retain(|v| v.len() >= 4);
    readings.sort_unstable();
    readings.dedup();
    readings
}

/// Second halves of Arabic-script compound names written as a word of their own.
/// Version 13: "الحق" ("of the truth": "شمس الحق", "انوار الحق").
const NAME_SECOND_HALVES: &[&str] = &[
    "الله",
    "اللہ",
    "الدين",
    "الدین",
    "الرحمن",
    "الرحمان",
    "الحق",
];

/// A compound name written as one word (version 7): a given name joined to "الله", "الدين",
/// "-ullah" in Latin letters,
/// "الرحمن" ("انورالله", "احمدالله", "نجیب‌الله" once the private copy has lost the joiner,
/// "شمس‌الدین"), or "عبد" joined to a name with the article ("عبدالولي"). Not the formulas
/// ("انشاءالله", "ماشاالله", "بارک‌الله"), whose first halves are no given names or are
/// [`GOD_FORMULAS`], nor the title "آیت‌الله".
fn one_word_compound(t: &Token) -> bool {
    if !name_shaped(t) || in_list(t, NOT_PERSONS) || in_list(t, OFFICES) {
        return false;
    }
    let f = t.folded.as_str();
    // In Latin letters, "-ullah" ("Hayatullah", "Najibullah", Kurmanji "Wahîdullah"), not
    // the Prophet's title or a party's name. (Before version 8 the cased test came after a
    // return for every cased word, so this never applied.)
    if t.cased {
        return t.capital
            && f.strip_suffix("ullah").is_some_and(|stem| {
                stem.chars().count() >= 3 && !["rasul", "hizb"].contains(&stem)
            });
    }
    if f.starts_with("عبدال") && f.chars().count() >= 7 {
        return true;
    }
    // Version 11: Sorani writes "عبدال…" as "عەبدول…" ("عەبدولڕەحمان", "عەبدولکەریم").
    if t.text.starts_with("عەبدول") && t.text.chars().count() >= 8 {
        return true;
    }
    // Version 9: "گل‌احمد", "ګلمحمد": "flower" joined to a well-attested given name that is no
    // everyday word (the joiner gone from the private copy). "گلبهار", "گلستان" are not.
    if f.strip_prefix("گل").is_some_and(|rest| {
        rest.chars().count() >= 3
            && LISTS.given.contains(rest)
            && LISTS.strong.contains(rest)
            && !LISTS.ambiguous.contains(rest)
            && !LISTS.places.contains(rest)
    }) {
        return true;
    }
    // Sorani writes "-ullah" as "-وڵڵا" ("حەبیبوڵڵا", "نەقیبوڵڵا"); its formulas end in
    // "-ەڵڵا" ("ئینشائەڵڵا") (version 8).
    if f.strip_suffix("وڵڵا")
        .is_some_and(|stem| stem.chars().count() >= 3)
    {
        return true;
    }
    let formulas = folded_list(GOD_FORMULAS);
    folded_list(NAME_SECOND_HALVES).iter().any(|half| {
        f.strip_suffix(half.as_str()).is_some_and(|stem| {
            stem.chars().count() >= 3
                && LISTS.given.contains(stem)
                && !formulas.contains(stem)
                && !["ايت", "ايه", "حجه"].contains(&stem)
                && !LISTS.places.contains(stem)
        })
    })
}

/// Words before "الله" that make a formula or a name of something other than a person. Not
/// "امان" (safety) since version 9: "امان الله" is the Afghan name Amanullah, and the formula
/// goes after "في" or "فی" ("في أمان الله"), which the rule already excuses.
#[rustfmt::skip]
/// Version 12: first halves of Pashto, Dari and Urdu compound names that the lists miss or
/// hold as words only, and that before "الله" or "الدين" make a name, not a formula:
/// Amanullah, Ruknuddin, Muhyiddin ("امان الله", "رکن الدین"); not after "په" ("safely").
const COMPOUND_FIRST_HALVES: &[&str] = &["امان", "رکن", "ركن", "محی", "محي", "محیی", "محيي"];

/// Version 12: "grace" and "kindness", formulas before "الله", names before "الرحمن" (Fazlur
/// Rahman, Lutfur Rahman: "فضل الرحمن", "لطف الرحمن").
const RAHMAN_FIRST_HALVES: &[&str] = &["فضل", "لطف"];

const GOD_FORMULAS: &[&str] = &[
    "ان",
    "إن",
    "انشاء",
    "شاء",
    "ماشاء",
    "ما",
    "الحمد",
    "بسم",
    "سبحان",
    "الا",
    "إلا",
    "رسول",
    "حزب",
    "کلام",
    "كلام",
    "سبيل",
    "سبیل",
    "بيت",
    "بیت",
    "لا",
    "يا",
    "یا",
    "و",
    "والله",
    "في",
    "فی",
    "عند",
    "امر",
    "أمر",
    "خلق",
    "دين",
    "دین",
    "شكر",
    "شکر",
    "رحمة",
    "رحمه",
    "ورحمة",
    "نعمة",
    "نعمت",
    "خدا",
    "جزاك",
    "بارك",
    "حفظه",
    "رحمها",
    "يرحمه",
    "استغفر",
    "أستغفر",
    "اعوذ",
    "أعوذ",
    "لعنة",
    "فضل",
    "يوم",
    "روز",
    "فرج",
    "عون",
    "توفيق",
    "توفیق",
    "لطف",
    "رضا",
    "نصر",
    "حب",
    "ذكر",
    "ذکر",
    "عبادة",
    "طاعة",
    "حمد",
    "حسبنا",
    "حسبي",
    "بفضل",
    "بإذن",
    "باذن",
    "إذن",
    "اذن",
    "بعون",
    "صلى",
    "سلام",
    "هدى",
    "بحمد",
    "امید",
    "أمل",
    "امل",
];

/// Words for "and" that join the last name of a list ("فرحان، نادیہ اور بلال").
#[rustfmt::skip]
const AND_WORDS: &[&str] = &[
    "and", "et", "و", "او", "اور", "û", "iyo", "ና", "እና", "وە",
];

/// A roll of people: three or more listed given names in a row, each one word, parted by
/// commas (or "and" before the last), no more than one of them an everyday word (in a script
/// with case, by any list: "Faith, Hope and Love" is none; without case, by the rules' own
/// list, as the dictionaries hold every frequent name): "فرحان، نادیہ اور بلال", "Amina,
/// Yusuf and Grace".
/// Words for those present at a meeting, before a roll of names.
#[rustfmt::skip]
const ATTENDANCE: &[&str] = &[
    "present", "attendees", "attending", "présents", "présentes", "participants", "الحاضرون",
    "الحاضرين", "الحضور", "حاضرین", "حاضرون", "حاضر", "حاضران", "شرکت‌کنندگان", "ګډونوال", "ګډون‌وال",
    "beşdar", "ئامادەبووان", "ئامادەبوان", "ተሳተፍቲ", "ተሳታፊዎች",
    // Version 8: Sorani and Kurmanji "those taking part".
    "بەشداربووان", "بەشداربوان", "beşdaran", "beşdarbûyî",
];

/// A word in a cased script that a dictionary holds as a word ("Hope", "Grace").
fn ambiguous_cased(t: &Token) -> bool {
    t.cased && ambiguous(t)
}

fn roll_of_names(ts: &[Token], i: usize) -> bool {
    // Not ፡, which some write between any two Ethiopic words.
    let comma = |t: &Token| matches!(t.next_punct, Some(',' | '،' | '፣'));
    let name = |t: &Token| {
        given(t)
            && !in_list(t, FUNCTION_WORDS)
            && !in_list(t, NOT_PERSONS)
            && !in_list(t, OFFICES)
            && !written(t).any(|f| LISTS.places.contains(f))
    };
    let everyday = |t: &Token| {
        if t.cased {
            ambiguous(t)
        } else {
            everyday_by_rules(t)
        }
    };
    // After a word for those present ("الحاضرون: ربيع، صباح، وفاء"), everyday words too.
    let present = i >= 1 && in_list(&ts[i - 1], ATTENDANCE);
    // Only from the first name of a roll.
    if i > 0 && comma(&ts[i - 1]) && name(&ts[i - 1]) {
        return false;
    }
    // The positions of the names.
    let mut names: Vec<usize> = Vec::new();
    let mut joined = false;
    let mut j = i;
    while let Some(t) = ts.get(j) {
        if !name(t) {
            break;
        }
        names.push(j);
        if comma(t) {
            j += 1;
        } else if t.next_punct.is_none() && ts.get(j + 1).is_some_and(|n| in_list(n, AND_WORDS)) {
            if ts.get(j + 2).is_some_and(&name) {
                names.push(j + 2);
                joined = true;
            }
            break;
        } else if t.next_punct.is_none()
            // Arabic script joins "و" to the last name: "ماهر وأسماء".
            && ts.get(j + 1).is_some_and(|n| {
                !n.cased && n.folded.starts_with('و') && !in_list(n, AND_WORDS) && name(n)
            })
        {
            names.push(j + 1);
            joined = true;
            break;
        } else {
            break;
        }
    }
    // Two names joined by "and" are a pair of people when both are well attested and neither
    // is an everyday word ("شيماء ومنى" aside: منى is "wishes"): "ماهر وأسماء", "سعدیہ اور
    // وقاص".
    let words = || names.iter().map(|&k| &ts[k]);
    let pair = names.len() == 2
        && joined
        && words().all(|t| strong(t) && !everyday(t) && !ambiguous_cased(t));
    // Poets read at a poetry night are no private persons: "غزل‌های حافظ و سعدی".
    let figures = names.iter().any(|&k| public_figure(ts, k));
    // After a word for those present, two listed names in a row are a roll even if a name
    // the lists miss follows (version 8: "بەشداربووان: دیلان، کاروان، ڕێژنە …").
    !figures
        && (pair
            || (present && names.len() >= 2)
            || (names.len() >= 3 && words().filter(|t| everyday(t)).count() <= 1))
}

/// The first parts of Ethiopian and Eritrean compound names ("servant of", "son of", "power
/// of", "gift of" ...), with their spellings in Amharic and Tigrinya.
#[rustfmt::skip]
const ETHIOPIC_NAME_HEADS: &[&str] = &[
    "ገብረ", "ወልደ", "ኃይለ", "ሃይለ", "ሀይለ", "ሓይለ", "ተክለ", "ተኽለ", "ኪዳነ", "ዘርአ", "ዘርኣ", "አምደ",
    "ዓምደ", "ዓንደ", "ኣንደ", "ፍቅረ", "ፍቕረ", "ብርሃነ", "ወለተ", "ለተ", "ሃብተ", "ሀብተ", "ሓብተ", "ተስፋ",
    "ገብረእ", "ኣርኣያ", "ወልደገብረ",
];

/// The second parts: the saints, the Trinity, Christ, Mary, life, faith.
#[rustfmt::skip]
const ETHIOPIC_NAME_TAILS: &[&str] = &[
    "ማርያም", "ማሪያም", "ሚካኤል", "ሚካኢል", "ጊዮርጊስ", "ሥላሴ", "ስላሴ", "ሥላሤ", "መድህን", "መድኅን",
    "ኢየሱስ", "የሱስ", "ክርስቶስ", "እግዚአብሔር", "እግዚኣብሄር", "ሕይወት", "ሂወት", "ህይወት", "ሃይማኖት",
    "ጻድቅ", "ጻድቕ", "ፃድቅ", "ገብርኤል", "ብርሃን", "ዮሃንስ", "ዮውሃንስ", "ሰንበት", "ኪሮስ", "ትንሳኤ",
    "መስቀል", "ሥላሰ", "ስላሰ", "ልዑል", "ኣብ", "አብ", "ሃይማኖት", "ማሪያም",
];

/// An Ethiopic compound given name written as one word ("ገብረሂወት", "ወልደሚካኤል",
/// "ተስፋማርያም"), with or without the affixes a name takes in a sentence: a person's name (the
/// places and churches named so write the parts apart, after a word for church).
fn ethiopic_compound(t: &Token) -> bool {
    let whole = |w: &str| {
        ETHIOPIC_NAME_HEADS.iter().any(|head| {
            w.strip_prefix(head)
                .is_some_and(|rest| ETHIOPIC_NAME_TAILS.contains(&rest))
        })
    };
    ethiopic(t) && written(t).any(whole)
}

/// A word in Ethiopic letters.
fn ethiopic(t: &Token) -> bool {
    t.text
        .chars()
        .all(|c| ('\u{1200}'..='\u{137F}').contains(&c))
}

/// An Ethiopic word that the name lists hold as written, in Ethiopic letters (the
/// Ethiopian and Eritrean given-name lexicon), and that is no everyday word.
fn ethiopic_given_as_written(t: &Token) -> bool {
    ethiopic(t)
        && t.text.chars().count() >= 3
        && written(t).any(|w| LISTS.given.contains(w))
        && !ambiguous(t)
        && !common(t)
        && !in_list(t, NOT_PERSONS)
        && !in_list(t, FUNCTION_WORDS)
}

/// Whether a token can stand for a name at all: a cased word must be capitalised; digits are
/// never names.
fn name_shaped(t: &Token) -> bool {
    (!t.cased || t.capital)
        && t.text.chars().count() >= 2
        && !t.text.chars().any(|c| c.is_ascii_digit())
        // Capitals only: an acronym (SHA, NHS, ARAP).
        && !(t.cased && t.text.chars().all(|c| !c.is_lowercase()))
}

/// Words that are never names, whatever the lists hold: prepositions and particles.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "على", "الى", "إلى", "في", "من", "عن", "مع", "او", "أو", "ثم", "لكن", "هذا", "هذه", "که", "از",
    "به", "با", "در", "را", "تا", "کے", "کی", "کا", "سے", "میں", "پر", "د", "په", "له", "ته", "لە",
    "بۆ", "لەگەڵ", "هەموو", "هەمووی", "les", "des", "aux", "نے", "هما", "انتما", "وکړه", "وکړې", "وکړو", "وکړئ", "کړه",
    "شوه",
    // Version 13: Pashto particles of "on it", "from it", "to him", "to me", "with him".
    "پرې", "ترې", "ورته", "راته", "درته", "ورسره", "راسره",
    // ... and "with", "from", "in", "for", "until", "now", "again", "not".
    "سره", "څخه", "کې", "لپاره", "پورې", "اوس", "بیا", "نه",
    // Amharic and Tigrinya "is", "are", "have", "was": read in Latin letters, some are names.
    "አለ", "አለች", "አለን", "አሉ", "ነው", "ናቸው", "እዩ", "እያ", "እዮም", "ኣሎ", "ኣላ", "ኣለዋ", "ኣሎና",
    "ነበረ", "ነበረት", "ነበሩ", "ኣለና", "አለበት", "ኣለዎ",
    // ... and "there is not".
    "የብሎምን", "የብሎም", "የብሉን", "የብሉ", "የብላ", "የለን", "የለም", "የለውም",
];

fn given(t: &Token) -> bool {
    name_shaped(t) && !in_list(t, FUNCTION_WORDS) && forms(t).any(|f| LISTS.given.contains(f))
}

fn family(t: &Token) -> bool {
    name_shaped(t) && !in_list(t, FUNCTION_WORDS) && forms(t).any(|f| LISTS.family.contains(f))
}

fn known(t: &Token) -> bool {
    given(t) || family(t)
}

fn strong(t: &Token) -> bool {
    forms(t).any(|f| LISTS.strong.contains(f))
}

/// Strong as written, not only as read in Latin letters: a word written alone is taken for a
/// name only on this evidence (an Ethiopic word read in Latin letters meets too many names of
/// other languages: ስድራ "family" reads "sidra").
fn strong_as_written(t: &Token) -> bool {
    written(t).any(|f| LISTS.strong.contains(f))
}

/// Verbs of speech, wanting and coming that, right after a word, make it a person: "Hemin
/// said", "شازیہ نے بتایا", "ዳዊት እንዳለው".
#[rustfmt::skip]
const PERSON_VERBS: &[&str] = &[
    "said", "says", "told", "asked", "asks", "wants", "wanted", "needs", "needed", "came",
    "arrived", "explained", "reported", "dit", "veut", "demande", "voudrait", "قال", "قالت",
    "يقول", "تقول", "حكى", "حكت", "يريد", "تريد", "طلب", "طلبت", "أخبر", "أخبرت", "قلقان",
    "قلقانة", "بدها", "بده", "گفت", "گفته", "می‌گوید", "میگوید", "پرسید", "نے", "کہا", "کہتی",
    "کہتے", "وویل", "ووایه", "وايي", "وپوښتل", "گوتی", "گوتى", "دەڵێت", "پرسی", "got", "dibêje",
    "بپرسید", "بپرس", "ዝበለ", "ዝበለቶ", "በለ", "በለት", "ይብል", "ትብል", "ሓቲቱ", "ሓቲታ", "አለ", "አለች", "እንዳለው",
    "እንዳለችው", "ይላል", "ትላለች", "ጠየቀ", "ጠየቀች", "wuxuu", "waxay", "ayaa", "ayuu", "ayay",
    "sheegay", "sheegtay", "yiri", "tiri", "weydiiyay", "weydiisay", "بيقول", "بتقول", "بيحكي",
    "بتحكي",
    // Version 7: Kurmanji "wants", "wanted", "asked".
    "dixwaze", "dixwest", "pirsî",
    // Version 13: Pashto "said" and "says" as also written, "wants", "asked", "asks".
    "ووېل", "وويل", "ویل", "ویلي", "وویلې", "وویلي", "وائي", "غواړي", "وغوښتل", "پوښتي",
    // ... and "arrived", "came" (for a listed name that is no word only).
    "راورسېد", "راورسېده", "راورسید", "راغی", "راغله", "وئیلي", "وئیل",
];

/// Somali focus markers: after a subject, "waxay sheegtay" (she said), "ayuu" (he …).
const SOMALI_MARKERS: &[&str] = &["wuxuu", "waxay", "ayaa", "ayuu", "ayay"];

/// Verbs of saying, for "X said that …".
#[rustfmt::skip]
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "told", "قال", "قالت", "تقول", "يقول", "گفت", "می‌گوید", "میگوید", "کہا",
    "وویل", "وايي", "ووېل", "وويل", "ویل", "ویلي", "وائي", "وپوښتل", "وئیلي", "گوتی", "دەڵێت", "got", "ዝበለ", "በለ", "በለት", "አለ", "አለች", "sheegay", "sheegtay",
    "yiri", "tiri",
];

/// Arabic verbs of saying, after their subject in colloquial Arabic.
const ARABIC_SPEECH: &[&str] = &[
    "قال",
    "قالت",
    "تقول",
    "يقول",
    "بيقول",
    "بتقول",
    "حكت",
    "حكى",
];

/// Words that open what was said: "that".
const COMPLEMENTIZERS: &[&str] = &[
    "that", "أن", "إن", "ان", "انه", "انها", "که", "کہ", "چې", "چی", "کو", "ku", "in", "ከም",
];

/// Words that mark the one before as the doer, whatever the word order of the language: the
/// Urdu ergative نے, Amharic and Tigrinya "as … said", Somali focus markers.
#[rustfmt::skip]
const AGENT_MARKERS: &[&str] = &[
    "نے", "እንዳለው", "እንዳለችው", "ዝበለ", "ዝበለቶ", "wuxuu", "waxay", "ayaa", "ayuu", "ayay",
];

/// Words that may do what a person does without being one: pronouns, and the roles and
/// bodies organisers write about.
#[rustfmt::skip]
const NOT_PERSONS: &[&str] = &[
    // Version 13: "the one of" ("کور والا", the landlord; "سکول والا", the school's people).
    "والا",
    // Version 13: "sir", "madam", "gentlemen" as Pashto says them to someone.
    "ښاغلیه", "ښاغلو", "میرمنې",
    "he", "she", "they", "it", "we", "i", "you", "il", "elle", "ils", "elles", "on", "هو", "هي",
    "هم", "هن", "انا", "نحن", "انت", "انتم", "او", "آنها", "ما", "من", "شما", "وی", "ایشان", "اون",
    "اس", "انہوں", "وہ", "میں", "ہم", "آپ", "انہیں", "هغه", "هغوی", "دوی", "موږ", "زه", "ته",
    "ئەو", "ئەوان", "ئێمە", "ew", "wî", "wê", "ንሱ", "ንሳ", "ንሶም", "ኣነ", "ንሕና", "እሱ", "እሷ", "እነሱ",
    "እኔ", "እኛ", "isagu", "iyadu", "iyagu", "aniga", "مدیر", "دکتر", "معلم", "مدرسه", "هتل", "شورا",
    "وزارت", "دولت", "پلیس", "ڈاکٹر", "منیجر", "کونسل", "اسکول", "ہوٹل", "حکومت", "پولیس", "ډاکټر",
    "کارکوونکي", "کارکوونکی", "استاد", "مدیر", "ښوونکی", "وکیل", "وکیلان", "ሓኪም", "ሐኪም", "መምህር",
    "ሆቴል", "መንግስቲ", "መንግስት", "ፖሊስ", "خەڵکی", "خەڵک", "خلک", "خلکو", "خلکی",
    // Numerals: "one family" is no one's name.
    "one", "un", "une", "یک", "یه", "واحد", "واحدة", "ایک", "یو", "یەک", "yek", "ሓደ", "አንድ",
    "የአንድ", "hal",
    // Friends, reports, "sir": no one's name.
    "ملګری", "ملګریه", "ملګرې", "ملګرو", "راپور", "صاحب", "ramadaan", "fitri", "ciidul", "خاتون",
    // Kin and friends addressed ("دایکی گیان", "Birano can"): no one's name.
    "دایک", "دایکی", "دایکە", "دایە", "باوک", "باوکی", "باوکە", "برا", "برام", "براکەم", "خوشک",
    "خوشکە", "خوشکی", "خوشکەکەم", "هاوڕێ", "هاوڕێکەم", "heval", "hevalno", "hevalino", "hevalê",
    "birano", "bira", "birayê", "xwişk", "xwişka", "xwişkino", "xwîşka", "dayê", "bavo", "apo",
    "مادر", "پدر", "برادر", "خواهر", "مامان", "ئێوە", "جان", "گیان", "ستاسو", "تاسو",
    "ټولو", "همه", "دوستان", "عليكم", "علیکم",
    "وحدة", "وحده", "قاضی", "ورونو", "خویندو", "خویندې", "هاوڕێیان", "هاوڕێیانی", "هاوڕێکان", "مسؤل", "مسئول", "مسوول", "هەمووان", "زمانی", "کلاس", "صنف", "ئاگر", "ئاگری",
    // Version 8: roles organisers write about (secretary, interpreter, volunteer, nurse).
    "منشی", "مترجم", "ترجمان", "ژباړن", "ژباړونکی", "وەرگێڕ", "wergêr", "داوطلب", "رضاکار",
    "پرستار", "نرس", "مشر", "مشران", "مشرانو", "قومندان", "ولسوال", "ساتونکی", "ښوونکې",
    "مددکار", "مشاور", "کارمند", "نگهبان", "سرپرست", "بەڕێوەبەر", "کارمەند", "پارێزەر",
    "مامۆستا", "rêveber", "parêzer", "mamoste",
    // Version 9: bodies a Pashto or Persian note tells things to ("Serco شرکت ته", to the
    // company Serco), which the lists hold as family names.
    "شرکت", "کمپنۍ", "کمپنی", "دفتر", "ریاست", "محکمه", "محکمې", "روغتون", "کلینیک",
    // Version 9: the Pashto reflexive "own" ("له خپل زوی سره", with his own son), and roles
    // in their feminine forms and more roles: the head of a group, spokesperson, member,
    // coordinator, adviser, deputy, secretary, person in charge.
    "خپل", "خپله", "خپلې", "خپلو", "خپلی", "مشره", "مشرې", "رییسه", "رئیسه", "مدیره", "وکیله",
    "ډاکټره", "استاده", "ویاند", "ویانده", "غړی", "غړې", "همغږی", "همغږې", "سلاکار",
    "مرستیال", "سخنگو", "هماهنگ‌کننده", "هماهنگکننده", "دبیر", "معاون", "وتەبێژ",
    "هەماهەنگکار", "سکرتێر", "بەرپرس", "berdevk", "hevrêz", "sekreter", "berpirsiyar",
    // Martyrs: "دایکی شەهید", the martyr's mother.
    "شەهید", "شەهیدان", "شهید", "şehîd",
    // Bodies in the Pashto oblique ("د ښځو ټولنې وویل"), an elder brother addressed (لالا),
    // and peoples ("Keça Kurd", a Kurdish girl).
    "ټولنې", "ټولنه", "کمېټې", "کمیټې", "ادارې", "موسسې", "لالا", "kurd", "ereb", "faris",
    // (Not فارس: folded, it is the Arabic given name Fares.)
    "tirk", "کورد", "عەرەب", "تورک",
    // Version 10: an officer, a group (Pashto, in the oblique: "د ښځو ډلې وویل"), "sirs"
    // after a title ("حاجي صاحبانو"); Kurmanji doctor, nurse, police, judge, employee.
    "افسر", "افسره", "افسرې", "ډله", "ډلې", "ډلو", "صاحبان", "صاحبانو", "bijîşk", "bijîşkê",
    "bijîşka", "bijîşkan", "doktor", "hemşîre", "polîs", "dadwer", "karmend", "nûçegihan",
    "rojnamevan", "endam", "انجنیر", "انجینر",
    // Version 10: Pashto words for people, bodies and things that notes say speak: a man, a
    // woman, neighbours, the media, a month (the Red Crescent, "سره میاشت"), a branch, a team,
    // a hotel, a charity, a website, a consulate.
    "سړی", "سړي", "ښځه", "ښځې", "ګاونډي", "ګاونډیان", "رسنۍ", "رسنیو", "میاشت", "میاشتې",
    "څانګه", "څانګې", "ټیم", "هوټل", "خیریه", "ویبپاڼه", "ویبپاڼې", "کونسلګري", "کونسلګرۍ",
];

/// A word followed by a verb that only a person does ("Hemin said", "ዳዊት እንዳለው"): a word of
/// the name lists; or, where no list has it, a word right before a mark of the doer (in
/// languages that put the object before the verb, the word before "wants" is often a thing)
/// that can only be a name there — no pronoun, no role, no article, no everyday word — and,
/// in a script with letter case, only before a Somali focus marker.
fn acts(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // Version 13: Pashto may put a particle between the one who speaks and the verb ("فرشته خو
    // ویل چې…", Fereshta did say that…): the words after `i` are read past it.
    // Also "to me", "to him", "to us" ("فرشتې راته وویل چې…", "رحيمي مونږ ته وويل…").
    let skip = if t.in_pashto && t.next_punct.is_none() {
        PASHTO_BETWEEN
            .iter()
            .find(|p| {
                p.iter().enumerate().all(|(k, w)| {
                    ts.get(i + 1 + k)
                        .is_some_and(|n| n.next_punct.is_none() && n.text == *w)
                })
            })
            .map_or(0, |p| p.len())
    } else {
        0
    };
    let at = |j: usize, list: &'static [&'static str]| {
        ts.get(if j > i { j + skip } else { j })
            .is_some_and(|n| in_list(n, list))
    };
    // Ethiopic "ከም ዝበለ" ("as … said") puts a word between.
    let as_said = ts.get(i + 1).is_some_and(|n| n.folded == "ከም");
    let verb = at(i + 1, PERSON_VERBS) || (as_said && at(i + 2, PERSON_VERBS));
    let agent = at(i + 1, AGENT_MARKERS)
        || (as_said && at(i + 2, AGENT_MARKERS))
        // Somali may put an adverb between: "Cabdi aad ayuu …" (for a listed name only).
        || (t.cased && known(t) && at(i + 2, SOMALI_MARKERS) && !ts[i + 1].capital)
        // "X said that …": the one who speaks, in any word order.
        || (at(i + 1, SPEECH_VERBS) && at(i + 2, COMPLEMENTIZERS))
        // Version 11: "X said: …", the words said after a colon.
        || (at(i + 1, SPEECH_VERBS)
            && ts[i + 1 + skip].next_punct == Some(':')
            && i + 2 + skip < ts.len());
    if !(verb || agent) || t.quoted || in_list(t, OFFICES) || in_list(t, NOT_PERSONS) {
        return false;
    }
    if pashto(ts) && !t.cased {
        // Version 10: a role in the Pashto feminine or oblique ("وکیلې ووېل", the lawyer
        // said), and the head of a Pashto "of" phrase ("د پولیسو افسر", the police officer;
        // "د ښځو ډلې", the women's group): what the one before "د" has, not a name.
        let feminine_role = t.folded.strip_suffix('ي').is_some_and(|stem| {
            stem.chars().count() >= 4 && folded_list(NOT_PERSONS).contains(stem)
        });
        let genitive_head =
            i >= 2 && ts[i - 2].text == "د" && ts[i - 1].next_punct.is_none() && !known(&ts[i - 1]);
        // ... and a noun after a numeral, a demonstrative or a quantifier ("یوه ښځه وايي",
        // a woman says; "دا لیک وايي", this letter says).
        let determined = i >= 1 && in_list(&ts[i - 1], PASHTO_DETERMINERS);
        if feminine_role || genitive_head || determined {
            return false;
        }
    }
    // "Hemin said …": a capitalised word no list or dictionary has, before a verb of saying.
    let agent = agent || (t.cased && at(i + 1, SPEECH_VERBS));
    // Version 13: the second word of a two-word name opening the sentence, a name's part
    // ("ګل", "خان", "جان") that alone is also a word: "باچا ګل وايي چې…".
    if i == 1
        && NAME_PART_WORDS.contains(&t.text.as_str())
        && !ts[0].cased
        && ts[0].next_punct.is_none()
        && person_in_slot_shape(&ts[0])
        && at(i + 1, SPEECH_VERBS)
        && at(i + 2, COMPLEMENTIZERS)
    {
        return true;
    }
    // Version 13: in Pashto, opening the sentence before a verb of saying and "that", any
    // listed given name, even one that is also a word, or one in Pashto letters: "روښانه وايي
    // چې…", "فرښته وايي چې…" (no adjective, no angel says).
    if t.initial
        && t.in_pashto
        && at(i + 1, SPEECH_VERBS)
        && at(i + 2, COMPLEMENTIZERS)
        && person_in_slot_shape(t)
        && (caseless_given(t) || given_in_persian_letters(t))
    {
        return true;
    }
    if known(t) {
        // Without letter case, a frequent name is also a frequent word of the dictionaries
        // (زهرا, فرزانه): right before "said" or the Urdu نے, a well-attested one that is no
        // everyday word of the rules is a person ("فرزانه گفت", "شازیہ نے بتایا").
        let speaks = at(i + 1, SPEECH_VERBS) || at(i + 1, AGENT_MARKERS);
        // Opening a sentence before an Arabic verb of saying, even one of the rules' everyday
        // words: "نور قالت إنو…" (light does not speak).
        let arabic_speaker = t.initial && at(i + 1, ARABIC_SPEECH) && given(t);
        // A capitalised name that is also a word, before "said that" ("Şoreş got ku…").
        // Without case, a well-attested given name opening the sentence ("عزیز وایي چې…").
        // Version 11: also after a role, in apposition ("د ټولنې غړې پلوشه وايي چې…", the
        // community's member Palwasha says that…).
        let after_role =
            i >= 1 && ts[i - 1].next_punct.is_none() && in_list(&ts[i - 1], NOT_PERSONS);
        // Version 13: or after a word of time opening the clause ("وروسته زرغونې وویل چې…").
        let after_when = i >= 1
            && t.in_pashto
            && in_list(&ts[i - 1], &["وروسته", "بیا", "نن", "پرون", "بالاخره"])
            && (i == 1 || matches!(ts[i - 2].next_punct, Some('.' | '،' | ',')));
        let said_that = (t.cased
            || (after_when && given(t))
            || ((t.initial || after_role) && strong(t) && given(t)))
            && at(i + 1, SPEECH_VERBS)
            && at(i + 2, COMPLEMENTIZERS);
        return !ambiguous(t)
            || said_that
            || (!t.cased
                && speaks
                && (strong(t) || given(t))
                && (!everyday_by_rules(t) || arabic_speaker));
    }
    if !agent || !name_shaped(t) || ambiguous(t) {
        return false;
    }
    if t.cased {
        // Somali nouns with the article ("Maareeyaha" the manager, "Dhakhtarku" the doctor).
        let somali_noun = ["ha", "ka", "ku", "ta", "da", "ga", "tu", "du", "gu"]
            .iter()
            .any(|a| t.folded.ends_with(a))
            // Plurals: "Turjubaanno" (interpreters), "gurayaal", "hooyooyin".
            || ["yaal", "oyin", "nno", "llo", "ddo", "mmo", "rro", "nnu"]
                .iter()
                .any(|a| t.folded.ends_with(a));
        t.capital
            && !t.text.contains('-')
            && t.text.chars().count() >= 4
            && !t.text.chars().all(|c| !c.is_lowercase())
            && !common(t)
            && ((at(i + 1, SOMALI_MARKERS) && !somali_noun) || at(i + 1, SPEECH_VERBS))
    } else {
        !t.folded.starts_with("ال") && !common(t) && !pashto_noun_shaped(t)
    }
}

/// A Pashto word shaped as a noun, never as a name, of a Pashto text: a plural, a doer or a
/// place in -تون, a feminine oblique (see the versions below).
fn pashto_noun_shaped(t: &Token) -> bool {
    // Version 8: not a Pashto plural in the oblique, the case of a past verb's doer
    // ("کډوالو وویل چې", the refugees said; ځوانانو, میندو, مېلمنو, کوونکو).
    // Version 9: also the animate plural in -انه ("مېلمانه", guests) and a role of the
    // rules' lists in the oblique plural ("پولیسو", the police).
    // Version 10: and the plurals in -ونه, -ان and -ګانې ("ملګري ملتونه", the United
    // Nations; "ګاونډیان", neighbours), and the oblique in -یو ("رسنیو", the media).
    let pashto_plural = t.in_pashto
        && ([
            "انو", "ونو", "الو", "ندو", "منو", "نکو", "انه", "ونه", "ګانې", "ان", "یو",
        ]
        .iter()
        .any(|end| t.text.ends_with(end))
            || t.folded
                .strip_suffix('و')
                .is_some_and(|stem| folded_list(NOT_PERSONS).contains(stem)));
    // Version 9: nor a Pashto noun of the doer ("ژباړونکې" interpreter, "څارونکی" monitor,
    // "لیکوال" writer, "مرستیال" deputy): a role. Version 10: nor a Pashto noun of a
    // place in -تون ("پوهنتون" university, "روغتون" hospital, "کتابتون" library).
    let pashto_doer = t.in_pashto
        && ["ونکی", "ونکې", "ونکي", "ونکو", "وال", "واله", "یال", "تون"]
            .iter()
            .any(|end| t.text.ends_with(end));
    // Version 11: nor a word in the Pashto feminine oblique ("جرګې وویل", the council said)
    // that no list holds: a listed name there is found by its plain form (زرمینې, زرمینه).
    let pashto_oblique = t.in_pashto && t.text.ends_with('ې');
    // Version 13: nor a verb in "we" or in -ېږي ("تعقیبوو", we follow; "ټوخیږي", they cough).
    let pashto_verb = t.in_pashto
        && ["وو", "ېږي", "یږي", "ېدل", "یدل"]
            .iter()
            .any(|end| t.text.ends_with(end));
    pashto_plural || pashto_doer || pashto_oblique || pashto_verb
}

/// What Pashto may put between one who speaks and the verb (version 13): particles, and "to
/// me", "to him", "to us".
const PASHTO_BETWEEN: &[&[&str]] = &[
    &["خو"],
    &["هم"],
    &["راته"],
    &["ورته"],
    &["ماته"],
    &["ما", "ته"],
    &["موږ", "ته"],
    &["مونږ", "ته"],
];

/// Where only a person is held or cared for (version 13): detention, prison, hospital.
const PASHTO_HELD_IN: &[&str] = &["ډیټنشن", "توقیف", "زندان", "بندیخانه", "روغتون", "جیل"];

/// Pashto numerals, demonstratives and quantifiers before a noun: one, this, that, which,
/// every, all, some, many (version 10; not "other", نور, which is also the name Noor).
#[rustfmt::skip]
const PASHTO_DETERMINERS: &[&str] = &[
    "یو", "یوه", "دا", "دغه", "هغه", "دې", "دغې", "هغې", "کوم", "کومه", "هر", "هره", "ټول",
    "ټوله", "ځینې", "ځینو", "ډېر", "ډېرو",
];

/// Whether the rules' own list ([`AMBIGUOUS_RULES`]) makes a word an everyday word (the
/// dictionaries' lists aside: they hold nearly every frequent Arabic-script name as a word).
fn everyday_by_rules(t: &Token) -> bool {
    forms(t).any(|f| LISTS.rules.contains(f))
}

/// A family name of the hand list (`family_extra.txt`), as written, that is none of the rules'
/// everyday words.
fn hand_family(t: &Token) -> bool {
    written(t).any(|f| LISTS.family_extra.contains(f)) && !everyday_by_rules(t)
}

/// A family name of the hand list with the shape of one (version 7): written with case, or
/// without case a Persian, Dari or Urdu nisba ("احمدی", "صدیقی") or a Pashtun tribal name
/// ("ستانکزی", "سیدخیل"), not an Arab name with the article or a trade ("حداد" is also
/// mourning, "النجار" the carpenter).
fn hand_family_shaped(t: &Token) -> bool {
    hand_family(t)
        && (t.cased
            || (!t.folded.starts_with("ال")
                && (t.folded.ends_with('ي')
                    || t.folded.contains("زي")
                    || t.folded.ends_with("خيل"))))
}

fn ambiguous(t: &Token) -> bool {
    let by_hand = LISTS.by_hand.contains(&t.folded) && !everyday_by_rules(t);
    (!by_hand && forms(t).any(|f| LISTS.ambiguous.contains(f)))
        // A capitalised word at the start of a sentence may be any word.
        || (t.cased && t.initial && t.text.chars().count() <= 3)
}

fn in_list(t: &Token, list: &'static [&'static str]) -> bool {
    folded_list(list).contains(&t.folded)
}

/// A cache of folded rule lists, keyed by a list's address and length.
type FoldCache<T> = LazyLock<RwLock<HashMap<(usize, usize), &'static T>>>;

/// What `cache` holds under `key`, made (and kept for good) the first time it is asked for.
/// Found under a read lock, so checks on several threads do not wait for each other.
fn cached<T: ?Sized + Sync>(
    cache: &'static FoldCache<T>,
    key: (usize, usize),
    make: impl FnOnce() -> &'static T,
) -> &'static T {
    if let Some(found) = cache
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return found;
    }
    cache
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert_with(make)
}

/// A rule list folded once, the first time it is used (the rules run on every word of every
/// text and every received change: folding each list word on every comparison cost more than
/// the rest of the check).
fn folded_list(list: &'static [&'static str]) -> &'static HashSet<String> {
    static CACHE: FoldCache<HashSet<String>> = LazyLock::new(Default::default);
    cached(&CACHE, (list.as_ptr() as usize, list.len()), || {
        Box::leak(Box::new(list.iter().map(|w| fold(w)).collect()))
    })
}

/// A list of phrases, each folded once (see [`folded_list`]).
fn folded_phrases(phrases: &'static [&'static [&'static str]]) -> &'static [Vec<String>] {
    static CACHE: FoldCache<[Vec<String>]> = LazyLock::new(Default::default);
    cached(&CACHE, (phrases.as_ptr() as usize, phrases.len()), || {
        let folded: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| p.iter().map(|w| fold(w)).collect())
            .collect();
        Box::leak(folded.into_boxed_slice())
    })
}

/// Whether the words from `start` on are `phrase` (folded).
fn phrase_at(ts: &[Token], start: usize, phrase: &[String]) -> bool {
    ts.len() >= start + phrase.len()
        && ts[start..start + phrase.len()]
            .iter()
            .zip(phrase)
            .all(|(t, w)| &t.folded == w)
}

/// A name-shaped word that is not an everyday word or a title: what follows a title or "her
/// name is".
fn could_be_name(t: &Token) -> bool {
    name_shaped(t)
        && !in_list(t, FUNCTION_WORDS)
        && !in_list(t, OFFICES)
        && !in_list(t, PLACE_AFTER)
        && (known(t) || (t.cased && t.capital) || (!t.cased && !ambiguous(t)))
}

/// Whether the words after position `i` (a name of `len` words) make it a place or an
/// organisation, or the words before make it a place or a public office-holder.
fn excused(ts: &[Token], i: usize, len: usize) -> bool {
    if (i..(i + len).min(ts.len())).any(|k| public_figure(ts, k)) {
        return true;
    }
    // "Sadiq Khan, Mayor of London": an office right after the name.
    let last = i + len - 1;
    if ts
        .get(last)
        .is_some_and(|t| matches!(t.next_punct, Some(',' | '،')))
        && ts
            .iter()
            .skip(last + 1)
            .take(2)
            .any(|t| in_list(t, OFFICES))
    {
        return true;
    }
    let before = i.checked_sub(1).map(|j| &ts[j]);
    if before.is_some_and(|b| in_list(b, OFFICES) || in_list(b, PLACE_BEFORE)) {
        return true;
    }
    if office_in_apposition(ts, i) || pashto_adjective(ts, i + len - 1) {
        return true;
    }
    // Pashto names a body after the person it is named for: "د ملالې بنسټ" (version 8).
    if i >= 1 && ts[i - 1].text == "د" && ts.get(i + len).is_some_and(|n| in_list(n, PASHTO_BODIES))
    {
        return true;
    }
    // "Masjidka Abu Bakr", "مسجد أبو بكر": a place word, a title, the name.
    if i >= 2 && in_list(&ts[i - 2], PLACE_BEFORE) && in_list_forms(&ts[i - 1], PERSON_TITLES) {
        return true;
    }
    // "la conseillère municipale Sophie Turner", "the cabinet member Jane Smith".
    // Not across a preposition (version 13): "د هوټل مدیر له رحمت الله سره" (the hotel's
    // manager, with Rahmatullah).
    if i >= 2 && in_list(&ts[i - 2], OFFICES) && !in_list(&ts[i - 1], FUNCTION_WORDS) {
        return true;
    }
    // Version 10: the third word of a body's capitalised name after a place or body word
    // ("Rêxistina Mafên Mirovan", the Human Rights Organisation).
    if i >= 2
        && ts[i].cased
        && ts[i - 1].capital
        && ts[i - 2].next_punct.is_none()
        && in_list(&ts[i - 2], PLACE_BEFORE)
    {
        return true;
    }
    // An article before capitalised words names a body or a place ("the Red Cross"); people
    // go without one. "The kitchen is called Baraka": a thing's name.
    if ts[i].cased
        && before.is_some_and(|b| {
            ["the", "le", "la", "les", "l'", "des", "du"].contains(&b.folded.as_str())
        })
    {
        return true;
    }
    if i >= 2
        && ["called", "named"].contains(&ts[i - 1].folded.as_str())
        && ["is", "was", "are", "were", "be", "been"].contains(&ts[i - 2].folded.as_str())
    {
        return true;
    }
    // The name's own words and up to two more capitalised ones, then a place word: "Victoria
    // Park", "Herbert Art Gallery".
    for t in ts.iter().skip(i + 1).take(len + 2) {
        if in_list(t, PLACE_AFTER) || (t.folded == "mp" || t.folded == "msp") {
            return true;
        }
        if !(t.cased && t.capital) {
            break;
        }
    }
    false
}

/// Pashto words for a body or a street named after someone, written after the name: "د ملالې
/// بنسټ" (the Malala Fund).
const PASHTO_BODIES: &[&str] = &[
    "بنسټ",
    "بنسټونه",
    "لیسه",
    "لیسې",
    "ټولنه",
    "ټولنې",
    "واټ",
    "مېنه",
    "اکاډمي",
    "صندوق",
];

/// Plural words for people that a Pashto adjective goes before: "ننګیالي ځوانان" (brave young
/// men), "ګلالۍ نجونې" (lovely girls).
const PASHTO_PEOPLE: &[&str] = &[
    "ځوانان",
    "میرمنې",
    "مېرمنې",
    "نجونې",
    "ښځې",
    "هلکان",
    "کډوال",
    "کسان",
    "ورونه",
    "خویندې",
    "خوېندې",
    "میندې",
    "پلرونه",
    "رضاکاران",
    "غړي",
];

/// Whether the word at `last` (the end of a name-like word) is a Pashto adjective: in a Pashto
/// text, right before a plural word for people and not after "د" ("of"), which would make it
/// someone's ("د ګلالۍ ماشومان").
fn pashto_adjective(ts: &[Token], last: usize) -> bool {
    pashto(ts)
        && ts[last].next_punct.is_none()
        && !(last >= 1 && ts[last - 1].text == "د")
        && ts.get(last + 1).is_some_and(|n| in_list(n, PASHTO_PEOPLE))
}

/// Whether the name at `i` stands in apposition to an office named before it, with a comma
/// and perhaps a title between ("Parlamentera me, Xanim Dawn Butler", "د پارلمان استازې،
/// مېرمن …"): a public office-holder.
fn office_in_apposition(ts: &[Token], i: usize) -> bool {
    // Back over at most one more word of the name and one title, to the comma.
    let mut j = i;
    for _ in 0..3 {
        let Some(p) = j.checked_sub(1).map(|k| &ts[k]) else {
            return false;
        };
        if matches!(p.next_punct, Some(',' | '،')) {
            break;
        }
        if !(in_list_forms(p, PERSON_TITLES) || p.cased && p.capital) {
            return false;
        }
        j -= 1;
    }
    let Some(comma) = j.checked_sub(1) else {
        return false;
    };
    matches!(ts[comma].next_punct, Some(',' | '،'))
        && (comma.saturating_sub(2)..=comma).any(|k| in_list_forms(&ts[k], OFFICES))
}

/// Whether a word, or the word without its affixes ("وأبو", "ንኣቶ"), is one of `list`.
fn in_list_forms(t: &Token, list: &'static [&'static str]) -> bool {
    let list = folded_list(list);
    list.contains(&t.folded)
        || t.folded.strip_prefix('و').is_some_and(|s| list.contains(s))
        || t.bare.iter().any(|b| list.contains(b))
}

/// Pashto and Dari words for a doctor, an engineer and a Quran reciter, which go before a
/// name as titles ("ډاکټر نجیب", "انجنیر فرید", "قاري ثنا الله") and alone name a role (version
/// 11).
const PASHTO_ROLE_TITLES: &[&str] = &["ډاکټر", "ډاکټره", "دکتر", "انجنیر", "انجینر", "قاري"];

fn title_before(ts: &[Token], i: usize) -> bool {
    let Some(t) = i.checked_sub(1).map(|j| &ts[j]) else {
        return false;
    };
    // Version 11: a role title before a well-attested given name that is none of the rules'
    // everyday words ("ډاکټر وویل", "ډاکټر ته" name no one).
    if in_list(t, PASHTO_ROLE_TITLES) && t.next_punct.is_none() {
        let n = &ts[i];
        return caseless_given(n)
            && strong(n)
            && !everyday_by_rules(n)
            && person_in_slot_shape(n)
            && !forms(n).any(|f| folded_list(CALENDAR).contains(f));
    }
    // "M. Ngoma": M with its full stop.
    let monsieur = t.text == "M" && t.next_punct == Some('.');
    if !monsieur && !in_list_forms(t, PERSON_TITLES) {
        return false;
    }
    // "Masjidka Abu Bakr", "مسجد أبو بكر": a place named after someone.
    if i >= 2 && in_list(&ts[i - 2], PLACE_BEFORE) {
        return false;
    }
    if in_list_forms(t, WEAK_TITLES) {
        // ("ادې جانې": "dear" after a word of respect addresses no one by name.)
        return person_in_slot(&ts[i])
            && (!ts[i].cased || known(&ts[i]))
            && !phrase_after(ts, i - 1, VOCATIVES);
    }
    // A title before a role addresses the one who holds it: "خانم معلم" (Miss, the teacher),
    // "آقای مدیر" (version 9).
    could_be_name(&ts[i]) && !in_list(&ts[i], NOT_PERSONS)
}

fn introduced(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    let Some(phrase) = folded_phrases(NAME_INTRODUCERS)
        .iter()
        .find(|phrase| i >= phrase.len() && phrase_at(ts, i - phrase.len(), phrase))
    else {
        return false;
    };
    // "The kitchen is called Baraka", a name in quotation marks: a thing's name.
    let start = i - phrase.len();
    let of_a_thing = t.quoted
        || (start > 0
            && ["is", "was", "are", "were", "be", "been"].contains(&ts[start - 1].folded.as_str()));
    // Without letter case, only a word of the name lists; after the Pashto "نوم یې" (her name
    // is) any word that is no particle or question word (version 13: "نوم یې هیلۍ دی").
    let pashto_named = t.in_pashto
        && phrase.len() == 2
        && ts[start].text == "نوم"
        && !in_list(t, &["څه", "چا", "کوم", "نه", "مې", "هم"]);
    let listed = if t.cased {
        t.capital
    } else {
        known(t) || pashto_named
    };
    !of_a_thing && could_be_name(t) && listed
}

fn family_named(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // Only with nothing between the two words: "لكل عائلة — Logement digne" (a family, then a
    // second language after a dash) names no family.
    let after = t.next_punct.is_none() && ts.get(i + 1).is_some_and(|n| in_list(n, FAMILY_WORDS));
    let before = !t.initial
        && i.checked_sub(1)
            .is_some_and(|j| ts[j].next_punct.is_none() && in_list(&ts[j], FAMILY_WORDS));
    // "the Haile family"; "la famille Haile", "عائلة حداد", "qoyska Cali".
    let org = t.text.chars().all(|c| !c.is_lowercase())
        || i.checked_sub(1)
            .is_some_and(|j| ts[j].cased && ts[j].capital);
    (after && t.cased && t.capital && !t.initial && !org && !in_list(t, OFFICES))
        || (before
            && (known(t) || (t.cased && t.capital))
            && !ambiguous(t)
            // Version 13: "د یوې کورنۍ لور" (a family's daughter): kin, no family name.
            && !in_list(t, PASHTO_KIN))
}

/// Somali puts the doer last in a "waxaa" sentence: "Shirka waxaa guddoominaya Warsame" (the
/// meeting is chaired by Warsame), "waxaa qoraysa Deeqa": a listed name right after a verb in
/// -aya/-ysa that follows "waxaa".
fn somali_focus(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    i >= 2
        && t.cased
        && t.capital
        && !t.initial
        && given(t)
        && !in_list(t, NOT_PERSONS)
        && ["aya", "ysa", "aysa", "ayso", "ayo"]
            .iter()
            .any(|end| ts[i - 1].folded.ends_with(end))
        && ts[i.saturating_sub(4)..i - 1]
            .iter()
            .any(|w| w.folded == "waxaa" || w.folded == "waxa")
}

/// Words that make names with another in Pashto, Dari and Urdu: "flower" (as Pashto writes
/// it), "Khan", "dear", "elder brother" ("شیرین ګل", "اجمل خان", "ګل جان", "اجمل لالا").
const NAME_PARTS: &[&str] = &["ګل", "خان", "جان", "لالا"];

/// A name with one of [`NAME_PARTS`], written without letter case: a given name (even one that
/// is also a word) before خان or جان or لالا, a well-attested given name before ګل, or ګل before
/// a given name or another part ("ګل احمد", "ګل جان").
fn name_with_part(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    let Some(n) = ts.get(i + 1) else {
        return false;
    };
    // (Version 13: nor after an adjective of size or age: "د یوه لوی ګل انځور", a big flower.)
    if t.cased
        || t.next_punct.is_some()
        || !name_shaped(t)
        || in_list(t, FUNCTION_WORDS)
        || in_list(t, KIN_ADJECTIVES)
    {
        return false;
    }
    // Pashto's ګل only: Persian "گل نرگس" is a narcissus.
    let flower = |w: &Token| w.text == "ګل";
    let part = |w: &Token| NAME_PARTS.contains(&w.text.as_str());
    // Version 10: "حضرت ګل", "حضرت خان", "حضرت جان": the title of prophets and saints never
    // goes before a flower, a Khan or "dear"; before one it is the first half of a Pashtun
    // name.
    if t.text == "حضرت" {
        return part(n) && n.text != "لالا";
    }
    // Version 9: not before one of the rules' everyday words, which makes a phrase ("ګل
    // باران", a shower of flowers; "ګل بهار", spring flowers).
    if flower(t) {
        return (part(n) && !flower(n))
            || (given(n) && !in_list(n, NOT_PERSONS) && !everyday_by_rules(n))
            // Version 12: ګل, a word and a Pashtun tribal name of the hand list ("ګل زمان
            // احمدزی"): a name, not a phrase.
            || (n.next_punct.is_none()
                && name_shaped(n)
                && !in_list(n, FUNCTION_WORDS)
                && !in_list(n, NOT_PERSONS)
                && ts.get(i + 2).is_some_and(|m| !m.cased && hand_family_shaped(m)));
    }
    // Since version 7 also a Pashto name that is also a word, of the rules' own list ("ستوری"
    // star, "سوله" peace), before خان: "ستوری خان".
    let rules_name_before_khan = n.text == "خان" && everyday_by_rules(t) && pashto(ts);
    if !(caseless_given(t)
        || written(t).any(|f| LISTS.by_hand.contains(f))
        || rules_name_before_khan)
    {
        return false;
    }
    // Version 11: a given name, ګل and a family name ("پاچا ګل لودین"): ګل inside a name.
    let family_after = |j: usize| {
        n.next_punct.is_none()
            && ts.get(j).is_some_and(|m| {
                family(m)
                    && !everyday_by_rules(m)
                    && !in_list(m, NOT_PERSONS)
                    && !in_list(m, OFFICES)
                    && !written(m).any(|f| LISTS.places.contains(f))
            })
    };
    match n.text.as_str() {
        "ګل" => (strong(t) || family_after(i + 2)) && !in_list(t, NOT_PERSONS),
        // "جان" before a function word is "dear …" addressing, not part of the name.
        "جان" => {
            ts.get(i + 2).is_none_or(|m| !in_list(m, FUNCTION_WORDS)) && !jan_idiom(ts, i + 1)
        }
        _ => part(n),
    }
}

/// Urdu postpositions that follow a noun phrase: "to", "of", "by", "from", "for".
const URDU_POSTPOSITIONS: &[&str] = &["کو", "کا", "کی", "کے", "نے", "سے"];

/// Urdu marks a noun phrase with a postposition ("ثمینہ کو", "راشدہ کا کیس", "صائمہ ملک کے
/// کاغذات"): a well-attested given name that is none of the rules' everyday words, alone or with
/// a listed family name, right before one is a person, even where the dictionaries also hold
/// the name as a word.
/// A given name in a script without letter case that is no town, pronoun, role or office.
fn caseless_given(t: &Token) -> bool {
    !t.cased
        && (given(t) || pashto_unlisted(t))
        && !written(t).any(|f| LISTS.places.contains(f))
        && !in_list(t, NOT_PERSONS)
        && !in_list(t, OFFICES)
}

/// Version 13: in a Pashto text, a word that no name list holds and no dictionary holds as an
/// everyday word (Pashto has one since this version, `pashto.txt`): where the Pashto rules
/// want a given name, such a word is one. The lists cannot hold every Pashtun name.
fn pashto_unlisted(t: &Token) -> bool {
    t.in_pashto
        && !t.cased
        && !known(t)
        && !in_list(t, PASHTO_HONORIFICS)
        && person_in_slot(t)
        && !pashto_noun_shaped(t)
}

/// Version 13: a Pashto word that, written with the Persian letters nearest its Pashto ones (ښ
/// ش, ږ ژ, ړ ر, ډ د, ټ ت, ڼ ن), is a listed given name: فرښته is فرشته. Many such words are
/// everyday Pashto words as well (وړیا, اړین), so only a frame that wants a person asks it.
fn given_in_persian_letters(t: &Token) -> bool {
    let persian: String = t
        .text
        .chars()
        .map(|c| match c {
            'ښ' => 'ش',
            'ږ' => 'ژ',
            'ړ' => 'ر',
            'ډ' => 'د',
            'ټ' => 'ت',
            'ڼ' => 'ن',
            c => c,
        })
        .collect();
    t.in_pashto && persian != t.text && LISTS.given.contains(&fold(&persian))
}

/// A listed name, or in a Pashto text a word of no list and no dictionary (version 13).
fn known_or_unlisted(t: &Token) -> bool {
    known(t) || pashto_unlisted(t)
}

fn urdu_case_marked(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // As written: Pashto's "کې" (in) folds to Urdu's "کی".
    let marked = |j: usize| {
        ts.get(j)
            .is_some_and(|n| URDU_POSTPOSITIONS.contains(&n.text.as_str()))
    };
    if !caseless_given(t) || everyday_by_rules(t) || t.next_punct.is_some() {
        return false;
    }
    // Version 11: any such given name, alone or with a listed family name (even one that is
    // also a word: ملک), before "of" and what a person has: "راشدہ کا کیس", "صائمہ ملک کے
    // کاغذات", "وقاص کی درخواست".
    let owns = |j: usize| {
        ts.get(j)
            .is_some_and(|n| ["کا", "کی", "کے"].contains(&n.text.as_str()))
            && ts.get(j + 1).is_some_and(|n| in_list(n, URDU_POSSESSED))
    };
    if owns(i + 1)
        || (ts.get(i + 1).is_some_and(|n| {
            n.next_punct.is_none()
                && family(n)
                && !in_list(n, NOT_PERSONS)
                && !written(n).any(|f| LISTS.places.contains(f))
        }) && owns(i + 2))
    {
        return true;
    }
    // A given name only one list holds, of the Urdu feminine shape (a final ہ: ثمینہ), before
    // "to" or the doer's mark: someone sent to, or acting (not "for": "روزہ کے لیے", for the
    // fast).
    if !strong(t) {
        return t.text.ends_with('ہ')
            && ts
                .get(i + 1)
                .is_some_and(|n| n.text == "کو" || n.text == "نے");
    }
    marked(i + 1)
        || (marked(i + 2)
            && ts[i + 1].next_punct.is_none()
            && family(&ts[i + 1])
            && !everyday_by_rules(&ts[i + 1])
            && !written(&ts[i + 1]).any(|f| LISTS.places.contains(f)))
}

/// What a person has, after an Urdu "X کا/کی/کے" (version 11): papers, case, appeal,
/// application, interview, asylum, kin, lawyer, file, form.
#[rustfmt::skip]
const URDU_POSSESSED: &[&str] = &[
    "کاغذات", "کیس", "اپیل", "درخواست", "انٹرویو", "پناہ", "شوہر", "بیوی", "بچے", "بچوں", "بھائی",
    "بہن", "والد", "والدہ", "بیٹا", "بیٹی", "وکیل", "فائل", "فارم", "سماعت",
];

/// Pashto marks a person with "ته" (to) after it, or "له … سره" (with) and "له … څخه" (from)
/// around it: "شیرین ګل ته", "له زلمي څخه وپوښته". A listed given name there, that is none of
/// the rules' everyday words, alone or with a second listed name, is a person.
/// Pashto words of telling, calling and giving after "X ته".
#[rustfmt::skip]
const PASHTO_TELLING: &[&str] = &[
    "زنګ", "ووایه", "ووایئ", "وویل", "ووایاست", "ورکړئ", "ورکړه", "ولېږئ", "ولیږئ", "ولیږه", "مو", "مې",
    "پیغام", "ووایو",
    // Version 9: phoning ("بصیر ته ټیلیفون وکړئ").
    "ټیلیفون", "ټېلیفون", "ټلیفون", "تیلیفون", "تلیفون",
    // Version 13: given (to X), told, sent, in more forms.
    "ورکړل", "ورکړو", "ووایې", "ولېږه", "وپوښته", "وپوښتئ", "راکړئ",
    // ... and what came or is to be brought to X ("ارمان ته … خط راغلی", "… ورسوئ").
    "راغلی", "راغلې", "رسېدلی", "ورسوئ", "ورسوه",
];

fn pashto_marked(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    let is = |j: usize, w: &str| ts.get(j).is_some_and(|n| n.text == w);
    let with = i >= 1 && is(i - 1, "له");
    // Version 9: a name the lists hold only as a family name ("خوشحال", "بصیر" before the hand
    // list had it) counts where it is told or called.
    let family_only = !t.cased
        && !given(t)
        && family(t)
        && !written(t).any(|f| LISTS.places.contains(f))
        && !in_list(t, NOT_PERSONS);
    // An office told something is no name ("د کورنیو چارو وزیرې ته": to the Home Secretary).
    // Version 13: a name in Latin letters in a Pashto text ("Spogmai ته ووایه").
    let latin = t.cased
        && t.capital
        && t.in_pashto
        && is(i + 1, "ته")
        && (given(t) || !common(t))
        && person_in_slot_shape(t);
    if !(caseless_given(t) || family_only || latin)
        || t.next_punct.is_some()
        || in_list_forms(t, OFFICES)
    {
        return false;
    }
    // The name may have a second word: "شیرین ګل ته", "له نجیب الله کاکړ سره".
    let second = ts.get(i + 1).is_some_and(|n| {
        n.next_punct.is_none()
            && known(n)
            && !in_list(n, FUNCTION_WORDS)
            && !in_list(n, NOT_PERSONS)
    });
    // Before "ته" a well-attested name that is no everyday word, or any listed name that is
    // told or called ("حمید ته زنګ ووهه", "مرسل ته مې وویل"); around "له … سره" any listed
    // name, even one that is also a word ("له زلمي څخه").
    // The verb closes the clause, after what is given or told ("شینکۍ ته د ښوونځي فورم
    // ورکړئ").
    let told = |j: usize| {
        clause_from(ts, j)
            .iter()
            .skip(1)
            .any(|n| in_list(n, PASHTO_TELLING))
    };
    // "له X نه" (from X) is a person's only where X is asked or called ("له ثریا نه وپوښته"),
    // not where one comes from X (a town, a country).
    let asked = |j: usize| {
        ts.iter()
            .skip(j + 1)
            .take(4)
            .any(|n| in_list(n, &["وپوښته", "وپوښتئ", "وپوښتل", "پوښتنه", "زنګ", "خبرې"]))
    };
    let marked_at = |j: usize| {
        if family_only {
            return is(j, "ته") && told(j);
        }
        (is(j, "ته") && ((strong(t) && !everyday_by_rules(t)) || told(j)))
            || (with && (is(j, "سره") || is(j, "څخه") || (is(j, "نه") && asked(j))))
    };
    marked_at(i + 1) || (second && marked_at(i + 2))
}

/// Version 13: "X ګل ته ووایه" (tell X Gul): a word and a name's second part ("ګل", "خان",
/// "جان") before "ته" and a verb of telling, calling or giving make a two-word name, whatever
/// the first word (a flower, a virtue: "صبر ګل").
fn pashto_part_told(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    t.in_pashto
        && !t.cased
        && t.next_punct.is_none()
        && person_in_slot_shape(t)
        && ts
            .get(i + 1)
            .is_some_and(|n| n.next_punct.is_none() && NAME_PART_WORDS.contains(&n.text.as_str()))
        && ts.get(i + 2).is_some_and(|n| n.text == "ته")
        && clause_from(ts, i + 3)
            .iter()
            .any(|n| in_list(n, PASHTO_TELLING))
}

/// The words from `j` to the end of their clause: through the first one that punctuation
/// follows (none past the text's end).
fn clause_from(ts: &[Token], j: usize) -> &[Token] {
    let rest = ts.get(j..).unwrap_or_default();
    rest.iter()
        .position(|w| w.next_punct.is_some())
        .map_or(rest, |end| &rest[..=end])
}

/// Whether the word at `i` opens a clause: a sentence, or after a comma or "چې" (that).
fn opens_clause(ts: &[Token], i: usize) -> bool {
    ts[i].initial
        || (i >= 1
            && (matches!(ts[i - 1].next_punct, Some(',' | '،' | '؛'))
                || (ts[i - 1].text == "چې" && ts[i - 1].next_punct.is_none())))
}

/// The letters only Pashto writes.
const PASHTO_LETTERS: &str = "ټډړږښګڼۍېځڅ";

/// Whether a text is Pashto: a word holds one of the letters only Pashto writes (found once,
/// for the whole text, by [`tokens`]; `ts` is always the whole text's tokens).
fn pashto(ts: &[Token]) -> bool {
    ts.first().is_some_and(|t| t.in_pashto)
}

/// Words for "and" between two names (Pashto, Persian and Sorani, Urdu); Arabic joins "و" to
/// the second name ("شيماء ومنى").
const AND_JOINS: &[&str] = &["او", "و", "اور"];

/// Words of time that, right after the subject of a sentence or right before it, say that the
/// ones named act: yesterday, today, tomorrow, still, not yet.
#[rustfmt::skip]
const WHEN_WORDS: &[&str] = &[
    "پرون", "نن", "سبا", "فردا", "امروز", "دیروز", "هنوز", "ئەمڕۆ", "دوێنێ", "سبەی", "هێشتا",
    "کل", "آج", "ابھی", "اليوم", "بكرة", "بكرا", "أمس", "امبارح",
    // Version 7: Kurmanji, English and French, for two capitalised names.
    "sibê", "îro", "duh", "today", "tomorrow", "yesterday", "demain", "hier",
];

/// Words right before names that make them people: "with" (Persian, Arabic, Pashto, Sorani).
const WITH_WORDS: &[&str] = &["با", "مع", "له", "لەگەڵ"];

/// Two given names joined by "and" where a sentence names who acts: both listed, one well
/// attested (even if also words: "اجمل او پلوشه"), none a town, role or office, with "with"
/// or a word of time before them, or after them a word of time, the Urdu کو or نے, the
/// Arabic "will", an Arabic plural verb or the Pashto "will" (به, in Pashto only: Persian's به
/// is "to"). "نرگس و
/// لاله" on a shopping list names no one.
fn named_pair(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // Since version 7 also two capitalised names in a script with case ("Rojda û Berfîn
    // sibê tên"), one of them no everyday word.
    let cased_given = |n: &Token| {
        n.cased
            && n.capital
            && given(n)
            && !written(n).any(|f| LISTS.places.contains(f))
            && !in_list(n, NOT_PERSONS)
            && !in_list(n, OFFICES)
    };
    // Version 11: no day, month, weather, season or hope ("باران او واوره به …", rain and snow
    // will …; "شنبه او یکشنبه", Saturday and Sunday).
    let name = |n: &Token| {
        (caseless_given(n) || (t.cased && cased_given(n)))
            && !in_list(n, WHEN_WORDS)
            && !in_list(n, PASHTO_NOT_SUBJECTS)
            && !forms(n).any(|f| folded_list(CALENDAR).contains(f))
    };
    if !name(t) || t.next_punct.is_some() {
        return false;
    }
    let Some(join) = ts.get(i + 1) else {
        return false;
    };
    let (second, after) = if in_list(join, AND_JOINS) && join.next_punct.is_none() {
        (ts.get(i + 2), i + 3)
    } else if join.text.starts_with('و') && join.text.chars().count() >= 4 {
        (Some(join), i + 2)
    } else {
        return false;
    };
    if !second.is_some_and(name) || !(strong(t) || second.is_some_and(strong)) {
        return false;
    }
    if t.cased {
        let plain = |n: &Token| strong(n) && !ambiguous(n);
        return (plain(t) || second.is_some_and(plain))
            && second.is_some_and(|n| n.next_punct.is_none())
            && ts.get(after).is_some_and(|f| in_list(f, WHEN_WORDS));
    }
    let before = i.checked_sub(1).map(|j| &ts[j]);
    let follower = ts
        .get(after)
        .filter(|_| second.is_some_and(|n| n.next_punct.is_none()));
    before.is_some_and(|b| in_list(b, WITH_WORDS) || in_list(b, WHEN_WORDS))
        || follower.is_some_and(|f| {
            in_list(f, WHEN_WORDS)
                || in_list(f, &["رح", "راح"])
                // Urdu's "to" and doer's mark (not "of", "with": "رحمت اور برکت کا مہینہ").
                || f.text == "کو"
                || f.text == "نے"
                || (f.text == "به" && pashto(ts))
                || arabic_plural_verb(f)
        })
}

/// An Arabic verb of the third person plural, present or past ("يتكلمون", "يجهزوا",
/// "تطوعوا"): after two names, they act.
fn arabic_plural_verb(t: &Token) -> bool {
    let chars = t.text.chars().count();
    chars >= 5
        && (t.text.starts_with('ي') || t.text.starts_with('ت'))
        && (t.text.ends_with("ون") || t.text.ends_with("وا"))
}

/// Persian and Sorani verbs of telling, giving and sending, right after "به X" ("به فرهاد
/// بگویید", "بە شلێر بڵێ"), as the lists fold them.
#[rustfmt::skip]
const TELL_AFTER: &[&str] = &[
    "بگویید", "بگوئید", "بگو", "بگوید", "بدهید", "بدهيد", "بده", "برسانید", "برسان", "بسپارید",
    "تحویل", "اطلاع", "پیام", "زنگ", "بڵێ", "بڵێن", "بڵێین", "بڵێیت", "بدە", "بدەن", "بنێرە",
    "بنێرن", "بگەیەنە", "بگەیەنن",
];

/// Sorani verbs of giving and sending before "بە X" ("بدە بە سەردار").
const GIVE_BEFORE: &[&str] = &["بدە", "بدەن", "بنێرە", "بنێرن", "بگەیەنە", "بگەیەنن"];

/// Kurmanji words right before a person told, called or handed something: "destê Hejar" (into
/// Hejar's hand), "telefonî Siyamend" (a call to Siyamend); "ji … re" and "bi … re" (to, with)
/// go around the name.
const KURMANJI_TO: &[&str] = &["destê", "telefonî", "telefonê"];

/// A listed given name that someone is told something, handed or sent something, or called
/// (version 7): Persian "به X بگویید", "به دست X برسانید", Sorani "بە X بڵێ", "بدە بە X",
/// Kurmanji "ji X re bêje", "bi X re", "destê X", "telefonî X". Without letter case the name
/// is none of the rules' everyday words ("به دنیا بگوییم", tell the world); with case it is
/// capitalised inside the sentence.
fn told(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // The Kurmanji oblique -î of a masculine name after telefonî ("telefonî Siyamendî"): only
    // here, as towns end in -î too (Silêmanî).
    let oblique = t.cased
        && t.capital
        && i >= 1
        && in_list(&ts[i - 1], KURMANJI_TO)
        && t.text.ends_with('î')
        && t.folded
            .strip_suffix('i')
            .is_some_and(|s| s.chars().count() >= 3 && LISTS.given.contains(s));
    if i == 0
        || !(given(t) || oblique)
        || in_list(t, NOT_PERSONS)
        || in_list(t, OFFICES)
        || written(t).any(|f| LISTS.places.contains(f))
    {
        return false;
    }
    let prev = &ts[i - 1];
    if t.cased {
        let rules_word = everyday_by_rules(t) && !written(t).any(|f| LISTS.by_hand.contains(f));
        let around = ["ji", "bi"].contains(&prev.folded.as_str())
            && ts.get(i + 1).is_some_and(|n| n.folded == "re");
        return t.capital && !t.initial && !rules_word && (around || in_list(prev, KURMANJI_TO));
    }
    if everyday_by_rules(t) {
        return false;
    }
    // "به X", or "به دست X" (into X's hand).
    let to = prev.folded == "به" || (i >= 2 && prev.folded == "دست" && ts[i - 2].folded == "به");
    let tell_after =
        to && t.next_punct.is_none() && ts.get(i + 1).is_some_and(|n| in_list(n, TELL_AFTER));
    let give_before = prev.folded == "به" && i >= 2 && in_list(&ts[i - 2], GIVE_BEFORE);
    tell_after || give_before
}

/// Kurmanji words before the one phoned or called: "telefonî Rojan bikin", "gazî Berîvan bikin".
const KURMANJI_CALL: &[&str] = &["telefonî", "telefonê", "gazî", "gaziya"];

/// Kurmanji forms of "to do" that close "telefonî X …", "gazî X …".
#[rustfmt::skip]
const KURMANJI_DO: &[&str] = &[
    "bike", "bikin", "bikî", "bikim", "bikine", "dike", "dikin", "dikim", "dikî", "kir", "kirin",
    "kiriye",
];

/// Sorani forms of "to do" that close "پەیوەندی بە X …", "تەلەفۆن بۆ X …".
#[rustfmt::skip]
const SORANI_DO: &[&str] = &[
    "بکە", "بکەن", "بکەین", "بکات", "بکەیت", "بکەم", "کرد", "بکرێت", "دەکەین", "دەکەم",
];

/// A listed given name (even one that is also an everyday word: no one phones "hope" or "the
/// snowdrop") in a frame of contacting someone (version 9): Persian "با X تماس بگیرید", "به X
/// زنگ بزنید", "به X تلفن کنید"; Sorani "پەیوەندی بە X بکە", "تەلەفۆن بۆ X بکەن", "بە X
/// تەلەفۆن بکە"; Kurmanji "telefonî X bikin", "gazî X bikin", where a capitalised word no list,
/// dictionary or gazetteer holds is a name too before the verb. Roles, offices and towns are no
/// one's name here ("به وکیل زنگ بزنید").
fn contacted(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    if i == 0
        || t.quoted
        || !name_shaped(t)
        || in_list(t, FUNCTION_WORDS)
        || in_list(t, NOT_PERSONS)
        || in_list(t, OFFICES)
        || in_list(t, PERSON_TITLES)
        || written(t).any(|f| LISTS.places.contains(f))
        // Version 10: nor a home region ("بنێرە بۆ کوردستان", send it to Kurdistan).
        || written(t).any(|f| folded_list(HOME_PLACES).contains(f))
        || written(t).any(|f| folded_list(COUNTRIES).contains(f))
    {
        return false;
    }
    let prev = &ts[i - 1];
    let is = |j: usize, list: &'static [&'static str]| ts.get(j).is_some_and(|w| in_list(w, list));
    if t.cased {
        if !(t.capital && !t.initial && in_list(prev, KURMANJI_CALL)) {
            return false;
        }
        let unlisted = t.next_punct.is_none()
            && is(i + 1, KURMANJI_DO)
            && !common(t)
            && !ambiguous(t)
            && !t.text.chars().all(|c| !c.is_lowercase());
        return given(t) || unlisted;
    }
    if !given(t) {
        return false;
    }
    // The name may have a second word before the verb: "تەلەفۆن بۆ هێمن عەلی بکەن".
    let then = |list: &'static [&'static str]| {
        t.next_punct.is_none()
            && (is(i + 1, list)
                || (ts[i + 1..]
                    .first()
                    .is_some_and(|n| n.next_punct.is_none() && known(n))
                    && is(i + 2, list)))
    };
    let persian = (prev.folded == "با" && then(&["تماس"]))
        || (prev.folded == fold("به") && then(&["زنگ", "تلفن", "تەلەفۆن", "زەنگ"]));
    let sorani = i >= 2
        && ((prev.folded == fold("بە") && in_list(&ts[i - 2], &["پەیوەندی", "پەیوەندیی"]))
            || (prev.folded == fold("بۆ") && in_list(&ts[i - 2], &["تەلەفۆن", "تەلەفون", "زەنگ"])))
        && then(SORANI_DO);
    // Version 10: Sorani "send … to X" ("نامەیەک بنێرە بۆ بەهار عوسمان") and "speak with X"
    // ("لەگەڵ چیا نەوزاد قسە بکە").
    // Version 11: also "give … to X" ("بدە بە سەردار").
    let sent = i >= 2
        && (prev.folded == fold("بۆ") || prev.folded == fold("بە"))
        && in_list(&ts[i - 2], GIVE_BEFORE);
    let spoken_with = prev.folded == fold("لەگەڵ") && then(&["قسە", "قسەی", "بدوێ", "بدوێن"]);
    persian || sorani || sent || spoken_with
}

/// How a Pashto sentence's subject was told a person ([`pashto_subject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// A person's state after the name, or after "today", "yesterday" or "now" after it
    /// ("سپوږمۍ ناروغه ده", "سپوږمۍ نن ناروغه ده": no moon is ill). Decisive since version 18.
    State,
    /// Any other frame ("will", a word of time, "with", "of", "her own"…).
    Other,
}

/// A Pashto sentence opening with a well-attested given name (even one that is also a word:
/// "پلوشه", "زلمی") and then "will" or a word of time: "حمید به شورا ته بریښنالیک ولیږي",
/// "زلمی پرون هوټل ته ورسید"; with the frame that found it.
fn pashto_subject(ts: &[Token], i: usize) -> Option<Subject> {
    let t = &ts[i];
    // Version 13: the name may have a second word, a family name of the hand list or one the
    // lists hold as no given name and no dictionary as a word ("پسرلی شینواری نن…"): what
    // follows is looked for after it.
    let second = ts.get(i + 1).is_some_and(|n| {
        n.next_punct.is_none()
            && !n.cased
            && (hand_family(n) || (family(n) && !given(n) && !common(n)))
            && person_in_slot_shape(n)
            && !in_list(n, WHEN_WORDS)
            && !in_list(n, PASHTO_WHEN)
            && !in_list(n, &["اوس", "به"])
    });
    // `j`: the name's last word.
    let j = if second { i + 1 } else { i };
    // Version 13: also opening a clause, after a comma or "چې" (that): "…، بریالی به خپل موټر
    // راوړي", "هیله ده چې لطیفه به…".
    let found = opens_clause(ts, i)
        && t.next_punct.is_none()
        && (caseless_given(t) || pashto_given_village(ts, i))
        // Since version 7 also a given name that the family lists hold too and that is none
        // of the rules' everyday words ("حیات پرون…").
        && (strong(t)
            // Version 13: or any listed given name before a family name of the hand list.
            || (second && hand_family(&ts[j]))
            || (family(t) && !everyday_by_rules(t))
            // Version 9: or a listed given name that no dictionary holds as a word ("نازیه").
            || (!ambiguous(t) && !common(t))
            // Version 11: or, before a word of time, any listed given name that is none of the
            // rules' everyday words ("ماریه سبا محکمې ته ځي").
            || (!everyday_by_rules(t)
                && ts.get(j + 1).is_some_and(|n| in_list(n, &["پرون", "نن", "سبا"]))))
        && !in_list(t, WHEN_WORDS)
        // Version 9: weather, seasons and hopes that open a sentence before "will" ("باران به
        // سبا وي", it will rain tomorrow; "سوله به راشي", peace will come).
        && (second || !in_list(t, PASHTO_NOT_SUBJECTS))
        // Version 11: nor a day or a month ("جمعه به غونډه وي", Friday there is a meeting).
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && ts.get(j + 1).is_some_and(|n| {
            // Version 11: a person's state right after ("سپوږمۍ ناروغه ده", Spozhmay is ill),
            // even after a name that is also a word: no moon is ill.
            in_list(n, PASHTO_HUMAN_STATES)
                || n.text == "به"
                || in_list(n, PASHTO_WHEN)
                // Version 13: in detention, in prison, in hospital ("بریالی په ډیټنشن کې دی"),
                // even a name that is also a word.
                || (n.text == "په"
                    && ts.get(j + 2).is_some_and(|w| in_list(w, PASHTO_HELD_IN))
                    && ts.get(j + 3).is_some_and(|w| w.text == "کې"))
                // Version 13: "now" ("نجیبه اوس … ته ځي").
                || (n.text == "اوس" && !everyday_by_rules(t))
                // Version 7: "with" or "from" ("سمیرا له خپلو ماشومانو سره …"), after a name
                // that is none of the rules' everyday words ("مینه له ټولو سره", love to all).
                || (n.text == "له" && !everyday_by_rules(t))
                // Version 11: "of" or "in" ("نازیه د ژباړې لپاره وخت لري", "میرویس په هوټل
                // کې اوسېږي"), after a name that is none of the rules' everyday words.
                || ((n.text == "د" || n.text == "په") && !everyday_by_rules(t))
                // Version 13: "of her own", "with his own" ("خوشحال د خپل ورور سره…").
                || (n.text == "د"
                    && ts.get(j + 2).is_some_and(|w| in_list(w, PASHTO_OWN)))
                // Version 13: "her own", "his own" ("پروانه خپل ټولګی بدل کړ"): only a person
                // has a class, a case, a room of its own.
                || in_list(n, PASHTO_OWN)
        })
        && pashto(ts);
    if !found {
        return None;
    }
    // Version 18: which frame, for the rules that decide alone.
    let state_at = |k: usize| ts.get(k).is_some_and(|n| in_list(n, PASHTO_HUMAN_STATES));
    let state = state_at(j + 1)
        || (ts
            .get(j + 1)
            .is_some_and(|n| in_list(n, &["نن", "پرون", "اوس"]))
            && state_at(j + 2));
    Some(if state {
        Subject::State
    } else {
        Subject::Other
    })
}

/// Version 13: a Pashto clause opened by a listed given name, even one that is also a word
/// ("هیله", hope; "امید"; "پسرلی", spring), whose predicate is something only a person does:
/// cooks, writes, calls, books, translates, reads, signs, waits, worries, understands, cannot
/// come ("هیله به … خونه بک کړي", "امید سبا نشي راتلای"). Hope does none of these.
fn pashto_human_act(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    t.in_pashto
        && opens_clause(ts, i)
        && t.next_punct.is_none()
        && !t.cased
        && given(t)
        && person_in_slot_shape(t)
        && !in_list(t, WHEN_WORDS)
        && !in_list(t, PASHTO_KIN)
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        // Not "of" after it, nor "have" or "is" ("هیله لرو چې…", we hope that…).
        && ts.get(i + 1).is_some_and(|n| {
            n.text != "د"
                && !in_list(n, PASHTO_KIN)
                && !in_list(n, &["لرو", "لرم", "لرئ", "لري", "ده", "دی", "وه", "و"])
        })
        && clause_from(ts, i + 1)
            .iter()
            .take(8)
            .any(|w| in_list(w, PASHTO_HUMAN_ACTS))
}

/// What only a person does, as the verb or its noun after a Pashto subject (version 13).
#[rustfmt::skip]
const PASHTO_HUMAN_ACTS: &[&str] = &[
    "پخوي", "پخوله", "پخول", "لیکي", "ولیکي", "ولیکله", "ولیکل", "لیکلي", "زنګ", "بک",
    "ژباړه", "وژباړه", "ژباړي", "لولي", "لوستل", "لاسلیک", "انتظار", "اندېښمن", "اندېښمنه",
    "پوهېږي", "راتلای", "تللی", "وپوښتل", "وغوښتل", "تنظیموي", "ډکوي", "ډک",
];

/// Pashto "yesterday", "today", "tomorrow", "still": said right after a sentence's subject.
const PASHTO_WHEN: &[&str] = &["پرون", "نن", "سبا", "لا"];

/// Pashto "own" ("خپل ټولګی", her own class): only a person has one (version 13).
const PASHTO_OWN: &[&str] = &["خپل", "خپله", "خپلې", "خپلو"];

/// Version 12: a well-attested given name that is no everyday word but that the gazetteer
/// also holds, as it holds many Afghan villages named after a man ("محمود", "نسیم", "ظاهر"):
/// at the head of a Pashto sentence, before "will", a word of time or a person's state, a
/// person. Not a province or a town the groups' notes name (those are no given names).
fn pashto_given_village(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    !t.cased
        && given(t)
        && !in_list(t, NOT_PERSONS)
        && !in_list(t, OFFICES)
        && !everyday_by_rules(t)
        && ts
            .get(i + 1)
            .is_some_and(|n| in_list(n, PASHTO_WHEN) || in_list(n, PASHTO_HUMAN_STATES))
}

/// Version 12: a Pashto sentence opening with a listed given name, even one that is also a
/// word, then "with (her own) children" or "with his wife" ("مینه له ماشومانو سره …"): only
/// people go with their children.
fn pashto_with_family(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    let mut k = i + 2;
    if ts
        .get(k)
        .is_some_and(|w| w.text == "خپلو" || w.text == "خپل")
    {
        k += 1;
    }
    t.initial
        && t.next_punct.is_none()
        && !t.cased
        // (The words for children and spouse are Pashto's own: a text without a letter only
        // Pashto writes is Pashto too.)
        && given(t)
        && !in_list(t, NOT_PERSONS)
        && !in_list(t, OFFICES)
        && !in_list(t, FUNCTION_WORDS)
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && ts.get(i + 1).is_some_and(|n| n.text == "له")
        && ts.get(k).is_some_and(|w| in_list(w, PASHTO_WITH_FAMILY))
        && ts.iter().skip(k + 1).take(2).any(|w| w.text == "سره")
}

/// Version 12: Pashto children, spouse and family, after "له" (with) and before "سره".
const PASHTO_WITH_FAMILY: &[&str] = &[
    "ماشومانو",
    "اولادونو",
    "زامنو",
    "لوڼو",
    "مېړه",
    "میړه",
    "ښځې",
    "مېرمنې",
    "کورنۍ",
    "ماشوم",
];

/// Version 12: "ما X ولید" (I saw X), "موږ X وپوښته" (we asked X): a listed given name that is
/// none of the rules' everyday words, between "I" or "we" and a verb of seeing, asking, calling
/// or finding, is a person.
fn pashto_seen(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    i >= 1
        && !t.cased
        && pashto_letters_or_verb(ts)
        && in_list(&ts[i - 1], &["ما", "موږ", "مونږ"])
        && caseless_given(t)
        && !everyday_by_rules(t)
        && !in_list(t, FUNCTION_WORDS)
        && ts
            .iter()
            .skip(i + 1)
            .take(2)
            .any(|v| in_list(v, PASHTO_SEEN))
}

/// Pashto verbs of seeing, asking, calling and finding someone, in the past (version 12).
const PASHTO_SEEN: &[&str] = &[
    "ولید",
    "ولیده",
    "ولیدله",
    "ولیدل",
    "وپوښته",
    "وپوښتله",
    "وپوښتل",
    "وباله",
    "وبلله",
    "ومونده",
    "وموند",
];

/// A Pashto text, or a verb of [`PASHTO_SEEN`] (which may be written with no letter only Pashto
/// writes).
fn pashto_letters_or_verb(ts: &[Token]) -> bool {
    ts.first().is_some_and(|t| t.in_pashto_or_seen)
}

/// Pashto words for the state of a person, said right after the subject: ill, sad, tired,
/// wounded, pregnant, detained, hungry, thirsty (version 11).
#[rustfmt::skip]
const PASHTO_HUMAN_STATES: &[&str] = &[
    "ناروغ", "ناروغه", "ناروغې", "خپه", "خفه", "ستړی", "ستړې", "ستړي", "بیمار", "بیماره", "ټپي",
    "زخمي", "حامله", "بندي", "توقیف",
];

/// An Urdu sentence opening with a listed given name (well attested or no dictionary word,
/// none of the rules' everyday words), alone or with a listed family name, and then "ill",
/// "still" or "today": "رابعہ بیمار ہے", "طاہر ابھی حراستی مرکز میں ہے" (version 11).
fn urdu_subject(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    let urdu = t.in_urdu;
    let then = |j: usize| {
        ts.get(j)
            .is_some_and(|n| ["بیمار", "ابھی", "آج"].contains(&n.text.as_str()))
    };
    urdu && t.initial
        && t.next_punct.is_none()
        && caseless_given(t)
        && !everyday_by_rules(t)
        && (strong(t) || !ambiguous(t))
        && !forms(t).any(|f| folded_list(CALENDAR).contains(f))
        && (then(i + 1)
            || (ts.get(i + 1).is_some_and(|n| {
                n.next_punct.is_none()
                    && family(n)
                    && !in_list(n, NOT_PERSONS)
                    && !written(n).any(|f| LISTS.places.contains(f))
            }) && then(i + 2)))
}

/// Words for weather, seasons and hopes that open Pashto sentences as their subject and that
/// the lists also hold as names (version 9).
#[rustfmt::skip]
const PASHTO_NOT_SUBJECTS: &[&str] = &[
    "باران", "واوره", "ږلۍ", "سوله", "مینه", "هیله", "امید", "بهار", "پسرلی", "ژمی", "اوړی",
    "منی", "ګل", "ګلونه", "خوشحالي", "ازادي", "آزادي",
    // Version 11: the heart ("زړه خپه دی", the heart is sad).
    "زړه",
    // Version 13: "tomorrow" as Pakistani Pashto also spells it ("صبا به…").
    "صبا",
];

/// Colloquial Arabic words that follow the subject opening a sentence: "will", "still",
/// "wants", "has", "not" ("نادية رح تتابع", "ريم لسا تنتظر").
#[rustfmt::skip]
const ARABIC_AFTER_SUBJECT: &[&str] = &[
    "رح", "راح", "لسا", "لسه", "لساتها", "لساته", "بدها", "بده", "عندها", "عنده", "مش", "ما",
    "كمان", "هسه", "هلق", "هلأ", "اليوم", "بكرا", "بكرة", "امبارح", "أمس", "وصلت", "وصل", "قدمت",
];

/// Arabic prepositions before a person: "to", "with", "at".
const ARABIC_PERSON_PREPOSITIONS: &[&str] = &["إلى", "الى", "مع", "عند", "لدى"];

/// Arabic verbs of reaching someone, that take "ب" or "ل" joined to the person: "اتصلنا
/// بيوسف", "أعطوا الرسالة لآمنة".
#[rustfmt::skip]
const ARABIC_REACH: &[&str] = &[
    "اتصلنا", "اتصلوا", "اتصل", "اتصلت", "أرسلنا", "ارسلنا", "أرسلوا", "ارسلوا", "أعطوا", "اعطوا",
    "أعطينا", "اعطينا", "قولوا", "خبروا", "سلموا", "سلمنا", "ابعثوا", "ابعتوا", "بعتنا", "رسالة",
    "الرسالة", "الاستمارة", "الاستمارات", "نشكر", "شكرا", "شكراً",
];

/// An Arabic given name the person of a preposition: a well-attested one that is none of the
/// rules' everyday words after "إلى", "مع", "عند" ("أحضروا الاستمارات إلى سلمى"); any given
/// name joined to "ب" or "ل" after a verb of reaching someone ("اتصلوا بمنى").
fn arabic_addressee(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    // A well-attested given name, none of the rules' everyday words, opening a sentence
    // before a word that follows a subject.
    let well_attested = caseless_given(t) && strong(t) && !everyday_by_rules(t);
    if t.initial
        && well_attested
        && t.next_punct.is_none()
        && ts
            .get(i + 1)
            .is_some_and(|n| in_list(n, ARABIC_AFTER_SUBJECT))
        // Persian "ما" is "we": only in a text with no letter Arabic does not write.
        && !t.not_arabic
    {
        return true;
    }
    if t.cased || i == 0 || !name_shaped(t) || in_list(t, NOT_PERSONS) || in_list(t, OFFICES) {
        return false;
    }
    let before = &ts[i - 1];
    if in_list(before, ARABIC_PERSON_PREPOSITIONS) && well_attested {
        return true;
    }
    let joined = ["بال", "لل", "ب", "ل"]
        .iter()
        .find_map(|p| t.folded.strip_prefix(p))
        .filter(|rest| rest.chars().count() >= 3);
    joined.is_some_and(|rest| {
        (in_list(before, ARABIC_REACH) || (i >= 2 && in_list(&ts[i - 2], ARABIC_REACH)))
            && LISTS.given.contains(rest)
            && LISTS.strong.contains(rest)
            && !LISTS.places.contains(rest)
    })
}

/// "Amina, 34," "Amina (34)", "Amina, aged 34".
/// Words for "… years old" after a number (Pashto, Persian and Dari, Urdu, Sorani, Arabic).
const YEARS_OLD: &[&str] = &[
    "کلن", "کلنه", "کلنې", "کلنۍ", "کلنی", "ساله", "سالہ", "ساڵ", "ساڵە", "عاما", "سنة",
];

/// Version 12: a Pashto note that opens with a given name (even one that is also a word) and
/// gives an age within the sentence ("ګل زمان کوچی له هلمند څخه، 38 کلن": Gul Zaman Kochai,
/// from Helmand, 38 years old).
fn pashto_aged(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    i == 0
        && !t.cased
        && pashto(ts)
        && ((given(t) && !ambiguous(t) && !everyday_by_rules(t))
            || (t.text == "ګل"
                && t.next_punct.is_none()
                && ts.get(1).is_some_and(|n| {
                    name_shaped(n) && !in_list(n, FUNCTION_WORDS) && !in_list(n, NOT_PERSONS)
                })))
        && !in_list(t, FUNCTION_WORDS)
        && !in_list(t, NOT_PERSONS)
        && !in_list(t, OFFICES)
        && ts.iter().take(8).enumerate().skip(1).any(|(k, d)| {
            d.text.len() <= 2
                && d.text.chars().all(|c| c.is_ascii_digit())
                && ts.get(k + 1).is_some_and(|m| in_list(m, YEARS_OLD))
                && ts[..k].iter().all(|w| w.next_punct != Some('.'))
        })
}

fn with_age(ts: &[Token], i: usize) -> bool {
    let t = &ts[i];
    if !known(t) || ambiguous(t) {
        return false;
    }
    match (t.next_punct, ts.get(i + 1), ts.get(i + 2)) {
        (Some(',' | '('), Some(n), _) if n.text.chars().all(|c| c.is_ascii_digit()) => {
            n.text.len() <= 2
        }
        // Version 12: the Arabic comma, then the years of age ("اجمل، 38 کلن", Ajmal, 38 years
        // old; "مریم، 12 ساله").
        (Some('،'), Some(n), Some(m)) if n.text.chars().all(|c| c.is_ascii_digit()) => {
            n.text.len() <= 2 && in_list(m, YEARS_OLD)
        }
        (Some(','), Some(n), Some(m)) => {
            (n.folded == "aged" || n.folded == "age" || n.folded == "âgé" || n.folded == "âgée")
                && m.text.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Whether a text speaks of flowers or a garden ("گل‌هایی", "گوڵانەن", "باغچه"): there the
/// names of flowers (نرگس, لاله, نسرین) that are also given names name flowers, and a listed
/// name alone or beside another is not taken for a person's (a title, "her name is" or a verb
/// of speech still make one).
fn about_flowers(ts: &[Token]) -> bool {
    ts.iter().any(|t| {
        ["گلها", "گلدان", "گلان", "گوڵان", "گوڵهكان"]
            .iter()
            .any(|p| t.folded.starts_with(p))
            || ["باغچه", "باخچه"].iter().any(|w| t.folded.contains(w))
    })
}

/// Whether `text` (normalised) holds a person's name.
#[cfg(test)]
fn find(text: &str) -> bool {
    explain(text).is_some()
}

/// For building the Pashto scorer only: each word of `text` (normalised) that the scorer
/// weighs, with where it starts in `text`, as written, and its facts (see [`model::facts`]).
/// (Also the words a decisive rule names, which the detector refuses without weighing them:
/// they teach the scorer as every word does, and their facts `r=` are weighed nowhere else.)
pub(super) fn model_facts(text: &str) -> Vec<(usize, String, Vec<String>)> {
    let ts = tokens(text);
    if !model::weighs(&ts) {
        return Vec::new();
    }
    let flowers = about_flowers(&ts);
    let context = model::Context::of(&ts);
    (0..ts.len())
        .filter(|&i| model::scored(&ts, i) && !excused(&ts, i, 1))
        .map(|i| {
            let rule = rule_at(&ts, i, flowers).map(|(rule, _)| rule);
            (
                ts[i].start,
                ts[i].text.clone(),
                model::facts(&ts, &context, i, rule),
            )
        })
        .collect()
}

/// Which rule found a name in `text` (normalised), and at which word: for tuning the rules
/// on the corpus, never for messages (it holds the text).
pub(super) fn explain(text: &str) -> Option<(&'static str, String)> {
    explain_with(text, true)
}

/// As [`explain`], with or without the Pashto scorer (without it: every rule's verdict on every
/// word, for tuning the scorer).
pub(super) fn explain_with(text: &str, scorer: bool) -> Option<(&'static str, String)> {
    let ts = tokens(text);
    if !(scorer && model::weighs(&ts)) {
        let flowers = about_flowers(&ts);
        return (0..ts.len()).find_map(|i| rule_at(&ts, i, flowers));
    }
    weighed_verdict(&ts, Some(&model::Context::of(&ts)))
}

/// Version 17: in a text the Pashto scorer weighs (`ts`), the scorer judges every word it
/// weighs that no decisive rule names, with the rule that finds a name there (if one does) as
/// one of its facts; the rules judge the other words alone. Without the scorer's `context`,
/// only the rules' verdicts where they judge alone.
fn weighed_verdict(
    ts: &[Token],
    context: Option<&model::Context>,
) -> Option<(&'static str, String)> {
    let flowers = about_flowers(ts);
    (0..ts.len()).find_map(|i| {
        let rule = rule_at(ts, i, flowers).map(|(rule, _)| rule);
        if rules_judge(ts, rule, i) {
            rule.map(|rule| (rule, ts[i].text.clone()))
        } else {
            let context = context?;
            (model::score(ts, context, i, rule) > model::THRESHOLD)
                .then(|| ("model", ts[i].text.clone()))
        }
    })
}

/// The rules whose finding the Pashto scorer does not weigh (version 17): frames that name a
/// person whatever the word ("my name is …", "the family of …", "… aged 7", a name before a
/// verb of speech, "ask …", "عبد ال…", a compound name, "told/handed/called …" as `told` finds
/// it), which refused almost no ordinary line of the made-up notes the rules were never tuned
/// on; since version 18 also a subject with a person's state after it (`state`), which refuses
/// none of the 5,492 ordinary Pashto notes and tuning lines. A finding of any other rule at a
/// word the scorer weighs is one of its facts, and only the first rule that finds a name at a
/// word counts: a Pashto "call X" (`X ته زنګ ووهه`) is `marked`'s, found before `told`, and
/// weighed.
const DECISIVE: &[&str] = &[
    "introduced",
    "family",
    "age",
    "acts",
    "asked",
    "abd",
    "compound",
    "told",
    "state",
];

/// In a text the scorer weighs, whether the rules alone judge the word at `i` of `ts` (`rule`:
/// the rule that finds a name there, if one does): a decisive rule names it, or the scorer does
/// not weigh it.
fn rules_judge(ts: &[Token], rule: Option<&str>, i: usize) -> bool {
    rule.is_some_and(|rule| DECISIVE.contains(&rule)) || !model::scored(ts, i) || excused(ts, i, 1)
}

/// For tuning the Pashto scorer only: whether the rules alone find a name in `text`
/// (normalised), at a word they judge without the scorer (see [`explain_with`]).
pub(super) fn found_by_rules_alone(text: &str) -> bool {
    let ts = tokens(text);
    if model::weighs(&ts) {
        weighed_verdict(&ts, None).is_some()
    } else {
        explain_with(text, false).is_some()
    }
}

/// Which rule finds a name at the word `i` of `ts`, if one does (the scorer left out).
/// `flowers`: whether the text is about flowers ([`about_flowers`]).
fn rule_at(ts: &[Token], i: usize, flowers: bool) -> Option<(&'static str, String)> {
    let t = &ts[i];
    let at = || ts[i].text.clone();
    if title_before(ts, i) && !excused(ts, i, 1) {
        return Some(("title", at()));
    }
    if introduced(ts, i) {
        return Some(("introduced", at()));
    }
    if family_named(ts, i) {
        return Some(("family", at()));
    }
    if with_age(ts, i) || (pashto_aged(ts, i) && !excused(ts, i, 1)) {
        return Some(("age", at()));
    }
    if acts(ts, i) && !excused(ts, i, 1) {
        return Some(("acts", at()));
    }
    if asked(ts, i) && !excused(ts, i, 1) {
        return Some(("asked", at()));
    }
    if (in_slot(ts, i) || somali_focus(ts, i)) && !excused(ts, i, 1) {
        return Some(("slot", at()));
    }
    // "عبد الله", "عبد الباسط": a name of the Abd al- form is a person's, unless a place
    // word or an office makes it a place's or a public figure's.
    if t.folded == "عبد"
        && t.next_punct.is_none()
        && ts
            .get(i + 1)
            .is_some_and(|n| n.folded.starts_with("ال") && n.folded.chars().count() >= 4)
        && !excused(ts, i, 2)
    {
        return Some(("abd", format!("{} {}", at(), ts[i + 1].text)));
    }
    // "رحمت الله", "نجیب الله", "شمس الدين", "شمس الرحمن": a name with "of God", "of the
    // faith", "of the Merciful" written as two words, as Pashto, Dari and Urdu write them;
    // not the formulas ("ان شاء الله", "بسم الله", "الحمد لله") or a party's name.
    if !t.cased
        && t.next_punct.is_none()
        && ts
            .get(i + 1)
            .is_some_and(|n| in_list(n, NAME_SECOND_HALVES))
        && ((given(t)
            && !in_list(t, GOD_FORMULAS)
            && !written(t).any(|f| LISTS.places.contains(f)))
            || in_list(t, COMPOUND_FIRST_HALVES)
            || (in_list(t, RAHMAN_FIRST_HALVES) && ts[i + 1].folded.starts_with("الرحم")))
        && !(i > 0 && in_list(&ts[i - 1], &["في", "فی", "به", "با", "په"]))
        && !excused(ts, i, 2)
    {
        return Some(("compound", format!("{} {}", at(), ts[i + 1].text)));
    }
    if one_word_compound(t) && !excused(ts, i, 1) {
        return Some(("compound", at()));
    }
    if (urdu_case_marked(ts, i)
        || arabic_addressee(ts, i)
        || pashto_marked(ts, i)
        || pashto_part_told(ts, i))
        && !excused(ts, i, 1)
    {
        return Some(("marked", at()));
    }
    if (told(ts, i) || contacted(ts, i) || pashto_seen(ts, i)) && !excused(ts, i, 1) {
        return Some(("told", at()));
    }
    // Version 18: a Pashto subject with a person's state after it is decisive (`state`), not
    // weighed as other subjects are.
    let subject = pashto_subject(ts, i);
    if subject == Some(Subject::State) && !excused(ts, i, 1) {
        return Some(("state", at()));
    }
    if (named_pair(ts, i)
        || subject.is_some()
        || pashto_human_act(ts, i)
        || pashto_with_family(ts, i)
        || urdu_subject(ts, i))
        && !excused(ts, i, 1)
    {
        return Some(("subject", at()));
    }
    if name_with_part(ts, i) && !excused(ts, i, 2) {
        return Some(("part", format!("{} {}", at(), ts[i + 1].text)));
    }
    if roll_of_names(ts, i) {
        return Some(("roll", at()));
    }
    if ethiopic_compound(t) && !excused(ts, i, 1) {
        return Some(("compound", at()));
    }
    if ethiopic_given_as_written(t) && !excused(ts, i, 1) {
        return Some(("fidel", at()));
    }
    let next = ts.get(i + 1);
    // A Pashtun tribal name (Ahmadzai, Stanikzai: "-زی") after a given name, or after a
    // word that is no everyday word.
    let tribal = !t.cased
        && t.next_punct.is_none()
        && name_shaped(t)
        && !in_list(t, FUNCTION_WORDS)
        && !in_list(t, NOT_PERSONS)
        && (given(t) || !common(t))
        && next.is_some_and(|n| {
            !n.cased
                && n.folded.chars().count() >= 4
                // Sorani spells it "-زەی" (version 8). Version 10: also the clans in
                // "-خېل" ("کروخېل", "سلیمانخېل"), with a name's letters before it ("خیل"
                // alone is "clan").
                && (n.folded.ends_with("زي")
                    || n.folded.ends_with("زهي")
                    || (n.folded.ends_with("خيل") && n.folded.chars().count() >= 5))
                && !in_list(n, OFFICES)
                && !common(n)
                && !ambiguous(n)
        });
    // Version 8: in Latin letters, a capitalised word, then a capitalised tribal name
    // ("Gulalay Ehmedzay", "Esedullah Zazay"), even if the lists miss the first.
    let latin_tribal = t.cased
        && t.capital
        && t.next_punct.is_none()
        && name_shaped(t)
        && !in_list(t, OFFICES)
        && next.is_some_and(|n| {
            n.cased
                && n.capital
                && n.folded.chars().count() >= 5
                // Version 10: and the clans in "-khel".
                && ["zai", "zay", "zaye", "zayi", "khel", "khail", "khil"]
                    .iter()
                    .any(|end| n.folded.ends_with(end))
        });
    if latin_tribal && !in_list(t, NOT_PERSONS) && !excused(ts, i, 2) {
        return Some(("pair", format!("{} {}", at(), ts[i + 1].text)));
    }
    // (A word that is not a given name but one of the rules' everyday words, before a
    // tribal name: "هیله احمدزۍ".)
    if tribal && !given(t) && everyday_by_rules(t) && !excused(ts, i, 2) {
        return Some(("pair", format!("{} {}", at(), ts[i + 1].text)));
    }
    // Version 7: a word that no list, dictionary or gazetteer holds (a given name the
    // lists miss: "گلاحمد", the joiner gone; "Hayatullah") before a family name of the
    // hand list ("صدیقی", "اکبری", the tribal "ستانکزي", "Mohmand"): a person.
    let before_hand_family = t.next_punct.is_none()
        && name_shaped(t)
        && (!sorani(t) || given(t))
        && !t.folded.starts_with("ال")
        && !common(t)
        && !ambiguous(t)
        && !written(t).any(|f| LISTS.places.contains(f))
        && person_in_slot_shape(t)
        && next.is_some_and(|n| n.cased == t.cased && name_shaped(n) && hand_family_shaped(n));
    if before_hand_family && !excused(ts, i, 2) {
        return Some(("pair", format!("{} {}", at(), ts[i + 1].text)));
    }
    // An office is no given name, even where the lists hold it as one ("Rêberê Partiya
    // Karker": the leader of the Labour Party).
    // Version 10: nor a place word before the name it carries ("Çiyayê Qendîlê", the
    // Qandil mountains), nor the Kurmanji "call" ("Gazî Xizmeta …": call the service).
    if !given(t)
        || in_list(t, NOT_PERSONS)
        || in_list(t, OFFICES)
        || in_list(t, PLACE_BEFORE)
        || in_list(t, KURMANJI_CALL)
        || flowers
    {
        return None;
    }
    // A family name well attested (or capitalised and in no dictionary), no everyday word
    // and no town: after it, even an everyday word is a given name ("Grace Achieng", "شادی احمدی", "Nimco Warsame").
    let firm = |n: &Token| {
        family(n)
            && (!ambiguous(n) || hand_family(n))
            // A family name of the hand list was chosen as a name: a village of the
            // gazetteer spelled alike ("احمدی") does not make it a place (version 7).
            && (hand_family_shaped(n) || !written(n).any(|f| LISTS.places.contains(f)))
            && (strong(n) || hand_family(n) || (n.cased && n.capital && !common(n)))
    };
    // Persian "با کمال …", "در کمال …" ("with the utmost …"): the noun, not Kamal (version 8).
    if t.folded == fold("کمال") && i >= 1 && in_list(&ts[i - 1], &["با", "در"]) {
        return None;
    }
    // Given name and another name: "Amina Yusuf", "Tesfay Haile", "أحمد محمد".
    let pair = next.is_some_and(|n| {
        t.next_punct.is_none()
            && known(n)
            && (t.cased == n.cased)
            // Two everyday words ("hope rose") are a name only as two capitalised words
            // inside a sentence ("with John Smith").
            && (!(ambiguous(t) && ambiguous(n))
                // ... not inside a run of capitalised everyday words, as slogans are
                // written ("Jin Jiyan Azadî").
                || (t.cased
                    && !t.initial
                    && !(i >= 1 && ts[i - 1].capital && ambiguous(&ts[i - 1])))
                // Without case, a firm family name after it ("عمر الخطيب").
                || (!t.cased && firm(n)))
            // A capitalised everyday word opening a sentence is no name ("After Dudley"),
            // unless a firm family name follows.
            && (!(t.cased && t.initial && ambiguous(t)) || firm(n))
            // Without letter case, the first is no everyday word (or a firm family name
            // follows) and one of the two is well attested.
            && (t.cased
                || ((!ambiguous(t) || firm(n)) && (strong(t) || strong(n) || hand_family(n))))
            // Without case, a word the rules hold as everyday after a name that is not well
            // attested is a word ("میز ورودی نرگس و لاله": the entrance table's narcissi).
            && (t.cased || strong(t) || !everyday_by_rules(n))
            && !in_list(n, OFFICES)
            && !in_list(n, NOT_PERSONS)
    });
    // A given name, then a capitalised word no list, dictionary or gazetteer has: a family
    // name of a language the lists miss ("Rose Mbemba", "Constant Mukendi").
    // Version 11: not inside a run of capitalised everyday words, as titles and time
    // slots are written ("Dema Piştî Nîvro", the afternoon slot).
    let in_title_run = t.cased
        && ambiguous(t)
        && i >= 1
        && ts[i - 1].capital
        && ts[i - 1].next_punct.is_none()
        && ambiguous(&ts[i - 1]);
    let unlisted = next.is_some_and(|n| {
        t.cased
            && !in_title_run
            && t.next_punct.is_none()
            && n.cased
            && n.capital
            && name_shaped(n)
            && !known(n)
            && !common(n)
            && !ambiguous(n)
            && !written(n).any(|f| LISTS.places.contains(f))
            && !in_list(n, OFFICES)
            && !in_list(n, PLACE_AFTER)
    });
    // Without letter case, two listed names in a row that are neither everyday words
    // (by the rules or the dictionaries) nor towns, even if neither is well attested:
    // "ተስፋይ ሃይለ", "زرمینه احمدزۍ".
    let plain = |n: &Token| {
        known(n)
            && !ambiguous(n)
            && !common(n)
            && !written(n).any(|f| LISTS.places.contains(f))
            && !in_list(n, OFFICES)
            && !in_list(n, NOT_PERSONS)
    };
    let rare_pair = !t.cased
        && t.next_punct.is_none()
        && next.is_some_and(|n| !n.cased && plain(t) && plain(n));
    // Without letter case, a given name and a family name of the Persian and Urdu kind
    // ("-ی": رضایی, قریشی) that two packages list, even where the dictionaries also hold
    // both as words: "حمید رضایی", "بلال قریشی".
    let nisba = !t.cased
        && t.next_punct.is_none()
        && given(t)
        && !everyday_by_rules(t)
        && next.is_some_and(|n| {
            !n.cased
                && family(n)
                && (strong(n) || hand_family(n))
                && n.folded.chars().count() >= 4
                // As written: the nisba's ی or ي, not Urdu's ے ending ("والے").
                && (n.text.ends_with('ی') || n.text.ends_with('ي'))
                && !everyday_by_rules(n)
                && !written(n).any(|f| LISTS.places.contains(f))
        });
    // Sorani names are patronymic, and Sorani spells out the vowels of an Arabic given
    // name (کەریم, عومەر, حەسەن) that Arabic's dictionaries hold as words (كريم "generous",
    // عمر "age"): a given name, then a given name written the Sorani way.
    let sorani_pair = !t.cased
        && t.next_punct.is_none()
        && !in_list(t, NOT_PERSONS)
        && next.is_some_and(|n| {
            !n.cased
                && sorani_as_arabic(&n.text)
                    .iter()
                    .any(|f| LISTS.given.contains(f.as_str()))
                && !written(n).any(|f| LISTS.places.contains(f))
                && !in_list(n, NOT_PERSONS)
                && !in_list(n, OFFICES)
        });
    if (pair || unlisted || rare_pair || tribal || nisba || sorani_pair) && !excused(ts, i, 2) {
        return Some(("pair", format!("{} {}", at(), ts[i + 1].text)));
    }
    // A given name alone, if it is no everyday word or town and well attested.
    // "هێمن بن", "Dilşad bin", "صادق باشیم": "be calm", "be happy", "let us be honest".
    // "کامران بود", "ڕێبوار بوون": "was successful", "being a passer-by".
    let be = next.is_some_and(|n| {
        in_list(
            n,
            &[
                "بن",
                "bin",
                "bibin",
                "باشیم",
                "باشید",
                "باش",
                "بود",
                "بودن",
                "بودند",
                "بوون",
                "بوو",
            ],
        )
    });
    if strong_as_written(t)
        && !be
        && !t.quoted
        && !ambiguous(t)
        && !written(t).any(|f| LISTS.places.contains(f))
        && !excused(ts, i, 1)
    {
        return Some(("given", at()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the lists say of each word of `line` (normalised), and which rule finds a name.
    fn describe(line: &str) -> String {
        let line = super::super::normalise(line);
        let mut out = format!("{line}\n  -> {:?}\n", explain(&line));
        for t in tokens(&line) {
            let flags = [
                ("given", given(&t)),
                ("family", family(&t)),
                ("strong", strong(&t)),
                ("ambiguous", ambiguous(&t)),
                ("common", common(&t)),
                ("rules", everyday_by_rules(&t)),
                ("hand_family", hand_family(&t)),
                ("place", written(&t).any(|f| LISTS.places.contains(f))),
            ];
            let on: Vec<&str> = flags.iter().filter(|f| f.1).map(|f| f.0).collect();
            out.push_str(&format!("    {} [{}] {:?}\n", t.text, t.folded, on));
        }
        out
    }

    #[test]
    fn the_tuning_description_names_the_rule_and_each_words_lists() {
        let d = describe("Mr Haile from room 12");
        assert!(d.contains("Some((\"title\", \"Haile\"))"), "{d}");
        assert!(d.contains("Haile [haile] [\"given\""), "{d}");
    }

    /// A family word only names a family written right beside it: a goal in two languages
    /// ("… لكل عائلة — Logement digne …") names none; "la famille Haile" still does.
    #[test]
    fn a_family_word_before_a_dash_or_a_full_stop_names_no_family() {
        for ordinary in [
            "سكن لائق لكل عائلة — Logement digne pour chaque famille",
            "لكل عائلة. Housing for all",
            "Un toit pour chaque famille : Housing for all",
        ] {
            assert_eq!(explain(ordinary), None, "{ordinary}");
        }
        for named in ["la famille Haile", "the Haile family", "زرنا عائلة Haddad"] {
            assert_eq!(
                explain(named).map(|(rule, _)| rule),
                Some("family"),
                "{named}"
            );
        }
    }

    /// For tuning: `CG_EXPLAIN=file cargo test --workspace --lib explain_tokens -- --ignored
    /// --nocapture` prints [`describe`] of each line of the file.
    #[test]
    #[ignore = "a tuning aid, run by hand"]
    fn explain_tokens() {
        let path = std::env::var_os("CG_EXPLAIN").expect("CG_EXPLAIN names a file of lines");
        let text = std::fs::read_to_string(path).expect("CG_EXPLAIN is readable");
        for line in text.lines() {
            print!("{}", describe(line));
        }
    }

    /// Each of `named` (normalised) is found to name someone, and none of `ordinary` is.
    fn named_and_ordinary(named: &[&str], ordinary: &[&str]) {
        for line in named {
            assert!(find(&super::super::normalise(line)), "{line}");
        }
        for line in ordinary {
            assert_eq!(explain(&super::super::normalise(line)), None, "{line}");
        }
    }

    /// Each of `lines` (normalised) is found to name someone by the Pashto scorer, and by no
    /// other rule.
    fn only_by_the_scorer(lines: &[&str]) {
        for line in lines {
            let text = super::super::normalise(line);
            assert_eq!(explain_with(&text, false), None, "the rules alone: {line}");
            assert_eq!(
                explain(&text).map(|(rule, _)| rule),
                Some("model"),
                "{line}"
            );
        }
    }

    /// Version 14: the Pashto scorer finds names the rules miss (a name of no list before a
    /// person's doings; Pashto typed on a Persian keyboard), and weighs plain words as words.
    #[test]
    fn version_14_pashto_scorer() {
        let by_the_scorer = [
            "ژواک نن د ډاکټر سره وخت لري.",
            "مشعل د انگلیسی په تولگی کی لومری نمره واخیسته.",
        ];
        only_by_the_scorer(&by_the_scorer);
        named_and_ordinary(
            &by_the_scorer,
            &[
                "مینه او ورورولي زموږ د ډلې بنسټ دی.",
                "هیله لرو چې کونسل به زموږ غوښتنه ومني.",
                "سپوږمۍ او ستوري د ماشومانو د نقاشۍ موضوع وه.",
                "صبر وکړئ، د هوم آفس ځواب به راشي.",
                "سلام ټولو ته، سبا غونډه لس بجې ده.",
                "ټولو ته مننه چې د خوړو بانک کې یې مرسته وکړه.",
                "د کډوالو شورا د کور په اړه نوی لیک خپور کړ.",
            ],
        );
    }

    /// Version 15: the scorer's new facts and notes find names that are also words opening a
    /// sentence about a person's doings (version 14 let "امید لا هم ..." through), and still
    /// weigh the same words in their plain sense, and a farewell formula, as words ("love
    /// begins at home": refused by version 19 only, in the version 18 test).
    #[test]
    fn version_15_pashto_scorer() {
        let by_the_scorer = [
            "امید لا هم د هوم آفس لیک ته انتظار کوي.",
            "وفا د پنجشنبې په ورځ د ماشومانو ټولګي ته ځي.",
        ];
        only_by_the_scorer(&by_the_scorer);
        named_and_ordinary(
            &[],
            &[
                "د وفا او صبر ارزښت هېر نه کړئ.",
                "نسیم ډېر سوړ و، کړکۍ بنده کړئ.",
                "امید دی چې د ښار شورا به زموږ لیک ولولي.",
                "د سپوږمۍ رڼا نن شپه ډېره ښه وه.",
                "روښانه ورځې به راشي، هیله مه بایلئ.",
                "په امان الله، سبا به سره ووینو.",
                "مینه له ټولو سره",
            ],
        );
    }

    /// Versions 17 and 18: in a Pashto text, a rule's finding at a word the scorer weighs is one
    /// of its facts, not a verdict, unless the rule is decisive. Version 18 makes a subject with
    /// a person's state after it decisive (`state`): "Spozhmay is ill" went through version 17
    /// (score 1104). With the weights shipped (threshold 1000): a Pashto "call X" the case-mark
    /// rule finds is weighed over the threshold (1967; version 17 let it through at 1122); "my
    /// name is" (decisive) refuses a name the scorer weighs under the threshold (665 in version
    /// 18). Version 19 mends two wrong verdicts of version 18: "Sabr sees his lawyer tomorrow"
    /// is refused (صبر, 1444; version 18 let it through at 622), and an ordinary line opened by
    /// the sun goes through (لمر, 859; version 18 refused it at 1100). Known wrong verdicts of
    /// version 19: ordinary lines opened by the stars (ستوري, 1740) and by love (مینه, 1119:
    /// version 18 let it through), and "green land" (زرغونه ځمکه, 1126) are refused. Version 20
    /// lets love and green land through, and the sun line joined to French by a dash (its last
    /// words are taken in Pashto's script); its known wrong verdicts: the stars (1246) and "rain
    /// will come tomorrow, bring umbrellas" (باران, 1149; versions 9 to 19 let it through) are
    /// refused, and "Sabr sees his lawyer tomorrow" goes through again (844). When one of these
    /// verdicts changes, the test says so: move the line to where it then belongs.
    #[test]
    fn version_18_rule_findings_are_weighed_and_decisive_rules_decide() {
        let rule = |line: &str| explain_with(&super::super::normalise(line), false).map(|r| r.0);
        let verdict = |line: &str| explain(&super::super::normalise(line)).map(|r| r.0);
        // Also after a family name: the state follows the name's last word.
        for line in [
            "سپوږمۍ ناروغه ده.",
            "سپوږمۍ نن ناروغه ده.",
            "ملالۍ ستړې ده.",
            "سپوږمۍ احمدزۍ ناروغه ده.",
        ] {
            assert_eq!(verdict(line), Some("state"), "{line}");
        }
        // No state after it: the subject rule is weighed.
        assert_eq!(rule("سپوږمۍ روښانه ده."), None);
        assert_eq!(verdict("سپوږمۍ روښانه ده."), None);
        assert_eq!(rule("سپینغر ته زنګ ووهه."), Some("marked"));
        assert_eq!(verdict("سپینغر ته زنګ ووهه."), Some("model"));
        assert_eq!(verdict("زما نوم سپوږمۍ دی."), Some("introduced"));
        assert_eq!(verdict("د هغې نوم وږمه دی."), Some("introduced"));
        assert_eq!(verdict("زما نوم لیکل شوی دی."), None);
        // Mended in version 19 (the sun) and in version 20.
        for line in [
            "لمر سبا ډېر تود وي، اوبه له ځانه سره راوړئ.",
            "لمر سبا ډېر تود وي — réunion à l'école, apportez de l'eau.",
            "مینه په کور کې پیلېږي، بیا ټولنې ته رسېږي.",
            "د ښار په غاړه زرغونه ځمکه د لوبو لپاره ښه ده.",
        ] {
            assert_eq!(verdict(line), None, "{line}");
        }
        // Known wrong verdicts: a name let through (version 19 alone refused it),
        assert_eq!(
            verdict("صبر سبا له خپل وکیل سره ګوري."),
            None,
            "a known missed name"
        );
        // and ordinary lines refused.
        for line in [
            "ستوري د شپې په اسمان کې ځلېږي.",
            "باران به سبا وي، چترۍ راوړئ.",
        ] {
            assert_eq!(
                verdict(line),
                Some("model"),
                "a known false refusal: {line}"
            );
        }
    }

    /// Versions 16 and 17: in a Pashto text, a well-attested given name with no frame around it
    /// is the scorer's to judge, rule 9's finding one of its facts ("ګلالۍ", lovely; "زرغونه",
    /// green); a frame still finds it, and other languages keep the rule.
    #[test]
    fn version_16_pashto_given_names_alone_are_the_scorers() {
        named_and_ordinary(
            &[
                "ګلالۍ نن د ډاکټر سره ملاقات لري.",
                "زرغونه نن د روغتون ته ځي.",
                "امروز زرغونه به دفتر آمد.",
            ],
            &["هوا نن ډېره ګلالۍ ده، بهر به ناسته وکړو."],
        );
        assert_eq!(
            explain(&super::super::normalise("امروز زرغونه به دفتر آمد.")).map(|(rule, _)| rule),
            Some("given")
        );
    }

    /// Version 9: contact frames make a listed word a person; kin described by age or size,
    /// Persian idioms with جان, titles before roles, festivals in a slot and Pashto doers name
    /// no one.
    #[test]
    fn version_9_contact_frames_and_kin_described() {
        named_and_ordinary(
            &[
                "Sibê telefonî Rojan bikin.",
                "Gazî Berîvan bikin.",
                "پەیوەندی بە بەفرین بکە.",
                "لطفاً با امید تماس بگیرید.",
                "بصیر ته ټیلیفون وکړئ.",
                "د وږمې مرکه سبا ده.",
                "Zelal û mêrê wê Cîhan hatin.",
            ],
            &[
                "دختر جوان خانواده امروز آمد.",
                "در دریا جان باختند.",
                "خانم معلم کلاس را عوض کرد.",
                "Li şûna Newrozê em ê civîna biharê bikin.",
                "یو پلار له خپل زوی سره راغی.",
                "د ډلې ویاند وویل چې غونډه به سبا وي.",
                "پولیسو وویل چې لاره بنده ده.",
                "منداڵەکانی ئاوارە پێویستیان بە جلە.",
                "به وکیل زنگ بزنید.",
            ],
        );
    }

    /// Version 10: Pashto names with حضرت and clans in -خېل, a public figure's name with
    /// another family name, Sorani sending and speaking with someone; Pashto bodies, roles and
    /// nouns after "د" or a numeral that say things, and Kurmanji places and bodies in the
    /// construct state name no one.
    #[test]
    fn version_10_pashto_names_and_bodies_that_speak() {
        named_and_ordinary(
            &[
                "حضرت ګل سبا له وکیل سره مرکه لري.",
                "سپوږمۍ کروخېل زموږ د ډلې همغږې ده.",
                "خوشحال خان مومند سبا د ډاکټر وخت لري.",
                "نامەیەک بنێرە بۆ بەهار عوسمان.",
                "لەگەڵ چیا نەوزاد قسە بکە.",
                "کوڕەکەی دڵشاد، ئاسۆ، لە قوتابخانەیە.",
            ],
            &[
                "خوشحال خان خټک زموږ لوی شاعر دی.",
                "د پولیسو افسر ووېل چې لاره بنده ده.",
                "د ښځو ډلې وویل چې غونډه سبا ده.",
                "ملګري ملتونه وايي چې شمېر زیات شوی.",
                "پوهنتون وویل چې بورس شته.",
                "وکیلې ووېل چې مرکه سه شنبه ده.",
                "یوه ښځه وايي چې کور یې سوړ دی.",
                "حاجي صاحبانو بکسونه راټول کړل.",
                "وکیل ووېل چې د استیناف لیکونه باید ولېږل شي.",
                "Bijîşk got ku derzî li nexweşxaneyê ye.",
                "Çiyayê Qendîlê û Deşta Mêrdînê li ser nexşeyê ne.",
                "Gazî Xizmeta Tenduristiyê bikin.",
                "Wezareta Navxwe got ku qanûn diguhere.",
                "پارەکە بنێرە بۆ کوردستان.",
            ],
        );
    }

    /// Version 11: Sorani everyday words, title runs, construct heads, days, months and
    /// countries name no one; Sorani Abd al- names, ګل inside a three-word name, "X said:",
    /// Pashto role titles, "for X" and a person's state name someone.
    #[test]
    fn version_11_sorani_words_and_pashto_frames() {
        named_and_ordinary(
            &[
                "شوان عەبدولکەریم سبەی دێت.",
                "پاچا ګل لودین نن راغی.",
                "ساپی وویل: زه سبا نه شم راتلای.",
                "ډاکټر فرید وویل چې ماشوم روغ دی.",
                "د فرید لپاره ژباړونکی پیدا کړئ.",
                "تکایە ئەم نامەیە بدە بە سەردار.",
                "اسکول نے وقاص کی درخواست کا جواب نہیں دیا۔",
                "رابعہ بیمار ہے، آج نہیں آئے گی۔",
                "مېړه یې زلمی په توقیف کې دی.",
                "زما ملګری نجیب هم راځي.",
                "د پلوشې کوټه سړه ده.",
                "د ټولنې غړې پلوشه وايي چې کور سوړ دی.",
            ],
            &[
                "ژیانی نوێ لە شارێکی نامۆ ئاسان نییە.",
                "Dema Piştî Nîvro: şêwirmendiya hiqûqî.",
                "Tîma Hiqûqî sibê tê.",
                "Li şûna Înê em ê roja Şemiyê bicivin.",
                "جمعه به غونډه وي.",
                "شنبه او یکشنبه به دفتر تړلی وي.",
                "جرګې وویل چې غونډه سبا ده.",
                "ډاکټر وویل چې ماشوم روغ دی.",
                "زړه خپه دی.",
                "روزہ کے لیے کھجوریں لائیں۔",
                "عید کی تیاری آج شروع ہوگی۔",
                "لور یې ناروغه ده.",
                "لور یې راغله.",
                "ورور یې لندن کې اوسېږي.",
                "د جمعې فورم ډک کړئ.",
            ],
        );
    }

    #[test]
    fn version_12_pashto_names() {
        named_and_ordinary(
            &[
                "امان الله صافي نن ونه لیدل شو.",
                "فضل الرحمن سبا محکمې ته ځي.",
                "نسرین ترینه د ژباړن غوښتنه کوي.",
                "میرویس، 41 کلن، په کمپ کې دی.",
                "ګل زمان کوچی له کونړ څخه، 52 کلن.",
                "ګل مست احمدزی پرون راغی.",
                "شیرشاه نن ډاکټر ته ځي.",
                "نجیب نن ډاکټر ته ځي.",
                "هیله له خپلو ماشومانو سره نوي کور ته ولاړه.",
                "ما ذکیه ولیده چې د دفتر مخې ته ولاړه وه.",
                "د فوزیې ماشوم روغتون ته یووړل شو.",
            ],
            &[
                "په امان الله، سبا به بیا سره ووینو.",
                "باران له امله ماشومان، 5 کلن او 7 کلن، کور کې پاتې شول.",
                "ښځې له ماشومانو سره راغلې.",
                "ما ښار ولید.",
                "ما باران ولید.",
                "د ماشومانو عمر 5 کلن دی.",
                "کندهار نن ډېر ګرم دی.",
                "ګل باران د اختر ورځ وه.",
                "د ښځې ماشوم ناروغ دی.",
                "د کلي ماشوم ښوونځي ته ځي.",
            ],
        );
    }

    #[test]
    fn version_13_pashto_dictionary_and_frames() {
        named_and_ordinary(
            &[
                // Names of no list where the Pashto rules want one, now that Pashto has a
                // dictionary to say which words are everyday words.
                "زرسانګه به سبا راشي.",
                "ما ورېښمینه ولیده.",
                "د بسمینه ورور په توقیف کې دی.",
                // Pashto told by its words, with no letter only Pashto writes.
                "شفیق نن ناروغ و، سبا به راشي.",
                "زرین صیب له موږ سره مرسته وکړه.",
                "شمس الحق لالا لیست جوړ کړ.",
                "سپینه او د هغې خور نن ازموینه ورکوي.",
                "صبر ګل ته ووایه چې ژر راشي.",
                "باچا ګل وايي چې موټر به راولي.",
                "فرشته خو ویل چې مشکل حل نه شو.",
                "پروانه خپل د ټولګي وخت بدل کړ.",
                "مبارک شه وږمې! ستا قضیه ومنل شوه",
                "Spogmai ته ووایه چې کتاب راوړي.",
                "د لیلا کوچنی زوی تبه لري.",
                "د بلال د ماشوم فورمه ما ډکه کړه.",
                "ماښام د ناهید کور ته ځو.",
                "زه او ناصر سبا ناستې ته ځو.",
                "زما د تره زوی احمد هم راځي.",
                "نجیبه اوس د مشورې لپاره ځي.",
                "فرښته وايي چې ماشوم یې ناروغ و.",
                "د هوټل مدیر له رحمت الله سره خبرې وکړې.",
                "جمیله د خپل ورور سره په لندن کې اوسېږي.",
                "موټر ته اړتیا لرو، بریالی به خپل موټر راوړي.",
                "سمیرا، سبا راتلای شې؟",
                "Basir به سبا شفټ کوي.",
                "فرشتې راته وویل چې کارت یې نه دی راغلی.",
                "ارشد وروره، ته به منټس ولیکې؟",
                "بریالی په توقیف کې دی.",
                "د حلیمې او مدینې د ماشومانو لپاره بایسکلونه پیدا شول.",
                "د مهرالنسا سترګې ناروغې دي.",
                "امید، ستا فورمه مې ډکه کړه.",
                "بهار، سبا سهار سټیشن ته راشه.",
                "زما لور مسکا ته ځای نه دی ملاو شوی.",
                "امیر ماما وايي چې معده یې خرابه ده.",
                "سپین ګل ورور عکسونه واخیستل.",
                "ستوري او سپوږمۍ دواړه خویندې دي.",
                "زرمینه او ملګرې یې په پارک کې لوبې کوي.",
                "زموږ د ډلې نوی غړی دی. نوم یې هیلۍ دی.",
                "وروسته زرغونې وویل چې زوی یې یونیفورم نه لري.",
                "بیا ادې زرمینه خپله کیسه وکړه.",
                "د بریالي نوې شمېره چا سره شته؟",
                "د آمنې دواړه زامن ټیم ته ومنل شول.",
                "امید سبا نشي راتلای، ماشوم یې ناروغ دی.",
                "هیله به د شنبې لپاره خونه بک کړي.",
            ],
            &[
                // Everyday words that no list held before are no names.
                "د ښځو ډلې وویل چې د وړیا ماشوم ساتنې ځای ته اړتیا لري.",
                "لاسلیکونه د استازي دفتر ته ولېږل شول.",
                "رڼا او تودوخه بسنه نه کوي؛ دا مو Serco شرکت ته وویل.",
                "ادې جانې، ستاسو لیک وژباړل شو.",
                "د پکتیا د سید کرم ولسوالۍ نه راغلي کسان په هوټل کې دي.",
                "د کور مالک وايي چې تړون به نوی کېږي.",
                "هوټل باید ماشومانو ته شیدې ورکړي.",
                "له لیډز نه مانچسټر ته د ریل ټکټ ۱۲ پونډه دی.",
                "د ملالۍ میوندۍ کیسه ماشومانو ته ووایاست.",
                "کمیټه او د هغې غړي سبا غونډه لري.",
                "د کلي کوچنی ماشوم ښوونځي ته ځي.",
                "زه او ته سبا ناستې ته ځو.",
                "حکومت وايي چې قانون به بدل شي.",
                "زما زوی ناروغ دی.",
                "اړین دی چې فورمونه سبا ولېږو.",
                "وړیا ډوډۍ د جمعې په ورځ وېشل کېږي.",
                "د ښوونځي مدیر د خپل دفتر په اړه خبرې وکړې.",
                "سلام، د هوټل خلکو ته ووایئ.",
                "یو نوی ورور له جرمني راغلی.",
                "صبا به مونږ ټول لاریون کوو.",
                "په راتلونکې غونډه کې به پرې خبرې وکړو.",
                "درې ځوانان چې له فرانسې نه په کشتۍ کې راغلي، اوس په ډوور کې دي.",
                "ښاغلیه، مهرباني وکړئ فورم ډک کړئ.",
                "نوروز، اختر او د خپلواکۍ ورځ به ولمانځل شي.",
                "سلام، ته څنګه یې؟",
                "ګلاب په دې موسم کې ښکلي غوړېږي.",
                "ښه، سبا راشه.",
                "کور والا ته مو لیک ولېږه.",
                "سکول والا وايي چې یونیفارم ارزان دی.",
                "زموږ د یوې کورنۍ لور د پوهنتون ځای ترلاسه کړ.",
                "ما له یوې مېرمنې سره د Migrant Help تلیفون ته زنګ وواهه.",
                "هغه ځوان چې موږ یې قضیه تعقیبوو لیډز ته لېږدول شوی.",
                "د یوه لوی ګل انځور یې جوړ کړ.",
                "نوم یې څه دی؟",
                "هیله لرو چې کار به بشپړ شي.",
                "سپوږمۍ ولیدل شوه، سبا اختر دی.",
                "لور یې اوس په کالج کې لولي.",
            ],
        );
    }

    #[test]
    fn folding_makes_spellings_one() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("فاطمة"), fold("فاطمه"));
        assert_eq!(fold("علی"), fold("علي"));
        assert_eq!(fold("أحمد"), fold("احمد"));
        assert_eq!(fold("کریم"), fold("كريم"));
    }

    #[test]
    fn names_in_context() {
        for yes in [
            "Mr Haile from room 12 has no doctor",
            "Umm Ahmed came to the drop-in",
            "her name is Zainab",
            "the Haile family moved",
            "اسمها فاطمة",
            "السيد أحمد حسن",
            "ኣቶ ተስፋይ",
            // Rules version 3.
            "ተስፋይ ሃይለ ትማሊ ናብ ቤት ጽሕፈት መጺኡ",
            "اجمل احمدزی پرون دفتر ته راغی",
            "بلال قریشی کو فون کیا لیکن جواب نہیں ملا",
            "ڕێبوار کەریم دوێنێ هاتە ئۆفیسەکە",
            "آمنة عبد الله أنجبت طفلة",
            "Rose Mbemba passe devant la CNDA jeudi",
            "Grace Achieng's appeal is on Thursday",
            "Hêvî can, kom biryar da",
            // Rules version 4.
            "ሰሎሞን ገብረሂወት ኣብ ሆቴል ይነብር",
            "ሊድያ ሰመረ ትማሊ ተፈቲሓ",
            "ተኽለ ወልደሚካኤል ተታሒዙ ኣሎ",
            "ሓጎስ ገብሩ ጠበቓ ይደሊ ኣሎ",
            "رحمت الله وویل چې په هوټل کې",
            "زرمینه شینواری لا تر اوسه خپل کاغذونه نه دي ترلاسه کړي",
            "Berî înê formên xwe bînin ba Rojîn",
            "فرم را باید معصومه حیدری امضا کند",
            "غداً يذهب عمر الخطيب معنا إلى المحكمة",
            "منداڵەکانی سیروان عەزیز هێشتا قوتابخانەیان نییە",
            "Sida ay Ifrax sheegtay, cuntada hudheelka ma fiicna",
            "اسدالله ته مو د مرستې پیسې واستولې",
            "زوجة حيدر قلقة بشأن إيجار الشقة",
            "رضوانہ کا بھائی ابھی تک حراستی مرکز میں ہے",
            "میٹنگ میں فرحان، نادیہ اور بلال موجود تھے",
            "Present: Amina, Yusuf and Grace",
            // Rules version 5: kin after a name, Somali doers last, Pashto "د X ورور".
            "Xaliimo gabadheeda ayaa dugsiga laga diiday",
            "Shirka maanta waxaa guddoominaya Warsame",
            "Ina Cali wuxuu yiri hoteelka waa qabow",
            "د فرشتې زوی تر اوسه په ښوونځي کې نه دی شامل شوی",
            "له نجیب الله کاکړ سره سه‌شنبه ګورو",
            "Dayika Nesrîn dibêje odeya wan şil e",
            "شیرین ګل ته د مالي ملاتړ کارت نه دی رسېدلی",
            "ګل جان نن ډېر خپه و",
            "شازیہ آپا کہتی ہیں کہ کمرے میں نمی ہے",
            // Rules version 6: who acts, greeted by name, Urdu names of one list.
            "پرېکړه: اجمل او پلوشه به بینر جوړ کړي",
            "زلمی پرون دفتر ته ورغی او شکایت یې وکړ",
            "سلمى ووليد رح يجوا بكرة",
            "نور قالت إن الجلسة تأجلت",
            "مننه شینکۍ! ډېر کار دې وکړ",
            "ثمینہ کو فارم بھیج دیں",
            "هیله احمدزۍ سبا محکمې ته ځي",
            // Rules version 7: told or handed something, name parts in a slot, one-word
            // compounds, hand-listed family names, Sorani long vowels, Kurmanji pairs.
            "به فرهاد بگویید که جلسه عقب افتاد",
            "بە شلێر بڵێ کە کۆبوونەوەکە دواخرا",
            "Ji Welat re bêje ku civîn hat betalkirin",
            "Ji kerema xwe vê nameyê bidin destê Hejar",
            "شیرین گل و دخترش امروز به جلسه آمدند",
            "بی بی ګل ته د ژمي د جامو بسته ورکړئ",
            "ما او انورالله د هوم آفس لیک یو ځای ولوست",
            "Hayatullah Mohmand هم په دې وړاندیز موافق دی",
            "فردا رضا احمدی با ما به دادگاه می‌آید",
            "دۆسیەی شادی ڕەسووڵ بدەنە ڕاوێژکاری یاسایی",
            "Rojda û Berfîn sibê tên civînê",
            "ستوری خان د وکیل لیک ترلاسه کړ",
            "Sibê telefonî Siyamendî bikin",
            "Sêşemê em ê bi Berfînê re hevdîtinê bikin",
            "Biryar: li şûna Welat, Berfîn wê biaxive",
            "منداڵەکانی هێوا گوازرانەوە بۆ قوتابخانەیەکی تر",
            "د اجمل د پناه غوښتنې مرکه سه شنبه ده",
            "حیات پرون زنګ وهلی و",
            "جمال او پښتنه به د بینر کار پر غاړه واخلي",
        ] {
            assert!(find(yes), "not found in {yes:?}");
        }
        for no in [
            "rally at the Herbert Art Gallery",
            "meeting with Cllr Jane Smith about the hostel",
            "we have hope",
            "Victoria Park at noon",
            "لدينا أمل",
            "A meeting called by the council",
            "Sadiq Khan, Mayor of London, backed free travel",
            "a short talk on Victor Hugo and exile",
            "Christian Aid and Islamic Relief will pay for interpreters",
            "اجتماع في مسجد عبد الله",
            // Rules version 4: everyday words that are also names, formulas, public figures.
            "ኣኼባ ብ መስከረም ክኸውን እዩ",
            "ፋሲካን ብሓባር ነብዕል",
            "ኣብ ኣዲስ ኣበባ ዝርከብ ቤት ጽሕፈት",
            "ان شاء الله سبا غونډه کوو",
            "بسم الله الرحمن الرحيم",
            "د خوشحال خان خټک یو شعر غوره کړئ",
            "ئاسۆ ڕوونە، ئەمساڵ هەوڵەکانمان زیاتر دەکەین",
            "Hevalên me yên ji Kobanê hatin",
            "داوا لە شارەوانی دەکەین یارمەتی کرێی خانوو بۆ پەنابەران زیاد بکات",
            "د کورنیو چارو وزیرې ته خلاص لیک",
            "د هوټل ډېر ماشومان په برتانیا کې زېږېدلي",
            "Atelier de français à l'école Jules Ferry les mercredis",
            "Fête de l'Aïd à la salle Pierre Mendès France",
            "الأمل والكرامة هما شعار حملتنا",
            "Turjubaanno ayaa loo baahan yahay ballamaha dhakhtarka",
            "Our demands: housing, dignity, safety and hope",
            "Faith, Hope and Love: our banner for the vigil",
            "في أمان الله يا أصدقاء",
            "اگر نظری دارید به ما بگویید",
            "ኃይለሥላሴ ዩኒቨርሲቲ ኣብ ኣዲስ ኣበባ",
            // Rules version 5.
            "د کابل، جلال اباد او پېښور ترمنځ د کورنیو د یوځای کېدو کمپاین",
            "Masjidka Abu Bakr ayaa bixin doona afur wadareed",
            "علامہ اقبال نے کہا تھا: خودی کو کر بلند اتنا",
            "کمک هزینه هفتگی کم است و با این گرانی کافی نیست",
            "پروژه «گلنار» برای زنان تنها در هتل‌ها",
            "یوه مور له دوو وړو ماشومانو سره",
            "د غني خان شعرونه زموږ د ځوانانو ګروپ ډېر خوښوي",
            "برای سفره هفت‌سین گل نرگس و سنبل بخرید",
            // Rules version 6.
            "Jin Jiyan Azadî",
            "در باغچه نرگس و نسرین کاشتیم",
            "کمپین پارسال کامران بود",
            "دایکی گیان، سوپاس بۆ هەموو شتێک",
            "سوپاس بۆ شارەوانی",
            "سلام دوستان عزیز",
            "پیام ما به وزیر روشن است",
            "رحمت اور برکت کا مہینہ ہے",
            "السلام عليكم ورحمة الله",
            // Rules version 7.
            "مولوی عبدالحمید هم در خطبه از حقوق پناهجویان گفت",
            "د Duncan Lewis یو وکیل راتلونکې اونۍ راځي",
            "ډېر غړي ستونزې لري ځکه چې د ملاتړ پیسې ورته نه دي رسېدلې",
            "کەسوکاری ئەوانەی لە کەناڵی ئینگلیزی گیانیان لەدەستدا داوای لێکۆڵینەوە دەکەن",
            "به دنیا بگوییم که پناهجو هم انسان است",
            "مینه له ټولو سره",
            "وقفة حداد على ضحايا القناة",
            "انشاءالله جلسه فردا برگزار می‌شود",
            "Hope and Grace today",
            "Rapora nû Hewlêr û Silêmanî wek ewle dihesibîne",
            "یوه پښتنه ښځه له دوو ماشومانو سره راغله",
        ] {
            assert!(!find(no), "found in {no:?}");
        }
    }
}
