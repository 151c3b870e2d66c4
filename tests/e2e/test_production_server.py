"""Enlace as an operator runs it: bin/serve (gunicorn with two processes, and `enlace worker`) on
PostgreSQL, DEBUG off, a real secret key, static files collected, mail over SMTP to a local
server. A whole flow in Chromium: the admin imports a customer user from an .xlsx, the person
registers through the emailed link, activates with the second email and signs in. Then
`enlace check --deploy` with the same environment finds nothing. Wrong static files, cookie or
CSRF settings, a worker that does not run or mail settings that do not reach the server make it
fail."""

import email.policy
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.smtp_server import SMTPServer, free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("ENLACE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/enlace")
DATABASE = "enlace_production_smoke"
PASSWORD = "Manta-Portoviejo-77"


def server_database():
    admin_url = POSTGRES.rsplit("/", 1)[0] + "/postgres"
    try:
        connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the production server test needs PostgreSQL at {admin_url}")
    with connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    return POSTGRES.rsplit("/", 1)[0] + f"/{DATABASE}"


def enlace(env, *args):
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "enlace"), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    database_url = server_database()
    smtp = SMTPServer().start()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ENLACE_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "enlace.settings",
        "ENLACE_DATABASE_URL": database_url,
        "ENLACE_DEBUG": "0",
        "ENLACE_SECRET_KEY": secrets.token_urlsafe(50),
        "ENLACE_BASE_URL": f"http://127.0.0.1:{port}",
        "ENLACE_PORT": str(port),
        "ENLACE_WEB_WORKERS": "2",
        "ENLACE_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "ENLACE_SSL_REDIRECT": "0",  # plain HTTP on this machine; a proxy would redirect
        "ENLACE_VAR_DIR": str(tmp_path_factory.mktemp("var")),
    }
    # The demo organization (a customer C001, an admin) needs the tables bin/serve would create.
    for command in (["migrate", "--noinput"], ["demo"]):
        done = enlace(env, *command)
        assert done.returncode == 0, done.stderr
    log = open(env["ENLACE_VAR_DIR"] + "/serve.log", "w")  # noqa: SIM115  closed below
    server = subprocess.Popen(
        [str(ROOT / "bin" / "serve")], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base_url = env["ENLACE_BASE_URL"]
    deadline = time.monotonic() + 180  # bin/serve checks its install first
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        assert server.poll() is None, Path(log.name).read_text()
        assert time.monotonic() < deadline, "the server did not answer within 180 s"
        time.sleep(0.5)
    yield {"env": env, "base_url": base_url, "smtp": smtp, "log": Path(log.name)}
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    log.close()
    smtp.stop()


def wait_for_message(smtp, to, subject, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if message["To"] == to and re.search(subject, str(message["Subject"])):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no message to {to} matching {subject!r}: {[m['Subject'] for m in smtp.messages]}")


def link_in(message, prefix):
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    match = re.search(r"(http://127\.0\.0\.1:\d+" + re.escape(prefix) + r"[^\s\"<]+)", text)
    assert match, text
    return match.group(1)


def test_a_customer_user_is_imported_registers_and_signs_in_on_the_production_server(
    browser, production, tmp_path
):
    base_url, smtp = production["base_url"], production["smtp"]
    admin = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="es-EC").new_page()
    admin.context.set_default_timeout(10_000)
    admin.goto("/login/")
    stylesheet = admin.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert admin.request.get(stylesheet).status == 200  # collected and served by whitenoise
    admin.get_by_role("button", name="English").click()  # the language cookie, Secure in production
    admin.get_by_label(re.compile("^Username or email")).fill("admin@demo.example")
    admin.get_by_label(re.compile("^Password")).fill("enlace-demo")
    admin.get_by_role("button", name="Log in").click()
    expect(admin.get_by_role("button", name="Log out")).to_be_visible()
    admin.goto("/imports/customer-users/")

    workbook = Workbook()
    workbook.active.append(["Customer code", "First names", "Last names", "Email"])
    workbook.active.append(["C001", "Ana", "Torres", "ana@tornillo.example"])
    workbook.save(tmp_path / "people.xlsx")
    admin.get_by_label("File (.xlsx, .xls, .ods or .csv)").set_input_files(tmp_path / "people.xlsx")
    admin.get_by_role("button", name="Process file").click()
    expect(admin.locator(".stats .card").filter(has_text="invitations queued")).to_contain_text("1")

    # The worker sends the registration email through the SMTP server.
    registration = wait_for_message(smtp, "ana@tornillo.example", "registro|registration")
    person = browser.new_context(viewport=DESKTOP, locale="es-EC").new_page()
    person.context.set_default_timeout(10_000)
    person.goto(link_in(registration, "/r/"))
    expect(person.get_by_label(re.compile("^Nombres"))).to_have_value("Ana")
    person.get_by_label(re.compile("^Idioma preferido")).select_option("en")
    person.get_by_label(re.compile("^Contraseña:?$")).fill(PASSWORD)
    person.get_by_label(re.compile("^Repita la contraseña")).fill(PASSWORD)
    person.get_by_role("button", name="Crear mi cuenta").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Your account was created")

    activation = wait_for_message(smtp, "ana@tornillo.example", "Activate your account")
    person.goto(link_in(activation, "/a/"))
    person.get_by_role("button", name="Activate my account").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Your account is active")
    person.get_by_role("link", name="Log in").click()
    person.get_by_label(re.compile("^Username or email")).fill("ana@tornillo.example")
    person.get_by_label(re.compile("^Password")).fill(PASSWORD)
    person.get_by_role("button", name="Log in").click()
    expect(person.get_by_text("Ready to use the B2B purchase portal")).to_be_visible()

    # The access log has the requests, and no link secret.
    log = production["log"].read_text()
    assert re.search(r'"GET /r/\[redacted\]/ HTTP/1\.1" \d{3}', log), log
    token = link_in(registration, "/r/").rsplit("/r/", 1)[1].strip("/")
    assert token not in log

    check = enlace(production["env"], "check", "--deploy")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
    admin.context.close()
    person.context.close()
