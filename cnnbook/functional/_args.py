"""Kept for old imports: the argument checks now live in :mod:`cnnbook._validation`."""

from cnnbook._validation import as_array, check_ndim, check_nonnegative, check_positive, integer, pair

__all__ = ["as_array", "check_ndim", "integer", "pair", "check_positive", "check_nonnegative"]
