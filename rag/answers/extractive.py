"""Extractive cited answers: the retrieved sentences that answer the question, each quoted and cited.

No LLM: every sentence of an answer is quoted verbatim from a passage the user is shown, so a citation
can never point at text that does not say it. Every sentence of the top passages is a candidate, scored
by a fitted model of what answers look like (`features`, `scorer`); the answer is declined, saying why,
when the question names something no paper mentions, asks for a number no candidate gives, or the
fitted answerability of the best candidates is below the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from rag.answers import features as F
from rag.answers.asked import PLANS, PLANS_ASKED, PLANS_STATED, QUANTITY_KINDS, without_citations
from rag.answers.candidates import Candidate, gather
from rag.answers.declines import PassageWords, missing_names, missing_words
from rag.answers.lexicon import lower_words
from rag.answers.questions import (
    PLURAL_ACRONYM,
    WHAT_IS_WORDS,
    Question,
    about_several,
    analyse,
    asks_critique,
    compares_within,
    described_papers,
    focus_text,
    is_question,
    joined_names,
    parts,
    second_thing,
)
from rag.answers.scorer import LinearModel, load
from rag.answers.scoring import DEFAULT_SCORING, ExtractiveScoring
from rag.answers.sentence_bank import Encode, SentenceBank
from rag.answers.typed_pool import PassagesOf, asked_type, has_form, opening_passages, stating_passages
from rag.answers.types import Answer, AnswerSentence, Source
from rag.index.records import Hit
from rag.text import is_cjk, squash, terms, tokenize

# Boilerplate that matches a question about a paper by name but answers nothing.
_BOILERPLATE = re.compile(
    r"https?://|\\footnote|\\href|github\.com"
    r"|\b(code|data(sets?)?|implementation|resources?|project repository) (is|are) (publicly )?available",
    re.IGNORECASE,
)

ANSWERABILITY = (
    "best",  # the best candidate's fitted score
    "margin",  # how far it is ahead of the second
    "best_cosine",  # the best cosine among the candidates
    "best_focus_overlap",  # the best share of the question's asked-for terms a top sentence has
    "best_names_covered",  # the share of the question's names the best sentences carry
    "top_passage_cosine",  # the first passage's cosine
    "quantity_without_number",  # asks how many/much and none of the top sentences has a new number
    "named_paper",  # share of the question's names that are in a retrieved paper's title ("How does TinyV work?")
    "attribute_unstated",  # asks the value of an attribute ("what batch size") no candidate sentence states
    "kind_unstated",  # asks a kind of quantity (a duration, a rate, a share) the named papers' sentences never give
    "best_outside_named",  # the question names a paper and the best sentence is from another one
    "several_things",  # it asks about several papers or things: each sentence answers only part of it
    "subject_answer_cosine",  # the best answer-encoder cosine among the sentences of the papers it is about
    "best_unstated",  # asks a typed value (a quantity's kind, an attribute, a class) the best sentence does not state
    "plans_unstated",  # asks what the authors plan or leave open; no sentence of the papers it is about says any
)
ANSWER_ENCODER_SIGNALS = ("subject_answer_cosine",)  # read from the answer encoder: its train mean when it is off


def extractive_answer(
    question: str,
    query_vector: np.ndarray | None,
    hits: list[Hit],
    bank: SentenceBank | Encode,
    *,
    max_sentences: int = 4,
    min_relevance: float | None = None,
    min_coverage_cjk: float = 0.2,
    prefer_papers: list[str] | None = None,
    scoring: ExtractiveScoring = DEFAULT_SCORING,
    paper_vectors: dict[str, np.ndarray] | None = None,
    known: Callable[[str], bool] | None = None,
    query: str | None = None,
    passages_of: PassagesOf | None = None,
) -> Answer:
    """Score every candidate sentence, decline when the papers don't say, else quote the best (one per
    paper for questions across papers) and number the sources by first use. `known(token)`: is the word
    anywhere in the index (for names the question uses); `min_relevance`: the answerability threshold (None:
    the calibrated one, `calibrated_threshold`);
    `query`: what was retrieved with, when it says more than the question (a resolved follow-up);
    `passages_of`: a paper's passages with vectors, to find those stating what is asked (`typed_pool`)."""
    if not isinstance(bank, SentenceBank):
        bank = SentenceBank(bank)
    w = scoring
    if is_cjk(question) or query_vector is None:
        return _lexical_answer(question, hits, bank, max_sentences, min_coverage_cjk, w)
    a = assess(
        question, query_vector, hits, bank, paper_vectors=paper_vectors, known=known, query=query,
        passages_of=passages_of, prefer_papers=prefer_papers, scoring=w,
    )  # fmt: skip
    q, candidates, x, asks = a.q, a.candidates, a.x, a.asks
    if not candidates:
        return _declined(question, hits, 0.0, "low_confidence")
    if a.missing:
        answer = _declined(question, hits, 0.0, "missing")
        answer.missing = a.missing
        return answer
    confidence, no_number, no_attribute, no_plans = answerability(
        q, candidates, x, w, statement=not asks, answer_encoder_on=bank.answer_encoder_on
    )
    flagged = asks and (no_number or no_attribute or no_plans)
    threshold = calibrated_threshold(q, statement=not asks, flagged=flagged) if min_relevance is None else min_relevance
    if min_relevance is None and asks and compares_named_papers(question, q, candidates):
        threshold = 0.0  # each paper's own sentence answers "How does A compare to B?"; no sentence holds both
    elif min_relevance is None and asks and not flagged and asks_each_named_paper(q, candidates):
        threshold = 0.0  # each named paper's best sentence answers its part (`_best_by_part`)
    if confidence < threshold:  # the calibrated model decides; the flags say why (and raise its bar)
        if asks and no_number:
            return _declined(question, hits, confidence, "no_quantity")
        if asks and (no_attribute or no_plans):  # the attribute asked, or the authors' plans, is stated nowhere
            answer = _declined(question, hits, confidence, "unstated")
            answer.missing = [(q.attribute or "") if no_attribute else PLANS]
            return answer
        return _declined(question, hits, confidence, "low_confidence")
    by_part = _best_by_part(q, candidates, hits, bank, paper_vectors, w, passages_of) if about_several(q) else []
    # every part about the one paper the question names by its title ("… for influenza and for meningococcal
    # disease in the hhh4 paper?"): a question about that paper
    asked_of = {paper for paper, _ in by_part}
    one_paper = len(by_part) == len(parts(q)) >= 2 and len(asked_of) == 1 and asked_of == _titled_papers(q, candidates)
    first_part = {paper: best[0] for paper, best in reversed(by_part)}  # a paper two parts name: for the first
    seconds = [best[1] for _, best in by_part if len(best) > 1]
    chosen = _select(
        _of_titled_paper(q, candidates), q, max_sentences, w, first_part, one_paper=one_paper, seconds=seconds
    )
    return _compose(question, chosen, confidence)


@dataclass
class Assessment:
    """What the answerer knows of a question before it decides: the question analysed, the candidates with
    their fitted scores and feature rows, and the names no paper mentions (which decline it outright)."""

    q: Question
    candidates: list[Candidate]
    x: np.ndarray
    missing: list[str]
    asks: bool  # a question (a statement, a claim to check, has no names to miss nor a number to ask)


def assess(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    bank: SentenceBank,
    *,
    paper_vectors: dict[str, np.ndarray] | None = None,
    known: Callable[[str], bool] | None = None,
    query: str | None = None,
    passages_of: PassagesOf | None = None,
    prefer_papers: list[str] | None = None,
    scoring: ExtractiveScoring = DEFAULT_SCORING,
) -> Assessment:
    """Score the candidates and find the missing names: what `extractive_answer` decides on, and what
    bench/train_answerability.py fits the decision on (one path, so the model reads what it was fitted on)."""
    w = scoring
    q, candidates, x = scored_candidates(
        question, query_vector, hits, bank, paper_vectors, query=query, scoring=w, passages_of=passages_of
    )
    prefer = set(prefer_papers or [])
    for c, s in zip(candidates, fitted_scores(candidates, x, w), strict=True):
        c.score = float(s) + (w.prefer_bonus if c.paper_id in prefer else 0.0)
    asks = is_question(query or question)
    missing: list[str] = []
    if known and asks and candidates:
        passages = PassageWords([h.text for h in hits] + [h.title for h in hits])
        missing = missing_names(q.names, known, passages)
        missing += missing_words(lower_words(q.text), known, passages, w.rare_word_zipf)
    return Assessment(q, candidates, x, missing, asks)


def _best_by_part(
    q: Question,
    candidates: list[Candidate],
    hits: list[Hit],
    bank: SentenceBank,
    paper_vectors: dict[str, np.ndarray] | None,
    w: ExtractiveScoring,
    passages_of: PassagesOf | None,
) -> list[tuple[str, list[Candidate]]]:
    """For a question asked part by part (`parts`: "… in the SVM article and in the forecasting article?"), the
    paper each part names and that paper's candidates scoring best against the part alone (the best, and the
    second when within `margin` of it), in the parts' order (for the parts that name one paper): scored against
    the whole question, each paper's choice leans toward sentences with the other part's words."""
    own = {_span(c): c for c in candidates}
    out: list[tuple[str, list[Candidate]]] = []
    for part in parts(q):
        vector = bank.encode_query(part)
        a = assess(part, vector, hits, bank, paper_vectors=paper_vectors, passages_of=passages_of, scoring=w)
        named = named_papers(a.q, a.candidates, most=1)
        if len(named) != 1:
            continue
        paper = next(iter(named))
        mine = [c for c in a.candidates if c.paper_id == paper and _span(c) in own]
        if mine:
            mine.sort(key=lambda c: -c.score)
            close = [c for c in mine[:2] if c.score >= mine[0].score - w.margin]
            out.append((paper, [own[_span(c)] for c in close]))
    return out


def _span(c: Candidate) -> tuple[str, int, int]:
    return c.hit.chunk_id, c.start, c.end


def fitted_scores(
    candidates: list[Candidate], x: np.ndarray, w: ExtractiveScoring = DEFAULT_SCORING, *, corrected: bool = True
) -> np.ndarray:
    """The answer scorer's fitted score of each candidate (its feature row in `x`), less `boilerplate_penalty`
    for "code is available at …" and link-only sentences, and `corrected` by the fitted weights of the cues of
    text that reads badly quoted (code, captions: `features.CUES`, cue_weights.json)."""
    boilerplate = np.array([bool(_BOILERPLATE.search(c.text)) for c in candidates], dtype=np.float32)
    scores = load("scorer_weights.json", F.FEATURES).decision(x) - w.boilerplate_penalty * boilerplate
    return scores + load("cue_weights.json", F.CUES).decision(F.cues(candidates)) if corrected else scores


_COMPARING = frozenset(tokenize("compare compared comparison differ difference differences versus vs relate contrast"))


def compares_named_papers(question: str, q: Question, candidates: list[Candidate]) -> bool:
    """The question asks only how two or more papers it names by their titles compare ("How does NOVER compare
    to TinyV?", a follow-up "How does it compare to TinyV?"): nothing is asked beyond them, so nothing can be
    missing; the answer is each paper's own sentence (`_select`). `q` is the question as resolved, `question`
    as asked: its words say what it asks."""
    if not q.broad or len(_titled_papers(q, candidates)) < 2:
        return False
    titles = list(dict.fromkeys(c.hit.title for c in candidates))
    asked = set(tokenize(focus_text(analyse(question), titles)))
    return bool(asked) and asked <= _COMPARING


def asks_each_named_paper(q: Question, candidates: list[Candidate]) -> bool:
    """The question asks the same thing of two or more papers it names by their titles ("What danger do the
    Multi-LexSum paper and the PaperMage paper raise?"). The user says which papers hold the answer, and each
    holds only its part, so the best sentences score low as answers to the whole question (two-paper questions
    declined at confidence 0.07-0.11, below the bar for questions about several things): each paper's own
    best sentence is quoted and cited, as for a comparison of named papers."""
    return about_several(q) and len(_titled_papers(q, candidates)) >= 2


def _of_titled_paper(q: Question, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates of the one paper the question is about (`titled_paper`): another paper's sentence,
    however similar, does not answer a question about this one. All of them when it names none."""
    paper = titled_paper(q, candidates)
    return [c for c in candidates if c.paper_id == paper] or candidates


def titled_paper(q: Question, items: Sequence[Candidate | Hit]) -> str | None:
    """The one paper a question names by its title's name ("… used for Multi-LexSum?", a whole word of the
    title's head: "BERT" is not "RoBERTa") or describes ("the count regression paper"); None when it names
    none or several, or asks about several things (not only by comparing: "How does X compare with Grobid?")."""
    if about_several(q) and not compares_within(q):
        return None
    keys = set(_name_keys(q))
    titled = {c.paper_id for c in items if keys & _head_names(c)} | _described(q, items) | _by_title_name(q, items)
    return next(iter(titled)) if len(titled) == 1 else None


def scored_candidates(
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    bank: SentenceBank,
    paper_vectors: dict[str, np.ndarray] | None,
    *,
    query: str | None = None,
    scoring: ExtractiveScoring = DEFAULT_SCORING,
    passages_of: PassagesOf | None = None,
) -> tuple[Question, list[Candidate], np.ndarray]:
    """The question analysed, every candidate sentence of the top passages (and of the passages of the
    papers it names that state what it asks for), and their feature rows (what the answerer scores and what
    bench/train_answer_scorer.py fits on, computed in this one place)."""
    q = analyse(query or question)
    if "overview" not in q.types and overview_asked(q, hits):
        q.types.append("overview")
    pool = hits[: scoring.pool_passages]
    if not is_cjk(question):
        pool += typed_passages(q, pool, query_vector, passages_of, per_paper=scoring.typed_passages)
    candidates = gather(question, pool, bank, passages=len(pool), scoring=scoring)
    if not candidates:
        return q, candidates, np.zeros((0, len(F.FEATURES)), dtype=np.float32)
    titles = list(dict.fromkeys(h.title for h in hits[:3]))
    focus = focus_text(q, titles)
    focus_vector = bank.encode_query(focus) if focus.strip() and focus != q.text else query_vector
    attribute_vector = bank.encode_query(q.attribute) if q.attribute else None
    answer = bank.answer_cosines(q.text, [c.text for c in candidates]) if not is_cjk(question) else None
    return q, candidates, F.matrix(q, query_vector, candidates, paper_vectors, focus_vector, attribute_vector, answer)


def overview_asked(q: Question, hits: Sequence[Candidate | Hit]) -> bool:
    """The question asks about a paper as a whole: its cues say so ("main contribution", "limitations"), or it
    asks what a thing is that a retrieved paper's title is named after, and nothing else ("What is papermage?";
    not "What is BLEU?", which no title here is named after, nor "What is a Recipe in PaperMage?")."""
    if q.asks("overview"):
        return True
    if not q.asks("definition") or len(q.text.split()) > WHAT_IS_WORDS:
        return False
    keys = set(_name_keys(q))
    heads = set().union(*(_head_names(h) for h in hits)) if hits else set()
    return (bool(keys) and keys <= heads) or (not keys and bool(_by_title_name(q, hits)))


def typed_passages(
    q: Question, hits: list[Hit], vector: np.ndarray | None, passages_of: PassagesOf | None, *, per_paper: int
) -> list[Hit]:
    """Passages of the papers `q` names that state what it asks for and `hits` lack (`typed_pool`); for a
    question about a paper as a whole ("What does the forecast package paper present?"), its opening ones."""
    named = named_papers(q, hits) if not q.broad else set()
    out = stating_passages(q, hits, named, vector, passages_of, per_paper=per_paper)
    paper = titled_paper(q, hits) if q.asks("overview") and not q.broad else None
    if paper is not None:
        out += opening_passages(hits + out, {paper}, vector, passages_of, per_paper=per_paper)
    return out


def answerability(
    q: Question,
    candidates: list[Candidate],
    x: np.ndarray,
    w: ExtractiveScoring = DEFAULT_SCORING,
    *,
    statement: bool = False,
    answer_encoder_on: bool = True,
) -> tuple[float, bool, bool, bool]:
    """(probability that the best candidates answer the question, or support the `statement`, it asks a
    quantity none of them gives (or a kind of quantity, a duration or a rate, the papers it is about never
    state), it asks an attribute none of them states, it asks the authors' plans and none speaks of any). With
    the answer encoder off, the signals read from it are taken at their train mean, so the calibrated threshold
    still holds."""
    row = answerability_features(q, candidates, x, w)
    model = answerability_model(statement=statement)
    if not answer_encoder_on:
        row = model.with_answer_encoder_off(row)
    return float(model.probability(row[None, :])[0]), *unanswered_flags(row, best_lacks_kind(q, candidates))


def unanswered_flags(row: np.ndarray, lacks_kind: bool = False) -> tuple[bool, bool, bool]:
    """(it asks a quantity no best candidate gives, or a kind of quantity the papers it is about never state
    or the best candidate does not (`lacks_kind`, `best_lacks_kind`); it asks an attribute they never state;
    it asks what the authors plan or leave open and they never say)
    from an answerability row: what a decline names as missing, and what raises its bar
    (`calibrated_threshold`). A question about several things is read part by part."""
    flag = {name: bool(row[ANSWERABILITY.index(name)]) for name in _FLAGS}
    several = flag["several_things"]
    no_number = flag["quantity_without_number"] or ((flag["kind_unstated"] or lacks_kind) and not several)
    return no_number, flag["attribute_unstated"] and not several, flag["plans_unstated"] and not several


def best_lacks_kind(q: Question, candidates: list[Candidate]) -> bool:
    """The question asks a kind of quantity ("how many seconds …", "what fraction …") that the best candidate,
    the sentence it would quote, does not state in that kind's units, even with its neighbours. Its paper may
    state seconds elsewhere (`kind_unstated` is then false), yet an answer that gives none is no answer: on
    the training papers' train split, such questions answered at a confidence between the two bars were 7
    unanswerable and 2 answerable (one answered right). A flag, not a fitted signal: it raises the bar."""
    return bool(candidates) and kind_unstated(q, [max(candidates, key=lambda c: c.score)])


_FLAGS = ("quantity_without_number", "attribute_unstated", "kind_unstated", "several_things", "plans_unstated")


def answerability_model(*, statement: bool = False) -> LinearModel:
    """The fitted answerability model of questions, or of statements checked against the papers (claims)."""
    return load("statement_weights.json" if statement else "answerability_weights.json", ANSWERABILITY)


def calibrated_threshold(q: Question, *, statement: bool = False, flagged: bool = False) -> float:
    """The decline threshold calibrated on the train split with the model that reads `q`: for questions, for
    questions about several things (their parts each score lower), and for statements checked against the
    papers (claims, as in SciFact); at least a bar of its own for a question `flagged` as asking a number or
    an attribute none of its best candidates gives."""
    model = answerability_model(statement=statement)
    threshold = model.threshold_several if about_several(q) else model.threshold
    return max(threshold, model.threshold_flagged) if flagged else threshold


def answerability_features(
    q: Question, candidates: list[Candidate], x: np.ndarray, w: ExtractiveScoring = DEFAULT_SCORING
) -> np.ndarray:
    col = {name: i for i, name in enumerate(F.FEATURES)}
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    top = order[: w.answerability_top]
    scores = [candidates[i].score for i in order]
    best_hit = min(candidates, key=lambda c: c.rank).hit
    row = np.zeros(len(ANSWERABILITY), dtype=np.float32)
    row[0] = scores[0]
    row[1] = scores[0] - scores[1] if len(scores) > 1 else 0.0
    row[2] = float(x[:, col["cosine"]].max())
    row[3] = float(x[top, col["focus_overlap"]].max())
    row[4] = float(x[top, col["names_covered"]].max()) if q.names else 1.0
    row[5] = best_hit.dense or 0.0
    row[6] = float(q.asks("quantity") and not x[top, col["new_number"]].any())
    titles = {squash(c.hit.title) for c in candidates}
    keys = _name_keys(q)
    row[7] = sum(any(k in t for t in titles) for k in keys) / len(keys) if keys else 0.0
    subject = about(q, candidates)  # the named papers' sentences, found once for the three signals below
    row[8] = float(unstated(q, subject))
    row[9] = float(kind_unstated(q, subject))
    row[10] = float(candidates[order[0]].paper_id not in {c.paper_id for c in subject})
    row[11] = float(about_several(q))
    own = {id(c) for c in subject}
    answer = [x[i, col["answer_cosine"]] for i, c in enumerate(candidates) if id(c) in own]
    row[12] = float(max(answer, default=0.0))
    row[13] = float(asked_type(q) is not None and not x[order[0], col["states_asked"]])
    row[14] = float(plans_unstated(q, subject, candidates))
    return row


def plans_unstated(q: Question, subject: list[Candidate], candidates: list[Candidate]) -> bool:
    """The question asks what the authors plan or leave open (`PLANS_ASKED`) and no sentence (with its
    neighbours) of the papers it is about speaks of future work or open problems (`PLANS_STATED`): a typed
    answer no candidate carries, as `kind_unstated` is for a kind of quantity. When it names no paper (`about`
    gives every candidate), the papers of its two best candidates: another paper's future work is no answer."""
    if not PLANS_ASKED.search(q.text):
        return False
    if subject is candidates:
        best = {c.paper_id for c in sorted(candidates, key=lambda c: -c.score)[:2]}
        subject = [c for c in candidates if c.paper_id in best]
    return not any(PLANS_STATED.search(_with_neighbours(c)) for c in subject)


def kind_unstated(q: Question, subject: list[Candidate]) -> bool:
    """The question asks a kind of quantity ("how long … take", "per second") that no sentence (with its
    neighbours) of `subject`, the candidates of the papers it is about (`about`), states in that kind's units."""
    kinds = [stated for asked, stated in QUANTITY_KINDS if asked.search(q.text)]
    texts = [without_citations(_with_neighbours(c)) for c in subject]
    return any(not any(kind.search(t) for t in texts) for kind in kinds)


def unstated(q: Question, subject: list[Candidate]) -> bool:
    """The question asks the value of an attribute stated in a form of its own (a number, a unit, a word of its
    class) and no sentence (with its neighbours) of `subject`, the candidates of the papers it is about
    (`about`), states it (another paper's batch size does not answer "what batch size did X use"). An attribute
    of no such form is often answered without its word ("Which external engines does brms hand sampling to?":
    "brms uses Stan on the back-end"), so its absence says nothing: flagged on the train split, such questions
    were answerable 49 times in 55."""
    test = asked_type(q) if has_form(q) else None  # has_form: an attribute is asked
    return test is not None and not any(test(_with_neighbours(c)) for c in subject)


def _with_neighbours(c: Candidate) -> str:
    return " ".join((c.before, c.text, c.after))


def about(q: Question, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates of the papers a question names (all of them when it names none, or several things)."""
    named = named_papers(q, candidates, most=1) if not about_several(q) else set()
    return [c for c in candidates if c.paper_id in named] if named else candidates


def _select(
    candidates: list[Candidate],
    q: Question,
    limit: int,
    w: ExtractiveScoring,
    by_part: dict[str, Candidate] | None = None,
    *,
    one_paper: bool = False,
    seconds: list[Candidate] | None = None,
) -> list[Candidate]:
    """The best sentence, then others nearly as good (skipping near-duplicates). A question across papers
    hears from several: first the best sentence of each paper it names (of a paper a part of it names, the one
    best for that part, `by_part`), then of each paper nearly as good, then each part's second best (`seconds`:
    one sentence per paper holds its part of the answer less often than two do); not a question about one paper
    after all (`one_paper`: its parts all ask of it; or a comparison asked of the one paper its title names).
    Scores within `tie_band` are a tie, not an order: tied sentences are quoted together, and the last place
    goes to the tied one adding most, so that a scanned copy's hair of score noise does not change the answer."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    chosen: list[Candidate] = [ranked[0]]
    named = named_papers(q, candidates)
    # "… for the X statistics and inside Y?", "… the count regression paper and the structural change paper"
    two_named = len(named) >= 2 and (len(q.names) >= 2 or len(described_papers(q.text)) >= 2)
    one_paper = one_paper or (compares_within(q) and titled_paper(q, candidates) is not None)
    if (q.broad or (named and (second_thing(q.text) or joined_names(q) or two_named))) and not one_paper:
        per_paper: dict[str, Candidate] = {}
        for c in ranked:
            per_paper.setdefault(c.paper_id, c)
        per_paper |= {pid: c for pid, c in (by_part or {}).items() if pid in per_paper}
        chosen = [per_paper[ranked[0].paper_id]]  # the best paper leads, with its sentence for its own part
        firsts = [_typed_in_paper(c, ranked, q, w) for pid, c in per_paper.items() if pid in named]
        floor = best - w.margin if len(named) >= 2 else min(best - w.margin_broad, w.broad_floor)
        firsts += [c for c in per_paper.values() if c.score >= floor]  # two named papers: the rest must be close
        for c in firsts:
            if len(chosen) >= limit:
                break
            if c not in chosen and not _duplicate(c, chosen, w):
                chosen.append(c)
        for c in seconds or []:  # then each part's second best, while room lasts
            if len(chosen) < limit and c not in chosen and not _duplicate(c, chosen, w):
                chosen.append(c)
        return _with_antecedents(_with_continuations(chosen, candidates, limit, q), candidates, limit, q)
    if F.carries(q, ranked[0].text) is False:  # the answer may be the sentence beside it ("… as follows. We use 16.")
        lead = ranked[0]
        beside = [
            c for c in ranked[1:]
            if c.hit.chunk_id == lead.hit.chunk_id and c.text in (lead.before, lead.after) and F.carries(q, c.text)
        ]  # fmt: skip
        if beside and beside[0].score >= best - w.neighbour_margin:
            chosen.append(beside[0])
    share = _shares(ranked)
    most = min(limit, w.max_quotes)
    rest = [c for c in ranked[1:] if c not in chosen]
    while rest and len(chosen) < most:
        head = rest[0]
        if head.score < best - w.margin:
            break
        tied = head.score >= chosen[-1].score - w.tie_band  # which of two tied sentences came first is noise
        if not tied and sum(share[id(o)] for o in chosen) >= w.quote_mass:  # sure the answer is already quoted
            break
        c = head
        if len(chosen) == most - 1:  # the last place: of the sentences tied for it, the one adding most
            floor = max(head.score - w.tie_band, best - w.margin)
            c = _adding_most(chosen, [o for o in rest if o.score >= floor], w)
        rest.remove(c)
        if not _duplicate(c, chosen, w):
            chosen.append(c)
    chosen = _with_typed(chosen, ranked, q, named or {ranked[0].paper_id}, most, w)
    return _with_antecedents(_with_continuations(chosen, candidates, limit, q), candidates, limit, q)


def _typed_in_paper(best: Candidate, ranked: list[Candidate], q: Question, w: ExtractiveScoring) -> Candidate:
    """A named paper's sentence for a question across papers: its best, or when that does not state the typed
    value asked for ("Which R versions were A and B computed with?"), its best that does, if nearly as good."""
    if F.carries(q, best.text) is not False:
        return best
    floor = best.score - w.typed_margin
    typed = (c for c in ranked if c.paper_id == best.paper_id and c.score >= floor and F.carries(q, c.text))
    return next(typed, best)


# A sentence that opens an enumeration ("There are two reasons: First, …") and the ones that go on with it
# ("Second, …", "Finally, …"): quoting the first alone leaves the answer half said.
_OPENS_LIST = re.compile(
    r"\b(?:two|three|four|several|following)\s+(?:[\w-]+\s+){0,2}?(?:reasons|ways|steps|advantages|benefits|"
    r"differences|problems|issues|aspects|points|components|parts|stages|goals|questions|limitations)\b.*:|"
    r"(?:^|[:;]\s*)First(?:ly)?,",
    re.IGNORECASE,
)
_GOES_ON = re.compile(r"^(?:Second(?:ly)?|Third(?:ly)?|Fourth|Finally|Lastly)\b")


def _with_continuations(
    chosen: list[Candidate], candidates: list[Candidate], limit: int, q: Question | None = None
) -> list[Candidate]:
    """A quoted sentence that opens an enumeration brings the sentences that go on with it, and one that only
    announces the answer ("Multi-LexSum is not without its limitations.", "… as follows:") the sentence after
    it, while room lasts."""
    out = list(chosen)
    for c in chosen:
        announces = _announces(c.text, q) or (c is chosen[0] and _continued(c, candidates, q))
        if not (_OPENS_LIST.search(c.text) or announces):
            continue
        current = c
        while len(out) < limit:
            following = _beside(current, candidates, after=True)
            goes_on = following is not None and (_GOES_ON.match(following.text) or (current is c and announces))
            if not goes_on or following in out:
                break
            out.append(following)
            current = following
    return out


# A sentence that opens by pointing back: what it says is about the sentence before it ("Motivated by this …",
# "To address these challenges, …", "This is no longer necessary.", "The answer is no, we do not.").
_REFERS_BACK = re.compile(
    r"^(?:[\w-]+,?\s+){0,4}?(?:this|these|those|such|the above|the answer|the last|the former|the latter)\b",
    re.IGNORECASE,
)


# A sentence whose subject is what the sentence before it said ("These dependencies are mandatory.", "It is
# symmetric around zero …", "The former captures …"): quoted alone, it does not say what it is about. Not the
# paper speaking of itself ("This paper …", "This vignette …").
_SUBJECT_BEFORE = re.compile(
    r"^(?:it|they|these|those|such|the former|the latter|this(?!\s+(?:paper|article|vignette|document|note|work|"
    r"package|section|chapter|report|tutorial|manual|study|thesis|book)\b))\b",
    re.IGNORECASE,
)


def _with_antecedents(chosen: list[Candidate], candidates: list[Candidate], limit: int, q: Question) -> list[Candidate]:
    """A quoted sentence that points back brings the sentence before it, quoted ahead of it, while room lasts: for
    a question asking why (or what problem, what need), any that does ("To address these challenges, we propose
    X": what "these challenges" are); for any other, the best one when its subject is what the sentence before
    said ("These dependencies are mandatory": which dependencies)."""
    why = q.asks("reason") or (q.asks("overview") and asks_critique(q))
    out = list(chosen)
    for c in chosen:
        points_back = _REFERS_BACK.match(c.text) if why else c is chosen[0] and _SUBJECT_BEFORE.match(c.text)
        if len(out) >= limit or not points_back:
            continue
        before = _beside(c, candidates, after=False)
        if before is not None and before not in out:
            out.insert(out.index(c), before)  # read in the paper's order: what is pointed to, then the pointer
    return out


def _beside(c: Candidate, candidates: list[Candidate], *, after: bool) -> Candidate | None:
    """The candidate that is the sentence right after (or before) `c` in its passage, if it is one."""
    for o in candidates:
        if o.hit.chunk_id == c.hit.chunk_id and (
            o.text == c.after and o.start >= c.end if after else o.text == c.before and o.end <= c.start
        ):
            return o
    return None


def _continued(c: Candidate, candidates: list[Candidate], q: Question | None) -> bool:
    """The best sentence, not plainly giving the answer itself, is continued by the next: the next's subject is
    what the best said ("… the horseshoe prior. It is symmetric around zero …"), or the best sets the scene and
    the next goes on from it."""
    following = _beside(c, candidates, after=True)
    if following is not None and _SUBJECT_BEFORE.match(following.text):
        return q is None or F.gives_answer(q, c.text) is not True
    return _sets_up(c, candidates, q)


def _sets_up(c: Candidate, candidates: list[Candidate], q: Question | None) -> bool:
    """The best sentence sets the question's scene without answering it ("Earlier versions of scoreItems
    required a keys matrix …" for "Does scoreItems still need one?") and the next goes on from it."""
    if q is None or F.gives_answer(q, c.text) is not False:
        return False
    following = _beside(c, candidates, after=True)
    return following is not None and bool(_REFERS_BACK.match(following.text))


_ANNOUNCE_CHARS = 80  # a sentence this short that says little beyond the question announces what follows


def _announces(text: str, q: Question | None) -> bool:
    """The sentence announces its answer rather than giving it: it ends in a colon, or it is short and says
    little beyond the question's own words."""
    if text.rstrip().endswith(":"):
        return True
    if q is None or len(text) > _ANNOUNCE_CHARS or F.gives_answer(q, text):  # "We used 8 GPUs." gives it
        return False
    own, asked = terms(text), terms(q.text)
    return bool(own & asked) and len(own - asked) <= 2


def _adding_most(chosen: list[Candidate], tied: list[Candidate], w: ExtractiveScoring) -> Candidate:
    """Of sentences whose scores tie (within `tie_band` of the next best) for the last place, the one that adds
    most: its score less `tie_redundancy` times its greatest cosine with a quoted sentence (a hair of score says
    nothing, a sentence repeating what is quoted adds little). The best when vectors lack."""
    if len(tied) < 2 or any(c.vector is None for c in [*chosen, *tied]):
        return tied[0]
    return max(tied, key=lambda c: c.score - w.tie_redundancy * max(float(c.vector @ o.vector) for o in chosen))


def _with_typed(
    chosen: list[Candidate], ranked: list[Candidate], q: Question, papers: set[str], most: int, w: ExtractiveScoring
) -> list[Candidate]:
    """An answer to a question for a typed value (an attribute, a kind of quantity, a class of thing) quotes a
    sentence that states one: when none of the chosen does, the best one of the paper asked about that does,
    if it scores within `typed_margin` of the best, takes the last place."""
    if any(F.carries(q, c.text) is not False for c in chosen):
        return chosen
    floor = ranked[0].score - w.typed_margin
    typed = next((c for c in ranked if c.score >= floor and c.paper_id in papers and F.carries(q, c.text)), None)
    if typed is None or _duplicate(typed, chosen, w):
        return chosen
    return [*chosen[: most - 1], typed] if len(chosen) >= most else [*chosen, typed]


def _shares(ranked: list[Candidate]) -> dict[int, float]:
    """Each candidate's probability of being the answer among them (the scorer is a fitted conditional logit)."""
    scores = np.array([c.score for c in ranked], dtype=np.float64)
    p = np.exp(scores - scores.max())
    p /= p.sum()
    return {id(c): float(v) for c, v in zip(ranked, p, strict=True)}


def named_papers(q: Question, candidates: Sequence[Candidate | Hit], *, most: int = 2) -> set[str]:
    """Papers a question names: those whose titles carry one of its names, else those whose candidate
    sentences (or passages) do, when no more than `most` papers use it (a term every paper uses names none;
    "GPU" beside "PaperMage" names PaperMage's paper). A plural acronym ("LLMs", "GPUs") names a class."""
    return _titled_papers(q, candidates, most=most) or _using(q, candidates, most=most)


def _titled_papers(q: Question, candidates: Sequence[Candidate | Hit], *, most: int = 2) -> set[str]:
    """Papers a question names by their titles: a name in the title, the title's own name ("zoo: …"), or
    a description of what the title says ("the count regression paper")."""
    titled: set[str] = set()
    for key in _name_keys(q):
        in_titles = {c.paper_id for c in candidates if key in squash(_title(c))}
        titled |= in_titles if len(in_titles) <= most else set()
    return titled | _described(q, candidates) | _by_title_name(q, candidates)


def _using(q: Question, candidates: Sequence[Candidate | Hit], *, most: int) -> set[str]:
    """Papers whose text uses a name of the question no title has, when no more than `most` do."""
    using: set[str] = set()
    for key in _name_keys(q):
        if not any(key in squash(_title(c)) for c in candidates):
            in_text = {c.paper_id for c in candidates if key in squash(c.text)}
            using |= in_text if len(in_text) <= most else set()
    return using


def _name_keys(q: Question) -> list[str]:
    return [squash(n) for n in q.names if len(squash(n)) >= 3 and not PLURAL_ACRONYM.match(n)]


def _by_title_name(q: Question, candidates: Sequence[Candidate | Hit]) -> set[str]:
    """Papers whose title gives them a name ("zoo: S4 Infrastructure for …", "strucchange: An R Package …")
    that the question uses as a word, however it is cased ("the zoo papers", "structural change in zoo")."""
    words = set(re.findall(r"[\w.+-]+", q.text.lower()))
    out: set[str] = set()
    for c in candidates:
        head = _title_head(c).lower()
        if head and len(head) <= 30 and len(head.split()) == 1 and head in words:
            out.add(c.paper_id)
    return out


def _described(q: Question, candidates: Sequence[Candidate | Hit]) -> set[str]:
    """Papers a question refers to by what they are about ("the count regression paper"): for each
    description, the one paper whose title has all its words."""
    titles = {c.paper_id: set(terms(_title(c))) for c in candidates}
    out: set[str] = set()
    for description in described_papers(q.text):
        words = set(terms(description))
        matching = [pid for pid, title in titles.items() if words and words <= title]
        if len(matching) == 1:
            out.add(matching[0])
    return out


_TITLE_HEAD = re.compile(r":|\s[-–—]\s")


def _title(c: Candidate | Hit) -> str:
    return c.hit.title if isinstance(c, Candidate) else c.title


def _title_head(c: Candidate | Hit) -> str:
    """The name a title gives its paper, before the colon or a spaced dash ("Multi-LexSum: Real-World …",
    "kernlab – An S4 Package …"); "" when it gives none (a name further on, "… the GRPO-based Method", is what
    the paper uses, not what it is)."""
    parts = _TITLE_HEAD.split(_title(c), maxsplit=1)
    return parts[0].strip() if len(parts) == 2 else ""


def _head_names(c: Candidate | Hit) -> frozenset[str]:
    """The words of the title's head, squashed as question names are ("Multi-LexSum" → "multilexsum")."""
    return _words_squashed(_title_head(c))


@cache
def _words_squashed(text: str) -> frozenset[str]:
    """Once per title: every candidate of a paper shares it."""
    return frozenset(squash(w) for w in re.findall(r"[\w.+-]+", text))


def _duplicate(c: Candidate, chosen: list[Candidate], w: ExtractiveScoring) -> bool:
    """Same sentence (overlapping passages repeat text), or one that says the same thing."""
    for other in chosen:
        if c.paper_id == other.paper_id and (c.text in other.text or other.text in c.text):
            return True
        if c.vector is not None and other.vector is not None and float(c.vector @ other.vector) > w.duplicate_cosine:
            return True
    return False


def _compose(question: str, chosen: list[Candidate], confidence: float) -> Answer:
    """Group sentences by paper (best first), in reading order inside a paper; sources by first use."""
    paper_order = list(dict.fromkeys(c.paper_id for c in chosen))
    ordered = sorted(chosen, key=lambda c: (paper_order.index(c.paper_id), c.hit.start + c.start))
    sources: dict[str, Source] = {}
    sentences: list[AnswerSentence] = []
    for c in ordered:
        source = sources.get(c.hit.chunk_id)
        if source is None:
            source = sources[c.hit.chunk_id] = Source(n=len(sources) + 1, hit=c.hit)
        source.quotes.append((c.start, c.end))
        sentences.append(AnswerSentence(c.text, [source.n], verbatim=True, page=c.hit.pages))
    return Answer(question, sentences, list(sources.values()), confidence=confidence)


def _declined(question: str, hits: list[Hit], confidence: float, why: str) -> Answer:
    return Answer(question, [], [], refused=True, confidence=confidence, closest=closest_passages(hits), decline=why)


_LEADERS = re.compile(r"(?:\.\s?){6,}")  # a table of contents' dot leaders ("3.1 Setup . . . . . . 12")
_SHORTEST_SHOWN = 40  # characters: shorter is a bare heading or a figure's label ("13 FAQ", "Log(λ)")


def closest_passages(hits: list[Hit], most: int = 3) -> list[Hit]:
    """The passages a decline shows as closest: the best retrieved ones a reader can use, passing over tables of
    contents and bare headings, which retrieval ranks high on a question's words alone (all of them when none
    is readable)."""
    readable = [h for h in hits if len(h.text.strip()) >= _SHORTEST_SHOWN and not _is_contents(h.text)]
    return (readable or hits)[:most]


def _is_contents(text: str) -> bool:
    """A fifth or more of it dot runs: a table of contents' leaders (or a printed sparse matrix's zeros)."""
    return sum(len(m) for m in _LEADERS.findall(text)) >= 0.2 * len(text)


# -- Chinese questions: the packaged embedder is English-only, so they are matched lexically -------------


def _lexical_answer(
    question: str, hits: list[Hit], bank: SentenceBank, limit: int, min_coverage: float, w: ExtractiveScoring
) -> Answer:
    """Sentences of the top passages by IDF-weighted overlap with the question's character bigrams."""
    candidates = gather(question, hits, bank, passages=w.passages, scoring=w)
    q_terms = set(tokenize(question))
    confidence = max((_overlap(q_terms, h.text) for h in hits), default=0.0)
    if not candidates or confidence < min_coverage:
        return _declined(question, hits, confidence, "low_confidence")
    sets = [terms(c.text) for c in candidates]
    weights = F.idf(q_terms, sets)
    for c, words in zip(candidates, sets, strict=True):
        c.score = F.weighted(weights, words) - w.rank_penalty_cjk * c.rank
    best = max(c.score for c in candidates)
    chosen: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= limit or (chosen and c.score < best - w.floor):
            break
        if not _duplicate_text(c, chosen, w):
            chosen.append(c)
    return _compose(question, chosen, confidence)


def _overlap(query_tokens: set[str], text: str) -> float:
    return len(query_tokens & set(tokenize(text))) / len(query_tokens) if query_tokens else 0.0


def _duplicate_text(c: Candidate, chosen: list[Candidate], w: ExtractiveScoring) -> bool:
    mine = set(tokenize(c.text))
    for other in chosen:
        theirs = set(tokenize(other.text))
        if c.text in other.text or other.text in c.text:
            return True
        if mine and theirs and len(mine & theirs) / min(len(mine), len(theirs)) > w.duplicate_overlap:
            return True
    return False
