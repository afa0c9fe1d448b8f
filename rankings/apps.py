from django.apps import AppConfig


class RankingsConfig(AppConfig):
    name = "rankings"
    verbose_name = "Rankings"

    def ready(self):
        from rankings import receivers  # noqa: F401  (connects signal receivers)
