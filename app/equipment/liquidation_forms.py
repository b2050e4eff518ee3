"""The forms of liquidation by decision (see app.equipment.liquidation)."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.equipment.forms import MAX_VND
from app.forms_base import (
    Form,
    LocalDateField,
    LocalIntegerField,
    NumberRange,
    VersionedForm,
    no_control_chars,
    not_in_future,
)


class ProposalForm(Form):
    """The reason and the evidence; the items and their quantities are read by the route
    (one `qty-<item id>` field per item of the point)."""

    reason = TextAreaField(_l("Reason for liquidation"),
                           validators=[DataRequired(message=_l("Give the reason for the liquidation.")),
                                       Length(max=2000), no_control_chars], render_kw={"rows": 3})
    evidence = TextAreaField(_l("Condition of the items (evidence)"),
                             validators=[Optional(), Length(max=4000), no_control_chars], render_kw={"rows": 3},
                             description=_l("e.g. the repair shop's assessment, what no longer works, photos kept"))


class DecisionForm(VersionedForm):
    # Sent by the button pressed: "Approve" or "Refuse".
    outcome = SelectField(_l("Decision"), choices=[("approve", _l("Approve")), ("refuse", _l("Refuse"))],
                          validators=[InputRequired(message=_l("Choose approve or refuse."))])
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=50), no_control_chars],
                                  description=_l("e.g. 125/QĐ-SVHTTDL"))
    decision_date = LocalDateField(_l("Decision date"), validators=[Optional(), not_in_future])
    decision_issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200), no_control_chars],
                                  description=_l("e.g. Department of Culture, Sports and Tourism"))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000), no_control_chars],
                            render_kw={"rows": 2})

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.outcome.data == "approve":
            for field in (self.decision_number, self.decision_date, self.decision_issuer):
                if not field.errors and not (field.data.strip() if isinstance(field.data, str) else field.data):
                    field.errors = [*field.errors, _l("Required when approving.")]
                    ok = False
        elif self.outcome.data == "refuse" and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors, _l("Say why the proposal is refused.")]
            ok = False
        return ok


class MinutesForm(VersionedForm):
    minutes_date = LocalDateField(_l("Date of the minutes"), validators=[
        DataRequired(message=_l("Enter a date as dd/mm/yyyy.")), not_in_future])
    council = TextAreaField(_l("Liquidation council (members)"),
                            validators=[DataRequired(message=_l("Name the members of the council.")),
                                        Length(max=2000), no_control_chars], render_kw={"rows": 3})
    proceeds = LocalIntegerField(_l("Proceeds (VND)"),
                                 validators=[InputRequired(message=_l("Enter the proceeds, 0 if none.")),
                                             NumberRange(min=0, max=MAX_VND)],
                                 render_kw={"inputmode": "numeric", "min": 0})
