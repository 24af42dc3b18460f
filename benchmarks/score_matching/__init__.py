"""Experiments of the score matching module (Givens, Liu and Reeve, 2025)."""
