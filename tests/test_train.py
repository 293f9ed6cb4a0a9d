"""Seeding, the deterministic progress bar, the training loop and the metrics."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnbook.train import accuracy, fit, iou, progress, seed_everything


def test_progress_bar_only_appends_and_ends_with_the_count(capsys):
    assert list(progress(range(7), desc="epochs", width=10)) == list(range(7))
    out = capsys.readouterr().out
    assert out == "epochs [##########] 7/7\n"
    assert "\r" not in out


def test_progress_bar_shows_an_unfinished_run(capsys):
    for k in progress(range(10), width=10):
        if k == 4:
            break
    # a generator closed early still prints nothing wrong; consume a partial run with total
    list(progress(iter(range(3)), total=6, width=6))
    assert capsys.readouterr().out.endswith("[###...] 3/6\n")


def test_progress_needs_a_total_for_iterators():
    with pytest.raises(TypeError, match="total"):
        list(progress(iter(range(3))))


def test_fit_is_deterministic_and_reduces_the_loss(capsys):
    def run():
        seed_everything(0)
        model = nn.Linear(2, 1)
        x = torch.randn(64, 2)
        y = x @ torch.tensor([[2.0], [-1.0]])
        history = fit(model, (x, y), lambda m, a, b: ((m(a) - b) ** 2).mean(), steps=60, batch_size=16, lr=0.05)
        return history

    first, second = run(), run()
    assert first == second
    assert first[-1] < 0.1 * first[0]
    assert "training [" in capsys.readouterr().out


def test_fit_rejects_tensors_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        fit(nn.Linear(1, 1), (torch.zeros(3, 1), torch.zeros(4, 1)), lambda m, a, b: m(a).sum(), steps=1)


def test_accuracy_and_iou():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    a = torch.tensor([[1, 1, 0, 0]])
    b = torch.tensor([[0, 1, 1, 0]])
    assert iou(a, b) == pytest.approx(1 / 3)
    assert iou(torch.zeros(2, 2), torch.zeros(2, 2)) == 1.0


def test_seed_everything_rejects_non_integers():
    with pytest.raises(TypeError, match="seed"):
        seed_everything(1.5)


def test_count_parameters_counts_weights_and_biases():
    from cnnbook.train import count_parameters

    assert count_parameters(nn.Conv2d(64, 128, 3, groups=4)) == 18_560
    assert count_parameters(nn.Sequential()) == 0


def test_best_time_calls_the_function_repeats_plus_one_times():
    from cnnbook.train import best_time

    calls = []
    assert best_time(lambda: calls.append(1), repeats=4) >= 0.0
    assert len(calls) == 5
    with pytest.raises(ValueError, match="repeats"):
        best_time(lambda: None, repeats=0)


def test_median_time_is_the_median_of_the_timed_runs(monkeypatch):
    import cnnbook.train as train

    # a fake clock: each timed call takes 5, 1, 9 seconds in turn
    ticks = iter([0.0, 5.0, 10.0, 11.0, 20.0, 29.0])
    monkeypatch.setattr(train.time, "perf_counter", lambda: next(ticks))
    calls = []
    assert train.median_time(lambda: calls.append(1), repeats=3) == 5.0
    assert len(calls) == 4  # one warm-up call, then three timed ones
    with pytest.raises(ValueError, match="repeats"):
        train.median_time(lambda: None, repeats=0)
