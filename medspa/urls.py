from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from medspa import views

admin.site.site_header = f"{settings.SPA_NAME}: front desk"
admin.site.site_title = settings.SPA_NAME
admin.site.index_title = "Today at the spa"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("medspa.accounts_urls")),
    path("", include("treatments.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
