"""What is measured of a (question, candidate sentence) pair, as one vector per candidate.

Similarity alone picks the sentence most *about* the question (its background); an answer also carries
what was asked for: a number for "how many", a name for "which tool", a cause for "why". So besides the
sentence's and its context's cosine and term overlap, the vector has the answer type the sentence carries
crossed with the question's type, the role of its section, and cues of text that reads badly quoted.
The weights that combine them are fitted (bench/train_answer_scorer.py), not set by hand.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ingest.sentences import is_heading
from rag.answers.asked import CITATION, CLASS_WORDS, NUMBER, QUANTITY_KINDS, class_words, numbers_in
from rag.answers.candidates import Candidate
from rag.answers.questions import Question, asks_critique
from rag.answers.typed_pool import asked_type
from rag.text import squash, terms

_NAME = re.compile(r"\b(?=[\w.-]*(?:[a-z][A-Z]|[A-Z]{2}|\d[A-Za-z]|[A-Za-z]\d|_))[A-Za-z][\w.-]*[A-Za-z0-9]\b")
_CAUSE = re.compile(
    r"\b(?:because|due to|since|as a result|therefore|thus|hence|so that|in order to|owing to|leads? to|led to|"
    r"caus\w*|reasons?|results? in|attribut\w+|explain\w*|to avoid|to prevent|to ensure|allows?|enables?)\b",
    re.IGNORECASE,
)
_DEFINES = re.compile(
    r"\b(?:is|are) (?:a|an|the|defined|called|designed|intended|meant|used)\b|\brefers? to\b|\bcalled\b|"
    r"\bdefined as\b|\bconsists? of\b|\bcomposed of\b|\bmade (?:up )?of\b|\bwhich (?:is|are)\b",
    re.IGNORECASE,
)
_METHOD = re.compile(
    r"\b(?:by|using|uses?|used|via|through|we (?:apply|adopt|employ|train|fine-tune|use|run|compute|follow))\b",
    re.IGNORECASE,
)
_POLAR = re.compile(r"\b(?:not|no|never|neither|without|cannot|n't|yes|indeed|both|only)\b", re.IGNORECASE)
_OWN = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b", re.IGNORECASE)
# A question or a request (datasheet templates, surveys): it asks, it does not answer.
_ASKS = re.compile(r"\?[\s\"”’)]*$|\bplease\b", re.IGNORECASE)
# The paper saying what it is or does: "We introduce papermage, …", "This document explains …".
_PRESENTS = re.compile(
    r"\b(?:we|this (?:paper|article|document|vignette|work|study|package|note|tutorial|report))\s+(?:\w+\s+){0,2}?"
    r"(?:present|introduc|propos|describ|develop|releas|provid|offer|show|find|found|demonstrat|discuss|stud|"
    r"explain|review|giv|focus|address|implement)\w*",
    re.IGNORECASE,
)
# Cues of a sentence that reads badly quoted, fitted as a correction on top of the scorer (`CUES`).
# A figure's or table's caption ("Figure 2: Conditional association plot …"): it names what is shown, seldom
# what was found; a sentence pointing at one ("Figures 14 and 15 show the runtimes."); and code, as R and
# Python vignettes print it ("R> m <- svm(x, y, cost = 10)", "> # fit the model"): input, not a statement.
_CAPTION = re.compile(r"^(?:Fig(?:ure)?\.?|Table|Tab\.)\s*[A-Z]?\d+[a-z]?\s*[:.|—–-](?!\d)", re.IGNORECASE)
_POINTS_TO_FIGURE = re.compile(r"\b(?:Fig(?:ure)?s?\.?|Tables?|Tab\.)\s*[A-Z]?\d+", re.IGNORECASE)
_CODE = re.compile(
    r"^\s*(?:R?>|\+|>>>|In \[\d+\]:)\s|\s(?:R>|>>>)\s|<-|"
    r"\b[A-Za-z_.][\w.]*\((?:[^()]|\([^()]*\))*?\b[A-Za-z_.][\w.]*\s?=\s?[^=\s]"
)
CUES = ("code", "caption", "points_to_figure")
_LEAD_CHARS = 2500  # a passage starting this early in its paper is its opening (an abstract not marked as one)
_LEADS_ON = re.compile(r"^(?:this|these|it|they|such|however|thus|therefore|also|in addition)\b", re.IGNORECASE)

# The role of a passage's section, as a prior (one feature each; `other` is the baseline).
_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("abstract", re.compile(r"^abstract$|摘要|summary \(zh\)", re.IGNORECASE)),
    ("introduction", re.compile(r"introduction|overview|motivation", re.IGNORECASE)),
    ("related", re.compile(r"related|background|prior work|preliminar|literature", re.IGNORECASE)),
    (
        "method",
        re.compile(
            r"method|approach|model|system|design|architecture|implement|framework|data|corpus|"
            r"collection|annotat|construction|setup|training|procedure|toolkit|library",
            re.I,
        ),
    ),
    ("results", re.compile(r"experiment|evaluat|result|analys|discussion|study|ablation|comparison|finding", re.I)),
    ("conclusion", re.compile(r"conclu|future work|limitation|summary", re.IGNORECASE)),
    ("appendix", re.compile(r"^(?:appendix|[A-H](?:\.\d+)*\b)|supplement|datasheet|checklist|ethic", re.I)),
]

FEATURES = (
    "cosine",  # sentence · question
    "context_cosine",  # sentence with its neighbours · question
    "cosine_gap",  # cosine minus the best cosine among the candidates
    "topicality",  # sentence · its paper's vector: how much it says what the whole paper is about
    "focus",  # cosine minus topicality: similar to the question beyond sharing its topic
    "focus_query_cosine",  # sentence · the question without its names and title words (what it asks)
    "focus_query_gap",  # … minus the best such cosine among the candidates
    "attribute_cosine",  # sentence · the attribute a "what X …" question asks for ("hardware" ~ "two A6000 GPUs")
    "attribute_gap",  # … minus the best such cosine among the candidates
    "overlap",  # IDF-weighted share of the question's terms in the sentence
    "context_overlap",  # … in the sentence with its neighbours
    "focus_overlap",  # … of the question's terms that are not in the paper's title (what is asked, not about what)
    "specificity",  # mean IDF of the sentence's own terms over the candidates (rare words: specific claims)
    "passage_score",  # the retrieval score of its passage, over the best one's
    "passage_rank",  # 1 / (1 + rank of its passage)
    "passage_cosine",  # the passage's cosine to the question
    "names_covered",  # share of the question's named things in the sentence (or its paper's title)
    "in_named_paper",  # its paper's title carries a name the question uses
    "new_number",  # the sentence has a number the question has not
    "new_name",  # … a name-like token the question has not
    "quantity_x_number",
    "quantity_kind_match",  # the sentence states the kind of quantity asked for (a duration, a share, a year, a size)
    "class_word_match",  # it uses the words such a thing is named with ("GPUs" for hardware, "library" for a tool)
    "states_asked",  # it states what is asked: the attribute, the kind of quantity or the class (`typed_pool`)
    "name_x_name",
    "reason_x_cause",
    "definition_x_defines",
    "method_x_method",
    "yesno_x_polar",
    "own_claim",  # "we", "our", "this paper": the paper's own statement
    "cites_others",  # citation markers: about other work
    "leans_on_previous",  # "This…", "However…": needs the sentence before it
    "asks_itself",  # the sentence is a question or a request ("please describe …"): it asks, it does not answer
    "overview_x_lead",  # a question about the paper as a whole, a sentence of its opening, introduction or conclusion
    "overview_x_presents",  # … what it is or does, a sentence saying what it presents ("We introduce X, …")
    "log_length",
    "question_overlap_ratio",  # share of the sentence's terms that are question terms (restating it)
    *(f"role_{name}" for name, _ in _ROLES),
    "answer_cosine",  # sentence · question under the answer encoder (trained to pick the answering sentence)
    "answer_gap",  # … minus the best such cosine among the candidates
)


def idf(question_terms: set[str], texts: list[frozenset[str]], df: Counter[str] | None = None) -> dict[str, float]:
    """IDF of each question term over the candidate sentences: a term every sentence has says little
    (`df`: the terms' sentence counts, when already counted)."""
    n = len(texts) or 1
    df = df if df is not None else Counter(t for s in texts for t in s)
    return {t: math.log(1 + n / (1 + df[t])) for t in question_terms}


def weighted(weights: dict[str, float], terms: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 0.0


def _with_heading(c: Candidate) -> str:
    """The sentence read with the subheading right above it, when it has one that is not its section's title
    ("Implementation of [Search]" over "This function utilizes the LLM …"): quoted apart, but what the sentence
    is about (a run-in heading was read as part of its sentence when the scorer was fitted)."""
    before = c.before.strip()
    if before and is_heading(before) and not c.hit.section.startswith(before):
        return f"{before} {c.text}"
    return c.text


def role_of(section: str, kind: str) -> str:
    if kind == "abstract":
        return "abstract"
    return next((name for name, pattern in _ROLES if pattern.search(section or "")), "other")


def _names(text: str) -> set[str]:
    return {m.group(0).lower() for m in _NAME.finditer(text)}


def matrix(
    question: Question,
    query_vector: np.ndarray | None,
    candidates: list[Candidate],
    paper_vectors: dict[str, np.ndarray] | None = None,
    focus_vector: np.ndarray | None = None,
    attribute_vector: np.ndarray | None = None,
    answer_cosines: np.ndarray | None = None,
) -> np.ndarray:
    """(n candidates, len(FEATURES)) float32: what the scorer weighs (`paper_vectors`: id → the stored
    paper vector of the candidates' papers, for topicality; `focus_vector`: the question without what it
    is about, see `questions.focus_text`; `attribute_vector`: the attribute asked for, "hardware";
    `answer_cosines`: each candidate's cosine under the answer encoder, when it is on)."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return out
    col = {name: i for i, name in enumerate(FEATURES)}
    q_terms = set(terms(question.text))
    headed = [_with_heading(c) for c in candidates]
    sentence_terms = [terms(text) for text in headed]
    context_terms = [s | terms(c.before) | terms(c.after) for s, c in zip(sentence_terms, candidates, strict=True)]
    df = Counter(t for s in sentence_terms for t in s)
    weights = idf(q_terms, sentence_terms, df)
    term_idf = idf(set(df), sentence_terms, df)
    paper_vectors = paper_vectors or {}
    q_numbers = {m.group(0).strip().lower() for m in NUMBER.finditer(question.text)}
    q_names = _names(question.text) | {t.lower() for t in question.names}
    named = [squash(t) for t in question.names]
    best_passage = max((c.hit.score for c in candidates), default=0.0) or 1.0
    if query_vector is not None and all(c.vector is not None for c in candidates):
        cosines = np.array([float(c.vector @ query_vector) for c in candidates], dtype=np.float32)
        contexts = np.array([float(c.context @ query_vector) for c in candidates], dtype=np.float32)
        focused = focus_vector if focus_vector is not None else query_vector
        focus_cosines = np.array([float(c.vector @ focused) for c in candidates], dtype=np.float32)
    else:
        cosines = contexts = focus_cosines = np.zeros(n, dtype=np.float32)
    attribute_cosines = np.zeros(n, dtype=np.float32)
    if attribute_vector is not None and all(c.vector is not None for c in candidates):
        attribute_cosines = np.array([float(c.vector @ attribute_vector) for c in candidates], dtype=np.float32)
    best = float(cosines.max())
    if answer_cosines is not None:
        out[:, col["answer_cosine"]] = answer_cosines
        out[:, col["answer_gap"]] = answer_cosines - float(answer_cosines.max())
    types = set(question.types)
    quantity_kinds = [stated for asked, stated in QUANTITY_KINDS if asked.search(question.text)]
    # the class of the attribute asked ("What hardware were the baselines …": hardware, not models), else of any word
    named_with = (
        class_words(question.attribute)
        if question.attribute
        else [named for asked, named in CLASS_WORDS if asked.search(question.text)]
    )
    stated = asked_type(question)
    overview = "overview" in types
    presents_asked = overview and not asks_critique(question)  # what it is, does, finds: not what it lacks
    for i, c in enumerate(candidates):
        text = c.text
        row = out[i]
        own_terms = sentence_terms[i]
        numbers = numbers_in(text) - q_numbers
        names = _names(text) - q_names
        squashed = squash(headed[i] + " " + c.hit.title)
        row[col["cosine"]] = cosines[i]
        row[col["context_cosine"]] = contexts[i]
        row[col["focus_query_cosine"]] = focus_cosines[i]
        row[col["focus_query_gap"]] = focus_cosines[i] - float(focus_cosines.max())
        row[col["cosine_gap"]] = cosines[i] - best
        row[col["attribute_cosine"]] = attribute_cosines[i]
        row[col["attribute_gap"]] = attribute_cosines[i] - float(attribute_cosines.max())
        row[col["overlap"]] = weighted(weights, sentence_terms[i])
        row[col["context_overlap"]] = weighted(weights, context_terms[i])
        title_terms = terms(c.hit.title)
        row[col["focus_overlap"]] = weighted({t: w for t, w in weights.items() if t not in title_terms}, own_terms)
        own = sentence_terms[i]
        row[col["specificity"]] = sum(term_idf[t] for t in own) / len(own) / 5.0 if own else 0.0
        paper = paper_vectors.get(c.paper_id)
        if paper is not None and c.vector is not None and len(paper) == len(c.vector):
            row[col["topicality"]] = float(c.vector @ paper)
            row[col["focus"]] = cosines[i] - row[col["topicality"]]
        row[col["passage_score"]] = c.hit.score / best_passage
        row[col["passage_rank"]] = 1.0 / (1 + c.rank)
        row[col["passage_cosine"]] = c.hit.dense or 0.0
        row[col["names_covered"]] = sum(t in squashed for t in named) / len(named) if named else 0.0
        row[col["in_named_paper"]] = float(any(t and t in squash(c.hit.title) for t in named))
        row[col["new_number"]] = float(bool(numbers))
        row[col["new_name"]] = float(bool(names))
        row[col["quantity_x_number"]] = float("quantity" in types and bool(numbers))
        row[col["quantity_kind_match"]] = float(any(p.search(text) for p in quantity_kinds))
        row[col["class_word_match"]] = float(any(p.search(text) for p in named_with))
        row[col["states_asked"]] = float(stated is not None and stated(text))
        row[col["name_x_name"]] = float("name" in types and bool(names))
        row[col["reason_x_cause"]] = float("reason" in types and bool(_CAUSE.search(text)))
        row[col["definition_x_defines"]] = float("definition" in types and bool(_DEFINES.search(text)))
        row[col["method_x_method"]] = float("method" in types and bool(_METHOD.search(text)))
        row[col["yesno_x_polar"]] = float("yesno" in types and bool(_POLAR.search(text)))
        row[col["own_claim"]] = float(bool(_OWN.search(text)))
        row[col["cites_others"]] = float(bool(CITATION.search(text)))
        row[col["leans_on_previous"]] = float(bool(_LEADS_ON.match(text)))
        row[col["asks_itself"]] = float(bool(_ASKS.search(text)))
        row[col["log_length"]] = math.log(max(len(text), 1)) / 6.0
        row[col["question_overlap_ratio"]] = len(own_terms & q_terms) / len(own_terms) if own_terms else 0.0
        role = role_of(c.hit.section, c.hit.kind)
        if f"role_{role}" in col:
            row[col[f"role_{role}"]] = 1.0
        if overview:
            lead = role in ("abstract", "introduction", "conclusion") or c.hit.start < _LEAD_CHARS
            row[col["overview_x_lead"]] = float(lead)
            row[col["overview_x_presents"]] = float(presents_asked and bool(_PRESENTS.search(text)))
    return out


def cues(candidates: list[Candidate]) -> np.ndarray:
    """(n candidates, len(CUES)) float32: code, a caption, a pointer to a figure (see `CUES`)."""
    out = np.zeros((len(candidates), len(CUES)), dtype=np.float32)
    for i, c in enumerate(candidates):
        caption = bool(_CAPTION.match(c.text) or _CAPTION.match(c.hit.section or ""))
        out[i] = (bool(_CODE.search(c.text)), caption, not caption and bool(_POINTS_TO_FIGURE.search(c.text)))
    return out


def carries(question: Question, text: str) -> bool | None:
    """Does `text` carry what the question asks for: the attribute's value, a number for a quantity, a name
    for "which tool"? None when the question asks for nothing typed (a reason, a method, a definition)."""
    if question.attribute:  # stated as the typed pool and the decline read it ("how many seconds": "0.8 s")
        test = asked_type(question)
        return test is not None and test(text)
    if question.asks("quantity"):
        return bool(numbers_in(text))
    if question.asks("name"):
        return bool(_names(text) - {t.lower() for t in question.names})
    return None


def gives_answer(question: Question, text: str) -> bool | None:
    """`carries`, and for a yes/no or why question whether the sentence says yes or no, or gives a cause:
    "Earlier versions of scoreItems required a keys matrix." does not answer "Does scoreItems still need
    one?"; the sentence after it, "This is no longer necessary.", does. None when nothing tells."""
    typed = carries(question, text)
    if typed is not None:
        return typed
    if question.asks("yesno"):
        return bool(_POLAR.search(text))
    if question.asks("reason"):
        return bool(_CAUSE.search(text))
    return None
