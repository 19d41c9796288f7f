from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from treatments import catalogue_cache
        from treatments.models import (
            Category,
            Contraindication,
            Role,
            Treatment,
            TreatmentContraindication,
        )

        catalogue_cache.watch(
            Role, Category, Contraindication, Treatment, TreatmentContraindication
        )
