"""The documentation points at what exists: its images and relative links resolve, and the
command reference matches the commands `enlace` really has."""

import argparse
import re
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
CLI = ROOT / "docs" / "cli.md"

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target "title"); the target stops at a space or a closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: ...


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    return {anchor(h) for h in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8")))}


def broken_links(path: Path) -> list[str]:
    """Every relative link or image of `path` whose file, or heading, does not exist."""
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if EXTERNAL.match(target):
            continue
        file_part, _, fragment = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif fragment and destination.suffix == ".md" and fragment not in anchors_of(destination):
            broken.append(f"{target}: no such heading")
    return broken


def test_the_documents_exist():
    names = {path.name for path in DOCUMENTS}
    assert {"README.md", "guide.es.md", "guide.en.md", "cli.md"} <= names


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_images_and_relative_links_point_at_existing_files(path):
    assert broken_links(path) == [], f"{path.relative_to(ROOT)} has broken links"


def test_a_missing_image_a_missing_file_and_a_missing_heading_are_reported(tmp_path):
    (tmp_path / "shot.png").write_bytes(b"")
    (tmp_path / "other.md").write_text("# Other page\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Título con acentos\n"
        "![ok](shot.png) ![gone](missing.png) [ok](other.md#other-page) [bad](other.md#nowhere)\n"
        "[here](#título-con-acentos) [gone](missing.md) [web](https://example.com/x.png)\n"
        "`[not a link](nowhere.md)`\n```\n![in code](nowhere.png)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.png: no such file",
        "other.md#nowhere: no such heading",
        "missing.md: no such file",
    ]


def documented_commands() -> set[str]:
    """The subcommands docs/cli.md gives a heading of their own: ### `enlace NAME`."""
    names = set()
    for heading in HEADING.findall(CLI.read_text(encoding="utf-8")):
        names.update(re.findall(r"`enlace ([a-z][a-z0-9_-]*)", heading))
    return names


def listed_by_enlace_help() -> set[str]:
    """The names `enlace help` prints (indented under each app), plus `help` itself."""
    text = ManagementUtility(["enlace", "help"]).main_help_text()
    return {line.strip() for line in text.splitlines() if line.startswith("    ")} | {"help"}


def project_commands() -> set[str]:
    return {
        path.stem for path in ROOT.glob("enlace/*/management/commands/*.py") if not path.stem.startswith("_")
    }


def test_every_documented_command_exists():
    documented = documented_commands()
    assert documented, "docs/cli.md documents no command"
    available = listed_by_enlace_help()
    assert set(get_commands()) <= available
    assert documented - available == set()


def test_every_project_command_is_documented():
    assert project_commands() - documented_commands() == set()


def test_every_subcommand_of_a_project_command_is_documented():
    text = CLI.read_text(encoding="utf-8")
    apps = get_commands()
    for name in sorted(project_commands()):
        parser = load_command_class(apps[name], name).create_parser("enlace", name)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action.choices:
                    assert re.search(rf"enlace {name} +{re.escape(choice)}\b", text), (
                        f"`enlace {name} {choice}` is not in docs/cli.md"
                    )
