"""Composed reads of the rankings app."""
