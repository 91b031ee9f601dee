"""Forum forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.forms import MultiLine, SingleLine
from .posting import BODY_LENGTH, TITLE_LENGTH


def _opening_post() -> TextAreaField:
    """The opening post's text, as started and as edited."""
    return TextAreaField(
        "Your post", validators=[DataRequired("Write something before posting."), Length(max=BODY_LENGTH), MultiLine()]
    )


class ThreadForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the thread a title."), Length(max=TITLE_LENGTH), SingleLine()]
    )
    body = _opening_post()


class PostForm(FlaskForm):
    body = TextAreaField(
        "Your reply", validators=[DataRequired("Write something before posting."), Length(max=BODY_LENGTH), MultiLine()]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason."), Length(max=1000), MultiLine()])


class HideForm(FlaskForm):
    """A moderator hides a post; the labels match the small forms on the thread page and the queue."""

    reason = StringField(
        "Reason (shown to the author)",
        validators=[DataRequired("Give a reason: the author will see it."), Length(max=1000), SingleLine()],
    )


class WarnForm(FlaskForm):
    reason = TextAreaField(
        "What the warning is about",
        validators=[
            DataRequired("Say what the warning is about; the member will read it."),
            Length(max=1000),
            MultiLine(),
        ],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the suspension",
        validators=[DataRequired("Give a reason for the suspension."), Length(max=1000), MultiLine()],
    )


class OptionalReasonForm(FlaskForm):
    reason = StringField("Note for the log (optional)", validators=[Optional(), Length(max=500), SingleLine()])


class MoveForm(FlaskForm):
    category_id = SelectField("Move to", coerce=int)
    reason = StringField("Note for the log (optional)", validators=[Optional(), Length(max=500), SingleLine()])


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the category a name."), Length(max=80), SingleLine()])
    description = StringField("Description", validators=[Optional(), Length(max=300), SingleLine()])
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(0, 1000)])
    restricted_to = SelectField(
        "Who can see it",
        choices=[
            ("", "Every member"),
            ("committee", "Committee only"),
            ("moderator", "Moderators only"),
            ("strategy", "Strategy group only"),
        ],
    )


class EditPostForm(PostForm):
    def sent_title(self) -> str | None:
        return None  # a reply has no title


class EditOpeningPostForm(FlaskForm):
    """Editing an opening post: its thread's title too. A title left out of the request keeps the
    thread's (an empty one sent is refused by the posting rules)."""

    title = StringField("Title", validators=[Length(max=TITLE_LENGTH), SingleLine()])
    body = _opening_post()

    def sent_title(self) -> str | None:
        return self.title.data if self.title.raw_data else None


def edit_form(post, thread, filled: bool) -> EditPostForm | EditOpeningPostForm:
    """The form for editing ``post``. ``filled``: start from the stored text (a GET), otherwise from
    what was sent."""
    if post.number != 1:
        return EditPostForm(body=post.body_md) if filled else EditPostForm()
    return EditOpeningPostForm(title=thread.title, body=post.body_md) if filled else EditOpeningPostForm()
