"""WSGI entry point (gunicorn newsroom.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

# Page-view beacons skip Django's request cycle (rankings.wsgi); everything else is Django's.
from rankings.wsgi import BeaconFastPath  # noqa: E402 - needs the settings get_wsgi_application() set up

application = BeaconFastPath(application)
