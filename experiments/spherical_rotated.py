"""Rotated training (R/R): the networks of spherical_latitude, trained on randomly rotated digits.

The same five arms, seeds, steps and learning-rate schedule as experiments/spherical_latitude.py,
but every training digit is put on the sphere under a uniformly random 3-D rotation ("R"), so the
networks see every position and every tilt. Tested like the upright-trained networks: at fixed
|latitude| with a random longitude, on upright digits at random positions (N) and on rotated
digits (R).

Usage:  python experiments/spherical_rotated.py [--smoke] [--jobs N] [--out FILE]
        make experiments
Writes book/spherical/results/rotated.json (or FILE). --smoke runs a tiny version in seconds.
"""

from __future__ import annotations

from experiments._results import ROOT
from experiments.spherical_latitude import main

if __name__ == "__main__":
    main(training="R", doc=__doc__, default_out=ROOT / "book" / "spherical" / "results" / "rotated.json")
