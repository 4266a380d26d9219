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
