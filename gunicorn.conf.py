"""Gunicorn configuration: ``gunicorn -c gunicorn.conf.py newsroom.wsgi``.

Every value can be set from the environment so one file serves all deployments.
"""

import multiprocessing
import os

# The production server runs with DEBUG off unless told otherwise explicitly (the settings'
# default too; an empty or misspelt DJANGO_DEBUG stops start-up there).
os.environ.setdefault("DJANGO_DEBUG", "0")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads: a worker serves several requests at once, so one slow client (or a slow Redis or
# database answer) holds one thread, not the whole worker. Slow clients are nginx's job
# (deploy/nginx.conf, the README's production setup); this is the second line.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than nginx's upstream keepalive_timeout (4 s), so nginx never reuses a connection
# gunicorn is closing; short, so idle connections do not hold threads.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak can never take a server down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client, time, request line, status, bytes, referrer, agent and duration in microseconds.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
