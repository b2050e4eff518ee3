"""Fill translations/en: the source strings are English, so each empty
msgstr becomes its msgid (and plural). Run by `make extract`."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(sys.argv[1] if len(sys.argv) > 1 else "translations/en/LC_MESSAGES/messages.po")
with path.open("rb") as f:
    catalog = read_po(f)
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple):
        if not all(message.string or ()):
            message.string = tuple(message.id[:2])
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with path.open("wb") as f:
    write_po(f, catalog, width=0, omit_header=False, sort_output=False, no_location=True)
