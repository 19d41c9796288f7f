from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "practitioners"
    verbose_name = "Staff"

    def ready(self) -> None:
        from practitioners.models import Practitioner, SupervisionAgreement, WorkingHours
        from treatments import catalogue_cache

        # Who performs what, when they work and who supervises them are part of what
        # the catalogue pages and availability keep in memory.
        catalogue_cache.watch(Practitioner, WorkingHours, SupervisionAgreement)
