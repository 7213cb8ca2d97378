"""Golden protocol bytes from kafka-python, an implementation independent of strata.

  emit   prints a JSON list of {name, api_key, version, kind, hex}: every message
         and version of kafka-python's hand-written classic classes, filled with
         generated values (unknown tagged fields included), and every version of
         its newer classes with default values.
  check  reads a JSON list of {name, version, hex} on stdin (messages strata
         encoded), decodes each with kafka-python, re-encodes it, and prints a
         JSON list of {name, version, ok, error}.
"""
import importlib
import inspect
import json
import pkgutil
import sys
import uuid

import kafka.protocol as P
import kafka.protocol.old as old
from kafka.protocol.api_message import ApiMessage
from kafka.protocol.old import types as T


def fill(t, depth=0):
    """A value for classic schema type t."""
    if isinstance(t, T.Schema):
        return tuple(fill(f, depth + 1) for f in t.fields)
    if isinstance(t, T.Array):  # includes CompactArray
        return [fill(t.array_of, depth + 1) for _ in range(2)]
    if t is T.TaggedFields or isinstance(t, T.TaggedFields):
        return {99: b"\x07tagged"}
    if t is T.BitField or isinstance(t, T.BitField):
        return {1, 3}
    simple = {
        T.Int8: 5, T.Int16: 300, T.Int32: 70000, T.Int64: 1 << 40, T.Float64: 1.5,
        T.Boolean: True, T.UUID: uuid.UUID(int=0x0123456789ABCDEF0123456789ABCDEF),
        T.Bytes: b"\x01\x02golden", T.CompactBytes: b"\x01\x02golden",
        T.UnsignedVarInt32: 1000, T.VarInt32: -1000, T.VarInt64: -(1 << 40),
    }
    for k, v in simple.items():
        if t is k or isinstance(t, k):
            return v
    if isinstance(t, T.String):  # includes CompactString
        return "golden-str"
    raise TypeError(f"no value for {t!r}")


def classic_cases():
    for m in pkgutil.iter_modules(old.__path__):
        mod = importlib.import_module("kafka.protocol.old." + m.name)
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if "_v" not in name or not hasattr(cls, "SCHEMA") or not hasattr(cls, "API_KEY"):
                continue
            base = name.rsplit("_v", 1)[0]
            kind = "request" if base.endswith("Request") else "response"
            values = fill(cls.SCHEMA)
            msg = cls(*values)
            yield {"source": "classic", "name": base, "api_key": cls.API_KEY, "version": cls.API_VERSION,
                   "kind": kind, "hex": msg.encode().hex()}


def json_classes():
    found = {}
    for m in pkgutil.walk_packages(P.__path__, "kafka.protocol."):
        if ".old" in m.name or "schemas" in m.name:
            continue
        try:
            mod = importlib.import_module(m.name)
        except Exception:
            continue
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, ApiMessage) and cls is not ApiMessage and getattr(cls, "_json", None):
                found[cls.name] = cls
    return found


def default_cases():
    for name, cls in sorted(json_classes().items()):
        lo, hi = cls.valid_versions
        for v in range(lo, hi + 1):
            yield {"source": "json-default", "name": name, "api_key": cls.API_KEY, "version": v,
                   "kind": cls.type, "hex": cls[v]().encode(version=v).hex()}


def check(cases):
    classes = json_classes()
    out = []
    for case in cases:
        cls = classes.get(case["name"])
        res = {"name": case["name"], "version": case["version"], "ok": False, "error": None}
        if cls is None:
            res["error"] = "kafka-python has no class for this message"
        else:
            data = bytes.fromhex(case["hex"])
            try:
                versioned = cls[case["version"]]
                msg = versioned.decode(data)
                if not hasattr(msg, "_header"):
                    # kafka-python's decode leaves this slot unset, and
                    # DeleteTopicsRequest.encode reads it: set it as __init__ would.
                    msg._header = None
                again = msg.encode(version=case["version"])
                res["ok"] = again == data
                if not res["ok"]:
                    res["error"] = f"re-encoded differently: {again.hex()}"
            except Exception as e:  # reported, not raised: the Rust test decides
                res["error"] = f"{type(e).__name__}: {e}"
        out.append(res)
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["emit"]:
        json.dump(list(classic_cases()) + list(default_cases()), sys.stdout)
    elif sys.argv[1:] == ["check"]:
        json.dump(check(json.load(sys.stdin)), sys.stdout)
    elif sys.argv[1:] == ["classes"]:
        json.dump(sorted(json_classes()), sys.stdout)
    else:
        sys.exit(__doc__)
