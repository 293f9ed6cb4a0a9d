"""Seeding, a progress bar with an ETA and a small training loop shared by every chapter.

The progress bar is tqdm's text bar on standard output. It redraws one line with carriage
returns, so a terminal, JupyterLab and nbval (which merge a cell's stream messages and keep
the text after the last carriage return of each line) all end up with one line per bar. Its
elapsed time, ETA and rate vary from run to run: ``tests/nbval_sanitize.cfg`` normalises
them, and cells that train or time are tagged ``nbval-ignore-output`` anyway.
"""

from __future__ import annotations

import copy
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np
import torch
from tqdm import tqdm

__all__ = ["seed_everything", "progress", "fit", "fit_seeds", "accuracy", "iou", "count_parameters", "best_time", "median_time"]

T = TypeVar("T")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python's, NumPy's and PyTorch's random generators; return a seeded ``torch.Generator``."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


#: Seconds between two redraws of a bar (each redraw is one message in a notebook).
PROGRESS_INTERVAL_S = 0.5


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "", width: int = 30) -> Iterator[T]:
    """Yield from ``iterable`` while showing a tqdm progress bar with an ETA on standard output.

    The line reads ``desc:  40%|████████      | 4/10 [00:02<00:03,  2.00it/s]``: percentage, a
    bar ``width`` characters wide, count, elapsed time, estimated time left and rate. It is
    redrawn in place at most every :data:`PROGRESS_INTERVAL_S` seconds and left on screen when
    the loop ends (also when it ends early, showing the count reached). ``total`` is needed when
    ``iterable`` has no ``len()``.
    """
    if total is None:
        if not hasattr(iterable, "__len__"):
            raise TypeError("progress needs total= when the iterable has no len()")
        total = len(iterable)  # type: ignore[arg-type]
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"total must be an int, got {type(total).__name__}")
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive int, got {width!r}")
    bar_format = "{l_bar}{bar:%d}{r_bar}" % width
    return iter(tqdm(iterable, total=total, desc=desc or None, file=sys.stdout, bar_format=bar_format,
                     mininterval=PROGRESS_INTERVAL_S, leave=True, dynamic_ncols=False, position=0))


def _training_rows(tensors: Sequence[torch.Tensor], steps: int) -> int:
    """Check the arguments shared by :func:`fit` and :func:`fit_seeds`; return the number of rows."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if not tensors:
        raise ValueError("tensors must hold at least one tensor")
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"tensors must all have the same length, got {[len(t) for t in tensors]}")
    return n


def fit(
    model: torch.nn.Module,
    tensors: Sequence[torch.Tensor],
    loss_fn: Callable[..., torch.Tensor],
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    desc: str = "training",
    callback: Callable[[int, torch.nn.Module], None] | None = None,
) -> list[float]:
    """Train ``model`` with Adam for ``steps`` mini-batch steps; return the loss after each step.

    ``tensors`` are equally long tensors (inputs, targets, masks, ...). Each step draws a
    random mini-batch of rows (from a generator seeded with ``seed``) and minimises
    ``loss_fn(model, *batch)``. A progress bar shows the steps. ``callback(step, model)``, if
    given, runs after every step (``step`` = 1, ..., ``steps``) with the model in training mode;
    a callback that evaluates the model should switch it to eval mode and back, and must not
    draw from the global random generator if the run is to stay the same as without it.
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    n = _training_rows(tensors, steps)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    history: list[float] = []
    for step in progress(range(1, steps + 1), desc=desc):
        rows = torch.randint(0, n, (min(batch_size, n),), generator=generator)
        loss = loss_fn(model, *(t[rows] for t in tensors))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(float(loss.detach()))
        if callback is not None:
            callback(step, model)
    model.eval()
    return history


class _StackedCall:
    """Calls one model's forward with parameters and buffers taken from a vmapped stack."""

    def __init__(self, module: torch.nn.Module, params: dict, buffers: dict) -> None:
        self.module, self.params, self.buffers = module, params, buffers

    def __call__(self, *args: torch.Tensor, **kwargs: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(self.module, (self.params, self.buffers), args, kwargs)


def fit_seeds(
    make_model: Callable[[], torch.nn.Module],
    seeds: Sequence[int],
    tensors: Sequence[torch.Tensor],
    loss_fn: Callable[..., torch.Tensor],
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    desc: str = "training",
) -> tuple[list[torch.nn.Module], list[list[float]]]:
    """Train one model per seed, all at once as one vmapped model; return the models and their losses.

    For each seed ``s`` this does what ``torch.manual_seed(s); model = make_model()`` followed by
    ``fit(model, tensors, loss_fn, steps=..., seed=s)`` does: the same initial weights, the same
    mini-batches and Adam with the same settings. The k models' parameters are stacked along a new
    leading dimension and ``torch.func.vmap`` runs their k forward and backward passes as one batched
    pass (a convolution becomes one grouped convolution), which is several times cheaper than k
    separate runs of a small network. Adam works elementwise and the k losses are summed, so each
    model's update depends only on its own loss: the results agree with k separate ``fit`` calls up
    to rounding.

    ``loss_fn(model, *batch)`` may only *call* ``model``; it sees one model and one seed's mini-batch.
    Dropout draws different random numbers for each model. An operation without a batching rule (a
    sparse product, for example) runs once per model inside vmap, which is correct but slower; PyTorch's
    warning about it is silenced here. Returns ``(models, histories)``: the
    trained models in eval mode, in the order of ``seeds``, and for each seed its loss after each step.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise TypeError(f"seeds must be ints, got {seeds!r}")
    n = _training_rows(tensors, steps)
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(make_model())
    params, buffers = torch.func.stack_module_state(models)
    template = copy.deepcopy(models[0]).to("meta")
    template.train()

    def one_loss(p: dict, b: dict, *batch: torch.Tensor) -> torch.Tensor:
        return loss_fn(_StackedCall(template, p, b), *batch)

    batched_loss = torch.func.vmap(one_loss, randomness="different")
    optimizer = torch.optim.Adam(list(params.values()), lr=lr, weight_decay=weight_decay)
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    histories: list[list[float]] = [[] for _ in seeds]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="There is a performance drop because we have not yet implemented")
        for _ in progress(range(steps), desc=desc):
            rows = torch.stack([torch.randint(0, n, (min(batch_size, n),), generator=g) for g in generators])
            losses = batched_loss(params, buffers, *(t[rows] for t in tensors))
            optimizer.zero_grad()
            losses.sum().backward()
            optimizer.step()
            for history, value in zip(histories, losses.detach().tolist()):
                history.append(value)
    with torch.no_grad():
        for i, model in enumerate(models):
            for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
                tensor.copy_(params[name][i] if name in params else buffers[name][i])
            model.eval()
    return models, histories


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of rows whose arg-max over dimension 1 equals the label."""
    if logits.shape[0] != labels.shape[0]:
        raise ValueError(f"logits and labels must have the same length, got {logits.shape[0]} and {labels.shape[0]}")
    return float((logits.argmax(dim=1) == labels).float().mean())


def iou(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Intersection over union of two boolean masks (1.0 when both are empty)."""
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}")
    pred, target = pred.bool(), target.bool()
    union = (pred | target).sum()
    if union == 0:
        return 1.0
    return float((pred & target).sum() / union)


def count_parameters(module: torch.nn.Module) -> int:
    """Number of scalar parameters of ``module`` (trainable or not)."""
    return sum(p.numel() for p in module.parameters())


def _wall_times(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall times in seconds of ``repeats`` calls of ``fn()``, after one warm-up call."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Fastest wall time in seconds of ``fn()`` over ``repeats`` runs, after one warm-up call."""
    return min(_wall_times(fn, repeats))


def median_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median wall time in seconds of ``fn()`` over ``repeats`` runs, after one warm-up call."""
    return statistics.median(_wall_times(fn, repeats))
