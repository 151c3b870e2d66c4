"""A real headless Chromium against a live server, with the development mailbox and a worker.

One browser for all the browser tests and a fresh context (cookies, language) per person in each
test. Screenshots go to tests/e2e/artifacts/ (not committed); the key pages are also copied
into docs/screenshots/ when they are missing there or ENLACE_UPDATE_SCREENSHOTS=1 is set, so
a run of the suite does not rewrite the documentation's images every time.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
DOC_SCREENSHOTS = HERE.parent.parent / "docs" / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser flows need Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an event loop in this thread while it runs; the test's
    # own ORM calls between browser steps are still plain synchronous code. Package scope: the
    # browser and that allowance end with the last browser test, before the rest of the suite.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def portal(live_server, settings):
    """The live server's address, configured as a person trying Enlace would run it."""
    settings.BASE_URL = live_server.url
    settings.DEBUG = True  # the development mailbox's pages exist only with DEBUG on
    settings.EMAIL_BACKEND = "enlace.mail.backends.MailboxBackend"
    # Plain HTTP on localhost: cookies marked Secure would not come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def new_page(browser, portal, request):
    """Open a page in a fresh browser context: one per person, as on separate computers."""
    pages = []

    def open_page(*, viewport=DESKTOP, locale="es-EC", **options):
        context = browser.new_context(base_url=portal, viewport=viewport, locale=locale, **options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        pages.append(page)
        return page

    yield open_page
    failed = getattr(request.node, "failed_call", False)
    for number, page in enumerate(pages):
        if failed and not page.is_closed():
            shot(page, f"{request.node.name}-failure-{number}")
        page.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report


def shot(page, name, *, doc=None):
    """Save a screenshot to the artifacts; `doc` also names it for docs/screenshots/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    if doc:
        target = DOC_SCREENSHOTS / f"{doc}.png"
        if os.environ.get("ENLACE_UPDATE_SCREENSHOTS") == "1" or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return path


SERIOUS = ("serious", "critical")


def axe_violations(page):
    """Run axe-core in the page; the serious and critical violations, readable in a failure.

    Evaluated through the debugging protocol: our Content-Security-Policy (rightly) refuses the
    inline <script> that add_script_tag would insert.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    results = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in SERIOUS]


def assert_accessible(page):
    violations = axe_violations(page)
    report = json.dumps(violations, indent=2, ensure_ascii=False)
    assert violations == [], f"axe-core on {page.url}:\n{report}"


def assert_fits(page):
    """Nothing overflows the viewport sideways (a phone user never scrolls left and right)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        culprits = page.evaluate(
            """(limit) => [...document.querySelectorAll("main *, header *")]
                .filter(e => e.getBoundingClientRect().right > limit + 1
                    || (e.clientWidth && e.scrollWidth > e.clientWidth + 1))
                .slice(-5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                    + (typeof e.className === "string" && e.className ? "." + e.className : ""))""",
            viewport,
        )
        raise AssertionError(f"{page.url} is {width}px wide on a {viewport}px screen; too wide: {culprits}")


def field_value(text, *labels):
    """The value after "Label:" in an email's text, whichever language it was written in."""
    for label in labels:
        match = re.search(re.escape(label) + r":\s*(\S+)", text)
        if match:
            return match.group(1)
    raise AssertionError(f"none of {labels} in:\n{text}")
