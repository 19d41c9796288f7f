"""Shared pieces of the real-browser tests: finding Chromium, a page wrapper that
screenshots every step and checks each page with axe-core and for CSP violations.

Importing this module skips the importing test module (with the reason) when
Playwright or Debian's Chromium is missing, so `make test` stays green without them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).parent / "screenshots"

# Debian's Chromium, never a downloaded browser build. CHROMIUM_PATH overrides.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desk": {"width": 1280, "height": 800},
}

# The logins browser_spa (conftest.py) makes; the password is the factories' own.
DOCTOR_USERNAME = "doctor"
FRONT_DESK_USERNAME = "frontdesk"
PASSWORD = "correct horse battery staple"

# Impacts that fail a test; "moderate" and "minor" ones are reported, not failed.


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def why_no_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if importlib.util.find_spec("axe_playwright_python") is None:
        return "axe-playwright-python is not installed (pip install -r requirements-dev.txt)"
    if chromium_path() is None:
        return "no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium)"
    return None


_REASON = why_no_browser()
if _REASON:
    pytest.skip(f"browser tests skipped: {_REASON}", allow_module_level=True)

from axe_playwright_python.base import AXE_SCRIPT  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

# Auto-waiting assertions: generous for a loaded CI machine (pages answer in milliseconds).
expect.set_options(timeout=10_000)

# Reports every Content-Security-Policy violation to Python as it happens (an init
# script and a binding go through the DevTools protocol, so the CSP does not apply
# to them, and nothing is added to the page itself).
CSP_LISTENER = """
window.__cspSeen = 0;
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspSeen += 1;
  window.__cspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  });
});
"""

# Every rule axe-core has, experimental and best-practice ones included: any
# violation, whatever its impact, fails the page.
RUN_AXE_WITH_EVERY_RULE = """
() => axe.run(document, {
  resultTypes: ["violations"],
  rules: Object.fromEntries(axe.getRules().map((rule) => [rule.ruleId, { enabled: true }])),
})
"""

# The focused element's ring, or its label's when the control itself is visually
# hidden and its label is drawn instead (the large yes/no and consent options).
FOCUS_STYLE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const ring = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
    const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
    return outline || shadow;
  };
  const labels = Array.from(el.labels || []);
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    id: el.id,
    text: (el.getAttribute("aria-label") || el.textContent || el.name || "").trim().slice(0, 60),
    focused: el.matches(":focus"),
    focusVisible: el.matches(":focus-visible"),
    ring: ring(el),
    labelRing: labels.some(ring),
  };
}
"""


# When the page scrolls sideways: the outermost elements that stick out on the right.
WIDER_THAN_WINDOW = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return null;
  const out = [];
  const sticksOut = (el) => el && el.getBoundingClientRect().right > width + 1;
  for (const el of document.querySelectorAll("body *")) {
    if (sticksOut(el) && !sticksOut(el.parentElement)) {
      const right = Math.round(el.getBoundingClientRect().right);
      out.push(`${el.tagName.toLowerCase()}.${el.className} (${right}px)`);
    }
  }
  const scroll = document.documentElement.scrollWidth;
  return `${scroll}px in a ${width}px window: ${out.slice(0, 5).join(", ")}`;
}
"""


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-")[:80]


@dataclass
class PageReport:
    """Everything a page told us that a test should fail on."""

    csp: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    axe: dict[str, list[dict]] = field(default_factory=dict)  # url -> violations
    sideways: list[str] = field(default_factory=list)  # pages wider than the window


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
    return "\n".join(lines)


class Visitor:
    """One browser tab, seen through a client's eyes.

    `step(name)` screenshots the page and checks it with axe-core; CSP violations,
    console errors and uncaught script errors are gathered all along and fail the
    test at the end (see `assert_clean`).
    """

    def __init__(self, page: Page, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.folder = SCREENSHOTS / slug(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.report = PageReport()
        self.expected_console: list[str] = []
        page.expose_binding("__cspViolation", lambda _source, event: self.report.csp.append(event))
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.report.page_errors.append(str(error)))

    def _on_console(self, message) -> None:
        if message.type not in ("error", "warning"):
            return
        where = message.location.get("url") or self.page.url
        text = f"{message.type}: {message.text} ({where})"
        if where.endswith("/favicon.ico"):
            return  # the browser's own guess on pages that name no icon (Django's admin)
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.report.csp.append({"console": text})
        elif message.type == "error" and not any(
            allowed in message.text for allowed in self.expected_console
        ):
            self.report.console_errors.append(text)

    # --- moving around -------------------------------------------------------------

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    # --- checking --------------------------------------------------------------------

    def step(self, name: str, *, axe: bool = True, full_page: bool = True) -> None:
        """Screenshot this step; check the page with axe-core."""
        self.page.wait_for_load_state("load")
        self.count += 1
        self.page.screenshot(
            path=self.folder / f"{self.count:02d}-{slug(name)}.png", full_page=full_page
        )
        if axe:
            self.axe(name)
        self.check_reflow(name)

    def check_reflow(self, name: str = "") -> None:
        """The page fits the window's width: no sideways scrolling (WCAG 1.4.10)."""
        wide = self.page.evaluate(WIDER_THAN_WINDOW)
        if wide:
            self.report.sideways.append(f"{name} {self.path()}: {wide}")

    def axe(self, name: str = "") -> list[dict]:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SCRIPT)
        violations = self.page.evaluate(RUN_AXE_WITH_EVERY_RULE)["violations"]
        if violations:
            self.report.axe[f"{name} {self.path()}".strip()] = violations
        return violations

    def assert_clean(self) -> None:
        """No CSP violation, no console error, no script error, no axe-core violation."""
        problems = []
        if self.report.csp:
            problems.append(
                "Content-Security-Policy violations:\n"
                + "\n".join(f"  {event}" for event in self.report.csp)
            )
        if self.report.page_errors:
            problems.append("Script errors:\n" + "\n".join(self.report.page_errors))
        if self.report.console_errors:
            problems.append("Console errors:\n" + "\n".join(self.report.console_errors))
        if self.report.sideways:
            problems.append("Wider than the window:\n" + "\n".join(self.report.sideways))
        for where, violations in self.report.axe.items():
            problems.append(f"axe-core on {where}:\n{format_violations(violations)}")
        assert not problems, "\n\n".join(problems)

    def focus_style(self) -> dict | None:
        return self.page.evaluate(FOCUS_STYLE)

    def assert_focus_visible(self) -> dict:
        """The focused element shows it: an outline or a box-shadow ring."""
        style = self.focus_style()
        assert style is not None, "nothing has the keyboard focus"
        if style["type"] == "date" and not style["focused"]:
            # Inside Chromium's own date control (its calendar button): the browser
            # draws that ring in the control's closed shadow tree.
            return style
        assert style["ring"] or style["labelRing"], f"no visible focus on {style}"
        return style

    def tab_to(self, selector: str, *, limit: int = 120, backwards: bool = False) -> dict:
        """Press Tab until the focus is on an element matching `selector`, checking on
        the way that every focused element shows its focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            self.assert_focus_visible()
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return self.focus_style()
        raise AssertionError(f"{selector} never got the focus in {limit} presses of {key}")


def status_is(page: Page, word: str) -> None:
    """The manage page's status, a CONTRACT status word (case aside)."""
    expect(page.locator(".manage-card__status strong")).to_have_text(
        re.compile(rf"^\s*{re.escape(word)}\s*$", re.IGNORECASE)
    )


def log_in(visitor: Visitor, path: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through a login page (/accounts/login/ or /admin/login/)."""
    visitor.go(path)
    page = visitor.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("form [type=submit]").click()
