"""`benchctl size` from end to end on one winter: a big heated bench reports every day, a small
unheated one on a small panel goes dark, and the table, CSV and plot say so."""

import csv

from benchctl.cli import main


def test_sizes_are_judged_by_their_winter_and_written_down(tmp_path, capsys):
    out = tmp_path / "size"
    assert main(["size", "--panels", "50,200", "--batteries", "256,2560", "--heaters", "0", "--winters", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    with open(out / "size.csv") as f:
        rows = {(int(r["panel_wp"]), int(r["battery_wh"])): r for r in csv.DictReader(f)}
    assert set(rows) == {(50, 256), (50, 2560), (200, 256), (200, 2560)}
    small, big = rows[(50, 256)], rows[(200, 2560)]
    assert int(small["winters_dark"]) == 1 and int(small["dark_days_max"]) > 10
    assert int(big["winters_dark"]) == 0 and int(big["brownouts_max"]) == 0
    assert float(big["topups_day_min"]) > float(small["topups_day_min"])
    assert "reports every day" in printed and "goes dark" in printed
    assert (out / "size.png").stat().st_size > 10_000
