"""Rankings in the Django admin: read-only snapshots, per-article view charts, counted vs rejected traffic.

Every page here is read-only and open to any active staff user (reporters
and editors alike): nothing can be added, changed or deleted. Charts are SVG
drawn on the server (``rankings.charts``), each with a data table.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from rankings import charts, selectors
from rankings.models import ArticleViewStats, PageViewHourly, RankingEntry, RankingSnapshot, RejectedViewHourly

TOKYO = ZoneInfo("Asia/Tokyo")
ARTICLE_CHART_HOURS = 7 * 24
TRAFFIC_CHART_HOURS = 48
COUNTED = charts.Series(key="counted", label="Counted", css_class="chart-counted")
REJECTED_SERIES = [
    charts.Series(key=reason.value, label=f"Rejected: {reason.label}", css_class=f"chart-rejected-{reason.value}")
    for reason in RejectedViewHourly.Reason
]


def _tokyo(value):
    return timezone.localtime(value, TOKYO)


def _hour_label(value) -> str:
    return f"{_tokyo(value):%a %b} {_tokyo(value).day}, {_tokyo(value):%H}:00 JST"


def _is_staff(request) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


class StaffReadOnlyMixin:
    """Viewable by any active staff user; never added, changed or deleted through the admin."""

    def has_module_permission(self, request):
        return _is_staff(request)

    def has_view_permission(self, request, obj=None):
        return _is_staff(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def article_chart_url(article_id: int) -> str:
    return reverse("admin:rankings_articleviewstats_change", args=[article_id])


def traffic_chart_url() -> str:
    return reverse("admin:rankings_traffic")


class RankingEntryInline(StaffReadOnlyMixin, admin.TabularInline):
    model = RankingEntry
    extra = 0
    can_delete = False
    fields = ("position", "headline_link", "views", "movement", "previous_position", "views_chart")
    readonly_fields = fields
    ordering = ("position",)

    @admin.display(description="Headline")
    def headline_link(self, entry):
        return format_html('<a href="{}">{}</a>', entry.url, entry.headline)

    @admin.display(description="Views chart")
    def views_chart(self, entry):
        return format_html('<a href="{}">Last 7 days</a>', article_chart_url(entry.article_id))


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "window", "scope", "computed_at", "is_current")
    list_filter = ("is_current", "window", "section")
    list_select_related = ("section",)
    date_hierarchy = "computed_at"
    fields = ("window", "section", "computed_at", "is_current")
    readonly_fields = fields
    inlines = [RankingEntryInline]
    change_list_template = "rankings/admin/snapshot_change_list.html"
    show_full_result_count = False

    @admin.display(description="Scope", ordering="section__position")
    def scope(self, snapshot):
        return snapshot.section.name if snapshot.section_id else "Site-wide"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "traffic_chart_url": traffic_chart_url()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ArticleViewStats)
class ArticleViewStatsAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    """Articles with their views of the last 7 days; an article's page is its hourly chart."""

    list_display = ("headline", "section", "status", "published_at", "views_7d")
    list_filter = ("status", "section")
    list_select_related = ("section",)
    search_fields = ("headline",)
    ordering = ("-published_at", "-id")
    change_list_template = "rankings/admin/article_views_change_list.html"
    show_full_result_count = False

    def get_queryset(self, request):
        since = timezone.now() - timedelta(hours=ARTICLE_CHART_HOURS)
        views = (
            PageViewHourly.objects.filter(article_id=OuterRef("pk"), hour__gte=since)
            .order_by()
            .values("article_id")
            .annotate(total=Sum("views"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .only("id", "headline", "status", "published_at", "section__name")
            .annotate(views_7d=Coalesce(Subquery(views, output_field=IntegerField()), 0))
        )

    @admin.display(description="Views (7 days)", ordering="views_7d")
    def views_7d(self, article):
        return f"{article.views_7d:,}"

    def get_urls(self):
        urls = [path("traffic/", self.admin_site.admin_view(self.traffic_view), name="rankings_traffic")]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "traffic_chart_url": traffic_chart_url()}
        return super().changelist_view(request, extra_context=extra_context)

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "app_label": self.opts.app_label, **extra}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The article's views per hour over the last 7 days (instead of a form: nothing here is editable)."""
        if not self.has_view_permission(request):
            raise Http404
        try:
            article_id = int(object_id)
        except (TypeError, ValueError):
            raise Http404("Not an article id.") from None
        article = get_object_or_404(ArticleViewStats.objects.select_related("section"), pk=article_id)
        hourly = selectors.article_views_hourly(article_id=article.pk, hours=ARTICLE_CHART_HOURS)
        total = sum(views for _hour, views in hourly)
        chart = charts.stacked_bar_chart(
            chart_id="article-views-chart",
            title=f"Views per hour of “{article.headline}”, last 7 days",
            desc=(
                f"Bar chart of counted views per hour from {_hour_label(hourly[0][0])} to "
                f"{_hour_label(hourly[-1][0])}: {total:,} views in all, "
                f"busiest hour {max(views for _h, views in hourly):,} views. The table below has every day."
            ),
            slots=[(_hour_label(hour), {"counted": views}) for hour, views in hourly],
            series=[charts.Series(key="counted", label="Views", css_class="chart-counted")],
            # A label at each Tokyo midnight.
            x_ticks={
                i: f"{_tokyo(hour):%a %b} {_tokyo(hour).day}"
                for i, (hour, _v) in enumerate(hourly)
                if _tokyo(hour).hour == 0
            },
        )
        days: dict = {}
        for hour, views in hourly:
            day = _tokyo(hour).date()
            days[day] = days.get(day, 0) + views
        context = self._context(
            request,
            title=f"Views: {article.headline}",
            subtitle=None,
            article=article,
            chart=chart,
            total=total,
            days=sorted(days.items()),
            hours=[(_hour_label(hour), views) for hour, views in reversed(hourly)],
            traffic_chart_url=traffic_chart_url(),
            original=article,
        )
        return TemplateResponse(request, "rankings/admin/article_views.html", context)

    def traffic_view(self, request):
        """Counted views versus rejected beacons, by reason, per hour of the last 48 hours."""
        if not self.has_view_permission(request):
            raise Http404
        traffic = selectors.page_view_traffic_hourly(hours=TRAFFIC_CHART_HOURS)
        counted = sum(h.counted for h in traffic)
        rejected = {s.key: sum(h.rejected.get(s.key, 0) for h in traffic) for s in REJECTED_SERIES}
        chart = charts.stacked_bar_chart(
            chart_id="traffic-chart",
            title="Counted versus rejected page views per hour, last 48 hours",
            desc=(
                f"Stacked bar chart, one bar per hour: counted views at the bottom, rejected beacons above by "
                f"reason. In all {counted:,} counted and {sum(rejected.values()):,} rejected, of which "
                f"{rejected.get(RejectedViewHourly.Reason.BOT, 0):,} from bots. The table below has every hour."
            ),
            slots=[(_hour_label(h.hour), {"counted": h.counted, **h.rejected}) for h in traffic],
            series=[COUNTED, *REJECTED_SERIES],
            # A label every 6 Tokyo hours, with the date at midnight.
            x_ticks={
                i: (
                    f"{_tokyo(h.hour):%b} {_tokyo(h.hour).day}"
                    if _tokyo(h.hour).hour == 0
                    else f"{_tokyo(h.hour):%H}:00"
                )
                for i, h in enumerate(traffic)
                if _tokyo(h.hour).hour % 6 == 0
            },
        )
        reasons = [s for s in REJECTED_SERIES if rejected[s.key]] or REJECTED_SERIES[:1]
        rows = [
            {
                "hour": _hour_label(h.hour),
                "counted": h.counted,
                "rejected": [h.rejected.get(s.key, 0) for s in reasons],
                "rejected_total": h.rejected_total,
            }
            for h in reversed(traffic)
        ]
        context = self._context(
            request,
            title="Counted versus rejected views",
            subtitle=None,
            chart=chart,
            counted=counted,
            rejected_total=sum(rejected.values()),
            totals=[(s, rejected[s.key]) for s in REJECTED_SERIES],
            reasons=reasons,
            rows=rows,
        )
        return TemplateResponse(request, "rankings/admin/traffic.html", context)
