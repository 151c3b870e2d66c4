"""`enlace import` draws its progress bar on a terminal's stderr, and never with --json or into a
file, so that scripts read only the report."""

import io
import json
import os
import pty

import pytest
from django.core.management import call_command

from enlace.accounts.models import User
from tests.imports.helpers import CUSTOMER_USERS_HEADER, csv_file, person


@pytest.fixture
def big_file(tmp_path, customer):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file([person(n) for n in range(2500)], CUSTOMER_USERS_HEADER).getvalue())
    return str(path)


def run_on_a_terminal(*args):
    """Run the command with stderr on a pseudo-terminal; what the terminal showed, and stdout."""
    primary, secondary = pty.openpty()
    terminal, out = os.fdopen(secondary, "w"), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=terminal)
    except SystemExit:
        pass
    finally:
        terminal.close()
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: everything has been read
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    return shown.decode(), out.getvalue()


def test_a_terminal_sees_the_bar_move_through_every_stage(big_file):
    shown, out = run_on_a_terminal("customer-users", big_file, "--org", "acme")
    assert "\r\x1b[KReading rows" in shown and "1,000 / 2,500" in shown
    assert "Writing rows" in shown and "2,500 / 2,500" in shown
    assert "Queueing invitations" in shown
    assert shown.endswith("\r\x1b[K")  # erased at the end
    assert out.startswith("Accepted: 2500 rows")
    assert User.objects.filter(profile="customer").count() == 2500


def test_no_bar_with_json_even_on_a_terminal(big_file):
    shown, out = run_on_a_terminal("customer-users", big_file, "--org", "acme", "--json")
    assert shown == ""
    assert json.loads(out)["status"] == "accepted"


def test_no_bar_when_stderr_is_not_a_terminal(big_file):
    err, out = io.StringIO(), io.StringIO()
    call_command("import", "customer-users", big_file, "--org", "acme", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().startswith("Accepted: 2500 rows")
