"""Routes for the participant's journal and their group's shared reflections."""

from __future__ import annotations

import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import content, db, security_events
from app.access import require_roles
from app.journal import bp, choices, services
from app.journal.export import export_json, export_zip
from app.journal.forms import EntryForm, SharingForm
from app.models import Role
from app.navigation import url_for_each
from app.practices.services import place_of
from app.security import wants_partial


def _locale() -> str:
    return str(get_locale())


def _place():
    place = place_of(db.session(), current_user)
    if place is None:
        abort(404)
    return place


def _form(**kwargs) -> EntryForm:
    form = EntryForm(**kwargs)
    return choices.configure(form, content.library(), _place(), _locale())


def _fields(form: EntryForm) -> services.EntryFields:
    return services.EntryFields(
        body=form.body.data or "",
        title=(form.title.data or "").strip() or None,
        week=form.week.data or None,
        prompt_id=form.prompt_id.data or None,
        feelings=list(form.feelings.data or []),
        sensations=list(form.sensations.data or []),
        intensity=form.intensity.data,
        sharing=form.sharing.data,
        anonymous_to_peers=bool(form.anonymous_to_peers.data),
    )


def _entry_or_404(entry_id: int):
    try:
        return services.own_entry(db.session(), current_user, entry_id)
    except services.EntryNotFound:
        abort(404)


@bp.route("/")
@require_roles(Role.participant)
def entries():
    """Your entries, newest first, by week if you like."""
    week = request.args.get("week", type=int)
    page = max(1, request.args.get("page", 1, type=int))
    listing = services.list_entries(db.session(), current_user, week=week, page=page)
    return _render_list(listing, week=week, search=None)


@bp.route("/search", methods=["GET", "POST"])
@require_roles(Role.participant)
def search():
    """Search your own entries. A POST, so what you look for never appears in a URL; going
    back to or reloading the search's address leads to the journal."""
    if request.method == "GET":
        return redirect(url_for("journal.entries"), 303)
    term = (request.form.get("q") or "").strip()[:200]
    listing = services.list_entries(db.session(), current_user, search=term or None)
    return _render_list(listing, week=None, search=term)


def _render_list(listing: services.EntryPage, *, week: int | None, search: str | None):
    partial = wants_partial()
    # "More entries" asks for the next entries only, to add below those shown.
    adding_below = partial and request.headers.get("HX-Target") == "more-entries"
    template = "journal/entries.html"
    if partial:
        template = "journal/_entry_items.html" if adding_below else "journal/_entry_list.html"
    return render_template(
        template,
        listing=listing,
        week=week,
        search=search,
        adding_below=adding_below,
        # Every entry listed names its week: each label is translated once per page.
        week_labels={number: _("Week %(num)d", num=number) for number in listing.weeks},
        entry_url=url_for_each("journal.entry", "entry_id"),
    )


@bp.route("/new", methods=["GET", "POST"])
@require_roles(Role.participant)
def new_entry():
    """Write an entry; it autosaves as you go, and waits on the phone when offline."""
    place = _place()
    form = _form()
    if request.method == "GET":
        form.client_uuid.data = str(uuid.uuid4())
        prompt = request.args.get("prompt")
        if prompt and prompt in dict(form.prompt_id.choices):
            form.prompt_id.data = prompt
        form.week.data = place.position.week if place.position.running else 0
    if form.validate_on_submit():
        answered = _save_from_form(form, None, _("Your entry is saved."))
        if answered is not None:
            return answered
    status = 422 if request.method == "POST" else 200
    return render_template("journal/edit.html", form=form, entry=None), status


@bp.route("/<int:entry_id>")
@require_roles(Role.participant)
def entry(entry_id: int):
    """One of your entries, with who can read it said plainly."""
    found = _entry_or_404(entry_id)
    form = SharingForm(sharing=found.sharing, anonymous_to_peers=found.anonymous_to_peers)
    return render_template("journal/entry.html", entry=found, sharing_form=form, **_labels(found))


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@require_roles(Role.participant)
def edit_entry(entry_id: int):
    """Change an entry. If another device saved it meanwhile, you see both and choose."""
    found = _entry_or_404(entry_id)
    if request.method == "GET":
        form = _form(client_uuid=found.client_uuid, version=str(found.version))
        # Changes autosaved and not saved yet come back to be finished.
        _fill(form, services.pending_fields(found) or services.fields_of(found))
    else:
        form = _form()
    if form.validate_on_submit():
        answered = _save_from_form(form, found, _("Your changes are saved."))
        if answered is not None:
            return answered
    status = 422 if request.method == "POST" else 200
    return render_template("journal/edit.html", form=form, entry=found), status


def _fill(form: EntryForm, fields: services.EntryFields) -> None:
    form.body.data = fields.body
    form.title.data = fields.title or ""
    form.week.data = fields.week or 0
    form.prompt_id.data = fields.prompt_id or ""
    form.feelings.data = list(fields.feelings)
    form.sensations.data = list(fields.sensations)
    form.intensity.data = fields.intensity
    form.sharing.data = fields.sharing
    form.anonymous_to_peers.data = fields.anonymous_to_peers


@bp.route("/<int:entry_id>/discard-changes", methods=["POST"])
@require_roles(Role.participant)
def discard_changes(entry_id: int):
    """Let go of the changes autosaved over an entry; the entry stays as it was saved."""
    _entry_or_404(entry_id)
    try:
        services.discard_pending(
            db.session(), current_user, entry_id, base_version=_posted_version("version")
        )
    except services.Conflict:
        # Newer changes arrived from another device since this page was shown: they are
        # not let go unseen. The edit page shows them.
        flash(
            _(
                "These changes were changed again on another device, so nothing was let go. "
                "Here they are as they are now."
            ),
            "error",
        )
        return redirect(url_for("journal.edit_entry", entry_id=entry_id), 303)
    flash(_("The changes you had not saved are let go. The entry is as you last saved it."), "info")
    return redirect(url_for("journal.entry", entry_id=entry_id), 303)


@bp.route("/<int:entry_id>/resolve", methods=["POST"])
@require_roles(Role.participant)
def resolve_conflict(entry_id: int):
    """After a conflict: keep this device's text, or keep both as two entries. Keeping this
    device's text writes over the version the conflict view showed, never a newer one."""
    found = _entry_or_404(entry_id)
    form = _form()
    choice = request.form.get("choice")
    if not form.validate_on_submit() or choice not in ("mine", "both"):
        abort(400)
    fields = _fields(form)
    shown = _posted_version("shown_version", required=choice == "mine")
    try:
        kept = _resolve(found, fields, choice, shown)
    except services.SharingRefused:
        # Not in a small group (any more): the words are kept, private, and the person told.
        fields.sharing = "private"
        kept = _resolve(found, fields, choice, shown)
        flash(_("You are not in a small group yet, so this can only be private for now."), "info")
    except services.Conflict as conflict:
        # Changed again on another device since the conflict view was shown: show it again,
        # with what is there now.
        return _conflict_page(conflict, form)
    if choice == "mine":
        flash(_("Your text from this device is kept."), "success")
    else:
        flash(_("Both versions are kept, as two entries."), "success")
    return redirect(url_for("journal.entry", entry_id=kept.id), 303)


def _resolve(found, fields: services.EntryFields, choice: str, shown: int | None):
    if choice == "mine":
        return services.save(
            db.session(),
            current_user,
            client_uuid=found.client_uuid,
            fields=fields,
            base_version=shown,
            draft=False,
            entry_id=found.id,
        )
    raw = request.form.get("copy_uuid")
    return services.save(
        db.session(),
        current_user,
        client_uuid=_valid_uuid(raw) if raw else str(uuid.uuid4()),
        fields=fields,
        base_version=None,
        draft=False,
    )


@bp.route("/<int:entry_id>/sharing", methods=["POST"])
@require_roles(Role.participant)
def change_sharing(entry_id: int):
    """Share or stop sharing an entry; it takes effect at once."""
    found = _entry_or_404(entry_id)
    form = SharingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_sharing(
            db.session(),
            current_user,
            entry_id,
            form.sharing.data,
            bool(form.anonymous_to_peers.data),
            base_version=_posted_version("version"),
        )
    except services.SharingRefused:
        flash(_("You are not in a small group yet, so this can only be private for now."), "error")
    except services.Conflict as conflict:
        # The entry changed on another device since this page was shown: the choice is asked
        # again over the entry as it is now, nothing is changed unseen.
        current = conflict.current
        fresh = SharingForm(
            formdata=None,
            sharing=current.sharing,
            anonymous_to_peers=current.anonymous_to_peers,
        )
        return render_template(
            "journal/entry.html",
            entry=current,
            sharing_form=fresh,
            sharing_conflict=True,
            **_labels(current),
        ), 409
    else:
        flash(_("Who can read this entry is updated."), "success")
    return redirect(url_for("journal.entry", entry_id=found.id), 303)


@bp.route("/<int:entry_id>/delete", methods=["GET", "POST"])
@require_roles(Role.participant)
def delete_entry(entry_id: int):
    """Delete an entry for good, once the person has said so on the page that asks."""
    found = _entry_or_404(entry_id)
    if request.method == "GET":
        return render_template("journal/delete.html", entry=found)
    services.delete(db.session(), current_user, entry_id)
    flash(_("The entry is deleted."), "info")
    return redirect(url_for("journal.entries"), 303)


@bp.route("/autosave", methods=["POST"])
@require_roles(Role.participant)
def autosave():
    """Keep a draft as it is typed (and replay it from the offline outbox), once per UUID.
    A Save made offline comes back through here with `intent=save`: it is saved as the
    person meant it, finished and shared as they chose, never as a draft."""
    form = _form()
    entry_id = request.form.get("entry_id", type=int)
    saving = request.form.get("intent") == "save"
    if not form.validate_on_submit():
        return jsonify(saved=False, errors=form.errors), 422
    try:
        saved = services.save(
            db.session(),
            current_user,
            client_uuid=_valid_uuid(form.client_uuid.data),
            fields=_fields(form),
            base_version=_version(form),
            draft=not saving,
            entry_id=entry_id,
        )
    except services.EntryNotFound:
        return jsonify(saved=False), 404
    except services.SharingRefused:
        return jsonify(saved=False, errors={"sharing": ["refused"]}), 422
    except services.Conflict as conflict:
        return jsonify(saved=False, conflict=True, version=conflict.current.version), 409
    return jsonify(
        saved=True,
        draft=saved.draft,
        entry_id=saved.id,
        version=saved.version,
        edit_url=url_for("journal.edit_entry", entry_id=saved.id),
        entry_url=url_for("journal.entry", entry_id=saved.id),
    )


@bp.route("/group")
@require_roles(Role.participant)
def group():
    """What the other members of your small group chose to share with the group."""
    week = request.args.get("week", type=int)
    shared = services.group_reflections(db.session(), current_user, week=week)
    authors = services.display_names(db.session(), {e.user_id for e in shared})
    return render_template("journal/group.html", entries=shared, week=week, authors=authors)


@bp.route("/export.zip")
@require_roles(Role.participant)
def export_markdown():
    """All your entries as Markdown files in a zip, plus the same as JSON."""
    _record_export("journal_zip")
    return export_zip(services.all_entries(db.session(), current_user))


@bp.route("/export.json")
@require_roles(Role.participant)
def export_as_json():
    """All your entries as JSON."""
    _record_export("journal_json")
    return export_json(services.all_entries(db.session(), current_user))


def _record_export(detail: str) -> None:
    security_events.record(
        db.session(),
        security_events.EXPORTED,
        actor=current_user,
        subject=current_user,
        detail=detail,
        commit=True,
    )


def _save_from_form(form: EntryForm, found, saved_message: str):
    """Save a submitted entry; None when the form must be shown again with its errors."""
    try:
        saved = services.save(
            db.session(),
            current_user,
            client_uuid=found.client_uuid if found else _valid_uuid(form.client_uuid.data),
            fields=_fields(form),
            base_version=_version(form),
            draft=False,
            entry_id=found.id if found else None,
        )
    except services.SharingRefused:
        form.sharing.errors.append(
            _("You are not in a small group yet, so this can only be private for now.")
        )
        return None
    except services.Conflict as conflict:
        return _conflict_page(conflict, form)
    flash(saved_message, "success")
    return redirect(url_for("journal.entry", entry_id=saved.id), 303)


def _valid_uuid(raw: str | None) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except (ValueError, TypeError):
        abort(400)


def _version(form: EntryForm) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except ValueError:
        abort(400)


def _posted_version(name: str, *, required: bool = False) -> int | None:
    """The entry's version a page was built from, as it posted it back."""
    raw = request.form.get(name)
    if not raw:
        if required:
            abort(400)
        return None
    try:
        return int(raw)
    except ValueError:
        abort(400)


def _labels(entry) -> dict:
    words = choices.entry_words(content.library(), _place(), _locale())
    return {
        "feeling_labels": words.of_feelings(entry),
        "sensation_labels": words.of_sensations(entry),
        "prompt_text": words.prompt_of(entry),
    }


def _conflict_page(conflict: services.Conflict, form: EntryForm):
    """Both texts side by side. What the other device holds may be changes it autosaved and
    has not saved yet: those are shown, as they are what this device would write over."""
    current = conflict.current
    return render_template(
        "journal/conflict.html",
        form=form,
        current=current,
        theirs=services.pending_fields(current) or services.fields_of(current),
        attempted=conflict.attempted,
        copy_uuid=str(uuid.uuid4()),
    ), 409
