"""Rooms and devices in the admin: the list, its out-of-service periods (in the spa's
time, the end after the start), what each treatment needs, who may do what, and that
a period added here takes its times off the website at once."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from bookings.demo.seed import set_up_groups
from tests.factories import ResourceFactory, ResourceOutOfServiceFactory, UserFactory
from tests.page_forms import form_data
from tests.spa import NY, add_rooms, at, next_working_day
from treatments.models import Resource, ResourceNeed, ResourceOutOfService

pytestmark = pytest.mark.django_db
LIST_URL = "/admin/treatments/resource/"

# The front desk's rights on rooms and devices (issue 19): see them and what each
# treatment needs, and keep their out-of-service periods; adding or renaming a room,
# and deleting anything, stays with the manager. The same lines belong in the "Front
# desk" group of bookings/demo/spa.yaml.
DESK_RESOURCE_RIGHTS = [
    "view_resource",
    "view_resourceneed",
    "view_resourceoutofservice",
    "add_resourceoutofservice",
    "change_resourceoutofservice",
]


@pytest.fixture
def rooms(spa):
    return add_rooms(spa)


@pytest.fixture
def manager(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def front_desk(client):
    user = UserFactory(username="desk", is_staff=True)
    user.groups.add(set_up_groups()["Front desk"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="treatments", codename__in=DESK_RESOURCE_RIGHTS
        )
    )
    client.force_login(user)
    return client


def change_url(resource: Resource) -> str:
    return f"/admin/treatments/resource/{resource.pk}/change/"


def with_period(data: dict, start: datetime.datetime, end: datetime.datetime, reason: str):
    """The change form's data with one more out-of-service row (times in the spa's zone)."""
    data = {name: values[-1] for name, values in data.items()}
    n = int(data["out_of_service-TOTAL_FORMS"])
    data["out_of_service-TOTAL_FORMS"] = str(n + 1)
    for field, moment in (("starts_at", start), ("ends_at", end)):
        local = moment.astimezone(NY)
        data[f"out_of_service-{n}-{field}_0"] = local.date().isoformat()
        data[f"out_of_service-{n}-{field}_1"] = local.strftime("%H:%M")
    data[f"out_of_service-{n}-reason"] = reason
    return data


def laser_times(client, rooms, day) -> set[str]:
    slots = client.get(
        "/api/availability/", {"treatment": rooms.laser_treatment.slug, "date": day.isoformat()}
    ).json()["slots"]
    assert all(s["resources"] == [{"id": rooms.laser.pk, "name": "Laser"}] for s in slots)
    return {s["start"][11:16] for s in slots}


def test_the_list_shows_kind_use_notes_and_what_needs_it(manager, rooms):
    page = manager.get(LIST_URL).content.decode()
    for words in ("Room 1", "Laser", "Diode, 810 nm", "Hydrating facial", "Laser hair removal"):
        assert words in page
    devices = manager.get(LIST_URL, {"kind__exact": "device"}).context["cl"].result_list
    assert [r.name for r in devices] == ["Laser"]
    found = manager.get(LIST_URL, {"q": "810"}).context["cl"].result_list
    assert [r.name for r in found] == ["Laser"]


def test_resource_pages_are_staff_only(client, rooms):
    for url in (LIST_URL, change_url(rooms.laser), "/admin/treatments/resource/add/"):
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(UserFactory(username="client-user"))
    assert client.get(LIST_URL).status_code == 302  # not staff
    client.force_login(UserFactory(username="staff-no-rights", is_staff=True))
    assert client.get(LIST_URL).status_code == 403
    assert client.get(change_url(rooms.laser)).status_code == 403


def test_an_out_of_service_period_added_in_the_admin_leaves_the_website_at_once(
    manager, client, rooms
):
    day = next_working_day()
    before = laser_times(client, rooms, day)
    assert {"09:15", "09:30", "10:00", "10:45", "11:00"} <= before
    data = with_period(
        form_data(manager.get(change_url(rooms.laser)).content.decode(), "resource_form"),
        at(day, 10),
        at(day, 11),
        "Calibration",
    )
    response = manager.post(change_url(rooms.laser), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    period = ResourceOutOfService.objects.get()
    # Typed in the spa's time, stored as that instant.
    assert (period.starts_at, period.ends_at, period.reason) == (
        at(day, 10),
        at(day, 11),
        "Calibration",
    )
    after = laser_times(client, rooms, day)
    # 30 minutes and 10 of cleanup: nothing that would hold the laser from 10 to 11.
    assert {"09:15", "11:00"} <= after
    assert not {"09:30", "09:45", "10:00", "10:45"} & after


def test_a_period_must_end_after_it_starts(manager, rooms):
    day = next_working_day()
    page = manager.get(change_url(rooms.laser)).content.decode()
    data = with_period(form_data(page, "resource_form"), at(day, 12), at(day, 9), "Backwards")
    response = manager.post(change_url(rooms.laser), data)
    assert response.status_code == 200
    assert "The period must end after it starts." in response.content.decode()
    assert not ResourceOutOfService.objects.exists()


def test_the_change_page_shows_periods_in_the_spas_time(manager, rooms):
    day = next_working_day()
    ResourceOutOfServiceFactory(
        resource=rooms.laser, starts_at=at(day, 16), ends_at=at(day, 17, 30), reason="Service"
    )
    page = manager.get(change_url(rooms.laser)).content.decode()
    assert 'value="16:00:00"' in page and 'value="17:30:00"' in page
    assert "4:00 PM to 5:30 PM" in page


def test_the_front_desk_sees_rooms_and_keeps_their_periods_but_not_the_rooms(front_desk, rooms):
    assert front_desk.get(LIST_URL).status_code == 200
    assert front_desk.get("/admin/treatments/resource/add/").status_code == 403
    url = change_url(rooms.laser)
    page = front_desk.get(url).content.decode()
    assert 'name="name"' not in page  # the room itself is read-only
    day = next_working_day()
    data = with_period(form_data(page, "resource_form"), at(day, 9), at(day, 13), "On loan")
    data["name"] = "Renamed"  # not a field for them: ignored
    assert front_desk.post(url, data).status_code == 302
    rooms.laser.refresh_from_db()
    assert rooms.laser.name == "Laser"
    assert ResourceOutOfService.objects.get().reason == "On loan"
    # Bulk edits and deleting stay with the manager.
    assert (
        front_desk.post(f"/admin/treatments/resource/{rooms.laser.pk}/delete/").status_code == 403
    )
    assert Resource.objects.filter(pk=rooms.laser.pk).exists()


def test_a_treatment_lists_what_it_needs_and_a_need_needs_a_resource(manager, rooms, spa):
    url = f"/admin/treatments/treatment/{spa.botox.pk}/change/"
    page = manager.get(url).content.decode()
    assert "Rooms and devices needed (booking holds one of each)" in page
    data = {name: values[-1] for name, values in form_data(page, "treatment_form").items()}
    data["allowed_roles"] = [str(pk) for pk in spa.botox.allowed_roles.values_list("pk", flat=True)]
    data["resource_needs-TOTAL_FORMS"] = "1"
    data["resource_needs-0-label"] = "a treatment room"
    refused = manager.post(url, data)
    assert refused.status_code == 200
    assert "Tick at least one room or device." in refused.content.decode()
    data["resource_needs-0-resources"] = [str(rooms.room_1.pk), str(rooms.room_2.pk)]
    response = manager.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    need = ResourceNeed.objects.get(treatment=spa.botox)
    assert set(need.resources.all()) == {rooms.room_1, rooms.room_2}


def test_names_are_escaped(manager, rooms):
    ResourceFactory(name="<script>alert(1)</script>", notes="<b>bold</b>")
    page = manager.get(LIST_URL).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page
