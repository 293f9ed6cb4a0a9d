"""Seed statistics and the glue helper that carries measured numbers into the prose."""

import math

import pytest

from cnnbook.report import GLUE_PREFIX, SeedStats, glue, seed_stats


def test_seed_stats_gives_mean_sample_sd_and_range():
    stats = seed_stats([0.9, 1.0, 1.1])
    assert math.isclose(stats.mean, 1.0)
    assert math.isclose(stats.sd, 0.1)
    assert (stats.min, stats.max, stats.n) == (0.9, 1.1, 3)


def test_seed_stats_formats_as_mean_plus_minus_sd():
    assert format(seed_stats([0.5, 0.7]), ".2f") == "0.60 ± 0.14"
    assert str(seed_stats([0.5, 0.7])) == "0.600 ± 0.141 (range 0.500–0.700, 2 seeds)"


def test_a_single_seed_has_zero_spread():
    assert seed_stats([0.3]).sd == 0.0


@pytest.mark.parametrize("bad, error", [([], ValueError), ("0.5", TypeError), ([float("nan")], ValueError),
                                        (["a"], TypeError)])
def test_seed_stats_rejects_bad_input_with_a_clear_error(bad, error):
    with pytest.raises(error, match="values"):
        seed_stats(bad)


def test_glue_emits_the_myst_nb_record_format(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda data, raw, metadata: shown.append((data, metadata)))
    glue("acc", 0.25)
    glue("label", "three seeds")
    assert shown[0] == ({GLUE_PREFIX + "text/plain": "0.25"}, {"scrapbook": {"name": "acc", "mime_prefix": GLUE_PREFIX}})
    assert shown[1][0] == {GLUE_PREFIX + "text/plain": "three seeds"}


def test_glue_rejects_values_it_cannot_render():
    with pytest.raises(TypeError, match="value"):
        glue("x", [1, 2])
    with pytest.raises(TypeError, match="name"):
        glue("", 1.0)


def test_seed_stats_is_a_value_object():
    assert seed_stats([1, 2]) == SeedStats((1.0, 2.0))
