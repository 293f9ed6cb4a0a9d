"""Inpainting with four parameter-matched networks: which way of telling a network where the holes are works?

Data: the scikit-learn digits upsampled to 16×16; free-form brush-stroke holes 3 to 5 pixels wide, two or
three per image (about a third of the pixels), from cnnbook.data.strokes.make_stroke_masks (seed 0).
Images 0..1499 train, 1500..1796 test.

Arms (cnnbook.inpaint.InpaintingNet, about 6,000 parameters each, within 5 %):

- plain conv, no mask   (width 7): the masked image alone; a hole looks like black background;
- plain conv + mask     (width 7): the hole mask as a second input channel;
- partial conv          (width 7): every conv a cnnbook.nn.gated.PartialConv2d, the mask updated by its rule;
- gated conv            (width 5): every conv a cnnbook.nn.gated.GatedConv2d on image + mask.

Each arm trains 1,000 Adam steps (lr 0.01, batch 16) on the L1 loss of the composite image, with seeds
0..4 trained at once (cnnbook.train.fit_seeds). Recorded per seed: the test L1 over the hole pixels, the
same binned by the chessboard distance to the nearest known pixel (cnnbook.inpaint.distance_to_known; the
last bin pools 4 and more), the training-loss curve; for the gated arm, each seed's first-layer gate
statistics; for seed 0, the composite fill of four test images. Baselines that learn nothing: holes left
at 0, and diffusion fill (cnnbook.inpaint.diffusion_fill, 200 rounds).

Usage:  python -m experiments.gated_inpainting [--smoke] [--jobs N] [--out FILE]
        make experiments
Writes book/transposed-gated/results/inpainting.json (or FILE). --smoke runs a tiny version in seconds.
"""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import torch
import torch.nn.functional as F

import cnnbook.data as cdata
from cnnbook.data.strokes import make_stroke_masks
from cnnbook.inpaint import InpaintingNet, diffusion_fill, distance_to_known, hole_l1, l1_by_distance, l1_in_holes
from cnnbook.train import count_parameters, fit_seeds

from experiments._results import ROOT, cpu_seconds, experiment_parser, write_results

SEEDS = [0, 1, 2, 3, 4]
STEPS = 1000
WIDTH = {"plain conv, no mask": 7, "plain conv + mask": 7, "partial conv": 7, "gated conv": 5}
SIZE, STROKES, STROKE_WIDTH = 16, (2, 3), (3.0, 5.0)
N_TRAIN = 1500
RINGS = [1, 2, 3, 4]                        # chessboard distance bins; the last pools 4 and more
BATCH_SIZE, LR = 16, 1e-2
DIFFUSION_ITERATIONS = 200
SHOWN = 4                                   # test images whose seed-0 fills are stored

_DATA: dict = {}


def make_data(n_train: int, n_test: int) -> dict:
    """Images, hole masks and masked images, split into training and test sets."""
    digits, _ = cdata.load_digits()
    images = F.interpolate(digits, size=SIZE, mode="bilinear", align_corners=False).clamp(0, 1)
    holes = make_stroke_masks(len(images), SIZE, strokes=STROKES, width=STROKE_WIDTH, seed=0)
    masked = images * (1 - holes)
    train, test = slice(0, n_train), slice(N_TRAIN, N_TRAIN + n_test)
    return {"train": (masked[train], holes[train], images[train]),
            "test": (masked[test], holes[test], images[test])}


def _rounded(tensor: torch.Tensor, digits: int = 3) -> list:
    """A tensor as nested lists of Python floats rounded to ``digits`` decimals (float64, so 0.64 stays 0.64)."""
    return tensor.double().numpy().round(digits).tolist()


def gate_statistics(model: InpaintingNet, masked: torch.Tensor, holes: torch.Tensor) -> dict:
    """First-layer gates: mean per channel inside and outside the holes, and the share strictly in (0.05, 0.95)."""
    with torch.no_grad():
        g = model.layers[0].gates(torch.cat([masked, holes], dim=1))
    inside = (g * holes).sum(dim=(0, 2, 3)) / holes.sum()
    outside = (g * (1 - holes)).sum(dim=(0, 2, 3)) / (1 - holes).sum()
    return {"inside": _rounded(inside), "outside": _rounded(outside),
            "soft_share": round(float(((g > 0.05) & (g < 0.95)).float().mean()), 4)}


def run_job(job: tuple[str, int, list[int]]) -> tuple[str, dict]:
    """Train one arm with every seed; return its test errors, loss curve and (gated arm) gate statistics."""
    arm, steps, seeds = job
    torch.set_num_threads(1)
    width = WIDTH[arm]
    masked, holes, target = _DATA["test"]
    models, histories = fit_seeds(lambda: InpaintingNet(arm, width), seeds, _DATA["train"], hole_l1,
                                  steps=steps, batch_size=BATCH_SIZE, lr=LR, desc=arm)
    result: dict = {"width": width, "parameters": count_parameters(models[0]), "steps": steps,
                    "l1": [], "l1_by_distance": []}
    with torch.no_grad():
        for i, model in enumerate(models):
            prediction = model(masked, holes)
            result["l1"].append(round(l1_in_holes(prediction, target, holes), 5))
            result["l1_by_distance"].append([round(v, 5) for v in l1_by_distance(prediction, target, holes, RINGS)])
            if i == 0:
                fill = prediction[:SHOWN] * holes[:SHOWN] + masked[:SHOWN]
                result["seed0_fill"] = _rounded(fill[:, 0])
    if arm == "gated conv":
        result["gates"] = [gate_statistics(m, masked, holes) for m in models]
        with torch.no_grad():
            g = models[0].layers[0].gates(torch.cat([masked[:1], holes[:1]], dim=1))[0]
        result["seed0_gate_maps"] = _rounded(g)
    h = np.asarray(histories)                                   # (seeds, steps)
    chunks = np.array_split(np.arange(steps), min(steps, 50))
    result["loss_curve"] = {"step": [int(c[-1]) + 1 for c in chunks],
                            "loss": [h[:, c].mean(axis=1).round(5).tolist() for c in chunks]}
    return arm, result


def baselines() -> dict:
    """Holes left at 0 and diffusion fill on the test set: L1 in the holes, overall and by distance."""
    masked, holes, target = _DATA["test"]
    diffusion = diffusion_fill(masked, holes, iterations=DIFFUSION_ITERATIONS)
    distance = distance_to_known(holes)[holes.bool()]
    ring_of = distance.clamp(max=RINGS[-1])
    return {
        "holes left at 0": {"l1": round(l1_in_holes(masked, target, holes), 5),
                            "l1_by_distance": [round(v, 5) for v in l1_by_distance(masked, target, holes, RINGS)]},
        "diffusion fill": {"l1": round(l1_in_holes(diffusion, target, holes), 5),
                           "l1_by_distance": [round(v, 5) for v in l1_by_distance(diffusion, target, holes, RINGS)],
                           "fill": _rounded(diffusion[:SHOWN, 0])},
        "hole_pixels_by_distance": [int((ring_of == d).sum()) for d in RINGS],
        "max_distance": int(distance.max()),
        "hole_share": round(float(holes.mean()), 4),
        "shown": {"input": _rounded(masked[:SHOWN, 0]),
                  "holes": holes[:SHOWN, 0].numpy().astype(int).tolist(),
                  "original": _rounded(target[:SHOWN, 0])},
    }


def main() -> None:
    parser = experiment_parser(__doc__, ROOT / "book" / "transposed-gated" / "results" / "inpainting.json")
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), cpu_seconds()
    torch.set_num_threads(1)
    seeds, steps = ([0, 1], 3) if args.smoke else (SEEDS, STEPS)
    n_train, n_test = (64, 32) if args.smoke else (N_TRAIN, 297)
    _DATA.update(make_data(n_train, n_test))
    jobs = [(arm, steps, seeds) for arm in WIDTH]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        done = pool.map(run_job, jobs, chunksize=1)
    results: dict = {"arms": dict(done), "baselines": baselines()}
    config = dict(size=SIZE, strokes=list(STROKES), stroke_width=list(STROKE_WIDTH), n_train=n_train, n_test=n_test,
                  steps=steps, batch_size=BATCH_SIZE, lr=LR, rings=RINGS, diffusion_iterations=DIFFUSION_ITERATIONS,
                  widths=WIDTH, smoke=args.smoke)
    write_results(args.out, seeds=seeds, config=config, results=results, wall_start=wall, cpu_start=cpu)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
