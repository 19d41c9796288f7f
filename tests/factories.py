"""factory_boy factories that build valid object graphs: a medical treatment with its
allowed roles, a practitioner qualified for it, a physician's accepted agreement."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from practitioners.models import Practitioner, SupervisionAgreement, TimeOff, WorkingHours
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
from treatments.standard_roles import ensure_standard_roles


def role(code: str) -> Role:
    """One of the standard roles (re-created here after a transactional test's flush)."""
    ensure_standard_roles(Role)
    return Role.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ContraindicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contraindication
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"condition-{n}")
    name = factory.LazyAttribute(lambda c: c.code.replace("-", " ").capitalize())
    question = factory.LazyAttribute(lambda c: f"Do you have {c.name.lower()}?")


class TreatmentFactory(factory.django.DjangoModelFactory):
    """A day-spa treatment; use MedicalTreatmentFactory for a medical one."""

    class Meta:
        model = Treatment
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    kind = Treatment.Kind.DAY_SPA
    name = factory.Sequence(lambda n: f"Treatment {n}")
    slug = factory.Sequence(lambda n: f"treatment-{n}")
    summary = "A calm hour for your skin."
    description = "What happens, step by step."
    duration_minutes = 60
    buffer_minutes = 15
    price = Decimal("120.00")
    minimum_age = 16


class MedicalTreatmentFactory(TreatmentFactory):
    kind = Treatment.Kind.MEDICAL
    minimum_age = 18
    requires_consent = True
    consent_text = "I understand the risks and agree to the treatment."
    duration_minutes = 30
    buffer_minutes = 10

    @factory.post_generation
    def allowed_roles(self, create, extracted, **kwargs):
        if not create:
            return
        codes = extracted if extracted is not None else ["registered-nurse", "physician"]
        ensure_standard_roles(Role)
        self.allowed_roles.set(Role.objects.filter(code__in=codes))


class TreatmentContraindicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentContraindication

    treatment = factory.SubFactory(MedicalTreatmentFactory)
    contraindication = factory.SubFactory(ContraindicationFactory)
    severity = TreatmentContraindication.Severity.ABSOLUTE


class PractitionerFactory(factory.django.DjangoModelFactory):
    """A registered nurse with a licence valid for a year."""

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Practitioner {n}")
    slug = factory.Sequence(lambda n: f"practitioner-{n}")
    role = factory.LazyFunction(lambda: role("registered-nurse"))
    licence_number = factory.Sequence(lambda n: f"RN-{n:06d}")
    licence_expires_on = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )

    @factory.post_generation
    def qualified_treatments(self, create, extracted, **kwargs):
        if create and extracted:
            self.qualified_treatments.set(extracted)


class PhysicianFactory(PractitionerFactory):
    display_name = factory.Sequence(lambda n: f"Dr. Physician {n}")
    slug = factory.Sequence(lambda n: f"dr-physician-{n}")
    role = factory.LazyFunction(lambda: role("physician"))
    licence_number = factory.Sequence(lambda n: f"MD-{n:06d}")
    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"doctor{n}"))


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    practitioner = factory.SubFactory(PractitionerFactory)
    weekday = WorkingHours.Weekday.MONDAY
    starts_at = datetime.time(9, 0)
    ends_at = datetime.time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda t: t.starts_at + datetime.timedelta(hours=4))
    reason = "Training"


class SupervisionAgreementFactory(factory.django.DjangoModelFactory):
    """An agreement in force for a year around today, accepted by the physician."""

    class Meta:
        model = SupervisionAgreement
        skip_postgeneration_save = True

    practitioner = factory.SubFactory(PractitionerFactory)
    physician = factory.SubFactory(PhysicianFactory)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))
    covers_all_qualified = True
    accepted_by = factory.LazyAttribute(lambda a: a.physician.user)
    accepted_at = factory.LazyAttribute(
        lambda a: timezone.now() - datetime.timedelta(days=31) if a.accepted_by else None
    )

    class Params:
        unaccepted = factory.Trait(accepted_by=None, accepted_at=None)


class ResourceFactory(factory.django.DjangoModelFactory):
    """A treatment room; `kind=Resource.Kind.DEVICE` for a device."""

    class Meta:
        model = Resource
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Room {n + 1}")
    kind = Resource.Kind.ROOM


class ResourceNeedFactory(factory.django.DjangoModelFactory):
    """A treatment's need, met by any one of `resources` (a list)."""

    class Meta:
        model = ResourceNeed
        skip_postgeneration_save = True

    treatment = factory.SubFactory(TreatmentFactory)
    label = "a treatment room"

    @factory.post_generation
    def resources(self, create, extracted, **kwargs):
        if create and extracted:
            self.resources.set(extracted)


class ResourceOutOfServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceOutOfService

    resource = factory.SubFactory(ResourceFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    reason = "Calibration"


def needs(treatment: Treatment, label: str, *resources: Resource) -> ResourceNeed:
    """The treatment needs any one of `resources` for its whole length."""
    return ResourceNeedFactory(treatment=treatment, label=label, resources=list(resources))
