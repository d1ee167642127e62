"""Alignment engine: beads, scoring, dynamic-programming search, the Aligner."""

from .bead import Alignment, Bead

__all__ = ["Alignment", "Bead"]
