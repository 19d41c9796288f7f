"""The permission lookup (medspa/permissions.py) grants exactly what Django's
ModelBackend grants, with one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medspa.permissions import PermissionsBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache yet


def test_direct_and_group_permissions_are_exactly_django_s():
    desk = Group.objects.create(name="Desk")
    desk.permissions.add(*Permission.objects.filter(codename__in=["view_client", "change_client"]))
    other = Group.objects.create(name="Other")
    other.permissions.add(Permission.objects.get(codename="delete_client"))
    user = UserFactory(is_staff=True)
    user.groups.add(desk)
    user.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    reloaded = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        ours = PermissionsBackend().get_all_permissions(reloaded)
    assert len(queries) == 1
    assert ours == ModelBackend().get_all_permissions(fresh(user))
    assert ours == {"bookings.view_client", "bookings.change_client", "bookings.view_appointment"}
    assert fresh(user).has_perm("bookings.change_client")
    assert not fresh(user).has_perm("bookings.delete_client")


def test_inactive_users_have_none_and_superusers_have_all():
    inactive = UserFactory(is_active=False)
    inactive.user_permissions.add(Permission.objects.get(codename="view_client"))
    assert PermissionsBackend().get_all_permissions(fresh(inactive)) == set()
    root = UserFactory(is_superuser=True)
    assert PermissionsBackend().get_all_permissions(
        fresh(root)
    ) == ModelBackend().get_all_permissions(fresh(root))
