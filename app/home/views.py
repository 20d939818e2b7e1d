"""The home page."""

from __future__ import annotations

from flask import g, render_template
from flask_babel import get_locale
from flask_login import current_user

from app import access, content, db, program
from app.core.services import crisis_lines
from app.home import bp, services
from app.models import Role


@bp.route("/")
def index():
    """This week for a participant; cohorts and small groups for the team."""
    if current_user.role == Role.participant:
        home = services.participant_home(
            db.session(), content.library(), current_user, str(get_locale())
        )
        if home is not None:
            g.timezone = home.cohort.timezone
        return render_template("home/participant.html", home=home, lines=crisis_lines())
    if current_user.role in (Role.somatic, Role.knowledge_keeper):
        # The wider team's home names only the pages made for their work.
        return render_template(
            "home/wider_team.html",
            cohorts=[
                (cohort, program.position(cohort))
                for cohort in access.wider_team_cohorts(db.session(), current_user)
            ],
        )
    return render_template(
        "home/team.html",
        cohorts=services.team_home(db.session(), content.library(), current_user),
    )
