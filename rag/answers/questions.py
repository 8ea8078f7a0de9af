"""What a question asks for: its type (a quantity, a name, a reason, …), whether it surveys several papers,
and the specific things it names (models, datasets, metrics, acronyms) that an answer must be about.

The types decide which kind of sentence can answer (a quantity question needs a sentence with a number);
the named terms decide declines ("None of the papers mention ImageNet"). Chinese cues are recognised
too, so a Chinese question gets the same treatment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answers.asked import attribute, numeric
from rag.answers.overview_words import asks_overview

QUESTION_TYPES = ("quantity", "name", "reason", "yesno", "definition", "method", "list", "overview")

# Parts of a paper a question may ask about ("What does Table 2 show?"): a question about one is not about
# the paper as a whole.
_PART = (
    r"(?:tables?|fig(?:ure)?s?|sections?|eq(?:uation)?s?|appendix|ablations?|functions?|layers?|flags?|options?|"
    r"arguments?|parameters?|columns?|rows?|steps?|algorithms?|experiments?)"
)
_LOCAL = re.compile(r"\b" + _PART + r"\b", re.IGNORECASE)
# What a paper lacks or why it was needed (not what it presents).
_CRITIQUE = re.compile(
    r"\b(?:limitations?|weakness(?:es)?|shortcomings?|drawbacks?|future|problems?|motivat\w*|needs?|gaps?|"
    r"challenges?|why)\b|局限|为什么",
    re.IGNORECASE,
)

_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "quantity",
        re.compile(
            r"\bhow (?:many|much|long|large|big|small|fast|often|far|high|low|well)\b|\bwhat (?:percentage|fraction|"
            r"share|proportion|number|size|value|score|accuracy|rate|ratio|speed|length|amount|year|range|"
            r"maximum|minimum|average|total)\b|\bwhich (?:years?|values?|scores?)\b|\bwhen (?:was|were|did)\b|"
            r"\bby how\b|\bat what\b|\bby what (?!means\b)|\bwhat margins?\b|"
            # a score asked by the verb: "What AUC / ROUGE-2 / concordance index does X achieve?"
            r"\bwhat (?:[\w-]+\s+){1,5}?(?:does|did|do)\s+(?:[\w.'’-]+\s+){1,8}?"
            r"(?:achieve|reach|attain|obtain|score)\b|"
            r"多少|几个|几种|多大|多长|多久|比例|百分之|准确率|提升了?多少|哪一年",
            re.IGNORECASE,
        ),
    ),
    ("reason", re.compile(r"\bwhy\b|\bwhat (?:causes|explains|makes)\b|\breason\b|为什么|为何|原因", re.IGNORECASE)),
    (
        "definition",
        re.compile(r"^\s*(?:what|who)\s+(?:is|are)\s+(?:a|an|the)?\b|\bwhat does .{1,40} mean\b|是什么|指什么", re.I),
    ),
    (
        "method",
        re.compile(
            r"^\s*how\b(?!\s+(?:many|much|long|large|big|small|fast|often|far|high|low|well)\b)|\bin what way\b|"
            r"\bby what means\b|如何|怎样|怎么",
            re.IGNORECASE,
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(?:which|what)\s+(?:\w+\s+){0,3}?(?:model|models|library|libraries|tool|tools|dataset|datasets|benchmark|"
            r"benchmarks|metric|metrics|method|algorithm|framework|software|package|hardware|gpus?|cpu|processor|"
            r"system|service|language|encoder|decoder|baseline|baselines|version|release|component|module|corpus|"
            r"venue|licen[cs]e|format|architecture|optimizer|backbone|parser|engine|api|functions?|arguments?|"
            r"class(?:es)?|commands?|packages|toolkits?|programs?|solvers?|estimators?|tests?|distributions?|"
            r"websites?|journals?|conferences?|organi[sz]ations?|agenc(?:y|ies)|compan(?:y|ies)|institutions?|"
            r"universit(?:y|ies)|countr(?:y|ies)|platforms?|devices?|protocols?)\b|哪个|哪种|什么模型|什么数据集",
            re.IGNORECASE,
        ),
    ),
    (
        "yesno",
        re.compile(
            r"^\s*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b|是否|吗[?？]?$", re.I
        ),
    ),
    ("list", re.compile(r"\bwhich (?:papers|works|methods|approaches|studies|systems)\b|哪些", re.IGNORECASE)),
    # What a paper is, does, finds or lacks as a whole: answered where the paper says so of itself (its
    # abstract, introduction, conclusion), not by a detail of its body. ("What is papermage?" is one when a
    # title is named after it: `extractive.overview_asked`.)
    (
        "overview",
        re.compile(
            r"\b(?:main|key|central|core|primary|overall)\s+(?:findings?|contributions?|ideas?|results?|points?|goals?|"
            r"aims?|purposes?|messages?|takeaways?|claims?|conclusions?|novelty|focus)\b|"
            r"\b(?:limitations|weaknesses|shortcomings|drawbacks|future work|in a nutshell)\b|"
            r"\bwhat (?:is|are) (?:the\s+)?[\w .'’-]{1,60}?\babout\s*\?*\s*$|"
            r"\bwhat does (?:the\s+)?[\w .'’-]{1,60}? (?:present|propose|introduce|provide|offer|"
            r"stud(?:y|ies)|investigate|explain|describe|cover|address|contribute|argue)\b|"
            r"\bwhy (?:was|were|did)\b.{1,60}\b(?:built|created|developed|made|written|introduced|proposed|designed)"
            r"\s*\?*\s*$|"
            r"\bwhat (?:[\w-]+\s+){0,3}?(?:problems?|needs?|gaps?|challenges?)\b[^?]*\bmotivat|"
            r"\bwhat (?:problems?|needs?|gaps?|challenges?) (?:does|did|do)\b|主要贡献|局限|主要发现|"
            r"^\s*how (?:does|do|did) [^?]{1,60}? work\s*\?*\s*$",
            re.IGNORECASE,
        ),
    ),
]

# Questions that ask across papers (a survey, a comparison, "each"/"both"): one answer per paper.
_BROAD = re.compile(
    r"\b(papers|works|studies|approaches|methods|systems|which (?:papers|works)|list|compare[ds]?|comparison|"
    r"several|different|various|across|each|both|respectively|differ\w*|versus|vs\.?|whereas)\b|哪些|比较|对比|分别|各自",
    re.IGNORECASE,
)

# … of which these ask across papers; the rest ("compare", "differ", "methods") may ask of a comparison one paper
# makes ("How does PaperMage's processing compare with Grobid?").
_ACROSS = re.compile(
    r"\b(?:papers|works|studies|list|several|various|across|each|both|respectively|whereas)\b|哪些|分别|各自",
    re.IGNORECASE,
)

# A specific name: internal capitals or digits (GPT-4, DocBank, GSM8K, LaTeX, Mind2Web), an acronym of
# two or more capitals (METEOR, IRB), or a capitalised word inside the sentence (Llama, Kitaev, Docker).
_LATIN = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # with accented letters ("Über", "Nyström")
_TOKEN = re.compile(rf"[{_LATIN}][\w.+-]*[{_LATIN}+]|[{_LATIN}]")
_NAMELIKE = re.compile(
    r"^(?=.*[A-Za-z])(?:.*[a-z].*[A-Z]|.*[A-Z].*[A-Z]|.*\d.*[A-Za-z]|.*[A-Za-z].*\d|(?=.{5})[a-z]\w*[._][a-z][\w.]*$)"
)  # the last: a code identifier ("data.table", "na_locf"), not "e.g"
_CAPITALISED = re.compile(r"^[A-Z\u00c0-\u00d6\u00d8-\u00de][^\W\d_A-Z\u00c0-\u00de]{2,}$")  # "Nyström", "Über"
# Capitalised words that open questions or are too common to be names.
_COMMON = frozenset(
    """what which who whom whose when where why how is are was were do does did can could has have had will would
    should in on for of to by with from at as the a an and or not no yes if according besides given compared
    between among about into than then there this that these those it its their they we our paper papers authors
    study work section table figure appendix approach method model models dataset data""".split()
)


@dataclass
class Question:
    text: str
    types: list[str] = field(default_factory=list)  # in QUESTION_TYPES, most specific first
    broad: bool = False  # asks across papers ("which methods…", "compare…")
    names: list[str] = field(default_factory=list)  # specific things it names, as written
    attribute: str | None = None  # what a "what X …" question asks the value of ("batch size"), as written
    numeric: bool = False  # … and that value is a number ("how many support vectors", "what R-squared")

    def asks(self, kind: str) -> bool:
        return kind in self.types


_ASKS = re.compile(
    r"^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|has|have|had|"
    r"will|would|should|may|might|in what|for what|to what)\b|[?？]\s*$|吗|什么|哪|如何|怎么|为什么|是否|多少",
    re.IGNORECASE,
)


def asks_critique(question: Question) -> bool:
    """The question asks what a paper lacks or why it was needed, not what it presents."""
    return bool(_CRITIQUE.search(question.text))


def is_question(text: str) -> bool:
    """A question (asks), not a statement to check against the papers (a claim)."""
    return bool(_ASKS.search(text))


WHAT_IS_WORDS = 6  # "What is the papermage toolkit?" asks what a thing is; a longer one asks about a part of it


def cued_types(text: str) -> list[str]:
    """The question types its words cue (`_CUES`), most specific first."""
    return [kind for kind, pattern in _CUES if pattern.search(text)]


def analyse(text: str) -> Question:
    types = cued_types(text)
    asked = attribute(text)
    # "What is the purpose of X?": words the cues miss (not "What is the batch size?", which asks a value, nor
    # "What is BLEU?", which asks about the paper only when a title is named after it: `overview_asked`)
    what_is = "definition" in types and len(text.split()) <= WHAT_IS_WORDS
    if "overview" not in types and asked is None and not what_is and asks_overview(text):
        types.append("overview")
    if "overview" in types and _LOCAL.search(text):  # "the key finding of the ablation", "main results of Table 4"
        types.remove("overview")
    return Question(
        text, types, bool(_BROAD.search(text)), named_terms(text), asked, asked is not None and numeric(text, asked)
    )


def named_terms(text: str) -> list[str]:
    """The specific things a question names, in order (a first capitalised question word is not one)."""
    out: list[str] = []
    words = list(_TOKEN.finditer(text))
    for i, match in enumerate(words):
        word = match.group(0).rstrip(".")
        lower = word.lower()
        if lower in _COMMON or len(word) < 2:
            continue
        first = i == 0 or text[: match.start()].rstrip().endswith((".", "?", "!", ":"))
        if (_NAMELIKE.match(word) or (_CAPITALISED.match(word) and not first)) and word not in out:
            out.append(word)
    return out


# "the count regression paper", "the lme4 and zoo papers", "the structural change study", "the count regression
# and the clustered covariance results": papers referred to by what they are about; each part is matched against
# the titles (`extractive.named_papers`). "results", "work" … refer to a paper only in such a pair ("the main
# results" names none), and "package" only in such a pair ("the dbscan package and the SVM package"; "against the
# TreeSim package" names a tool, not a paper).
_DESCRIBED = re.compile(
    r"\bthe\s+((?:and\s+the\s+|(?!the\b)[\w.-]+\s+){0,6}?(?!the\b)[\w.-]+)\s+(?:papers?|stud(?:y|ies)|articles?|vignettes?|tutorials?|guides?|notes?)\b|"
    r"\bthe\s+((?:(?!the\b)[\w.-]+\s+){0,4}?and\s+the\s+(?:(?!the\b)[\w.-]+\s+){0,4}?(?!the\b)[\w.-]+)\s+"
    r"(?:results|work|experiments|analys[ie]s)\b|"
    r"\bthe\s+((?:(?!the\b)[\w.-]+\s+){1,4}?packages?\s+and\s+the\s+(?:(?!the\b)[\w.-]+\s+){0,4}?(?!the\b)[\w.-]+)\s+"
    r"packages?\b",
    re.IGNORECASE,
)
_PACKAGE = re.compile(r"\s+packages?$", re.IGNORECASE)
_REF_SPLIT = re.compile(r"\s*(?:,|\band\b|\bor\b)\s*", re.IGNORECASE)


def described_papers(text: str) -> list[str]:
    """The descriptions a question gives of the papers it asks about, one per paper, as written."""
    out: list[str] = []
    for match in _DESCRIBED.finditer(text):
        for part in _REF_SPLIT.split(match.group(1) or match.group(2) or match.group(3)):
            part = _PACKAGE.sub("", re.sub(r"^(?:the|its|their)\s+", "", part.strip(), flags=re.IGNORECASE))
            if part and part.lower() not in {"same", "other", "two", "both", "these", "those", "first", "second"}:
                out.append(part)
    return out


# "… in the X and in the Y", "…, and what does Y use": a second thing the question is about.
AND_OTHER = re.compile(
    r"\band (?:in|for|of|with) (?:the|its|their)\b|,\s*and (?=(?:what|which|how|who|where|when)\b)", re.IGNORECASE
)
# "… of zoo and of sandwich", "… in adephylo and in affy": a preposition said again before a second thing.
_AND_AGAIN = re.compile(
    r"\b(in|for|of|with|from|on|by)\s+(?:(?!and\b)[\w.'’-]+\s+){1,4}?(and\s+\1)(?=\s+(?!(?:the|its|their)\b)\w)",
    re.IGNORECASE,
)


def second_thing(text: str) -> tuple[int, int, str | None] | None:
    """Where a question turns to a second thing it asks about: (start, end, the words the two parts share
    before the thing: "in the", "of"); None when it asks about one thing."""
    match = AND_OTHER.search(text)
    if match:
        shared = re.match(r"and ((?:in|for|of|with) (?:the|its|their))\b", match.group(0), re.IGNORECASE)
        return match.start(), match.end(), shared.group(1) if shared else None
    match = _AND_AGAIN.search(text)
    return (match.start(2), match.end(2), match.group(1)) if match else None


PLURAL_ACRONYM = re.compile(r"^[A-Z]{2,}s$")  # "LLMs", "GPUs": a class of things, not one thing's name
_MAX_PARTS = 3
_WORD = re.compile(r"[^\W\d_]{2}")  # a part with no word of its own is not asked
_ABOUT_THE_SAME = re.compile(r"\b(?:each|both|they|them)\b", re.IGNORECASE)


def about_several(q: Question) -> bool:
    """The question asks about more than one thing (papers, systems): one attribute's absence says little."""
    return q.broad or _names_several(q)


def _names_several(q: Question) -> bool:
    """The question turns to a second thing, joins two names, or describes two papers."""
    return second_thing(q.text) is not None or joined_names(q) or len(described_papers(q.text)) >= 2


def compares_within(q: Question) -> bool:
    """The question is broad by its words of comparison alone ("How does X's speed compare with Grobid's?",
    "Which methods does X differ from?"), with no second thing it asks about: asked of one paper, that
    paper's comparison answers it."""
    return q.broad and not _ACROSS.search(q.text) and not _names_several(q)


_JOINER = r"(?:and|or|vs\.?|versus)\s+(?:(?:in|of|for|with|on|from)\s+)?(?:the\s+)?"


def joined_names(q: Question) -> bool:
    """Two of the question's names side by side: "TAPO and DISCO", "BART or PRIMERA", "X vs. Y", "of X and of Y"."""
    for a in q.names:
        for b in q.names:
            if a != b and re.search(rf"{re.escape(a)}\s+{_JOINER}{re.escape(b)}", q.text):
                return True
    return False


def parts(q: Question) -> list[str]:
    """The question once per thing it asks about, each without the others, for retrieving each one's
    passages: asked whole, "Which dataset did the OTSL paper tune on, and which did PaperMage use to compare
    with Grobid?" retrieves PaperMage's passages only, its words being the more. [] for one thing."""
    text = q.text.strip()
    joint = second_thing(text)
    found = [part for part in (_clauses(text, *joint) if joint else _one_per_described(text)) if _WORD.search(part)]
    return found if len(found) >= 2 else []


def _clauses(text: str, start: int, end: int, shared: str | None) -> list[str]:
    """ "…, and which …" asked apart; "… in the X and in the Y" as "… in the X" and "… in the Y" (`shared`:
    "in the"). A clause asking on about the same papers ("…, and how does each …") adds nothing alone: []."""
    left, right = text[:start].rstrip(" ,"), text[end:]
    if not shared:
        return [] if _ABOUT_THE_SAME.search(right) else [left + "?", right[:1].upper() + right[1:]]
    cut = left.lower().rfind(f" {shared.split()[0].lower()} ")
    return [left + "?", f"{left[:cut] if cut > 0 else ''} {shared}{right}".strip()]


def _one_per_described(text: str) -> list[str]:
    """For each paper the question describes ("the SVM article and the forecasting article"), the question
    without the others' descriptions. Names alone do not part it: two may be one paper's ("Does LED beat
    PRIMERA on Multi-LexSum?")."""
    things = list(dict.fromkeys(described_papers(text)))[:_MAX_PARTS]
    if len(things) < 2:
        return []
    out = []
    for thing in things:
        alone = text
        for other in things:
            if other != thing and other.lower() not in thing.lower():
                alone = re.sub(rf"(?<!\w){re.escape(other)}(?!\w)", " ", alone, flags=re.IGNORECASE)
        out.append(" ".join(alone.split()))
    return out


def focus_text(question: Question, titles: list[str]) -> str:
    """The question without what it is about (its names, the words of the papers' titles): what it asks.

    "What hardware were the Multi-LexSum baselines fine-tuned on?" → "What hardware were the baselines
    fine-tuned on?": every sentence of the paper shares the topic, only the answer shares the rest."""
    about = {t.lower() for t in question.names}
    for title in titles:
        about |= {w.lower() for w in _TOKEN.findall(title)}
    kept = [m.group(0) for m in _TOKEN.finditer(question.text) if m.group(0).lower() not in about]
    return " ".join(kept)
