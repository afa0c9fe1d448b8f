from django.urls import path

from rankings import views

app_name = "rankings"

urlpatterns = [
    path("ranking/", views.ranking_page, name="ranking"),
    path("rankings/beacon", views.page_view_beacon, name="beacon"),
]
