"""Small helpers for Dagster materialisation metadata."""

from __future__ import annotations

import polars as pl


def preview_md(df: pl.DataFrame, rows: int = 10, max_width: int = 60) -> str:
    """A Markdown table of the first ``rows`` rows (long cells cut to ``max_width``)."""
    if df.is_empty():
        return "_no rows_"
    head = df.head(rows)

    def cell(v: object) -> str:
        s = "" if v is None else str(v)
        s = s.replace("|", "\\|").replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    lines = [
        "| " + " | ".join(head.columns) + " |",
        "| " + " | ".join("---" for _ in head.columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in head.iter_rows()]
    if df.height > rows:
        lines.append(f"\n_{df.height - rows} more rows_")
    return "\n".join(lines)
