"""The typed parts of a printable report in the layout of a Vietnamese
administrative document (Decree 30/2020/NĐ-CP): parent and issuing bodies,
number, place, addressee, recipients and signature lines, typed on the page
(GET arguments) with the province's defaults. Shared by the period report and
the equipping progress report, whose templates draw them with the macros of
dashboard/_partials/_document.html."""
from flask import request
from flask_babel import gettext as _

from app import formatting

# The printable report's typed fields: (GET argument, longest accepted value).
# A longer value is cut, never refused: the page is a plain GET form.
REPORT_FIELDS = {"parent": 120, "issuer": 120, "number_line": 40, "place": 60, "addressee": 200,
                 "signer_for": 80, "signer_title": 80, "signer": 80}
RECIPIENTS_CHARS, RECIPIENTS_LINES, RECIPIENT_CHARS = 1500, 15, 120


def _typed(name: str, default: str = "") -> str:
    """A typed field of the printable report: trimmed, the default when left
    empty, cut to its length in REPORT_FIELDS."""
    return ((request.args.get(name) or "").strip() or default)[:REPORT_FIELDS[name]]


def _recipients(text: str, issuer: str) -> tuple[list[str], list[str]]:
    """The "Nơi nhận" lines as (kept, dropped): one recipient a line, without the
    dash the document adds. A line naming the issuing body itself (accents,
    case, spacing and the closing ; or . aside) is dropped: a body does not
    send its report to itself."""
    kept, dropped = [], []
    for line in text[:RECIPIENTS_CHARS].splitlines():
        line = line.strip().lstrip("-–•*+ ").strip()[:RECIPIENT_CHARS]
        if not line:
            continue
        if formatting.fold(line.rstrip(" ;.,:")) == formatting.fold(issuer):
            dropped.append(line.rstrip(" ;.,:"))  # the message ends the sentence
        elif len(kept) < RECIPIENTS_LINES:
            kept.append(line)
    return kept, dropped


def _phrases(title: str) -> list[str]:
    """A title in upper case, cut where a line may break: after a comma and
    before "và". The template keeps each phrase on one line when it fits
    (inline-block), so "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" breaks before "VÀ DU
    LỊCH", never inside "DU LỊCH"; the last two words of a phrase are joined
    by a no-break space for a phrase longer than the line."""
    phrases, words = [], []
    for word in title.upper().split():
        if words and (formatting.fold(word) == "va" or words[-1].endswith(",")):
            phrases.append(words)
            words = []
        words.append(word)
    if words:
        phrases.append(words)
    return [" ".join(p[:-2] + ["\u00a0".join(p[-2:])]) for p in phrases]


def document_fields(province, issuer: str) -> dict:
    """{"fields", "titles", "recipients", "dropped"} of a printable report of
    `province` issued by `issuer` (the default issuing body), as the page's
    GET arguments set them."""
    province_title = f"{province.division_type} {province.name}"
    fields = {
        "parent": _typed("parent", _("PEOPLE'S COMMITTEE OF %(province)s", province=province_title.upper())),
        "issuer": _typed("issuer", issuer),
        "number": _typed("number_line"),
        "place": _typed("place", province.name),
        "addressee": _typed("addressee", _("People's Committee of %(province)s", province=province_title)),
        "signer_for": _typed("signer_for"),
        "signer_title": _typed("signer_title", _("DIRECTOR")),
        "signer": _typed("signer"),
    }
    typed = request.args.get("recipients") or ""
    recipients, dropped = _recipients(typed, fields["issuer"])
    if not typed.strip():
        recipients = [_("As above;"), _("Province library;"), _("Archived: Office.")]
    return {"fields": fields, "recipients": recipients, "dropped": dropped,
            "titles": {k: _phrases(fields[k]) for k in ("parent", "issuer", "signer_for", "signer_title")}}
