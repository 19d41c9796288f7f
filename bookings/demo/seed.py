"""Create the demo spa described in bookings/demo/spa.yaml (read by catalogue.py).

Idempotent: every object is looked up by its natural key (slug, code, username, a
room's or device's name) and created only when missing; existing objects, passwords
and images are left alone, so a second run changes nothing. What belongs to an object
(working hours, time off, a treatment's needs of rooms and devices, out-of-service
periods) is added only while it has none. Group permissions are the exception: they
are set to the exact list in spa.yaml on every run.
"""

import base64
import binascii
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.demo import catalogue, pictures, week
from bookings.demo.catalogue import (
    AgreementSpec,
    DemoDataError,
    PractitionerSpec,
    Spa,
    TimeOffSpec,
    TreatmentSpec,
)
from bookings.models import Appointment, Client, OutboundEmail, OutboundText
from practitioners.models import Practitioner, SupervisionAgreement, TimeOff, WorkingHours
from treatments.images import process_upload
from treatments.models import (
    Category,
    Contraindication,
    Resource,
    ResourceNeed,
    ResourceOutOfService,
    Role,
    Treatment,
    TreatmentContraindication,
)

# Models whose totals the summary reports, in this order.
SUMMARY_MODELS = (
    Category,
    Treatment,
    Contraindication,
    TreatmentContraindication,
    Resource,
    ResourceNeed,
    ResourceOutOfService,
    Practitioner,
    WorkingHours,
    TimeOff,
    SupervisionAgreement,
    Client,
    Appointment,
)

# The demo week's clients are not real (example.com): the mail and texts its bookings
# queue are marked skipped before the seed commits, so the worker sends none of them (a
# first `make run` prints no week of confirmations). Reminders and aftercare that the
# schedule plans afterwards do go, to those example.com addresses: the demo at work.
DEMO_NOT_SENT = "Demo data: never sent."


@dataclass
class SeedResult:
    """What a run did: totals afterwards, the demo logins (username, who) and warnings."""

    created: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Run:
    """State shared by the steps of one run."""

    spa: Spa
    today: datetime.date
    password: str
    totp_key_hex: str
    result: SeedResult
    # Files written so far: removed again if the transaction rolls back.
    written_files: list[FieldFile] = field(default_factory=list)
    _password_hash: str = ""

    def count(self, created: bool | int) -> None:
        """Add one created object (True) or a number of them."""
        self.result.created += int(created)

    def password_hash(self) -> str:
        """The demo password hashed once per run (hashing is slow on purpose).

        Every demo login shares the password anyway, so sharing the salt loses nothing.
        """
        if not self._password_hash:
            self._password_hash = make_password(self.password)
        return self._password_hash


def totp_key_hex(secret: str) -> str:
    """The hex key django-otp stores for a base32 secret (as authenticator apps show it)."""
    cleaned = secret.replace(" ", "").upper()
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise DemoDataError(
            f"DEMO_TOTP_SECRET must be base32 (letters A-Z and digits 2-7), not {secret!r}."
        ) from None
    if not 1 <= len(key) <= 40:
        raise DemoDataError("DEMO_TOTP_SECRET must decode to between 1 and 40 bytes.")
    return key.hex()


def seed_demo(
    *,
    password: str,
    totp_secret: str,
    today: datetime.date | None = None,
    with_week: bool = True,
) -> SeedResult:
    """Create whatever of the demo spa (spa.yaml) is missing, in one transaction; with
    `with_week`, a week of appointments around today too (bookings/demo/week.py)."""
    run = _Run(
        spa=catalogue.spa(),
        today=today or timezone.localdate(),
        password=password,
        totp_key_hex=totp_key_hex(totp_secret),
        result=SeedResult(),
    )
    outbox_before = {model: _last_pk(model) for model in (OutboundEmail, OutboundText)}
    with _remove_files_on_failure(run), transaction.atomic():
        roles = _roles(run.spa)
        groups = set_up_groups(not_granted=run.result.warnings, spa=run.spa)
        contraindications = _seed_contraindications(run)
        resources = _seed_resources(run)
        treatments = _seed_treatments(run, contraindications, roles, resources)
        desk = _seed_staff_users(run, groups)
        practitioners = _seed_practitioners(run, treatments, roles, groups)
        _seed_agreements(run, practitioners)
        if with_week:
            run.count(week.seed_week(now=timezone.now(), desk=desk))
        for model, before in outbox_before.items():
            model.objects.filter(pk__gt=before, state=model.State.QUEUED).update(
                state=model.State.SKIPPED, last_error=DEMO_NOT_SENT
            )
    run.result.totals = {
        model._meta.verbose_name_plural.capitalize(): model.objects.count()
        for model in SUMMARY_MODELS
    }
    return run.result


def _last_pk(model) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


@contextmanager
def _remove_files_on_failure(run: _Run) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for written in run.written_files:
            written.storage.delete(written.name)
        raise


def _roles(spa: Spa) -> dict[str, Role]:
    roles = {role.code: role for role in Role.objects.all()}
    codes = {spec.role for spec in spa.practitioners}
    codes.update(code for spec in spa.treatments for code in spec.allowed_roles)
    missing = sorted(codes - roles.keys())
    if missing:
        raise DemoDataError(
            f"The standard roles are missing ({', '.join(missing)}): run `manage.py migrate`."
        )
    return roles


def set_up_groups(not_granted: list[str] | None = None, spa: Spa | None = None) -> dict[str, Group]:
    """Create the staff groups and give each exactly its permissions in spa.yaml.

    Models that are not installed are skipped. Permissions that do not exist yet (a
    model without its migration) are skipped too and named in `not_granted`; the next
    run after `migrate` grants them.
    """
    groups = {}
    for spec in (spa or catalogue.spa()).groups:
        group, _ = Group.objects.get_or_create(name=spec.name)
        wanted: list[Permission] = []
        for app_label, model_name, actions in spec.permissions:
            try:
                apps.get_model(app_label, model_name)
            except LookupError:
                continue
            codenames = {
                f"{action}_{model_name}" if action in catalogue.DEFAULT_ACTIONS else action
                for action in actions
            }
            found = list(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model_name,
                    codename__in=codenames,
                )
            )
            wanted.extend(found)
            missing = codenames - {permission.codename for permission in found}
            if missing and not_granted is not None:
                not_granted.append(
                    f"{spec.name}: {app_label}.{', '.join(sorted(missing))} do not exist yet "
                    "(run `manage.py migrate`, then seed_demo again)."
                )
        # set() only writes the difference: nothing when the group is already right.
        group.permissions.set(wanted)
        groups[spec.name] = group
    return groups


def _seed_contraindications(run: _Run) -> dict[str, Contraindication]:
    found = {}
    for spec in run.spa.contraindications:
        contraindication, created = Contraindication.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "question": spec.question, "guidance": spec.guidance},
        )
        run.count(created)
        found[spec.code] = contraindication
    return found


def _seed_resources(run: _Run) -> dict[str, Resource]:
    """Rooms and devices, created in the file's order (booking tries them by id), each
    with its out-of-service periods while it has none on record."""
    found = {}
    for spec in run.spa.resources:
        resource, created = Resource.objects.get_or_create(
            name=spec.name, defaults={"kind": spec.kind, "notes": spec.notes}
        )
        run.count(created)
        if spec.out_of_service and not resource.out_of_service.exists():
            periods = ResourceOutOfService.objects.bulk_create(
                ResourceOutOfService(
                    resource=resource,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    reason=period.reason,
                )
                for period in spec.out_of_service
                for starts_at, ends_at in [_period(run, period)]
            )
            run.count(len(periods))
        found[spec.name] = resource
    return found


def _seed_needs(
    run: _Run, treatment: Treatment, spec: TreatmentSpec, resources: dict[str, Resource]
) -> None:
    """The rooms and devices the treatment needs, while it has none on record."""
    if not spec.needs or treatment.resource_needs.exists():
        return
    needs = {need.key: need for need in run.spa.needs}
    for key in spec.needs:
        need = ResourceNeed.objects.create(treatment=treatment, label=needs[key].label)
        need.resources.set(resources[name] for name in needs[key].any_of)
        run.count(True)


def _seed_treatments(
    run: _Run,
    contraindications: dict[str, Contraindication],
    roles: dict[str, Role],
    resources: dict[str, Resource],
) -> dict[str, Treatment]:
    palettes = {}
    categories = {}
    for order, spec in enumerate(run.spa.categories, start=1):
        category, created = Category.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "display_order": order * 10,
            },
        )
        run.count(created)
        categories[spec.slug] = category
        palettes[spec.slug] = spec.palette

    treatments = {}
    for order, spec in enumerate(run.spa.treatments, start=1):
        treatment, created = Treatment.objects.get_or_create(
            slug=spec.slug, defaults=_treatment_fields(spec, categories, order)
        )
        run.count(created)
        if created and spec.is_medical:
            treatment.allowed_roles.set([roles[code] for code in spec.allowed_roles])
            rules = TreatmentContraindication.objects.bulk_create(
                TreatmentContraindication(
                    treatment=treatment,
                    contraindication=contraindications[code],
                    severity=severity,
                )
                for code, severity in spec.contraindications
            )
            run.count(len(rules))
        _seed_needs(run, treatment, spec, resources)
        if not (_file_exists(treatment.image) and _file_exists(treatment.image_thumbnail)):
            png = pictures.treatment_picture(
                seed=spec.slug, palette=palettes[spec.category], motifs=spec.motifs
            )
            _store_picture(run, png, spec.slug, treatment.image, treatment.image_thumbnail)
            treatment.save(update_fields=["image", "image_thumbnail", "updated_at"])
        treatments[spec.slug] = treatment
    return treatments


def _treatment_fields(
    spec: TreatmentSpec, categories: dict[str, Category], order: int
) -> dict[str, object]:
    return {
        "category": categories[spec.category],
        "kind": spec.kind,
        "name": spec.name,
        "summary": spec.summary,
        "description": spec.description,
        "what_to_expect": spec.what_to_expect,
        "suitability": spec.suitability,
        "duration_minutes": spec.duration_minutes,
        "buffer_minutes": spec.buffer_minutes,
        "price": spec.price,
        "display_order": order * 10,
        "minimum_age": spec.minimum_age,
        "image_alt": spec.image_alt,
        "requires_gfe": spec.requires_gfe,
        "requires_consent": bool(spec.consent_text),
        "consent_text": spec.consent_text,
        "charting": spec.charting,
        "aftercare": spec.aftercare,
        "rebook_after_days": spec.rebook_after_days,
    }


def _file_exists(file: FieldFile) -> bool:
    return bool(file.name) and file.storage.exists(file.name)


def _store_picture(
    run: _Run, picture: bytes, stem: str, display_field: FieldFile, thumbnail_field: FieldFile
) -> None:
    """Save a generated picture the way an upload is saved: validated and re-encoded."""
    for old in (display_field, thumbnail_field):
        if _file_exists(old):
            old.storage.delete(old.name)
    processed = process_upload(ContentFile(picture, name=f"{stem}.png"), stem)
    for target, content in (
        (display_field, processed.display),
        (thumbnail_field, processed.thumbnail),
    ):
        target.save(content.name, content, save=False)
        run.written_files.append(target)


def _seed_staff_users(run: _Run, groups: dict[str, Group]) -> AbstractUser | None:
    """The demo's staff logins; returns the front desk's (who runs the demo week)."""
    desk = None
    front_desk = run.spa.group_name("front_desk")
    for spec in run.spa.staff_users:
        user = _ensure_user(
            run,
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
        if spec.group:
            user.groups.add(groups[spec.group])
        if spec.group == front_desk and desk is None:
            desk = user
        who = "superuser" if spec.is_superuser else f"staff, group {spec.group}"
        run.result.logins.append((spec.username, who))
    return desk


def _ensure_user(
    run: _Run,
    *,
    username: str,
    first_name: str,
    last_name: str,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> AbstractUser:
    """The user with this username; a new one gets the demo password and a TOTP device."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@{run.spa.email_domain}",
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        },
    )
    run.count(created)
    if created:
        user.password = run.password_hash()
        user.save(update_fields=["password"])
    _, created = TOTPDevice.objects.get_or_create(
        user=user,
        name=catalogue.TOTP_DEVICE_NAME,
        defaults={"key": run.totp_key_hex, "confirmed": True},
    )
    run.count(created)
    return user


def _seed_practitioners(
    run: _Run,
    treatments: dict[str, Treatment],
    roles: dict[str, Role],
    groups: dict[str, Group],
) -> dict[str, Practitioner]:
    practitioners = {}
    for order, spec in enumerate(run.spa.practitioners, start=1):
        role = roles[spec.role]
        group = groups[
            run.spa.group_name("supervising_doctors" if role.can_supervise else "practitioners")
        ]
        user = _ensure_user(
            run, username=spec.username, first_name=spec.first_name, last_name=spec.last_name
        )
        user.groups.add(group)
        if spec.medical_director:
            # The admin, limited by the group to the catalogue's clinical rules.
            user.groups.add(groups[run.spa.group_name("medical_director")])
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        practitioner, created = Practitioner.objects.get_or_create(
            slug=spec.slug,
            defaults={
                # A login already tied to someone else is not taken over.
                "user": None if Practitioner.objects.filter(user=user).exists() else user,
                "display_name": spec.display_name,
                "role": role,
                "licence_number": spec.licence_number,
                "phone": spec.phone,
                "licence_expires_on": run.today + datetime.timedelta(spec.licence_expires_in_days),
                "bio": spec.bio,
                "display_order": order * 10,
            },
        )
        run.count(created)
        if created:
            # Only what the role may perform, even if a treatment's roles were changed in
            # the admin before this practitioner was created.
            practitioner.qualified_treatments.set(
                treatment
                for slug in spec.treatments
                if (treatment := treatments[slug]).role_may_perform(role)
            )
        if not practitioner.working_hours.exists():
            run.count(len(WorkingHours.objects.bulk_create(_working_hours(practitioner, spec))))
        if not practitioner.time_off.exists():
            run.count(len(TimeOff.objects.bulk_create(_time_off(run, practitioner, spec))))
        if not (_file_exists(practitioner.photo) and _file_exists(practitioner.photo_thumbnail)):
            png = pictures.avatar_picture(name=spec.display_name, palette=spec.avatar_palette)
            _store_picture(run, png, spec.slug, practitioner.photo, practitioner.photo_thumbnail)
            practitioner.save(update_fields=["photo", "photo_thumbnail"])
        practitioners[spec.slug] = practitioner
        who = f"{role.name.lower()}, {spec.display_name}"
        run.result.logins.append((spec.username, who))
    return practitioners


def _working_hours(practitioner: Practitioner, spec: PractitionerSpec) -> list[WorkingHours]:
    return [
        WorkingHours(practitioner=practitioner, weekday=weekday, starts_at=starts, ends_at=ends)
        for weekday, starts, ends in spec.blocks()
    ]


def _local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _period(run: _Run, spec: TimeOffSpec) -> tuple[datetime.datetime, datetime.datetime]:
    """From and until, as instants: days from the run's day, moved on (both ends alike)
    to the first of the spec's weekday when it names one."""
    first = run.today + datetime.timedelta(spec.starts_in_days)
    if spec.weekday is not None:
        first += datetime.timedelta((catalogue.WEEKDAYS[spec.weekday] - first.weekday()) % 7)
    last = first + datetime.timedelta(spec.ends_in_days - spec.starts_in_days)
    return _local_datetime(first, spec.start), _local_datetime(last, spec.end)


def _time_off(run: _Run, practitioner: Practitioner, spec: PractitionerSpec) -> list[TimeOff]:
    return [
        TimeOff(practitioner=practitioner, starts_at=starts_at, ends_at=ends_at, reason=off.reason)
        for off in spec.time_off
        for starts_at, ends_at in [_period(run, off)]
    ]


def _seed_agreements(run: _Run, practitioners: dict[str, Practitioner]) -> None:
    by_practitioner: dict[str, list[AgreementSpec]] = {}
    for spec in run.spa.agreements:
        by_practitioner.setdefault(spec.practitioner, []).append(spec)
    for slug, specs in by_practitioner.items():
        practitioner = practitioners[slug]
        # A practitioner with any agreement on record is left as it is.
        if practitioner.supervision_agreements.exists():
            continue
        for spec in specs:
            physician = practitioners[spec.physician]
            if physician.user is None:
                raise DemoDataError(
                    f"{physician.display_name} has no login, so cannot accept an agreement."
                )
            valid_from = run.today - datetime.timedelta(spec.started_days_ago)
            accepted = spec.accepted_days_before_start is not None
            accepted_at = (
                _local_datetime(
                    valid_from - datetime.timedelta(spec.accepted_days_before_start),
                    datetime.time(10, 30),
                )
                if accepted
                else None
            )
            SupervisionAgreement.objects.create(
                practitioner=practitioner,
                physician=physician,
                valid_from=valid_from,
                valid_until=run.today + datetime.timedelta(spec.ends_in_days),
                covers_all_qualified=True,
                chart_review_percent=spec.chart_review_percent,
                accepted_by=physician.user if accepted else None,
                accepted_at=accepted_at,
                notes=spec.notes,
            )
            run.count(True)
