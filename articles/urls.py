from django.urls import path, register_converter

from articles import views
from articles.converters import UnicodeSlugConverter

# Tag slugs keep non-ASCII letters (django-taggit slugifies with allow_unicode).
register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    # Any slug is accepted and a wrong one redirected, so shortened or mangled links still reach the story.
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("articles/<int:pk>/", views.article_detail, name="detail-no-slug"),
    path("section/<slug:slug>/", views.section_detail, name="section"),
    path("author/<slug:slug>/", views.author_detail, name="author"),
    path("tag/<uslug:slug>/", views.tag_detail, name="tag"),
    path("search/", views.search, name="search"),
]
