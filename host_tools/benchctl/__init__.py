# benchctl: host tools for the solar smart bench (replay, and more to come).
