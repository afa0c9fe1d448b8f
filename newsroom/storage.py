"""Static files storage: WhiteNoise's compressed manifest storage, with URLs remembered per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """``url()`` answers from a per-process memo after the first call for a name.

    A hashed name is fixed for the life of the process (the manifest is read
    once, at start-up), yet finding it and joining it to ``STATIC_URL`` is done
    again for every ``{% static %}`` of every page: three per article page,
    about a tenth of an uncached render. The memo is keyed by ``DEBUG`` too,
    since unhashed names are served while it is on.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_memo: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        key = (name, settings.DEBUG)
        found = self._url_memo.get(key)
        if found is None:
            found = self._url_memo[key] = super().url(name)
        return found
