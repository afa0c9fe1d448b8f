"""Signals other apps listen to, so that ``articles`` never imports them."""

from django.dispatch import Signal

# Sent by ``seed_demo`` after the demo articles exist; kwargs: articles (list of Article).
demo_seeded = Signal()

# Sent by ``articles.services.articles_imported`` after an import batch wrote articles with bulk
# SQL (no save signals), inside the batch's transaction; kwargs: ids (list of article ids).
articles_imported = Signal()
