"""Validates a JSON document against a JSON Schema, with the standard library.

Usage: validate_plan.py SCHEMA.json DOCUMENT.json

Supports the subset of JSON Schema (draft 2020-12) that docs/plan.schema.json
uses: type, const, enum, minimum, required, properties, additionalProperties
(false or a schema), items (one schema), allOf, if/then/else, and $ref to
"#/$defs/NAME"; the annotations $schema, $id, title, description, $comment and
$defs are skipped. A schema using any other keyword is rejected, so the
validator never passes a document by ignoring a rule it does not know.

Prints "ok" and exits 0 when the document is valid; otherwise prints the
first violation, in document order, as "error: PATH: MESSAGE" with PATH a
JSON path such as $.programs[3].ops[12].stream, and exits 1.
"""

import json
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "$defs"}
KEYWORDS = {"type", "const", "enum", "minimum", "required", "properties",
            "additionalProperties", "items", "allOf", "if", "then", "else",
            "$ref"}
TYPES = {"object", "array", "string", "integer", "number", "boolean", "null"}


class Violation(Exception):
    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def has_type(value, expected):
    actual = type_name(value)
    if expected == "number":
        return actual in ("integer", "number")
    if expected == "integer":
        # JSON Schema counts 2.0 as an integer.
        return actual == "integer" or (actual == "number" and value.is_integer())
    return actual == expected


def same(a, b):
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if has_type(a, "number") and has_type(b, "number"):
        return a == b
    return type_name(a) == type_name(b) and a == b


class Validator:
    def __init__(self, root):
        self.root = root
        self.check_schema(root, "#")

    def check_schema(self, schema, where):
        """Rejects keywords this validator does not implement."""
        if isinstance(schema, bool):
            return
        if not isinstance(schema, dict):
            raise SystemExit(f"error: schema {where} is not an object")
        for key, value in schema.items():
            if key not in KEYWORDS | ANNOTATIONS:
                raise SystemExit(f"error: schema {where} uses unsupported "
                                 f"keyword '{key}'")
            if key == "type" and value not in TYPES:
                raise SystemExit(f"error: schema {where} has unknown type "
                                 f"{value!r}")
            if key == "$ref" and not value.startswith("#/$defs/"):
                raise SystemExit(f"error: schema {where} has $ref {value!r}; "
                                 "only #/$defs/NAME is supported")
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    self.check_schema(sub, f"{where}/{key}/{name}")
            elif key == "allOf":
                for i, sub in enumerate(value):
                    self.check_schema(sub, f"{where}/allOf/{i}")
            elif key in ("items", "if", "then", "else",
                         "additionalProperties"):
                self.check_schema(value, f"{where}/{key}")

    def resolve(self, ref):
        name = ref[len("#/$defs/"):]
        defs = self.root.get("$defs", {})
        if name not in defs:
            raise SystemExit(f"error: schema has no definition for {ref}")
        return defs[name]

    def matches(self, value, schema, path):
        try:
            self.validate(value, schema, path)
            return True
        except Violation:
            return False

    def validate(self, value, schema, path):
        if schema is True:
            return
        if schema is False:
            raise Violation(path, "is not allowed here")
        if "$ref" in schema:
            self.validate(value, self.resolve(schema["$ref"]), path)
        if "type" in schema and not has_type(value, schema["type"]):
            raise Violation(path, f"expected {schema['type']}, got "
                                  f"{type_name(value)}")
        if "const" in schema and not same(value, schema["const"]):
            raise Violation(path, f"expected {json.dumps(schema['const'])}, "
                                  f"got {json.dumps(value)}")
        if "enum" in schema and not any(same(value, e) for e in schema["enum"]):
            allowed = ", ".join(json.dumps(e) for e in schema["enum"])
            raise Violation(path, f"{json.dumps(value)} is not one of "
                                  f"{allowed}")
        if ("minimum" in schema and has_type(value, "number")
                and value < schema["minimum"]):
            raise Violation(path, f"{value} is below the minimum "
                                  f"{schema['minimum']}")
        if isinstance(value, dict):
            self.validate_object(value, schema, path)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self.validate(item, schema["items"], f"{path}[{i}]")
        for sub in schema.get("allOf", []):
            self.validate(value, sub, path)
        if "if" in schema:
            branch = "then" if self.matches(value, schema["if"], path) else "else"
            if branch in schema:
                self.validate(value, schema[branch], path)

    def validate_object(self, value, schema, path):
        """The keys in document order, then the keys missing from the end."""
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                self.validate(item, properties[key], f"{path}.{key}")
            elif extra is False:
                raise Violation(path, f"unexpected key '{key}'")
            elif extra is not True:
                self.validate(item, extra, f"{path}.{key}")
        for key in schema.get("required", []):
            if key not in value:
                raise Violation(path, f"missing required key '{key}'")


def load(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"error: cannot read {what} {path}: {e}")


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: validate_plan.py SCHEMA.json DOCUMENT.json")
    validator = Validator(load(sys.argv[1], "schema"))
    document = load(sys.argv[2], "document")
    try:
        validator.validate(document, validator.root, "$")
    except Violation as violation:
        print(f"error: {violation}")
        sys.exit(1)
    print("ok")


main()
