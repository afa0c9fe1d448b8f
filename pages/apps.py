from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Trust pages"

    def ready(self):
        from pages import receivers  # noqa: F401  (connects signal receivers)
