"""Who has an article open: services and selectors of ``EditingSession`` (the admin's presence banner).

The change form's script (``static/admin_extra/article_desk.js``) posts a heartbeat every
``HEARTBEAT_SECONDS``; a session without one for ``PRESENCE_EXPIRY`` no longer counts. Rows live
in the database, so every process (gunicorn workers, SQLite or PostgreSQL) sees the same.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import EditingSession
from articles.templatetags.news import TOKYO

HEARTBEAT_SECONDS = 30
# Four missed heartbeats: a closed tab or a sleeping laptop stops counting after two minutes.
PRESENCE_EXPIRY = timedelta(seconds=120)


def editing_session_touch(*, article_id: int, user, now=None) -> EditingSession:
    """Record that ``user`` has the article open now; a session that had expired starts again."""
    now = now or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                session = EditingSession.objects.select_for_update().filter(article_id=article_id, user=user).first()
                if session is None:
                    return EditingSession.objects.create(
                        article_id=article_id, user=user, started_at=now, last_seen=now
                    )
                if session.last_seen < now - PRESENCE_EXPIRY:
                    session.started_at = now
                session.last_seen = now
                session.save(update_fields=["started_at", "last_seen"])
                return session
        except IntegrityError:  # two tabs of one user created it at once: the second one updates
            continue
    raise RuntimeError("editing session could not be recorded")


def editing_session_end(*, article_id: int, user) -> None:
    """``user`` closed the article (the page was left): others stop seeing them at once."""
    EditingSession.objects.filter(article_id=article_id, user=user).delete()


@dataclass(frozen=True)
class Editor:
    name: str
    since: str  # HH:MM in Tokyo

    @property
    def message(self) -> str:
        return f"{self.name} is editing this article (since {self.since})"


def editor_of(session: EditingSession) -> Editor:
    user = session.user
    local = session.started_at.astimezone(TOKYO)
    return Editor(name=user.get_full_name() or user.get_username(), since=f"{local:%H:%M}")


def article_editors(*, article_id: int, exclude_user=None, now=None) -> list[Editor]:
    """Everyone else who has the article open now, earliest first (one query)."""
    sessions = EditingSession.objects.active(now=now).filter(article_id=article_id).select_related("user")
    if exclude_user is not None:
        sessions = sessions.exclude(user=exclude_user)
    return [editor_of(s) for s in sessions.order_by("started_at", "id")]
