"""What a question asks for, and how a sentence says it: the kind of quantity ("how long" is counted in
hours), the class of thing ("which hardware" is named with GPUs), and the attribute a "what X …" question
asks the value of ("What batch size was used …" asks for a batch size).

An answer states the attribute it gives ("we use a batch size of 16"), or for a class, one of the words such
things are named with. When no candidate sentence of the papers does, the papers don't report it: a signal
of answerability, and the decline can say what is missing ("None of the passages state the batch size").
"""

from __future__ import annotations

import re

from rag.text import terms, tokenize

NUMBER = re.compile(
    r"(?<![\[\w.])(?:\d[\d,]*(?:\.\d+)?\s?(?:%|x\b|×|k\b|m\b|b\b)?|\b(?:two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|half|twice)\b)",
    re.IGNORECASE,
)
CITATION = re.compile(
    r"\[\d+(?:[,–-]\s*\d+)*\]|\([^()]*(?:et al\.,?|[A-Z][a-z][\w-]*,)\s*(?:19|20)\d\d[a-z]?[^()]*\)|\bet al\.|"
    r"\(\w+(?: et al\.)?,? \d{4}[a-z]?\)"
)
# What a quantity question counts in, from its wording, and how a sentence states such a quantity.
QUANTITY_KINDS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"\b(?:what|which)\b[^?.,;]{0,30}\btemperatures?\b|^(?:[\w-]+\s+){0,2}temperatures?$|"
                r"\bhow (?:hot|cold|warm)\b|温度", re.I),
     re.compile(r"\d\s*(?:°|º|degrees?\b|kelvin\b)|\d\s+K\b", re.I)),
    (re.compile(r"\bhow long\b.*\b(?:take|took|last|spend|spent|time)\b|\bhow much time\b|\bhow many (?:hours|days|"
                r"(?:milli)?seconds|minutes|weeks|months|years)\b|多久|多长时间", re.I),
     re.compile(r"\d\s*(?:-\s*\d+\s*)?(?:ms|s|sec\w*|min\w*|hours?|h|days?|weeks?|months?|years?)\b|"
                r"\b(?:hours?|minutes?|days?|weeks?|months?)\b", re.I)),
    (re.compile(r"\bwhat (?:percentage|ratio)\b|\bhow much (?:better|worse|faster|more|less)|"
                r"\bby how much\b|\bby what (?:margins?|factor|amount)\b|\bmargins?\b|\bhow often\b|"
                r"百分之|比例", re.I),
     re.compile(r"\d\s*(?:%|percent|pp\b|points?\b|x\b|×|times\b)|\b(?:twice|half|double|triple)\b", re.I)),
    # A fraction is also written as a decimal or a ratio of counts ("from = 0.15", "3/4 of the sample").
    (re.compile(r"\bwhat (?:fraction|share|proportion)\b", re.I),
     re.compile(r"\d\s*(?:%|percent\b)|(?<![\w.])0?\.\d+\b|(?<![\d/])\d{1,3}\s*/\s*\d{1,4}\b(?!/)|"
                r"\b(?:half|(?:a|one|two) (?:third|quarter)s?)\b", re.I)),
    (re.compile(r"\bper (?:second|minute|hour|day|week|month|year)\b|\bthroughput\b|每秒|每天", re.I),
     re.compile(r"(?<![\w.])\d[\d,.]*\s*(?:[a-z%-]+\s+){0,3}?(?:[a-z%-]+\s*)?(?:/\s*|\bper\s+|\ba\s+|\ban\s+|"
                r"\beach\s+)(?:s|sec\w*|min\w*|h|hours?|days?|weeks?|months?|years?)\b|\bthroughput\b", re.I)),
    (re.compile(r"\b(?:dollars?|usd|euros?|prices?|priced|budget|wages?|salar(?:y|ies)|fees?)\b|\bhow much money\b|"
                r"多少钱|费用|工资", re.I),
     re.compile(r"[$€£¥]\s?\d|\d\s*(?:usd|dollars?|euros?|cents?)\b|\b(?:usd|eur)\s?\d", re.I)),
    (re.compile(r"\b(?:which|what) (?:years?|decades?|(?:time )?spans?|time periods?|time ?frames?)\b|"
                r"^\s*when\s+(?:was|were|did|is|are|does|do|had|has|will)\b|"
                r"哪一年", re.I),
     re.compile(r"\b(?:1[5-9]\d\d|20\d\d)s?\b")),
    (re.compile(r"\bhow (?:large|big|small|long)\b|\bwhat (?:size|length|maximum|minimum)\b|多大", re.I),
     re.compile(r"(?<![\w.])\d[\d,.]*(?:\s*(?:k|m|b|gb|mb)\b|\s+(?:[a-z-]+\s+){0,2}?(?:million|billion|"
                r"thousand|tokens?|words?|samples?|examples?|instances?|documents?|cases?|pages?|parameters?|"
                r"images?)\b)", re.I)),
]  # fmt: skip
# What a "which X" question names, and the words a sentence names such a thing with.
CLASS_WORDS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"\b(?:hardware|gpus?|cpus?|processors?|machines?|devices?)\b", re.I),
     re.compile(r"\b(?:gpus?|cpus?|tpus?|processors?|nvidia|a100|v100|h100|rtx|epyc|xeon|cores?|ghz)\b", re.I)),
    (re.compile(r"\b(?:dataset|datasets|corpus|benchmark|benchmarks|data)\b", re.I),
     re.compile(r"\b(?:datasets?|corpus|corpora|benchmarks?|collection|annotated|samples)\b", re.I)),
    (re.compile(r"\b(?:library|libraries|tool|tools|package|software|toolkit|parser|pipeline|utility)\b", re.I),
     # … or by its version ("SPSS version 24", "GROBID v0.7.3")
     re.compile(r"\b(?:library|libraries|tools?|package|toolkit|software|python|utility|parser|using|wraps?)\b|"
                r"\bversion\s+\d|\bv\d+(?:\.\d+)+\b", re.I)),
    (re.compile(r"\b(?:model|models|encoder|backbone|architecture|baseline|baselines|embeddings?)\b", re.I),
     re.compile(r"\b(?:models?|bert|roberta|gpt|t5|bart|llama|qwen|transformers?|encoder|network|deberta)\w*", re.I)),
    (re.compile(r"\b(?:metric|metrics|score|scores|measure)\b", re.I),
     re.compile(r"\b(?:metrics?|scores?|f1|accuracy|rouge|bleu|precision|recall|map|ted)\b", re.I)),
    (re.compile(r"\b(?:websites?|web ?sites?|web ?pages?|urls?|homepages?)\b", re.I),
     re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:com|org|net|gov|edu|io)\b", re.I)),
    (re.compile(r"\b(?:functions?|helpers?|commands?|routines?|arguments?)\b", re.I),
     re.compile(r"\b[A-Za-z_][\w.]*\(\)|\b[a-z]+[A-Z_.][\w.]*\b|\bfunctions?\b")),
    (re.compile(r"\blicen[cs]e\b", re.I), re.compile(r"\blicen[cs]e|\bcc[- ]by|\bmit\b|\bapache\b|\bgpl\b", re.I)),
    # a version is a number of three parts or one named so ("R 4.0.0", "MASS 7.3–51.5", "v0.5", "version 2.1");
    # "3.2" may be anything, and "a newer version" names none
    (re.compile(r"\b(?:versions?|releases?)\b", re.I),
     re.compile(r"\bv\d+(?:\.\d+)+\b|\b\d+\.\d+[.–-]\d+\b|\b(?:version|release)\s+v?\d+(?:\.\d+)+", re.I)),
    (re.compile(r"\b(?:examples|samples|instances|items|data points|problems|prompts|pairs|questions)\b", re.I),
     re.compile(r"\d[\d,.]*\s*[km]?\s+(?:[\w-]+\s+){0,2}?(?:examples|samples|instances|items|points|problems|prompts|"
                r"pairs|questions|demonstrations|annotations|cases)\b", re.I)),
]  # fmt: skip

# A question asking what the authors plan or leave open ("What do the coin developers plan to add?", "What open
# problems does the paper leave?"), and how a sentence speaks of that: of future work, of plans, of what remains
# open. Not the future a model forecasts ("future observations") nor planning a study ("help plan how many …").
PLANS_ASKED = re.compile(
    r"\b(?:(?<!help )plans?|planned|planning|intends?|intended|in the future|future (?:work|research|versions?|"
    r"releases?|development|extensions?|plans?|directions?|improvements?|additions?|features?)|upcoming|"
    r"forthcoming|later (?:versions?|releases?)|next (?:versions?|releases?|steps?)|open (?:\w+ )?(?:problems?|"
    r"questions?|issues?)|further (?:research|work|development)|research directions?|follow-up (?:work|studies|"
    r"research)|remain\w* (?:unsolved|open)|unsolved|left (?:open|unsolved|for))\b(?! how)",
    re.IGNORECASE,
)
PLANS_STATED = re.compile(
    r"\b(?:(?:in|for) the (?:near )?future|future (?:work|research|versions?|releases?|development|extensions?|"
    r"plans?|studies|directions?|improvements?)|plan(?:s|ned)?\b(?! \w+ (?:size|number))|(?:we|i|authors?|"
    r"they) (?:intend|hope|aim|plan)s? to|(?:we|i) would like to (?!thank|acknowledge|express)|not yet|"
    r"remain\w* (?:open|unsolved|to be)|challenges remain|open (?:\w+ )?(?:problems?|questions?|issues?)|"
    r"further (?:research|work|development|investigation|extensions?)|forthcoming|upcoming|in preparation|"
    r"under development|ongoing work|work in progress|next (?:version|release|step)s?|later (?:version|"
    r"release)s?|(?:will|shall) be (?:added|extended|implemented|included|examined|explored|investigated|"
    r"developed|improved|supported|integrated|addressed|studied))\b",
    re.IGNORECASE,
)
PLANS = "authors' plans or open problems"  # what a decline names as unstated

_ADVERB = r"(?:already|also|still|ever|often|first|currently)\b"
# A participle or an adverb ends the noun phrase an attribute is ("which grants funded …", "which packages already
# …"): the head may be neither. Only lower-case words ending in -ed are participles ("TED score", "R-squared"),
# and not the nouns that end so ("random seed", "model family").
_ED_LY_NOUNS = r"(?:seed|speed|need|feed|embed|bed|family|assembly|supply|anomaly|reply)\b"
# Verbs whose past tense does not end in -ed, and their forms that are never nouns: "How many patients took part in
# …" asks for patients, not "patients took part".
_IRREGULAR_VERB = (
    r"(?:took|taken|takes?|get|gets|got|gotten|went|came|becomes?|became|begins?|began|begun|gives?|gave|given|"
    r"saw|seen|knew|known|thought|won|lost|paid|met|sat|stood|fell|rose|sent|spent|built|chose|chosen|said|told|"
    r"brought|kept|left|held|felt|grew|grown|ran|led|ate|wrote|written|drew|drawn|broke|broken)\b"
)
_NOT_A_NOUN = r"(?!(?!" + _ED_LY_NOUNS + r")(?-i:[a-z]+(?:ed|ly)\b)|" + _ADVERB + "|" + _IRREGULAR_VERB + ")"
# An article, a pronoun or a preposition: a word no name of a measure or attribute starts with.
_FUNCTION_WORD = r"(?:the|a|an|this|that|these|those|its|their|our|of|in|on|for|to|by|with|from|at|as|not)\b"
# Words before the head describe it ("monthly downloads", "R-squared"); a participle ("repeated splits" may be
# "replications"), a verb, an article, a pronoun or a preposition ends the phrase instead.
_NOT_A_MODIFIER = r"(?!(?-i:[a-z]+ed\b)|" + _FUNCTION_WORD + "|" + _ADVERB + "|" + _IRREGULAR_VERB + ")"
# "What/Which [modifiers] X was/did/… ", "How much X …", "Under which X is …": the X asked about (up to three
# words).
_ATTRIBUTE = re.compile(
    r"\b(?:what|which|how much|how many)\s+(?!(?:is|are|was|were|do|does|did|can|could|has|have|had|kinds?|types?|"
    r"sorts?|goes|went|happens|happened|causes|caused|makes|made|changes|changed|occurs|occurred|remains|comes|"
    r"came|leads|led)\b)((?:" + _NOT_A_MODIFIER + r"[\w-]+\s+){0,2}?" + _NOT_A_NOUN + r"[\w-]+?)\s+"
    r"(?:and\s+(?:" + _NOT_A_MODIFIER + r"[\w-]+\s+){0,2}?" + _NOT_A_NOUN + r"[\w-]+?\s+)?"  # "… and batch size"
    r"(?=(?:was|were|is|are|did|does|do|can|could|has|have|had|of|for|"
    r"in|on|per|between|when|that|used|reported|obtained|reached|from|by|at|across|among|within|after|"
    r"during)\b|" + _IRREGULAR_VERB + ")",
    re.IGNORECASE,
)
# "What is the confidence interval of …", "What was the batch size?", "What is the learning rate used for …": the
# value of a measure, asked the long way round (up to four words: "the median overall survival time of …"; only a
# measure or a statistic of one is taken, `_measure_asked`).
_THE_MEASURE_OF = re.compile(
    r"\bwhat\s+(?:is|was|are|were)\s+the\s+((?:" + _NOT_A_MODIFIER + r"[\w-]+\s+){0,3}?[\w-]+?)\s*"
    r"(?=(?:of|for|in|on|at|across|used|that|when|reported|obtained|reached)\b|[?？]\s*$)",
    re.IGNORECASE,
)
# "What mean absolute scaled error did X reach …": a longer name of a measure (up to seven words, participles too),
# asked as what a thing reached, achieved or reported (only a measure or a statistic of one is taken,
# `_measure_asked`).
_VALUE_REACHED = re.compile(
    r"\bwhat\s+((?:(?!" + _FUNCTION_WORD + r")[\w-]+\s+){0,6}?[\w-]+?)\s+(?:did|does|do|has|have|had)\s+"
    r"(?:(?!(?:did|does|do)\b)[^?.;]){1,80}?\b(?:reach|reached|achieve|achieved|attain|attained|obtain|obtained|"
    r"report|reported|score|scored|yield|yielded|give|given)\b",
    re.IGNORECASE,
)
# Nouns of a measured value: an answer gives it as a number ("What R-squared …", "What exact TED score …").
_MEASURES = frozenset(
    """score scores error errors accuracy rate rates value values r-squared r2 interval intervals ratio ratios
    coefficient coefficients correlation correlations p-value mean median average variance deviation loss auc f1
    precision recall perplexity estimate estimates statistic statistics percentage proportion fraction count
    number size amount""".split()
)
# … of which these say no more than "a number" ("What numerical value of g_c …"; the size of a vocabulary is
# stated as "32,000 tokens"): the number alone states it.
_BARE_VALUES = frozenset("value values number amount size count".split())
# A statistic of a sample, whatever it is of ("What was the median follow-up …"): a number.
_STATISTICS = frozenset("mean median average total maximum minimum".split())
# Numbers that point elsewhere, not values: "(36)", "Table 3", "Section 4.2", a citation's year after a name
# ("Zhong et al. 2020", "[Zhong 2020]"; a batch size of 2048 stays).
_REFERENCES = re.compile(
    r"\(\d{1,3}[a-z]?\)|\b(?:tables?|fig(?:ure)?s?\.?|sections?|sec\.|eqs?\.|equations?|appendix|chapters?)\s*"
    r"[A-Z]?\d+(?:\.\d+)*|(?:\bet al\.?,?|\b(?-i:[A-Z][a-z]+),?)\s+(?:19|20)\d\d[a-z]?\b",
    re.IGNORECASE,
)
# The quantity asked at the end, in the order a Chinese question has it and its translation keeps
# ("… 排放了多少碳？" → "… emit how many carbon?"): one noun after "how much/many", then the question's end
# (not a comparison: "how much faster?" asks for a ratio, not for "faster").
_FINAL_ATTRIBUTE = re.compile(
    r"\bhow (?:much|many)\s+(?!(?:more|less|faster|slower|higher|lower|larger|smaller|longer|shorter|better|"
    r"worse)\b)([A-Za-z][\w-]*)\s*[?？.]?\s*$",
    re.IGNORECASE,
)
_COMPARATIVES = frozenset(
    "more less fewer faster slower higher lower larger smaller longer shorter better worse bigger greater".split()
)
# Words that narrow an attribute without naming it ("exact score", "open-source licence").
_QUALIFIERS = frozenset("exact specific main particular overall final official open-source actual precise".split())
# Things answered by a description, not a stated value: "What problem does X address?" is answered by a
# sentence that never says "problem".
_DESCRIBED = frozenset(
    """problem problems purpose goal goals aim aims idea ideas contribution contributions role motivation issue
    issues challenge challenges insight insights intuition finding findings conclusion conclusions benefit benefits
    advantage advantages drawback drawbacks limitation limitations question questions result results outcome
    outcomes effect effects impact approach approaches method methods strategy strategies technique techniques
    mechanism way direction directions step steps lesson lessons recommendation recommendations suggestion
    suggestions task tasks topic topics theme themes aspect aspects concern concerns weakness weaknesses strength
    strengths difficulty difficulties""".split()
)
# One stem for spelling variants (British/American), so "licence" is stated by "license".
_VARIANTS = {"licens": "licenc"}


def attribute(question: str) -> str | None:
    """The attribute a question asks the value of, as written ("batch size"), or None."""
    match = _ATTRIBUTE.search(question) or _FINAL_ATTRIBUTE.search(question) or _measure_asked(question)
    if not match:
        return None
    words = [w for w in match.group(1).split() if w.lower() not in _QUALIFIERS]
    if words and (words[-1].lower() in _DESCRIBED or words[0].lower() in _COMPARATIVES):
        return None  # "what problem …" is described; "how much better …" asks for a difference, not "better"
    return " ".join(words) if _terms(" ".join(words)) else None


def _measure_asked(question: str) -> re.Match[str] | None:
    """The match of "What is the confidence interval of …" or "What mean absolute scaled error did X reach …"
    when it asks a measure (not "the role of …")."""
    for pattern in (_THE_MEASURE_OF, _VALUE_REACHED):
        match = pattern.search(question)
        if match and _measured(match.group(1)):
            return match
    return None


def _measured(phrase: str) -> bool:
    """The phrase names a measured value: a measure ("batch size") or a statistic of one ("median follow-up")."""
    words = phrase.lower().split()
    return bool(words) and (words[-1] in _MEASURES or words[0] in _STATISTICS)


def class_words(phrase: str) -> list[re.Pattern[str]]:
    """How things of the class an attribute asks for are named: the class of its head word ("software licence"
    is a licence, named "GPL", not any software), else of any word of it ("data sets": data)."""
    head = _head(phrase)
    of_head = [stated for asked, stated in CLASS_WORDS if head and asked.search(head)]
    return of_head or [stated for asked, stated in CLASS_WORDS if asked.search(phrase)]


def _head(phrase: str) -> str:
    """The phrase's last word, lower-cased ("" for none)."""
    words = phrase.lower().split()
    return words[-1] if words else ""


def _terms(text: str) -> list[str]:
    return [_VARIANTS.get(t, t) for t in tokenize(text)]


def attribute_terms(phrase: str) -> set[str]:
    """What a sentence must contain to state the attribute: its head and the word before it ("batch size")."""
    return set(_terms(phrase)[-2:])


def numeric(question: str, phrase: str) -> bool:
    """The attribute is a measured value ("how many support vectors", "what R-squared"; not "which loss
    function"): stated with a number."""
    words = phrase.split()
    if not words:
        return False
    counted = r"\bhow (?:many|much)\s+(?:[\w-]+\s+)?" + re.escape(words[0]) + r"\b"
    return bool(re.search(counted, question, re.IGNORECASE)) or _measured(phrase)


def gives_number(text: str) -> bool:
    """`text` states a number of its own: not a citation's year, an equation's or a table's number."""
    return bool(numbers_in(_REFERENCES.sub(" ", text)))


def states(phrase: str, text: str, *, numeric: bool = False) -> bool:
    """`text` states the attribute: it has the attribute's terms, a word things of its class are named with,
    or a number in its unit ("about 1100 degrees" states a temperature). A `numeric` attribute (a score, a
    count) is stated only with a number: "we compute the TED score" does not say what the score was."""
    units = [stated for asked, stated in QUANTITY_KINDS if asked.search(phrase)]
    if any(p.search(text) for p in units):  # stated in its unit
        return True
    if numeric and not gives_number(text):
        return False
    if numeric and _head(phrase) in _BARE_VALUES:
        return True
    members = class_words(phrase)
    found = [m.group(0) for p in members for m in p.finditer(text)]
    # named by a member of its class (a measured value: counted in members, "500 samples" for examples, not "on a
    # GPU"), and of the thing a name before it says ("Python versions" are not stated by "Grobid v0.7.3")
    of_named = all(terms(w) <= terms(text) for w in phrase.split()[:-1] if w[:1].isupper() and len(w) > 1)
    if of_named and any(not numeric or any(ch.isdigit() for ch in f) for f in found):
        return True
    needed = attribute_terms(phrase)
    return bool(needed) and needed <= {_VARIANTS.get(t, t) for t in terms(text)}


def without_citations(text: str) -> str:
    """The text without its citations ("(Fok et al., 2023b; Kim et al., 2023)", "[12]"): their years and
    numbers are not what the sentence states."""
    return CITATION.sub(" ", text)


def numbers_in(text: str) -> set[str]:
    """The numbers a sentence states, not those of its citations."""
    return {m.group(0).strip().lower() for m in NUMBER.finditer(without_citations(text))}
