"""Receivers of ``articles`` signals (articles never imports rankings)."""
