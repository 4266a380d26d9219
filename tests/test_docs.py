"""The documents a technician reads say what the firmware does."""

import re

from bench import config as schema
from conftest import ROOT


def test_configuration_page_lists_every_key_with_its_default_and_range():
    page = (ROOT / "docs" / "configuration.md").read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", page, re.M)}
    assert set(rows) == set(schema.names())
    cfg = schema.Config()
    for key in schema.names():
        row = [cell.strip() for cell in rows[key].split("|")[1:-1]]
        default = cfg.v[key]
        assert row[1] == (str(default) if default != "" else "(empty)"), key
        spec = schema._int_spec(key)
        if spec is not None:
            assert row[2] == f"{spec[2]}..{spec[3]}", key


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", text, re.S)
    commands = [line.split("#")[0].strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_console_page_shows_what_the_firmware_prints(tmp_path):
    from benchctl.replay import replay

    replay(str(ROOT / "docs" / "examples" / "console-session.jsonl"), str(tmp_path))
    page = (ROOT / "docs" / "console.md").read_text()
    printed = (tmp_path / "console.log").read_text()
    assert "```\n" + printed + "```" in page, "docs/console.md: paste the replay's console.log again"


def test_the_readmes_demo_excerpt_is_what_make_demo_prints():
    # `make demo` is `benchctl replay DEMO_TRACE --out out/demo --console`: every line of the
    # README's excerpt (its "..." mark left-out lines) comes out of it, in that order.
    import subprocess
    import sys

    text = (ROOT / "README.md").read_text()
    section = text[text.index("## What `make demo` shows"):]
    excerpt = re.search(r"```\n(.*?)```", section, re.S).group(1).splitlines()
    make = (ROOT / "Makefile").read_text()
    trace = re.search(r"^DEMO_TRACE := (\S+)", make, re.M).group(1)
    assert "$(BIN)/benchctl replay $(DEMO_TRACE) --out out/demo --console" in make
    done = subprocess.run([sys.executable, "-m", "benchctl.cli", "replay", str(ROOT / trace), "--console"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    printed = done.stdout.splitlines()
    at = 0
    for line in excerpt:
        if line == "...":
            continue
        assert line in printed[at:], f"README.md's demo excerpt: {line!r} is not what make demo prints now"
        at = printed.index(line, at) + 1


def test_docs_name_no_file_outside_the_repository():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for link in re.findall(r"\]\(([^)#]+)", page.read_text()):
            if "://" in link:
                continue
            assert (page.parent / link).exists(), f"{page.name} links {link}, which is not in the repository"


def test_the_specs_the_project_promises_are_its_own_and_in_step_with_the_shared_ones():
    # docs/spec/ holds trace-v1 and replay-v1 for the project's users; where the shared copy
    # the outside checkers use is beside the checkout, the two are the same text.
    import pytest

    shared = ROOT.parent / "shared" / "spec"
    for name in ("trace-v1.md", "replay-v1.md"):
        ours = (ROOT / "docs" / "spec" / name).read_text()
        assert ours.startswith("#")
        if not (shared / name).is_file():
            pytest.skip(f"{shared / name} is absent: docs/spec/{name} not compared")
        assert ours == (shared / name).read_text(), f"docs/spec/{name} differs from {shared / name}: copy it again"


def test_the_project_says_its_licence():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
