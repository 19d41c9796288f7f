"""Fixtures of the real-browser tests (Playwright for Python + Debian's Chromium).

Nothing here imports Playwright at module level: without it (or without Chromium)
the test modules skip themselves with the reason (tests/browser/support.py).
"""

import datetime

import pytest

from tests.factories import UserFactory, WorkingHoursFactory
from tests.spa import NY, Spa


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, and Django refuses ORM calls from a thread with a running loop; the
    tests' own ORM calls are synchronous, so they are allowed for the module's
    lifetime, and Playwright is stopped before any other test module runs.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.support import LAUNCH_ARGS, chromium_path

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_path(), args=LAUNCH_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def visit(browser, live_server, request):
    """Open a tab as someone new (own cookies): visit("phone") or visit("desk")."""
    from tests.browser.support import VIEWPORTS, Visitor

    contexts, visitors = [], []

    def open_tab(viewport: str = "desk", who: str = "client"):
        phone = viewport == "phone"
        context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            is_mobile=phone,
            has_touch=phone,
            locale="en-US",
            timezone_id=str(NY),
            base_url=live_server.url,
            # No transitions: axe must never measure a colour half-way through one.
            reduced_motion="reduce",
        )
        # Generous for a loaded CI machine; pages here answer in milliseconds.
        context.set_default_timeout(15_000)
        contexts.append(context)
        visitor = Visitor(context.new_page(), live_server.url, f"{request.node.name}-{who}")
        visitors.append(visitor)
        return visitor

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def browser_spa(spa: Spa) -> Spa:
    """The small test spa (tests/spa.py) with a doctor login and a front-desk login."""
    from bookings.demo.seed import set_up_groups
    from tests.browser.support import DOCTOR_USERNAME, FRONT_DESK_USERNAME

    user = spa.doctor.user
    user.username = DOCTOR_USERNAME
    user.save(update_fields=["username"])
    desk = UserFactory(username=FRONT_DESK_USERNAME, is_staff=True)
    desk.groups.add(set_up_groups()["Front desk"])
    today = datetime.datetime.now(NY).date()
    if today.weekday() == 6:  # the spa works Monday to Saturday; the desk test needs today
        for person in (spa.nurse, spa.esthetician):
            WorkingHoursFactory(
                practitioner=person,
                weekday=6,
                starts_at=datetime.time(9),
                ends_at=datetime.time(17),
            )
    return spa


@pytest.fixture(scope="session")
def _demo_data_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture
def demo_data(_demo_data_cache, settings):
    """seed_demo's catalogue (images, both kinds, demo logins).

    Seeding draws and encodes every picture (about 8 s), and transactional tests
    flush the database after each test: the first use seeds and saves a fixture
    file and the pictures; later uses load that file (about a second).
    """
    from django.core.management import call_command

    from tests.factories import role

    settings.MEDIA_ROOT = _demo_data_cache / "media"
    dump = _demo_data_cache / "demo.json"
    if dump.exists():
        call_command("loaddata", str(dump), verbosity=0)
        return
    role("physician")  # the standard roles, gone with an earlier test's flush
    call_command("seed_demo", "--allow-production", verbosity=0)
    call_command(
        "dumpdata",
        "auth.group",
        "auth.user",
        "django_otp",
        "otp_totp",
        "treatments",
        "practitioners",
        "bookings",
        natural_foreign=True,
        output=str(dump),
        verbosity=0,
    )
