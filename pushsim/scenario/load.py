"""Reading a scenario from a YAML or TOML file, a text or a mapping.

YAML is read with the safe loader only, and a key given twice in one mapping
is a fault rather than the last one silently winning. Every fault found, in
the syntax, in a field or across nodes, is reported at once in one
:class:`~pushsim.errors.ScenarioError`, each with its place in the file. A text
or mapping that nests more than :data:`MAX_DEPTH` levels is refused before it is
read further.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence, Sized
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import ValidationError

from pushsim.errors import Fault, ScenarioError
from pushsim.quantities import TAG_SEPARATOR, Model
from pushsim.scenario.checks import topology_faults
from pushsim.scenario.schema import Scenario
from pushsim.scenario.sweep import sweep_faults

__all__ = ["load_scenario", "parse_scenario_text"]


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping.

    A key that YAML 1.1 would read as a boolean (``on``, ``off``, ``yes``,
    ``no``) is kept as the word written, so that ``on: 200ms`` means the key
    ``on``; values are read as YAML reads them. A key merged in with
    ``<<: *anchor`` may be given again, to override the merged value.
    """


_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    written = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)
    merged = len(node.value) - written  # ``<<: *base`` pairs come first
    mapping: dict[Any, Any] = {}
    first_line: dict[Any, int] = {}
    for index, (key_node, value_node) in enumerate(node.value):
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _BOOL_TAG:
            key: Any = key_node.value
        else:
            key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, got {key!r}", key_node.start_mark
            ) from None
        if key in first_line:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} is given twice in one mapping (first at line "
                f"{first_line[key] + 1})",
                key_node.start_mark,
            )
        if index >= merged:  # a key written here may override a merged one
            first_line[key] = key_node.start_mark.line
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _yaml_fault(error: yaml.YAMLError) -> Fault:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = (
        f" at line {mark.line + 1}, column {mark.column + 1}"
        if mark is not None
        else ""
    )
    kind = (
        "YAML error"
        if isinstance(error, yaml.constructor.ConstructorError)
        else "YAML syntax error"
    )
    context, start = (
        getattr(error, "context", None),
        getattr(error, "context_mark", None),
    )
    if context and not context.startswith("while "):  # "expected a single document"
        problem = f"{context} {problem}"
    elif context and start is not None and mark is not None and start.line < mark.line:
        problem += f" ({context} that starts at line {start.line + 1})"
    return Fault("", f"{kind}{where}: {problem}")


_EMPTY = "the scenario is empty; it needs producers and queues"


def parse_scenario_text(text: str, *, kind: str = "yaml") -> Any:
    """The raw mapping in a scenario text; a syntax error raises ScenarioError."""
    if not text.strip():
        raise ScenarioError([Fault("", _EMPTY)])
    try:
        if kind == "toml":
            data = tomllib.loads(text)
        else:
            data = yaml.load(text, Loader=_StrictLoader)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Fault("", f"TOML syntax error: {error}")]) from None
    except yaml.YAMLError as error:
        raise ScenarioError([_yaml_fault(error)]) from None
    except RecursionError:  # the readers recurse once or more per level
        raise ScenarioError([Fault("", _TOO_DEEP)]) from None
    if data is None:  # nothing but comments
        raise ScenarioError([Fault("", _EMPTY)])
    return data


#: The deepest nesting of mappings and lists a scenario may have (one needs 7).
MAX_DEPTH = 100
_TOO_DEEP = f"the file nests too deeply (more than {MAX_DEPTH} levels)"


def _too_deep(data: Any) -> bool:
    """Whether mappings and lists nest more than MAX_DEPTH levels in ``data``.

    Level by level, each container once (YAML aliases may share one), so that
    a self-referring or widely shared structure stops too.
    """
    level: dict[int, Any] = {id(data): data}
    for _ in range(MAX_DEPTH):
        below: dict[int, Any] = {}
        for value in level.values():
            if isinstance(value, Mapping):
                children: Any = [*value.keys(), *value.values()]
            elif isinstance(value, list | tuple):
                children = value
            else:
                continue
            for child in children:
                if isinstance(child, Mapping | list | tuple):
                    below[id(child)] = child
        if not below:
            return False
        level = below
    return True


# Messages for pydantic's error types, as the rule a user broke.
_RULES = {
    "missing": "required, but missing",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "then_type": "must be a node name, or a mapping of node names to probabilities",
    "count_type": (
        "must be a whole number, or a schedule such as {profile: [2, 4, 8], interval: 1h}"
    ),
    "string_pattern_mismatch": (
        "must be a name of ASCII letters, digits, '_' or '-', starting with an "
        "ASCII letter or '_'"
    ),
}


def _vocabulary() -> set[str]:
    """Every key that any scenario record accepts, for "did you mean" hints."""
    names: set[str] = set()
    stack: list[type[Model]] = [Model]
    while stack:
        model = stack.pop()
        names.update(field.alias or name for name, field in model.model_fields.items())
        stack.extend(model.__subclasses__())
    return names


def _types(annotation: Any) -> list[Any]:
    """The types an annotation may hold: ``Annotated`` and unions opened."""
    if get_origin(annotation) is Annotated:
        return _types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return [t for arg in get_args(annotation) for t in _types(arg)]
    return [annotation]


def _records_at(loc: Sequence[Any]) -> list[type[Model]]:
    """The records that the value at ``loc`` of a scenario may be (none if unsure)."""
    types: list[Any] = [Scenario]
    for part in loc:
        records = [t for t in types if isinstance(t, type) and issubclass(t, Model)]
        if isinstance(part, str) and TAG_SEPARATOR in part:  # the member of a union
            key, _, tag = part.partition(TAG_SEPARATOR)
            matched = [
                t
                for t in records
                if key in t.model_fields and t.model_fields[key].default == tag
            ]
            # A union told apart by the value's shape, not by a field of its own.
            keyed = any(key in t.model_fields for t in records)
            types = matched if keyed else records
            continue
        step: list[Any] = []
        for t in types:
            if t in records:
                step.extend(
                    member
                    for name, field in t.model_fields.items()
                    if part in (name, field.alias)
                    for member in _types(field.annotation)
                )
            elif get_origin(t) is dict:
                step.extend(_types(get_args(t)[1]))
            elif get_origin(t) is tuple and isinstance(part, int):
                args = get_args(t)
                if args[-1] is Ellipsis or part < len(args):
                    step.extend(_types(args[0] if args[-1] is Ellipsis else args[part]))
        types = step
    return [t for t in types if isinstance(t, type) and issubclass(t, Model)]


def _keys_at(loc: Sequence[Any]) -> set[str]:
    """The keys that the record at ``loc`` accepts, for "did you mean" hints."""
    return {
        field.alias or name
        for record in _records_at(loc)
        for name, field in record.model_fields.items()
    }


def _names_at(loc: Sequence[Any], key: str) -> list[str]:
    """The names that ``key`` may take at ``loc``, such as the laws for ``law``."""
    names = [
        r.model_fields[key].default for r in _records_at(loc) if key in r.model_fields
    ]
    return list(dict.fromkeys(str(name) for name in names))


def _show(value: Any) -> str:
    words = {True: "true", False: "false", None: "null"}
    text = words[value] if value is None or isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _entries(count: Any) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _fault(error: Mapping[str, Any], vocabulary: set[str]) -> Fault | None:
    """The fault that a pydantic error stands for, or None for a knock-on error."""
    loc = error["loc"]
    parts = [p for p in loc if not (isinstance(p, str) and TAG_SEPARATOR in p)]
    kind, context = error["type"], error.get("ctx") or {}
    value: Any = error["input"]
    message: str = error["msg"]
    if parts[-1:] == ["[key]"]:  # the name of a node, not its value
        parts = [*parts[:-2], str(parts[-2])]

    if kind == "extra_forbidden":
        key = str(parts[-1]) if parts else "?"
        keys = _keys_at(loc[:-1])
        hint = difflib.get_close_matches(key, sorted(keys or vocabulary), n=1)
        message = f"unknown key {key!r}"
        if hint:
            message += f"; did you mean {hint[0]!r}?"
        elif keys:
            message += f"; use {', '.join(sorted(keys))}"
        parts = [*parts[:-1], key]
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
        field, sep, rest = message.partition(": ")
        if sep and field.isidentifier() and isinstance(value, Mapping):
            parts, message = [*parts, field], rest
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}.get(
            kind, "<="
        )
        bound = next(iter(context.values()))
        bound = f"{bound:g}" if isinstance(bound, int | float) else bound
        message = f"must be {sign} {bound}, got {_show(value)}"
    elif kind == "literal_error":
        message = f"must be one of {context.get('expected')}, got {_show(value)}"
    elif kind == "missing" and parts and isinstance(parts[-1], int):
        length = len(value) if isinstance(value, list | tuple) else 0
        parts, message = (
            parts[:-1],
            f"must have at least {_entries(parts[-1] + 1)}, got {length}",
        )
    elif kind == "missing":
        message = _RULES[kind]
    elif kind.startswith("unknown_"):
        key = kind.removeprefix("unknown_")
        names = (
            _names_at(loc, key) if isinstance(value, Mapping) and key in value else []
        )
        if names:
            hint = difflib.get_close_matches(str(value[key]), names, n=1)
            parts = [*parts, key]
            message = f"must be one of {', '.join(names)}; got {_show(value[key])}" + (
                f"; did you mean {hint[0]!r}?" if hint else ""
            )
        elif isinstance(value, Mapping) and key not in value:
            message = f"{message}; {key!r} is missing"
        else:
            message = f"{message}; got {_show(value)}"
    elif kind in ("too_short", "too_long"):
        length = len(value) if isinstance(value, Sized) else 0
        if kind == "too_short":
            bound, most = context.get("min_length"), "least"
            if isinstance(bound, int) and length >= bound:
                return None  # pydantic counts only the entries that passed their checks
        else:
            bound, most = context.get("max_length"), "most"
        message = f"must have at {most} {_entries(bound)}, got {length}"
    elif kind == "string_too_long":
        message = (
            f"must be at most {context.get('max_length')} characters, got {len(value)}"
        )
    elif kind in _RULES:
        message = f"{_RULES[kind]}, got {_show(value)}"

    path = ""
    for part in parts:
        path += (
            f"[{part}]"
            if isinstance(part, int)
            else (f".{part}" if path else str(part))
        )
    return Fault(path, message)


def _validate(data: Any, base_dir: Path | None, source: str | None) -> Scenario:
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [Fault("", f"a scenario must be a mapping of keys, got {_show(data)}")],
            source=source,
        )
    if _too_deep(data):
        where = "file" if source is not None else "mapping"
        raise ScenarioError(
            [Fault("", _TOO_DEEP.replace("file", where))], source=source
        )
    scenario, faults = _check(data, base_dir)
    faults.extend(sweep_faults(data, scenario, lambda d: _check(d, base_dir)[1]))
    if faults:
        unique = list(dict.fromkeys(faults))
        raise ScenarioError(unique, source=source)
    assert scenario is not None
    scenario._source_data = data
    scenario._base_dir = base_dir
    return scenario


def _check(
    data: Mapping[str, Any], base_dir: Path | None
) -> tuple[Scenario | None, list[Fault]]:
    """The scenario of ``data`` and the faults of its records and topology."""
    faults: list[Fault] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as error:
        vocabulary = _vocabulary()
        for fault in (_fault(e, vocabulary) for e in error.errors(include_url=False)):
            if fault is not None:
                faults.append(fault)
    faults.extend(topology_faults(data))
    return (scenario if not faults else None), faults


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario) -> Scenario:
    """Read and validate a scenario from a file path or a mapping.

    A path ending in ``.toml`` is read as TOML, anything else as YAML. A
    mapping (for example a dict written in a notebook) is validated as it is;
    files it names are found relative to the current directory. A wrong
    scenario raises :class:`~pushsim.errors.ScenarioError` with every fault.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return _validate(source, None, None)
    if not isinstance(source, str | Path):
        raise ScenarioError(
            [Fault("", f"a scenario is a file path or a mapping, got {_show(source)}")]
        )
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Fault("", f"no such file: {path}")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            [Fault("", f"{path} is a folder, not a scenario file")]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Fault("", f"cannot read {path}: {error}")]) from None
    try:
        data = parse_scenario_text(
            text, kind="toml" if path.suffix == ".toml" else "yaml"
        )
        scenario = _validate(data, path.parent, str(path))
    except ScenarioError as error:
        raise ScenarioError(error.faults, source=str(path)) from None
    scenario._source_path = str(path)
    scenario._source_text = text
    return scenario
