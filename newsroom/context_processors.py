from django.conf import settings


def site(request):
    """Site name for templates."""
    return {"SITE_NAME": settings.SITE_NAME}
