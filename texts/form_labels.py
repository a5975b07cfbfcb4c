"""A report form field's label in the reader's language (questions, summaries, roll-ups)."""

from __future__ import annotations

from domain.forms import FieldKind, FormField, FormSpec
from domain.org import Language
from texts.i18n import Translator, catalog


def field_label(tr: Translator, form: FormSpec, item: FormField) -> str:
    """A configured label in the reader's language, else the catalog's question, else the key."""
    for code in (tr.language.value, tr.language.value.split("_")[0]):
        label = item.labels.get(code)
        if label:
            return label
    key = f"form-{form.name}-{item.key}"
    if key in catalog(tr.language) or key in catalog(Language.ZH_CN):
        return tr(key)
    return next(iter(item.labels.values()), item.key)


def key_label(tr: Translator, form: FormSpec, key: str) -> str:
    """The label of a field named by its key (a refusal's {other}, a total)."""
    try:
        return field_label(tr, form, form.fields[form.index(key)])
    except ValueError:
        return field_label(tr, form, FormField(key, FieldKind.COUNT))
