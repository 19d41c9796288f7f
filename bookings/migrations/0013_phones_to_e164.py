"""Phone numbers already stored, as typed, rewritten in E.164 so that a search finds
them however they are typed. A number that libphonenumber cannot read as valid in
the spa's region (PHONE_REGION) stays as it was; the admin shows it as typed."""

import phonenumbers
from django.conf import settings
from django.db import migrations

BATCH = 2000


def phone_to_e164(typed: str) -> str | None:
    # The rule as it was when this migration was written (medspa/phones.py may change).
    try:
        number = phonenumbers.parse(typed, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _rewrite(model, field: str) -> None:
    changed = []
    for row in model.objects.only("pk", field).iterator(chunk_size=BATCH):
        typed = getattr(row, field)
        e164 = phone_to_e164(typed)
        if e164 and e164 != typed:
            setattr(row, field, e164)
            changed.append(row)
    model.objects.bulk_update(changed, [field], batch_size=BATCH)


def phones_to_e164(apps, schema_editor) -> None:
    _rewrite(apps.get_model("bookings", "Client"), "phone")
    _rewrite(apps.get_model("bookings", "Appointment"), "client_phone")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0012_client_email_optional_phones_e164")]

    operations = [migrations.RunPython(phones_to_e164, migrations.RunPython.noop, elidable=True)]
