from django.urls import path

from pages import views
from pages.models import TrustPage

app_name = "pages"

urlpatterns = [
    path("corrections/", views.corrections, name="corrections"),
    # One fixed address per kind (/about/, /contact/, /corrections-policy/, /privacy/, /terms/).
    *(path(f"{kind}/", views.trust_page_detail, {"kind": kind}, name=kind) for kind in TrustPage.Kind.values),
]
