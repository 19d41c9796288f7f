"""The licence kinds every US med spa employs; the spa can add or rename in the admin."""

STANDARD_ROLES = [
    # code, name, can_supervise, can_perform_gfe, display order
    ("esthetician", "Esthetician", False, False, 10),
    ("registered-nurse", "Registered nurse", False, False, 20),
    ("nurse-practitioner", "Nurse practitioner", False, True, 30),
    ("physician-assistant", "Physician assistant", False, True, 40),
    ("physician", "Physician", True, True, 50),
]


def ensure_standard_roles(role_model) -> None:
    """Create any standard role that is missing (used by the migration and by tests)."""
    for code, name, can_supervise, can_perform_gfe, order in STANDARD_ROLES:
        role_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "can_supervise": can_supervise,
                "can_perform_gfe": can_perform_gfe,
                "display_order": order,
            },
        )
