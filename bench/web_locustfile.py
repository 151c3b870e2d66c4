"""The people of the web benchmark, for locust (bench/web.py runs it; BENCH_WEB_DATA names the
JSON that bench/web_data.py wrote).

- Admin: signs in, then browses the supplier directory (first page, a deep page, a search for a
  part of one name, for a word a sixth of the names have, for one tax ID, a status filter), the
  activation requests (filtered by state and kind, and searched by a last name), a user's page,
  the import history and the home page, pausing between pages as a person reading them.
- Invitee: opens an emailed registration link, gets the form, submits it (a password hashed by
  the server) and sees the confirmation; once. When the last one has registered, the run ends.

The server runs with DEBUG off, so its cookies are marked Secure; this is plain HTTP on
127.0.0.1, so the client is told to send them anyway (a proxy terminating TLS does the same).
"""

import json
import os
import re
import time
from http.cookiejar import DefaultCookiePolicy

import gevent
from gevent.event import Event
from locust import HttpUser, between, constant, events, task
from web_pages import ADMIN_PAGES

DATA = json.loads(open(os.environ["BENCH_WEB_DATA"]).read())  # noqa: SIM115
THINK_SECONDS = float(os.environ.get("BENCH_WEB_THINK", "1"))
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MARKS = os.environ.get("BENCH_WEB_MARKS", "")
SUMMARY = os.environ.get("BENCH_WEB_SUMMARY", "")
TOKENS = list(DATA["registration_tokens"])
registered = []
signed_in = []
everyone_signed_in = Event()


def mark(name: str) -> None:
    """Note when a phase began, for the rates bench/web.py computes."""
    if MARKS:
        with open(MARKS, "a") as f:
            f.write(f"{name} {time.time()}\n")


# Send the server's Secure cookies over http://127.0.0.1 too. requests copies the session's
# cookies into jars of its own for each request and redirect, with the default policy, so the
# policy itself is changed (in this client process only).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


def csrf_token(response) -> str:
    match = CSRF_FIELD.search(response.text)
    return match.group(1) if match else ""


def expect(response, text: str) -> None:
    """Count a page that came back without what it should show as a failure."""
    if response.status_code != 200 or "/login/" in response.url or text not in response.text:
        response.failure(f"status {response.status_code} at {response.url}, or {text!r} not in the page")


def page_task(name: str, path):
    """A task that asks for one of the admin pages, weighed as ADMIN_PAGES says."""

    def visit(user):
        user.page(path(DATA), name)

    return visit


class Admin(HttpUser):
    tasks = {page_task(name, path): weight for name, weight, path in ADMIN_PAGES}
    wait_time = between(THINK_SECONDS / 2, THINK_SECONDS * 1.5) if THINK_SECONDS else constant(0)

    def on_start(self):
        """Sign in (a password hash each, all at once), then wait for the others: the pages are
        measured while everyone browses."""
        if not signed_in:
            mark("sign-in")
        page = self.client.get("/login/", name="sign in: form")
        form = {**DATA["admin"], "csrfmiddlewaretoken": csrf_token(page)}
        with self.client.post("/login/", data=form, name="sign in", catch_response=True) as response:
            if "/login/" in response.url:
                response.failure("not signed in")
        signed_in.append(self)
        if len(signed_in) == self.environment.runner.target_user_count:
            mark("browsing")
            everyone_signed_in.set()
        everyone_signed_in.wait()

    def page(self, path: str, name: str, text: str = "<main"):
        with self.client.get(path, name=name, catch_response=True) as response:
            expect(response, text)


class Invitee(HttpUser):
    wait_time = constant(3600)  # one registration each; the run ends when all are done

    @task
    def register(self):
        if not TOKENS:
            return
        if not registered and len(TOKENS) == len(DATA["registration_tokens"]):
            mark("registering")
        token = TOKENS.pop()
        self.client.get(f"/r/{token}/", name="registration: link", allow_redirects=False)
        form_page = self.client.get("/register/", name="registration: form")
        form = {
            "csrfmiddlewaretoken": csrf_token(form_page),
            "first_name": "Persona",
            "last_name": "Registrada",
            "phone": "",
            "job_title": "Compras",
            "language": "es",
            "password1": "Bench-Registro-58xQ",
            "password2": "Bench-Registro-58xQ",
        }
        with self.client.post(
            "/register/", data=form, name="registration: submit (password hashed)", catch_response=True
        ) as response:
            if response.status_code != 200 or 'name="password1"' in response.text:
                response.failure("not registered")
        registered.append(token)
        if len(registered) == len(DATA["registration_tokens"]):
            mark("registered")
            # From a greenlet of its own: quitting stops every user, this one included.
            gevent.spawn(self.environment.runner.quit)


@events.test_stop.add_listener
def _stopped(**_kwargs):
    mark("stopped")


@events.quitting.add_listener
def _summary(environment, **_kwargs):
    """Every request's figures, by page, for bench/web.py (locust writes its CSV every second,
    and not again when it quits)."""
    if not SUMMARY:
        return
    stats = environment.runner.stats
    rows = {}
    for name, entry in [*((e.name, e) for e in stats.entries.values()), ("Aggregated", stats.total)]:
        rows[name] = {
            "Request Count": entry.num_requests,
            "Failure Count": entry.num_failures,
            "Requests/s": entry.total_rps,
            **{f"{p:.0%}": entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99)},
        }
    with open(SUMMARY, "w") as f:
        json.dump(rows, f)
