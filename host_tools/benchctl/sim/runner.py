# Runs the firmware against a world: boots it, runs its real main loop, restarts it on every
# reset (flash kept, RAM lost), and adds up what each life of the firmware counted.
from bench.boot import start
from bench.loop import run
from benchctl.sim.world import End, Reset, World


class Totals:
    """What the summary needs, summed over the firmware's lives; integers only, so both
    engines print the same bytes."""

    def __init__(self, ports):
        self.sit_sessions = 0
        self.occupied_ms = 0
        self.charge_by_port = [0] * ports
        self.port_uwh = 0
        self.generated = 0
        self.queued = 0
        self.dropped = 0
        self.crashes = 0
        self.resets = {}
        self.delivered = 0
        self.applied = 0
        self.rejected = 0
        self.radio = {}
        self.energy = None
        self.hourly = None

    def add_life(self, bench):
        if bench is None:
            return
        if bench.ports is not None:  # not in safe mode
            sit = bench.sitting
            self.sit_sessions += sit.count
            self.occupied_ms += sit.occupied_ms
            for port in bench.ports.ports:
                self.charge_by_port[port.number - 1] += port.sessions
                self.port_uwh += port.energy.uwh()
        self.generated += bench.seq
        self.crashes += bench.crashes
        self.applied += bench.commands_applied
        self.rejected += bench.commands_rejected

    def end(self, bench, world):
        """At the end of the trace: what the network heard, what still waits on flash, and
        what the flash was given but lost (below)."""
        server = world.air.server
        if server is not None:
            self.delivered = server.delivered
        queued = 0
        if bench is not None:
            q = bench.queue
            for seq in range(q.tail, q.head):
                record = q.record(seq)
                if record is not None and record[0] == 1 and (server is None or not server.was_heard(seq)):
                    queued += 1
        self.queued = queued
        # Dropped: the status records the flash was given that the network never heard and
        # the queue no longer holds (pushed out, spoilt by a torn write, or sent into an outage
        # and acknowledged by a later link check). Counted from the flash's side, so that
        # generated = delivered + queued + dropped checks the firmware's own count.
        written = world.queue_block.status_written
        self.dropped = written - self.delivered - self.queued
        if world.closed_loop is not None:
            self.energy = world.closed_loop.energy()
            self.hourly = world.closed_loop.hourly
        self.radio = world.air.counts()

    def as_dict(self, duration_ms):
        return {
            "duration_ms": duration_ms,
            "sit_sessions": self.sit_sessions,
            "occupied_ms": self.occupied_ms,
            "charge_by_port": self.charge_by_port,
            "port_uwh": self.port_uwh,
            "generated": self.generated,
            "delivered": self.delivered,
            "queued": self.queued,
            "dropped": self.dropped,
            "applied": self.applied,
            "rejected": self.rejected,
            "radio": self.radio,
            "energy": self.energy,
            "hourly": self.hourly,
            "crashes": self.crashes,
            "resets": self.resets,
        }


def replay(board, tape, cfg_values, config_json, bench_id, write, seed=1, queue_block=None, on_air=None,
           plant=None, on_hour=None, files=None, wire=None):
    """Run the firmware over `tape`; returns Totals.as_dict(). `config_json` (bytes or None)
    is put on the simulated flash before the first boot, as provisioning would. `on_air` gets
    every uplink: (t ms, fport, payload, airtime us, delivered). `wire` (a board_recorder
    Recorder) records every answer the firmware's devices gave, for a board tape."""
    world = World(board, tape, cfg_values, seed, queue_block, on_air, plant, on_hour)
    if config_json is not None:
        world.flash.write("config.json", config_json)
    for name in files or ():  # the tests' own flash contents: state, keys, books as found on a board
        world.flash.write(name, files[name])

    totals = Totals(len(board.get("port_pins", ())))
    cause = "power_on"
    last = None
    while True:
        if not world.powered():
            try:
                world.wait_power()  # dark until the battery recovers
            except End:
                if wire is not None:
                    wire.ended = True  # what the summary reads of the queue is not the firmware's
                totals.end(last, world)
                return totals.as_dict(world.end)
        world.boot()
        hw = world.hardware(bench_id, cause, write)
        bench = None
        try:
            world.settle()
            if not world.powered():
                raise Reset("brownout")  # the battery gave out at the very moment of boot
            # The board's own boot (firmware/main.py): counted first, then the bench or safe mode.
            if wire is not None:
                wire.life(hw)
            bench = start(hw)
            if bench is None:  # it said why and waited 5 s: a soft reset, as main.py makes
                raise Reset("soft")
            world.console = bench.console_input if wire is None else wire.console(bench.console_input)
            for line in world.early_console:
                world.console(line)
            world.early_console = []
            run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
            cause = "soft"  # `reboot` on the console: machine.reset() reads as a soft reset
            totals.add_life(bench)
        except Reset as r:
            cause = r.args[0]
            totals.add_life(bench)
        except End:
            totals.add_life(bench)
            totals.end(bench if bench is not None else last, world)
            return totals.as_dict(world.end)
        totals.resets[cause] = totals.resets.get(cause, 0) + 1
        world.console = None
        last = bench if bench is not None else last
