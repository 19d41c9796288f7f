"""The front desk's free-time finder: the website's free times (the same selector,
the same rules) for a treatment, a day and a practitioner or anyone, for a booking
by phone or for moving an appointment. Each time links to the form, filled in."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings.availability import Policy, Slot
from bookings.forms.desk import FreeTimeFinderForm
from bookings.models import Appointment
from bookings.selectors.booking import available_slots, qualified_practitioners

# How far the finder looks for the next free day when the day asked has none.
LOOK_AHEAD_DAYS = 14


@dataclass(frozen=True)
class FreeTime:
    start: datetime.datetime  # local
    link: str  # to the form, this time filled in
    where: str  # the rooms and devices it would hold ("Room 1, Laser"), or ""


@dataclass(frozen=True)
class PractitionerTimes:
    name: str
    times: list[FreeTime]


class FreeTimeViews:
    """The appointment admin's free-time finder (its get_urls routes it)."""

    def free_times_view(self, request: HttpRequest) -> HttpResponse:
        moving = None
        if request.GET.get("move"):
            moving = get_object_or_404(
                Appointment.objects.select_related("treatment", "practitioner"),
                pk=request.GET["move"] if request.GET["move"].isdigit() else 0,
            )
            if not self.has_change_permission(request, moving):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        data = request.GET.copy()
        if moving is not None and "date" not in data:
            data["date"] = max(timezone.localtime(moving.start).date(), today).isoformat()
        asked = moving is not None or "treatment" in data
        form = FreeTimeFinderForm(
            data if asked else None, moving=moving, initial={"date": today, **data.dict()}
        )
        found = None
        if form.is_valid():
            found = self._free_times(form.cleaned_data, moving)
        if found:
            day = found["day"]
            found["previous_day"] = same_search_on(request, day - datetime.timedelta(days=1))
            found["next_day"] = same_search_on(request, day + datetime.timedelta(days=1))
            if found["next_free"]:
                found["next_free_link"] = same_search_on(request, found["next_free"].date())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move {moving}" if moving else "Book by phone: find a free time",
            "opts": self.model._meta,
            "form": form,
            "moving": moving,
            "moving_holds": ", ".join(
                moving.allocations.filter(holds_time=True)
                .order_by("resource_id")
                .values_list("resource__name", flat=True)
            )
            if moving
            else "",
            "found": found,
        }
        return TemplateResponse(request, "admin/bookings/appointment/free_times.html", context)

    def _free_times(self, choice: dict, moving: Appointment | None) -> dict:
        treatment = moving.treatment if moving else choice["treatment"]
        policy = Policy.from_settings(treatment)
        if choice["short_notice"]:
            policy = policy.without_notice()
        practitioners = qualified_practitioners(treatment)
        wanted = choice["practitioner"]
        resource = choice.get("resource")
        wanted_resources = frozenset() if resource is None else frozenset({resource})
        slots = available_slots(
            treatment,
            first_day=choice["date"],
            days=1,
            now=timezone.now(),
            policy=policy,
            practitioner_id=wanted.pk if wanted else None,
            ignore_appointment_id=moving.pk if moving else None,
            practitioners=practitioners,
            wanted_resources=wanted_resources,
        )
        next_free = None
        if not slots:
            later = available_slots(
                treatment,
                first_day=choice["date"] + datetime.timedelta(days=1),
                days=LOOK_AHEAD_DAYS,
                now=timezone.now(),
                policy=policy,
                practitioner_id=wanted.pk if wanted else None,
                ignore_appointment_id=moving.pk if moving else None,
                practitioners=practitioners,
                wanted_resources=wanted_resources,
            )
            next_free = later[0].start.astimezone(policy.zone) if later else None
        by_practitioner: dict[int, PractitionerTimes] = {}
        for slot in slots:
            row = by_practitioner.setdefault(
                slot.practitioner_id, PractitionerTimes(slot.practitioner_name, [])
            )
            link = self._pick_link(slot, choice, treatment, moving, policy)
            where = ", ".join(name for _, name in slot.resources)
            row.times.append(FreeTime(slot.start.astimezone(policy.zone), link, where))
        return {
            "treatment": treatment,
            "day": choice["date"],
            "rows": list(by_practitioner.values()),
            "count": len(slots),
            "performers": len(practitioners),
            "next_free": next_free,
        }

    @staticmethod
    def _pick_link(slot: Slot, choice: dict, treatment, moving, policy: Policy) -> str:
        local = slot.start.astimezone(policy.zone)
        picked = {"start_date": local.date().isoformat(), "start_time": local.strftime("%H:%M")}
        if choice["short_notice"]:
            picked["allow_short_notice"] = "on"
        if moving is not None:
            if slot.practitioner_id != moving.practitioner_id:
                picked["new_practitioner"] = slot.practitioner_id
            # The room or device chosen here, or the one the time would hold: the move
            # form shows it and keeps to it (a swap needs it named).
            resource = choice.get("resource") or next((id_ for id_, _ in slot.resources), None)
            if resource is not None:
                picked["resource"] = resource
            url = reverse("admin:bookings_appointment_change", args=[moving.pk])
        else:
            picked.update(treatment=treatment.pk, practitioner=slot.practitioner_id)
            if choice.get("client"):
                picked["client"] = choice["client"].pk
            url = reverse("admin:bookings_appointment_add")
        return f"{url}?{urlencode(picked)}"


def same_search_on(request: HttpRequest, day: datetime.date) -> str:
    query = request.GET.copy()
    query["date"] = day.isoformat()
    return f"?{query.urlencode()}"
