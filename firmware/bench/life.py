# What the main loop, the console and the network see of a running bench, whether it is the
# whole bench (bench/bench.py) or safe mode (bench/safe.py): uptime from the ticks, typed lines
# queued for the next tick, crashes counted, commands applied whole or rejected.
from micropython import const

from bench.commands import apply_command
from bench.ticks import ticks_diff

_CONSOLE_QUEUE = const(8)
_UNHEALTHY_AFTER = const(3)  # failed ticks in a row before the loop stops feeding the watchdog


class Life:
    """Subclasses set `write` before, and queue, cfg and store after, this __init__; they call
    `_begin_tick` first in their `tick`. `shell` is the console's class (bench/console.py)."""

    def __init__(self, now_ticks, log, health, shell):
        self.log = log
        self.health = health
        self.shell = shell(self)
        self.last_ticks = now_ticks
        self.uptime = 0
        self.console_queue = []
        self.console_dropped = 0
        self.crashes = 0
        self.crashes_in_row = 0
        self.commands_applied = 0
        self.commands_rejected = 0
        self.reboot_requested = False

    def console_input(self, line):
        """A line typed on the console; handled at the next tick, in order."""
        if len(self.console_queue) >= _CONSOLE_QUEUE:
            self.console_dropped += 1
            return
        self.console_queue.append(line)

    def command(self, command, why, source, fport=0):
        """A command from the network (bench/commands.py): applied whole or rejected."""
        return apply_command(self, command, why, source, fport)

    def crashed(self, err):
        """The loop caught `err` out of tick: one line on the console, never a traceback."""
        self.crashes += 1
        self.crashes_in_row += 1
        self.log.error("loop", "%s: %s; carrying on" % (type(err).__name__, err))

    def healthy(self):
        return self.crashes_in_row < _UNHEALTHY_AFTER

    def _begin_tick(self, now_ticks):
        """Uptime, the boot-loop guard's minute, and the lines typed since the last tick."""
        dt = ticks_diff(now_ticks, self.last_ticks)
        self.last_ticks = now_ticks
        if dt > 0:
            self.uptime += dt
        self.log.uptime_ms = self.uptime
        if not self.health.good:  # once the boot is good, no call a tick
            self.health.tick(self.uptime)  # a good boot: the boot-loop guard starts counting again
        while self.console_queue:
            self.shell.handle(self.console_queue.pop(0))
        if self.console_dropped:
            self.log.warn("console", "%d lines dropped: type slower" % self.console_dropped)
            self.console_dropped = 0
