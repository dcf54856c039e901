"""The ten tasks of the task list, each one entry of ``TASKS``: how its status is counted and
which records it counted, both from the same queries and predicates.

| code | status | records | module |
|---|---|---|---|
| T01 | ``t01_congress_sessions`` | ``t01_records`` | ``meetings`` |
| T02 | ``t02_presidium_meetings`` | ``t02_records`` | ``meetings`` |
| T03 | ``t03_meetings_in_full`` | ``t03_records`` | ``meetings`` |
| T04 | ``t04_presidium_topics`` | ``t04_records`` | ``meetings`` |
| T05 | ``t05_supervision_activities`` | ``t05_records`` | ``supervision`` |
| T06 | ``t06_closed_loop`` | ``t06_records`` | ``supervision`` |
| T07 | ``t07_contact_days`` | ``t07_records`` | ``contact_days`` |
| T08 | ``t08_double_linkage`` | ``t08_records`` | ``linkage`` |
| T09 | ``t09_visits_and_notifications`` | ``t09_records`` | ``linkage`` |
| T10 | ``t10_integrated_activities`` | ``t10_records`` | ``guarantees`` |

A status function takes ``(reader, task rule, unit)`` and returns a TaskStatus; a records
function takes ``(reader, unit)`` and returns the records behind the unit's cell, each flagged
whether the task counted it (columns ``RECORD_COLUMNS``). The rules of each task are written in
its module's docstring; how a count or a share becomes a status, in ``services.task_status``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from services.checklist_tasks import contact_days, guarantees, linkage, meetings, supervision
from services.checklist_tasks.reader import RECORD_COLUMNS, TaskReader, Unit
from services.rules import TaskRule
from services.task_status import TaskStatus


@dataclass(frozen=True)
class Task:
    measure: str  # "count" or "share"
    status: Callable[[TaskReader, TaskRule, Unit], TaskStatus]
    records: Callable[[TaskReader, Unit], list[dict]]


TASKS: dict[str, Task] = {
    "T01": Task("count", meetings.t01_congress_sessions, meetings.t01_records),
    "T02": Task("count", meetings.t02_presidium_meetings, meetings.t02_records),
    "T03": Task("share", meetings.t03_meetings_in_full, meetings.t03_records),
    "T04": Task("share", meetings.t04_presidium_topics, meetings.t04_records),
    "T05": Task("count", supervision.t05_supervision_activities, supervision.t05_records),
    "T06": Task("share", supervision.t06_closed_loop, supervision.t06_records),
    "T07": Task("share", contact_days.t07_contact_days, contact_days.t07_records),
    "T08": Task("share", linkage.t08_double_linkage, linkage.t08_records),
    "T09": Task("count", linkage.t09_visits_and_notifications, linkage.t09_records),
    "T10": Task("count", guarantees.t10_integrated_activities, guarantees.t10_records),
}

__all__ = ["RECORD_COLUMNS", "TASKS", "Task", "TaskReader", "Unit"]
