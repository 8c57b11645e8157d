"""Print the gold-set score table and every error: ``.venv/bin/python -m tests.events.gold_report``."""

from assets.events.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
