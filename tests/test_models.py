"""cnnbook.models.TinySegmenter: shapes, parameter counts and receptive fields of its heads."""

from __future__ import annotations

import pytest
import torch

import cnnbook.functional as cf
from cnnbook.models import TinySegmenter
from cnnbook.probes import gradient_receptive_field, receptive_field_extent
from cnnbook.train import count_parameters


@pytest.mark.parametrize("stages", [1, 2, 3])
@pytest.mark.parametrize("head", ["plain", "aspp"])
def test_output_has_one_logit_per_class_and_input_pixel(stages, head):
    model = TinySegmenter(head, channels=4, stages=stages, num_classes=3).eval()
    assert model(torch.randn(2, 1, 32, 24)).shape == (2, 3, 32, 24)


def test_parameter_counts_follow_the_layers():
    c, w, k = 8, 30, 3
    backbone = (1 * c * 9 + 2 * c) + (c * c * 9 + 2 * c)
    plain = backbone + c * w * 9 + 2 * w + w * k + k
    assert count_parameters(TinySegmenter("plain", c, stages=2, num_classes=k, head_channels=w)) == plain
    aspp = backbone + c * c * (1 + 27 + 1) + 5 * c * c + 2 * c * 6 + c * k + k
    assert count_parameters(TinySegmenter("aspp", c, rates=(1, 2, 4), stages=2, num_classes=k)) == aspp


def test_plain_head_field_is_the_recurrence_plus_one_upsampling_jump():
    torch.manual_seed(0)
    model = TinySegmenter("plain", channels=4, stages=2)
    extent = receptive_field_extent(gradient_receptive_field(model, (1, 32, 32), (0, 16, 16)))
    field = cf.receptive_field([(3, 2, 1), (3, 2, 1), (3, 1, 1)])[-1]
    assert extent == (field.size + field.jump,) * 2 == (19, 19)


def test_aspp_head_sees_the_whole_image():
    torch.manual_seed(0)
    model = TinySegmenter("aspp", channels=4, stages=2, rates=(1,))
    assert receptive_field_extent(gradient_receptive_field(model, (1, 32, 32), (0, 3, 3))) == (32, 32)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="head"):
        TinySegmenter("unet")
    for name in ("stages", "num_classes", "head_channels"):
        with pytest.raises(ValueError, match=name):
            TinySegmenter(**{name: 0})
    with pytest.raises(ValueError, match="head_channels"):
        TinySegmenter("aspp", channels=4, head_channels=8)
