"""Not-so-Clevr, scaled down: does the deconv baseline fail once it fits, and what does L2 do to CoordConv?

The supervised coordinate-classification task of Liu et al. (NeurIPS 2018) on a 16x16 canvas with
3x3 squares (cnnbook.data.coordconv.not_so_clevr): the input is a square's centre (i, j) / (S - 1),
the output a softmax over the S^2 pixels, trained with cross-entropy and Adam, batches of 16.

Arms (3 seeds each, trained at once with cnnbook.train.fit_seeds):

- CoordConv, the paper's 7,553-parameter network (a CoordConv layer, then 1x1 convolutions 32, 32,
  64, 64, 1), lr 0.005, 600 steps (60 epochs of the quadrant split's 160 centres; the reference code
  trains 50 to 100 epochs): on both splits without L2, and on the quadrant split with the paper's L2
  of 0.001;
- deconv, a transposed-convolution network (1x1 -> 4x4 -> 8x8 -> 16x16, 68,737 parameters), lr 0.002,
  trained for 2,000 steps so that it (nearly) fits its training set, on both splits.

The paper's L2 adds 0.001 * sum(w^2) over the kernels to the loss (tf_plus.regularizers.l2reg in the
reference code uber-research/CoordConv), whose gradient is 2 * 0.001 * w: that is Adam's
``weight_decay=0.002`` in PyTorch (which also decays the biases).

Records, per arm and seed: train and test accuracy (arg-max pixel = centre), the mean distance in
pixels between the arg-max pixel and the centre on the test set, and the training-loss curve.

Usage:  python experiments/spherical_coordconv.py [--smoke] [--jobs N] [--out FILE]
        make experiments
Writes book/spherical/results/coordconv.json (or FILE). --smoke runs a tiny version in seconds.
"""

from __future__ import annotations

import multiprocessing
import time

import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.data.coordconv import not_so_clevr
from cnnbook.nn.spherical import CoordConv2d
from cnnbook.train import accuracy, fit_seeds

from experiments._results import ROOT, cpu_seconds, experiment_parser, loss_summary, write_results

SEEDS = [0, 1, 2]
SIZE, RADIUS = 16, 1
PAPER_L2 = 0.001                      # the paper's penalty 0.001 * sum(w^2) ...
WEIGHT_DECAY = 2 * PAPER_L2           # ... is Adam's weight_decay = 0.002 (gradient 2 * 0.001 * w)
BATCH_SIZE = 16
ARMS = {  # name: (network, learning rate, weight decay, steps, splits)
    "CoordConv": ("coordconv", 5e-3, 0.0, 600, ["uniform", "quadrant"]),
    "CoordConv, L2 0.001": ("coordconv", 5e-3, WEIGHT_DECAY, 600, ["quadrant"]),
    "deconv": ("deconv", 2e-3, 0.0, 2000, ["uniform", "quadrant"]),
}


class Tile(nn.Module):
    """(N, 2) coordinates -> (N, 2, S, S) constant maps."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        return xy[:, :, None, None].expand(-1, -1, self.size, self.size)


def coordconv_net(size: int = SIZE) -> nn.Sequential:
    """The paper's coordinate classifier: tile, CoordConv 1x1 to 32, then 1x1 convs 32, 64, 64, 1 (7,553 parameters)."""
    return nn.Sequential(Tile(size), CoordConv2d(2, 32, 1), nn.ReLU(), nn.Conv2d(32, 32, 1), nn.ReLU(),
                         nn.Conv2d(32, 64, 1), nn.ReLU(), nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, 1, 1),
                         nn.Flatten())


def deconv_net() -> nn.Sequential:
    """The deconv baseline: a 1x1 input upsampled by transposed convolutions to 4x4, 8x8 and 16x16."""
    return nn.Sequential(nn.Unflatten(1, (2, 1, 1)), nn.ConvTranspose2d(2, 64, 4), nn.ReLU(),
                         nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1),
                         nn.Flatten())


NETWORKS = {"coordconv": coordconv_net, "deconv": deconv_net}


def pixel_error(logits: torch.Tensor, index: torch.Tensor, size: int) -> float:
    """Mean Euclidean distance, in pixels, between the arg-max pixel and the true centre."""
    pred = logits.argmax(dim=1)
    di = (pred // size - index // size).double()
    dj = (pred % size - index % size).double()
    return float(torch.sqrt(di**2 + dj**2).mean())


def run_job(job: tuple[str, str, int, list[int]]) -> tuple[str, str, dict]:
    """Train one arm on one split with every seed; return its accuracies, pixel errors and loss curve."""
    arm, split, steps, seeds = job
    torch.set_num_threads(1)
    network, lr, weight_decay, _, _ = ARMS[arm]
    data = not_so_clevr(SIZE, RADIUS, split=split, seed=0)
    models, histories = fit_seeds(NETWORKS[network], seeds, [data["train_xy"], data["train_index"]],
                                  lambda m, xy, index: F.cross_entropy(m(xy), index), steps=steps,
                                  batch_size=BATCH_SIZE, lr=lr, weight_decay=weight_decay, desc=f"{arm} [{split}]")
    result: dict = {"steps": steps, "lr": lr, "weight_decay": weight_decay}
    with torch.no_grad():
        for part in ("train", "test"):
            outs = [m(data[f"{part}_xy"]) for m in models]
            result[f"{part}_accuracy"] = [round(accuracy(o, data[f"{part}_index"]), 4) for o in outs]
            result[f"{part}_pixel_error"] = [round(pixel_error(o, data[f"{part}_index"], SIZE), 4) for o in outs]
    summary = loss_summary(histories, per_seed_curve=True)      # histories: (seeds, steps)
    result["loss_last_tenth"], result["loss_curve"] = summary["loss_last_tenth"], summary["loss_curve"]
    return arm, split, result


def main() -> None:
    parser = experiment_parser(__doc__, ROOT / "book" / "spherical" / "results" / "coordconv.json")
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), cpu_seconds()
    seeds = [0, 1] if args.smoke else SEEDS
    jobs = [(arm, split, 3 if args.smoke else steps, seeds)
            for arm, (_, _, _, steps, splits) in ARMS.items() for split in splits]
    jobs.sort(key=lambda job: -job[2] * (2.5 if ARMS[job[0]][0] == "coordconv" else 1))  # longest first
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        done = pool.map(run_job, jobs, chunksize=1)
    results: dict = {arm: {} for arm in ARMS}
    for arm, split, result in done:
        results[arm][split] = result
    config = dict(size=SIZE, radius=RADIUS, batch_size=BATCH_SIZE, paper_l2=PAPER_L2, smoke=args.smoke,
                  arms={arm: dict(network=net, lr=lr, weight_decay=wd, steps=steps, splits=splits)
                        for arm, (net, lr, wd, steps, splits) in ARMS.items()},
                  paper={"source": "Liu et al., NeurIPS 2018; uber-research/CoordConv README and experiment_logs.sh",
                         "canvas": 64, "square": 9, "coordconv_test_accuracy_both_splits": 1.0,
                         "deconv_best_uniform_test_accuracy": 0.86})
    write_results(args.out, seeds=seeds, config=config, results=results, wall_start=wall, cpu_start=cpu)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
