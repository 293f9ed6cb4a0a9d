"""Seeding, the deterministic progress bar, the training loop and the metrics."""

from __future__ import annotations

import configparser
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.train import accuracy, fit, iou, progress, seed_everything

SANITIZE_CFG = Path(__file__).with_name("nbval_sanitize.cfg")


def _final_lines(text: str) -> list[str]:
    """What a terminal or a notebook shows: on each line, the text after its last carriage return."""
    return [line.rsplit("\r", 1)[-1] for line in text.rstrip("\n").split("\n")]


def _sanitize(text: str) -> str:
    """Apply tests/nbval_sanitize.cfg, in order, as nbval does."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(SANITIZE_CFG, encoding="utf-8")
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text


def test_progress_bar_ends_on_one_line_with_count_eta_and_rate(capsys):
    assert list(progress(range(7), desc="epochs", width=10)) == list(range(7))
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1  # one line, redrawn in place with \r
    [line] = _final_lines(out)
    assert re.fullmatch(r"epochs: 100%\|.{10}\| 7/7 \[00:00<00:00, +[\d.?]+it/s\]", line), line
    assert "\x1b" not in out  # no cursor movement: a notebook shows it cleanly


def test_progress_bar_shows_an_unfinished_run(capsys):
    for k in progress(range(10), width=10):
        if k == 4:
            break
    print("after the loop")
    list(progress(iter(range(3)), total=6, width=6))
    lines = _final_lines(capsys.readouterr().out)
    assert lines[0].startswith(" 40%|") and " 4/10 [" in lines[0]
    assert lines[1] == "after the loop"  # the bar was closed when the loop stopped early
    assert lines[2].startswith(" 50%|") and " 3/6 [" in lines[2]


def test_progress_bar_has_an_eta_while_it_runs(monkeypatch, capsys):
    import cnnbook.train as train

    monkeypatch.setattr(train, "PROGRESS_INTERVAL_S", 0.0)
    for _ in progress(range(4), desc="slow", width=4):
        time.sleep(0.02)
    redraws = capsys.readouterr().out.split("\r")
    assert any(re.search(r" [1-3]/4 \[00:00<00:00, ", part) for part in redraws)


def test_nested_bars_leave_one_line_each_without_cursor_codes(capsys):
    for _ in progress(range(2), desc="outer", width=5):
        list(progress(range(3), desc="inner", width=5))
    out = capsys.readouterr().out
    assert "\x1b" not in out
    lines = _final_lines(out)
    assert [line.split(":")[0] for line in lines] == ["inner", "inner", "outer"]
    assert all("100%" in line for line in lines)


def test_sanitized_bar_line_is_the_same_on_every_run(capsys):
    texts = []
    for pause in (0.0, 0.03):
        for _ in progress(range(3), desc="run", width=8):
            time.sleep(pause)
        texts.append(_sanitize("\n".join(_final_lines(capsys.readouterr().out))))
    assert texts[0] == texts[1]
    assert texts[0].startswith("run: 100%|") and texts[0].endswith("| 3/3 [ELAPSED<ETA, RATE]")
    slow = "fit: 100%|##| 2/2 [01:02:03<00:00, 12.34s/it]"
    assert _sanitize(slow) == "fit: 100%|##| 2/2 [ELAPSED<ETA, RATE]"
    assert _sanitize("unknown: 5it [00:00, ?it/s]") == "unknown: 5it [ELAPSED<ETA, RATE]"


def test_progress_needs_a_total_for_iterators():
    with pytest.raises(TypeError, match="total"):
        list(progress(iter(range(3))))


def test_progress_rejects_a_bad_total_or_width():
    with pytest.raises(ValueError, match="total"):
        progress(range(3), total=-1)
    with pytest.raises(TypeError, match="total"):
        progress(range(3), total=2.5)
    with pytest.raises(ValueError, match="width"):
        progress(range(3), width=0)


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
    lines = _final_lines(capsys.readouterr().out)
    assert len(lines) == 2 and all(line.startswith("training: 100%|") and "| 60/60 [" in line for line in lines)


def test_fit_calls_the_callback_after_every_step_without_changing_the_run():
    def run(callback=None):
        seed_everything(0)
        model = nn.Linear(2, 1)
        x = torch.randn(32, 2)
        history = fit(model, (x, x.sum(1, keepdim=True)), lambda m, a, b: ((m(a) - b) ** 2).mean(), steps=7,
                      batch_size=8, lr=0.05, callback=callback)
        return history, model.weight.detach().clone()

    calls = []

    def record(step, model):
        assert model.training
        model.eval()
        calls.append((step, float(model.weight.detach().sum())))
        model.train()

    (plain, w_plain), (watched, w_watched) = run(), run(record)
    assert [step for step, _ in calls] == list(range(1, 8))
    assert plain == watched and torch.equal(w_plain, w_watched)
    assert calls[-1][1] == pytest.approx(float(w_plain.sum()))
    with pytest.raises(TypeError, match="callback"):
        fit(nn.Linear(1, 1), (torch.zeros(3, 1),), lambda m, a: m(a).sum(), steps=1, callback=3)


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


def _tiny_classifier() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(4 * 16, 3))


def test_fit_seeds_trains_each_seed_as_a_separate_fit_would():
    from cnnbook.train import fit_seeds

    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 1, 8, 8, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (50,), generator=g)
    loss = lambda m, a, b: torch.nn.functional.cross_entropy(m(a), b)  # noqa: E731
    make = lambda: _tiny_classifier().double()  # noqa: E731
    models, histories = fit_seeds(make, [0, 3], [x, y], loss, steps=15, batch_size=8, lr=1e-2)
    assert len(models) == len(histories) == 2 and all(len(h) == 15 for h in histories)
    for model, history, seed in zip(models, histories, [0, 3]):
        torch.manual_seed(seed)
        alone = make()
        expected = fit(alone, [x, y], loss, steps=15, batch_size=8, lr=1e-2, seed=seed)
        np.testing.assert_allclose(history, expected, rtol=1e-9, atol=1e-12)
        assert not model.training
        torch.testing.assert_close(model(x), alone(x), rtol=1e-7, atol=1e-8)   # BatchNorm running stats too
    assert not np.allclose(histories[0], histories[1])


@pytest.mark.parametrize("bad, error, match", [
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(seeds=[0, 1.5]), TypeError, "seeds"),
    (dict(steps=0), ValueError, "steps"),
    (dict(tensors=[torch.zeros(4, 1, 8, 8), torch.zeros(3, dtype=torch.long)]), ValueError, "same length"),
])
def test_fit_seeds_rejects_bad_arguments_by_name(bad, error, match):
    from cnnbook.train import fit_seeds

    args = dict(seeds=[0, 1], tensors=[torch.zeros(4, 1, 8, 8), torch.zeros(4, dtype=torch.long)], steps=2)
    args.update(bad)
    with pytest.raises(error, match=match):
        fit_seeds(_tiny_classifier, args["seeds"], args["tensors"],
                  lambda m, a, b: torch.nn.functional.cross_entropy(m(a), b), steps=args["steps"])
