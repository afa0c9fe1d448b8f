from django.contrib import admin

from pages.models import TrustPage


@admin.register(TrustPage)
class TrustPageAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "is_published", "updated_at")
    list_filter = ("is_published",)
    fields = ("kind", "title", "summary", "body", "is_published")
    search_fields = ("title", "body")

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_published else None
