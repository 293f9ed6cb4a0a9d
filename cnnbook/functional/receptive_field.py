"""Receptive-field arithmetic. STUB: being written for issue 4."""

from __future__ import annotations


def receptive_field(layers):
    raise NotImplementedError("receptive_field is being written")
