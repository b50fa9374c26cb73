"""CSV and JSON downloads, the same way everywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote; the rest is as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# A byte-order mark first: spreadsheets then read the file as UTF-8, so names in Arabic,
# Chinese or Russian open as written instead of as mojibake.
BOM = "\ufeff"


def csv_response(records: Sequence[dict[str, Any]], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write(BOM)
    header = list(records[0]) if records else ["empty"]
    write_csv(buffer, header, ([record[key] for key in header] for record in records))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` under ``header`` as they come (nothing is held in memory), each value
    made spreadsheet-safe; returns how many rows were written."""
    writer = csv.writer(handle)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
        count += 1
    return count
