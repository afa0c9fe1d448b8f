"""A URLconf that mounts the reader pages elsewhere (articles.tests.test_urlcache)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("articles.urls"))]
