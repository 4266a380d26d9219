# Commands from the network (parsed by bench/downlink.py), for the bench and for safe mode
# alike: applied whole or not at all, counted either way and logged; a rejection goes back to
# the server as an event (payload-v1, FPort 2 type 5).
from bench.downlink import BAD_VALUE, NOT_FITTED, UNKNOWN
from bench.payload import FPORT_CONFIG, FPORT_EVENT, encode_command_rejected, encode_config


def apply_command(bench, command, why, source, fport):
    """`why` is the parser's (code, reason) when it rejected the bytes. A bench in safe mode
    has no ports (`bench.ports` None): a port command is then not fitted."""
    if command is None:
        return _reject(bench, source, fport, why)
    ports = bench.ports
    if "port" in command and (ports is None or command["port"] > len(ports.ports)):
        reason = "safe mode: the ports stay off" if ports is None else "this bench has no port %d" % command["port"]
        return _reject(bench, source, fport, (NOT_FITTED, reason))
    if "resend_from" in command:  # the LoRaWAN link answers these itself; never here
        return _reject(bench, source, fport, (UNKNOWN, "a resend request is for the LoRaWAN link"))
    if "config" in command:
        values = command["config"]
        problem = bench.cfg.problem(values)  # each key passed the codec; now all of them together
        if problem is not None:
            return _reject(bench, source, fport, (BAD_VALUE, problem))
        for key in sorted(values):
            bench.cfg.v[key] = values[key]
        bench.cfg.save(bench.store)
        for key in sorted(values):
            bench.config_changed(key)
        done = "config " + " ".join(["%s=%s" % (k, values[k]) for k in sorted(values)])
    elif "port" in command:
        ports.set_mode(command["port"], command["mode"], bench.uptime)
        done = "port %d %s" % (command["port"], command["mode"])
    elif "reboot" in command:
        bench.request_reboot()
        done = "reboot"
    else:
        frames = encode_config(bench.cfg.v)  # read_config: sent like any report, oldest first
        for frame in frames:
            bench.queue.put(FPORT_CONFIG, frame)
        done = "read_config, %d frame(s) queued" % len(frames)
    bench.commands_applied += 1
    bench.log.info("command", "from %s: %s" % (source, done))
    return True


def _reject(bench, source, fport, why):
    code, reason = why
    bench.commands_rejected += 1
    bench.log.warn("command", "rejected from %s: %s" % (source, reason))
    bench.queue.put(FPORT_EVENT, encode_command_rejected(source, fport, code))
    return False
