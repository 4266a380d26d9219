// Smiltene smart bench: LoRaWAN Payload Codec API (TS013) for payload format v1.
// Paste into The Things Stack or ChirpStack as the device's payload formatter.
// ECMAScript 5.1, no require: see docs/payload-v1.md for every byte.

var FAULTS = ["solar", "battery", "ports", "occupancy", "temperature", "port_tripped", "seat_stuck"];
var RESET_CAUSES = ["power_on", "brownout", "watchdog", "hard", "soft"];
var PORT_FAULTS = ["over-current", "current while off"];
var SENSOR_ROLES = ["solar", "battery", "batt_temp", "air_temp", "pir", "radar", "port1", "port2",
  "port3", "port4", "port5", "port6", "port7", "port8"];
var SENSOR_KINDS = ["not answering", "stuck", "bad data", "answering again"];
var GAUGE_ANCHORS = ["none", "full", "empty", "rest", "restored"]; // firmware/bench/capacity.py
var HEALTH_SENSORS = ["solar", "battery", "batt_temp", "air_temp", "pir", "radar", "ports"];
var COMMAND_SOURCES = ["lorawan", "mqtt"];
var REJECTIONS = ["malformed", "bad value", "unknown", "not fitted"];
var CONFIG_IDS = ["sample_interval_s", "report_interval_s", "heartbeat_s", "battery_ah",
  "battery_shunt_uohm", "battery_max_a", "solar_shunt_uohm", "solar_max_a", "port_shunt_uohm",
  "port_count", "port_session_ma", "port_start_s", "port_end_s", "port_max_ma", "port_leak_ma",
  "port_retry_s", "port_retry_max_s", "radar_max_cm", "vacant_after_s", "min_session_s",
  "max_session_s", "shed_qi_pct", "shed_usb_pct", "slow_report_pct", "survival_pct",
  "hysteresis_pct", "cold_shift_pct", "rest_ma", "rest_s", "log_level", "occupancy",
  "radar_hold_s", "full_mv", "heater_w", "energy_policy"];
var CHOICES = { log_level: ["debug", "info", "warn", "error"], occupancy: ["pir", "radar", "both"],
  energy_policy: ["budget", "ladder"] };
var PORT_MODES = ["auto", "on", "off"];
var STATUS_FIELDS = [["seq", 8], ["soc", 7], ["volts", 8], ["solar", 12], ["used", 12],
  ["sittings", 6], ["occupied", 11], ["charges", 4], ["port", 10], ["ports", 3], ["faults", 7],
  ["temp", 8]];

function fail(message) {
  throw new Error(message);
}

function bits(bytes, layout) {
  var out = {};
  var pos = 0;
  for (var f = 0; f < layout.length; f++) {
    var value = 0;
    for (var i = 0; i < layout[f][1]; i++) {
      var bit = (bytes[pos >> 3] >> (7 - (pos & 7))) & 1;
      value = value * 2 + bit;
      pos++;
    }
    out[layout[f][0]] = value;
  }
  return out;
}

function status(bytes, warnings) {
  if (bytes.length !== 12) fail("a status frame (FPort 1) is 12 bytes, got " + bytes.length);
  var f = bits(bytes, STATUS_FIELDS);
  if (f.soc > 100 && f.soc !== 127) fail("state of charge " + f.soc + " % is out of range");
  var ceilings = [["solar_wh", "solar", 4095], ["used_wh", "used", 4095], ["port_wh", "port", 1023]];
  for (var c = 0; c < ceilings.length; c++) {
    if (f[ceilings[c][1]] === ceilings[c][2]) {
      warnings.push(ceilings[c][0] + " at its ceiling: " + ceilings[c][2] / 10 + " Wh or more");
    }
  }
  var ports = [];
  var faults = [];
  for (var p = 0; p < 3; p++) if (f.ports & (1 << p)) ports.push(p + 1);
  for (var b = 0; b < FAULTS.length; b++) if (f.faults & (1 << b)) faults.push(FAULTS[b]);
  var temp = f.temp >= 128 ? f.temp - 256 : f.temp;
  return {
    frame: "status", seq: f.seq,
    soc_pct: f.soc === 127 ? null : f.soc,
    battery_v: f.volts === 255 ? null : (1000 + 2 * f.volts) / 100,
    solar_wh: f.solar / 10, used_wh: f.used / 10,
    sittings: f.sittings, occupied_min: f.occupied, charge_sessions: f.charges,
    port_wh: f.port / 10, ports_on: ports, faults: faults,
    battery_c: temp === -128 ? null : temp
  };
}

function pick(table, code, what) {
  if (code < 1 || code > table.length) fail("unknown " + what + " code " + code);
  return table[code - 1];
}

function event(bytes) {
  if (bytes.length === 0) fail("an event frame (FPort 2) needs at least its type byte");
  var kind = bytes[0];
  var sizes = { 1: 7, 2: 7, 3: 5, 4: 3, 5: 4, 6: 24 };
  if (!sizes[kind]) fail("unknown event type " + kind);
  // A 20-byte health frame is from before the fuel gauge (firmware 0.1): no gauge bytes.
  if (bytes.length !== sizes[kind] && !(kind === 6 && bytes.length === 20)) fail("event type " + kind + " is " + sizes[kind] + " bytes, got " + bytes.length);
  if (kind === 1) {
    if (bytes[4] >= RESET_CAUSES.length && bytes[4] !== 255) fail("unknown reset cause code " + bytes[4]);
    return { frame: "boot", firmware: bytes[1] + "." + bytes[2] + "." + bytes[3],
      reset_cause: bytes[4] === 255 ? "unknown" : RESET_CAUSES[bytes[4]], boots: bytes[5] * 256 + bytes[6] };
  }
  if (kind === 2) {
    if (bytes[1] < 1 || bytes[1] > 8) fail("port " + bytes[1] + " is out of range 1..8");
    return { frame: "port_fault", port: bytes[1], fault: pick(PORT_FAULTS, bytes[2], "port fault"),
      current_ma: bytes[3] * 256 + bytes[4], retry_s: bytes[5] * 256 + bytes[6] };
  }
  if (kind === 3) {
    return { frame: "sensor_fault", sensor: pick(SENSOR_ROLES, bytes[1], "sensor"),
      fault: pick(SENSOR_KINDS, bytes[2], "sensor fault"), failures: bytes[3] * 256 + bytes[4] };
  }
  if (kind === 5) {
    return { frame: "command_rejected", source: pick(COMMAND_SOURCES, bytes[1], "command source"),
      fport: bytes[2], reason: pick(REJECTIONS, bytes[3], "rejection") };
  }
  if (kind === 6) {
    var resets = {}, errors = {}, i;
    for (i = 0; i < RESET_CAUSES.length; i++) resets[RESET_CAUSES[i]] = bytes[3 + i];
    for (i = 0; i < HEALTH_SENSORS.length; i++) errors[HEALTH_SENSORS[i]] = bytes[9 + i];
    var health = { frame: "health", uptime_h: bytes[1] * 256 + bytes[2], resets: resets, overruns: bytes[8],
      sensor_errors: errors, radio_troubles: bytes[16], queued: bytes[17] * 256 + bytes[18],
      free_heap_kb: bytes[19] === 255 ? null : bytes[19] };
    if (bytes.length === 24) {
      var dah = bytes[20] * 256 + bytes[21];
      if (bytes[22] > 100 && bytes[22] !== 255) fail("gauge sureness must be 0..100 % or 255, got " + bytes[22]);
      health.capacity_ah = dah === 0xFFFF ? null : dah / 10;
      health.capacity_sure_pct = bytes[22] === 255 ? null : bytes[22];
      if (bytes[23] >= GAUGE_ANCHORS.length) fail("unknown gauge anchor code " + bytes[23]);
      health.gauge_anchor = GAUGE_ANCHORS[bytes[23]];
    }
    return health;
  }
  if (bytes[1] > 1) fail("safe mode flag must be 0 or 1, got " + bytes[1]);
  return { frame: "safe_mode", entered: bytes[1] === 1, boots: bytes[2] };
}

function pairs(bytes, start, what) {
  // Key id and LEB128 value pairs, as in the configuration read-back and set-config frames.
  var config = {};
  var i = start;
  while (i < bytes.length) {
    var id = bytes[i];
    if (id >= CONFIG_IDS.length) fail("unknown configuration key id " + id);
    var key = CONFIG_IDS[id];
    if (config.hasOwnProperty(key)) fail("configuration key " + key + " twice in one " + what);
    var value = 0;
    var scale = 1;
    var shift = 0;
    while (true) {
      i++;
      if (i >= bytes.length) fail("the value of " + key + " is cut short");
      value += (bytes[i] & 0x7f) * scale;
      scale *= 128;
      shift += 7;
      if (!(bytes[i] & 0x80)) break;
      if (shift > 28) fail("the value of " + key + " is longer than 4 bytes");
    }
    if (CHOICES[key]) {
      if (value >= CHOICES[key].length) fail(key + " choice " + value + " is unknown");
      config[key] = CHOICES[key][value];
    } else {
      config[key] = value;
    }
    i++;
  }
  return config;
}

function configFrame(bytes) {
  if (bytes.length === 0) fail("a config frame (FPort 3) needs at least its page byte");
  var page = bytes[0] >> 4;
  var pages = bytes[0] & 0x0f;
  if (pages === 0 || page >= pages) fail("page " + page + " of " + pages + " is impossible");
  return { frame: "config", page: page, pages: pages, config: pairs(bytes, 1, "frame") };
}

function decodeUplink(input) {
  var bytes = input.bytes || [];
  var warnings = [];
  try {
    if (bytes.length > 51) fail(bytes.length + " bytes: no v1 uplink is longer than 51");
    var data;
    if (input.fPort === 1) data = status(bytes, warnings);
    else if (input.fPort === 2) data = event(bytes);
    else if (input.fPort === 3) data = configFrame(bytes);
    else fail("FPort " + input.fPort + " carries no v1 uplink (1 status, 2 events, 3 configuration)");
    return { data: data, warnings: warnings };
  } catch (e) {
    return { errors: [e.message], warnings: warnings };
  }
}

function varint(out, value) {
  do {
    var byte = value % 128;
    value = Math.floor(value / 128);
    out.push(value > 0 ? byte | 0x80 : byte);
  } while (value > 0);
}

function encodeDownlink(input) {
  var d = input.data || {};
  try {
    if (d.config !== undefined) {
      if (typeof d.config !== "object" || d.config === null || Array.isArray(d.config)) {
        fail("config must be an object of key: value");
      }
      var out = [];
      for (var key in d.config) {
        if (!d.config.hasOwnProperty(key)) continue;
        var id = CONFIG_IDS.indexOf(key);
        if (id < 0) fail("unknown configuration key " + key);
        var value = d.config[key];
        if (CHOICES[key]) {
          value = CHOICES[key].indexOf(value);
          if (value < 0) fail(key + " must be one of " + CHOICES[key].join("|"));
        } else if (typeof value !== "number" || value % 1 !== 0 || value < 0 || value > 0xfffffff) {
          fail(key + " must be a whole number 0..268435455");
        }
        out.push(id);
        varint(out, value);
      }
      if (out.length === 0) fail("config names no key");
      if (out.length > 51) fail("the configuration does not fit one downlink: send fewer keys");
      return { fPort: 10, bytes: out };
    }
    if (d.port !== undefined) {
      var mode = PORT_MODES.indexOf(d.mode);
      if (typeof d.port !== "number" || d.port % 1 !== 0 || d.port < 1 || d.port > 8) fail("port must be 1..8");
      if (mode < 0) fail("mode must be auto, on or off");
      return { fPort: 11, bytes: [d.port, mode] };
    }
    if (d.read_config === true) return { fPort: 12, bytes: [0] };
    if (d.reboot === true) return { fPort: 13, bytes: [0xb0, 0x07] };
    if (d.resend_from !== undefined) {
      var seq = d.resend_from;
      if (typeof seq !== "number" || seq % 1 !== 0 || seq < 0 || seq > 255) {
        fail("resend_from must be a status sequence number 0..255");
      }
      return { fPort: 14, bytes: [seq] };
    }
    fail("nothing to send: give config, port and mode, read_config, reboot or resend_from");
  } catch (e) {
    return { errors: [e.message] };
  }
}

function decodeDownlink(input) {
  var bytes = input.bytes || [];
  try {
    if (input.fPort === 10) {
      if (bytes.length === 0) fail("a set-config downlink names at least one key");
      return { data: { config: pairs(bytes, 0, "downlink") } };
    }
    if (input.fPort === 11) {
      if (bytes.length !== 2) fail("a port downlink is 2 bytes, got " + bytes.length);
      if (bytes[0] < 1 || bytes[0] > 8) fail("port " + bytes[0] + " is out of range 1..8");
      if (bytes[1] >= PORT_MODES.length) fail("unknown port mode " + bytes[1]);
      return { data: { port: bytes[0], mode: PORT_MODES[bytes[1]] } };
    }
    if (input.fPort === 12) {
      if (bytes.length !== 1 || bytes[0] !== 0) fail("a read-config downlink is the one byte 00");
      return { data: { read_config: true } };
    }
    if (input.fPort === 13) {
      if (bytes.length !== 2 || bytes[0] !== 0xb0 || bytes[1] !== 0x07) fail("a reboot downlink is b007");
      return { data: { reboot: true } };
    }
    if (input.fPort === 14) {
      if (bytes.length !== 1) fail("a resend downlink is 1 byte, got " + bytes.length);
      return { data: { resend_from: bytes[0] } };
    }
    fail("FPort " + input.fPort + " carries no v1 downlink (10 config, 11 port, 12 read config, 13 reboot, 14 resend)");
  } catch (e) {
    return { errors: [e.message] };
  }
}
