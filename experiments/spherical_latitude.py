"""Accuracy against latitude: which networks recognise a digit wherever it sits on the sphere?

Every network is trained on upright digits at area-uniform random positions on the sphere ("N"),
and tested

- at fixed |latitude| (0, 30, 60, 75 and 85 degrees) with a random longitude (upright digits),
- on upright digits at area-uniform random positions (N), and on randomly rotated digits (R).

Arms: three equirectangular CNNs (zero padding; circular padding with padding over the pole; the
same plus a sin-latitude channel), SpherePHD (icosahedral faces) and MeshConv (icosphere vertices),
all of about the same size. The seeds of each arm train at once (cnnbook.train.fit_seeds): Adam at
learning rate LR for the arm's steps, then a quarter as many steps at LR / 10 (fresh Adam state),
so that the training loss flattens. experiments/spherical_rotated.py trains the same arms on
rotated digits (R/R); experiments/spherical_meshconv_long.py trains the MeshConv arm 2.4 times as long,
since its loss is still falling at the end of this run.

Usage:  python experiments/spherical_latitude.py [--smoke] [--jobs N] [--out FILE]
        make experiments
Writes book/spherical/results/latitude.json (or FILE). --smoke runs a tiny version in seconds.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from cnnbook.data.sphere_digits import make_sphere_digits
from cnnbook.models import sphere_digit_net
from cnnbook.train import accuracy, fit_seeds

from experiments._results import ROOT, cpu_seconds, experiment_parser, loss_summary, write_results

SEEDS = [0, 1, 2]
LATITUDES = [0, 30, 60, 75, 85]
LEVEL, FOV = 3, 1.0
ARMS = {  # name: (network kind for cnnbook.models.sphere_digit_net, input field, Adam steps at LR)
    "SpherePHD": ("spherephd", "faces", 4000),
    "MeshConv": ("meshconv", "vertices", 4000),
    "equirect CNN, zero padding": ("equirect-zeros", "equirect", 1600),
    "equirect CNN, circular + pole padding": ("equirect-pole", "equirect", 1600),
    "equirect CNN, pole padding + latitude channel": ("equirect-latitude", "equirect", 1600),
}
TRAININGS = {"N": dict(placement="uniform"), "R": dict(rotate=True)}
TESTS = TRAININGS
BATCH_SIZE, LR, LR_DROP = 16, 3e-3, 10

_DATA: dict = {}


def make_data(training: str, n_train: int, n_test: int, latitudes: list[int]) -> dict:
    """The training set (N or R), and the test sets (the same digits 1200.. for every test)."""
    data = {"train": {training: make_sphere_digits(n_train, level=LEVEL, fov=FOV, seed=1, **TRAININGS[training])},
            "test": {name: make_sphere_digits(n_test, level=LEVEL, fov=FOV, seed=2, start=1200, **kw)
                     for name, kw in TESTS.items()}}
    for lat in latitudes:
        data["test"][f"lat {lat}"] = make_sphere_digits(n_test, level=LEVEL, fov=FOV, start=1200,
                                                         placement="latitude", latitude=float(lat), seed=100 + lat)
    return data


def run_job(job: tuple[str, str, int, list[int]]) -> tuple[str, str, dict]:
    """Train one arm on one training set with every seed; return its accuracies and loss curve."""
    arm, training, steps, seeds = job
    torch.set_num_threads(1)
    kind, field, _ = ARMS[arm]
    train = _DATA["train"][training]
    tensors, loss = [getattr(train, field), train.labels], lambda m, x, y: F.cross_entropy(m(x), y)
    models, histories = fit_seeds(lambda: sphere_digit_net(kind), seeds, tensors, loss, steps=steps,
                                  batch_size=BATCH_SIZE, lr=LR, desc=f"{arm} [{training}]")
    # Second phase: the trained models go on at LR / LR_DROP (make_model hands them back in seed order).
    trained = iter(models)
    models, more = fit_seeds(lambda: next(trained).train(), seeds, tensors, loss, steps=max(1, steps // 4),
                             batch_size=BATCH_SIZE, lr=LR / LR_DROP, desc=f"{arm} [{training}], lr / {LR_DROP}")
    histories = [h + m for h, m in zip(histories, more)]
    steps = len(histories[0])
    result: dict = {"steps": steps, "accuracy": {}}
    with torch.no_grad():
        for test_name, test in _DATA["test"].items():
            result["accuracy"][test_name] = [accuracy(m(getattr(test, field)), test.labels) for m in models]
    result.update(loss_summary(histories))                      # histories: (seeds, steps)
    return arm, training, result


def main(training: str = "N", doc: str = __doc__,
         default_out: Path = ROOT / "book" / "spherical" / "results" / "latitude.json") -> None:
    """Train every arm on ``training`` (N or R) with every seed, test it, and write the results file."""
    args = experiment_parser(doc, default_out).parse_args()
    wall, cpu = time.perf_counter(), cpu_seconds()
    seeds, latitudes = ([0, 1], [0, 60]) if args.smoke else (SEEDS, LATITUDES)
    n_train, n_test = (48, 24) if args.smoke else (1200, 597)
    _DATA.update(make_data(training, n_train, n_test, latitudes))
    jobs = [(arm, training, 3 if args.smoke else steps, seeds) for arm, (_, _, steps) in ARMS.items()]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        done = pool.map(run_job, jobs, chunksize=1)
    results: dict = {arm: {} for arm in ARMS}
    for arm, trained_on, result in done:
        results[arm][trained_on] = result
    config = dict(latitudes=latitudes, level=LEVEL, fov=FOV, n_train=n_train, n_test=n_test,
                  batch_size=BATCH_SIZE, lr=LR, lr_drop=LR_DROP, final_steps="a quarter of the steps at lr / lr_drop",
                  smoke=args.smoke, trainings=[training],
                  arms={arm: dict(network=kind, input=field) for arm, (kind, field, _) in ARMS.items()})
    write_results(args.out, seeds=seeds, config=config, results=results, wall_start=wall, cpu_start=cpu)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
