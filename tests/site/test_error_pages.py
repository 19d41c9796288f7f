"""The 404 and 500 pages: the site's look, and a 500 page that needs nothing to render."""

import re

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import include, path


def _broken_view(request):
    raise RuntimeError("something broke")


# Used by tests marked @pytest.mark.urls(__name__): the site plus a page that fails.
urlpatterns = [
    path("boom/", _broken_view),
    path("", include("medspa.urls")),
]


def assert_csp_friendly(html: str) -> None:
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert all("src=" in tag for tag in scripts), scripts
    assert not re.search(r"<[^>]+\sstyle\s*=", html, flags=re.IGNORECASE)
    assert "<style" not in html.lower()


@pytest.mark.django_db
def test_404_page_has_the_site_look(client, settings):
    assert settings.DEBUG is False  # Django renders templates/404.html only then

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert settings.SPA_NAME in html
    assert settings.SPA_ADDRESS in html and settings.SPA_PHONE in html
    assert 'aria-label="Main"' in html
    assert 'href="/treatments/"' in html
    assert "/static/css/site.css" in html
    assert len(re.findall(r"<h1\b", html)) == 1
    assert_csp_friendly(html)


def test_500_page_renders_without_any_context():
    html = get_template("500.html").render({})

    assert "Something went wrong" in html
    assert "Lumen Med Spa" in html
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "/static/css/site.css" in html
    assert len(re.findall(r"<h1\b", html)) == 1
    assert_csp_friendly(html)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_failing_page_answers_with_the_500_page():
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
