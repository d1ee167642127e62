"""Language and script detection, offline.

Why counting scripts comes first: paralign only has to tell Chinese from English (and
refuse anything else), and the two are written in disjoint scripts. Chinese texts quote
Latin names, numbers and ASCII punctuation, English texts quote the odd Chinese term; so
the decision weighs Han characters against Latin *words* (a Chinese word is about 1.5
characters), not characters against characters. That path needs no model and stays the
only one for Chinese.

Why a model for Latin script: French, German or Spanish are Latin script too, and would
pass as English. When the script count says Latin and the text does not read as plain
English (few English function words, or many accented letters), the maintained offline
detector lingua (``lingua-language-detector``, its models inside the wheel) decides among
a few Latin-script languages (:data:`LATIN_LANGUAGES`; few, for speed and memory: its
low-accuracy mode loads in well under a second and holds about 35 MB). Plain English never
loads it.

Traditional vs Simplified: a character that OpenCC's t2s changes is Traditional-only, one
that s2t changes is Simplified-only; the text's script is the side with more such
characters. A text written identically in both scripts (common characters only, e.g. 中文,
人民) is reported as ``Hans``: its Simplified conversion is itself, so nothing downstream
depends on the choice, and Simplified is the more common default for such text; the
confidence is then 0.5.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .han import HAN

__all__ = ["Detection", "detect", "script_counts", "latin_language", "needs_model",
           "LATIN_LANGUAGES"]

log = logging.getLogger("paralign.text")

_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_OTHER_LETTERS = re.compile(
    r"[\u0370-\u03ff\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f"
    r"\u0900-\u0dff\u0e00-\u0e7f\u10a0-\u10ff]+")


# Latin-script languages lingua chooses among (English plus those most often mistaken for it).
LATIN_LANGUAGES = ("ENGLISH", "FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH",
                   "INDONESIAN", "VIETNAMESE", "TURKISH", "POLISH", "SWEDISH")
# Frequent English words. Some are words of the other languages too ("in", "is", "a",
# "was"), but none is frequent there: a French or German text does not reach _EN_SHARE.
_EN_FUNCTION = frozenset(
    "the of and to that for it with by he his she her be at this from have which not are "
    "were they their or had but has been would its who there them than these those was a "
    "in is on an as i you we my me him thy thee thou unto shall if all what when up out so "
    "do did said will".split())
# The most frequent short words of each other language (none of them an English function
# word). lingua ranks the candidate languages relative to each other, so it names *some*
# language even for text in none of them (a keyword list, a list of names, "S0. S1. S2."):
# its answer is taken only when the text also uses that language's own function words.
_FOREIGN_FUNCTION = {
    "FRENCH": "le la les des du et est une un que qui dans pour pas sur au aux ce cette il "
              "elle sont avec par plus ne se son sa ses leur nous vous",
    "GERMAN": "der die das und ist nicht ein eine zu den mit von sich auf dem des für im auch "
              "es sie wir ich werden wird nach bei aus",
    "SPANISH": "el la los las de del y que en un una es por con para no se lo su al como más "
               "pero sus le",
    "ITALIAN": "il la di che e è un una per non del della le gli con sono si da nel alla "
               "questo come anche più ma",
    "PORTUGUESE": "o os de da dos das e que em um uma é não para com por se no na mais "
                  "como ao",
    "DUTCH": "de het een en van dat niet op te zijn met voor er ook aan die bij maar wordt "
             "zich nog door",
    "INDONESIAN": "yang dan di ini itu dengan untuk dari tidak dalam akan pada ada juga ke "
                  "oleh adalah atau saya kami mereka",
    "VIETNAMESE": "và của là có không được trong cho những một người này với các đã để khi "
                  "đang lại thì mà cũng về đến nhưng rất từ sẽ bị",
    "TURKISH": "ve bir bu da de için ile ne çok daha gibi olarak ama değil var olan sonra "
               "kadar",
    "POLISH": "w na nie się z że jest o jak ale po co tak za od przez są jego",
    "SWEDISH": "och att det som en på är av för med till den har de inte om ett han",
}
_FOREIGN_WORDS = {lang: frozenset(words.split()) for lang, words in _FOREIGN_FUNCTION.items()}
_FOREIGN_SHARE = 0.08  # prose in these languages: a quarter or more of its words
_ANY_WORD = re.compile(r"[^\W\d_]+")
_MIN_WORDS = 8        # fewer Latin words than this (a title): too little to tell, English
_EN_SHARE = 0.12      # English prose: a quarter to a third of its words are function words
_ACCENTED = 0.05      # share of words with accented letters above which a text is doubtful
_SAMPLE_CHARS = 3000  # what lingua reads of a long text


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect`.

    Attributes:
        lang: ``"zh"``, ``"en"`` or ``"other"``.
        script: ``"Hant"``/``"Hans"`` for Chinese, ``"Latn"`` for English, else ``None``.
        confidence: 0..1, the share of the winning side in the evidence.
        language: for ``"other"`` Latin-script text, the language lingua found
            (``"French"``), for messages; else ``None``.
    """

    lang: str
    script: str | None
    confidence: float
    language: str | None = None

    @property
    def tag(self) -> str:
        """``"zh-Hant"``, ``"zh-Hans"``, ``"en"`` or ``"other"``."""
        if self.lang == "zh":
            return f"zh-{self.script or 'Hans'}"
        return self.lang if self.lang == "en" else "other"


def script_counts(text: str) -> dict[str, float]:
    """Evidence units per script: Han characters / 1.5, Latin words, kana, hangul, other."""
    return {
        "han": len(HAN.findall(text)) / 1.5,
        "latin": float(len(_LATIN_WORD.findall(text))),
        "kana": len(_KANA.findall(text)) / 1.5,
        "hangul": len(_HANGUL.findall(text)) / 1.5,
        "other": float(len(_OTHER_LETTERS.findall(text))),
    }


def _zh_script(text: str) -> tuple[str, float]:
    from .normalize import char_converter_s2t, to_simplified

    chars = "".join(sorted(set(HAN.findall(text))))
    if not chars:
        return "Hans", 0.5
    # one character per line: a character-level count, phrases cannot shift positions
    joined = "\n".join(chars)
    simp = to_simplified(joined, "t2s").split("\n")
    trad = char_converter_s2t().convert(joined).split("\n")
    counts = {c: 0 for c in chars}
    for c in HAN.findall(text):
        counts[c] += 1
    n_trad = sum(counts[c] for c, s in zip(chars, simp) if s != c)
    n_simp = sum(counts[c] for c, t in zip(chars, trad) if t != c)
    if n_trad == n_simp:
        return "Hans", 0.5
    script = "Hant" if n_trad > n_simp else "Hans"
    return script, max(n_trad, n_simp) / (n_trad + n_simp)


def detect(text: str) -> Detection:
    """Detect the language (zh/en/other) and, for Chinese, the script of ``text``.

    A text is Chinese when Han characters (counted as 1/1.5 word each) are at least as
    many as Latin words: ``"使用Python的numpy库"`` is Chinese, ``"Beijing (北京) and
    Shanghai (上海)"`` is English. Japanese (kana), Korean (hangul), Cyrillic, Greek,
    Arabic, Hebrew, Indic and Thai text is ``other``; so is text without letters.
    """
    c = script_counts(text)
    if c["kana"] >= 1 and c["kana"] >= 0.1 * c["han"]:
        c["other"] += c["kana"] + c["han"]  # Japanese: kanji count for it
        c["han"] = 0.0
    c["other"] += c["hangul"]
    total = c["han"] + c["latin"] + c["other"]
    if total == 0:
        return Detection("other", None, 0.0)
    best = max(("han", "latin", "other"), key=lambda k: c[k])
    conf = c[best] / total
    if best == "other" or (best == "latin" and c["other"] > c["latin"]):
        return Detection("other", None, round(conf, 3))
    if best == "han":
        script, sconf = _zh_script(text)
        return Detection("zh", script, round(conf * (0.5 + sconf / 2), 3))
    other = latin_language(text)
    if other is not None:
        name, value = other
        return Detection("other", None, round(conf * value, 3), language=name)
    return Detection("en", "Latn", round(conf, 3))


@functools.cache
def _lingua() -> Any:
    """lingua's detector for :data:`LATIN_LANGUAGES`, built once (``None`` if missing)."""
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        log.warning("lingua-language-detector is not installed: Latin-script text is taken "
                    "as English without checking (pip install lingua-language-detector)")
        return None
    langs = [getattr(Language, n) for n in LATIN_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def needs_model(text: str) -> bool:
    """Whether Latin-script ``text`` is doubtful enough to ask lingua: at least
    :data:`_MIN_WORDS` words, and too few English function words (or many accented
    letters, unless the function words abound)."""
    words = _LATIN_WORD.findall(text)
    if len(words) < _MIN_WORDS:
        return False
    # counted per distinct word (a book has a few thousand), the same integer sums
    seen = Counter(words)
    en_share = sum(n for w, n in seen.items() if w.lower() in _EN_FUNCTION) / len(words)
    accented = sum(n for w, n in seen.items() if not w.isascii()) / len(words)
    return not (en_share >= 2 * _EN_SHARE or (en_share >= _EN_SHARE and accented < _ACCENTED))


def latin_language(text: str) -> tuple[str, float] | None:
    """``(name, confidence)`` when Latin-script ``text`` is in a language other than
    English (``("French", 0.98)``), else ``None`` (English, or too little text to tell).

    Plain English (enough English function words, and few accented letters unless the
    function words abound) is decided without the model; anything else is asked of lingua,
    on a sample of the text, whose answer counts only when the sample also uses that
    language's frequent function words (so that a keyword list or a list of names, which
    lingua would still give *some* language, stays English).
    """
    if not needs_model(text):
        return None
    detector = _lingua()
    if detector is None:
        return None
    sample = text[:_SAMPLE_CHARS]
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].language.name == "ENGLISH":
        return None
    name = values[0].language.name
    words = [w.lower() for w in _ANY_WORD.findall(sample)]
    own = _FOREIGN_WORDS.get(name, frozenset())
    if not words or sum(w in own for w in words) / len(words) < _FOREIGN_SHARE:
        return None  # no sign of that language's grammar: a list of terms or names
    return name.capitalize(), float(values[0].value)
