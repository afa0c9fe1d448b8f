"""Signals other apps listen to, so that ``articles`` never imports them."""

from django.dispatch import Signal

# Sent by ``seed_demo`` after the demo articles exist; kwargs: articles (list of Article).
demo_seeded = Signal()
