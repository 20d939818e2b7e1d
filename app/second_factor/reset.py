"""Starting over for someone who lost every factor and every recovery code."""

from __future__ import annotations

from sqlmodel import Session, delete

from app.auth.services import end_all_sessions
from app.models import Passkey, RecoveryCode, TotpFactor, User
from app.second_factor.state import record_change


def reset_second_factor(db: Session, actor: User | None, user: User) -> None:
    """Forget every factor and code and end every session; staff set up again at sign-in.

    The person proves who they are to the program outside Tend first: this is what makes a
    lost phone recoverable, so it is never open to the person themselves.
    """
    for table in (TotpFactor, Passkey, RecoveryCode):
        db.exec(delete(table).where(table.user_id == user.id))
    record_change(db, actor, user, "second_factor_reset", kind="all")
    db.commit()
    end_all_sessions(db, user)
