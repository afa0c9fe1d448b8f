"""Writes of the rankings app: recording page views and building snapshots."""
