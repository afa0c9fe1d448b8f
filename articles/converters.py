"""URL path converters for reader pages."""


class UnicodeSlugConverter:
    """A slug that may hold non-ASCII letters, as django-taggit makes for tags like "東京"."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
