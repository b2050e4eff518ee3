"""Imports of spreadsheets and pasted lists: one pipeline for every domain.

A file is read (app.spreadsheets), each row is checked by the domain's own
WTForms form, the checked rows wait in an ImportBatch for the user's
confirmation (any app server can take it), and the confirmation saves them
all in one statement or none. A domain describes its import with an
`Importer` (see pipeline.py) and keeps only its routes, which declare access.
"""
