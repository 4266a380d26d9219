# The console log: one line per event with uptime and level, filtered by the current level.
from micropython import const

DEBUG = const(10)
INFO = const(20)
WARN = const(30)
ERROR = const(40)

LEVELS = (("debug", DEBUG), ("info", INFO), ("warn", WARN), ("error", ERROR))


def level_named(name):
    """The level for 'debug'|'info'|'warn'|'error', or None."""
    for text, level in LEVELS:
        if text == name:
            return level
    return None


def level_name(level):
    for text, value in LEVELS:
        if value == level:
            return text
    return "?"


class Log:
    """Writes `[uptime] LEVEL topic: message` lines through `write` (print on a board)."""

    def __init__(self, write, level=INFO):
        self.write = write
        self.level = level
        self.uptime_ms = 0

    def line(self, level, topic, message):
        if level < self.level:
            return
        ms = self.uptime_ms
        self.write(
            "[%7d.%03d] %-5s %s: %s"
            % (ms // 1000, ms % 1000, level_name(level).upper(), topic, message)
        )

    def debug(self, topic, message):
        if self.level <= DEBUG:
            self.line(DEBUG, topic, message)

    def info(self, topic, message):
        self.line(INFO, topic, message)

    def warn(self, topic, message):
        self.line(WARN, topic, message)

    def error(self, topic, message):
        self.line(ERROR, topic, message)
