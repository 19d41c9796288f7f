from django.contrib.admin.apps import AdminConfig


class MedspaAdminConfig(AdminConfig):
    default_site = "medspa.auth.MedspaAdminSite"

    def ready(self) -> None:
        super().ready()
        from medspa import auth, checks  # noqa: F401 (registers the checks and signals)
