"""The demo spa's content, read from bookings/demo/spa.yaml: the shape of the data and its checks.

The content (prose, prices, durations, roles, contraindication rules, consent texts,
categories, rooms and devices and what each treatment needs of them, practitioners and
their hours, agreements, logins and groups) lives in spa.yaml: a spa adapting the demo
edits that file, not Python. load() reads it with yaml.safe_load into the dataclasses
below and checks every entry before seed_demo writes anything; a malformed entry stops
it with a DemoDataError naming the entry.

Nothing here touches the database; bookings/demo/seed.py reads these structures.
Dates are relative to the day the seed runs ("expires in 20 days"); weekly hours and
times are in the spa's local time.
"""

import dataclasses
import datetime
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from bookings.demo.pictures import MOTIFS
from treatments.models import (
    MEDICAL_MINIMUM_AGE,
    Resource,
    ResourceNeed,
    Treatment,
    TreatmentContraindication,
)
from treatments.standard_roles import STANDARD_ROLES

SPA_FILE = Path(__file__).with_name("spa.yaml")
DEFAULT_PASSWORD = "medspa-demo"  # noqa: S105 (a documented demo password, CONTRACT.md)
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (documented demo secret)
TOTP_DEVICE_NAME = "Demo authenticator"
WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
# Role code -> whether it may supervise (the migrations create these roles).
ROLES = {code: can_supervise for code, _name, can_supervise, *_ in STANDARD_ROLES}
# Django's four, then permissions of a model's own (Meta.permissions), by codename.
ACTIONS = ("view", "add", "change", "delete", "change_clinical_rules")
DEFAULT_ACTIONS = ACTIONS[:4]
# Module attributes naming the groups of these keys in spa.yaml; the seeder puts
# physicians' logins in the second, the other practitioners' in the third, and the
# medical director's also in the fourth.
GROUP_KEYS = {
    "FRONT_DESK": "front_desk",
    "SUPERVISING_DOCTORS": "supervising_doctors",
    "PRACTITIONERS_GROUP": "practitioners",
    "MEDICAL_DIRECTOR": "medical_director",
}

Hours = dict[str, tuple[tuple[datetime.time, datetime.time], ...]]


class DemoDataError(Exception):
    """The demo data cannot be created (a malformed spa.yaml, a missing role...)."""


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    # (light background, deep background, accent) for the generated treatment images.
    palette: tuple[str, str, str]


@dataclass(frozen=True)
class ContraindicationSpec:
    code: str
    name: str
    question: str
    guidance: str


@dataclass(frozen=True)
class TimeOffSpec:
    """A period away from work (a practitioner) or out of service (a room or device)."""

    starts_in_days: int
    start: datetime.time
    ends_in_days: int
    end: datetime.time
    reason: str
    # "Tue": moved on to the first Tuesday from starts_in_days (the end moved as much).
    weekday: str | None = None


@dataclass(frozen=True)
class ResourceSpec:
    """A room or device; booking tries them in the file's order (the database's ids)."""

    name: str
    kind: str
    notes: str = ""
    out_of_service: tuple[TimeOffSpec, ...] = ()


@dataclass(frozen=True)
class NeedSpec:
    """Something treatments need for their whole length: any one of `any_of` (names of
    resources)."""

    key: str
    label: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class TreatmentSpec:
    slug: str
    name: str
    category: str
    kind: str
    summary: str
    description: str
    what_to_expect: str
    # "Is it right for you?" on the treatment's page, written for this treatment.
    suitability: str
    duration_minutes: int
    buffer_minutes: int
    price: Decimal
    image_alt: str
    # Shapes drawn on the generated image (bookings/demo/pictures.py MOTIFS).
    motifs: tuple[str, ...]
    minimum_age: int = 16
    # Medical treatments only.
    allowed_roles: tuple[str, ...] = ()
    requires_gfe: bool = False
    consent_text: str = ""
    # What the treatment record holds: "general", "injectable" or "energy_device".
    charting: str = "general"
    # (contraindication code, "absolute" or "relative")
    contraindications: tuple[tuple[str, str], ...] = ()
    # Keys of the needs (rooms and devices) it holds for its whole length.
    needs: tuple[str, ...] = ()
    # Mailed after the visit (services/follow_ups.py); "" for none.
    aftercare: str = ""
    # The "time to book again" mail this many days after a visit; None for none.
    rebook_after_days: int | None = None

    @property
    def is_medical(self) -> bool:
        return self.kind == Treatment.Kind.MEDICAL


@dataclass(frozen=True)
class PractitionerSpec:
    slug: str
    display_name: str
    role: str
    licence_number: str
    licence_expires_in_days: int
    bio: str
    # Slugs of treatments, each one `role` may perform.
    treatments: tuple[str, ...]
    # Weekday name ("Mon") -> working blocks (from, until), in order (split shifts).
    hours: Hours
    # (light, deep) colours of the generated avatar.
    avatar_palette: tuple[str, str]
    username: str
    first_name: str
    last_name: str
    time_off: tuple[TimeOffSpec, ...] = ()
    # The medical director owns every treatment's clinical rules (the group of that key).
    medical_director: bool = False
    # Physicians: the number the front desk calls about a review.
    phone: str = ""

    def blocks(self) -> Iterator[tuple[int, datetime.time, datetime.time]]:
        """(weekday, 0 = Monday; from; until) of every weekly working block."""
        for day, blocks in self.hours.items():
            for starts, ends in blocks:
                yield WEEKDAYS[day], starts, ends


@dataclass(frozen=True)
class AgreementSpec:
    practitioner: str
    physician: str
    started_days_ago: int
    ends_in_days: int
    chart_review_percent: int
    # None: the physician has not accepted it yet, so it supervises nothing (the admin
    # and the doctor portal show it waiting for the doctor).
    accepted_days_before_start: int | None = 7
    notes: str = ""


@dataclass(frozen=True)
class StaffUserSpec:
    """A demo login that is not a practitioner's own (admin, front desk)."""

    username: str
    first_name: str
    last_name: str
    is_staff: bool
    group: str | None = None  # the group's name (spa.yaml gives its key)
    is_superuser: bool = False


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    # (app label, model name, actions among ACTIONS); the seeder skips models that are
    # not installed.
    permissions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class StaffTemplate:
    """A kind of practitioner the volume seeder hires: role, title after the name, and
    the treatments of these categories, plus these slugs, that the role may perform."""

    role: str
    categories: tuple[str, ...]
    suffix: str = ""
    treatments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtraRooms:
    """Rooms the volume seeder opens as it hires: one like the room `like` (needed
    wherever it is) for every `every_hired` practitioners hired, named `name` N."""

    like: str
    name: str
    every_hired: float


@dataclass(frozen=True)
class Spa:
    email_domain: str
    categories: tuple[CategorySpec, ...]
    contraindications: tuple[ContraindicationSpec, ...]
    resources: tuple[ResourceSpec, ...]
    needs: tuple[NeedSpec, ...]
    treatments: tuple[TreatmentSpec, ...]
    practitioners: tuple[PractitionerSpec, ...]
    agreements: tuple[AgreementSpec, ...]
    groups: tuple[GroupSpec, ...]
    staff_users: tuple[StaffUserSpec, ...]
    extra_staff: tuple[StaffTemplate, ...]
    extra_rooms: tuple[ExtraRooms, ...] = ()

    def group_name(self, key: str) -> str:
        return next(group.name for group in self.groups if group.key == key)


@functools.cache
def spa() -> Spa:
    """The demo spa (SPA_FILE), read and checked once."""
    return load(SPA_FILE)


def __getattr__(name: str):
    """CATEGORIES, TREATMENTS, GROUPS... and FRONT_DESK...: the demo spa's, read on first use."""
    if name in GROUP_KEYS:
        return spa().group_name(GROUP_KEYS[name])
    if name.isupper() and name.lower() in {field.name for field in dataclasses.fields(Spa)}:
        return getattr(spa(), name.lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Reading and checking the file --------------------------------------------------------


class _Problem(Exception):
    """What is wrong and where, without the file name (load adds it)."""


def load(path: Path) -> Spa:
    """Read and check a spa file; a DemoDataError names the first malformed entry."""
    try:
        text = path.read_text(encoding="utf-8")
        _refuse_repeated_keys(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
        return _spa(data)
    except (OSError, yaml.YAMLError, _Problem) as error:
        raise DemoDataError(f"{path.name}: {error}") from None


def _refuse_repeated_keys(node: yaml.Node | None) -> None:
    """A repeated key would silently replace the first one (a lost weekday, a lost group)."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                raise _Problem(f"line {key.start_mark.line + 1}: {key.value!r} appears twice")
            seen.add(key.value if isinstance(key, yaml.ScalarNode) else id(key))
            _refuse_repeated_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_repeated_keys(item)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"expected text, got {value!r}")
    return value


def _short_text(longest: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        if len(_text(value)) > longest:
            raise _Problem(f"at most {longest} characters, got {len(value)}")
        return value

    return check


def _whole(value: object, low: int = -100_000, high: int = 100_000) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _Problem(f"expected a whole number from {low} to {high}, got {value!r}")
    return value


def _every(value: object) -> float:
    """A number of practitioners, 1.5 allowed (two rooms for every three)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 1000:
        raise _Problem(f"expected a number from 1 to 1000, like 2 or 1.5, got {value!r}")
    return float(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Problem(f"expected true or false, got {value!r}")
    return value


def _one_of(choices) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise _Problem(f"unknown {value!r}; expected one of: {', '.join(choices)}")
        return value

    return check


def _list(
    value: object, item: Callable = _text, length: int | None = None, at_least: int = 0
) -> tuple:
    if (
        not isinstance(value, list)
        or (length is not None and len(value) != length)
        or len(value) < at_least
    ):
        count = f"{length} items" if length else "a list"
        raise _Problem(f"expected {count} like [a, b], got {value!r}")
    items = tuple(item(entry) for entry in value)
    if len(set(items)) != len(items):
        raise _Problem(f"an item appears twice in {value!r}")
    return items


def _colour(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise _Problem(f'expected a colour like "#a1b2c3" (in quotes), got {value!r}')
    return value


def _price(value: object) -> Decimal:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        price = None
    if isinstance(value, bool) or price is None or not 0 <= price < 1_000_000:
        raise _Problem(f"expected an amount like 125.00, got {value!r}")
    if price != price.quantize(Decimal("0.01")):
        raise _Problem(f"expected at most two decimals, got {value!r}")
    return price.quantize(Decimal("0.01"))


def _time(value: object) -> datetime.time:
    if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d", value):
        try:
            return datetime.time.fromisoformat(value)
        except ValueError:
            pass
    raise _Problem(f'expected a time like "13:00" (in quotes), got {value!r}')


def _hours(value: object) -> Hours:
    """{"Mon": "09:00-13:00 14:00-18:00"} -> {"Mon": ((09:00, 13:00), (14:00, 18:00))}."""
    if not isinstance(value, dict):
        raise _Problem(f"expected weekdays like Mon: 09:00-17:00, got {value!r}")
    hours = {}
    for day, text in value.items():
        _one_of(WEEKDAYS)(day)
        blocks = []
        for block in text.split() if isinstance(text, str) else [None]:
            starts, _, ends = (block or "").partition("-")
            try:
                blocks.append((_time(starts), _time(ends)))
            except _Problem:
                raise _Problem(f"{day}: expected blocks like 09:00-13:00 14:00-18:00") from None
        if not blocks or any(
            not starts < ends or (later and later[0] < ends)
            for (starts, ends), later in zip(blocks, [*blocks[1:], None], strict=True)
        ):
            raise _Problem(f"{day}: blocks must run forwards, in order, apart: {text!r}")
        hours[day] = tuple(blocks)
    return hours


def _fields(cls: type, raw: object, **convert: Callable) -> dict:
    """The fields of one `cls` from a mapping: every field without a default present, no
    unknown field, each value checked by its converter (non-empty text unless told)."""
    if not isinstance(raw, dict):
        raise _Problem(f"expected fields (name: value), got {raw!r}")
    fields = dataclasses.fields(cls)
    unknown = sorted(set(raw) - {field.name for field in fields})
    if unknown:
        names = ", ".join(field.name for field in fields)
        raise _Problem(f"unknown field {unknown[0]!r}; the fields are: {names}")
    values = {}
    for field in fields:
        if field.name not in raw:
            if field.default is dataclasses.MISSING:
                raise _Problem(f"missing field {field.name!r}")
            continue
        try:
            values[field.name] = convert.get(field.name, _text)(raw[field.name])
        except _Problem as problem:
            raise _Problem(f"{field.name}: {problem}") from None
    return values


def _section(data: dict, name: str, cls: type, key: str | None, /, **convert) -> list:
    """(where, spec) for each entry of one list in the file, named by its `key` field."""
    raw = data.get(name)
    if not isinstance(raw, list):
        raise _Problem(f"{name}: expected a list of entries (- field: value), or []")
    entries, seen = [], set()
    for number, item in enumerate(raw, start=1):
        label = item.get(key) if key and isinstance(item, dict) else None
        where = f"{name} entry {number}" + (f" ({label})" if isinstance(label, str) else "")
        try:
            spec = cls(**_fields(cls, item, **convert))
        except _Problem as problem:
            raise _Problem(f"{where}: {problem}") from None
        if key and getattr(spec, key) in seen:
            raise _Problem(f"{where}: {key} {getattr(spec, key)!r} is used twice")
        seen.add(getattr(spec, key) if key else number)
        entries.append((where, spec))
    return entries


def _spa(data: object) -> Spa:
    sections = [field.name for field in dataclasses.fields(Spa)]
    if not isinstance(data, dict):
        raise _Problem(f"expected the sections {', '.join(sections)}")
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise _Problem(f"unknown section {unknown[0]!r}; the sections are: {', '.join(sections)}")
    try:
        email_domain = _text(data.get("email_domain"))
    except _Problem as problem:
        raise _Problem(f"email_domain: {problem}") from None
    categories = _section(
        data, "categories", CategorySpec, "slug", palette=lambda v: _list(v, _colour, 3)
    )
    contraindications = _section(data, "contraindications", ContraindicationSpec, "code")
    resources = _section(
        data,
        "resources",
        ResourceSpec,
        "name",
        name=_short_text(Resource._meta.get_field("name").max_length),
        kind=_one_of(Resource.Kind.values),
        notes=_short_text(Resource._meta.get_field("notes").max_length),
        out_of_service=_periods,
    )
    needs = _section(
        data,
        "needs",
        NeedSpec,
        "key",
        label=_short_text(ResourceNeed._meta.get_field("label").max_length),
        any_of=lambda v: _list(v, _one_of([s.name for _, s in resources]), at_least=1),
    )
    treatments = _treatments(
        data,
        [s.slug for _, s in categories],
        [s.code for _, s in contraindications],
        {spec.key: spec for _, spec in needs},
    )
    practitioners = _practitioners(data, {spec.slug: spec for _, spec in treatments})
    groups = _section(data, "groups", GroupSpec, "key", permissions=_permissions)
    group_names = {spec.key: spec.name for _, spec in groups}
    for key in GROUP_KEYS.values():
        if key not in group_names:
            raise _Problem(f"groups: the group with key {key!r} is missing")
    staff_users = _section(
        data,
        "staff_users",
        StaffUserSpec,
        "username",
        is_staff=_flag,
        is_superuser=_flag,
        group=lambda v: group_names[_one_of(list(group_names))(v)],
    )
    logins = {practitioner.username for _, practitioner in practitioners}
    for where, spec in staff_users:
        if spec.username in logins:
            raise _Problem(f"{where}: username {spec.username!r} is a practitioner's too")
    return Spa(
        email_domain=email_domain,
        categories=tuple(spec for _, spec in categories),
        contraindications=tuple(spec for _, spec in contraindications),
        resources=tuple(spec for _, spec in resources),
        needs=tuple(spec for _, spec in needs),
        treatments=tuple(spec for _, spec in treatments),
        practitioners=tuple(spec for _, spec in practitioners),
        agreements=_agreements(data, {spec.slug: spec for _, spec in practitioners}),
        groups=tuple(spec for _, spec in groups),
        staff_users=tuple(spec for _, spec in staff_users),
        extra_staff=tuple(
            spec
            for _, spec in _section(
                data,
                "extra_staff",
                StaffTemplate,
                None,
                role=_one_of(ROLES),
                categories=lambda v: _list(v, _one_of([s.slug for _, s in categories])),
                suffix=lambda v: v if isinstance(v, str) else _text(v),
                treatments=lambda v: _list(v, _one_of([s.slug for _, s in treatments])),
            )
        ),
        extra_rooms=_extra_rooms(data, [s.name for _, s in resources if s.kind == "room"]),
    )


def _extra_rooms(data: dict, rooms: list[str]) -> tuple[ExtraRooms, ...]:
    """Optional: a spa that never runs the volume seeder needs none."""
    if "extra_rooms" not in data:
        return ()
    entries = _section(
        data,
        "extra_rooms",
        ExtraRooms,
        "like",
        like=_one_of(rooms),
        name=_short_text(Resource._meta.get_field("name").max_length - 6),
        every_hired=_every,
    )
    return tuple(spec for _, spec in entries)


def _treatments(
    data: dict, categories: list[str], codes: list[str], needs: dict[str, NeedSpec]
) -> list:
    severities = TreatmentContraindication.Severity.values

    def rules(value: object) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict) or not set(value) <= set(severities):
            raise _Problem(f"expected absolute: [codes] and relative: [codes], got {value!r}")
        pairs = [
            (code, severity)
            for severity in severities
            for code in _list(value.get(severity, []), _one_of(codes))
        ]
        if len({code for code, _ in pairs}) < len(pairs):
            raise _Problem("a contraindication is both absolute and relative")
        return tuple(pairs)

    treatments = _section(
        data,
        "treatments",
        TreatmentSpec,
        "slug",
        category=_one_of(categories),
        kind=_one_of(Treatment.Kind.values),
        duration_minutes=lambda v: _whole(v, 5, 480),
        buffer_minutes=lambda v: _whole(v, 0, 120),
        price=_price,
        motifs=lambda v: _list(v, _one_of(MOTIFS)),
        minimum_age=lambda v: _whole(v, 0, 120),
        allowed_roles=lambda v: _list(v, _one_of(ROLES)),
        requires_gfe=_flag,
        charting=_one_of(Treatment.Charting.values),
        contraindications=rules,
        needs=lambda v: _list(v, _one_of(list(needs))),
        rebook_after_days=lambda v: _whole(v, 1, 3650),
    )
    for where, spec in treatments:
        listed = [name for key in spec.needs for name in needs[key].any_of]
        if len(set(listed)) < len(listed):
            # Each need holds its own resource: one listed twice could leave a need unmet.
            raise _Problem(f"{where}: needs: a resource is listed by two of its needs")
        clinical = spec.allowed_roles or spec.requires_gfe or spec.consent_text
        if not spec.is_medical and (clinical or spec.contraindications):
            raise _Problem(
                f"{where}: only a medical treatment has allowed_roles, requires_gfe, "
                "consent_text or contraindications"
            )
        if spec.is_medical and spec.minimum_age < MEDICAL_MINIMUM_AGE:
            raise _Problem(f"{where}: medical treatments need minimum_age {MEDICAL_MINIMUM_AGE}")
        if spec.is_medical and not spec.allowed_roles:
            raise _Problem(f"{where}: a medical treatment needs allowed_roles")
    return treatments


def _periods(value: object) -> tuple[TimeOffSpec, ...]:
    """Time off, or out of service: days from the seed's day and local times."""
    found = []
    for number, raw in enumerate(value if isinstance(value, list) else [value], start=1):
        try:
            spec = TimeOffSpec(
                **_fields(
                    TimeOffSpec,
                    raw,
                    starts_in_days=_whole,
                    ends_in_days=_whole,
                    start=_time,
                    end=_time,
                    weekday=_one_of(WEEKDAYS),
                )
            )
            if (spec.ends_in_days, spec.end) <= (spec.starts_in_days, spec.start):
                raise _Problem("it must end after it starts")
        except _Problem as problem:
            raise _Problem(f"entry {number}: {problem}") from None
        found.append(spec)
    return tuple(found)


def _practitioners(data: dict, treatments: dict[str, TreatmentSpec]) -> list:
    practitioners = _section(
        data,
        "practitioners",
        PractitionerSpec,
        "slug",
        role=_one_of(ROLES),
        licence_expires_in_days=_whole,
        treatments=lambda v: _list(v, _one_of(list(treatments))),
        hours=_hours,
        avatar_palette=lambda v: _list(v, _colour, 2),
        time_off=_periods,
        medical_director=_flag,
    )
    usernames = set()
    for where, spec in practitioners:
        if spec.username in usernames:
            raise _Problem(f"{where}: username {spec.username!r} is used twice")
        usernames.add(spec.username)
        for slug in spec.treatments:
            treatment = treatments[slug]
            if treatment.is_medical and spec.role not in treatment.allowed_roles:
                raise _Problem(
                    f"{where}: the role {spec.role} may not perform {slug} "
                    f"(its allowed_roles: {', '.join(treatment.allowed_roles)})"
                )
    return practitioners


def _agreements(data: dict, practitioners: dict[str, PractitionerSpec]) -> tuple:
    agreements = _section(
        data,
        "agreements",
        AgreementSpec,
        None,
        practitioner=_one_of(list(practitioners)),
        physician=_one_of(list(practitioners)),
        started_days_ago=_whole,
        ends_in_days=_whole,
        chart_review_percent=lambda v: _whole(v, 0, 100),
        accepted_days_before_start=lambda v: None if v is None else _whole(v, 0),
    )
    for where, spec in agreements:
        if not ROLES[practitioners[spec.physician].role]:
            raise _Problem(f"{where}: {spec.physician} is not of a role that may supervise")
        if spec.ends_in_days < -spec.started_days_ago:
            raise _Problem(f"{where}: it must end after it starts")
    return tuple(spec for _, spec in agreements)


def _permissions(value: object) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise _Problem(f"expected app.model: [actions], got {value!r}")
    found = []
    for model, actions in value.items():
        app_label, _, model_name = str(model).partition(".")
        if not (app_label and model_name):
            raise _Problem(f"expected app.model (like bookings.client), got {model!r}")
        try:
            found.append((app_label, model_name, _list(actions, _one_of(ACTIONS))))
        except _Problem as problem:
            raise _Problem(f"{model}: {problem}") from None
    return tuple(found)
