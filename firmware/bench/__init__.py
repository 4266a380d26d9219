# The bench's logic: sensors in, decisions and reports out; no hardware imports, time passed in.
