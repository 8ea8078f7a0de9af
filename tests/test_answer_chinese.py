"""Chinese questions over English papers: searched and answered in English (rag.search.translate), with
the same quoted, cited English sentence and the same declines as the English question."""

from __future__ import annotations

import json

ENGLISH_ONLY = [
    {
        "id": "sparse-moe",
        "title": "Sparse Mixture of Experts for Efficient Language Models",
        "abstract": (
            "We train a sparse mixture of experts language model with 64 experts per layer. "
            "The model is pretrained on the C4 dataset for 300 billion tokens. "
            "Routing each token to two experts reduces inference cost by 40 percent compared with a dense model."
        ),
    },
    {
        "id": "protein-fold",
        "title": "Protein Structure Prediction with Geometric Transformers",
        "abstract": (
            "We predict protein structures with a geometric transformer trained on the Protein Data Bank. "
            "The model reaches a median accuracy of 85 percent on the CASP14 benchmark targets. "
            "Attention over residue pairs captures long-range contacts in the folded chain."
        ),
    },
]


def _library(make_library, tmp_path):
    path = tmp_path / "english.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ENGLISH_ONLY), encoding="utf-8")
    lib = make_library()
    assert len(lib.ingest([str(path)]).added) == 2
    return lib


def test_a_chinese_question_gets_the_english_answer(make_library, tmp_path) -> None:
    lib = _library(make_library, tmp_path)
    english = lib.ask("What dataset is the mixture of experts model pretrained on?")
    chinese = lib.ask("混合专家模型是在什么数据集上预训练的?")
    assert not chinese.refused, chinese.text
    assert chinese.question == "混合专家模型是在什么数据集上预训练的?"
    assert chinese.sources[0].hit.paper_id == "sparse-moe" and "C4" in chinese.text
    assert english.sources[0].hit.chunk_id == chinese.sources[0].hit.chunk_id
    traditional = lib.ask("混合專家模型是在什麼數據集上預訓練的?")
    assert traditional.text == chinese.text


def test_search_finds_the_english_paper_for_a_chinese_query(make_library, tmp_path) -> None:
    lib = _library(make_library, tmp_path)
    assert lib.search("蛋白质结构预测", k=1)[0].paper_id == "protein-fold"


def test_a_chinese_question_naming_what_no_paper_mentions_is_declined_naming_it(make_library, tmp_path) -> None:
    lib = _library(make_library, tmp_path)
    answer = lib.ask("混合专家模型在 ImageNet 上的准确率是多少?")
    assert answer.refused and answer.missing == ["ImageNet"]
    assert answer.text == "已索引的论文似乎没有回答这个问题。 没有一篇论文提到 ImageNet。"  # framed in Chinese


def test_the_cli_frames_a_chinese_answer_in_chinese(make_library, tmp_path, capsys) -> None:
    from ui.cli import print_answer

    lib = _library(make_library, tmp_path)
    print_answer(lib.ask("混合专家模型是在什么数据集上预训练的?"))
    out = capsys.readouterr().out
    assert "\n来源：\n[1]" in out and "C4" in out and "Sources:" not in out
