"""The digest-page source: the seed page yields all 19 papers with exact titles and authors."""

from __future__ import annotations

import json
import re

import pytest

from ingest.models import SourceError
from ingest.sources import detect_format
from ingest.sources.digest_page import load_digest, parse_digest
from tests.conftest import BUNDLED, shared_path

# Read off the seed page by eye (title line, then its "Authors:" line), not produced by the parser.
EXPECTED = [
    (
        "NOVER: Incentive Training for Language Models via Verifier-Free Reinforcement Learning",
        "Wei Liu, Siya Qi, Xinyu Wang, Chen Qian, Yali Du, Yulan He",
    ),
    (
        "Pixel Reasoner: Incentivizing Pixel-Space Reasoning with Curiosity-Driven Reinforcement Learning",
        "Alex Su, Haozhe Wang, Weimin Ren, Fangzhen Lin, Wenhu Chen",
    ),
    (
        "Aligning Dialogue Agents with Global Feedback via Large Language Model Reward Decomposition",
        "Dong Won Lee, Hae Won Park, Cynthia Breazeal, Louis-Philippe Morency",
    ),
    (
        "Learning to Reason via Mixture-of-Thought for Logical Reasoning",
        "Tong Zheng, Lichang Chen, Simeng Han, R. Thomas McCoy, Heng Huang",
    ),
    (
        "GUI-G1: Understanding R1-Zero-Like Training for Visual Grounding in GUI Agents",
        "Yuqi Zhou, Sunhao Dai, Shuai Wang, Kaiwen Zhou, Qinglin Jia, Jun Xu",
    ),
    (
        "HCRMP: A LLM-Hinted Contextual Reinforcement Learning Framework for Autonomous Driving",
        "Zhiwen Chen, Bo Leng, Zhuoren Li, Hanming Deng, Guizhe Jin, Ran Yu, Huanxi Wen",
    ),
    (
        "Thought-Augmented Policy Optimization: Bridging External Guidance and Internal Capabilities",
        "Jinyang Wu, Chonghua Liao, Mingkuan Feng, Shuai Zhang, Zhengqi Wen, Pengpeng Shao, Huazhe Xu, Jianhua Tao",
    ),
    (
        "Learn to Reason Efficiently with Adaptive Length-based Reward Shaping",
        "Wei Liu, Ruochen Zhou, Yiyun Deng, Yuzhen Huang, Junteng Liu, Yuntian Deng, Yizhe Zhang, Junxian He",
    ),
    (
        "Towards Explainable Temporal Reasoning in Large Language Models: A Structure-Aware Generative Framework",
        "Zihao Jiang, Ben Liu, Miao Peng, Wenjie Xu, Yao Xiao, Zhenyan Shan, Min Peng",
    ),
    (
        "AvatarShield: Visual Reinforcement Learning for Human-Centric Video Forgery Detection",
        "Zhipei Xu, Xuanyu Zhang, Xing Zhou, Jian Zhang",
    ),
    (
        "StepSearch: Igniting LLMs Search Ability via Step-Wise Proximal Policy Optimization",
        "Ziliang Wang, Xuhui Zheng, Kang An, Cijun Ouyang, Jialu Cai, Yuhang Wang, Yichao Wu",
    ),
    (
        "DISCO Balances the Scales: Adaptive Domain- and Difficulty-Aware Reinforcement Learning on Imbalanced Data",
        "Yuhang Zhou, Jing Zhu, Shengyi Qian, Zhuokai Zhao, Xiyao Wang, Xiaoyu Liu, Ming Li, Paiheng Xu, "
        "Wei Ai, Furong Huang",
    ),
    (
        "General-Reasoner: Advancing LLM Reasoning Across All Domains",
        "Xueguang Ma, Qian Liu, Dongfu Jiang, Ge Zhang, Zejun Ma, Wenhu Chen",
    ),
    (
        "Think Only When You Need with Large Hybrid-Reasoning Models",
        "Lingjie Jiang, Xun Wu, Shaohan Huang, Qingxiu Dong, Zewen Chi, Li Dong, Xingxing Zhang, "
        "Tengchao Lv, Lei Cui, Furu Wei",
    ),
    (
        "TinyV: Reducing False Negatives in Verification Improves RL for LLM Reasoning",
        "Zhangchen Xu, Yuetai Li, Fengqing Jiang, Bhaskar Ramasubramanian, Luyao Niu, Bill Yuchen Lin, "
        "Radha Poovendran",
    ),
    (
        "Not All Correct Answers Are Equal: Why Your Distillation Source Matters",
        "Xiaoyu Tian, Yunjie Ji, Haotian Wang, Shuaiting Chen, Sitong Zhao, Yiping Peng, Han Zhao, Xiangang Li",
    ),
    (
        "Towards Omnidirectional Reasoning with 360-R1: A Dataset, Benchmark, and GRPO-based Method",
        "Xinshen Zhang, Zhen Ye, Xu Zheng",
    ),
    (
        "Safety Subspaces are Not Distinct: A Fine-Tuning Case Study",
        "Kaustubh Ponkshe, Shaan Shah, Raghav Singhal, Praneeth Vepakomma",
    ),
    (
        "Prior Prompt Engineering for Reinforcement Fine-Tuning",
        "Pittawat Taveekitworachai, Potsawee Manakul, Sarana Nutanong, Kunat Pipatanakul",
    ),
]


def test_seed_page_yields_all_19_papers_with_exact_titles_and_authors() -> None:
    page = shared_path("seed", "000_4cc2245e2598decb.txt")
    records = parse_digest(page.read_text(encoding="utf-8"))
    assert [r["title"] for r in records] == [t for t, _ in EXPECTED]
    assert [r["authors"] for r in records] == [a.split(", ") for _, a in EXPECTED]
    for record in records:
        assert not re.search(r"[\u4e00-\u9fff]", record["abstract"])  # English only
        assert re.search(r"[\u4e00-\u9fff]", record["abstract_zh"])
        assert len(record["abstract"]) > 300
        assert record["summary_zh"] and record["takeaways_zh"]
        assert record["year"] == 2025 and record["digest_date"] == "2025-05-26"
    nover = records[0]
    assert nover["pdf_pages"] == 20
    assert nover["abstract"].startswith("Recent advances such as DeepSeek R1-Zero")
    assert nover["abstract"].endswith("such as inverse incentive training.")
    assert len(nover["takeaways_zh"]) == 6 and nover["takeaways_zh"][4].startswith("与DeepSeek R1 671B")


def test_bundled_corpus_is_the_parsed_seed_page() -> None:
    page = shared_path("seed", "000_4cc2245e2598decb.txt")
    bundled = [json.loads(line) for line in BUNDLED.read_text(encoding="utf-8").splitlines()]
    parsed = parse_digest(page.read_text(encoding="utf-8"))
    assert [{k: v for k, v in b.items() if k != "id"} for b in bundled] == parsed


def test_bundled_corpus_has_19_papers_with_chinese_fields() -> None:
    bundled = [json.loads(line) for line in BUNDLED.read_text(encoding="utf-8").splitlines()]
    assert len(bundled) == 19
    assert len({b["id"] for b in bundled}) == 19
    assert all(b["summary_zh"] and b["takeaways_zh"] and b["authors"] for b in bundled)


def test_digest_page_is_detected_and_loaded_as_papers(tmp_path) -> None:
    page = tmp_path / "digest.txt"
    page.write_text(
        "2024-01-02 更新\n\nA Tiny Paper About Graphs\n\nAuthors:Ada Lovelace, Alan Turing\n\n"
        "We study graphs of many kinds and show that they are useful for routing problems.\n\n"
        "我们研究了多种图。\n\n论文及项目相关链接\n\nPDF 4 pages\n\nSummary\n本文研究图。\n\n"
        "Key Takeaways\n\n  1. 图很有用。\n  2. 路由问题。\n\nCool Papers\n\n点此查看论文截图\n",
        encoding="utf-8",
    )
    assert detect_format(page) == "digest"
    papers = list(load_digest(page))
    assert len(papers) == 1 and not isinstance(papers[0], SourceError)
    paper = papers[0]
    assert paper.title == "A Tiny Paper About Graphs"
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.year == 2024
    assert paper.extra["takeaways_zh"] == ["图很有用。", "路由问题。"]
    assert [s.kind for s in paper.sections] == ["abstract", "zh", "zh"]
    for section in paper.sections:
        assert paper.text[section.start : section.end].strip()


def test_a_page_without_papers_is_a_clear_error(tmp_path) -> None:
    page = tmp_path / "empty.txt"
    page.write_text("Authors: nobody\n\nCool Papers\n", encoding="utf-8")
    results = list(load_digest(page))
    assert len(results) == 1 and isinstance(results[0], SourceError)
    assert "no papers found" in str(results[0]) and str(page) in str(results[0])


@pytest.mark.parametrize("name", ["notes.md", "image.png"])
def test_unknown_formats_are_named_in_the_error(tmp_path, name) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n" if name.endswith("png") else b"# just some notes\nhello world\n")
    with pytest.raises(SourceError, match="unknown format"):
        detect_format(path)
