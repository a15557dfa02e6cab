"""Key paths of the scenario language: which model a path reaches, which keys it allows, and
whether its last key names a new entry (a partner, a venture) or a field."""

from __future__ import annotations

import typing

from pydantic import BaseModel, Tag

from simulator.scenario.schema import Scenario


def names_new_entry(path: tuple, model: type = Scenario) -> bool:
    """True when `path`'s last key would be a new entry of a mapping keyed by ids or dates
    (a partner, a venture, a market point) rather than a field of a model."""
    parent = _unwrap(find_type(model, path[:-1]))
    models = _models(parent)
    if len(models) == 1:
        return False
    return typing.get_origin(parent) is dict or any(
        typing.get_origin(_unwrap(a)) is dict for a in typing.get_args(parent)
    )


def find_type(model: type, loc: tuple):
    """The annotation at `loc`, found by walking the model classes along the location."""
    tp = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return None
    return tp


def allowed_keys(model: type, loc: tuple) -> list[str]:
    """Keys allowed at `loc` (a model, or a union holding one model such as `Market | None`)."""
    models = _models(find_type(model, loc))
    return list(_fields(models[0])) if len(models) == 1 else []


def _fields(model: type) -> dict:
    """A model's fields by the key written in YAML (the alias, e.g. `from`, where there is one)."""
    return {f.alias or name: f for name, f in model.model_fields.items()}


def union_tags(tp) -> list[str]:
    """The `type` values of a tagged union such as `Schedule | None`."""
    fields = [m.model_fields.get("type") for m in _models(tp)]
    return [typing.get_args(f.annotation)[0] for f in fields if f is not None]


def _is_model(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(tp):
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _models(tp) -> list:
    """The model classes in `tp`, looking through Annotated and (nested) unions."""
    tp = _unwrap(tp)
    if _is_model(tp):
        return [tp]
    if typing.get_origin(tp) in (dict, list) or tp is None:
        return []
    return [m for a in typing.get_args(tp) for m in _models(a)]


def _step(tp, part):
    tp = _unwrap(tp)
    if _is_model(tp):
        field = _fields(tp).get(str(part))
        return field.annotation if field else None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    if args:  # a union: the location names a tagged member, or the one model inside
        tagged = _tagged(args, part)
        if tagged is not None:
            return tagged
        models = _models(tp)
        for m in models:
            tag = m.model_fields.get("type")
            if tag is not None and tag.default == part or _literal_is(m, part):
                return m
        if len(models) == 1:  # a field of the one model, or a marker before it (a tag)
            only = models[0]
            return _step(only, part) if str(part) in _fields(only) else only
    return None


def _tagged(args, part):
    """The member of a union chosen by a callable discriminator whose tag is `part` (the
    varying terms' "[steps]", "[by_round]", ...: scenario/terms.py)."""
    for arg in args:
        annotated = typing.get_origin(arg) is typing.Annotated
        if annotated and part in [m.tag for m in arg.__metadata__ if isinstance(m, Tag)]:
            return typing.get_args(arg)[0]
        inner = typing.get_args(_unwrap(arg))
        found = _tagged(inner, part) if inner else None
        if found is not None:
            return found
    return None


def _literal_is(model, part) -> bool:
    field = model.model_fields.get("type")
    return field is not None and part in typing.get_args(field.annotation)
