"""Deploy checks of our own settings (run by `manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs) -> list[Warning]:
    """Links in mail and calendar files use SITE_URL: it must be the public HTTPS address."""
    parts = urlsplit(settings.SITE_URL)
    if parts.hostname in {"127.0.0.1", "localhost", None} or parts.scheme != "https":
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in client mail would not work.",
                hint="Set SITE_URL to the public https:// address of the site.",
                id="medspa.W001",
            )
        ]
    return []
