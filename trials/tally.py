"""What a trial counts, and the table it prints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    """One scenario on one database.

    attempts: writes sent. acknowledged: the device was told "saved". found: of those, the
    words are in the database afterwards (in the entry, or as its changes not saved yet).
    lost: acknowledged and not found; overwritten: of the lost, replaced by another device's
    write that never saw them. duplicated: words stored in more than one entry. conflicts:
    writes answered with the conflict view (409), the device keeping its text. 5xx: answers
    500 or above (503 while a database is away is expected and kind; 500 never is).
    """

    scenario: str
    database: str
    attempts: int = 0
    acknowledged: int = 0
    found: int = 0
    lost: int = 0
    overwritten: int = 0
    duplicated: int = 0
    conflicts: int = 0
    server_errors: int = 0
    status_500: int = 0
    notes: list[str] = field(default_factory=list)

    def sent(self, answer) -> None:
        self.attempts += 1
        self.acknowledged += answer.acknowledged
        self.conflicts += answer.conflict
        self.server_errors += answer.status >= 500
        self.status_500 += answer.status == 500

    def judged(self, *, found: bool, overwritten: bool = False) -> None:
        """One acknowledged write, looked for afterwards."""
        if found:
            self.found += 1
        else:
            self.lost += 1
            self.overwritten += overwritten

    @property
    def sound(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.status_500 == 0


COLUMNS = (
    "scenario",
    "database",
    "attempts",
    "acknowledged",
    "found afterwards",
    "lost",
    "silently overwritten",
    "duplicated",
    "conflict view",
    "5xx (of which 500)",
)


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = (
            row.scenario,
            row.database,
            row.attempts,
            row.acknowledged,
            row.found,
            row.lost,
            row.overwritten,
            row.duplicated,
            row.conflicts,
            f"{row.server_errors} ({row.status_500})",
        )
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)
