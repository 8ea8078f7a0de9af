"""Chinese questions into English queries (rag.search.translate): jieba + CC-CEDICT, no LLM."""

from __future__ import annotations

from rag.search.translate import best_sense, segment, to_simplified, translate
from rag.text import tokenize


def test_names_acronyms_numbers_and_versions_are_kept_as_written():
    english = translate("GPT-4 在 MMLU 上的准确率是多少？ 使用 v1.5 版本和 2023 年的数据")
    for kept in ("GPT-4", "MMLU", "v1.5", "2023"):
        assert kept in english.split() or kept + "?" in english.split(), english
    assert "how many" in english  # the quantity cue survives for the answerer
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), english


def test_traditional_characters_translate_like_simplified():
    assert to_simplified("這篇論文的準確率") == "这篇论文的准确率"
    assert to_simplified("为什么") == "为什么"  # already simplified characters are left alone
    assert translate("這篇論文用了哪些數據集？") == translate("这篇论文用了哪些数据集？")


def test_an_all_latin_question_is_unchanged():
    question = "What dataset does BERT use for pre-training?"
    assert translate(question) == question
    assert translate("What is BERT?", weight=lambda t: 1.0) == "What is BERT?"


def test_full_width_digits_punctuation_and_emoji_are_text():
    words = segment("ＢＥＲＴ 有多少层？😀 １２")
    assert "BERT" in words and "12" in words and "😀" in words
    english = translate("ＢＥＲＴ 有多少层？😀 １２")
    assert english.startswith("BERT") and "12" in english and "how many" in english


def test_the_library_picks_the_sense():
    # 内存 is "internal storage" first in CC-CEDICT; a library that knows "memory" gets "memory".
    vocab = {t: 2.0 for t in tokenize("computer memory")}
    assert "memory" in best_sense("内存", lambda t: vocab.get(t, 0.0))
    assert best_sense("内存", None) == "internal storage"
    assert "memory" in translate("LoRA 为什么更省内存？", weight=lambda t: vocab.get(t, 0.0))


def test_multi_word_glosses_stay_phrases():
    assert translate("注意力机制") == "attention mechanism"


def test_an_adjective_before_how_many_asks_how_much_more():
    assert "how much faster" in translate("用 OTSL 推理速度快多少？")
    assert "how many" not in translate("用 OTSL 推理速度快多少？")
    assert "how much higher" in translate("准确率高多少？")


def test_bound_suffixes_of_technical_compounds():
    english = translate("如何划分训练集和测试集？")
    assert "train set" in english and "test set" in english and "collected works" not in english
    assert "rate" in translate("GPT-4 的错误率是多少？")
    assert "dataset" in translate("在什么数据集上评估？")  # jieba cuts 数据 + 集上: re-cut by the dictionary
    assert "pretrain" in translate("模型是如何预训练的？") and "advance" not in translate("模型是如何预训练的？")


def test_how_a_thing_works_keeps_its_form():
    assert translate("AvatarShield 是如何工作的？") == "How does AvatarShield work?"
    assert translate("PaperMage 怎么运行？").startswith("How does PaperMage")
    assert "work" not in translate("LASER 如何减少推理长度？")  # a "how" question about something else


def test_a_question_word_left_in_place_is_fronted():
    """Chinese asks "X 使用什么 Y？" where English asks "What Y does X use?": read in Chinese order, the
    question's type (what it asks for) is lost."""
    assert translate("GRPO 使用什么奖励函数？") == "What reward function does GRPO use?"
    assert translate("哪些论文使用GRPO？").lower().startswith("which")  # already in front: unchanged
