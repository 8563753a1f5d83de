"""Tests import the package built in build/python when there is one (else the installed one)."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "python"
if (BUILD / "counterpoint").is_dir() and "COUNTERPOINT_USE_INSTALLED" not in os.environ:
    sys.path.insert(0, str(BUILD))


@pytest.fixture
def root():
    return ROOT


def small_world(**extra):
    """A small synthetic world: 2000 items, 300 users, 6 steps, two arms (fast)."""
    sc = {
        "name": "small",
        "seed": 7,
        "steps": 6,
        "replicates": 1,
        "batch_size": 128,
        "catalog": {"type": "synthetic", "n_items": 2000, "dim": 16, "n_topics": 8, "share_borderline": 0.08,
                    "share_extremist": 0.04, "share_counter_narrative": 0.03, "share_news_reporting": 0.05},
        "index": {"factory": "Flat"},
        "population": {"n_users": 300},
        "user_model": {"type": "logit"},
        "recommender": {"candidates": 40, "slate_size": 8, "ranker": {"type": "engagement"}},
        "arms": [{"name": "engagement"}, {"name": "relevance", "ranker": {"type": "relevance"}}],
    }
    sc.update(extra)
    return sc


@pytest.fixture
def world():
    return small_world
