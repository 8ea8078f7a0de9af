"""What a question asks for, which names no paper mentions, how quotes are trimmed, and the declines and
multi-paper answers these lead to on the bundled corpus (real index, real embedder)."""

from __future__ import annotations

import json

from rag import Library
from rag.answers.asked import QUANTITY_KINDS, attribute, states
from rag.answers.candidates import Candidate, trim
from rag.answers.declines import missing_names
from rag.answers.questions import Question, analyse, focus_text
from rag.answers.scoring import DEFAULT_SCORING
from rag.answers.types import REFUSAL
from rag.index.records import Hit


def test_question_types_and_named_things() -> None:
    assert analyse("How many lawsuits does the dataset cover?").types == ["quantity"]
    assert "method" in analyse("How were the outputs decoded?").types
    for score in ("What AUC does the binomial model achieve?", "What ROUGE-2 does PRIMERA reach on the dev split?"):
        assert analyse(score).asks("quantity"), score  # the verb asks for a score, whatever the metric's name
    assert not analyse("What benchmark does 360-R1 introduce?").asks("quantity")
    assert analyse("Why is Grobid inconvenient for Python users?").asks("reason")
    assert analyse("Which NLP library counts the words?").asks("name")
    assert analyse("Was IRB approval needed?").asks("yesno")
    assert analyse("Which papers use GRPO, and how does each change it?").broad
    assert not analyse("What base model is 360-R1 built on?").broad
    assert analyse("What base model is 360-R1 built on?").names == ["360-R1"]
    assert analyse("How does GPT-4 do on Multi-LexSum?").names == ["GPT-4", "Multi-LexSum"]
    assert analyse("What is the capital of Australia?").names == ["Australia"]  # a capitalised word inside
    assert analyse("Which football club won?").names == []  # the first word of a question is not a name


def test_questions_about_a_paper_as_a_whole_are_told_from_detail_questions() -> None:
    for text in (
        "What is the main contribution of PaperMage?",
        "What are the limitations of zoo?",
        "What does the forecast package paper present?",
        "Why was Multi-LexSum built?",
        "What problem does the lme4 paper address?",
    ):
        assert analyse(text).asks("overview"), text
    for text in (
        "What does tmerge do by default with a record that lacks its date?",
        "What is the batch size?",
        "What is a Recipe in PaperMage?",
        "How many lawsuits does the dataset cover?",
        "What does Table 2 show?",
        "What does the dropout layer do?",
        "What does the auto.arima function provide?",
        "What tasks does the model evaluate on?",
        "What is the key finding of the ablation?",
        "What are the main results of Table 4?",
        "What motivated the choice of a learning rate of 3e-5?",
        "Why were the test sets made smaller?",
        "What is the memory limitation of the GPU?",
        "In short, what batch size was used?",
    ):
        assert not analyse(text).asks("overview"), text


def test_what_a_thing_is_asks_about_the_paper_when_a_title_is_named_after_it() -> None:
    from rag.answers.extractive import overview_asked

    hits = [Hit("pm:0", "…", "pm", "PaperMage: A Unified Toolkit"), Hit("z:0", "…", "z", "zoo: S3 Infrastructure")]
    assert overview_asked(analyse("What is papermage?"), hits)
    assert overview_asked(analyse("What is zoo?"), hits)
    assert not overview_asked(analyse("What is BLEU?"), hits)  # no title is named after it
    assert not overview_asked(analyse("What is a Recipe in PaperMage?"), hits)  # a part of it


def test_a_question_about_a_paper_as_a_whole_reads_its_opening_and_weighs_what_it_presents() -> None:
    import numpy as np

    from rag.answers.features import FEATURES, matrix
    from rag.answers.typed_pool import opening_passages

    title = "PaperMage: A Unified Toolkit"
    paper = [Hit(f"pm:{i}", f"passage {i}", "pm", title, start=1000 * i) for i in range(5)]
    vectors = [np.eye(4, dtype=np.float32)[i % 4] for i in range(5)]
    retrieved = [paper[3]]
    opening = opening_passages(
        retrieved, {"pm"}, np.ones(4, np.float32), lambda _: list(zip(paper, vectors, strict=True)), per_paper=3
    )
    assert [h.chunk_id for h in opening] == ["pm:0", "pm:1", "pm:2"]  # in reading order, not the retrieved one
    assert opening_passages(retrieved, set(), np.ones(4, np.float32), lambda _: [], per_paper=3) == []

    lead = Candidate(0, Hit("pm:0", "We introduce papermage, an open-source toolkit.", "pm", title), 0, 48, None, None)
    body = Candidate(
        0, Hit("pm:9", "Layers store spans of tokens and boxes.", "pm", title, start=9000), 0, 39, None, None
    )
    col = {n: i for i, n in enumerate(FEATURES)}
    x = matrix(analyse("What does papermage offer?"), None, [lead, body])
    assert x[:, col["overview_x_lead"]].tolist() == [1.0, 0.0]
    assert x[:, col["overview_x_presents"]].tolist() == [1.0, 0.0]
    critique = matrix(analyse("What are the limitations of PaperMage?"), None, [lead, body])
    assert critique[:, col["overview_x_presents"]].tolist() == [0.0, 0.0]  # what it presents is not what it lacks
    detail = matrix(analyse("How many layers does PaperMage store?"), None, [lead, body])
    assert not detail[:, [col["overview_x_lead"], col["overview_x_presents"]]].any()


def test_the_focused_question_drops_what_it_is_about_and_keeps_what_it_asks() -> None:
    q = analyse("What hardware were the Multi-LexSum summarization baselines fine-tuned on?")
    titles = ["Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits at Multiple Granularities"]
    assert focus_text(q, titles) == "What hardware were the summarization baselines fine-tuned on"


def test_names_are_matched_whole_across_spacing_and_hyphens() -> None:
    vocab = {"bert", "score", "gpt-4o", "otsl", "multi-lexsum"}
    text = ["We report BERT Score (BS) and compare with GPT-4o."]
    got = missing_names(["BERTScore", "GPT-4", "Multi-LexSum", "OTSL-trained", "Llama"], vocab.__contains__, text)
    assert got == ["GPT-4", "Llama"]  # GPT-4 is not GPT-4o; "-trained" only describes OTSL


def test_quotes_never_start_with_a_glued_heading_or_a_bullet() -> None:
    text = "3.1 Experimental Setup We train every model for three epochs on two GPUs."
    start, end = trim(text, 0, len(text))
    assert text[start:end] == "We train every model for three epochs on two GPUs."
    bullet = "• Tiny summaries are one sentence long and meant for social media posts."
    assert bullet[slice(*trim(bullet, 0, len(bullet)))].startswith("Tiny summaries")
    plain = "We train every model for three epochs."
    assert trim(plain, 0, len(plain)) == (0, len(plain))
    footnote = "4For LED training, we use a learning rate of 3e-5 following the authors."
    assert footnote[slice(*trim(footnote, 0, len(footnote)))].startswith("For LED training")
    glued = "Tiny summaries are meant for social media. 3."  # the next section's number
    assert glued[slice(*trim(glued, 0, len(glued)))] == "Tiny summaries are meant for social media."
    version = "The results were computed with Python 3."
    assert trim(version, 0, len(version)) == (0, len(version))
    abbreviated = "The batch size was approx. 32."  # the value, not a heading number
    assert trim(abbreviated, 0, len(abbreviated)) == (0, len(abbreviated))


def test_entries_of_a_table_of_contents_are_not_quoted() -> None:
    from rag.answers.candidates import is_list_entry

    toc = ["An overview of the psych package 3.", "Installing R and some useful packages 4.", "Scoring 5."]
    assert is_list_entry(toc[1], toc[0], toc[2])
    assert not is_list_entry("The results were computed with Python 3.", "We used R.", "It took 2 days.")
    assert not is_list_entry("The batch size is 32.", "", "The number of layers is 12.")  # settings, not entries


def test_the_attribute_a_question_asks_for_and_the_sentences_that_state_it() -> None:
    assert attribute("What batch size was used when fine-tuning BART?") == "batch size"
    assert attribute("Under which open-source licence is the toolkit released?") == "licence"
    assert attribute("Which statistical significance test did the authors use?") == "statistical significance test"
    assert attribute("How much carbon was emitted by training the models?") == "carbon"
    assert attribute("What is TinyV?") is None and attribute("How does NOVER work?") is None
    assert attribute("What problem does General-Reasoner address?") is None  # answered by a description
    assert attribute("Which topics are covered in the diversity vignette?") is None  # … as are its topics
    assert attribute("What goes wrong when a covariate uses later follow-up?") is None  # a verb, not a noun
    # a measure asked the long way round ("What is the …"), or a statistic of anything, is a number
    assert attribute("What was the batch size?") == "batch size"
    assert attribute("How many monthly downloads from CRAN does the package get?") == "monthly downloads"
    assert attribute("What is the learning rate used for fine-tuning?") == "learning rate"
    assert attribute("What was the median follow-up of the patients?") == "median follow-up"
    assert attribute("What is the number of layers in the encoder?") == "number"
    assert attribute("What is the role of the verifier?") is None and attribute("What is the main idea?") is None
    # … or asked as what a thing reached, however long the measure's name; a description reached is no measure
    assert attribute("What mean absolute scaled error did the forecasts reach on the car series?") == (
        "mean absolute scaled error"
    )
    assert attribute("What leave-one-out cross-validated error rate does the robust QDA attain?") == (
        "leave-one-out cross-validated error rate"
    )
    assert attribute("What deep insight into tree shapes did the authors reach in the end?") is None
    asks_year = [asked for asked, _ in QUANTITY_KINDS if asked.search("When was the Bethe lattice introduced?")]
    assert asks_year and not any(a.search("How can a model decide when to think?") for a in asks_year)
    # Chinese word order, as the translation keeps it: the asked noun ends the question.
    assert attribute("train Multi-LexSum base model emit how many carbon?") == "carbon"
    assert attribute("GUI-G1-3B in Mind2Web benchmark on score how many?") is None
    assert attribute("Multi-LexSum include how many expert write summary?") is None
    assert states("batch size", "We train with batch sizes of 16 and 32.")
    assert not states("batch size", "We train with a learning rate of 3e-5.")
    assert states("licence", "The code is released under the MIT license.")  # spelling variants
    assert states("hardware", "Models are trained on two RTX A6000 GPUs.")  # a class is named by its members
    assert states("temperature", "Bricks are sintered at about 1100 degrees Celsius.")  # … a quantity by its unit
    assert states("examples", "Patterns abstracted from only 500 prior samples generalise.")  # a count of data
    assert not states("examples", "We train for 6 epochs on two GPUs.")


def candidate(paper: str, title: str, text: str) -> Candidate:
    """One sentence of a paper, as the answerer weighs it (no vectors: the checks below read text only)."""
    return Candidate(0, Hit(f"{paper}:0", text, paper, title), 0, len(text), None, None)


def scored(paper: str, title: str, text: str, score: float) -> Candidate:
    """One sentence of a paper with its fitted `score` (a chunk of its own), as the selection ranks it."""
    hit = Hit(f"{paper}:{score}", text, paper, title)
    return Candidate(0, hit, 0, len(text), None, None, score=score)


def test_another_papers_value_does_not_state_the_named_papers() -> None:
    """A licence another paper states does not answer "What licence is TinyV under?"."""
    from rag.answers.extractive import about, unstated

    other = candidate("ml", "Multi-LexSum: Real-world Summaries", "The data is licensed under the Apache License 2.0.")
    own = candidate("tv", "TinyV: Reducing False Negatives in Verification", "TinyV is a small verifier model.")
    q = analyse("Under which licence is the TinyV code released?")
    assert unstated(q, about(q, [other, own]))
    plain = analyse("Under which licence is the code released?")
    assert not unstated(plain, about(plain, [other, own]))  # names no paper


def test_an_attribute_of_no_form_of_its_own_is_never_unstated() -> None:
    """ "Which external engines …" is answered by a name ("uses Stan on the back-end") without the word "engine":
    its absence is no sign the paper does not say. A licence, a number of iterations, a duration each have a form
    a sentence states them in, and are unstated when no sentence of the named paper has it."""
    from rag.answers.extractive import about, unstated
    from rag.answers.typed_pool import has_form

    own = candidate("br", "brms: An R Package for Bayesian Multilevel Models", "brms fits models with Stan.")
    engines = analyse("Which external engines does brms hand the sampling to?")
    assert engines.attribute == "external engines" and not has_form(engines)
    assert not unstated(engines, about(engines, [own]))
    for formed in ("Under which licence is brms released?", "How many warmup iterations does brms run by default?",
                   "How many seconds does brms take to compile a model?"):  # fmt: skip
        q = analyse(formed)
        assert has_form(q) and unstated(q, about(q, [own])), formed


def test_the_papers_a_question_names_are_those_its_names_title() -> None:
    """A common term beside a paper's name ("GPU" beside "TinyV") or a plural acronym names no paper."""
    from rag.answers.extractive import named_papers

    pool = [
        candidate("ml", "Multi-LexSum: Real-world Summaries", "Models are trained on two GPU nodes."),
        candidate("tv", "TinyV: Reducing False Negatives in Verification", "TinyV is a small verifier."),
        candidate("ss", "StepSearch: Igniting LLMs Search Ability", "We train LLMs to search."),
    ]
    assert named_papers(analyse("How much GPU memory does TinyV need?"), pool, most=1) == {"tv"}
    assert named_papers(analyse("How much GPU memory is needed?"), pool, most=1) == {"ml"}  # its only user
    assert named_papers(analyse("How many LLMs were studied?"), pool, most=1) == set()


def test_a_question_about_one_titled_paper_quotes_only_that_paper() -> None:
    """Another paper's sentence about metrics does not answer "What metrics are used for Multi-LexSum?"."""
    from rag.answers.extractive import _of_titled_paper

    own = candidate("ml", "Multi-LexSum: Real-world Summaries", "Summaries are scored with ROUGE.")
    other = candidate("pm", "PaperMage: A Unified Toolkit", "Metrics are computed per category.")
    pool = [other, own]
    assert _of_titled_paper(analyse("What evaluation metrics are used for Multi-LexSum?"), pool) == [own]
    assert _of_titled_paper(analyse("What evaluation metrics are used?"), pool) == pool  # names no paper
    both = analyse("Which metrics do Multi-LexSum and PaperMage report?")
    assert _of_titled_paper(both, pool) == pool  # several papers
    assert _of_titled_paper(analyse("What metrics does TinyV use?"), pool) == pool  # a paper not retrieved
    bert = candidate("bt", "Pre-training of Deep Bidirectional Transformers", "BERT uses a batch size of 256.")
    roberta = candidate("rb", "RoBERTa: A Robustly Optimized Pretraining Approach", "We use batches of 8K.")
    assert _of_titled_paper(analyse("What batch size did BERT use?"), [roberta, bert]) == [roberta, bert]  # whole


def test_a_question_naming_something_no_paper_mentions_is_declined_saying_what(bundled_library: Library) -> None:
    answer = bundled_library.ask("How does NOVER perform on the GSM8K math benchmark?")
    assert answer.refused and answer.missing == ["GSM8K"] and not answer.sources
    assert answer.text == f"{REFUSAL} None of them mention GSM8K."
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["refused"] is True and data["missing"] == ["GSM8K"] and data["decline"] == "missing"
    assert data["closest"]  # the closest passages are still shown


def test_a_name_starting_with_a_digit_is_answered(bundled_library: Library) -> None:
    answer = bundled_library.ask("What base model is 360-R1 built on?")
    assert not answer.refused and answer.cited_papers[0].startswith("towards-omnidirectional-reasoning-with-360-r1")
    assert "Qwen2.5-VL-Instruct" in answer.text


def test_a_question_across_papers_cites_one_sentence_per_paper(bundled_library: Library) -> None:
    answer = bundled_library.ask("Which papers modify GRPO with new reward functions?")
    assert len(answer.cited_papers) >= 3
    per_paper = [s.citations[0] for s in answer.sentences]
    papers = [next(src.hit.paper_id for src in answer.sources if src.n == n) for n in per_paper]
    assert len(papers) == len(set(papers))  # one sentence from each paper, none repeated


def test_a_question_for_a_value_no_passage_states_is_declined_saying_what(bundled_library: Library) -> None:
    answer = bundled_library.ask("Under which licence is the TinyV verifier released?")
    assert answer.refused and answer.decline == "unstated" and answer.missing == ["licence"]
    assert answer.text == f"{REFUSAL} None of the passages that match it state the licence."
    assert answer.closest


def test_the_ask_tab_shows_what_is_missing() -> None:
    from rag.answers.types import Answer
    from ui.app_render import answer_markdown_parts

    declined = Answer("How does NOVER do on GSM8K?", [], [], refused=True, missing=["GSM8K"], decline="missing")
    shown = answer_markdown_parts(declined, 0)[0].replace("&#46;", ".").replace("&#39;", "'")
    assert shown.startswith("The indexed papers don't appear to answer this. None of them mention GSM8K.")


def test_names_mentioned_in_other_forms_are_not_missing() -> None:
    """A method named after two authors, a prefixed adjective and a code identifier, as readers write them."""
    from rag.text import tokenize

    vocab = set(tokenize("Driscoll and Kraay (1998) use non Gaussian data in a data frame table"))
    passages = ["The na.locf function carries the last observation forward."]
    names = ["Driscoll-Kraay", "non-Gaussian", "na.locf", "data.table", "Newey-West"]
    assert missing_names(names, vocab.__contains__, passages) == ["data.table", "Newey-West"]
    assert analyse("How does zoo compare with data.table?").names == ["data.table"]  # an identifier is a name
    assert analyse("Is e.g. a name?").names == []
    assert analyse("Does kernlab offer a Nyström approximation, as Über does?").names == ["Nyström", "Über"]


def test_what_is_asked_for_reads_past_adverbs_and_kinds() -> None:
    assert attribute("Which packages already build on the hooks?") is None  # "packages already build" is no attribute
    assert attribute("Which kinds of data are planned?") is None  # answered by a description
    assert attribute("How much better does BART get on long summaries?") is None  # a difference, not "better"
    # two attributes asked together: the first is what the paper must state
    assert attribute("What learning rate and batch size were used to train NOVER?") == "learning rate"
    assert states("website", "The data are from http://www.economagic.com/.")
    assert states("helper", "We define clog() for counts that can be zero.")
    assert not states("helper", "We take logarithms of the counts.")


def test_an_attribute_is_of_the_class_its_head_word_names() -> None:
    """ "Under which software licence is X released?" asks for a licence: a sentence about the R software does
    not state one (the class is read from the head word; "data sets" has none, so any word of it says)."""
    assert analyse("Under which software licence is the package released?").attribute == "software licence"
    assert not states("software licence", "This document describes the package for the R software.")
    assert states("software licence", "The package is released under the GPL (>= 2).")
    assert states("training hardware", "We trained on two RTX A6000 GPUs.")
    assert states("data sets", "Both corpora are available online.")
    # software is named by what it is, or by its version
    assert states("statistics software package", "Tests were analysed with SPSS version 24 (IBM, Chicago, USA).")
    assert states("parsing tool", "We parse the PDFs with GROBID v0.7.3 before chunking.")
    assert not states("statistics software package", "Tests were analysed at the 5% significance level.")
    # a measure asked the long way round, in four words
    median = analyse("What was the median overall survival time of the patients?")
    assert (median.attribute, median.numeric) == ("median survival time", True)


def test_a_measured_value_is_stated_only_with_a_number() -> None:
    """ "What TED score does X reach?" is not answered by "we compute the TED score": a score, a count, an
    R-squared is stated by its number (not a citation's year, an equation's or a table's)."""
    q = analyse("What exact TED score does the table model reach?")
    assert (q.attribute, q.numeric) == ("TED score", True)  # "TED" and "R-squared" are no participles
    assert analyse("What R-squared does the error correction model reach?").attribute == "R-squared"
    assert analyse("How many monthly downloads does the package get?").attribute == "monthly downloads"
    interval = analyse("What is the confidence interval of the estimated break date?")
    assert (interval.attribute, interval.numeric) == ("confidence interval", True)
    assert analyse("What is the purpose of the break date?").attribute is None  # a description, not a measure
    assert analyse("Over how many repeated splits were results summarised?").attribute is None  # "replications"
    assert not analyse("Under which licence is the toolkit released?").numeric
    assert not states("TED score", "In order to compute the TED score, we convert tables to HTML.", numeric=True)
    assert states("TED score", "OTSL reaches a TED score of 0.95 on FinTabNet.", numeric=True)
    assert not states("TED score", "We compute the TED score by (36), see Table 3 (Zhong et al., 2020).", numeric=True)
    assert states("numerical value", "We find g_c = 0.42 for d = 2.", numeric=True)  # a bare value: the number
    assert not states("support vectors", "Support vectors define the margin.", numeric=True)
    # A name is no measure ("loss function"), nor is a "how many" about something else; a measured count is
    # stated by a count of its class's members, a generic measure ("the size of …") by any number.
    assert not analyse("Which loss function was used?").numeric
    assert not analyse("Which dataset was used, and how many examples does it have?").numeric
    assert states("examples", "The benchmark has 500 annotated samples.", numeric=True)
    assert not states("GPU memory", "We train 3 models on one GPU.", numeric=True)
    size = analyse("What is the size of the vocabulary?")
    assert size.numeric and states(size.attribute or "", "It holds 32,000 tokens.", numeric=True)
    assert analyse("What random seed was used?").attribute == "random seed"  # a noun ending in -ed
    assert not states("", "We get 5.", numeric=True)
    assert not states("TED score", "We use the TED score of Zhong et al. 2020.", numeric=True)  # a year
    assert states("batch size", "We use a batch size of 2048.", numeric=True)  # a number, not a year
    for words in ("up to seventeen variations", "eleven variations", "ninety variations"):  # numbers in words
        assert states("variations", f"The design allows {words}.", numeric=True)
    fraction = [stated for asked, stated in QUANTITY_KINDS if asked.search("What fraction of the sample is cut off?")]
    assert fraction and all(p.search("The default is to take from = 0.15.") for p in fraction)  # a decimal
    share = [stated for asked, stated in QUANTITY_KINDS if asked.search("What percentage of runs fail?")]
    assert share and not any(p.search("The default is to take from = 0.15.") for p in share)  # … not a percentage
    for other in ("the third quartile", "the 2021/22 season", "papermage v0.3"):  # ordinals, years, versions
        assert not any(p.search(other) for p in fraction)


def test_versions_are_stated_by_version_numbers_of_the_thing_named() -> None:
    assert states("R versions", "The results were obtained using R 4.0.0 with MASS 7.3–51.5.")  # plural too
    assert states("release", "We describe version 1.1-7 of the package.")
    assert not states("Python versions", "Grobid v0.7.3 is used as the baseline.")  # another thing's version
    assert not states("versions", "Section 3.2 reports an accuracy of 0.95.")  # "3.2" may be anything


def test_each_paper_of_a_question_across_papers_quotes_its_sentence_with_the_asked_value() -> None:
    """ "Which R versions were A and B computed with?": B's best sentence by score talks about results; its
    sentence naming the version, nearly as good, answers."""
    from rag.answers.extractive import _typed_in_paper
    from rag.answers.scoring import DEFAULT_SCORING as W

    q = analyse("Which R versions were the count regression and the sandwich results computed with?")
    best = candidate("cr", "Count", "Here we use the full model to reproduce the results of the book.")
    typed = candidate("cr", "Count", "The results in this paper were obtained using R 4.0.0.")
    best.score, typed.score = 4.5, 4.4
    assert _typed_in_paper(best, [best, typed], q, W) is typed
    typed.score = best.score - W.typed_margin - 0.1
    assert _typed_in_paper(best, [best, typed], q, W) is best  # too far below: the best stays


def test_papers_referred_to_by_what_they_are_about_are_named() -> None:
    """A description ("the count regression paper and the structural change paper") picks the one paper
    whose title has all its words; a description that fits no title, or two, names none."""
    from rag.answers.extractive import named_papers
    from rag.answers.questions import described_papers

    question = "What data do the count regression paper and the structural change paper analyse?"
    assert described_papers(question) == ["count regression", "structural change"]
    assert described_papers("What do the authors of the paper say?") == []
    results = "Which R versions were the count regression and the structural change results computed with?"
    assert described_papers(results) == ["count regression", "structural change"]  # "the A and the B results"
    assert described_papers("What do the main results show?") == []  # "results" alone names no paper
    packages = "Which C++ libraries do the density-based clustering package and the support vector machine package use?"
    assert described_papers(packages) == ["density-based clustering", "support vector machine"]
    assert described_papers("Does the FlexMix paper compare with the mixtools package?") == ["FlexMix"]  # a tool
    pool = [
        candidate("cr", "Regression Models for Count Data in R", "Counts are modelled."),
        candidate("sc", "strucchange: Testing for Structural Change in Linear Regression Models", "Tests."),
        candidate("zo", "zoo: Infrastructure for Regular and Irregular Time Series", "Series."),
    ]
    assert named_papers(analyse(question), pool) == {"cr", "sc"}
    assert named_papers(analyse("What does the regression paper test?"), pool) == set()  # fits two titles


def test_a_paper_named_in_its_title_is_named_in_lower_case_too() -> None:
    from rag.answers.extractive import named_papers

    pool = [
        candidate("zo", "zoo: Infrastructure for Regular and Irregular Time Series", "Series."),
        candidate("cr", "Regression Models for Count Data in R", "Counts."),
    ]
    assert named_papers(analyse("Which package motivated zoo, and what does it test?"), pool) == {"zo"}
    assert named_papers(analyse("Which animals live in a zoo enclosure?"), pool) == {"zo"}  # a word is a word
    assert named_papers(analyse("Which count models are fitted?"), pool) == set()  # no title name used
    dashed = [candidate("kl", "kernlab - An S4 Package for Kernel Methods in R", "Kernels."), *pool]
    assert named_papers(analyse("Which kernels does kernlab offer?"), dashed) == {"kl"}  # a spaced dash sets it off


def test_lower_case_names_are_told_from_english_words() -> None:
    """No capital or digit marks "brms" as a name; English not using it does. Words readers use stay words."""
    from rag.answers.lexicon import lower_words, zipf
    from rag.answers.scoring import DEFAULT_SCORING as W

    question = "Can lme4 models be refitted in a Bayesian way with brms or the fixest package?"
    assert lower_words(question) == ["models", "refitted", "way", "with", "brms", "the", "fixest", "package"]
    assert [w for w in lower_words(question) if zipf(w) < W.rare_word_zipf] == ["brms", "fixest"]
    english = lower_words("How were hyphenated words maximised or colour-coded in the zoo vignette?")
    assert all(zipf(w) >= W.rare_word_zipf for w in english) and "coded" not in english
    assert lower_words("Does it use na.locf, vcovCL() or zeroinfl()?") == ["use"]  # other rules read those


def test_a_lower_case_name_is_missing_unless_indexed_in_some_spelling() -> None:
    from rag.answers.declines import missing_words
    from rag.text import tokenize

    vocab = set(tokenize("robust to heteroscedasticity; the statsmodel and brm packages fixes"))
    passages = ["Objects convert to tsibble objects.", "The fine-tuned models"]
    words = ["brms", "heteroskedasticity", "tsibble", "statsmodels", "fixest", "finetuned", "hyphenated"]
    assert missing_words(words, vocab.__contains__, passages, 1.5) == ["brms", "fixest"]
    # a common word with a prefix or suffix is the reader's word, rare as it is: the paper may say it otherwise
    derived = ["reproject", "subsample", "preprocess", "tokenizer", "glmmtmb", "mixtools"]
    assert missing_words(derived, vocab.__contains__, passages, 1.5) == ["glmmtmb", "mixtools"]


def test_a_name_with_a_greek_letter_spelled_out_is_mentioned_by_the_letter() -> None:
    from rag.text import tokenize

    vocab = set(tokenize("The ν-SVM and ε-SVR formulations of kernlab"))
    names = ["nu-SVM", "epsilon-SVR", "XGBoost", "Pi"]
    assert missing_names(names, vocab.__contains__, []) == ["XGBoost", "Pi"]


def test_a_question_naming_a_package_no_paper_mentions_is_declined_saying_which(bundled_library: Library) -> None:
    answer = bundled_library.ask("Can NOVER be trained with the verl library?")
    assert answer.refused and answer.decline == "missing" and answer.missing == ["verl"]
    assert answer.text == f"{REFUSAL} None of them mention verl."


def sentences_of(text: str, paper: str, title: str) -> list[Candidate]:
    """Every sentence of one passage as a candidate, with its neighbours (no vectors)."""
    from ingest.sentences import sentence_spans

    hit = Hit(f"{paper}:1", text, paper, title)
    spans = sentence_spans(text)
    return [
        Candidate(0, hit, s, e, None, None, text[slice(*spans[i - 1])] if i else "",
                  text[slice(*spans[i + 1])] if i + 1 < len(spans) else "")
        for i, (s, e) in enumerate(spans)
    ]  # fmt: skip


def test_a_quoted_sentence_opening_an_enumeration_brings_the_rest_of_it() -> None:
    from rag.answers.extractive import _with_continuations

    text = (
        "There are two reasons: First, the frequency must be stored. Second, regularity is lost when "
        "observations are omitted. Finally, it is faster. Other packages differ."
    )
    cands = sentences_of(text, "z", "zoo")
    got = _with_continuations([cands[0]], cands, limit=4)
    assert [c.text.split()[0] for c in got] == ["There", "Second,", "Finally,"]
    assert _with_continuations([cands[0]], cands, limit=2) == cands[:2]  # room runs out
    assert _with_continuations([cands[3]], cands, limit=4) == [cands[3]]  # opens nothing


def test_a_quoted_sentence_announcing_the_answer_brings_the_next() -> None:
    from rag.answers.extractive import _with_continuations

    text = (
        "Multi-LexSum is not without its limitations. The cases skew towards plaintiff wins. "
        "Summaries were written by experts over many years."
    )
    cands = sentences_of(text, "m", "Multi-LexSum")
    q = analyse("What are the limitations of Multi-LexSum?")
    assert _with_continuations([cands[0]], cands, limit=3, q=q) == cands[:2]  # one sentence on, not the rest
    assert _with_continuations([cands[1]], cands, limit=3, q=q) == [cands[1]]  # it says something itself
    first, second = sentences_of("We used 8 GPUs on a cluster. Training took a week.", "g", "Some paper")
    # short, and its only new words are the answer: it gives the answer, it does not announce one
    assert _with_continuations([first], [first, second], limit=3, q=analyse("How many GPUs were used?")) == [first]


def test_a_named_papers_sentence_announcing_its_answer_brings_the_next_in_an_answer_across_papers() -> None:
    from rag.answers.extractive import _select

    lexsum = sentences_of(
        "However, there are some possible negatives:\n\nA summarizer may state facts the case never had. "
        "Cases come from a clearinghouse of civil rights litigation.",
        "m",
        "Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits",
    )
    papermage = sentences_of("PaperMage may mislead readers with wrong parses. It is a toolkit.", "p", "PaperMage")
    for c, score in zip([*lexsum, *papermage], [2.0, 0.5, 0.0, 1.8, 0.1], strict=True):
        c.score = score
    q = analyse("What risks do the Multi-LexSum paper and the PaperMage paper raise?")
    got = _select([*lexsum, *papermage], q, 4, DEFAULT_SCORING)
    assert got == [lexsum[0], papermage[0], lexsum[1]]  # each paper's best, and what the colon announces


def test_a_best_sentence_setting_the_scene_brings_the_next_that_answers_from_it() -> None:
    from rag.answers.extractive import _with_continuations

    cands = sentences_of(
        "Earlier versions of scoreItems required a keys matrix created by make.keys. This is no longer necessary. "
        "Keys may be given as a list.",
        "p",
        "Scoring scales with psych",
    )
    yesno = analyse("Does scoreItems still need a keys matrix built with make.keys?")
    assert _with_continuations([cands[0]], cands, limit=3, q=yesno) == cands[:2]
    # a best sentence that itself says no, or a question it answers without a yes or a no, brings nothing
    said = sentences_of("Keys are not needed by scoreItems any more. This makes scoring simpler.", "p", "psych")
    assert _with_continuations([said[0]], said, limit=3, q=yesno) == [said[0]]
    # any question: the next sentence's subject is what the best one said ("This is …"), so it goes on from it
    how = analyse("How are the keys of scoreItems given?")
    assert _with_continuations([cands[0]], cands, limit=3, q=how) == cands[:2]
    assert _with_continuations([cands[1]], cands, limit=3, q=how) == [cands[1]]  # "Keys may be …": a new subject


def test_a_best_sentence_the_next_one_speaks_of_brings_it() -> None:
    from rag.answers.extractive import _with_continuations

    cands = sentences_of(
        "A special shrinkage prior for population-level effects is the horseshoe prior. It is symmetric around zero "
        "with fat tails. Priors are set with set_prior.",
        "b",
        "brms: Bayesian multilevel models",
    )
    what = analyse("What does the horseshoe prior of brms look like?")
    assert _with_continuations([cands[0]], cands, limit=3, q=what) == cands[:2]  # "It is …": what "it" is
    assert _with_continuations([cands[1]], cands, limit=3, q=what) == [cands[1]]  # "Priors are …" starts anew
    itself = sentences_of("This vignette covers brms 2.0. This paper is about priors.", "b", "brms")
    assert _with_continuations([itself[0]], itself, limit=3, q=what) == [itself[0]]  # the paper of itself
    polar = sentences_of("Yes, brms supports the horseshoe prior. It is symmetric around zero.", "b", "brms")
    yesno = analyse("Does brms support the horseshoe prior?")
    assert _with_continuations([polar[0]], polar, limit=3, q=yesno) == [polar[0]]  # the best says yes itself


def test_a_best_sentence_speaking_of_the_one_before_brings_it_ahead_of_it() -> None:
    from rag.answers.extractive import _with_antecedents

    cands = sentences_of(
        "First of all, adephylo depends on other packages, being methods, ape, phylobase, and ade4. "
        "These dependencies are mandatory, that is, you need them installed. Other packages are suggested.",
        "a",
        "adephylo: exploratory analyses for the phylogenetic comparative method",
    )
    which = analyse("Which packages are mandatory dependencies of adephylo?")
    assert _with_antecedents([cands[1]], cands, limit=3, q=which) == cands[:2]  # which dependencies, then them
    assert _with_antecedents([cands[1]], cands, limit=1, q=which) == [cands[1]]  # no room
    assert _with_antecedents([cands[2], cands[1]], cands, limit=3, q=which) == [cands[2], cands[1]]  # not the best


def test_an_answer_across_papers_brings_the_sentence_its_best_one_speaks_of() -> None:
    from rag.answers.extractive import _select

    fes = sentences_of(
        "Before stimulation, the subjects performed 10 natural hand openings. This template of hand openings was "
        "used as a reference for the outcome of FES.",
        "f",
        "Multi-contact functional electrical stimulation for hand opening",
    )
    other = sentences_of("Electrode arrays allow selective recruitment of muscles.", "o", "Electrode arrays")
    for c, score in zip([*fes, *other], [0.2, 2.0, 1.5], strict=True):
        c.score = score
    # "each participant" reads as a question across papers: one sentence per paper, and the best one's "This
    # template" needs the sentence before it, as on the path for one paper
    q = analyse("How was a reference for judging hand opening obtained from each participant in the FES study?")
    assert q.broad
    assert _select([*fes, *other], q, 4, DEFAULT_SCORING)[:2] == fes


def test_a_reason_quoted_by_pointing_back_brings_what_it_points_to() -> None:
    from rag.answers.extractive import _with_antecedents

    cands = sentences_of(
        "Summaries take lawyers hours per case. Motivated by this effort, we introduce Multi-LexSum. It is large.",
        "m",
        "Multi-LexSum: Real-World Summaries",
    )
    why = analyse("Why was Multi-LexSum built?")
    assert _with_antecedents([cands[1]], cands, limit=3, q=why) == [cands[0], cands[1]]  # in the paper's order
    assert _with_antecedents([cands[1]], cands, limit=1, q=why) == [cands[1]]  # no room
    what = analyse("How many summaries does Multi-LexSum hold?")
    assert _with_antecedents([cands[1]], cands, limit=3, q=what) == [cands[1]]  # not a why question


def test_a_question_about_several_things_is_asked_once_per_thing() -> None:
    from rag.answers.questions import parts

    asked = {
        "Which dataset did the OTSL paper tune on, and which dataset did PaperMage use?": [
            "Which dataset did the OTSL paper tune on?",
            "Which dataset did PaperMage use?",
        ],
        "Which reward terms are designed in the deepfake detector and in the panorama method?": [
            "Which reward terms are designed in the deepfake detector?",
            "Which reward terms are designed in the panorama method?",
        ],
        "How do the SVM article and the forecasting article validate models?": [
            "How do the SVM article and the article validate models?",
            "How do the article and the forecasting article validate models?",
        ],
        # a preposition said again before the second thing, with no article ("of A and of B")
        "Which packages are listed as dependencies of adephylo and of affy in their vignettes?": [
            "Which packages are listed as dependencies of adephylo?",
            "Which packages are listed as dependencies of affy in their vignettes?",
        ],
        "Which optimizer is used in TinyV and in HCRMP?": [
            "Which optimizer is used in TinyV?",
            "Which optimizer is used in HCRMP?",
        ],
        # a description is removed as a word, not as letters of other words
        "What do the A paper and the B paper compare?": [
            "What do the A paper and the paper compare?",
            "What do the paper and the B paper compare?",
        ],
        # one thing, or a clause asking on about the same papers, is asked whole
        "Does LED beat PRIMERA on Multi-LexSum?": [],
        "Which papers use a verifier, and how does each train it?": [],
        "How is the harmonic mean of precision and recall computed?": [],
    }
    for question, expected in asked.items():
        assert parts(analyse(question)) == expected, question


def test_each_part_of_a_question_about_two_papers_has_its_passages_read(bundled_library: Library) -> None:
    from rag.answers.pipeline import retrieve_parts
    from rag.answers.questions import parts

    question = "Which verifier does the TinyV paper train, and which driving planner does the HCRMP paper propose?"
    lib = bundled_library

    def retrieve(query, k, filters):
        return lib.retrieve(query, k=k, filters=filters, mode=None)

    hits, _ = retrieve_parts(retrieve, question, 8, None)
    assert len(hits) == 8 and len({h.chunk_id for h in hits}) == 8
    for part in parts(analyse(question)):
        best = retrieve(part, 1, None)[0][0]
        assert best.chunk_id in {h.chunk_id for h in hits}
    assert {h.paper_id.split("-")[0] for h in hits[:3]} >= {"tinyv", "hcrmp"}


def optimisers_asked_part_by_part() -> tuple[Question, list[Candidate]]:
    """A question asking two papers a thing each, and their scored sentences: the folding paper's background
    sentence (scored best against the whole question), its answer and the sentence after; the experts paper's
    answer and its next best."""
    question = analyse("Which optimiser does the protein folding paper use, and which does the sparse experts paper?")
    folding = "Protein Folding with Geometric Transformers"
    experts = "Sparse Experts for Language Models"
    return question, [
        scored("fold", folding, "Protein folding models and sparse experts are both hard to train.", 3.0),
        scored("fold", folding, "We train the folding model with the Adam optimiser at a learning rate of 1e-4.", 2.0),
        scored("fold", folding, "Its learning rate decays with a cosine schedule over ten epochs.", 1.5),
        scored("moe", experts, "The sparse experts model is optimised with Adafactor.", 2.5),
        scored("moe", experts, "Adafactor keeps factored second moments, saving memory for the experts.", 2.2),
    ]


def test_a_question_asked_part_by_part_quotes_each_paper_by_its_own_part() -> None:
    """Each paper a question about several papers names is quoted with its sentence best for the part that
    names it (`by_part`), not with the one the whole question's words favour."""
    from rag.answers.extractive import _select
    from rag.answers.scoring import DEFAULT_SCORING

    question, pool = optimisers_asked_part_by_part()
    whole = {c.text for c in _select(pool, question, 4, DEFAULT_SCORING)}
    assert pool[0].text in whole  # scored against the whole question, the background sentence leads
    parted = {c.text for c in _select(pool, question, 4, DEFAULT_SCORING, {"fold": pool[1]})}
    assert pool[1].text in parted and pool[3].text in parted and pool[0].text not in parted


def test_a_question_asked_part_by_part_quotes_each_parts_second_best_after_every_papers_first() -> None:
    from rag.answers.extractive import _select
    from rag.answers.scoring import DEFAULT_SCORING

    question, pool = optimisers_asked_part_by_part()
    firsts = {"fold": pool[1], "moe": pool[3]}
    got = _select(pool, question, 4, DEFAULT_SCORING, firsts, seconds=[pool[2], pool[4]])
    assert got == [pool[1], pool[3], pool[2], pool[4]]  # each paper's first (the best paper's leads), then seconds
    assert pool[0] not in got  # the background sentence neither part chose stays out
    assert _select(pool, question, 3, DEFAULT_SCORING, firsts, seconds=[pool[2], pool[4]])[2:] == [pool[2]]  # room


def test_a_question_whose_parts_all_ask_of_one_titled_paper_is_answered_as_one_papers() -> None:
    """ "How many knots does the TinyV paper use for A and for B?" is parted ("… for A?", "… for B?"), but
    both parts are about TinyV: its answer quotes TinyV's best sentences, not one sentence per paper."""
    from rag.answers.extractive import _select, _titled_papers
    from rag.answers.questions import parts
    from rag.answers.scoring import DEFAULT_SCORING

    question = analyse("How many knots does TinyV use for the first curve and for the second curve?")
    tinyv = "TinyV: Reducing False Negatives in Verification"
    pool = [
        scored("tv", tinyv, "The first curve is fitted with 4 knots.", 3.0),
        scored("tv", tinyv, "The second curve is fitted with 6 knots.", 2.9),
        scored("ml", "Multi-LexSum: Real-world Summaries", "Curves are smoothed with splines.", 1.0),
    ]
    assert len(parts(question)) == 2 and _titled_papers(question, pool) == {"tv"}
    per_paper = [c.text for c in _select(pool, question, 4, DEFAULT_SCORING, {"tv": pool[0]})]
    assert pool[1].text not in per_paper  # read as a question across papers: one sentence of TinyV
    one = [c.text for c in _select(pool, question, 4, DEFAULT_SCORING, {"tv": pool[0]}, one_paper=True)]
    assert one[:2] == [pool[0].text, pool[1].text] and pool[2].text not in one


def test_a_comparison_asked_of_one_titled_paper_is_answered_from_that_paper() -> None:
    """ "How does TinyV's speed compare with Grobid's?" is broad by its word "compare" alone: TinyV's own
    comparison answers it, in TinyV's best sentences; "Which papers compare …" asks across papers."""
    from rag.answers.extractive import _of_titled_paper, _select
    from rag.answers.questions import compares_within

    tinyv = "TinyV: Reducing False Negatives in Verification"
    pool = [
        scored("tv", tinyv, "TinyV verifies an answer in 20 ms.", 3.0),
        scored("tv", tinyv, "Grobid needs 2 s for the same answer.", 2.9),
        scored("ml", "Multi-LexSum: Real-world Summaries", "Grobid is slow on long documents.", 2.95),
    ]
    question = analyse("How does TinyV's speed compare with Grobid's?")
    assert question.broad and compares_within(question)
    own = _of_titled_paper(question, pool)
    assert {c.paper_id for c in own} == {"tv"}
    assert [c.text for c in _select(own, question, 4, DEFAULT_SCORING)][:2] == [pool[0].text, pool[1].text]
    assert not compares_within(analyse("Which papers compare their speed with Grobid's?"))
    assert not compares_within(analyse("How do TinyV and Multi-LexSum compare in speed?"))  # two things


def test_a_question_about_a_paper_as_a_whole_is_typed_from_its_words_where_cues_miss_it() -> None:
    """The fitted words model (`overview_words`) types "What is the purpose of …?" and "… meant to provide?",
    which no cue of `questions._CUES` names, and leaves questions for a detail alone."""
    from rag.answers.questions import cued_types

    for question in ("What is the purpose of the OTSL toolkit?", "What is the Multi-LexSum dataset meant to provide?"):
        assert "overview" not in cued_types(question) and "overview" in analyse(question).types, question
    for question in (
        "What batch size was used?",
        "Which optimizer is used in TinyV?",
        "Why does the verifier fail on long answers?",
        "What does Table 2 show?",
    ):
        assert "overview" not in analyse(question).types, question


def test_a_best_sentence_without_the_asked_kind_of_quantity_raises_the_bar() -> None:
    """A "how many seconds" question is not answered by a count of tips, though the paper states seconds elsewhere:
    the best sentence must state a duration itself (or with its neighbours) for the usual bar to hold."""
    import numpy as np

    from rag.answers.extractive import ANSWERABILITY, best_lacks_kind, kind_unstated, unanswered_flags

    q = analyse("How many seconds does treesim take to simulate a tree with one million tips?")
    count = scored("ts", "treesim: fast tree simulation", "With ten tips there are 34 million possible trees.", 2.0)
    timing = scored("ts", "treesim: fast tree simulation", "Simulating 1,000 tips takes 0.8 seconds.", 1.0)
    assert not kind_unstated(q, [count, timing])  # the paper states seconds, just not in its best sentence
    assert best_lacks_kind(q, [count, timing])
    assert not best_lacks_kind(q, [timing, scored("ts", "treesim", "It runs fast.", 0.5)])
    assert not best_lacks_kind(analyse("Which language is treesim written in?"), [count])
    row = np.zeros(len(ANSWERABILITY), dtype=np.float32)
    assert unanswered_flags(row, lacks_kind=True) == (True, False, False)
    assert unanswered_flags(row) == (False, False, False)
    row[ANSWERABILITY.index("several_things")] = 1.0  # a question about several things is read part by part
    assert unanswered_flags(row, lacks_kind=True) == (False, False, False)


def test_a_question_for_the_authors_plans_is_flagged_when_their_paper_speaks_of_none() -> None:
    """ "What do the treesim authors plan to add?" is answered only by a sentence of future work or an open
    problem of the paper it asks about: another paper's plans, or "future observations", are no answer."""
    import numpy as np

    from rag.answers.extractive import ANSWERABILITY, about, plans_unstated, unanswered_flags

    treesim, other = "treesim: fast tree simulation", "Multi-LexSum: Real-world Summaries"
    own = scored("ts", treesim, "Simulating 1,000 tips takes 0.8 seconds.", 2.0)
    forecast = scored("ts", treesim, "The model predicts future observations of tree size.", 1.5)
    elsewhere = scored("ml", other, "In future work we plan to add more languages.", 1.0)
    q = analyse("What do the treesim authors plan to add in later versions?")
    pool = [own, forecast, elsewhere]
    assert plans_unstated(q, about(q, pool), pool)
    planned = scored("ts", treesim, "In the future, we intend to support unrooted trees.", 1.0)
    assert not plans_unstated(q, about(q, [*pool, planned]), [*pool, planned])
    left = scored("ts", treesim, "Whether the bound is tight remains an open problem.", 1.0)
    open_q = analyse("What open problems does the treesim paper leave?")
    assert not plans_unstated(open_q, about(open_q, [own, left]), [own, left])
    for question in ("How many future paths were simulated?", "Can treesim help plan how many tips a study needs?"):
        asked = analyse(question)
        assert not plans_unstated(asked, about(asked, pool), pool), question  # they ask no plans
    row = np.zeros(len(ANSWERABILITY), dtype=np.float32)
    row[ANSWERABILITY.index("plans_unstated")] = 1.0
    assert unanswered_flags(row) == (False, False, True)


def test_a_decline_shows_readable_passages_as_closest_not_contents_or_bare_headings() -> None:
    """Retrieval ranks a table of contents or a lone heading high on a question's words; shown as the closest
    passages under a decline they tell the reader nothing, so readable passages come first."""
    from rag.answers.extractive import closest_passages

    earth = "Notes on the earth package"
    contents = Hit(
        "e:1", "12.3 Three criteria . . . . . . . . . . . 54 12.4 Example . . . . . . . . . . 54", "e", earth
    )
    heading = Hit("e:2", "13 FAQ", "e", earth)
    body = [
        Hit(f"e:{i}", f"The earth package fits MARS models; passage {i} explains how.", "e", earth) for i in range(3, 7)
    ]
    assert closest_passages([contents, heading, *body]) == body[:3]
    assert closest_passages([contents, body[0]]) == [body[0]]
    assert closest_passages([contents, heading]) == [contents, heading]  # nothing readable: what there is
