"""Small Sphinx fixes for the book's HTML (loaded through _config.yml's local_extensions).

sphinx-thebe and sphinx-togglebutton register inline scripts while documents are read; Sphinx
then registers them a second time when writing starts (once with filename None, once with
''). Every page then declares ``const THEBE_JS_URL`` twice and the browser logs a
SyntaxError. We drop such duplicates from each page's script list before it is rendered.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen: set[tuple] = set()
    unique = []
    for script in list(context.get("script_files", [])):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: later handlers add to this same list


def setup(app):
    # run early: Sphinx stops calling handlers once one returns a template name
    app.connect("html-page-context", drop_duplicate_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
