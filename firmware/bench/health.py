# The bench's boots and their health: the reset cause (a deliberate reset writes its cause
# first, since an RP2040 reads every reset as the watchdog's), resets counted by cause, the boot
# count, how long each life lasted, and the boot-loop guard: after SAFE_AFTER boots in a row
# that never ran a minute, the next one is safe mode (bench/safe.py). Kept in state.json.
from micropython import const

from bench.state import CAUSES, load_state, save_state

GOOD_MS = const(60000)  # a boot that ran this long was good
SAFE_AFTER = const(4)  # boots in a row that were not good before safe mode
_SAFE_MAX_MS = const(86400000)  # safe mode after safe mode stays twice as long, up to a day


class Health:
    def __init__(self, store, hw_cause, log):
        self.store = store
        self.log = log
        state = load_state(store, log)
        self.state = state
        intent = state.pop("intent", None)
        self.cause = intent if intent is not None else (hw_cause if hw_cause in CAUSES else "power_on")
        self.boots = state.get("boots", 0) + 1
        self.previous_uptime_s = state.get("uptime_s", 0)  # the last life, as far as it was saved
        resets = state.get("resets", [0] * len(CAUSES))
        if self.boots > 1:
            resets[CAUSES.index(self.cause)] += 1
        self.resets = resets
        self.unproven = state.get("unproven", 0) + 1  # this boot, until it has run a minute
        self.safe_runs = state.get("safe_runs", 0)
        self.safe = self.unproven > SAFE_AFTER
        if self.safe:
            self.safe_runs += 1
        self.good = False
        self.save(0)  # before anything else can fail: a boot that dies now still counts

    def save(self, uptime_ms):
        s = self.state
        s["boots"] = self.boots
        s["resets"] = self.resets
        s["unproven"] = 0 if self.good else self.unproven
        s["safe_runs"] = self.safe_runs
        s["uptime_s"] = uptime_ms // 1000
        save_state(self.store, s)

    def tick(self, uptime_ms):
        """True once, when this boot has run long enough to be good."""
        if self.good or uptime_ms < GOOD_MS:
            return False
        self.good = True
        if not self.safe:
            self.safe_runs = 0
        self.save(uptime_ms)
        return True

    def safe_stay_ms(self):
        """How long safe mode runs before it tries a normal boot again."""
        ms = GOOD_MS << (self.safe_runs - 1 if self.safe_runs > 0 else 0)
        return ms if ms < _SAFE_MAX_MS else _SAFE_MAX_MS

    def intend(self, cause, uptime_ms):
        """A deliberate reset follows: the next boot reads this cause, whatever the chip says."""
        self.state["intent"] = cause
        self.save(uptime_ms)

    def resets_text(self):
        return " ".join(["%s %d" % (CAUSES[i], self.resets[i]) for i in range(len(CAUSES)) if self.resets[i]]) or "none"
