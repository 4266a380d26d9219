"""`benchctl synth`: environment traces for a site and a period (docs/synth.md)."""
