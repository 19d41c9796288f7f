"""The Content-Security-Policy in a real browser.

Every page the other browser tests open is watched for `securitypolicyviolation`
events and CSP console messages (tests/browser/support.py); none may occur. This
module proves the watch works and that the pages carry the strict policy.
"""

import re

import pytest

from tests.browser.support import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_carry_the_strict_policy_and_the_watch_sees_a_violation(visit, browser_spa):
    visitor = visit("desk")
    page = visitor.page
    response = page.goto(visitor.base_url + "/book/botox/")
    policy = response.headers["content-security-policy"]
    assert re.search(r"script-src 'self'(;|$)", policy), policy
    assert re.search(r"style-src 'self'(;|$)", policy), policy
    visitor.step("booking page")
    assert visitor.report.csp == []

    # What a stray third-party image (or injected markup) would do: the browser refuses
    # it and the watch reports it.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<img alt="" src="https://cdn.example.com/pixel.png">\')'
    )
    page.wait_for_function("window.__cspSeen > 0")
    expect(page.locator("img[src*='cdn.example.com']")).to_have_count(1)
    page.evaluate("1")  # one more round trip: the binding's report has arrived
    assert any(event.get("directive") == "img-src" for event in visitor.report.csp), (
        visitor.report.csp
    )
    visitor.report.csp.clear()
    visitor.assert_clean()
