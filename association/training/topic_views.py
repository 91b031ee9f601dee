"""The committee's list of training topics: add one, rename it or change how long it counts, retire
it and bring it back."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.access import role_required
from ..core.forms import required, show_domain_error
from ..extensions import db
from . import topics as training_topics
from .forms import TopicForm
from .models import TrainingTopic
from .views import bp


def _list_page(form: TopicForm):
    page = render_template("training/topics.html", form=form, rows=training_topics.topic_list())
    return page, 400 if form.errors else 200


@bp.route("/training/topics", methods=["GET", "POST"])
@role_required("committee")
def topics():
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = training_topics.add_topic(required(form.name), form.validity_months.data, current_user)
            db.session.commit()
        except training_topics.TopicError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(f"Topic added: {topic.name}. It is offered for training from now on.", "success")
            return redirect(url_for("training.topics"))
    return _list_page(form)


@bp.route("/training/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required("committee")
def edit_topic(topic_id: int):
    topic = db.get_or_404(TrainingTopic, topic_id)
    form = TopicForm(obj=None if request.method == "POST" else topic)
    if form.validate_on_submit():
        try:
            changed = training_topics.change_topic(topic, required(form.name), form.validity_months.data, current_user)
            db.session.commit()
        except training_topics.TopicError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(f"Saved: {topic.name}." if changed else "Nothing was changed.", "success" if changed else "info")
            return redirect(url_for("training.topics"))
    page = render_template("training/topic_edit.html", form=form, topic=topic, validity=training_topics.validity_words)
    return page, 400 if form.errors else 200


@bp.post("/training/topics/<int:topic_id>/retire")
@role_required("committee")
def retire_topic(topic_id: int):
    topic = db.get_or_404(TrainingTopic, topic_id)
    if training_topics.set_retired(topic, True, current_user):
        db.session.commit()
        flash(f"Retired: {topic.name}. It stays on the records that have it.", "success")
    else:
        flash(f"{topic.name} was already retired.", "info")
    return redirect(url_for("training.topics"))


@bp.post("/training/topics/<int:topic_id>/restore")
@role_required("committee")
def restore_topic(topic_id: int):
    topic = db.get_or_404(TrainingTopic, topic_id)
    if training_topics.set_retired(topic, False, current_user):
        db.session.commit()
        flash(f"Back in use: {topic.name}. It is offered for training again.", "success")
    else:
        flash(f"{topic.name} is already in use.", "info")
    return redirect(url_for("training.topics"))
