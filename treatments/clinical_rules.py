"""A treatment's clinical rules belong to the medical director: who may perform it,
whether it needs a good-faith exam or written consent, the minimum age, its kind, the
chart it gets, its contraindications and what its page says about who it suits.
Everyone else reads them; every change is kept (ClinicalRuleChange)."""

from django.contrib.auth.models import AbstractBaseUser

from treatments.models import ClinicalRuleChange, Treatment

CHANGE_CLINICAL_RULES = "treatments.change_clinical_rules"
CLINICAL_FIELDS = [
    "kind",
    "allowed_roles",
    "requires_gfe",
    "requires_consent",
    "minimum_age",
    "consent_text",
    "suitability",
    "charting",
    "aftercare",
]
NONE = "(none)"


def may_change_clinical_rules(user: AbstractBaseUser) -> bool:
    return user.has_perm(CHANGE_CLINICAL_RULES)


def clinical_rules_of(treatment: Treatment | None) -> dict[str, str]:
    """The rules as the database holds them now, each as text ({} for a new treatment)."""
    if treatment is None or treatment.pk is None:
        return {}
    stored = Treatment.objects.get(pk=treatment.pk)
    rules = {
        str(Treatment._meta.get_field(name).verbose_name): str(getattr(stored, name))
        for name in CLINICAL_FIELDS
        if name != "allowed_roles"
    }
    rules["allowed roles"] = ", ".join(sorted(role.name for role in stored.allowed_roles.all()))
    for rule in stored.contraindication_rules.select_related("contraindication"):
        rules[f"contraindication: {rule.contraindication.name}"] = rule.severity
    return rules


def record_clinical_rule_changes(
    treatment: Treatment, before: dict[str, str], user: AbstractBaseUser
) -> list[ClinicalRuleChange]:
    """Keep one row per rule that differs from `before` (call it after saving)."""
    after = clinical_rules_of(treatment)
    changes = [
        ClinicalRuleChange(
            treatment=treatment,
            rule=rule,
            old_value=before.get(rule, NONE),
            new_value=after.get(rule, NONE),
            changed_by=user,
        )
        for rule in sorted(before.keys() | after.keys())
        if before.get(rule) != after.get(rule)
    ]
    return ClinicalRuleChange.objects.bulk_create(changes)
