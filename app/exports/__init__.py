"""Evaluation exports in the formats evaluation teams and health systems use: REDCap's data
dictionary and import CSV, and FHIR R4 Questionnaire and QuestionnaireResponse resources.

Both are built from the same instrument files as the questionnaires themselves, include only
participants who consented to evaluation use, name nobody (random study codes), carry no free
text, and stream row by row so a deployment's largest cohort costs no more memory than a small
one.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/team")

from app.exports import views  # noqa: E402, F401
