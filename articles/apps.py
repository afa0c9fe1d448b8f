from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import receivers  # noqa: F401  (connects signal receivers)
        from articles.cache import connect_receivers

        # Full-page cache invalidation (generation bump) on every content change.
        connect_receivers()
