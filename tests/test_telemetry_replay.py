"""Telemetry end to end in the replay: the bench's reports reach the simulated network through
the fake RAK3172, outages and slow data rates stay inside fair use, downlinks from the trace
are applied or rejected whole, and every report is accounted for."""

import itertools
import json
import re

from benchctl import codec
from benchctl.replay import replay
from conftest import TRACES, write_trace

DAY = 86400
BASE = {"solar_v": 18.0, "solar_a": 1.0, "batt_v": 13.2, "batt_a": 0.5, "batt_c": 15.0, "air_c": 12.0,
        "port1_a": 0.0, "port2_a": 0.0, "port3_a": 0.0, "pir": 0, "radar_cm": None}


def run(tmp_path, records, **kw):
    trace = write_trace(tmp_path / "t.jsonl", records)
    result = replay(str(trace), str(tmp_path / "out"), **kw)
    out = tmp_path / "out"
    uplinks = [json.loads(line) for line in (out / "uplinks.jsonl").read_text().splitlines()]
    return result.summary, uplinks, (out / "console.log").read_text()


def busiest(uplinks, seconds):
    """The most airtime in any window of `seconds`, from uplinks.jsonl."""
    best = 0.0
    for i, u in enumerate(uplinks):
        best = max(best, sum(v["airtime_s"] for v in uplinks[i:] if v["t"] - u["t"] < seconds))
    return best


def accounted(summary):
    r = summary["reports"]
    return r["generated"] == r["delivered"] + r["queued"] + r["dropped"]


def test_a_three_day_outage_is_delivered_within_a_day_oldest_first_and_never_as_a_burst(tmp_path):
    down, up = 6 * 3600, 6 * 3600 + 3 * DAY
    summary, uplinks, console = run(tmp_path, [{"t": 0, **BASE}, {"t": down, "link": "down"},
                                               {"t": up, "link": "up"}, {"t": up + 2 * DAY}])
    r = summary["reports"]
    assert accounted(summary) and r["dropped"] == 0 and r["queued"] <= 1
    backlog = [u for u in uplinks if down <= u["t"] and u["fport"] == 1]
    heard_after = [u for u in backlog if u["t"] >= up and u["delivered"]]
    # Every report made during the outage is heard within a day of the link's return...
    made_in_outage = (up - down) // 900
    first_heard = {}
    for u in heard_after:
        first_heard.setdefault(u["payload_hex"], u["t"])
    assert len(first_heard) >= made_in_outage
    assert sorted(first_heard.values())[made_in_outage - 1] - up < DAY
    # ...oldest first (their 8-bit numbers come back in order, wrapping at 256)...
    numbers = [int(u["payload_hex"][:2], 16) for u in heard_after[:made_in_outage]]
    assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(numbers))
    # ...and spread out: no hour over a quarter of the day's budget, no day over fair use.
    assert busiest([u for u in uplinks if u["t"] >= up], 3600) <= 7.5
    assert summary["max_airtime_24h_s"] <= 30 and summary["max_airtime_24h_with_joins_s"] <= 30
    assert "WARN  lorawan: the network did not hear frame" in console


def test_at_sf12_the_report_interval_stretches_and_the_day_stays_inside_fair_use(tmp_path):
    summary, uplinks, console = run(tmp_path, [{"t": 0, "sf": 12, **BASE}, {"t": 3 * DAY}])
    assert "INFO  lorawan: the network moved the bench to SF12" in console
    assert summary["max_airtime_24h_with_joins_s"] <= 30
    last_day = [u for u in uplinks if u["t"] >= 2 * DAY and u["fport"] == 1]
    assert 10 <= len(last_day) <= 13  # 12-byte reports at SF12 (1.48 s each): every 2 h, not 15 min
    assert all(u["airtime_s"] > 1.4 for u in last_day)
    assert accounted(summary) and summary["reports"]["dropped"] == 0


def test_at_sf9_a_bench_still_reports_every_quarter_hour(tmp_path):
    summary, uplinks, _ = run(tmp_path, [{"t": 0, "sf": 9, **BASE}, {"t": 2 * DAY}])
    last_day = [u for u in uplinks if u["t"] >= DAY and u["fport"] == 1]
    assert 95 <= len(last_day) <= 97
    assert summary["max_airtime_24h_with_joins_s"] <= 30


def hexa(command):
    fport, data = codec.encode_downlink(command)
    return {"fport": fport, "hex": bytes(data).hex()}


def test_downlinks_from_the_trace_are_applied_or_rejected_whole_and_counted(tmp_path):
    records = [{"t": 0, **BASE},
               {"t": 1000, "downlink": hexa({"config": {"report_interval_s": 1800, "radar_max_cm": 120}})},
               {"t": 4000, "downlink": {"fport": 10, "hex": "1178" + "0105"}},  # radar 120, report every 5 s
               {"t": 7000, "downlink": {"fport": 99, "hex": "00"}},
               {"t": 10000, "downlink": hexa({"port": 2, "mode": "off"})},
               {"t": 13000, "downlink": hexa({"read_config": True})},
               {"t": 6 * 3600}]
    summary, uplinks, console = run(tmp_path, records)
    assert summary["downlinks"] == {"applied": 3, "rejected": 2}
    assert "rejected from lorawan: report_interval_s must be 60..86400 s, got 5" in console
    assert "rejected from lorawan: FPort 99 carries no command" in console
    config_frames = [codec.decode(3, bytes.fromhex(u["payload_hex"]))[0] for u in uplinks if u["fport"] == 3]
    config = {}
    for frame in config_frames:
        config.update(frame["config"])
    assert config["report_interval_s"] == 1800 and config["radar_max_cm"] == 120  # the first, not the second
    reports = [u for u in uplinks if u["fport"] == 1 and u["t"] > 3 * 3600]
    gaps = [b["t"] - a["t"] for a, b in itertools.pairwise(reports)]
    assert gaps and all(1700 < g < 1900 for g in gaps)
    last = codec.decode(1, bytes.fromhex(reports[-1]["payload_hex"]))[0]
    assert 2 not in last["ports_on"]


def test_a_modem_that_goes_silent_or_talks_garbage_never_stops_the_bench_and_loses_nothing(tmp_path):
    records = [{"t": 0, **BASE},
               {"t": 3600, "fault": {"sensor": "radio", "kind": "nack", "for_s": 7200}},
               {"t": 4 * 3600, "fault": {"sensor": "radio", "kind": "garbage", "for_s": 3600}},
               {"t": 7 * 3600, "fault": {"sensor": "radio", "kind": "stuck", "for_s": 3600}},
               {"t": 8 * 3600 + 600, "reset": "watchdog"},
               {"t": 2 * DAY}]
    summary, _, console = run(tmp_path, records)
    assert accounted(summary)
    # A modem that talked garbage or repeated itself may have sent what it was asked (joins,
    # link checks): those stay counted, so the bench may wait most of a day before it asks the
    # network for anything again. Its reports wait on flash meanwhile, and all go.
    assert summary["reports"]["dropped"] == 0 and summary["reports"]["queued"] <= 1
    assert summary["max_requested_downlinks_24h"] <= 10
    assert summary["resets"] == {"watchdog": 1}  # the trace's own; the modem caused none
    assert "ERROR loop" not in console
    assert summary["max_airtime_24h_with_joins_s"] <= 30


def test_a_reset_every_few_minutes_cannot_spend_the_airtime_budget_again(tmp_path):
    # At SF12 every boot sends a JoinRequest (1.5 s) and a boot event (1.6 s): sixty boots would
    # spend 190 s without the budget on flash.
    records = [{"t": 0, "sf": 12, **BASE}]
    records += [{"t": 300 * (n + 1), "reset": "brownout"} for n in range(60)]
    records.append({"t": DAY})
    summary, _, _ = run(tmp_path, records)
    assert summary["joins"] >= 3
    assert summary["max_airtime_24h_with_joins_s"] <= 30
    assert accounted(summary)


def test_a_short_outage_between_link_checks_is_closed_by_the_servers_resend_request(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 4 * 3600 + 800, "link": "down"}, {"t": 4 * 3600 + 1900, "link": "up"},
               {"t": 12 * 3600}]
    summary, uplinks, console = run(tmp_path, records)
    lost = [u for u in uplinks if not u["delivered"] and u["fport"] == 1]
    assert lost  # a report went out while nobody listened
    assert summary["gap_requests"] >= 1
    assert "INFO  lorawan: the server missed report" in console
    heard = {u["payload_hex"] for u in uplinks if u["delivered"]}
    assert all(u["payload_hex"] in heard for u in lost)
    assert summary["reports"]["dropped"] == 0 and accounted(summary)


def test_the_console_status_shows_the_radio(tmp_path):
    _, _, console = run(tmp_path, [{"t": 0, **BASE}, {"t": 1000, "console": "status"}, {"t": 1010}])
    assert "radio lorawan joined, SF7, link up, 2 sent (0 again)" in console
    assert "downlinks 0 applied, 0 rejected" in console


# -- Wi-Fi and MQTT ---------------------------------------------------------------------------


def test_over_wifi_every_report_reaches_the_broker_as_the_decoders_json(tmp_path):
    day = str(TRACES / "park-summer-day.jsonl")
    wifi = replay(day, str(tmp_path / "wifi"), board_name="esp32-wifi").summary
    lora = replay(day, str(tmp_path / "lora")).summary
    assert wifi["reports"] == {"generated": 96, "delivered": 96, "queued": 0, "dropped": 0}
    assert wifi["airtime_s"] == 0 and wifi["sit_sessions"] == lora["sit_sessions"]
    published = [json.loads(line) for line in (tmp_path / "wifi" / "uplinks.jsonl").read_text().splitlines()]
    assert {u["transport"] for u in published} == {"mqtt"} and all(u["fport"] is None for u in published)
    assert published[0]["topic"] == "benches/SM-001/online" and bytes.fromhex(published[0]["payload_hex"]) == b"online"
    statuses = [json.loads(bytes.fromhex(u["payload_hex"])) for u in published if u["topic"].endswith("/status")]
    frames = [json.loads(line) for line in (tmp_path / "lora" / "uplinks.jsonl").read_text().splitlines()]
    decoded = [codec.decode(1, bytes.fromhex(u["payload_hex"]))[0] for u in frames if u["fport"] == 1]
    assert statuses[:95] == decoded[:95]  # the same reports, field for field, on either transport


def test_over_wifi_an_outage_waits_on_flash_and_goes_out_when_the_broker_is_back(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 3600, "link": "down"}, {"t": 5 * 3600, "link": "up"}, {"t": 6 * 3600}]
    summary, uplinks, console = run(tmp_path, records, board_name="esp32-wifi")
    assert summary["reports"] == {"generated": 24, "delivered": 24, "queued": 0, "dropped": 0}
    assert "WARN  wifi: Wi-Fi smiltene-parks did not connect" in console
    assert "not-printed" not in console  # the Wi-Fi key never reaches the console
    late = [u for u in uplinks if u["t"] >= 5 * 3600 and u["topic"].endswith("/status")]
    numbers = [json.loads(bytes.fromhex(u["payload_hex"]))["seq"] for u in late]
    assert numbers[:17] == list(range(4, 21))  # the backlog, oldest first


def test_over_wifi_commands_arrive_on_the_cmd_topic_and_are_checked_like_downlinks(tmp_path):
    records = [{"t": 0, **BASE}, {"t": 600, "downlink": hexa({"config": {"report_interval_s": 1800}})},
               {"t": 700, "downlink": {"fport": 10, "hex": "0105"}}, {"t": 800, "downlink": hexa({"read_config": True})},
               {"t": 3 * 3600}]
    summary, uplinks, console = run(tmp_path, records, board_name="esp32-wifi")
    assert summary["downlinks"] == {"applied": 2, "rejected": 1}
    assert "INFO  command: from mqtt: config report_interval_s=1800" in console
    assert "rejected from mqtt: report_interval_s must be 60..86400 s, got 5" in console
    events = [json.loads(bytes.fromhex(u["payload_hex"])) for u in uplinks if u["topic"].endswith("/event")]
    assert [e["fport"] for e in events].count(3) == 2  # the configuration read back, two frames


def test_over_wifi_a_broker_that_talks_garbage_or_goes_quiet_never_stops_the_bench(tmp_path):
    records = [{"t": 0, **BASE},
               {"t": 3600, "fault": {"sensor": "radio", "kind": "garbage", "for_s": 1800}},
               {"t": 2 * 3600, "fault": {"sensor": "radio", "kind": "nack", "for_s": 1800}},
               {"t": 3 * 3600, "fault": {"sensor": "radio", "kind": "stuck", "for_s": 1800}},
               {"t": 5 * 3600}]
    summary, _, console = run(tmp_path, records, board_name="esp32-wifi")
    assert "ERROR loop" not in console and summary["resets"] == {}
    assert summary["reports"]["dropped"] == 0 and accounted(summary)
    assert summary["reports"]["queued"] <= 1


def test_an_outage_longer_than_the_queue_drops_the_oldest_and_counts_every_drop(tmp_path):
    down, up = 3600, 3600 + 8 * DAY  # 768 reports into a queue of 700 frames
    records = [{"t": 0, **BASE}, {"t": down, "link": "down"}, {"t": up - 60, "console": "status"},
               {"t": up, "link": "up"}, {"t": up + 3 * DAY}]
    summary, uplinks, console = run(tmp_path, records)
    r = summary["reports"]
    assert accounted(summary) and r["queued"] <= 1
    assert 60 <= r["dropped"] <= 80  # the oldest of the outage, pushed out by newer ones
    status = next(line for line in console.splitlines() if line.startswith("reports "))
    _, waiting, dropped = (int(w) for w in re.findall(r"\d+", status)[:3])
    assert waiting == 700
    # The bench counts every frame it pushed out; a few of them (sent since the last link
    # check) the network had heard after all, so the bench's count bounds the loss from above.
    assert r["dropped"] <= dropped < r["dropped"] + 16
    heard = [int(u["payload_hex"][:2], 16) for u in uplinks if u["fport"] == 1 and u["t"] >= up and u["delivered"]]
    assert heard[0] == (3 + r["dropped"] + 1) % 256  # #1-#3 were heard before; the oldest kept goes first
    assert summary["max_airtime_24h_with_joins_s"] <= 30


def test_resets_at_sf12_with_a_chatty_server_keep_fair_use_all_day_and_every_day(tmp_path):
    # Four resets a day at SF12, each boot a join; the server sends a downlink every hour of
    # its own. Each JoinAccept and link-check answer is one of the day's ten; once ten were
    # heard, the bench asks for no more until the oldest is a day old.
    records = [{"t": 0, "sf": 12, **BASE}]
    for day in range(3):
        records += [{"t": day * DAY + h * 3600 + 60, "downlink": {"fport": 3, "hex": "00"}} for h in range(24)]
        records += [{"t": day * DAY + h * 3600 + 600, "reset": "watchdog"} for h in (2, 8, 14, 20)]
    records.sort(key=lambda r: r["t"])
    records.append({"t": 3 * DAY})
    summary, uplinks, console = run(tmp_path, records)
    assert summary["max_airtime_24h_with_joins_s"] <= 30 and busiest(uplinks, DAY) <= 30
    assert summary["max_requested_downlinks_24h"] <= 10
    assert summary["max_downlinks_24h"] > 10  # the server's own: the bench cannot stop those
    assert summary["joins"] >= 4
    assert "airtime.txt is not a whole airtime book" not in console
    assert accounted(summary)
