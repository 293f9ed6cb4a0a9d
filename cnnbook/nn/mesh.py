"""UGSCNN's mesh convolution (Jiang et al., ICLR 2019) on the vertices of an icosphere."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from cnnbook.sphere.icosphere import check_level, icosphere, level_of
from cnnbook.sphere.mesh_ops import AREAS, mesh_operators
from cnnbook._validation import positive_int

__all__ = ["MeshConv", "MeshPool", "mesh_edge_length"]


def mesh_edge_length(level: int) -> float:
    """The mean length h of the straight edges of the level-``level`` icosphere (unit sphere)."""
    verts, faces = icosphere(check_level(level))
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    return float(np.linalg.norm(verts[edges[:, 0]] - verts[edges[:, 1]], axis=1).mean())


def _to_torch(matrix: sp.spmatrix) -> torch.Tensor:
    coo = matrix.tocoo()
    indices = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    return torch.sparse_coo_tensor(indices, torch.from_numpy(coo.data.astype(np.float64)),
                                   coo.shape, check_invariants=True).coalesce()


class MeshConv(nn.Module):
    """Mesh convolution: a learned mix of four differential operators, per channel pair.

    y[n, o] = b[o] + sum_c ( theta[o,c,0] x[n,c] + theta[o,c,1] (Delta x[n,c])
                            + theta[o,c,2] (d_EW x[n,c]) + theta[o,c,3] (d_NS x[n,c]) )

    - input (N, C_in, V), output (N, C_out, V), V = 10 * 4**level + 2 vertices;
    - ``coeffs`` theta has shape (C_out, C_in, 4) in the order identity, Laplacian, EW, NS (as in
      the reference code), ``bias`` (C_out): 4 C_in C_out + C_out parameters;
    - the operators are :func:`cnnbook.sphere.mesh_operators` (``level``, ``area``), stored as
      one stacked sparse float64 buffer ``operators`` of shape (3V, V) (Laplacian, EW, NS rows;
      cast to the input's dtype on use). By default the Laplacian is area-normalised (the
      paper's formula).
    - ``rescale=True`` multiplies the Laplacian by h**2 and the two derivatives by h, where h is
      the mesh's mean edge length (about 1.1 / 2**level on the unit sphere), so that all four
      operators are of order 1 at every level. Without it, at level 3 the Laplacian's rows sum to
      about 370 in absolute value against 1 for the identity: a unit coefficient on the Laplacian
      outweighs one on the identity by two orders of magnitude, and an optimiser that moves every
      coefficient by about the same step (Adam) moves the Laplacian term's output hundreds of times
      faster. The rescaled layer is the same family of functions (a coefficient absorbs a fixed
      factor), better conditioned for training. ``mesh_edge_length(level)`` gives h.
    """

    def __init__(self, in_channels: int, out_channels: int, level: int, bias: bool = True,
                 area: str = "voronoi", rescale: bool = False) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.level = check_level(level)
        if area not in AREAS:
            raise ValueError(f"area must be one of {', '.join(repr(a) for a in AREAS)}, got {area!r}")
        if not isinstance(rescale, bool):
            raise TypeError(f"rescale must be a bool, got {type(rescale).__name__}")
        self.rescale = rescale
        ops = mesh_operators(self.level, area)
        self.num_vertices = ops.laplacian.shape[0]
        h = mesh_edge_length(self.level) if rescale else 1.0
        # The three operators stacked into one (3V, V) sparse matrix: one sparse product per call.
        stacked = sp.vstack([ops.laplacian * h ** 2, ops.d_ew * h, ops.d_ns * h]).tocsr()
        self.register_buffer("operators", _to_torch(stacked), persistent=False)
        self.coeffs = nn.Parameter(torch.empty(out_channels, in_channels, 4))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        bound = 1 / math.sqrt(4 * in_channels)
        nn.init.uniform_(self.coeffs, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The four operator outputs stacked: (N, C, V) -> (N, C, 4, V) (identity, Delta, EW, NS)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor of shape (N, C, V), got {type(x).__name__}")
        if x.dim() != 3 or x.shape[1] != self.in_channels or x.shape[2] != self.num_vertices:
            raise ValueError(f"input must have shape (N, in_channels={self.in_channels}, "
                             f"V={self.num_vertices}) for level {self.level}, got {tuple(x.shape)}")
        n, c, v = x.shape
        flat = x.reshape(n * c, v).t()  # (V, N*C)
        applied = torch.sparse.mm(self.operators.to(dtype=x.dtype), flat)  # (3V, N*C)
        applied = applied.reshape(3, v, n, c).permute(2, 3, 0, 1)  # (N, C, 3, V)
        return torch.cat([x[:, :, None], applied], dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.features(x)  # (N, C_in, 4, V)
        n, c, _, v = feats.shape
        rows = feats.permute(0, 3, 1, 2).reshape(n, v, 4 * c)  # [n, v, c * 4 + k]
        weight = self.coeffs.reshape(self.out_channels, 4 * c)
        return nn.functional.linear(rows, weight, self.bias).transpose(1, 2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, level={self.level}, bias={self.bias is not None}"
                + (", rescale=True" if self.rescale else ""))


class MeshPool(nn.Module):
    """UGSCNN's vertex downsampling: keep the coarser level's vertices.

    Input (N, C, V_l) with V_l = 10 * 4**l + 2 and l >= 1; output (N, C, V_{l-1}), the first
    10 * 4**(l-1) + 2 vertices. Because :func:`cnnbook.sphere.icosphere` stores vertices
    coarse-first, these are exactly the vertices of the level-(l-1) icosphere. No parameters.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a torch.Tensor of shape (N, C, V), got {type(x).__name__}")
        if x.dim() != 3:
            raise ValueError(f"input must be 3-D (N, C, V) with V = 10 * 4**level + 2, got shape {tuple(x.shape)}")
        try:
            level = level_of(int(x.shape[2]), "vertices")
        except ValueError as exc:
            raise ValueError(f"input: {exc}") from None
        if level < 1:
            raise ValueError("input must be at level >= 1 (at least 42 vertices) to be pooled, got 12 vertices")
        return x[..., : 10 * 4 ** (level - 1) + 2]
