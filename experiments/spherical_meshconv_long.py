"""MeshConv trained until its loss flattens: is the latitude experiment's MeshConv short of training?

In experiments/spherical_latitude.py the MeshConv arm ends with its training loss still falling. This
script trains the same network (cnnbook.models.sphere_digit_net("meshconv")) on the same 1,200
upright digits at random positions, with the same seeds, batch size and learning-rate recipe, for
2.4 times as many steps: STEPS at LR, then a quarter as many at LR / 10 (fresh Adam state). Every
CHECK_EVERY steps it records the accuracy on the training digits and on two of the latitude
experiment's test sets (upright digits at random positions, "N", and at the equator, "lat 0"). The
final networks are tested on every test set of the latitude experiment.

Each seed trains in its own process with cnnbook.train.fit. (fit_seeds would stack the seeds, but
MeshConv's sparse product runs once per model under vmap, so stacking saves nothing here.)

Usage:  python experiments/spherical_meshconv_long.py [--smoke] [--jobs N] [--out FILE]
        make experiments
Writes book/spherical/results/meshconv_long.json (or FILE). --smoke runs a tiny version in seconds.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import torch
import torch.nn.functional as F

from cnnbook.models import sphere_digit_net
from cnnbook.train import accuracy, fit

from experiments import spherical_latitude as latitude
from experiments._results import ROOT, cpu_seconds, experiment_parser, loss_summary, write_results

STEPS = latitude.ARMS["MeshConv"][2] * 12 // 5   # steps at LR: 2.4 times the latitude experiment's
CHECK_EVERY = 600
WATCHED = ["N", "lat 0"]          # test sets whose accuracy is recorded during training

_DATA: dict = {}


def _loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(model(x), y)


def _accuracy(model: torch.nn.Module, digits: Any) -> float:
    with torch.no_grad():
        return accuracy(model(digits.vertices), digits.labels)


def run_seed(job: tuple[int, int, int]) -> dict:
    """Train one seed for ``steps`` + ``steps // 4`` steps; return its losses and accuracies."""
    seed, steps, check_every = job
    torch.set_num_threads(1)
    train, tests = _DATA["train"]["N"], _DATA["test"]
    tensors = [train.vertices, train.labels]
    checks: dict = {"step": [], "train": [], **{name: [] for name in WATCHED}}

    def check(step: int, model: torch.nn.Module, offset: int = 0) -> None:
        if (offset + step) % check_every:
            return
        model.eval()
        checks["step"].append(offset + step)
        checks["train"].append(_accuracy(model, train))
        for name in WATCHED:
            checks[name].append(_accuracy(model, tests[name]))
        model.train()

    torch.manual_seed(seed)
    model = sphere_digit_net("meshconv")
    history = fit(model, tensors, _loss, steps=steps, batch_size=latitude.BATCH_SIZE, lr=latitude.LR, seed=seed,
                  desc=f"MeshConv seed {seed}", callback=check)
    history += fit(model, tensors, _loss, steps=max(1, steps // 4), batch_size=latitude.BATCH_SIZE,
                   lr=latitude.LR / latitude.LR_DROP, seed=seed, desc=f"MeshConv seed {seed}, lr / {latitude.LR_DROP}",
                   callback=lambda step, m: check(step, m, offset=steps))
    return {"seed": seed, "history": history, "checks": checks,
            "accuracy": {name: _accuracy(model, test) for name, test in tests.items()}}


def main() -> None:
    """Train every seed, test it, and write the results file."""
    args = experiment_parser(__doc__, ROOT / "book" / "spherical" / "results" / "meshconv_long.json").parse_args()
    wall, cpu = time.perf_counter(), cpu_seconds()
    seeds, latitudes = ([0, 1], [0, 60]) if args.smoke else (latitude.SEEDS, latitude.LATITUDES)
    n_train, n_test = (48, 24) if args.smoke else (1200, 597)
    steps, check_every = (8, 2) if args.smoke else (STEPS, CHECK_EVERY)
    _DATA.update(latitude.make_data("N", n_train, n_test, latitudes))
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        done = sorted(pool.map(run_seed, [(seed, steps, check_every) for seed in seeds], chunksize=1),
                      key=lambda r: r["seed"])
    result: dict = {"steps": len(done[0]["history"]),
                    "accuracy": {name: [r["accuracy"][name] for r in done] for name in done[0]["accuracy"]},
                    "checks": {"step": done[0]["checks"]["step"],
                               **{name: [r["checks"][name] for r in done] for name in ["train", *WATCHED]}}}
    result.update(loss_summary([r["history"] for r in done]))
    config = dict(latitudes=latitudes, level=latitude.LEVEL, fov=latitude.FOV, n_train=n_train, n_test=n_test,
                  batch_size=latitude.BATCH_SIZE, lr=latitude.LR, lr_drop=latitude.LR_DROP, steps_at_lr=steps,
                  final_steps="a quarter of the steps at lr / lr_drop", check_every=check_every, smoke=args.smoke,
                  trainings=["N"], arms={"MeshConv": dict(network="meshconv", input="vertices")})
    write_results(args.out, seeds=seeds, config=config, results={"MeshConv": {"N": result}},
                  wall_start=wall, cpu_start=cpu)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
