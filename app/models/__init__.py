"""The tables, one module per area; everything is importable from `app.models`.

A new area gets its own module here and one import line below, so Alembic's autogenerate
(which imports this package) sees every table.
"""

from app.models.accounts import DataChoice, PasswordReset, Withdrawal
from app.models.activities import ExerciseRecord, PracticeRecord
from app.models.base import utcnow, when_column
from app.models.cohorts import Cohort, MedicineSession, Membership, SmallGroup
from app.models.evaluation import StudyCode
from app.models.journal import FollowUp, JournalEntry, ReflectionRead, Sharing
from app.models.meetings import Attendance, Meeting, MeetingChange
from app.models.notifications import (
    AlertContact,
    Delivery,
    Notification,
    PushDevice,
    ReminderChoice,
)
from app.models.people import STAFF_ROLES, AuditEvent, Invite, Role, SignInSession, User
from app.models.questionnaires import (
    Answer,
    ExtraAdministration,
    QuestionnaireResponse,
    SafetyFlag,
)
from app.models.reviews import ClinicianReview
from app.models.second_factor import Passkey, RecoveryCode, TotpFactor
from app.models.sessions import CalendarFeed, ChecklistSubmission, ConsentRecord

__all__ = [
    "STAFF_ROLES",
    "Answer",
    "AlertContact",
    "Attendance",
    "AuditEvent",
    "CalendarFeed",
    "DataChoice",
    "ChecklistSubmission",
    "ClinicianReview",
    "Cohort",
    "ConsentRecord",
    "Delivery",
    "ExerciseRecord",
    "ExtraAdministration",
    "FollowUp",
    "Invite",
    "JournalEntry",
    "Meeting",
    "MeetingChange",
    "MedicineSession",
    "Membership",
    "Notification",
    "Passkey",
    "PasswordReset",
    "PracticeRecord",
    "PushDevice",
    "QuestionnaireResponse",
    "RecoveryCode",
    "ReflectionRead",
    "ReminderChoice",
    "Role",
    "SafetyFlag",
    "Sharing",
    "SignInSession",
    "SmallGroup",
    "StudyCode",
    "TotpFactor",
    "User",
    "Withdrawal",
    "utcnow",
    "when_column",
]
