# Runs the firmware against a world: boots it, runs its real main loop, restarts it on every
# reset (flash kept, RAM lost), and adds up what each life of the firmware counted.
from bench.bench import Bench
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

    def add_life(self, bench, ending):
        if bench is None:
            return
        sit = bench.sitting
        self.sit_sessions += sit.count
        self.occupied_ms += sit.occupied_ms
        for port in bench.ports.ports:
            self.charge_by_port[port.number - 1] += port.sessions
            self.port_uwh += port.energy.uwh()
        self.generated += bench.seq
        self.crashes += bench.crashes
        if ending:
            # Reports wait in the flash queue across resets. Until a radio takes them, every
            # report made is queued or was pushed out of the full queue, or spoilt by a power
            # cut (the queue counts both): dropped = made - queued.
            self.queued = bench.queue.count(1)
            self.dropped = self.generated - self.queued

    def as_dict(self, duration_ms):
        return {
            "duration_ms": duration_ms,
            "sit_sessions": self.sit_sessions,
            "occupied_ms": self.occupied_ms,
            "charge_by_port": self.charge_by_port,
            "port_uwh": self.port_uwh,
            "generated": self.generated,
            "queued": self.queued,
            "dropped": self.dropped,
            "crashes": self.crashes,
            "resets": self.resets,
        }


def replay(board, tape, cfg_values, config_json, bench_id, write, seed=1, queue_block=None):
    """Run the firmware over `tape`; returns Totals.as_dict(). `config_json` (bytes or None)
    is put on the simulated flash before the first boot, as provisioning would."""
    world = World(board, tape, cfg_values, seed, queue_block)
    if config_json is not None:
        world.flash.write("config.json", config_json)
    totals = Totals(len(board.get("port_pins", ())))
    cause = "power_on"
    while True:
        world.boot()
        hw = world.hardware(bench_id, cause, write)
        bench = None
        try:
            world.settle()
            bench = Bench(hw, hw.clock())
            world.bench = bench
            for line in world.early_console:
                bench.console_input(line)
            world.early_console = []
            run(bench, hw.clock, hw.sleep, hw.watchdog, hw.watchdog_slice_ms)
            cause = "soft"  # `reboot` on the console: machine.reset() reads as a soft reset
            totals.add_life(bench, False)
        except Reset as r:
            cause = r.args[0]
            totals.add_life(bench, False)
        except End:
            totals.add_life(bench, True)
            return totals.as_dict(world.end)
        totals.resets[cause] = totals.resets.get(cause, 0) + 1
        world.bench = None
