"""AlignConfig: every setting checked for type and range; the signature names every setting
that changes beads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from paralign.config import NOT_IN_SIGNATURE, AlignConfig
from paralign.errors import ConfigError, ParalignError

# (setting, bad value, part of the one-line message)
BAD = [
    ("max_merge", 0, "max_merge must be >= 1"),
    ("max_merge", 2.5, "max_merge must be an integer"),
    ("max_merge", True, "max_merge must be an integer"),
    ("max_total", 1, "max_total must be >= 2"),
    ("knn", 0, "knn must be >= 1"),
    ("knn", "8", "knn must be an integer"),
    ("band", 0, "band must be >= 1"),
    ("margin", "csls", "margin must be one of 'knn', 'none'"),
    ("margin_weight", -0.1, "margin_weight must be >= 0"),
    ("length_weight", -1, "length_weight must be >= 0"),
    ("length_weight", float("nan"), "length_weight must be a finite number"),
    ("lexical_weight", -0.5, "lexical_weight must be >= 0"),
    ("lexical_weight", "0.8", "lexical_weight must be a finite number"),
    ("share_weight", float("inf"), "share_weight must be a finite number"),
    ("skip", 0.3, "skip must be <= 0"),
    ("skip", None, "skip must be a finite number"),
    ("prune", -0.1, "prune must be >= 0"),
    ("split_long", 5, "split_long must be None or >= 8"),
    ("split_long", 40.0, "split_long must be None or an integer"),
    ("zh_convert", "s2t", "zh_convert must be one of 't2s', 'tw2sp'"),
    ("encoder", "", "encoder must be a non-empty name"),
    ("encoder", None, "encoder must be a non-empty name"),
    ("paragraph_anchors", "yes", "paragraph_anchors must be True or False"),
    ("cache", 1, "cache must be True or False"),
    ("progress", "auto", "progress must be None, True or False"),
    ("device", 0, "device must be None or a string"),
    ("cache_dir", 3, "cache_dir must be None or a string"),
    ("realign", -1, "realign must be >= 0"),
    ("realign", 0.5, "realign must be an integer"),
    ("null_weight", -0.1, "null_weight must be >= 0"),
    ("null_weight", 1.5, "null_weight must be <= 1"),
    ("null_weight", "0.5", "null_weight must be a finite number"),
    ("threads", 0, "threads must be None or an integer >= 1"),
    ("threads", 2.0, "threads must be None or an integer >= 1"),
    ("threads", True, "threads must be None or an integer >= 1"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_settings_fail_in_one_line(name, value, message):
    with pytest.raises(ConfigError, match=message) as info:
        AlignConfig(**{name: value})
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ParalignError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(("name", "value"), [
    ("max_merge", 1), ("max_total", 2), ("knn", 1), ("band", 1), ("margin", "none"),
    ("margin_weight", 0), ("length_weight", 0.0), ("lexical_weight", 0), ("share_weight", 0.0),
    ("skip", 0), ("skip", -2), ("prune", 0.0), ("split_long", 8), ("split_long", None),
    ("zh_convert", "t2s"), ("encoder", "use-m3+e5-small"), ("progress", None),
    ("progress", False), ("device", "cpu"), ("cache_dir", "/tmp/x"), ("realign", 0),
    ("null_weight", 0), ("null_weight", 1.0),
])
def test_edge_values_are_accepted(name, value):
    assert getattr(AlignConfig(**{name: value}), name) == value


def test_replace_is_checked_like_a_new_config():
    with pytest.raises(ConfigError, match="knn must be >= 1"):
        AlignConfig().replace(knn=0)
    assert AlignConfig().replace(knn=4).knn == 4


def test_a_path_cache_dir_is_kept_as_its_string(tmp_path: Path):
    c = AlignConfig(cache_dir=tmp_path)
    assert c.cache_dir == str(tmp_path)
    assert c == AlignConfig(cache_dir=str(tmp_path)) and hash(c) == hash(AlignConfig(cache_dir=str(tmp_path)))


# another valid value of every setting
OTHER = {
    "encoder": "e5-small", "max_merge": 3, "max_total": 4, "margin": "none", "knn": 4,
    "margin_weight": 0.3, "length_weight": 0.05, "lexical_weight": 0.4, "share_weight": 0.1,
    "skip": -0.5, "prune": 1.2, "band": 20, "paragraph_anchors": False, "split_long": 60,
    "cache": False, "cache_dir": "/tmp/elsewhere", "progress": True, "device": "cpu",
    "zh_convert": "t2s", "realign": 0, "null_weight": 0.35, "threads": None,
}


def test_every_setting_has_another_value_here():
    assert set(OTHER) == {f.name for f in dataclasses.fields(AlignConfig)}


@pytest.mark.parametrize("name", sorted(OTHER))
def test_the_signature_names_every_setting_that_changes_beads(name):
    base = AlignConfig()
    changed = base.replace(**{name: OTHER[name]})
    if name in NOT_IN_SIGNATURE:
        assert changed.signature_part() == base.signature_part()
    else:
        assert changed.signature_part() != base.signature_part(), name


@pytest.mark.parametrize("name", ["knn", "margin_weight"])
def test_margin_settings_count_only_with_the_knn_margin(name):
    base = AlignConfig(margin="none")
    assert base.replace(**{name: OTHER[name]}).signature_part() == base.signature_part()


def test_zh_convert_is_in_the_signature():
    """t2s and tw2sp give different matching texts, hence possibly different beads."""
    assert "|zh:tw2sp" in AlignConfig().signature_part()
    assert "|zh:t2s" in AlignConfig(zh_convert="t2s").signature_part()


def test_aligners_differing_in_zh_convert_sign_differently():
    from fake_encoders import HashEncoder

    from paralign import Aligner

    sigs = {Aligner(AlignConfig(cache=False, zh_convert=z), encoder=HashEncoder()).signature
            for z in ("t2s", "tw2sp")}
    assert len(sigs) == 2
