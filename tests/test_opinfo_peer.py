"""PyTorch's own OpInfo sample inputs as a peer test suite for cnnbook.functional.

``torch.testing._internal.common_methods_invocations.op_db`` lists, for every operator, the
sample inputs that PyTorch's own tests run: odd shapes, unbatched input, tuples of one element,
arguments by position, negative padding. Each sample goes through the cnnbook op in float64 and
through PyTorch; every sample must run (none refused) and agree.
"""

from __future__ import annotations

import sys
import types
import unittest
from collections import Counter

import numpy as np
import pytest
import torch

import cnnbook.functional as cf

# PyTorch's test helpers import ``expecttest`` (a dev-only package) for one base class we never use.
sys.modules.setdefault("expecttest", types.SimpleNamespace(TestCase=unittest.TestCase))
common_methods_invocations = pytest.importorskip("torch.testing._internal.common_methods_invocations")

torch.set_num_threads(1)

OPS = {
    "nn.functional.conv2d": cf.conv2d,
    "nn.functional.conv_transpose2d": cf.conv_transpose2d,
    "nn.functional.max_pool2d": cf.max_pool2d,
    "nn.functional.avg_pool2d": cf.avg_pool2d,
    "nn.functional.max_unpool2d": cf.max_unpool2d,
    "nn.functional.pad": cf.pad,
}


def _to_numpy(value):
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, (tuple, list)):
        return type(value)(_to_numpy(v) for v in value)
    return value


def _agree(got, want) -> bool:
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        w = w.detach().numpy()
        g = np.asarray(g)
        if g.shape != w.shape or (g.dtype.kind != w.dtype.kind):
            return False
        if not np.allclose(g, w, rtol=1e-10, atol=1e-12, equal_nan=True):
            return False
    return True


def _run_samples():
    tally: Counter = Counter()
    problems: list[str] = []
    for info in common_methods_invocations.op_db:
        fn = OPS.get(info.name)
        if fn is None:
            continue
        torch.manual_seed(0)   # the samples are random: the same ones on every run
        # the generator itself, without OpInfo.sample_inputs' per-sample tracking (re-seeding, stack traces)
        for sample in info.sample_inputs_func(info, "cpu", torch.float64, False):
            try:
                want = info.op(sample.input, *sample.args, **sample.kwargs)
            except (RuntimeError, ValueError, TypeError, IndexError):
                tally["refused by PyTorch too"] += 1
                continue
            args = [_to_numpy(a) for a in sample.args]
            kwargs = {k: _to_numpy(v) for k, v in sample.kwargs.items()}
            where = (f"{info.name}[{info.variant_test_name}] input {tuple(sample.input.shape)}, "
                     f"args {[getattr(a, 'shape', a) for a in sample.args]}, kwargs {kwargs}")
            try:
                got = fn(_to_numpy(sample.input), *args, **kwargs)
            except (ValueError, TypeError) as exc:
                tally["refused"] += 1
                problems.append(f"refused {where}: {exc}")
                continue
            if _agree(got, want):
                tally["agree"] += 1
            else:
                tally["disagree"] += 1
                problems.append(f"disagree {where}")
    return tally, problems


def test_opinfo_samples_all_run_and_agree_with_pytorch():
    tally, problems = _run_samples()
    assert tally["agree"] > 1000, tally           # the suite really ran
    assert tally["refused"] == 0 and tally["disagree"] == 0, (tally, problems[:20])
