from django.contrib.admin.apps import AdminConfig


class MedspaAdminConfig(AdminConfig):
    default_site = "medspa.auth.MedspaAdminSite"
