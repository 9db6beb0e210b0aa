"""The demo organization at the top of the house: deterministic traffic (generator, templates, catalog),
the demo org and portfolio (services), ``seed_demo`` and the ops task. No product app imports it."""
