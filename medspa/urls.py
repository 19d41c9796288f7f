from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from medspa import bench_views, views

admin.site.site_header = f"{settings.SPA_NAME}: front desk"
admin.site.site_title = settings.SPA_NAME
admin.site.index_title = "Today at the spa"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("medspa.accounts_urls")),
    path("", include("bookings.urls.public")),
    path("", include("bookings.urls.portals")),
    path("", include("treatments.urls")),
]

if settings.SERVE_MEDIA:
    # Only the public pictures folders; never anything else under MEDIA_ROOT.
    urlpatterns.append(
        re_path(
            r"^media/(?P<path>(?:treatments|practitioners)/(?:thumbs/)?[\w-]+\.(?:webp|png|jpe?g))$",
            views.public_media,
            name="public_media",
        )
    )

if settings.BENCH_CEILING:
    urlpatterns.append(path("bench/ceiling", bench_views.ceiling))
