from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from django.db.backends.signals import connection_created

        from articles import (
            receivers,  # noqa: F401  (connects signal receivers)
            search,
        )
        from articles.revisions import models_register
        from newsroom.caching.generation import connect_receivers
        from newsroom.dates import psycopg_loaders_clamp

        # A date stored past validation must not make every query reading it fail (newsroom.dates).
        connection_created.connect(psycopg_loaders_clamp, dispatch_uid="newsroom_dates_psycopg_loaders")
        models_register()  # django-reversion: what every revision of an article or photo holds

        # Full-page cache invalidation (generation bump) on every content change.
        connect_receivers()
        # Search: the SQLite index's text function on every connection, its triggers after migrate.
        search.connect_receivers(app_config=self)
