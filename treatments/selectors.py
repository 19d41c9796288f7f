"""Reads for the public catalogue pages.

Each selector costs a fixed number of queries whatever the size of the catalogue
(tests/treatments/test_pages.py pins the counts).
"""

from django.db.models import Model, Prefetch, QuerySet

from treatments.models import Treatment, TreatmentContraindication

FEATURED_PER_KIND = 3


def _practitioner_model() -> type[Model]:
    # treatments imports nothing from practitioners (DESIGN.md: dependencies point one
    # way), so the model comes from the reverse relation it declares on Treatment.
    return Treatment._meta.get_field("qualified_practitioners").related_model


def treatment_kind_or_none(value: str | None) -> str | None:
    """The kind named by a `?kind=` value, or None (all kinds) for anything unknown."""
    return value if value in Treatment.Kind.values else None


def treatments_for_catalogue(*, kind: str | None = None) -> QuerySet[Treatment]:
    """Active treatments ordered by category then display order, category joined in.

    One query. `kind` narrows to one half of the spa; None lists both.
    """
    treatments = Treatment.objects.for_catalogue()
    if kind is not None:
        treatments = treatments.filter(kind=kind)
    return treatments


def treatments_featured(*, per_kind: int = FEATURED_PER_KIND) -> dict[str, list[Treatment]]:
    """The first few active treatments of each kind, for the home page.

    Two queries (one per kind), keyed by kind value.
    """
    return {
        kind: list(
            Treatment.objects.active()
            .filter(kind=kind)
            .select_related("category")
            .order_by("display_order", "name")[:per_kind]
        )
        for kind in Treatment.Kind.values
    }


def treatment_for_detail(*, slug: str) -> Treatment:
    """One active treatment with what its page shows: category, who performs it and
    what rules it out.

    Three queries: the treatment with its category; the active practitioners qualified
    for it with their role (as `performers`); its contraindication rules with the
    contraindication (as `contraindication_rules`). Raises Treatment.DoesNotExist for
    an unknown or retired treatment.
    """
    practitioners = (
        _practitioner_model()
        ._default_manager.filter(is_active=True)
        .select_related("role")
        .order_by("display_order", "display_name")
    )
    rules = TreatmentContraindication.objects.select_related("contraindication").order_by(
        "severity", "contraindication__name"
    )
    return (
        Treatment.objects.active()
        .select_related("category")
        .prefetch_related(
            Prefetch("qualified_practitioners", queryset=practitioners, to_attr="performers"),
            Prefetch("contraindication_rules", queryset=rules),
        )
        .get(slug=slug)
    )
