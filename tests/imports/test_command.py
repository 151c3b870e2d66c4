"""`enlace import`: one JSON object, exit 0 accepted, 1 rejected, 2 unreadable or wrong arguments."""

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from enlace.accounts.models import User
from enlace.partners.models import Partner
from tests.imports.helpers import (
    CUSTOMER_USERS_HEADER,
    CUSTOMERS_HEADER,
    csv_file,
    customer_row,
    person,
    xlsx,
)


def run(capsys, *args):
    try:
        call_command("import", *args)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, capsys.readouterr().out


@pytest.fixture
def people_file(tmp_path):
    def make(rows, name="people.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(rows, CUSTOMER_USERS_HEADER).getvalue())
        return str(path)

    return make


def test_accepted_file_prints_the_report_and_exits_0(capsys, customer, people_file):
    code, out = run(capsys, "customer-users", people_file([person(1), person(2)]), "--org", "acme", "--json")
    assert code == 0
    assert json.loads(out) == {
        "status": "accepted",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "invitations": 2,
        "left_pending": 0,
        "errors": [],
    }


def test_rejected_file_lists_every_error_and_exits_1(capsys, customer, people_file):
    code, out = run(
        capsys,
        "customer-users",
        people_file([person(1, code="X"), person(2, Email="no")]),
        "--org",
        "acme",
        "--json",
    )
    report = json.loads(out)
    assert code == 1
    assert report["status"] == "rejected"
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (2, "customer_not_found"),
        (3, "invalid_email"),
    ]
    assert set(report["errors"][0]) == {"row", "column", "code", "message"}
    assert not User.objects.filter(profile="customer").exists()


def test_dry_run_writes_nothing(capsys, acme, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(csv_file([customer_row(1)], CUSTOMERS_HEADER).getvalue())
    code, out = run(capsys, "customers", str(path), "--org", "acme", "--json", "--dry-run")
    assert (code, json.loads(out)["status"]) == (0, "accepted")
    assert not Partner.objects.exists()
    code, _out = run(capsys, "customers", str(path), "--org", "acme")
    assert code == 0 and Partner.objects.count() == 1


def test_unreadable_file_or_unknown_org_exits_2(acme, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError) as error:
        call_command("import", "suppliers", str(path), "--org", "acme")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("import", "suppliers", str(path), "--org", "nobody")
    assert error.value.returncode == 2


def test_help_and_wrong_arguments_from_the_shell():
    help = subprocess.run(
        [sys.executable, "-m", "enlace", "import", "suppliers", "--help"],
        capture_output=True,
        text=True,
        env={"ENLACE_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"},
    )
    assert help.returncode == 0 and "--dry-run" in help.stdout
    wrong = subprocess.run(
        [sys.executable, "-m", "enlace", "import", "suppliers"],
        capture_output=True,
        text=True,
        env={"ENLACE_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"},
    )
    assert wrong.returncode == 2 and "--org" in wrong.stderr
