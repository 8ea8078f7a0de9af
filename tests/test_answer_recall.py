"""bench/answer_recall.py: where an answer is lost (retrieval, pool, ranking), read through the answerer's path."""

from __future__ import annotations

from bench.answer_recall import Stages, by_type, stages_of


def test_an_answer_in_the_bundled_corpus_is_found_at_every_stage(bundled_library) -> None:
    paper = "towards-omnidirectional-reasoning-with-360-r1-a-1b7820"
    passage, sentence = stages_of(bundled_library, "What base model is 360-R1 built on?", [paper], "Qwen2.5-VL")
    assert passage is not None and passage < 8
    assert sentence is not None and sentence < 3
    # a span no sentence of that paper holds is in no stage; the right span in another paper's name is not counted
    assert stages_of(bundled_library, "What base model is 360-R1 built on?", [paper], "ResNet-152") == (None, None)
    assert stages_of(bundled_library, "What base model is 360-R1 built on?", ["tinyv"], "Qwen2.5-VL") == (None, None)


def test_the_report_counts_each_stage_within_k() -> None:
    stages = Stages(passage_rank=[0, 10, None, 20], sentence_rank=[0, 4, None, 9])
    report = stages.report()
    assert report["questions"] == 4
    assert (report["passages@8 %"], report["passages@16 %"], report["passages@24 %"]) == (25.0, 50.0, 75.0)
    assert report["pool %"] == 75.0
    assert [report[f"sentence@{k} %"] for k in (1, 3, 5, 10)] == [25.0, 25.0, 50.0, 75.0]


def test_the_breakdown_by_type_counts_each_types_questions_apart() -> None:
    single = [{"type": "name"}, {"type": "overview"}, {"type": "name"}, {}]
    stages = Stages(passage_rank=[0, 1, 2, 3], sentence_rank=[0, None, 2, 5])
    assert by_type(single, stages) == {"name": (50.0, 100.0, 2), "overview": (0.0, 0.0, 1), "untyped": (0.0, 0.0, 1)}
    assert next(iter(by_type(single, stages))) == "name"  # the most asked type first
