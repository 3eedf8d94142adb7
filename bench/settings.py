"""Settings for bench/ratios.py: the project's own settings plus the floor view.

Everything else (middleware, database, cache, sessions) is exactly
vvsg_survey.settings, so the floor pays the same per-request cost as every page.
"""

from vvsg_survey.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
