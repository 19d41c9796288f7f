"""What a treatment record (chart) holds: the entry a practitioner writes, the fields
each kind of treatment records (Treatment.charting), and the rules a chart must pass.
Writing and co-signing it are in services/records.py."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS

from bookings.models import TreatmentRecord
from treatments.models import Treatment


@dataclass(frozen=True)
class ChartEntry:
    what_was_done: str
    product: str = ""
    lot_number: str = ""
    lot_expiry: datetime.date | None = None
    units_per_area: str = ""
    device: str = ""
    device_settings: str = ""
    adverse_reactions: str = ""


# What a treatment record holds besides what was done and any adverse reaction: the
# fields of the treatment's kind of record, and only those (injectables are traced by
# lot, lasers and light by device and settings).
CHART_FIELDS: dict[str, tuple[str, ...]] = {
    Treatment.Charting.GENERAL: (),
    Treatment.Charting.INJECTABLE: ("product", "lot_number", "lot_expiry", "units_per_area"),
    Treatment.Charting.ENERGY_DEVICE: ("device", "device_settings"),
}
KIND_FIELDS = [name for fields in CHART_FIELDS.values() for name in fields]
CHARTED_AS = {
    Treatment.Charting.GENERAL: "this treatment",
    Treatment.Charting.INJECTABLE: "an injectable",
    Treatment.Charting.ENERGY_DEVICE: "a laser or light treatment",
}


def misplaced_chart_fields(charting: str, filled: Iterable[str]) -> str | None:
    """Why these filled-in fields do not belong in this kind of record, or None."""
    filled = set(filled)
    own = CHART_FIELDS[charting]
    foreign = [name for name in KIND_FIELDS if name in filled and name not in own]
    if not foreign:
        return None
    names = [str(TreatmentRecord._meta.get_field(name).verbose_name) for name in foreign]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"The record of {CHARTED_AS[charting]} has no {listed}: leave it out. Nothing was saved."


def chart_problems(
    entry: ChartEntry, *, treatment: Treatment, day: datetime.date
) -> dict[str, str]:
    """What a chart of this treatment must hold, and nothing of another kind of record;
    an expired lot is refused."""
    errors: dict[str, str] = {}
    if not entry.what_was_done.strip():
        errors["what_was_done"] = "Describe what was done."
    filled = [name for name in KIND_FIELDS if getattr(entry, name) not in ("", None)]
    misplaced = misplaced_chart_fields(treatment.charting, filled)
    if misplaced:
        errors[NON_FIELD_ERRORS] = misplaced
    if treatment.charting == Treatment.Charting.INJECTABLE:
        for field, label in [
            ("product", "the product"),
            ("lot_number", "the lot number"),
            ("units_per_area", "the units per area"),
        ]:
            if not getattr(entry, field).strip():
                errors[field] = f"Record {label} (injectables are traced by lot)."
        if entry.lot_expiry is None:
            errors["lot_expiry"] = "Record the lot's expiry date."
        elif entry.lot_expiry < day:
            errors["lot_expiry"] = (
                f"This lot expired on {entry.lot_expiry:%Y-%m-%d}, before the treatment. "
                "An expired product may not be used: check the lot."
            )
    if treatment.charting == Treatment.Charting.ENERGY_DEVICE:
        if not entry.device.strip():
            errors["device"] = "Record the device used."
        if not entry.device_settings.strip():
            errors["device_settings"] = "Record the settings (fluence, pulse width, spot size...)."
    return errors
