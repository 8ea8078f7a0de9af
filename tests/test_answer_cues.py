"""The cues of text that reads badly quoted (code, captions, pointers to figures) and their fitted correction:
a code line or a caption scores below the same candidate read as prose."""

from __future__ import annotations

import numpy as np

from rag.answers.candidates import Candidate
from rag.answers.extractive import fitted_scores
from rag.answers.features import CUES, FEATURES, cues
from rag.answers.scorer import load
from rag.index.records import Hit


def _candidate(text: str, section: str = "3 Results") -> Candidate:
    return Candidate(0, Hit("p:0", text, "p", "A paper", section=section), 0, len(text), None, None)


def test_cues_tell_code_captions_and_pointers_from_prose() -> None:
    texts = {
        "R> m <- svm(x, y, cost = 10)": (1, 0, 0),
        "> # fit the model (takes about 35 seconds)": (1, 0, 0),
        "adjCoef(mgf.claim = mgfexp(x), premium.rate = 2.4)": (1, 0, 0),
        "Figure 2: Conditional association plot for the admissions data.": (0, 1, 0),
        "Table 1. Accuracy of the classifiers over ten replications": (0, 1, 0),
        "Figures 14 and 15 show the runtimes.": (0, 0, 1),
        "As Table 3 shows, kriging in time adds hardly any benefit.": (0, 0, 1),
        "We find that x > 0 holds for all cases with k = 4 components.": (0, 0, 0),
        "The function svm() picks classification when y is a factor.": (0, 0, 0),
    }
    got = cues([_candidate(t) for t in texts])
    assert got.tolist() == [list(v) for v in texts.values()]
    in_caption = cues([_candidate("Conditional association plot for the data.", "Figure 2: Conditional")])
    assert in_caption[0, CUES.index("caption")] == 1


def test_the_fitted_correction_demotes_code_and_captions() -> None:
    assert (load("cue_weights.json", CUES).coef < 0).all()  # fitted on the cues the code computes now
    candidates = [_candidate("R> m <- svm(x, y, cost = 10)"), _candidate("Figure 2: Conditional association plot.")]
    candidates.append(_candidate("The engine picks regression when y is numeric."))
    x = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    plain, corrected = fitted_scores(candidates, x, corrected=False), fitted_scores(candidates, x)
    assert corrected[0] < plain[0] and corrected[1] < plain[1]
    assert corrected[2] == plain[2]


def test_a_sentence_is_read_with_the_subheading_above_it_but_not_with_its_section_title() -> None:
    """ "Implementation of [Lookup]" over "This function calls the search engine …": set apart from the
    sentence, the subheading still tells what it is about; the section's own title is read elsewhere."""
    from rag.answers.features import matrix
    from rag.answers.questions import analyse

    text = "This function calls the search engine with the parameters site and date."
    question = analyse("How does the Lookup function constrain its queries?")
    overlap = FEATURES.index("overlap")

    def read(before: str, section: str = "5.1 Experimental Setting") -> float:
        c = Candidate(0, Hit("p:0", text, "p", "A paper", section=section), 0, len(text), None, None, before=before)
        return float(matrix(question, None, [c])[0, overlap])

    assert read("Implementation of Lookup") > read("")
    assert read("Implementation of Lookup", section="Implementation of Lookup") == read("")
    assert read("We sample six papers at random from the results.") == read("")  # a sentence, not a heading
